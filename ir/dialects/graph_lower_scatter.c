/* Lower hooks of ScatterElements and ScatterND (reduction none / add / mul /
 * max / min) and GatherND.
 *
 * A scatter copies the data into the result (a parallel nest), then walks
 * the indices in order with a sequential nest, so duplicate indices apply
 * in the interpreter's order (the last write wins, reductions fold left to
 * right).  Indices are loaded, converted to `index` and wrapped when
 * negative; an index outside its dim is the model's error and is not
 * checked here (the interpreter reports it).  Reductions compute in the
 * element type's arith (floats in f32 registers for the narrow types):
 * max / min take the update when it is strictly greater / smaller, as the
 * interpreter's `b > a ? b : a`. */
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_shape.h"

/* idx (any integer) as an index into a dim of size n, negative wrapped. */
static st_value *st_sc_wrap(st_lower_ctx *lc, st_builder *b, st_value *idx, st_dim n) {
  const st_type *index = st_type_scalar(b->module->ctx, ST_TY_INDEX);
  st_value *i = idx ? st_lower_op(b, &st_arith_cast_def, 1, &idx, index) : NULL;
  st_value *neg = st_lower_cmp(b, &st_arith_cmpi_def, "slt", i, st_lower_index(lc, 0));
  return st_lower_select(b, neg, st_lower_binary(b, &st_arith_addi_def, i, st_lower_index(lc, n)), i);
}

/* 0 none, 1 add, 2 mul, 3 max, 4 min; -1 unknown. */
static int st_sc_reduction(st_op *op) {
  static const char *const names[] = {"none", "add", "mul", "max", "min"};
  const char *s = st_op_attr_str(op, "reduction");
  if (!s) return 0;
  for (int i = 0; i < 5; i++)
    if (!strcmp(s, names[i])) return i;
  return -1;
}

/* reduce(a, b): a the current element, b the update. */
static st_value *st_sc_combine(st_builder *b, const st_type *elem, int red, st_value *a, st_value *u) {
  if (red == 0) return u;
  if (red == 1 || red == 2) return st_lower_binary(b, st_lower_arith_for(elem, red == 1 ? 'a' : 'm'), a, u);
  st_value *take;
  if (st_type_is_float(elem)) take = st_lower_cmp(b, &st_arith_cmpf_def, red == 3 ? "ogt" : "olt", u, a);
  else {
    bool uns = st_type_is_unsigned(elem) || elem->kind == ST_TY_I1;
    take = st_lower_cmp(b, &st_arith_cmpi_def, red == 3 ? (uns ? "ugt" : "sgt") : (uns ? "ult" : "slt"), u, a);
  }
  return st_lower_select(b, take, u, a);
}

static bool st_sc_prepare(st_op *op, st_lower_ctx *lc, st_diag *d, int *red, st_value **dst) {
  const st_type *elem = op->results[0].type->u.shaped.elem;
  *red = st_sc_reduction(op);
  if (*red < 0) return st_graph_lower_fail(op, d, "unknown reduction");
  if (*red == 1 || *red == 2 ? !st_lower_arith_for(elem, 'a') : *red && elem->kind == ST_TY_I1)
    return st_graph_lower_fail(op, d, "element type not supported yet");
  return (*dst = st_lower_result(lc, 0)) && st_lower_copy(lc, lc->inputs[0], *dst);
}

/* ---- ScatterElements (data, indices, updates) {axis, reduction} ---- */
bool st_graph_lower_scatter_elements(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *xt = lc->inputs[0]->type, *it = lc->inputs[1]->type, *elem = xt->u.shaped.elem;
  unsigned r = xt->u.shaped.rank;
  int64_t axis = st_op_attr_int(op, "axis", 0);
  if (axis < 0) axis += r;
  int red;
  st_value *dst, *ivs[ST_MAX_RANK], *di[ST_MAX_RANK];
  if (!st_sc_prepare(op, lc, d, &red, &dst)) return false;
  st_builder in = st_lower_loops(lc, &lc->b, it->u.shaped.rank, it->u.shaped.dims, false, ivs);
  if (!in.block) return false;
  st_value *k = st_sc_wrap(lc, &in, st_lower_load(&in, lc->inputs[1], ivs), xt->u.shaped.dims[axis]);
  for (unsigned j = 0; j < r; j++) di[j] = j == (unsigned)axis ? k : ivs[j];
  st_value *u = st_lower_load(&in, lc->inputs[2], ivs);
  st_value *v = red ? st_sc_combine(&in, elem, red, st_lower_load(&in, dst, di), u) : u;
  return st_lower_store(&in, v, dst, di);
}

