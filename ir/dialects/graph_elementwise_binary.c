/* Broadcasting binary, variadic and selection ops of the graph dialect:
 * Pow, Mod, comparisons, logic and bitwise ops, BitShift, PRelu, SwiGLU,
 * Sum/Mean/Max/Min, Where and Clip.
 *
 * One iterator walks the output in row-major order and keeps each operand's
 * element offset under numpy broadcasting; each op supplies a scalar
 * function for floats (computed in double) and one for integers (int64 with
 * wrap-around; u64 compared and divided as unsigned).  Variadic ops fold
 * their operands into the output one at a time, as numpy does pairwise. */
#include <math.h>
#include <string.h>

#include "ir/dialects/graph_elementwise.h"
#include "ir/dialects/graph_lower.h"
#include "ir/elem.h"

enum { ST_EW_MAX_OPERANDS = 3 };

/* Row-major walk over an output shape with broadcast offsets into up to
 * three operands. */
typedef struct st_ew_iter {
  unsigned rank, n;
  const st_dim *dims;
  int64_t strides[ST_EW_MAX_OPERANDS][ST_MAX_RANK];
  int64_t idx[ST_MAX_RANK];
  int64_t off[ST_EW_MAX_OPERANDS];
} st_ew_iter;

static void st_ew_iter_init(st_ew_iter *it, const st_type *out, unsigned n, const st_type *const *types) {
  memset(it, 0, sizeof *it);
  it->rank = out->u.shaped.rank;
  it->dims = out->u.shaped.dims;
  it->n = n;
  for (unsigned k = 0; k < n; k++) st_graph_bcast_strides(types[k], it->rank, it->dims, it->strides[k]);
}

static void st_ew_iter_next(st_ew_iter *it) {
  st_graph_next_index(it->rank, it->dims, it->idx);
  for (unsigned k = 0; k < it->n; k++) {
    int64_t o = 0;
    for (unsigned r = 0; r < it->rank; r++) o += it->idx[r] * it->strides[k][r];
    it->off[k] = o;
  }
}

/* Scalar kernels of a binary op; `u` says the operands are unsigned. */
typedef struct st_ew_ctx {
  const st_op *op;
  bool u;
  double fa; /* float attribute (SwiGLU alpha) */
  int64_t ia; /* int attribute (Mod fmod, BitShift direction, bit width) */
  int64_t bits;
} st_ew_ctx;

typedef double (*st_ew_bin_f)(double a, double b, const st_ew_ctx *c);
typedef int64_t (*st_ew_bin_i)(int64_t a, int64_t b, const st_ew_ctx *c);

/* out = f(a, b) with broadcasting.  Floats go through fn_f (or, when the
 * inputs are integers, fn_i); a and b may have different element types
 * (Pow), and the output its own (comparisons give i1). */
static void st_ew_binary(const st_tensor *a, const st_tensor *b, st_tensor *out, st_ew_bin_f fn_f, st_ew_bin_i fn_i,
                         const st_ew_ctx *c) {
  const st_type *types[2] = {a->type, b->type};
  const st_type *ae = st_type_elem(a->type), *be = st_type_elem(b->type), *oe = st_type_elem(out->type);
  bool use_f = fn_f && (st_type_is_float(ae) || st_type_is_float(be) || !fn_i);
  st_ew_iter it;
  st_ew_iter_init(&it, out->type, 2, types);
  int64_t n = st_type_num_elements(out->type);
  for (int64_t i = 0; i < n; i++, st_ew_iter_next(&it)) {
    if (use_f) {
      double r = fn_f(st_elem_load_f(ae, a->data, it.off[0]), st_elem_load_f(be, b->data, it.off[1]), c);
      st_elem_store_f(oe, out->data, i, r);
    } else {
      int64_t r = fn_i(st_elem_load_i(ae, a->data, it.off[0]), st_elem_load_i(be, b->data, it.off[1]), c);
      st_elem_store_i(oe, out->data, i, r);
    }
  }
}

static st_ew_ctx st_ew_ctx_of(const st_op *op, const st_type *elem) {
  st_ew_ctx c = {.op = op, .u = st_type_is_unsigned(elem), .bits = st_type_bit_width(elem)};
  return c;
}

