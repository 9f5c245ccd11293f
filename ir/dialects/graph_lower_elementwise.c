/* Lower hook of the elementwise family (unary math and activations,
 * broadcasting binary and variadic ops, comparisons, Where, Clip, Cast):
 * one parallel loop nest over the result; each operand is loaded with
 * numpy broadcasting (a broadcast dim reads index 0), and a per-op scalar
 * builder from the table below computes the element with arith ops.
 *
 * Floats are computed in their own precision (the interpreter rounds once
 * from double), which stays well inside the conformance tolerance.  Math
 * functions are arith.math calls that codegen maps to LLVM intrinsics or
 * libm.  Narrow floats (f16, bf16, float8) compute in f32 registers and
 * round at stores and casts (codegen/llvm/llvm_elem.c).  An op without a
 * row here, or arithmetic on sub-byte integers, fails with a diagnostic
 * that names the op and the reason. */
#include <math.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_elementwise.h"
#include "ir/dialects/graph_lower.h"

enum { ST_EW_MAX_OPERANDS = 16 };

/* What a scalar builder sees: the op, the builder inside the loop nest, the
 * element type it computes in and the loaded operands (NULL when absent). */
typedef struct st_ew {
  st_op *op;
  st_builder *b;
  const st_type *elem, *out;
  st_value *x[ST_EW_MAX_OPERANDS];
  unsigned n;
} st_ew;

/* ---- scalar building blocks ---- */

static bool st_ew_float(const st_ew *e) { return st_type_is_float(e->elem); }
static st_value *K(st_ew *e, double v) { return st_lower_const(e->b, e->elem, v); }
static st_value *st_ew_arith(st_ew *e, char kind, st_value *x, st_value *y) {
  const st_op_def *def = st_lower_arith_for(e->elem, kind);
  if (!def && st_type_is_unsigned(e->elem) && kind != 'd')
    def = kind == 'a' ? &st_arith_addi_def : kind == 's' ? &st_arith_subi_def : &st_arith_muli_def;
  return def ? st_lower_binary(e->b, def, x, y) : NULL;
}
static st_value *ADD(st_ew *e, st_value *x, st_value *y) { return st_ew_arith(e, 'a', x, y); }
static st_value *SUB(st_ew *e, st_value *x, st_value *y) { return st_ew_arith(e, 's', x, y); }
static st_value *MUL(st_ew *e, st_value *x, st_value *y) { return st_ew_arith(e, 'm', x, y); }
static st_value *DIV(st_ew *e, st_value *x, st_value *y) { return st_ew_arith(e, 'd', x, y); }

static st_value *FN(st_ew *e, const char *fn, st_value *x, st_value *y) { return st_lower_math(e->b, fn, x, y); }

/* Comparisons by name: "lt", "gt", "le", "ge", "eq", "ne" (ordered for floats). */
static st_value *CMP(st_ew *e, const char *rel, st_value *x, st_value *y) {
  char pred[4];
  bool f = st_ew_float(e), eq = !strcmp(rel, "eq") || !strcmp(rel, "ne");
  if (f) snprintf(pred, sizeof pred, "%s%s", !strcmp(rel, "ne") ? "u" : "o", rel);
  else snprintf(pred, sizeof pred, "%s%s", eq ? "" : st_type_is_unsigned(e->elem) || e->elem->kind == ST_TY_I1 ? "u" : "s", rel);
  return st_lower_cmp(e->b, f ? &st_arith_cmpf_def : &st_arith_cmpi_def, pred, x, y);
}
static st_value *SEL(st_ew *e, st_value *c, st_value *x, st_value *y) { return st_lower_select(e->b, c, x, y); }
static st_value *ISNAN(st_ew *e, st_value *x) { return st_lower_cmp(e->b, &st_arith_cmpf_def, "uno", x, x); }
/* max/min where NaN wins, as the interpreter. */
static st_value *MAX(st_ew *e, st_value *x, st_value *y) {
  st_value *r = SEL(e, CMP(e, "gt", x, y), x, y);
  return st_ew_float(e) ? SEL(e, ISNAN(e, x), x, r) : r;
}
static st_value *MIN(st_ew *e, st_value *x, st_value *y) {
  st_value *r = SEL(e, CMP(e, "lt", x, y), x, y);
  return st_ew_float(e) ? SEL(e, ISNAN(e, x), x, r) : r;
}
static double A(st_ew *e, const char *name, double dflt) { return st_op_attr_float(e->op, name, dflt); }

