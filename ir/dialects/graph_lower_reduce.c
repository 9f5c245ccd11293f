/* Lower hooks of batch normalisation and the Reduce ops.
 *
 * BatchNormalization's inference form (one result) is one parallel nest over
 * X computing (x - mean[c]) * (scale[c] / sqrt(var[c] + epsilon)) + B[c];
 * the per-channel factor is loop-invariant in the spatial loops, where LLVM
 * hoists it.  Its training form is a parallel loop over the channels with
 * three sequential passes over each channel's elements (sum, squared
 * deviations, normalise), in f64 like the interpreter.
 *
 * A Reduce op is a parallel nest over the result and a sequential nest over
 * the reduced dims into a rank-0 accumulator: each element is mapped (|x|,
 * x², e^x), combined (sum, product, max, min), and the total finished (mean
 * divides, L2 takes the root, the log-sums the log).  Max and min of bools
 * are or and and, from false and true.  The axes come from
 * the constant axes operand, as shape inference read them. */
#include <math.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_reduce.h"

static st_value *st_bn_f64(st_builder *b, st_value *v) {
  return st_lower_cast(b, v, st_type_scalar(b->module->ctx, ST_TY_F64));
}

/* One pass over channel c's elements (every dim but 1) at *b; returns a
 * builder in the innermost loop with xi set to the element's indices. */
static st_builder st_bn_channel_loops(st_lower_ctx *lc, st_builder *b, const st_type *xt, st_value *c, st_value **xi) {
  unsigned rank = xt->u.shaped.rank;
  st_dim dims[ST_MAX_RANK];
  st_value *ks[ST_MAX_RANK];
  for (unsigned j = 0, k = 0; j < rank; j++)
    if (j != 1) dims[k++] = xt->u.shaped.dims[j];
  st_builder in = st_lower_loops(lc, b, rank - 1, dims, false, ks);
  for (unsigned j = 0, k = 0; j < rank; j++) xi[j] = j == 1 ? c : ks[k++];
  return in;
}

/* sum over channel c of f(x) in f64, divided by the count (f = x - sub, squared, when sub). */
static st_value *st_bn_mean(st_lower_ctx *lc, st_builder *b, st_value *x, st_value *c, st_value *sub, double count) {
  const st_type *f64 = st_type_scalar(b->module->ctx, ST_TY_F64);
  st_value *acc = st_lower_alloca(b, f64), *xi[ST_MAX_RANK];
  if (!acc || !st_lower_store(b, st_lower_const(b, f64, 0), acc, NULL)) return NULL;
  st_builder in = st_bn_channel_loops(lc, b, x->type, c, xi);
  if (!in.block) return NULL;
  st_value *v = st_bn_f64(&in, st_lower_load(&in, x, xi));
  if (sub) {
    v = st_lower_binary(&in, &st_arith_subf_def, v, sub);
    v = st_lower_binary(&in, &st_arith_mulf_def, v, v);
  }
  if (!st_lower_store(&in, st_lower_binary(&in, &st_arith_addf_def, st_lower_load(&in, acc, NULL), v), acc, NULL))
    return NULL;
  return st_lower_binary(b, &st_arith_divf_def, st_lower_load(b, acc, NULL), st_lower_const(b, f64, count));
}

/* Training mode, as the interpreter: per channel (a parallel loop) the batch
 * mean and (biased) variance in f64, the running statistics
 * mean_in * momentum + batch * (1 - momentum) stored in results 1 and 2,
 * then y = (x - mean) * (scale / sqrt(var + eps)) + B in f64. */