/* An op whose interpret is st_ew_binary with kernels F and I. */
#define ST_EW_BINARY_INTERP(NAME, F, I)                                                                \
  static bool st_ew_interp_##NAME(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {       \
    st_ew_ctx c = st_ew_ctx_of(op, st_type_elem(in[0].type));                                        \
    st_ew_binary(&in[0], &in[1], &out[0], F, I, &c);                                                  \
    return true;                                                                                      \
  }

/* ---- comparisons (i1 results) ---- */

static int st_ew_cmp_i(int64_t a, int64_t b, bool u) {
  if (u) return (uint64_t)a < (uint64_t)b ? -1 : (uint64_t)a > (uint64_t)b;
  return a < b ? -1 : a > b;
}

static double st_ew_f_equal(double a, double b, const st_ew_ctx *c) { return a == b; }
static int64_t st_ew_i_equal(int64_t a, int64_t b, const st_ew_ctx *c) { return a == b; }
static double st_ew_f_less(double a, double b, const st_ew_ctx *c) { return a < b; }
static int64_t st_ew_i_less(int64_t a, int64_t b, const st_ew_ctx *c) { return st_ew_cmp_i(a, b, c->u) < 0; }
static double st_ew_f_greater(double a, double b, const st_ew_ctx *c) { return a > b; }
static int64_t st_ew_i_greater(int64_t a, int64_t b, const st_ew_ctx *c) { return st_ew_cmp_i(a, b, c->u) > 0; }
static double st_ew_f_less_or_equal(double a, double b, const st_ew_ctx *c) { return a <= b; }
static int64_t st_ew_i_less_or_equal(int64_t a, int64_t b, const st_ew_ctx *c) { return st_ew_cmp_i(a, b, c->u) <= 0; }
static double st_ew_f_greater_or_equal(double a, double b, const st_ew_ctx *c) { return a >= b; }
static int64_t st_ew_i_greater_or_equal(int64_t a, int64_t b, const st_ew_ctx *c) {
  return st_ew_cmp_i(a, b, c->u) >= 0;
}

ST_EW_BINARY_INTERP(equal, st_ew_f_equal, st_ew_i_equal)
ST_EW_BINARY_INTERP(less, st_ew_f_less, st_ew_i_less)
ST_EW_BINARY_INTERP(greater, st_ew_f_greater, st_ew_i_greater)
ST_EW_BINARY_INTERP(less_or_equal, st_ew_f_less_or_equal, st_ew_i_less_or_equal)
ST_EW_BINARY_INTERP(greater_or_equal, st_ew_f_greater_or_equal, st_ew_i_greater_or_equal)

/* ---- logic and bitwise ---- */

static int64_t st_ew_i_and(int64_t a, int64_t b, const st_ew_ctx *c) { return a && b; }
static int64_t st_ew_i_or(int64_t a, int64_t b, const st_ew_ctx *c) { return a || b; }
static int64_t st_ew_i_xor(int64_t a, int64_t b, const st_ew_ctx *c) { return !a != !b; }
static int64_t st_ew_i_bitwise_and(int64_t a, int64_t b, const st_ew_ctx *c) { return a & b; }
static int64_t st_ew_i_bitwise_or(int64_t a, int64_t b, const st_ew_ctx *c) { return a | b; }
static int64_t st_ew_i_bitwise_xor(int64_t a, int64_t b, const st_ew_ctx *c) { return a ^ b; }

ST_EW_BINARY_INTERP(and, NULL, st_ew_i_and)
ST_EW_BINARY_INTERP(or, NULL, st_ew_i_or)
ST_EW_BINARY_INTERP(xor, NULL, st_ew_i_xor)
ST_EW_BINARY_INTERP(bitwise_and, NULL, st_ew_i_bitwise_and)
ST_EW_BINARY_INTERP(bitwise_or, NULL, st_ew_i_bitwise_or)
ST_EW_BINARY_INTERP(bitwise_xor, NULL, st_ew_i_bitwise_xor)

/* BitShift on unsigned ints: shifts of the full width or more give 0 (C
 * leaves them undefined). */