static st_value *st_sigmoid(st_ew *e, st_value *x) {
  return DIV(e, K(e, 1), ADD(e, K(e, 1), FN(e, "exp", FN(e, "neg", x, NULL), NULL)));
}
static st_value *st_softplus(st_ew *e, st_value *x) {
  st_value *ax = FN(e, "abs", x, NULL), *zero = K(e, 0);
  /* max(x, 0) + log1p(exp(-|x|)): both branches of the interpreter in one. */
  return ADD(e, SEL(e, CMP(e, "gt", x, zero), x, zero), FN(e, "log1p", FN(e, "exp", FN(e, "neg", ax, NULL), NULL), NULL));
}

/* ---- the builders ---- */

#define X0 (e->x[0])
#define X1 (e->x[1])
#define ST_EW(NAME, EXPR) \
  static st_value *st_ew_##NAME(st_ew *e) { return (EXPR); }

ST_EW(reciprocal, DIV(e, K(e, 1), X0))
ST_EW(sigmoid, st_sigmoid(e, X0))
ST_EW(softplus, st_softplus(e, X0))
ST_EW(softsign, DIV(e, X0, ADD(e, K(e, 1), FN(e, "abs", X0, NULL))))
ST_EW(is_nan, ISNAN(e, X0))
ST_EW(elu, SEL(e, CMP(e, "lt", X0, K(e, 0)), MUL(e, K(e, A(e, "alpha", 1)), FN(e, "expm1", X0, NULL)), X0))
ST_EW(selu, MUL(e, K(e, A(e, "gamma", 1.05070102214813232421875)),
                SEL(e, CMP(e, "le", X0, K(e, 0)),
                    MUL(e, K(e, A(e, "alpha", 1.67326319217681884765625)), FN(e, "expm1", X0, NULL)), X0)))
ST_EW(celu, ADD(e, MAX(e, K(e, 0), X0),
                MIN(e, K(e, 0), MUL(e, K(e, A(e, "alpha", 1)),
                                    FN(e, "expm1", DIV(e, X0, K(e, A(e, "alpha", 1))), NULL)))))
ST_EW(leaky_relu, SEL(e, CMP(e, "lt", X0, K(e, 0)), MUL(e, K(e, A(e, "alpha", 0.01f)), X0), X0))
ST_EW(thresholded_relu, SEL(e, CMP(e, "gt", X0, K(e, A(e, "alpha", 1))), X0, K(e, 0)))
ST_EW(hard_sigmoid, MAX(e, K(e, 0), MIN(e, K(e, 1), ADD(e, MUL(e, K(e, A(e, "alpha", 0.2f)), X0),
                                                        K(e, A(e, "beta", 0.5))))))