/* ---- ScatterND (data, indices, updates) {reduction}: slices at index tuples ---- */
bool st_graph_lower_scatter_nd(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *xt = lc->inputs[0]->type, *it = lc->inputs[1]->type, *elem = xt->u.shaped.elem;
  unsigned r = xt->u.shaped.rank, q = it->u.shaped.rank;
  int64_t m = q ? it->u.shaped.dims[q - 1] : 0;
  if (q == 0 || m < 1 || m > r) return st_graph_lower_fail(op, d, "indices do not fit the data");
  int red;
  st_value *dst, *ivs[2 * ST_MAX_RANK], *di[ST_MAX_RANK], *ii[ST_MAX_RANK], *ui[ST_MAX_RANK];
  if (!st_sc_prepare(op, lc, d, &red, &dst)) return false;
  /* tuples (q-1 dims of the indices), then the slice (data dims from m) */
  st_dim dims[2 * ST_MAX_RANK];
  unsigned n = 0;
  for (unsigned j = 0; j + 1 < q; j++) dims[n++] = it->u.shaped.dims[j];
  for (unsigned j = (unsigned)m; j < r; j++) dims[n++] = xt->u.shaped.dims[j];
  if (n > ST_LOWER_MAX_LOOPS || lc->inputs[2]->type->u.shaped.rank != n)
    return st_graph_lower_fail(op, d, "updates do not match the indices");
  st_builder in = st_lower_loops(lc, &lc->b, n, dims, false, ivs);
  if (!in.block) return false;
  for (unsigned j = 0; j + 1 < q; j++) ii[j] = ivs[j];
  for (unsigned j = 0; j < (unsigned)m; j++) {
    ii[q - 1] = st_lower_index(lc, j);
    di[j] = st_sc_wrap(lc, &in, st_lower_load(&in, lc->inputs[1], ii), xt->u.shaped.dims[j]);
  }
  for (unsigned j = (unsigned)m; j < r; j++) di[j] = ivs[q - 1 + j - m];
  for (unsigned j = 0; j < n; j++) ui[j] = ivs[j];
  st_value *u = st_lower_load(&in, lc->inputs[2], ui);
  st_value *v = red ? st_sc_combine(&in, elem, red, st_lower_load(&in, dst, di), u) : u;
  return st_lower_store(&in, v, dst, di);
}

/* ---- GatherND (data, indices) {batch_dims}: out[t.., s..] = data[batch.., idx[t..], s..] ---- */
bool st_graph_lower_gather_nd(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *xt = lc->inputs[0]->type, *it = lc->inputs[1]->type, *out = op->results[0].type;
  unsigned r = xt->u.shaped.rank, q = it->u.shaped.rank;
  int64_t b = st_op_attr_int(op, "batch_dims", 0), m = q ? it->u.shaped.dims[q - 1] : 0;
  if (q == 0 || b < 0 || m < 1 || b + m > r) return st_graph_lower_fail(op, d, "indices do not fit the data");
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *di[ST_MAX_RANK], *ii[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, out->u.shaped.rank, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  for (unsigned j = 0; j + 1 < q; j++) ii[j] = ivs[j];
  for (unsigned j = 0; j < r; j++) {
    if (j < (unsigned)b) di[j] = ivs[j];
    else if (j < (unsigned)(b + m)) {
      ii[q - 1] = st_lower_index(lc, j - b);
      di[j] = st_sc_wrap(lc, &in, st_lower_load(&in, lc->inputs[1], ii), xt->u.shaped.dims[j]);
    } else di[j] = ivs[q - 1 + j - (b + m)];
  }
  return st_lower_store(&in, st_lower_load(&in, lc->inputs[0], di), dst, ivs);
}