static bool st_bn_training(st_op *op, st_lower_ctx *lc, double eps) {
  st_value *X = lc->inputs[0], *c, *xi[ST_MAX_RANK];
  const st_type *xt = X->type, *elem = xt->u.shaped.elem;
  double momentum = st_op_attr_float(op, "momentum", 0.9);
  double count = (double)st_type_num_elements(xt) / (double)xt->u.shaped.dims[1];
  st_value *dst = st_lower_result(lc, 0), *run[3] = {NULL};
  if (!dst) return false;
  for (unsigned r = 1; r < op->num_results && r < 3; r++)
    if (op->results[r].type->kind == ST_TY_TENSOR && !(run[r] = st_lower_result(lc, r))) return false;
  st_builder in = st_lower_loops(lc, &lc->b, 1, &xt->u.shaped.dims[1], true, &c);
  if (!in.block) return false;
  const st_type *f64 = st_type_scalar(in.module->ctx, ST_TY_F64);
  st_value *mean = st_bn_mean(lc, &in, X, c, NULL, count);
  st_value *var = mean ? st_bn_mean(lc, &in, X, c, mean, count) : NULL;
  if (!var) return false;
  for (unsigned r = 1; r < 3; r++) {
    if (!run[r]) continue;
    st_value *old = st_bn_f64(&in, st_lower_load(&in, lc->inputs[r + 2], &c));
    st_value *kept = st_lower_binary(&in, &st_arith_mulf_def, old, st_lower_const(&in, f64, momentum));
    st_value *batch = st_lower_binary(&in, &st_arith_mulf_def, r == 1 ? mean : var, st_lower_const(&in, f64, 1 - momentum));
    st_value *v = st_lower_binary(&in, &st_arith_addf_def, kept, batch);
    const st_type *re = run[r]->type->u.shaped.elem;
    if (v && re != f64) v = st_lower_op(&in, &st_arith_cast_def, 1, &v, re);
    if (!st_lower_store(&in, v, run[r], &c)) return false;
  }
  st_value *root =
      st_lower_math(&in, "sqrt", st_lower_binary(&in, &st_arith_addf_def, var, st_lower_const(&in, f64, eps)), NULL);
  st_value *scale = st_lower_binary(&in, &st_arith_divf_def, st_bn_f64(&in, st_lower_load(&in, lc->inputs[1], &c)), root);
  st_value *bias = st_bn_f64(&in, st_lower_load(&in, lc->inputs[2], &c));
  st_builder l = st_bn_channel_loops(lc, &in, xt, c, xi);
  if (!l.block || !scale || !bias) return false;
  st_value *y = st_lower_binary(&l, &st_arith_subf_def, st_bn_f64(&l, st_lower_load(&l, X, xi)), mean);
  y = st_lower_binary(&l, &st_arith_addf_def, st_lower_binary(&l, &st_arith_mulf_def, y, scale), bias);
  if (y && elem != f64) y = st_lower_op(&l, &st_arith_cast_def, 1, &y, elem);
  return st_lower_store(&l, y, dst, xi);
}

bool st_graph_lower_batch_norm(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *out = op->results[0].type, *elem = out->u.shaped.elem;
  if (!st_type_is_float(elem) || !st_lower_arith_for(elem, 'a'))
    return st_graph_lower_fail(op, d, "element type not supported yet");
  if (out->u.shaped.rank < 2) return st_graph_lower_fail(op, d, "expects (N, C, ...)");
  double eps = st_op_attr_float(op, "epsilon", 1e-5);
  if (st_op_attr_int(op, "training_mode", 0) != 0) {
    for (unsigned i = 1; i < 5; i++)
      if (!st_type_is_float(lc->inputs[i]->type->u.shaped.elem) || lc->inputs[i]->type->u.shaped.rank != 1)
        return st_graph_lower_fail(op, d, "expects 1-D float parameters");
    return st_bn_training(op, lc, eps);
  }
  for (unsigned r = 1; r < op->num_results; r++)
    if (op->results[r].type->kind != ST_TY_NONE)
      return st_graph_lower_fail(op, d, "running statistics requested outside training mode");
  for (unsigned i = 1; i < 5; i++)
    if (lc->inputs[i]->type->u.shaped.elem != elem || lc->inputs[i]->type->u.shaped.rank != 1)
      return st_graph_lower_fail(op, d, "expects 1-D parameters of X's element type");
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, out->u.shaped.rank, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_value *c = ivs[1];
  st_value *scale = st_lower_load(&in, lc->inputs[1], &c), *bias = st_lower_load(&in, lc->inputs[2], &c);
  st_value *mean = st_lower_load(&in, lc->inputs[3], &c), *var = st_lower_load(&in, lc->inputs[4], &c);
  st_value *root =
      st_lower_math(&in, "sqrt", st_lower_binary(&in, &st_arith_addf_def, var, st_lower_const(&in, elem, eps)), NULL);
  st_value *factor = st_lower_binary(&in, &st_arith_divf_def, scale, root);
  st_value *x = st_lower_binary(&in, &st_arith_subf_def, st_lower_load(&in, lc->inputs[0], ivs), mean);
  st_value *y = st_lower_binary(&in, &st_arith_addf_def, st_lower_binary(&in, &st_arith_mulf_def, x, factor), bias);
  return st_lower_store(&in, y, dst, ivs);
}