ST_EW(hard_swish, MUL(e, X0, MAX(e, K(e, 0), MIN(e, K(e, 1), ADD(e, DIV(e, X0, K(e, 6)), K(e, 0.5))))))
ST_EW(mish, MUL(e, X0, FN(e, "tanh", st_softplus(e, X0), NULL)))
ST_EW(swish, MUL(e, X0, st_sigmoid(e, MUL(e, K(e, A(e, "alpha", 1)), X0))))
ST_EW(prelu, SEL(e, CMP(e, "lt", X0, K(e, 0)), MUL(e, X1, X0), X0))
ST_EW(swiglu, MUL(e, MUL(e, X0, st_sigmoid(e, MUL(e, K(e, A(e, "alpha", 1)), X0))), X1))
ST_EW(equal, CMP(e, "eq", X0, X1))
ST_EW(less, CMP(e, "lt", X0, X1))
ST_EW(greater, CMP(e, "gt", X0, X1))
ST_EW(less_or_equal, CMP(e, "le", X0, X1))
ST_EW(greater_or_equal, CMP(e, "ge", X0, X1))
ST_EW(and, st_lower_binary(e->b, &st_arith_andi_def, X0, X1))
ST_EW(or, st_lower_binary(e->b, &st_arith_ori_def, X0, X1))
ST_EW(xor, st_lower_binary(e->b, &st_arith_xori_def, X0, X1))
ST_EW(not, st_lower_binary(e->b, &st_arith_xori_def, X0, K(e, 1)))
ST_EW(bitwise_not, st_lower_binary(e->b, &st_arith_xori_def, X0, K(e, -1)))
ST_EW(where, SEL(e, X0, X1, e->x[2]))

static st_value *st_ew_shrink(st_ew *e) {
  st_value *l = K(e, A(e, "lambd", 0.5)), *bias = K(e, A(e, "bias", 0));
  st_value *hi = SEL(e, CMP(e, "gt", X0, l), SUB(e, X0, bias), K(e, 0));
  return SEL(e, CMP(e, "lt", X0, FN(e, "neg", l, NULL)), ADD(e, X0, bias), hi);
}

static st_value *st_ew_gelu(st_ew *e) {
  const char *approx = st_op_attr_str(e->op, "approximate");
  st_value *half_x = MUL(e, K(e, 0.5), X0);
  if (approx && !strcmp(approx, "tanh")) {
    st_value *cube = MUL(e, MUL(e, X0, X0), X0);
    st_value *inner = MUL(e, K(e, 0.79788456080286535588), ADD(e, X0, MUL(e, K(e, 0.044715), cube)));
    return MUL(e, half_x, ADD(e, K(e, 1), FN(e, "tanh", inner, NULL)));
  }
  return MUL(e, half_x, ADD(e, K(e, 1), FN(e, "erf", MUL(e, X0, K(e, 0.70710678118654752440)), NULL)));
}

static st_value *st_ew_is_inf(st_ew *e) {
  bool neg = st_op_attr_int(e->op, "detect_negative", 1) != 0, pos = st_op_attr_int(e->op, "detect_positive", 1) != 0;
  st_value *n = neg ? CMP(e, "eq", X0, K(e, -INFINITY)) : NULL, *p = pos ? CMP(e, "eq", X0, K(e, INFINITY)) : NULL;
  if (n && p) return st_lower_binary(e->b, &st_arith_ori_def, n, p);
  return n ? n : p ? p : CMP(e, "ne", X0, X0); /* neither: always false for non-NaN; NaN is not inf either */
}

static st_value *st_ew_abs(st_ew *e) {
  if (st_ew_float(e)) return FN(e, "abs", X0, NULL);
  if (st_type_is_unsigned(e->elem)) return X0;
  return SEL(e, CMP(e, "lt", X0, K(e, 0)), SUB(e, K(e, 0), X0), X0);
}
static st_value *st_ew_neg(st_ew *e) { return st_ew_float(e) ? FN(e, "neg", X0, NULL) : SUB(e, K(e, 0), X0); }
static st_value *st_ew_sign(st_ew *e) {
  st_value *z = K(e, 0), *pos = SEL(e, CMP(e, "gt", X0, z), K(e, 1), st_ew_float(e) ? X0 : z);
  return st_type_is_unsigned(e->elem) ? pos : SEL(e, CMP(e, "lt", X0, z), K(e, -1), pos);
}

