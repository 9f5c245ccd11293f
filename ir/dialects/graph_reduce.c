/* The reduce family of the graph dialect, part one: the ten ONNX Reduce*
 * ops and Softmax / LogSoftmax / Hardmax, plus the helpers the family shares
 * (graph_reduce.h) and the family's op list.  Normalisations are in
 * graph_reduce_norm.c, losses in graph_reduce_loss.c, quantisation in
 * graph_reduce_quant.c.
 *
 * Reduce ops follow opset 18: operands (data, axes?) with attributes
 * keepdims (1) and noop_with_empty_axes (0); the axes operand must be a
 * constant for type inference.  Reducing an empty set gives the reduction's
 * identity (0 for sums, 1 for products, the lowest value of the type for max,
 * the highest for min, -inf for the log-sums).  With noop_with_empty_axes and
 * no axes each element is reduced alone, so ReduceSumSquare squares and
 * ReduceL1 takes |x| as the ONNX reference does. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_reduce.h"
#include "ir/elem.h"

/* ---- shared helpers ---- */

bool st_reduce_plan_init(st_reduce_plan *p, st_op *op, const st_type *t, const bool *reduced, st_diag *d) {
  unsigned rank = t->u.shaped.rank;
  const st_dim *dims = t->u.shaped.dims;
  int64_t strides[ST_MAX_RANK];
  st_dim kept_dims[ST_MAX_RANK], red_dims[ST_MAX_RANK];
  int64_t kept_str[ST_MAX_RANK], red_str[ST_MAX_RANK];
  unsigned nk = 0, nr = 0;
  st_graph_strides(rank, dims, strides);
  p->outer = p->inner = 1;
  for (unsigned i = 0; i < rank; i++) {
    if (reduced[i]) {
      red_dims[nr] = dims[i];
      red_str[nr++] = strides[i];
      p->inner *= dims[i];
    } else {
      kept_dims[nk] = dims[i];
      kept_str[nk++] = strides[i];
      p->outer *= dims[i];
    }
  }
  p->base = malloc(sizeof(int64_t) * (size_t)(p->outer ? p->outer : 1));
  p->offs = malloc(sizeof(int64_t) * (size_t)(p->inner ? p->inner : 1));
  if (!p->base || !p->offs) {
    st_reduce_plan_free(p);
    return st_graph_oom(op, d);
  }
  int64_t idx[ST_MAX_RANK] = {0};
  for (int64_t o = 0; o < p->outer; o++) {
    int64_t off = 0;
    for (unsigned k = 0; k < nk; k++) off += idx[k] * kept_str[k];
    p->base[o] = off;
    st_graph_next_index(nk, kept_dims, idx);
  }
  for (unsigned k = 0; k < ST_MAX_RANK; k++) idx[k] = 0;
  for (int64_t j = 0; j < p->inner; j++) {
    int64_t off = 0;
    for (unsigned k = 0; k < nr; k++) off += idx[k] * red_str[k];
    p->offs[j] = off;
    st_graph_next_index(nr, red_dims, idx);
  }
  return true;
}

bool st_reduce_plan_tail(st_reduce_plan *p, st_op *op, const st_type *t, unsigned first, st_diag *d) {
  bool reduced[ST_MAX_RANK];
  for (unsigned i = 0; i < t->u.shaped.rank; i++) reduced[i] = i >= first;
  return st_reduce_plan_init(p, op, t, reduced, d);
}

void st_reduce_plan_free(st_reduce_plan *p) {
  free(p->base);
  free(p->offs);
  p->base = p->offs = NULL;
}

bool st_reduce_expect_float(st_op *op, unsigned i, st_diag *d) {
  if (!st_graph_expect_tensor(op, i, d)) return false;
  const st_type *t = st_op_operand(op, i)->type;
  if (t->u.shaped.rank > ST_MAX_RANK) return st_graph_type_error(op, d, "supports rank up to 8", t);
  if (!st_type_is_float(t->u.shaped.elem)) {
    char what[64];
    snprintf(what, sizeof what, "expects operand %u of a float type", i);
    return st_graph_type_error(op, d, what, t);
  }
  return true;
}