/* ---- Reduce ---- */

typedef enum { ST_RED_SUM, ST_RED_PROD, ST_RED_MAX, ST_RED_MIN } st_red_combine;

typedef struct st_red_rule {
  const st_op_def *def;
  const char *map;       /* "abs", "square", "exp" or NULL */
  st_red_combine combine;
  const char *finish;    /* "mean", "sqrt", "log" or NULL */
} st_red_rule;

static const st_red_rule st_red_rules[] = {
    {&st_graph_reduce_sum_def, NULL, ST_RED_SUM, NULL},       {&st_graph_reduce_mean_def, NULL, ST_RED_SUM, "mean"},
    {&st_graph_reduce_max_def, NULL, ST_RED_MAX, NULL},       {&st_graph_reduce_min_def, NULL, ST_RED_MIN, NULL},
    {&st_graph_reduce_prod_def, NULL, ST_RED_PROD, NULL},     {&st_graph_reduce_l1_def, "abs", ST_RED_SUM, NULL},
    {&st_graph_reduce_l2_def, "square", ST_RED_SUM, "sqrt"},  {&st_graph_reduce_sum_square_def, "square", ST_RED_SUM, NULL},
    {&st_graph_reduce_log_sum_def, NULL, ST_RED_SUM, "log"},  {&st_graph_reduce_log_sum_exp_def, "exp", ST_RED_SUM, "log"},
};

/* Marks the reduced axes from the constant axes operand (none: all axes,
 * or none with noop_with_empty_axes). */
static bool st_red_mask(st_op *op, unsigned rank, bool *mask, st_diag *d) {
  int64_t n = 0;
  const st_attr *axes = NULL;
  if (st_graph_has_operand(op, 1)) {
    st_op *def = st_op_operand(op, 1)->def;
    axes = def && def->def == &st_graph_constant_def ? st_op_get_attr(def, "value") : NULL;
    if (!axes) return st_graph_lower_fail(op, d, "needs a constant axes operand");
    n = st_type_num_elements(axes->type);
  }
  bool noop = st_op_attr_int(op, "noop_with_empty_axes", 0) != 0;
  for (unsigned j = 0; j < rank; j++) mask[j] = n == 0 && !noop;
  for (int64_t k = 0; k < n; k++) {
    int64_t a;
    if (!st_attr_elem_as_int(axes, k, &a)) return st_graph_lower_fail(op, d, "cannot read the axes");
    if (a < 0) a += rank;
    if (a < 0 || a >= (int64_t)rank) return st_graph_lower_fail(op, d, "axis out of range");
    mask[a] = true;
  }
  return true;
}

/* x when it beats a (pred "ogt" for max, "olt" for min) or is NaN, else a:
 * the interpreter's `x > acc || isnan(x)`, so a NaN wins and stays. */
