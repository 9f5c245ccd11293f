/* Lower hooks of the row-wise normalisations: LayerNormalization,
 * RMSNormalization, GroupNormalization, MeanVarianceNormalization and LRN.
 *
 * LayerNorm / RMSNorm: for each row (the dims before `axis`, a parallel
 * nest) sequential sweeps over the normalised dims (from `axis` on): the
 * sum and the sum of squares, the variance around the mean (LayerNorm; two
 * passes, as the interpreter, so large means do not cancel), then
 * y = (x - mean) * inv * scale (+ bias).  Statistics accumulate in scratch
 * slots of the element type (f32 in registers for f16/bf16, see
 * codegen/llvm/llvm_elem.c); the optional Mean and InvStdDev results are
 * stored in their stash type.
 *
 * The others follow their interpreters (graph_reduce_norm.c) in f64:
 * GroupNorm sees X as (N, groups, chunk) and takes the mean, then the
 * variance around it, of each (n, group) row; MVN sums x and x^2 over the
 * reduced axes of each kept index and divides by sqrt(max(var, 0)) + 1e-9;
 * LRN is a parallel nest over X whose sequential loop sums x^2 over the
 * window of channels [c - floor((size-1)/2), c + ceil((size-1)/2)] clipped
 * to [0, C) (runtime bounds), then y = x / (bias + alpha / size * sum)^beta. */
#include <math.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_reduce.h"

/* A sequential nest over the dims of t marked in `mask`: idx (an index
 * into t) gets the nest's ivs at the marked dims and the ivs of the row's
 * nest, `outer` (one per unmarked dim, in order), at the others. */
static st_builder st_norm_sweep(st_lower_ctx *lc, st_builder *b, const st_type *t, const bool *mask,
                                st_value *const *outer, st_value **idx) {
  unsigned r = t->u.shaped.rank, n = 0;
  st_dim dims[ST_MAX_RANK];
  st_value *ivs[ST_MAX_RANK] = {0};
  for (unsigned j = 0; j < r; j++)
    if (mask[j]) dims[n++] = t->u.shaped.dims[j];
  st_builder in = st_lower_loops(lc, b, n, dims, false, ivs);
  for (unsigned j = 0, o = 0, k = 0; j < r; j++) idx[j] = mask[j] ? ivs[k++] : outer[o++];
  return in;
}

/* A sequential nest over dims[axis..rank); idx gets outer ivs then the nest's. */
static st_builder st_norm_inner(st_lower_ctx *lc, st_builder *b, const st_type *t, unsigned axis,
                                st_value *const *outer, st_value **idx) {
  bool mask[ST_MAX_RANK];
  for (unsigned j = 0; j < t->u.shaped.rank; j++) mask[j] = j >= axis;
  return st_norm_sweep(lc, b, t, mask, outer, idx);
}

st_value *st_lower_inv_std(st_builder *b, st_value *sq, int64_t n, double eps, const st_type *elem) {
  st_value *var = st_lower_binary(b, &st_arith_divf_def, st_lower_load(b, sq, NULL), st_lower_const(b, elem, (double)n));
  st_value *sd = st_lower_math(b, "sqrt", st_lower_binary(b, &st_arith_addf_def, var, st_lower_const(b, elem, eps)), NULL);
  return sd ? st_lower_binary(b, &st_arith_divf_def, st_lower_const(b, elem, 1), sd) : NULL;
}

