/* Unary elementwise ops of the graph dialect: math functions, activations
 * and the logical/bitwise negations.
 *
 * Each op is a table row plus a scalar function; one loop (st_ew_map) applies
 * the function over a tensor.  Floats are computed in double and rounded once
 * on store; integer forms (Abs, Neg, Sign, Not, BitwiseNot) work in int64 and
 * wrap on store.  Attributes are read once per call with their ONNX
 * defaults. */
#include <math.h>
#include <string.h>

#include "ir/dialects/graph_elementwise.h"
#include "ir/dialects/graph_lower.h"
#include "ir/elem.h"

/* Attribute values an activation needs, read once per interpret call. */
typedef struct st_ew_params {
  double a, b;
  int64_t i0, i1;
} st_ew_params;

typedef double (*st_ew_fn_f)(double x, const st_ew_params *p);
typedef int64_t (*st_ew_fn_i)(int64_t x, const st_ew_params *p);

/* out[i] = f(in[i]): floats through fn_f, integers and i1 through fn_i.
 * The output element type may differ from the input's (IsNaN -> i1). */
static bool st_ew_map(const st_tensor *in, st_tensor *out, st_ew_fn_f fn_f, st_ew_fn_i fn_i, const st_ew_params *p) {
  const st_type *ie = st_type_elem(in[0].type), *oe = st_type_elem(out[0].type);
  int64_t n = st_type_num_elements(out[0].type);
  if (st_type_is_float(ie) || !fn_i) {
    for (int64_t i = 0; i < n; i++) st_elem_store_f(oe, out[0].data, i, fn_f(st_elem_load_f(ie, in[0].data, i), p));
  } else {
    for (int64_t i = 0; i < n; i++) st_elem_store_i(oe, out[0].data, i, fn_i(st_elem_load_i(ie, in[0].data, i), p));
  }
  return true;
}

static st_ew_params st_ew_read(const st_op *op, const char *a, double a_dflt, const char *b, double b_dflt) {
  st_ew_params p = {0};
  p.a = a ? st_op_attr_float(op, a, a_dflt) : 0;
  p.b = b ? st_op_attr_float(op, b, b_dflt) : 0;
  return p;
}

/* A float-only op: y = EXPR of x (and p->a, p->b from attributes A and B). */
#define ST_EW_FLOAT(NAME, A, A_DFLT, B, B_DFLT, EXPR)                                                  \
  static double st_ew_f_##NAME(double x, const st_ew_params *p) {                                     \
    (void)p;                                                                                          \
    return (EXPR);                                                                                    \
  }                                                                                                   \
  static bool st_ew_interp_##NAME(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {       \
    (void)d;                                                                                          \
    st_ew_params p = st_ew_read(op, A, A_DFLT, B, B_DFLT);                                            \
    return st_ew_map(in, out, st_ew_f_##NAME, NULL, &p);                                              \
  }

/* ---- math ---- */

static double st_ew_sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)); }
static double st_ew_softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

ST_EW_FLOAT(sqrt, NULL, 0, NULL, 0, sqrt(x))
ST_EW_FLOAT(reciprocal, NULL, 0, NULL, 0, 1.0 / x)
ST_EW_FLOAT(exp, NULL, 0, NULL, 0, exp(x))
ST_EW_FLOAT(log, NULL, 0, NULL, 0, log(x))
ST_EW_FLOAT(ceil, NULL, 0, NULL, 0, ceil(x))
ST_EW_FLOAT(floor, NULL, 0, NULL, 0, floor(x))
/* nearbyint rounds half to even in the default rounding mode, as ONNX asks. */
ST_EW_FLOAT(round, NULL, 0, NULL, 0, nearbyint(x))
ST_EW_FLOAT(erf, NULL, 0, NULL, 0, erf(x))
ST_EW_FLOAT(sin, NULL, 0, NULL, 0, sin(x))
ST_EW_FLOAT(cos, NULL, 0, NULL, 0, cos(x))
ST_EW_FLOAT(tan, NULL, 0, NULL, 0, tan(x))
ST_EW_FLOAT(asin, NULL, 0, NULL, 0, asin(x))
ST_EW_FLOAT(acos, NULL, 0, NULL, 0, acos(x))
ST_EW_FLOAT(atan, NULL, 0, NULL, 0, atan(x))
ST_EW_FLOAT(sinh, NULL, 0, NULL, 0, sinh(x))
ST_EW_FLOAT(cosh, NULL, 0, NULL, 0, cosh(x))
ST_EW_FLOAT(asinh, NULL, 0, NULL, 0, asinh(x))
ST_EW_FLOAT(acosh, NULL, 0, NULL, 0, acosh(x))
ST_EW_FLOAT(atanh, NULL, 0, NULL, 0, atanh(x))
ST_EW_FLOAT(sigmoid, NULL, 0, NULL, 0, st_ew_sigmoid(x))
ST_EW_FLOAT(tanh, NULL, 0, NULL, 0, tanh(x))
ST_EW_FLOAT(softplus, NULL, 0, NULL, 0, st_ew_softplus(x))
ST_EW_FLOAT(softsign, NULL, 0, NULL, 0, x / (1.0 + fabs(x)))
ST_EW_FLOAT(is_nan, NULL, 0, NULL, 0, isnan(x) ? 1.0 : 0.0)