static st_value *st_red_pick(st_builder *b, const char *pred, st_value *x, st_value *a) {
  st_value *take = st_lower_binary(b, &st_arith_ori_def, st_lower_cmp(b, &st_arith_cmpf_def, pred, x, a),
                                   st_lower_cmp(b, &st_arith_cmpf_def, "uno", x, x));
  return st_lower_select(b, take, x, a);
}

bool st_graph_lower_reduce(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_red_rule *r = NULL;
  for (size_t i = 0; i < sizeof st_red_rules / sizeof *st_red_rules; i++)
    if (st_red_rules[i].def == op->def) r = &st_red_rules[i];
  const st_type *xt = st_op_operand(op, 0)->type, *out = op->results[0].type, *elem = out->u.shaped.elem;
  if (!r) return st_graph_lower_fail(op, d, "no loop form for this reduction yet");
  /* bool max / min: or / and, from false / true */
  bool logical = elem->kind == ST_TY_I1 && (r->combine == ST_RED_MAX || r->combine == ST_RED_MIN) && !r->map && !r->finish;
  if (!logical && (!st_type_is_float(elem) || !st_lower_arith_for(elem, 'a')))
    return st_graph_lower_fail(op, d, "element type not supported yet");
  unsigned rank = xt->u.shaped.rank;
  bool mask[ST_MAX_RANK], keep = out->u.shaped.rank == rank;
  if (rank > ST_MAX_RANK || !st_red_mask(op, rank, mask, d)) return false;
  st_dim rdims[ST_MAX_RANK];
  unsigned nred = 0;
  int64_t count = 1;
  for (unsigned j = 0; j < rank; j++)
    if (mask[j]) count *= rdims[nred++] = xt->u.shaped.dims[j];
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *ks[ST_MAX_RANK], *xi[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, out->u.shaped.rank, out->u.shaped.dims, true, ivs);
  st_value *acc = in.block ? st_lower_alloca(&in, elem) : NULL;
  double init = r->combine == ST_RED_PROD ? 1 : r->combine == ST_RED_MAX ? -INFINITY : r->combine == ST_RED_MIN ? INFINITY : 0;
  if (logical) init = r->combine == ST_RED_MIN;
  if (!acc || !st_lower_store(&in, st_lower_const(&in, elem, init), acc, NULL)) return false;
  st_builder red = st_lower_loops(lc, &in, nred, rdims, false, ks);
  if (!red.block) return false;
  for (unsigned j = 0, o = 0, k = 0; j < rank; j++) {
    xi[j] = mask[j] ? ks[k++] : ivs[o];
    o += !mask[j] || keep;
  }
  st_value *x = st_lower_load(&red, lc->inputs[0], xi), *a = st_lower_load(&red, acc, NULL), *v;
  if (r->map && !strcmp(r->map, "square")) x = st_lower_binary(&red, &st_arith_mulf_def, x, x);
  else if (r->map) x = st_lower_math(&red, r->map, x, NULL);
  switch (r->combine) {
  case ST_RED_SUM: v = st_lower_binary(&red, &st_arith_addf_def, a, x); break;
  case ST_RED_PROD: v = st_lower_binary(&red, &st_arith_mulf_def, a, x); break;
  case ST_RED_MAX:
    v = logical ? st_lower_binary(&red, &st_arith_ori_def, a, x) : st_red_pick(&red, "ogt", x, a);
    break;
  default:
    v = logical ? st_lower_binary(&red, &st_arith_andi_def, a, x) : st_red_pick(&red, "olt", x, a);
    break;
  }
  if (!st_lower_store(&red, v, acc, NULL)) return false;
  st_value *y = st_lower_load(&in, acc, NULL);
  if (r->finish && !strcmp(r->finish, "mean"))
    y = st_lower_binary(&in, &st_arith_divf_def, y, st_lower_const(&in, elem, (double)count));
  else if (r->finish) y = st_lower_math(&in, r->finish, y, NULL);
  return st_lower_store(&in, y, dst, ivs);
}