bool st_graph_lower_layer_norm(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *t = op->results[0].type, *elem = t->u.shaped.elem;
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  bool rms = op->def == &st_graph_rms_normalization_def;
  unsigned r = t->u.shaped.rank;
  int64_t axis = st_op_attr_int(op, "axis", -1);
  if (axis < 0) axis += r;
  int64_t n = 1;
  for (unsigned j = (unsigned)axis; j < r; j++) n *= t->u.shaped.dims[j];
  st_value *x = lc->inputs[0], *scale = lc->inputs[1], *bias = !rms && lc->num_inputs > 2 ? lc->inputs[2] : NULL;
  st_value *dst = st_lower_result(lc, 0), *outer[ST_MAX_RANK], *idx[ST_MAX_RANK], *bi[ST_MAX_RANK];
  if (!dst) return false;
  for (unsigned res = 1; res < op->num_results; res++) /* before the nest that stores into them */
    if (op->results[res].type->kind == ST_TY_TENSOR && !st_lower_result(lc, res)) return false;
  st_builder in = st_lower_loops(lc, &lc->b, (unsigned)axis, t->u.shaped.dims, true, outer);
  st_value *sum = in.block ? st_lower_alloca(&in, elem) : NULL, *sq = sum ? st_lower_alloca(&in, elem) : NULL;
  if (!sq || !st_lower_store(&in, st_lower_const(&in, elem, 0), sum, NULL) ||
      !st_lower_store(&in, st_lower_const(&in, elem, 0), sq, NULL))
    return false;
  st_builder l1 = st_norm_inner(lc, &in, t, (unsigned)axis, outer, idx);
  if (!l1.block) return false;
  st_value *v = st_lower_load(&l1, x, idx);
  if (!st_lower_store(&l1, st_lower_binary(&l1, &st_arith_addf_def, st_lower_load(&l1, sum, NULL), v), sum, NULL))
    return false;
  st_value *mean = st_lower_binary(&in, &st_arith_divf_def, st_lower_load(&in, sum, NULL), st_lower_const(&in, elem, (double)n));
  if (rms) {
    if (!st_lower_store(&l1, st_lower_binary(&l1, &st_arith_addf_def, st_lower_load(&l1, sq, NULL),
                                             st_lower_binary(&l1, &st_arith_mulf_def, v, v)), sq, NULL))
      return false;
    mean = st_lower_const(&in, elem, 0);
  } else {
    st_builder l2 = st_norm_inner(lc, &in, t, (unsigned)axis, outer, idx);
    if (!l2.block) return false;
    st_value *c = st_lower_binary(&l2, &st_arith_subf_def, st_lower_load(&l2, x, idx), mean);
    if (!st_lower_store(&l2, st_lower_binary(&l2, &st_arith_addf_def, st_lower_load(&l2, sq, NULL),
                                             st_lower_binary(&l2, &st_arith_mulf_def, c, c)), sq, NULL))
      return false;
  }
  st_value *inv = st_lower_inv_std(&in, sq, n, st_op_attr_float(op, "epsilon", 1e-5), elem);
  if (!inv) return false;
  st_builder l3 = st_norm_inner(lc, &in, t, (unsigned)axis, outer, idx);
  if (!l3.block) return false;
  st_value *y = st_lower_binary(&l3, &st_arith_mulf_def,
                                st_lower_binary(&l3, &st_arith_subf_def, st_lower_load(&l3, x, idx), mean), inv);
  st_lower_bcast_indices(lc, scale, t, idx, bi);
  y = st_lower_binary(&l3, &st_arith_mulf_def, y, st_lower_cast(&l3, st_lower_load(&l3, scale, bi), elem));
  if (bias) {
    st_lower_bcast_indices(lc, bias, t, idx, bi);
    y = st_lower_binary(&l3, &st_arith_addf_def, y, st_lower_cast(&l3, st_lower_load(&l3, bias, bi), elem));
  }
  if (!st_lower_store(&l3, y, dst, idx)) return false;
  /* Mean and InvStdDev: the row's statistics at [outer..., 0...]. */
  st_value *stat[2] = {mean, inv};
  for (unsigned res = 1; res < op->num_results && res < 3; res++) {
    if (op->results[res].type->kind != ST_TY_TENSOR) continue;
    st_value *o = lc->outputs[res];
    for (unsigned j = (unsigned)axis; j < r; j++) idx[j] = st_lower_index(lc, 0);
    for (unsigned j = 0; j < (unsigned)axis; j++) idx[j] = outer[j];
    if (!st_lower_store(&in, st_lower_cast(&in, stat[res - 1], op->results[res].type->u.shaped.elem), o, idx))
      return false;
  }
  return true;
}

/* ---- f64 statistics (GroupNormalization, MeanVarianceNormalization, LRN) ---- */

/* A parallel nest over the dims of t not marked in mask; rows gets its ivs. */
static st_builder st_norm_rows(st_lower_ctx *lc, const st_type *t, const bool *mask, st_value **rows) {
  st_dim dims[ST_MAX_RANK];
  unsigned n = 0;
  for (unsigned j = 0; j < t->u.shaped.rank; j++)
    if (!mask[j]) dims[n++] = t->u.shaped.dims[j];
  return st_lower_loops(lc, &lc->b, n, dims, true, rows);
}

/* A zeroed f64 scratch slot at b. */
static st_value *st_norm_acc(st_builder *b, const st_type *f64) {
  st_value *a = b->block ? st_lower_alloca(b, f64) : NULL;
  return a && st_lower_store(b, st_lower_const(b, f64, 0), a, NULL) ? a : NULL;
}

/* *acc += v at b. */
static bool st_norm_add(st_builder *b, st_value *acc, st_value *v) {
  return st_lower_store(b, st_lower_binary(b, &st_arith_addf_def, st_lower_load(b, acc, NULL), v), acc, NULL);
}

