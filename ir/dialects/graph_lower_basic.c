/* Lower hooks of the simple graph ops: constants become read-only buffers,
 * elementwise ops one parallel loop nest over the result (broadcast operand
 * dims read index 0), reshape a view of its operand (or a copy into a given
 * destination), transpose a loop nest reading the permuted index. */
#include <stdlib.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/print.h"

bool st_graph_lower_fail(st_op *op, st_diag *d, const char *why) {
  st_diag_error(d, op->loc, "'%s' op cannot be lowered to loops: %s", op->def->name, why);
  return false;
}

bool st_graph_lower_constant(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_attr *value = st_op_get_attr(op, "value");
  const st_type *t = st_lower_memref_type(lc->b.module->ctx, op->results[0].type);
  st_named_attr a = {"value", value};
  st_op_state s = {.def = &st_mem_constant_def, .num_results = 1, .result_types = &t, .num_attrs = 1, .attrs = &a};
  st_op *c = st_builder_create(&lc->b, &s);
  if (!c) return false;
  c->results[0].name = op->results[0].name;
  if (!lc->outputs[0]) {
    lc->outputs[0] = &c->results[0];
    return true;
  }
  return st_lower_copy(lc, &c->results[0], lc->outputs[0]);
}

static char st_binary_kind(const st_op *op) {
  if (op->def == &st_graph_add_def) return 'a';
  if (op->def == &st_graph_sub_def) return 's';
  if (op->def == &st_graph_mul_def) return 'm';
  return 'd';
}

bool st_graph_lower_binary(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *out = op->results[0].type;
  const st_op_def *arith = st_lower_arith_for(out->u.shaped.elem, st_binary_kind(op));
  if (!arith) return st_graph_lower_fail(op, d, "element type not supported yet");
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *ia[ST_MAX_RANK], *ib[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, out->u.shaped.rank, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_lower_bcast_indices(lc, lc->inputs[0], out, ivs, ia);
  st_lower_bcast_indices(lc, lc->inputs[1], out, ivs, ib);
  st_value *x = st_lower_load(&in, lc->inputs[0], ia), *y = st_lower_load(&in, lc->inputs[1], ib);
  return st_lower_store(&in, st_lower_binary(&in, arith, x, y), dst, ivs);
}

/* relu(x) = x < 0 ? 0 : x, which keeps NaN as the interpreter does. */
bool st_graph_lower_relu(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *out = op->results[0].type, *elem = out->u.shaped.elem;
  if (!st_lower_arith_for(elem, 'a')) return st_graph_lower_fail(op, d, "element type not supported yet");
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, out->u.shaped.rank, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_value *x = st_lower_load(&in, lc->inputs[0], ivs), *zero = st_lower_const(&in, elem, 0);
  bool is_f = st_type_is_float(elem);
  st_value *neg = st_lower_cmp(&in, is_f ? &st_arith_cmpf_def : &st_arith_cmpi_def, is_f ? "olt" : "slt", x, zero);
  return st_lower_store(&in, st_lower_select(&in, neg, zero, x), dst, ivs);
}

/* Buffers are contiguous, so a reshape is the same bytes: a view when the
 * pass lets the hook choose, a copy into a destination it was given. */
bool st_graph_lower_reshape(st_op *op, st_lower_ctx *lc, st_diag *d) {
  if (lc->outputs[0]) return st_lower_copy(lc, lc->inputs[0], lc->outputs[0]);
  const st_type *t = st_lower_memref_type(lc->b.module->ctx, op->results[0].type);
  st_value *src = lc->inputs[0];
  lc->outputs[0] = st_lower_op(&lc->b, &st_mem_view_def, 1, &src, t);
  return lc->outputs[0] != NULL;
}

bool st_graph_lower_transpose(st_op *op, st_lower_ctx *lc, st_diag *d) {
  int64_t perm[ST_MAX_RANK];
  if (!st_transpose_perm(op, perm, d)) return false;
  const st_type *out = op->results[0].type;
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *idx[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, out->u.shaped.rank, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  for (unsigned k = 0; k < out->u.shaped.rank; k++) idx[perm[k]] = ivs[k];
  return st_lower_store(&in, st_lower_load(&in, lc->inputs[0], idx), dst, ivs);
}