static int64_t st_ew_i_bit_shift(int64_t a, int64_t b, const st_ew_ctx *c) {
  uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
  if (c->bits < 64) ua &= (UINT64_C(1) << c->bits) - 1;
  if (ub >= (uint64_t)c->bits) return 0;
  return (int64_t)(c->ia ? ua << ub : ua >> ub);
}

static bool st_ew_interp_bit_shift(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const char *dir = st_op_attr_str(op, "direction");
  st_ew_ctx c = st_ew_ctx_of(op, st_type_elem(in[0].type));
  if (!dir || (strcmp(dir, "LEFT") != 0 && strcmp(dir, "RIGHT") != 0)) {
    st_diag_error(d, op->loc, "'graph.bit_shift' op needs attribute direction = \"LEFT\" or \"RIGHT\"");
    return false;
  }
  c.ia = strcmp(dir, "LEFT") == 0;
  st_ew_binary(&in[0], &in[1], &out[0], NULL, st_ew_i_bit_shift, &c);
  return true;
}

/* ---- Pow: the result has the base's type; integer powers are exact ---- */

static double st_ew_f_pow(double a, double b, const st_ew_ctx *c) { return pow(a, b); }

static int64_t st_ew_i_pow(int64_t a, int64_t b, const st_ew_ctx *c) {
  if (b < 0 && !c->u) return a == 1 ? 1 : a == -1 ? ((b & 1) ? -1 : 1) : 0;
  uint64_t r = 1, base = (uint64_t)a, e = (uint64_t)b;
  while (e) {
    if (e & 1) r *= base;
    base *= base;
    e >>= 1;
  }
  return (int64_t)r;
}

static bool st_ew_interp_pow(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *be = st_type_elem(in[0].type), *ee = st_type_elem(in[1].type);
  st_ew_ctx c = st_ew_ctx_of(op, ee);
  /* An integer base with an integer exponent stays in integers; a float on
   * either side computes in double (an integer result truncates). */
  bool ints = !st_type_is_float(be) && !st_type_is_float(ee);
  st_ew_binary(&in[0], &in[1], &out[0], ints ? NULL : st_ew_f_pow, st_ew_i_pow, &c);
  return true;
}

static bool st_ew_pow_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  unsigned rank;
  st_dim dims[ST_MAX_RANK];
  if (!st_ew_bcast_shape(op, 0, &rank, dims, d)) return false;
  for (unsigned i = 0; i < 2; i++) {
    const st_type *e = st_op_operand(op, i)->type->u.shaped.elem;
    if (e->kind == ST_TY_I1 || (!st_type_is_float(e) && !st_type_is_int(e)))
      return st_graph_type_error(op, d, "expects numeric operands", st_op_operand(op, i)->type);
  }
  results[0] = st_type_tensor(ctx, st_op_operand(op, 0)->type->u.shaped.elem, rank, dims);
  return true;
}

/* ---- Mod: fmod = 0 takes the divisor's sign (integers), fmod = 1 the
 * dividend's.  Like the ONNX reference, x mod 0 is 0 for integers, and a
 * float result that is NaN under fmod = 0 becomes 0. ---- */

static double st_ew_f_mod(double a, double b, const st_ew_ctx *c) {
  double r = fmod(a, b);
  return !c->ia && isnan(r) ? 0.0 : r;
}