static st_value *CAST(st_ew *e, st_value *x, const st_type *t) { return st_lower_cast(e->b, x, t); }

/* Pow: a float base computes in its type; an integer base in f64, the
 * result truncated (exact for the magnitudes integers hold up to 2^53). */
static st_value *st_ew_pow(st_ew *e) {
  if (st_ew_float(e)) return FN(e, "pow", X0, CAST(e, X1, e->elem));
  const st_type *f64 = st_type_scalar(e->b->module->ctx, ST_TY_F64);
  return CAST(e, FN(e, "pow", CAST(e, X0, f64), CAST(e, X1, f64)), e->elem);
}

/* Mod: floats as C fmod (fmod = 0 turns NaN into 0, as the interpreter);
 * integers: x mod 0 is 0, fmod = 0 takes the divisor's sign. */
static st_value *st_ew_mod(st_ew *e) {
  bool c_fmod = st_op_attr_int(e->op, "fmod", 0) != 0;
  if (st_ew_float(e)) {
    st_value *r = FN(e, "fmod", X0, X1);
    return c_fmod ? r : SEL(e, ISNAN(e, r), K(e, 0), r);
  }
  st_value *zero = K(e, 0), *bz = CMP(e, "eq", X1, zero), *safe = SEL(e, bz, K(e, 1), X1);
  if (st_type_is_unsigned(e->elem))
    return SEL(e, bz, zero, st_lower_binary(e->b, st_lower_arith_for(e->elem, 'r'), X0, safe));
  /* b == -1 would overflow for the minimum value; its remainder is 0 */
  st_value *bad = st_lower_binary(e->b, &st_arith_ori_def, bz, CMP(e, "eq", X1, K(e, -1)));
  safe = SEL(e, bad, K(e, 1), X1);
  st_value *r = st_lower_binary(e->b, st_lower_arith_for(e->elem, 'r'), X0, safe);
  if (!c_fmod) {
    st_value *fix = st_lower_binary(e->b, &st_arith_andi_def, CMP(e, "ne", r, zero),
                                    CMP(e, "ne", CMP(e, "lt", r, zero), CMP(e, "lt", X1, zero)));
    r = SEL(e, fix, ADD(e, r, X1), r);
  }
  return SEL(e, bad, zero, r);
}

/* BitShift on unsigned integers: a shift by the width or more gives 0. */
static st_value *st_ew_bit_shift(st_ew *e) {
  const char *dir = st_op_attr_str(e->op, "direction");
  bool left = dir && !strcmp(dir, "LEFT");
  unsigned bits = (unsigned)st_dense_elem_size(e->elem) * 8;
  st_value *r = st_lower_binary(e->b, left ? &st_arith_shli_def : &st_arith_shrui_def, X0, X1);
  return SEL(e, CMP(e, "ge", X1, K(e, bits)), K(e, 0), r);
}

static st_value *st_ew_fold(st_ew *e, st_value *(*f)(st_ew *, st_value *, st_value *)) {
  st_value *acc = X0;
  for (unsigned i = 1; i < e->n; i++) acc = f(e, acc, e->x[i]);
  return acc;
}
static st_value *st_ew_sum(st_ew *e) { return st_ew_fold(e, ADD); }
static st_value *st_ew_mean(st_ew *e) { return DIV(e, st_ew_fold(e, ADD), K(e, e->n)); }
static st_value *st_ew_max(st_ew *e) { return st_ew_fold(e, MAX); }
static st_value *st_ew_min(st_ew *e) { return st_ew_fold(e, MIN); }

/* Clip(x, min?, max?): absent bounds do nothing; NaN stays NaN. */
static st_value *st_ew_clip(st_ew *e) {
  st_value *v = X0;
  if (e->n > 1 && X1) v = SEL(e, CMP(e, "lt", v, X1), X1, v);
  if (e->n > 2 && e->x[2]) v = SEL(e, CMP(e, "gt", v, e->x[2]), e->x[2], v);
  return v;
}