/* ---- GroupNormalization (x, scale, bias) {num_groups, epsilon}: per (n, group) ---- */
bool st_graph_lower_group_norm(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  const st_type *t = op->results[0].type, *elem = t->u.shaped.elem, *f64 = st_type_scalar(ctx, ST_TY_F64);
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  const st_dim *xd = t->u.shaped.dims;
  int64_t N = xd[0], C = xd[1], G = st_op_attr_int(op, "num_groups", 1), spatial = 1;
  if (G <= 0 || C % G) return st_graph_lower_fail(op, d, "needs num_groups > 0 dividing the channels");
  for (unsigned j = 2; j < t->u.shaped.rank; j++) spatial *= xd[j];
  int64_t chunk = C / G * spatial;
  bool per_group = st_type_num_elements(lc->inputs[1]->type) != C;
  st_value *dst = st_lower_result(lc, 0);
  if (!dst) return false;
  /* X and Y as (N, G, chunk) */
  st_dim vd[3] = {N, G, chunk};
  const st_type *vt = st_type_memref(ctx, elem, 3, vd, NULL, 0, 0);
  st_value *x = st_lower_view(lc, lc->inputs[0], 3, vd), *y = st_lower_view(lc, dst, 3, vd);
  if (!x || !y) return false;
  const bool mask[3] = {false, false, true};
  st_value *rows[2], *idx[3];
  st_builder in = st_norm_rows(lc, vt, mask, rows);
  st_value *sum = st_norm_acc(&in, f64), *sq = sum ? st_norm_acc(&in, f64) : NULL;
  if (!sq) return false;
  st_builder l1 = st_norm_sweep(lc, &in, vt, mask, rows, idx);
  if (!l1.block || !st_norm_add(&l1, sum, st_lower_cast(&l1, st_lower_load(&l1, x, idx), f64))) return false;
  st_value *nv = st_lower_const(&in, f64, (double)chunk);
  st_value *mean = st_lower_binary(&in, &st_arith_divf_def, st_lower_load(&in, sum, NULL), nv);
  st_builder l2 = st_norm_sweep(lc, &in, vt, mask, rows, idx);
  if (!l2.block) return false;
  st_value *c2 = st_lower_binary(&l2, &st_arith_subf_def, st_lower_cast(&l2, st_lower_load(&l2, x, idx), f64), mean);
  if (!st_norm_add(&l2, sq, st_lower_binary(&l2, &st_arith_mulf_def, c2, c2))) return false;
  st_value *var = st_lower_binary(&in, &st_arith_divf_def, st_lower_load(&in, sq, NULL), nv);
  st_value *sd = st_lower_math(&in, "sqrt",
                               st_lower_binary(&in, &st_arith_addf_def, var,
                                               st_lower_const(&in, f64, st_op_attr_float(op, "epsilon", 1e-5))),
                               NULL);
  st_value *inv = st_lower_binary(&in, &st_arith_divf_def, st_lower_const(&in, f64, 1), sd);
  st_builder l3 = st_norm_sweep(lc, &in, vt, mask, rows, idx);
  if (!l3.block) return false;
  st_value *k = rows[1]; /* the group, or the channel g * C/G + i / spatial */
  if (!per_group)
    k = st_lower_binary(&l3, &st_arith_addi_def, st_lower_binary(&l3, &st_arith_muli_def, rows[1], st_lower_index(lc, C / G)),
                        st_lower_binary(&l3, &st_arith_divui_def, idx[2], st_lower_index(lc, spatial)));
  st_value *c3 = st_lower_binary(&l3, &st_arith_subf_def, st_lower_cast(&l3, st_lower_load(&l3, x, idx), f64), mean);
  st_value *v = st_lower_binary(&l3, &st_arith_mulf_def, st_lower_binary(&l3, &st_arith_mulf_def, c3, inv),
                                st_lower_cast(&l3, st_lower_load(&l3, lc->inputs[1], &k), f64));
  v = st_lower_binary(&l3, &st_arith_addf_def, v, st_lower_cast(&l3, st_lower_load(&l3, lc->inputs[2], &k), f64));
  return st_lower_store(&l3, st_lower_cast(&l3, v, elem), y, idx);
}