static int64_t st_ew_i_mod(int64_t a, int64_t b, const st_ew_ctx *c) {
  if (b == 0) return 0;
  if (c->u) return (int64_t)((uint64_t)a % (uint64_t)b);
  if (b == -1) return 0; /* INT64_MIN % -1 overflows in C */
  int64_t r = a % b;
  if (!c->ia && r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

static bool st_ew_interp_mod(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_ew_ctx c = st_ew_ctx_of(op, st_type_elem(in[0].type));
  c.ia = st_op_attr_int(op, "fmod", 0);
  st_ew_binary(&in[0], &in[1], &out[0], st_ew_f_mod, st_ew_i_mod, &c);
  return true;
}

/* ---- PRelu and SwiGLU ---- */

static double st_ew_f_prelu(double x, double s, const st_ew_ctx *c) { return x < 0 ? s * x : x; }
static int64_t st_ew_i_prelu(int64_t x, int64_t s, const st_ew_ctx *c) {
  return x < 0 && !c->u ? (int64_t)((uint64_t)x * (uint64_t)s) : x;
}
ST_EW_BINARY_INTERP(prelu, st_ew_f_prelu, st_ew_i_prelu)

static double st_ew_f_swiglu(double a, double b, const st_ew_ctx *c) {
  double z = c->fa * a;
  double sig = z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
  return a * sig * b;
}

static bool st_ew_interp_swiglu(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_ew_ctx c = st_ew_ctx_of(op, st_type_elem(in[0].type));
  c.fa = st_op_attr_float(op, "alpha", 1.0);
  st_ew_binary(&in[0], &in[1], &out[0], st_ew_f_swiglu, NULL, &c);
  return true;
}

/* PRelu's slope broadcasts to X (unidirectionally); the result is X's type. */
static bool st_ew_prelu_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_ew_infer_bcast(op, ctx, results, d)) return false;
  if (results[0] != st_op_operand(op, 0)->type)
    return st_graph_type_error(op, d, "expects a slope that broadcasts to the input", st_op_operand(op, 1)->type);
  return true;
}

static bool st_ew_swiglu_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_ew_infer_bcast_float(op, ctx, results, d)) return false;
  if (st_op_operand(op, 0)->type != st_op_operand(op, 1)->type)
    return st_graph_type_error(op, d, "expects A and B of one shape", st_op_operand(op, 1)->type);
  return true;
}

/* ---- variadic Sum / Mean / Max / Min ---- */

static double st_ew_f_add(double a, double b, const st_ew_ctx *c) { return a + b; }
static int64_t st_ew_i_add(int64_t a, int64_t b, const st_ew_ctx *c) { return (int64_t)((uint64_t)a + (uint64_t)b); }
/* numpy's maximum/minimum propagate NaN. */
static double st_ew_f_max(double a, double b, const st_ew_ctx *c) { return isnan(a) || isnan(b) ? NAN : a > b ? a : b; }
static int64_t st_ew_i_max(int64_t a, int64_t b, const st_ew_ctx *c) { return st_ew_cmp_i(a, b, c->u) >= 0 ? a : b; }
static double st_ew_f_min(double a, double b, const st_ew_ctx *c) { return isnan(a) || isnan(b) ? NAN : a < b ? a : b; }
static int64_t st_ew_i_min(int64_t a, int64_t b, const st_ew_ctx *c) { return st_ew_cmp_i(a, b, c->u) <= 0 ? a : b; }

/* out = in[0] broadcast, then out = f(out, in[k]) for each later operand. */
static void st_ew_fold(st_op *op, const st_tensor *in, st_tensor *out, st_ew_bin_f fn_f, st_ew_bin_i fn_i) {
  const st_type *oe = st_type_elem(out[0].type);
  st_ew_ctx c = st_ew_ctx_of(op, oe);
  st_ew_iter it;
  st_ew_iter_init(&it, out[0].type, 1, &in[0].type);
  size_t esz = st_dense_elem_size(oe);
  int64_t n = st_type_num_elements(out[0].type);
  for (int64_t i = 0; i < n; i++, st_ew_iter_next(&it))
    memcpy((char *)out[0].data + (size_t)i * esz, (const char *)in[0].data + (size_t)it.off[0] * esz, esz);
  st_tensor acc = out[0];
  for (unsigned k = 1; k < op->num_operands; k++) st_ew_binary(&acc, &in[k], &out[0], fn_f, fn_i, &c);
}

static bool st_ew_interp_sum(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_ew_fold(op, in, out, st_ew_f_add, st_ew_i_add);
  return true;
}

static bool st_ew_interp_max(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_ew_fold(op, in, out, st_ew_f_max, st_ew_i_max);
  return true;
}

static bool st_ew_interp_min(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_ew_fold(op, in, out, st_ew_f_min, st_ew_i_min);
  return true;
}

static bool st_ew_interp_mean(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_ew_fold(op, in, out, st_ew_f_add, st_ew_i_add);
  const st_type *oe = st_type_elem(out[0].type);
  int64_t n = st_type_num_elements(out[0].type);
  for (int64_t i = 0; i < n; i++)
    st_elem_store_f(oe, out[0].data, i, st_elem_load_f(oe, out[0].data, i) / op->num_operands);
  return true;
}