/* ---- activations (ONNX attribute names and defaults) ---- */

ST_EW_FLOAT(elu, "alpha", 1.0, NULL, 0, x < 0 ? p->a * expm1(x) : x)
ST_EW_FLOAT(selu, "alpha", 1.67326319217681884765625, "gamma", 1.05070102214813232421875,
            x <= 0 ? p->b * (p->a * exp(x) - p->a) : p->b * x)
ST_EW_FLOAT(celu, "alpha", 1.0, NULL, 0, fmax(0.0, x) + fmin(0.0, p->a * expm1(x / p->a)))
ST_EW_FLOAT(leaky_relu, "alpha", 0.01f, NULL, 0, x < 0 ? p->a * x : x)
ST_EW_FLOAT(thresholded_relu, "alpha", 1.0, NULL, 0, x > p->a ? x : 0.0)
ST_EW_FLOAT(hard_sigmoid, "alpha", 0.2f, "beta", 0.5, fmax(0.0, fmin(1.0, p->a * x + p->b)))
ST_EW_FLOAT(hard_swish, NULL, 0, NULL, 0, x * fmax(0.0, fmin(1.0, x / 6.0 + 0.5)))
ST_EW_FLOAT(mish, NULL, 0, NULL, 0, x * tanh(st_ew_softplus(x)))
ST_EW_FLOAT(swish, "alpha", 1.0, NULL, 0, x * st_ew_sigmoid(p->a * x))
ST_EW_FLOAT(shrink, "lambd", 0.5, "bias", 0.0, x < -p->a ? x + p->b : x > p->a ? x - p->b : 0.0)

/* Gelu: approximate = "none" uses erf, "tanh" the tanh approximation. */
static double st_ew_f_gelu(double x, const st_ew_params *p) {
  if (p->i0) return 0.5 * x * (1.0 + tanh(0.79788456080286535588 /* sqrt(2 / pi) */ * (x + 0.044715 * x * x * x)));
  return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
}

static bool st_ew_interp_gelu(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_ew_params p = {0};
  const char *approx = st_op_attr_str(op, "approximate");
  if (approx && strcmp(approx, "tanh") == 0) p.i0 = 1;
  else if (approx && strcmp(approx, "none") != 0) {
    st_diag_error(d, op->loc, "'graph.gelu' op approximate must be \"none\" or \"tanh\", got \"%s\"", approx);
    return false;
  }
  return st_ew_map(in, out, st_ew_f_gelu, NULL, &p);
}

/* IsInf: detect_negative / detect_positive (both default 1) pick the signs. */
static double st_ew_f_is_inf(double x, const st_ew_params *p) {
  return isinf(x) && ((x < 0 && p->i0) || (x > 0 && p->i1)) ? 1.0 : 0.0;
}

static bool st_ew_interp_is_inf(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_ew_params p = {0};
  p.i0 = st_op_attr_int(op, "detect_negative", 1);
  p.i1 = st_op_attr_int(op, "detect_positive", 1);
  return st_ew_map(in, out, st_ew_f_is_inf, NULL, &p);
}

/* ---- ops with integer forms ---- */

static double st_ew_f_abs(double x, const st_ew_params *p) { return fabs(x); }
static int64_t st_ew_i_abs(int64_t x, const st_ew_params *p) { return x < 0 ? (int64_t)(0 - (uint64_t)x) : x; }
static double st_ew_f_neg(double x, const st_ew_params *p) { return -x; }
static int64_t st_ew_i_neg(int64_t x, const st_ew_params *p) { return (int64_t)(0 - (uint64_t)x); }
static double st_ew_f_sign(double x, const st_ew_params *p) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x; }
static int64_t st_ew_i_sign(int64_t x, const st_ew_params *p) { return (x > 0) - (x < 0); }
static int64_t st_ew_i_not(int64_t x, const st_ew_params *p) { return !x; }
static int64_t st_ew_i_bitwise_not(int64_t x, const st_ew_params *p) { return ~x; }

/* Unsigned inputs never need negation; their int64 loads are already >= 0
 * except u64 above 2^63, which Abs and Sign must treat as positive. */
static bool st_ew_interp_abs(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  if (st_type_is_unsigned(st_type_elem(in[0].type))) return st_graph_interp_copy(op, in, out, d);
  return st_ew_map(in, out, st_ew_f_abs, st_ew_i_abs, NULL);
}

static bool st_ew_interp_neg(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  return st_ew_map(in, out, st_ew_f_neg, st_ew_i_neg, NULL);
}

static int64_t st_ew_i_usign(int64_t x, const st_ew_params *p) { return x != 0; }

static bool st_ew_interp_sign(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  bool u = st_type_is_unsigned(st_type_elem(in[0].type));
  return st_ew_map(in, out, st_ew_f_sign, u ? st_ew_i_usign : st_ew_i_sign, NULL);
}