/* Cast / CastLike: to i1 is x != 0 (NaN is true), else one conversion. */
static st_value *st_ew_cast(st_ew *e) {
  if (e->out == e->elem) return X0;
  if (e->out->kind == ST_TY_I1) return CMP(e, "ne", X0, K(e, 0));
  st_value *r = st_lower_op(e->b, &st_arith_cast_def, 1, &e->x[0], e->out);
  st_module *m = e->b->module;
  const char *mode = st_op_attr_str(e->op, "round_mode");
  if (r && !st_op_attr_int(e->op, "saturate", 1) &&
      !st_op_set_attr(m, r->def, "saturate", st_attr_int(m, st_type_scalar(m->ctx, ST_TY_I64), 0)))
    return NULL;
  if (r && mode && !st_op_set_attr(m, r->def, "round_mode", st_attr_string(m, mode, strlen(mode)))) return NULL;
  return r;
}

/* ---- the table ---- */

enum { ST_EW_F = 1, /* float element types only */ ST_EW_I = 2 /* also integers and i1 */ };

typedef struct st_ew_rule {
  const st_op_def *def;
  const char *fn;                 /* an arith.math function of x, or */
  st_value *(*build)(st_ew *e);   /* a builder */
  unsigned flags, data;           /* element types allowed; operand whose type `elem` is */
} st_ew_rule;