/* ---- MeanVarianceNormalization {axes = [0, 2, 3]}: (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9) ---- */
bool st_graph_lower_mvn(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  const st_type *t = op->results[0].type, *elem = t->u.shaped.elem, *f64 = st_type_scalar(ctx, ST_TY_F64);
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  unsigned r = t->u.shaped.rank;
  bool mask[ST_MAX_RANK];
  if (!st_mvn_axes(op, r, mask, d)) return false;
  int64_t n = 1;
  for (unsigned j = 0; j < r; j++)
    if (mask[j]) n *= t->u.shaped.dims[j];
  st_value *x = lc->inputs[0], *dst = st_lower_result(lc, 0), *rows[ST_MAX_RANK], *idx[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_norm_rows(lc, t, mask, rows);
  st_value *sum = st_norm_acc(&in, f64), *sq = sum ? st_norm_acc(&in, f64) : NULL;
  if (!sq) return false;
  st_builder l1 = st_norm_sweep(lc, &in, t, mask, rows, idx);
  if (!l1.block) return false;
  st_value *v = st_lower_cast(&l1, st_lower_load(&l1, x, idx), f64);
  if (!st_norm_add(&l1, sum, v) || !st_norm_add(&l1, sq, st_lower_binary(&l1, &st_arith_mulf_def, v, v))) return false;
  st_value *nv = st_lower_const(&in, f64, (double)n), *zero = st_lower_const(&in, f64, 0);
  st_value *mean = st_lower_binary(&in, &st_arith_divf_def, st_lower_load(&in, sum, NULL), nv);
  st_value *var = st_lower_binary(&in, &st_arith_subf_def, st_lower_binary(&in, &st_arith_divf_def, st_lower_load(&in, sq, NULL), nv),
                                  st_lower_binary(&in, &st_arith_mulf_def, mean, mean));
  var = st_lower_select(&in, st_lower_cmp(&in, &st_arith_cmpf_def, "ogt", var, zero), var, zero); /* NaN reads 0 */
  st_value *den =
      st_lower_binary(&in, &st_arith_addf_def, st_lower_math(&in, "sqrt", var, NULL), st_lower_const(&in, f64, 1e-9));
  st_builder l2 = st_norm_sweep(lc, &in, t, mask, rows, idx);
  if (!l2.block) return false;
  st_value *c = st_lower_binary(&l2, &st_arith_subf_def, st_lower_cast(&l2, st_lower_load(&l2, x, idx), f64), mean);
  return st_lower_store(&l2, st_lower_cast(&l2, st_lower_binary(&l2, &st_arith_divf_def, c, den), elem), dst, idx);
}

/* ---- LRN {size, alpha, beta, bias}: x / (bias + alpha / size * sum of x^2 over the channel window)^beta ---- */
bool st_graph_lower_lrn(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  const st_type *t = op->results[0].type, *elem = t->u.shaped.elem, *f64 = st_type_scalar(ctx, ST_TY_F64);
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  double alpha = st_op_attr_float(op, "alpha", 1e-4), beta = st_op_attr_float(op, "beta", 0.75);
  double bias = st_op_attr_float(op, "bias", 1.0);
  int64_t size = st_op_attr_int(op, "size", 1), C = t->u.shaped.dims[1];
  if (size <= 0) return st_graph_lower_fail(op, d, "needs a positive size");
  int64_t lo = (size - 1) / 2, hi = size / 2; /* floor and ceil of (size - 1) / 2 */
  unsigned r = t->u.shaped.rank;
  st_value *x = lc->inputs[0], *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *xi[ST_MAX_RANK], *k;
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, r, t->u.shaped.dims, true, ivs);
  st_value *sq = st_norm_acc(&in, f64);
  if (!sq) return false;
  /* k in [max(c - lo, 0), min(c + hi + 1, C)) */
  st_value *c = ivs[1], *vlo = st_lower_index(lc, lo), *vc = st_lower_index(lc, C);
  st_value *lb = st_lower_select(&in, st_lower_cmp(&in, &st_arith_cmpi_def, "ult", c, vlo), st_lower_index(lc, 0),
                                 st_lower_binary(&in, &st_arith_subi_def, c, vlo));
  st_value *end = st_lower_binary(&in, &st_arith_addi_def, c, st_lower_index(lc, hi + 1));
  st_value *ub = st_lower_select(&in, st_lower_cmp(&in, &st_arith_cmpi_def, "ugt", end, vc), vc, end);
  st_builder lk = st_lower_for(lc, &in, lb, ub, false, &k);
  if (!lk.block) return false;
  for (unsigned j = 0; j < r; j++) xi[j] = j == 1 ? k : ivs[j];
  st_value *v = st_lower_cast(&lk, st_lower_load(&lk, x, xi), f64);
  if (!st_norm_add(&lk, sq, st_lower_binary(&lk, &st_arith_mulf_def, v, v))) return false;
  st_value *base = st_lower_binary(&in, &st_arith_addf_def, st_lower_const(&in, f64, bias),
                                   st_lower_binary(&in, &st_arith_mulf_def, st_lower_const(&in, f64, alpha / (double)size),
                                                   st_lower_load(&in, sq, NULL)));
  st_value *y = st_lower_binary(&in, &st_arith_divf_def, st_lower_cast(&in, st_lower_load(&in, x, ivs), f64),
                                st_lower_math(&in, "pow", base, st_lower_const(&in, f64, beta)));
  return st_lower_store(&in, st_lower_cast(&in, y, elem), dst, ivs);
}