static bool st_ew_interp_not(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  return st_ew_map(in, out, NULL, st_ew_i_not, NULL);
}

static bool st_ew_interp_bitwise_not(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  return st_ew_map(in, out, NULL, st_ew_i_bitwise_not, NULL);
}

/* ---- the table ---- */

#define ST_EW_ROW(NAME, SUMMARY, TRAITS, INFER)                                                        \
  const st_op_def st_graph_##NAME##_def = {                                                           \
      .name = "graph." #NAME, .summary = SUMMARY, .num_operands = 1, .num_results = 1,                \
      .traits = (TRAITS), .infer_types = INFER, .interpret = st_ew_interp_##NAME,                     \
      .lower = st_graph_lower_elementwise,                                                            \
  };

#define ST_EW_Z (ST_EW_UNARY_TRAITS | ST_TRAIT_ZERO_PRESERVING)

ST_EW_ROW(abs, "|x|", ST_EW_Z, st_ew_infer_numeric)
ST_EW_ROW(neg, "-x", ST_EW_Z, st_ew_infer_numeric)
ST_EW_ROW(sign, "-1, 0 or 1 by the sign of x", ST_EW_Z, st_ew_infer_numeric)
ST_EW_ROW(sqrt, "square root", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(reciprocal, "1 / x", ST_EW_UNARY_TRAITS, st_ew_infer_float)
ST_EW_ROW(exp, "e^x", ST_EW_UNARY_TRAITS, st_ew_infer_float)
ST_EW_ROW(log, "natural logarithm", ST_EW_UNARY_TRAITS, st_ew_infer_float)
ST_EW_ROW(ceil, "rounds up", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(floor, "rounds down", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(round, "rounds to nearest, halves to even", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(erf, "error function", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(sin, "sine", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(cos, "cosine", ST_EW_UNARY_TRAITS, st_ew_infer_float)
ST_EW_ROW(tan, "tangent", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(asin, "arcsine", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(acos, "arccosine", ST_EW_UNARY_TRAITS, st_ew_infer_float)
ST_EW_ROW(atan, "arctangent", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(sinh, "hyperbolic sine", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(cosh, "hyperbolic cosine", ST_EW_UNARY_TRAITS, st_ew_infer_float)
ST_EW_ROW(asinh, "inverse hyperbolic sine", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(acosh, "inverse hyperbolic cosine", ST_EW_UNARY_TRAITS, st_ew_infer_float)
ST_EW_ROW(atanh, "inverse hyperbolic tangent", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(sigmoid, "1 / (1 + e^-x)", ST_EW_UNARY_TRAITS, st_ew_infer_float)
ST_EW_ROW(tanh, "hyperbolic tangent", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(softplus, "log(1 + e^x)", ST_EW_UNARY_TRAITS, st_ew_infer_float)
ST_EW_ROW(softsign, "x / (1 + |x|)", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(is_inf, "x is +-inf (attrs detect_negative, detect_positive); i1 result",
          ST_TRAIT_PURE | ST_TRAIT_ELEMENTWISE, st_ew_infer_float_to_bool)
ST_EW_ROW(is_nan, "x is NaN; i1 result", ST_TRAIT_PURE | ST_TRAIT_ELEMENTWISE, st_ew_infer_float_to_bool)
ST_EW_ROW(not, "logical not of an i1 tensor", ST_EW_UNARY_TRAITS, st_ew_infer_bool)
ST_EW_ROW(bitwise_not, "bitwise complement of an integer tensor", ST_EW_UNARY_TRAITS, st_ew_infer_int)
ST_EW_ROW(elu, "x < 0 ? alpha * (e^x - 1) : x (attr alpha = 1)", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(selu, "gamma * (x <= 0 ? alpha * e^x - alpha : x) (attrs alpha, gamma)", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(celu, "max(0, x) + min(0, alpha * (e^(x/alpha) - 1)) (attr alpha = 1)", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(leaky_relu, "x < 0 ? alpha * x : x (attr alpha = 0.01)", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(thresholded_relu, "x > alpha ? x : 0 (attr alpha = 1)", ST_EW_UNARY_TRAITS, st_ew_infer_float)
ST_EW_ROW(hard_sigmoid, "max(0, min(1, alpha * x + beta)) (attrs alpha = 0.2, beta = 0.5)", ST_EW_UNARY_TRAITS,
          st_ew_infer_float)
ST_EW_ROW(hard_swish, "x * max(0, min(1, x / 6 + 0.5))", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(mish, "x * tanh(softplus(x))", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(gelu, "Gaussian error linear unit (attr approximate = \"none\" | \"tanh\")", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(swish, "x * sigmoid(alpha * x) (attr alpha = 1)", ST_EW_Z, st_ew_infer_float)
ST_EW_ROW(shrink, "x < -lambd ? x + bias : x > lambd ? x - bias : 0 (attrs lambd = 0.5, bias = 0)",
          ST_EW_UNARY_TRAITS, st_ew_infer_numeric)