static const st_ew_rule st_ew_rules[] = {
    {&st_graph_sqrt_def, "sqrt", NULL, ST_EW_F, 0},        {&st_graph_exp_def, "exp", NULL, ST_EW_F, 0},
    {&st_graph_log_def, "log", NULL, ST_EW_F, 0},          {&st_graph_ceil_def, "ceil", NULL, ST_EW_F, 0},
    {&st_graph_floor_def, "floor", NULL, ST_EW_F, 0},      {&st_graph_round_def, "round", NULL, ST_EW_F, 0},
    {&st_graph_erf_def, "erf", NULL, ST_EW_F, 0},          {&st_graph_sin_def, "sin", NULL, ST_EW_F, 0},
    {&st_graph_cos_def, "cos", NULL, ST_EW_F, 0},          {&st_graph_tan_def, "tan", NULL, ST_EW_F, 0},
    {&st_graph_asin_def, "asin", NULL, ST_EW_F, 0},        {&st_graph_acos_def, "acos", NULL, ST_EW_F, 0},
    {&st_graph_atan_def, "atan", NULL, ST_EW_F, 0},        {&st_graph_sinh_def, "sinh", NULL, ST_EW_F, 0},
    {&st_graph_cosh_def, "cosh", NULL, ST_EW_F, 0},        {&st_graph_asinh_def, "asinh", NULL, ST_EW_F, 0},
    {&st_graph_acosh_def, "acosh", NULL, ST_EW_F, 0},      {&st_graph_atanh_def, "atanh", NULL, ST_EW_F, 0},
    {&st_graph_tanh_def, "tanh", NULL, ST_EW_F, 0},
    {&st_graph_reciprocal_def, NULL, st_ew_reciprocal, ST_EW_F, 0},
    {&st_graph_sigmoid_def, NULL, st_ew_sigmoid, ST_EW_F, 0},
    {&st_graph_softplus_def, NULL, st_ew_softplus, ST_EW_F, 0},
    {&st_graph_softsign_def, NULL, st_ew_softsign, ST_EW_F, 0},
    {&st_graph_is_nan_def, NULL, st_ew_is_nan, ST_EW_F, 0},
    {&st_graph_is_inf_def, NULL, st_ew_is_inf, ST_EW_F, 0},
    {&st_graph_elu_def, NULL, st_ew_elu, ST_EW_F, 0},
    {&st_graph_selu_def, NULL, st_ew_selu, ST_EW_F, 0},
    {&st_graph_celu_def, NULL, st_ew_celu, ST_EW_F, 0},
    {&st_graph_leaky_relu_def, NULL, st_ew_leaky_relu, ST_EW_F, 0},
    {&st_graph_thresholded_relu_def, NULL, st_ew_thresholded_relu, ST_EW_F, 0},
    {&st_graph_hard_sigmoid_def, NULL, st_ew_hard_sigmoid, ST_EW_F, 0},
    {&st_graph_hard_swish_def, NULL, st_ew_hard_swish, ST_EW_F, 0},
    {&st_graph_mish_def, NULL, st_ew_mish, ST_EW_F, 0},
    {&st_graph_gelu_def, NULL, st_ew_gelu, ST_EW_F, 0},
    {&st_graph_swish_def, NULL, st_ew_swish, ST_EW_F, 0},
    {&st_graph_shrink_def, NULL, st_ew_shrink, ST_EW_F, 0},
    {&st_graph_abs_def, NULL, st_ew_abs, ST_EW_F | ST_EW_I, 0},
    {&st_graph_neg_def, NULL, st_ew_neg, ST_EW_F | ST_EW_I, 0},
    {&st_graph_sign_def, NULL, st_ew_sign, ST_EW_F | ST_EW_I, 0},
    {&st_graph_not_def, NULL, st_ew_not, ST_EW_I, 0},
    {&st_graph_bitwise_not_def, NULL, st_ew_bitwise_not, ST_EW_I, 0},
    {&st_graph_pow_def, NULL, st_ew_pow, ST_EW_F | ST_EW_I, 0},
    {&st_graph_mod_def, NULL, st_ew_mod, ST_EW_F | ST_EW_I, 0},
    {&st_graph_bit_shift_def, NULL, st_ew_bit_shift, ST_EW_I, 0},
    {&st_graph_prelu_def, NULL, st_ew_prelu, ST_EW_F | ST_EW_I, 0},
    {&st_graph_swiglu_def, NULL, st_ew_swiglu, ST_EW_F, 0},
    {&st_graph_equal_def, NULL, st_ew_equal, ST_EW_F | ST_EW_I, 0},
    {&st_graph_less_def, NULL, st_ew_less, ST_EW_F | ST_EW_I, 0},
    {&st_graph_greater_def, NULL, st_ew_greater, ST_EW_F | ST_EW_I, 0},
    {&st_graph_less_or_equal_def, NULL, st_ew_less_or_equal, ST_EW_F | ST_EW_I, 0},
    {&st_graph_greater_or_equal_def, NULL, st_ew_greater_or_equal, ST_EW_F | ST_EW_I, 0},
    {&st_graph_and_def, NULL, st_ew_and, ST_EW_I, 0},
    {&st_graph_or_def, NULL, st_ew_or, ST_EW_I, 0},
    {&st_graph_xor_def, NULL, st_ew_xor, ST_EW_I, 0},
    {&st_graph_bitwise_and_def, NULL, st_ew_and, ST_EW_I, 0},
    {&st_graph_bitwise_or_def, NULL, st_ew_or, ST_EW_I, 0},
    {&st_graph_bitwise_xor_def, NULL, st_ew_xor, ST_EW_I, 0},
    {&st_graph_sum_def, NULL, st_ew_sum, ST_EW_F | ST_EW_I, 0},
    {&st_graph_mean_def, NULL, st_ew_mean, ST_EW_F, 0},
    {&st_graph_max_def, NULL, st_ew_max, ST_EW_F | ST_EW_I, 0},
    {&st_graph_min_def, NULL, st_ew_min, ST_EW_F | ST_EW_I, 0},
    {&st_graph_where_def, NULL, st_ew_where, ST_EW_F | ST_EW_I, 1},
    {&st_graph_clip_def, NULL, st_ew_clip, ST_EW_F | ST_EW_I, 0},
    {&st_graph_cast_def, NULL, st_ew_cast, ST_EW_F | ST_EW_I, 0},
    {&st_graph_cast_like_def, NULL, st_ew_cast, ST_EW_F | ST_EW_I, 0},
};