/* ---- Where(cond, x, y) ---- */

static bool st_ew_interp_where(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *types[3] = {in[0].type, in[1].type, in[2].type};
  const st_type *oe = st_type_elem(out[0].type), *ce = st_type_elem(in[0].type);
  size_t esz = st_dense_elem_size(oe);
  st_ew_iter it;
  st_ew_iter_init(&it, out[0].type, 3, types);
  int64_t n = st_type_num_elements(out[0].type);
  for (int64_t i = 0; i < n; i++, st_ew_iter_next(&it)) {
    unsigned src = st_elem_load_i(ce, in[0].data, it.off[0]) ? 1 : 2;
    memcpy((char *)out[0].data + (size_t)i * esz, (const char *)in[src].data + (size_t)it.off[src] * esz, esz);
  }
  return true;
}

static bool st_ew_where_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  unsigned rank;
  st_dim dims[ST_MAX_RANK];
  if (!st_ew_bcast_shape(op, 0, &rank, dims, d)) return false;
  const st_type *c = st_op_operand(op, 0)->type, *x = st_op_operand(op, 1)->type, *y = st_op_operand(op, 2)->type;
  if (c->u.shaped.elem->kind != ST_TY_I1) return st_graph_type_error(op, d, "expects an i1 condition", c);
  if (x->u.shaped.elem != y->u.shaped.elem) return st_graph_type_error(op, d, "expects X and Y of one element type", y);
  results[0] = st_type_tensor(ctx, x->u.shaped.elem, rank, dims);
  return true;
}

/* ---- Clip(input, min?, max?): min then max, so min > max gives max ---- */

static bool st_ew_interp_clip(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *e = st_type_elem(out[0].type);
  bool has_lo = st_graph_has_operand(op, 1), has_hi = st_graph_has_operand(op, 2);
  int64_t n = st_type_num_elements(out[0].type);
  if (st_type_is_float(e)) {
    double lo = has_lo ? st_elem_load_f(e, in[1].data, 0) : -INFINITY;
    double hi = has_hi ? st_elem_load_f(e, in[2].data, 0) : INFINITY;
    for (int64_t i = 0; i < n; i++) {
      double v = st_elem_load_f(e, in[0].data, i);
      if (v < lo) v = lo;
      if (v > hi) v = hi;
      st_elem_store_f(e, out[0].data, i, v);
    }
    return true;
  }
  bool u = st_type_is_unsigned(e);
  int64_t lo = has_lo ? st_elem_load_i(e, in[1].data, 0) : 0, hi = has_hi ? st_elem_load_i(e, in[2].data, 0) : 0;
  for (int64_t i = 0; i < n; i++) {
    int64_t v = st_elem_load_i(e, in[0].data, i);
    if (has_lo && st_ew_cmp_i(v, lo, u) < 0) v = lo;
    if (has_hi && st_ew_cmp_i(v, hi, u) > 0) v = hi;
    st_elem_store_i(e, out[0].data, i, v);
  }
  return true;
}

static bool st_ew_clip_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (op->num_operands < 1 || op->num_operands > 3) {
    st_diag_error(d, op->loc, "'graph.clip' op expects 1 to 3 operands, got %u", op->num_operands);
    return false;
  }
  if (!st_ew_infer_numeric(op, ctx, results, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type;
  for (unsigned i = 1; i < op->num_operands; i++) {
    if (!st_graph_has_operand(op, i)) continue;
    const st_type *t = st_op_operand(op, i)->type;
    if (t->kind != ST_TY_TENSOR || t->u.shaped.elem != x->u.shaped.elem || st_type_num_elements(t) != 1)
      return st_graph_type_error(op, d, "expects min and max to be scalars of the input's element type", t);
  }
  return true;
}

/* ---- the table ---- */

#define ST_EW_BIN_ROW(NAME, SUMMARY, NOPS, TRAITS, INFER)                                              \
  const st_op_def st_graph_##NAME##_def = {                                                           \
      .name = "graph." #NAME, .summary = SUMMARY, .num_operands = NOPS, .num_results = 1,             \
      .traits = (TRAITS), .infer_types = INFER, .interpret = st_ew_interp_##NAME,                     \
      .lower = st_graph_lower_elementwise,                                                            \
  };

