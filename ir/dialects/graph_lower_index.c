/* Lower hooks of the indexing and ordering ops: Gather, GatherElements,
 * ArgMax / ArgMin, Trilu, Split, CumSum / CumProd and Dropout.
 *
 * Each is one parallel nest over a result.  Data-dependent indices (Gather,
 * GatherElements) are loaded, converted to `index` and wrapped when
 * negative, as the interpreter does; an index outside the axis is the
 * model's error and is not checked here (the interpreter reports it).
 * Split's sizes must be constants; Trilu's k, CumSum's axis and Dropout's
 * ratio and training_mode may be graph inputs, loaded at run time (the axis
 * by a guarded nest per dim: the outermost loop of the nest for axis a runs
 * zero times unless the loaded axis is a).  Dropout's random draws are a
 * compile-time table (graph_random.c's stream for the seed). */
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_random.h"
#include "ir/dialects/graph_shape.h"

/* The integer value of constant operand i's element 0, or false. */
static bool st_const_int(st_op *op, unsigned i, int64_t *v) {
  if (i >= op->num_operands) return false;
  st_op *def = st_op_operand(op, i)->def;
  const st_attr *a = def && def->def == &st_graph_constant_def ? st_op_get_attr(def, "value") : NULL;
  return a && st_type_num_elements(a->type) >= 1 && st_attr_elem_as_int(a, 0, v);
}

static int64_t st_axis_attr(st_op *op, int64_t dflt, unsigned rank) {
  int64_t a = st_op_attr_int(op, "axis", dflt);
  return a < 0 ? a + rank : a;
}

/* idx (any integer) as an index into a dim of size n, negative wrapped. */
static st_value *st_wrap_index(st_lower_ctx *lc, st_builder *b, st_value *idx, st_dim n) {
  const st_type *index = st_type_scalar(b->module->ctx, ST_TY_INDEX);
  st_value *i = st_lower_op(b, &st_arith_cast_def, 1, &idx, index);
  st_value *neg = st_lower_cmp(b, &st_arith_cmpi_def, "slt", i, st_lower_index(lc, 0));
  return st_lower_select(b, neg, st_lower_binary(b, &st_arith_addi_def, i, st_lower_index(lc, n)), i);
}