/* Element types codegen handles: every scalar type (narrow floats compute
 * in f32, sub-byte integers in i8; codegen/llvm/llvm_elem.c). */
static bool st_ew_codegen_type(const st_type *e) { return st_type_is_float(e) || st_type_is_int(e); }

static const st_ew_rule *st_ew_rule_of(const st_op_def *def) {
  for (size_t i = 0; i < sizeof st_ew_rules / sizeof *st_ew_rules; i++)
    if (st_ew_rules[i].def == def) return &st_ew_rules[i];
  return NULL;
}

/* Checks the op before any IR is built, so a failure leaves nothing behind. */
static bool st_ew_check(st_op *op, const st_ew_rule *r, st_diag *d) {
  if (!r) return st_graph_lower_fail(op, d, "no loop form for this op yet");
  if (op->num_operands > ST_EW_MAX_OPERANDS || op->num_operands <= r->data)
    return st_graph_lower_fail(op, d, "too many or too few operands");
  for (unsigned i = 1; i < op->num_results; i++)
    if (op->results[i].type->kind != ST_TY_NONE) return st_graph_lower_fail(op, d, "only its first result is lowered");
  for (unsigned i = 0; i < op->num_operands; i++) {
    const st_type *t = st_op_operand(op, i)->type;
    if (t->kind == ST_TY_TENSOR && !st_ew_codegen_type(t->u.shaped.elem))
      return st_graph_lower_fail(op, d, "element type not supported by codegen yet");
    if (t->kind == ST_TY_TENSOR && op->def != &st_graph_cast_like_def && t->u.shaped.rank > op->results[0].type->u.shaped.rank)
      return st_graph_lower_fail(op, d, "an operand has a higher rank than the result");
  }
  if (!st_ew_codegen_type(op->results[0].type->u.shaped.elem))
    return st_graph_lower_fail(op, d, "element type not supported by codegen yet");
  const st_type *elem = st_op_operand(op, r->data)->type->u.shaped.elem;
  if (!(r->flags & (st_type_is_float(elem) ? ST_EW_F : ST_EW_I)))
    return st_graph_lower_fail(op, d, st_type_is_float(elem) ? "float operands not supported" : "integer operands not supported yet");
  bool sub_byte = elem->kind == ST_TY_I2 || elem->kind == ST_TY_I4 || elem->kind == ST_TY_U2 || elem->kind == ST_TY_U4;
  if (sub_byte && op->def != &st_graph_cast_def && op->def != &st_graph_cast_like_def)
    return st_graph_lower_fail(op, d, "sub-byte integer arithmetic not supported yet");
  return true;
}

bool st_graph_lower_elementwise(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_ew_rule *r = st_ew_rule_of(op->def);
  if (!st_ew_check(op, r, d)) return false;
  const st_type *out = op->results[0].type;
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *idx[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, out->u.shaped.rank, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_ew e = {.op = op, .b = &in, .elem = st_op_operand(op, r->data)->type->u.shaped.elem,
             .out = out->u.shaped.elem, .n = op->num_operands};
  /* CastLike's second operand only gives the element type. */
  unsigned nload = op->def == &st_graph_cast_like_def ? 1 : op->num_operands;
  for (unsigned i = 0; i < nload; i++) {
    if (!lc->inputs[i]) continue;
    st_lower_bcast_indices(lc, lc->inputs[i], out, ivs, idx);
    if (!(e.x[i] = st_lower_load(&in, lc->inputs[i], idx))) return false;
  }
  st_value *v = r->fn ? FN(&e, r->fn, e.x[0], NULL) : r->build(&e);
  return st_lower_store(&in, v, dst, ivs);
}