const st_type *st_reduce_result_type(st_context *ctx, const st_type *t, const bool *reduced, bool keep,
                                     const st_type *elem) {
  st_dim dims[ST_MAX_RANK];
  unsigned r = 0;
  for (unsigned i = 0; i < t->u.shaped.rank; i++) {
    if (!reduced[i]) dims[r++] = t->u.shaped.dims[i];
    else if (keep) dims[r++] = 1;
  }
  return st_type_tensor(ctx, elem ? elem : t->u.shaped.elem, r, dims);
}

/* ---- axes of the Reduce ops ---- */

/* Marks the reduced axes given `n` axis values.  No axes: every axis, or
 * none when noop_with_empty_axes is set. */
static bool st_reduce_mask(st_op *op, const int64_t *axes, int64_t n, unsigned rank, bool *mask, st_diag *d) {
  bool noop = st_op_attr_int(op, "noop_with_empty_axes", 0) != 0;
  for (unsigned i = 0; i < rank; i++) mask[i] = n == 0 && !noop;
  for (int64_t k = 0; k < n; k++) {
    int64_t a;
    if (!st_graph_axis(op, axes[k], rank, &a, d)) return false;
    mask[a] = true;
  }
  return true;
}

enum { ST_REDUCE_MAX_AXES = 64 };

/* Reads the axes operand (constant at inference time). */
static bool st_reduce_const_axes(st_op *op, int64_t *axes, int64_t *n, st_diag *d) {
  *n = 0;
  if (!st_graph_has_operand(op, 1)) return true;
  const st_attr *a = st_value_const(st_op_operand(op, 1));
  if (!a) {
    st_diag_error(d, op->loc, "'%s' op needs a constant 'axes' operand", op->def->name);
    return false;
  }
  int64_t cnt = st_type_num_elements(a->type);
  if (cnt < 0 || cnt > ST_REDUCE_MAX_AXES || !st_type_is_int(st_type_elem(a->type))) {
    st_diag_error(d, op->loc, "'%s' op expects 'axes' to be a short integer tensor", op->def->name);
    return false;
  }
  for (int64_t i = 0; i < cnt; i++)
    if (!st_attr_elem_as_int(a, i, &axes[i])) {
      st_diag_error(d, op->loc, "'%s' op cannot read the 'axes' constant", op->def->name);
      return false;
    }
  *n = cnt;
  return true;
}

static bool st_reduce_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (op->num_operands < 1 || op->num_operands > 2) {
    st_diag_error(d, op->loc, "'%s' op expects 1 or 2 operands, got %u", op->def->name, op->num_operands);
    return false;
  }
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *t = st_op_operand(op, 0)->type;
  if (t->u.shaped.rank > ST_MAX_RANK) return st_graph_type_error(op, d, "supports rank up to 8", t);
  int64_t axes[ST_REDUCE_MAX_AXES], n;
  bool mask[ST_MAX_RANK];
  if (!st_reduce_const_axes(op, axes, &n, d) || !st_reduce_mask(op, axes, n, t->u.shaped.rank, mask, d)) return false;
  results[0] = st_reduce_result_type(ctx, t, mask, st_op_attr_int(op, "keepdims", 1) != 0, NULL);
  return true;
}

/* ---- Reduce semantics ---- */

typedef enum st_reduce_kind {
  ST_RED_SUM, ST_RED_MEAN, ST_RED_MAX, ST_RED_MIN, ST_RED_PROD,
  ST_RED_L1, ST_RED_L2, ST_RED_LOG_SUM, ST_RED_LOG_SUM_EXP, ST_RED_SUM_SQUARE,
} st_reduce_kind;

static double st_reduce_group_f(st_reduce_kind k, const st_type *elem, const void *data, const st_reduce_plan *p,
                                int64_t o) {
  const int64_t base = p->base[o], n = p->inner;
  double acc = k == ST_RED_PROD ? 1.0 : k == ST_RED_MAX || k == ST_RED_LOG_SUM_EXP ? -INFINITY
               : k == ST_RED_MIN ? INFINITY : 0.0;
  for (int64_t j = 0; j < n; j++) {
    double x = st_elem_load_f(elem, data, base + p->offs[j]);
    switch (k) {
    case ST_RED_MAX: case ST_RED_LOG_SUM_EXP: if (x > acc || isnan(x)) acc = x; break;
    case ST_RED_MIN: if (x < acc || isnan(x)) acc = x; break;
    case ST_RED_PROD: acc *= x; break;
    case ST_RED_L1: acc += fabs(x); break;
    case ST_RED_L2: case ST_RED_SUM_SQUARE: acc += x * x; break;
    default: acc += x; break;
    }
  }
  switch (k) {
  case ST_RED_MEAN: return acc / (double)n; /* 0 / 0 = NaN for the empty set */
  case ST_RED_L2: return sqrt(acc);
  case ST_RED_LOG_SUM: return log(acc);
  case ST_RED_LOG_SUM_EXP: {
    /* max + log(sum(exp(x - max))) keeps exp from overflowing. */
    if (isinf(acc) || isnan(acc)) return acc;
    double m = acc, s = 0;
    for (int64_t j = 0; j < n; j++) s += exp(st_elem_load_f(elem, data, base + p->offs[j]) - m);
    return m + log(s);
  }
  default: return acc;
  }
}