/* ---- Gather (data, indices) {axis}: out[o.., j.., i..] = data[o.., idx[j..], i..] ---- */
bool st_graph_lower_gather(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *out = op->results[0].type, *dt = lc->inputs[0]->type, *it = lc->inputs[1]->type;
  unsigned dr = dt->u.shaped.rank, ir = it->u.shaped.rank;
  int64_t axis = st_axis_attr(op, 0, dr);
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *di[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, out->u.shaped.rank, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_value *k = st_lower_load(&in, lc->inputs[1], ivs + axis);
  for (unsigned j = 0; j < dr; j++)
    di[j] = j < axis ? ivs[j] : j == axis ? st_wrap_index(lc, &in, k, dt->u.shaped.dims[axis]) : ivs[j - 1 + ir];
  return st_lower_store(&in, st_lower_load(&in, lc->inputs[0], di), dst, ivs);
}

/* ---- GatherElements (data, indices) {axis}: out[i] = data[i with axis = idx[i]] ---- */
bool st_graph_lower_gather_elements(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *out = op->results[0].type, *dt = lc->inputs[0]->type;
  int64_t axis = st_axis_attr(op, 0, dt->u.shaped.rank);
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *di[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, out->u.shaped.rank, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_value *k = st_lower_load(&in, lc->inputs[1], ivs);
  for (unsigned j = 0; j < dt->u.shaped.rank; j++)
    di[j] = j == axis ? st_wrap_index(lc, &in, k, dt->u.shaped.dims[axis]) : ivs[j];
  return st_lower_store(&in, st_lower_load(&in, lc->inputs[0], di), dst, ivs);
}

/* ---- ArgMax / ArgMin {axis, keepdims, select_last_index}; NaN orders above numbers ---- */

/* a strictly before b: a > b for ArgMax (a < b for ArgMin), NaN largest. */
static st_value *st_arg_before(st_builder *b, const st_type *elem, bool max, st_value *x, st_value *y) {
  if (!st_type_is_float(elem)) {
    const char *p = st_type_is_unsigned(elem) || elem->kind == ST_TY_I1 ? (max ? "ugt" : "ult") : (max ? "sgt" : "slt");
    return st_lower_cmp(b, &st_arith_cmpi_def, p, x, y);
  }
  st_value *c = st_lower_cmp(b, &st_arith_cmpf_def, max ? "ogt" : "olt", x, y);
  st_value *xn = st_lower_cmp(b, &st_arith_cmpf_def, "uno", x, x), *yn = st_lower_cmp(b, &st_arith_cmpf_def, "ord", y, y);
  st_value *nan_wins = max ? st_lower_binary(b, &st_arith_andi_def, xn, yn)
                           : st_lower_binary(b, &st_arith_andi_def, st_lower_cmp(b, &st_arith_cmpf_def, "uno", y, y),
                                             st_lower_cmp(b, &st_arith_cmpf_def, "ord", x, x));
  return st_lower_binary(b, &st_arith_ori_def, c, nan_wins);
}

bool st_graph_lower_arg(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *t = lc->inputs[0]->type, *elem = t->u.shaped.elem;
  unsigned r = t->u.shaped.rank;
  int64_t axis = st_axis_attr(op, 0, r);
  bool keep = st_op_attr_int(op, "keepdims", 1) != 0, last = st_op_attr_int(op, "select_last_index", 0) != 0;
  bool max = op->def == &st_graph_arg_max_def;
  st_dim odims[ST_MAX_RANK];
  for (unsigned j = 0, o = 0; j < r; j++)
    if (j != axis) odims[o++] = t->u.shaped.dims[j];
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *xi[ST_MAX_RANK], *oi[ST_MAX_RANK], *a;
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, r - 1, odims, true, ivs);
  if (!in.block) return false;
  const st_type *index = st_type_scalar(lc->b.module->ctx, ST_TY_INDEX);
  st_value *best = st_lower_alloca(&in, elem), *pos = st_lower_alloca(&in, index);
  for (unsigned j = 0, o = 0; j < r; j++) xi[j] = j == axis ? st_lower_index(lc, 0) : ivs[o++];
  if (!st_lower_store(&in, st_lower_load(&in, lc->inputs[0], xi), best, NULL) ||
      !st_lower_store(&in, st_lower_index(lc, 0), pos, NULL))
    return false;
  st_builder l = st_lower_loops(lc, &in, 1, &t->u.shaped.dims[axis], false, &a);
  if (!l.block) return false;
  for (unsigned j = 0, o = 0; j < r; j++) xi[j] = j == axis ? a : ivs[o++];
  st_value *v = st_lower_load(&l, lc->inputs[0], xi), *bv = st_lower_load(&l, best, NULL);
  st_value *take = st_arg_before(&l, elem, max, v, bv);
  if (last) {
    st_value *not_after = st_lower_binary(&l, &st_arith_xori_def, st_arg_before(&l, elem, max, bv, v),
                                          st_lower_const(&l, st_type_scalar(l.module->ctx, ST_TY_I1), 1));
    take = st_lower_binary(&l, &st_arith_ori_def, take, not_after);
  }
  if (!st_lower_store(&l, st_lower_select(&l, take, v, bv), best, NULL) ||
      !st_lower_store(&l, st_lower_select(&l, take, a, st_lower_load(&l, pos, NULL)), pos, NULL))
    return false;
  for (unsigned j = 0, o = 0, k = 0; j < r; j++) {
    if (j != axis) oi[k++] = ivs[o++];
    else if (keep) oi[k++] = st_lower_index(lc, 0);
  }
  st_value *p = st_lower_load(&in, pos, NULL);
  return st_lower_store(&in, st_lower_op(&in, &st_arith_cast_def, 1, &p, op->results[0].type->u.shaped.elem), dst, oi);
}

/* Element 0 of a buffer of any rank (a scalar operand read at run time). */
static st_value *st_load_first(st_lower_ctx *lc, st_builder *b, st_value *buf) {
  st_value *zi[ST_MAX_RANK];
  for (unsigned j = 0; j < buf->type->u.shaped.rank; j++) zi[j] = st_lower_index(lc, 0);
  return st_lower_load(b, buf, zi);
}

/* ---- Trilu (x, k?) {upper}: keep x[.., i, j] where j - i >= k (upper) or <= k ---- */
bool st_graph_lower_trilu(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *out = op->results[0].type, *elem = out->u.shaped.elem;
  const st_type *index = st_type_scalar(lc->b.module->ctx, ST_TY_INDEX);
  unsigned r = out->u.shaped.rank;
  int64_t k = 0;
  st_value *kv = NULL; /* k loaded at run time when it is not a constant */
  if (st_graph_has_operand(op, 1) && !st_const_int(op, 1, &k)) {
    if (!lc->inputs[1]) return st_graph_lower_fail(op, d, "needs k");
    st_value *raw = st_load_first(lc, &lc->b, lc->inputs[1]);
    if (!raw || !(kv = st_lower_op(&lc->b, &st_arith_cast_def, 1, &raw, index))) return false;
  }
  bool upper = st_op_attr_int(op, "upper", 1) != 0;
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, r, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_value *keep;
  if (kv) { /* j - i vs the loaded k (j - i is small: no overflow) */
    st_value *diff = st_lower_binary(&in, &st_arith_subi_def, ivs[r - 1], ivs[r - 2]);
    keep = st_lower_cmp(&in, &st_arith_cmpi_def, upper ? "sge" : "sle", diff, kv);
  } else {
    /* j - i vs k as j vs i + k, in index arithmetic: keep when j >= i + k (upper) */
    st_value *ik = k >= 0 ? st_lower_binary(&in, &st_arith_addi_def, ivs[r - 2], st_lower_index(lc, k)) : ivs[r - 2];
    st_value *j = k >= 0 ? ivs[r - 1] : st_lower_binary(&in, &st_arith_addi_def, ivs[r - 1], st_lower_index(lc, -k));
    keep = st_lower_cmp(&in, &st_arith_cmpi_def, upper ? "sge" : "sle", j, ik);
  }
  st_value *v = st_lower_load(&in, lc->inputs[0], ivs);
  return st_lower_store(&in, st_lower_select(&in, keep, v, st_lower_const(&in, elem, 0)), dst, ivs);
}

/* ---- Split (x, split?) {axis}: result r is the slab after the previous ones ---- */
bool st_graph_lower_split(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *t = lc->inputs[0]->type;
  int64_t axis = st_axis_attr(op, 0, t->u.shaped.rank), start = 0;
  for (unsigned res = 0; res < op->num_results; res++) {
    const st_type *out = op->results[res].type;
    st_value *dst = st_lower_result(lc, res), *ivs[ST_MAX_RANK], *xi[ST_MAX_RANK];
    if (!dst) return false;
    st_builder in = st_lower_loops(lc, &lc->b, out->u.shaped.rank, out->u.shaped.dims, true, ivs);
    if (!in.block) return false;
    for (unsigned j = 0; j < out->u.shaped.rank; j++)
      xi[j] = j != axis || !start ? ivs[j] : st_lower_binary(&in, &st_arith_addi_def, ivs[j], st_lower_index(lc, start));
    if (!st_lower_store(&in, st_lower_load(&in, lc->inputs[0], xi), dst, ivs)) return false;
    start += out->u.shaped.dims[axis];
  }
  return true;
}

/* ---- CumSum / CumProd (x, axis) {exclusive, reverse}: a running accumulator per line ---- */

/* The nest for one axis.  `guard` (an index value, or NULL) replaces the
 * upper bound of the outermost loop: a nest for each possible axis when the
 * axis is known only at run time, each running when guard is the dim. */
static bool st_cum_nest(st_op *op, st_lower_ctx *lc, unsigned axis, const st_op_def *arith, st_value *guard_on) {
  const st_type *t = op->results[0].type, *elem = t->u.shaped.elem;
  unsigned r = t->u.shaped.rank;
  bool prod = op->def == &st_graph_cum_prod_def;
  bool excl = st_op_attr_int(op, "exclusive", 0) != 0, rev = st_op_attr_int(op, "reverse", 0) != 0;
  st_dim odims[ST_MAX_RANK];
  for (unsigned j = 0, o = 0; j < r; j++)
    if (j != axis) odims[o++] = t->u.shaped.dims[j];
  st_value *dst = lc->outputs[0], *ivs[ST_MAX_RANK], *xi[ST_MAX_RANK], *a, *ub = NULL;
  if (guard_on && !(ub = st_lower_select(&lc->b, guard_on, st_lower_index(lc, r > 1 ? odims[0] : t->u.shaped.dims[axis]),
                                         st_lower_index(lc, 0))))
    return false;
  st_builder in = st_lower_loops(lc, &lc->b, r - 1, odims, true, ivs);
  st_value *acc = in.block ? st_lower_alloca(&in, elem) : NULL;
  if (!acc || !st_lower_store(&in, st_lower_const(&in, elem, prod ? 1 : 0), acc, NULL)) return false;
  st_builder l = st_lower_loops(lc, &in, 1, &t->u.shaped.dims[axis], false, &a);
  if (!l.block) return false;
  if (ub) /* the outermost loop runs `dim` times when this is the axis, else 0 */
    st_op_set_operand((r > 1 ? ivs[0] : a)->block->parent->parent, 1, ub);
  st_value *at = rev ? st_lower_binary(&l, &st_arith_subi_def, st_lower_index(lc, t->u.shaped.dims[axis] - 1), a) : a;
  for (unsigned j = 0, o = 0; j < r; j++) xi[j] = j == axis ? at : ivs[o++];
  st_value *old = st_lower_load(&l, acc, NULL);
  st_value *now = st_lower_binary(&l, arith, old, st_lower_load(&l, lc->inputs[0], xi));
  return st_lower_store(&l, now, acc, NULL) && st_lower_store(&l, excl ? old : now, dst, xi);
}

bool st_graph_lower_cum(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *t = op->results[0].type, *elem = t->u.shaped.elem;
  unsigned r = t->u.shaped.rank;
  int64_t axis;
  bool prod = op->def == &st_graph_cum_prod_def;
  const st_op_def *arith = st_lower_arith_for(elem, prod ? 'm' : 'a');
  if (!arith) return st_graph_lower_fail(op, d, "element type not supported yet");
  if (!st_lower_result(lc, 0)) return false;
  if (st_const_int(op, 1, &axis)) return st_cum_nest(op, lc, (unsigned)(axis < 0 ? axis + r : axis), arith, NULL);
  if (!lc->inputs[1]) return st_graph_lower_fail(op, d, "needs an axis");
  /* The axis is a run-time value: wrap it once, then one guarded nest per dim. */
  const st_type *index = st_type_scalar(lc->b.module->ctx, ST_TY_INDEX);
  st_value *raw = st_load_first(lc, &lc->b, lc->inputs[1]);
  st_value *ax = raw ? st_lower_op(&lc->b, &st_arith_cast_def, 1, &raw, index) : NULL;
  st_value *neg = st_lower_cmp(&lc->b, &st_arith_cmpi_def, "slt", ax, st_lower_index(lc, 0));
  ax = st_lower_select(&lc->b, neg, st_lower_binary(&lc->b, &st_arith_addi_def, ax, st_lower_index(lc, r)), ax);
  if (!ax) return false;
  for (unsigned a = 0; a < r; a++) {
    st_value *on = st_lower_cmp(&lc->b, &st_arith_cmpi_def, "eq", ax, st_lower_index(lc, a));
    if (!on || !st_cum_nest(op, lc, a, arith, on)) return false;
  }
  return true;
}

/* ---- Dropout (x, ratio?, training_mode?): inference only, the identity and an all-true mask ---- */
/* ---- Dropout (data, ratio?, training_mode?) -> output, mask? ----
 * The interpreter's uniforms depend only on the seed and the element count,
 * so they are tabulated at compile time (f64); ratio and training_mode are
 * loaded at run time.  active = training && ratio != 0; an element is kept
 * when !active or u >= ratio; a kept element is x * (1 / (1 - ratio)) in
 * f64 when active, x itself otherwise. */
bool st_graph_lower_dropout(st_op *op, st_lower_ctx *lc, st_diag *d) {
  int64_t training = 1;
  const st_type *xt = lc->inputs[0]->type, *elem = xt->u.shaped.elem;
  int64_t n = st_type_num_elements(xt);
  bool has_mask = op->num_results > 1 && op->results[1].type->kind == ST_TY_TENSOR;
  if (!st_graph_has_operand(op, 2) || (st_const_int(op, 2, &training) && !training) || n <= 0) {
    st_value *dst = st_lower_result(lc, 0);
    if (!dst || !st_lower_copy(lc, lc->inputs[0], dst)) return false;
    if (!has_mask) return true;
    const st_type *mt = op->results[1].type;
    st_value *mask = st_lower_result(lc, 1), *ivs[ST_MAX_RANK];
    if (!mask) return false;
    st_builder in = st_lower_loops(lc, &lc->b, mt->u.shaped.rank, mt->u.shaped.dims, true, ivs);
    return in.block && st_lower_store(&in, st_lower_const(&in, mt->u.shaped.elem, 1), mask, ivs);
  }
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  double *u = malloc((size_t)n * sizeof *u);
  if (!u) return lc->out_of_memory = true, false;
  st_mt19937 mt;
  st_mt_seed(&mt, (uint32_t)st_op_attr_int(op, "seed", 0));
  for (int64_t i = 0; i < n; i++) u[i] = st_mt_double(&mt);
  st_context *ctx = lc->b.module->ctx;
  const st_type *f64 = st_type_scalar(ctx, ST_TY_F64), *i1 = st_type_scalar(ctx, ST_TY_I1);
  st_value *table = st_graph_lower_table(lc, f64, xt->u.shaped.rank, xt->u.shaped.dims, u, (size_t)n * sizeof *u);
  free(u);
  if (!table) return false;
  st_builder *b = &lc->b;
  st_value *zeros[ST_MAX_RANK], *ratio, *flag;
  for (unsigned k = 0; k < ST_MAX_RANK; k++) zeros[k] = st_lower_index(lc, 0);
  if (st_graph_has_operand(op, 1)) {
    ratio = st_lower_load(b, lc->inputs[1], zeros);
    ratio = st_lower_cast(b, ratio, f64);
  } else {
    ratio = st_lower_const(b, f64, 0.5);
  }
  flag = st_lower_load(b, lc->inputs[2], zeros);
  if (!flag || !ratio) return false;
  const st_type *te = flag->type;
  flag = st_type_is_float(te) ? st_lower_cmp(b, &st_arith_cmpf_def, "une", flag, st_lower_const(b, te, 0))
                              : st_lower_cmp(b, &st_arith_cmpi_def, "ne", flag, st_lower_const(b, te, 0));
  st_value *active = st_lower_binary(b, &st_arith_andi_def, flag,
                                     st_lower_cmp(b, &st_arith_cmpf_def, "une", ratio, st_lower_const(b, f64, 0)));
  st_value *scale = st_lower_binary(b, &st_arith_divf_def, st_lower_const(b, f64, 1),
                                    st_lower_binary(b, &st_arith_subf_def, st_lower_const(b, f64, 1), ratio));
  st_value *dst = st_lower_result(lc, 0), *mask = has_mask ? st_lower_result(lc, 1) : NULL, *ivs[ST_MAX_RANK];
  if (!dst || (has_mask && !mask) || !active || !scale) return false;
  st_builder in = st_lower_loops(lc, b, xt->u.shaped.rank, xt->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_value *draw = st_lower_cmp(&in, &st_arith_cmpf_def, "oge", st_lower_load(&in, table, ivs), ratio);
  st_value *x = st_lower_load(&in, lc->inputs[0], ivs), *xs = x;
  xs = st_lower_cast(&in, xs, f64);
  xs = st_lower_binary(&in, &st_arith_mulf_def, xs, scale);
  xs = st_lower_cast(&in, xs, elem);
  st_value *y = st_lower_select(&in, active, st_lower_select(&in, draw, xs, st_lower_const(&in, elem, 0)), x);
  if (!st_lower_store(&in, y, dst, ivs)) return false;
  return !mask || st_lower_store(&in, st_lower_select(&in, active, draw, st_lower_const(&in, i1, 1)), mask, ivs);
}
