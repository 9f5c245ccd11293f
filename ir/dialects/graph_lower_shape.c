/* Lower hooks of the movement ops that are more than a view (Flatten,
 * Squeeze, Unsqueeze and Identity share reshape's hook: contiguous buffers
 * make them the same bytes under another shape).
 *
 * Concat copies each operand into its slab of the result; Expand reads its
 * operand with numpy broadcasting; Slice reads start + i * step per dim,
 * with the plan shape inference made from the constant starts, ends, axes
 * and steps. */
#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_shape.h"

bool st_graph_lower_concat(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *out = op->results[0].type;
  int64_t axis;
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", 0), out->u.shaped.rank, &axis, d)) return false;
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *idx[ST_MAX_RANK];
  if (!dst) return false;
  int64_t offset = 0;
  for (unsigned i = 0; i < op->num_operands; i++) {
    st_value *src = lc->inputs[i];
    const st_type *t = src->type;
    if (st_type_num_elements(t) == 0) continue;
    st_builder in = st_lower_loops(lc, &lc->b, t->u.shaped.rank, t->u.shaped.dims, true, ivs);
    if (!in.block) return false;
    for (unsigned j = 0; j < t->u.shaped.rank; j++) idx[j] = ivs[j];
    if (offset) idx[axis] = st_lower_binary(&in, &st_arith_addi_def, ivs[axis], st_lower_index(lc, offset));
    if (!st_lower_store(&in, st_lower_load(&in, src, ivs), dst, idx)) return false;
    offset += t->u.shaped.dims[axis];
  }
  return true;
}

bool st_graph_lower_expand(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *out = op->results[0].type;
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *idx[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, out->u.shaped.rank, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_lower_bcast_indices(lc, lc->inputs[0], out, ivs, idx);
  return st_lower_store(&in, st_lower_load(&in, lc->inputs[0], idx), dst, ivs);
}

bool st_graph_lower_slice(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_slice_plan p;
  if (!st_shape_slice_plan(op, NULL, &p, d)) return false;
  const st_type *out = op->results[0].type;
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *idx[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, out->u.shaped.rank, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  for (unsigned j = 0; j < out->u.shaped.rank; j++) {
    st_value *i = ivs[j];
    /* The index arithmetic is in signed index values; a negative step walks down from start. */
    if (p.step[j] != 1) i = st_lower_binary(&in, &st_arith_muli_def, i, st_lower_index(lc, p.step[j]));
    idx[j] = p.start[j] ? st_lower_binary(&in, &st_arith_addi_def, i, st_lower_index(lc, p.start[j])) : i;
  }
  return st_lower_store(&in, st_lower_load(&in, lc->inputs[0], idx), dst, ivs);
}