/* Integer reductions in int64 with wrap-around (unsigned arithmetic); max
 * and min start from the bounds of the element type. */
static int64_t st_reduce_group_i(st_reduce_kind k, const st_type *elem, const void *data, const st_reduce_plan *p,
                                 int64_t o) {
  unsigned w = st_type_bit_width(elem);
  bool is_unsigned = st_type_is_unsigned(elem) || elem->kind == ST_TY_I1;
  uint64_t umax = w >= 64 ? UINT64_MAX : (UINT64_C(1) << w) - 1;
  int64_t lo = is_unsigned ? 0 : w >= 64 ? INT64_MIN : -(INT64_C(1) << (w - 1));
  int64_t hi = is_unsigned ? (int64_t)umax : w >= 64 ? INT64_MAX : (INT64_C(1) << (w - 1)) - 1;
  uint64_t acc = k == ST_RED_PROD ? 1 : k == ST_RED_MAX ? (uint64_t)lo : k == ST_RED_MIN ? (uint64_t)hi : 0;
  for (int64_t j = 0; j < p->inner; j++) {
    int64_t x = st_elem_load_i(elem, data, p->base[o] + p->offs[j]);
    bool less = is_unsigned ? (uint64_t)x < acc : x < (int64_t)acc;
    bool more = is_unsigned ? (uint64_t)x > acc : x > (int64_t)acc;
    switch (k) {
    case ST_RED_MAX: if (more) acc = (uint64_t)x; break;
    case ST_RED_MIN: if (less) acc = (uint64_t)x; break;
    case ST_RED_PROD: acc *= (uint64_t)x; break;
    case ST_RED_L1: acc += x < 0 ? 0 - (uint64_t)x : (uint64_t)x; break;
    case ST_RED_SUM_SQUARE: acc += (uint64_t)x * (uint64_t)x; break;
    default: acc += (uint64_t)x; break;
    }
  }
  if (k == ST_RED_MEAN) {
    if (p->inner == 0) return 0;
    return is_unsigned ? (int64_t)(acc / (uint64_t)p->inner) : (int64_t)acc / p->inner;
  }
  return (int64_t)acc;
}

static bool st_reduce_run(st_op *op, const st_tensor *in, st_tensor *out, st_reduce_kind k, st_diag *d) {
  const st_type *t = in[0].type, *elem = t->u.shaped.elem;
  unsigned rank = t->u.shaped.rank;
  int64_t axes[ST_REDUCE_MAX_AXES], n = 0;
  if (op->num_operands > 1 && in[1].type && in[1].type->kind == ST_TY_TENSOR) {
    n = st_type_num_elements(in[1].type);
    if (n < 0 || n > ST_REDUCE_MAX_AXES) {
      st_diag_error(d, op->loc, "'%s' op has too many axes", op->def->name);
      return false;
    }
    for (int64_t i = 0; i < n; i++) axes[i] = st_elem_load_i(in[1].type->u.shaped.elem, in[1].data, i);
  }
  bool mask[ST_MAX_RANK];
  st_reduce_plan p;
  if (!st_reduce_mask(op, axes, n, rank, mask, d) || !st_reduce_plan_init(&p, op, t, mask, d)) return false;
  /* L2, LogSum and LogSumExp are real-valued even on integers. */
  bool use_float = st_type_is_float(elem) || k == ST_RED_L2 || k == ST_RED_LOG_SUM || k == ST_RED_LOG_SUM_EXP;
  for (int64_t o = 0; o < p.outer; o++) {
    if (use_float) st_elem_store_f(out[0].type->u.shaped.elem, out[0].data, o, st_reduce_group_f(k, elem, in[0].data, &p, o));
    else st_elem_store_i(out[0].type->u.shaped.elem, out[0].data, o, st_reduce_group_i(k, elem, in[0].data, &p, o));
  }
  st_reduce_plan_free(&p);
  return true;
}

