/* Lower hooks of LayerNormalization and RMSNormalization: for each row
 * (the dims before `axis`, a parallel nest) sequential sweeps over the
 * normalised dims (from `axis` on): the sum and the sum of squares, the
 * variance around the mean (LayerNorm; two passes, as the interpreter, so
 * large means do not cancel), then y = (x - mean) * inv * scale (+ bias).
 * Statistics accumulate in scratch slots of the element type (f32 in
 * registers for f16/bf16, see codegen/llvm/llvm_elem.c); the optional Mean
 * and InvStdDev results are stored in their stash type. */
#include <math.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_reduce.h"

/* A sequential nest over dims[axis..rank); idx gets outer ivs then the nest's. */
static st_builder st_norm_inner(st_lower_ctx *lc, st_builder *b, const st_type *t, unsigned axis,
                                st_value *const *outer, st_value **idx) {
  for (unsigned j = 0; j < axis; j++) idx[j] = outer[j];
  return st_lower_loops(lc, b, t->u.shaped.rank - axis, t->u.shaped.dims + axis, false, idx + axis);
}

static st_value *st_norm_cast(st_builder *b, st_value *v, const st_type *t) {
  return !v || v->type == t ? v : st_lower_op(b, &st_arith_cast_def, 1, &v, t);
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
  st_value *var = st_lower_binary(&in, &st_arith_divf_def, st_lower_load(&in, sq, NULL), st_lower_const(&in, elem, (double)n));
  st_value *veps = st_lower_binary(&in, &st_arith_addf_def, var, st_lower_const(&in, elem, st_op_attr_float(op, "epsilon", 1e-5)));
  st_value *sd = veps ? st_lower_op(&in, &st_arith_math_def, 1, &veps, NULL) : NULL;
  if (!sd || !st_op_set_attr(in.module, sd->def, "fn", st_attr_string(in.module, "sqrt", 4))) return false;
  st_value *inv = st_lower_binary(&in, &st_arith_divf_def, st_lower_const(&in, elem, 1), sd);
  st_builder l3 = st_norm_inner(lc, &in, t, (unsigned)axis, outer, idx);
  if (!l3.block) return false;
  st_value *y = st_lower_binary(&l3, &st_arith_mulf_def,
                                st_lower_binary(&l3, &st_arith_subf_def, st_lower_load(&l3, x, idx), mean), inv);
  st_lower_bcast_indices(lc, scale, t, idx, bi);
  y = st_lower_binary(&l3, &st_arith_mulf_def, y, st_norm_cast(&l3, st_lower_load(&l3, scale, bi), elem));
  if (bias) {
    st_lower_bcast_indices(lc, bias, t, idx, bi);
    y = st_lower_binary(&l3, &st_arith_addf_def, y, st_norm_cast(&l3, st_lower_load(&l3, bias, bi), elem));
  }
  if (!st_lower_store(&l3, y, dst, idx)) return false;
  /* Mean and InvStdDev: the row's statistics at [outer..., 0...]. */
  st_value *stat[2] = {mean, inv};
  for (unsigned res = 1; res < op->num_results && res < 3; res++) {
    if (op->results[res].type->kind != ST_TY_TENSOR) continue;
    st_value *o = lc->outputs[res];
    for (unsigned j = (unsigned)axis; j < r; j++) idx[j] = st_lower_index(lc, 0);
    for (unsigned j = 0; j < (unsigned)axis; j++) idx[j] = outer[j];
    if (!st_lower_store(&in, st_norm_cast(&in, stat[res - 1], op->results[res].type->u.shaped.elem), o, idx))
      return false;
  }
  return true;
}
