/* Lower hook of graph.softmax and graph.log_softmax: for each row along
 * the axis, three sequential sweeps — the maximum, exp(x - max) summed (and
 * stored, for softmax), then the division (softmax) or x - max - log(sum)
 * (log_softmax) — so exp never overflows for large inputs. */
#include <math.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_reduce.h"

/* Opens a loop over the axis at *b and fills idx with the row's index. */
static st_builder st_axis_loop(st_lower_ctx *lc, st_builder *b, const st_type *t, unsigned axis,
                               st_value *const *outer, st_value **idx) {
  st_value *a;
  st_builder in = st_lower_loops(lc, b, 1, &t->u.shaped.dims[axis], false, &a);
  for (unsigned j = 0, o = 0; j < t->u.shaped.rank; j++) idx[j] = j == axis ? a : outer[o++];
  return in;
}

bool st_graph_lower_softmax(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *t = op->results[0].type, *elem = t->u.shaped.elem;
  if (!st_type_is_float(elem) || !st_lower_arith_for(elem, 'a'))
    return st_graph_lower_fail(op, d, "element type not supported yet");
  int64_t rank = t->u.shaped.rank, axis = st_op_attr_int(op, "axis", -1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return st_graph_lower_fail(op, d, "axis out of range");
  st_dim outer_dims[ST_MAX_RANK];
  for (int64_t j = 0, o = 0; j < rank; j++)
    if (j != axis) outer_dims[o++] = t->u.shaped.dims[j];
  st_value *x = lc->inputs[0], *dst = st_lower_result(lc, 0), *outer[ST_MAX_RANK], *idx[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, (unsigned)rank - 1, outer_dims, true, outer);
  st_value *mx = in.block ? st_lower_alloca(&in, elem) : NULL, *sum = mx ? st_lower_alloca(&in, elem) : NULL;
  if (!sum || !st_lower_store(&in, st_lower_const(&in, elem, -INFINITY), mx, NULL) ||
      !st_lower_store(&in, st_lower_const(&in, elem, 0), sum, NULL))
    return false;
  st_builder l1 = st_axis_loop(lc, &in, t, (unsigned)axis, outer, idx);
  if (!l1.block) return false;
  st_value *v = st_lower_load(&l1, x, idx), *m = st_lower_load(&l1, mx, NULL);
  st_value *gt = st_lower_cmp(&l1, &st_arith_cmpf_def, "ogt", v, m);
  if (!st_lower_store(&l1, st_lower_select(&l1, gt, v, m), mx, NULL)) return false;
  bool log = op->def == &st_graph_log_softmax_def;
  st_builder l2 = st_axis_loop(lc, &in, t, (unsigned)axis, outer, idx);
  if (!l2.block) return false;
  st_value *diff = st_lower_binary(&l2, &st_arith_subf_def, st_lower_load(&l2, x, idx), st_lower_load(&l2, mx, NULL));
  st_value *e = diff ? st_lower_op(&l2, &st_arith_expf_def, 1, &diff, NULL) : NULL;
  if ((!log && !st_lower_store(&l2, e, dst, idx)) ||
      !st_lower_store(&l2, st_lower_binary(&l2, &st_arith_addf_def, st_lower_load(&l2, sum, NULL), e), sum, NULL))
    return false;
  st_builder l3 = st_axis_loop(lc, &in, t, (unsigned)axis, outer, idx);
  if (!l3.block) return false;
  if (log) {
    st_value *ls = st_lower_math(&l3, "log", st_lower_load(&l3, sum, NULL), NULL);
    if (!ls) return false;
    st_value *sh = st_lower_binary(&l3, &st_arith_subf_def, st_lower_load(&l3, x, idx), st_lower_load(&l3, mx, NULL));
    return st_lower_store(&l3, st_lower_binary(&l3, &st_arith_subf_def, sh, ls), dst, idx);
  }
  st_value *q = st_lower_binary(&l3, &st_arith_divf_def, st_lower_load(&l3, dst, idx), st_lower_load(&l3, sum, NULL));
  return st_lower_store(&l3, q, dst, idx);
}