#define ST_REDUCE_INTERP(fn, kind)                                                   \
  static bool fn(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {      \
    return st_reduce_run(op, in, out, kind, d);                                      \
  }
ST_REDUCE_INTERP(st_interp_reduce_sum, ST_RED_SUM)
ST_REDUCE_INTERP(st_interp_reduce_mean, ST_RED_MEAN)
ST_REDUCE_INTERP(st_interp_reduce_max, ST_RED_MAX)
ST_REDUCE_INTERP(st_interp_reduce_min, ST_RED_MIN)
ST_REDUCE_INTERP(st_interp_reduce_prod, ST_RED_PROD)
ST_REDUCE_INTERP(st_interp_reduce_l1, ST_RED_L1)
ST_REDUCE_INTERP(st_interp_reduce_l2, ST_RED_L2)
ST_REDUCE_INTERP(st_interp_reduce_log_sum, ST_RED_LOG_SUM)
ST_REDUCE_INTERP(st_interp_reduce_log_sum_exp, ST_RED_LOG_SUM_EXP)
ST_REDUCE_INTERP(st_interp_reduce_sum_square, ST_RED_SUM_SQUARE)

/* ---- Softmax, LogSoftmax, Hardmax (opset 13: along one axis, default -1) ---- */

static bool st_softmax_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  (void)ctx;
  if (!st_reduce_expect_float(op, 0, d)) return false;
  const st_type *t = st_op_operand(op, 0)->type;
  int64_t axis;
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", -1), t->u.shaped.rank, &axis, d)) return false;
  results[0] = t;
  return true;
}

void st_reduce_log_softmax(double *v, int64_t n) {
  double m = -INFINITY, s = 0;
  for (int64_t j = 0; j < n; j++)
    if (v[j] > m) m = v[j];
  for (int64_t j = 0; j < n; j++) s += exp(v[j] - m);
  double lse = m + log(s);
  for (int64_t j = 0; j < n; j++) v[j] -= lse;
}

static void st_softmax_row(double *v, int64_t n) {
  double m = -INFINITY, s = 0;
  for (int64_t j = 0; j < n; j++)
    if (v[j] > m) m = v[j];
  for (int64_t j = 0; j < n; j++) s += v[j] = exp(v[j] - m);
  for (int64_t j = 0; j < n; j++) v[j] /= s;
}

/* The first maximum gets 1, every other element 0. */
static void st_hardmax_row(double *v, int64_t n) {
  int64_t best = 0;
  for (int64_t j = 1; j < n; j++)
    if (v[j] > v[best]) best = j;
  for (int64_t j = 0; j < n; j++) v[j] = j == best;
}

/* Applies `row` to every 1-D slice along the op's axis. */
static bool st_softmax_run(st_op *op, const st_tensor *in, st_tensor *out, void (*row)(double *, int64_t), st_diag *d) {
  const st_type *t = in[0].type, *elem = t->u.shaped.elem;
  unsigned rank = t->u.shaped.rank;
  int64_t axis;
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", -1), rank, &axis, d)) return false;
  bool mask[ST_MAX_RANK] = {0};
  mask[axis] = true;
  st_reduce_plan p;
  if (!st_reduce_plan_init(&p, op, t, mask, d)) return false;
  double *v = st_graph_scratch(op, p.inner, d);
  if (!v) {
    st_reduce_plan_free(&p);
    return false;
  }
  for (int64_t o = 0; o < p.outer; o++) {
    for (int64_t j = 0; j < p.inner; j++) v[j] = st_elem_load_f(elem, in[0].data, p.base[o] + p.offs[j]);
    row(v, p.inner);
    for (int64_t j = 0; j < p.inner; j++) st_elem_store_f(elem, out[0].data, p.base[o] + p.offs[j], v[j]);
  }
  free(v);
  st_reduce_plan_free(&p);
  return true;
}

static bool st_interp_softmax(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  return st_softmax_run(op, in, out, st_softmax_row, d);
}
static bool st_interp_log_softmax(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  return st_softmax_run(op, in, out, st_reduce_log_softmax, d);
}
static bool st_interp_hardmax(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  return st_softmax_run(op, in, out, st_hardmax_row, d);
}