#define ST_EW_COMM (ST_EW_BINARY_TRAITS | ST_TRAIT_COMMUTATIVE)

ST_EW_BIN_ROW(pow, "a ^ b; the result has a's type (a and b may differ)", 2, ST_EW_BINARY_TRAITS, st_ew_pow_infer)
ST_EW_BIN_ROW(mod, "remainder (attr fmod: 0 = sign of divisor, 1 = C fmod)", 2, ST_EW_BINARY_TRAITS,
              st_ew_infer_bcast)
ST_EW_BIN_ROW(and, "logical and of i1 tensors", 2, ST_EW_COMM, st_ew_infer_bcast_bool)
ST_EW_BIN_ROW(or, "logical or of i1 tensors", 2, ST_EW_COMM, st_ew_infer_bcast_bool)
ST_EW_BIN_ROW(xor, "logical xor of i1 tensors", 2, ST_EW_COMM, st_ew_infer_bcast_bool)
ST_EW_BIN_ROW(equal, "a == b; i1 result", 2, ST_EW_COMM, st_ew_infer_compare)
ST_EW_BIN_ROW(less, "a < b; i1 result", 2, ST_EW_BINARY_TRAITS, st_ew_infer_compare)
ST_EW_BIN_ROW(greater, "a > b; i1 result", 2, ST_EW_BINARY_TRAITS, st_ew_infer_compare)
ST_EW_BIN_ROW(less_or_equal, "a <= b; i1 result", 2, ST_EW_BINARY_TRAITS, st_ew_infer_compare)
ST_EW_BIN_ROW(greater_or_equal, "a >= b; i1 result", 2, ST_EW_BINARY_TRAITS, st_ew_infer_compare)
ST_EW_BIN_ROW(bit_shift, "a << b or a >> b on unsigned ints (attr direction = \"LEFT\" | \"RIGHT\")", 2,
              ST_EW_BINARY_TRAITS, st_ew_infer_bcast_int)
ST_EW_BIN_ROW(bitwise_and, "a & b on integers", 2, ST_EW_COMM, st_ew_infer_bcast_int)
ST_EW_BIN_ROW(bitwise_or, "a | b on integers", 2, ST_EW_COMM, st_ew_infer_bcast_int)
ST_EW_BIN_ROW(bitwise_xor, "a ^ b on integers", 2, ST_EW_COMM, st_ew_infer_bcast_int)
ST_EW_BIN_ROW(prelu, "x < 0 ? slope * x : x, slope broadcast to x", 2,
              ST_EW_BINARY_TRAITS | ST_TRAIT_ZERO_PRESERVING, st_ew_prelu_infer)
ST_EW_BIN_ROW(swiglu, "a * sigmoid(alpha * a) * b (attr alpha = 1)", 2, ST_EW_BINARY_TRAITS | ST_TRAIT_ZERO_PRESERVING,
              st_ew_swiglu_infer)
ST_EW_BIN_ROW(sum, "elementwise sum of any number of tensors, broadcast", ST_VARIADIC, ST_EW_COMM,
              st_ew_infer_bcast)
ST_EW_BIN_ROW(mean, "elementwise mean of any number of float tensors, broadcast", ST_VARIADIC, ST_EW_COMM,
              st_ew_infer_bcast_float)
ST_EW_BIN_ROW(max, "elementwise maximum of any number of tensors, broadcast (NaN wins)", ST_VARIADIC, ST_EW_COMM,
              st_ew_infer_bcast)
ST_EW_BIN_ROW(min, "elementwise minimum of any number of tensors, broadcast (NaN wins)", ST_VARIADIC, ST_EW_COMM,
              st_ew_infer_bcast)
ST_EW_BIN_ROW(where, "cond ? x : y with three-way broadcasting", 3, ST_TRAIT_PURE | ST_TRAIT_ELEMENTWISE |
              ST_TRAIT_BROADCAST, st_ew_where_infer)
ST_EW_BIN_ROW(clip, "clamps to scalar operands min and max (either may be graph.none or absent)", ST_VARIADIC,
              ST_TRAIT_PURE | ST_TRAIT_ELEMENTWISE, st_ew_clip_infer)