/* ---- the table ---- */

#define ST_REDUCE_DEF(var, opname, text, interp)                                            \
  const st_op_def var = {                                                                 \
      .name = opname, .summary = text " over 'axes' (operand; attrs keepdims, noop_with_empty_axes)", \
      .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_REDUCTION, \
      .shape_operands = 1u << 1,                                                          \
      .infer_types = st_reduce_infer, .interpret = interp,                                \
      .lower = st_graph_lower_reduce,                                                     \
  }

ST_REDUCE_DEF(st_graph_reduce_sum_def, "graph.reduce_sum", "sum", st_interp_reduce_sum);
ST_REDUCE_DEF(st_graph_reduce_mean_def, "graph.reduce_mean", "mean", st_interp_reduce_mean);
ST_REDUCE_DEF(st_graph_reduce_max_def, "graph.reduce_max", "maximum", st_interp_reduce_max);
ST_REDUCE_DEF(st_graph_reduce_min_def, "graph.reduce_min", "minimum", st_interp_reduce_min);
ST_REDUCE_DEF(st_graph_reduce_prod_def, "graph.reduce_prod", "product", st_interp_reduce_prod);
ST_REDUCE_DEF(st_graph_reduce_l1_def, "graph.reduce_l1", "sum of |x|", st_interp_reduce_l1);
ST_REDUCE_DEF(st_graph_reduce_l2_def, "graph.reduce_l2", "sqrt of the sum of squares", st_interp_reduce_l2);
ST_REDUCE_DEF(st_graph_reduce_log_sum_def, "graph.reduce_log_sum", "log of the sum", st_interp_reduce_log_sum);
ST_REDUCE_DEF(st_graph_reduce_log_sum_exp_def, "graph.reduce_log_sum_exp", "log of the sum of exp",
              st_interp_reduce_log_sum_exp);
ST_REDUCE_DEF(st_graph_reduce_sum_square_def, "graph.reduce_sum_square", "sum of squares",
              st_interp_reduce_sum_square);

const st_op_def st_graph_softmax_def = {
    .name = "graph.softmax", .summary = "exp(x) / sum(exp(x)) along attr axis (default -1)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_SAME_TYPE,
    .infer_types = st_softmax_infer, .interpret = st_interp_softmax, .lower = st_graph_lower_softmax,
};
const st_op_def st_graph_log_softmax_def = {
    .name = "graph.log_softmax", .summary = "x - log(sum(exp(x))) along attr axis (default -1)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_SAME_TYPE,
    .infer_types = st_softmax_infer, .interpret = st_interp_log_softmax,
    .lower = st_graph_lower_softmax,
};
const st_op_def st_graph_hardmax_def = {
    .name = "graph.hardmax", .summary = "1 at the first maximum along attr axis (default -1), 0 elsewhere",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_SAME_TYPE,
    .infer_types = st_softmax_infer, .interpret = st_interp_hardmax,
    .lower = st_graph_lower_hardmax,
};

static const st_op_def *const st_graph_reduce_list[] = {
    &st_graph_reduce_sum_def, &st_graph_reduce_mean_def, &st_graph_reduce_max_def, &st_graph_reduce_min_def,
    &st_graph_reduce_prod_def, &st_graph_reduce_l1_def, &st_graph_reduce_l2_def, &st_graph_reduce_log_sum_def,
    &st_graph_reduce_log_sum_exp_def, &st_graph_reduce_sum_square_def,
    &st_graph_softmax_def, &st_graph_log_softmax_def, &st_graph_hardmax_def,
    &st_graph_layer_normalization_def, &st_graph_rms_normalization_def, &st_graph_batch_normalization_def,
    &st_graph_instance_normalization_def, &st_graph_group_normalization_def, &st_graph_lp_normalization_def,
    &st_graph_mean_variance_normalization_def, &st_graph_lrn_def,
    &st_graph_negative_log_likelihood_loss_def, &st_graph_softmax_cross_entropy_loss_def,
    &st_graph_quantize_linear_def, &st_graph_dequantize_linear_def, &st_graph_dynamic_quantize_linear_def,
    &st_graph_matmul_integer_def, &st_graph_qlinear_matmul_def, &st_graph_conv_integer_def,
    &st_graph_qlinear_conv_def,
};

const st_op_group st_graph_reduce_ops = ST_OP_GROUP(st_graph_reduce_list);
