/* Lower hooks of ScatterElements and ScatterND (reduction none / add / mul /
 * max / min), GatherND, TensorScatter and MaxUnpool.
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

/* ---- TensorScatter (past_cache, update, [write_indices]) {axis, mode} ----
 * The cache is copied, then a parallel nest over the update writes its
 * sequence position s of batch b at write_indices[b] + s along the axis
 * (wrapped modulo the cache's length in circular mode; a position outside
 * the cache, the interpreter's error, is skipped).  Within one batch the
 * positions differ, so the writes are independent. */
bool st_graph_lower_tensor_scatter(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *pt = lc->inputs[0]->type, *ut = lc->inputs[1]->type;
  unsigned r = pt->u.shaped.rank;
  int64_t axis = st_op_attr_int(op, "axis", -2);
  if (axis < 0) axis += r;
  if (axis <= 0 || axis >= (int64_t)r) return st_graph_lower_fail(op, d, "axis out of range");
  const char *mode = st_op_attr_str(op, "mode");
  bool circular = mode && !strcmp(mode, "circular");
  st_dim len = pt->u.shaped.dims[axis];
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *di[ST_MAX_RANK];
  if (!dst || !st_lower_copy(lc, lc->inputs[0], dst)) return false;
  if (st_type_num_elements(ut) == 0 || len == 0) return true;
  st_builder in = st_lower_loops(lc, &lc->b, r, ut->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  const st_type *index = st_type_scalar(lc->b.module->ctx, ST_TY_INDEX);
  st_value *at = ivs[axis];
  if (st_graph_has_operand(op, 2) && lc->inputs[2]) {
    st_value *w = st_lower_load(&in, lc->inputs[2], ivs);
    w = w ? st_lower_op(&in, &st_arith_cast_def, 1, &w, index) : NULL;
    at = st_lower_binary(&in, &st_arith_addi_def, w, at);
  }
  st_value *vlen = st_lower_index(lc, len), *zero = st_lower_index(lc, 0);
  st_builder store = in;
  if (circular) {
    at = st_lower_binary(&in, &st_arith_remsi_def, at, vlen);
    at = st_lower_binary(&in, &st_arith_remsi_def, st_lower_binary(&in, &st_arith_addi_def, at, vlen), vlen);
  } else {
    st_value *ok = st_lower_binary(&in, &st_arith_andi_def, st_lower_cmp(&in, &st_arith_cmpi_def, "sge", at, zero),
                                   st_lower_cmp(&in, &st_arith_cmpi_def, "slt", at, vlen));
    store = st_lower_if(&in, ok, NULL);
    if (!store.block) return false;
  }
  for (unsigned j = 0; j < r; j++) di[j] = j == (unsigned)axis ? at : ivs[j];
  return st_lower_store(&store, st_lower_load(&store, lc->inputs[1], ivs), dst, di);
}

/* ---- MaxUnpool (X, I, [output_shape]) {kernel_shape, strides, pads} ----
 * The result is zeroed, then a sequential nest over X (the last write wins,
 * as the interpreter's) stores each element at its flat index I, unravelled
 * over the shape max pooling came from (kernel_shape, strides, pads) and
 * addressed in the result's (output_shape only pads at the end).  An index
 * outside that shape, the interpreter's error, is skipped. */
bool st_graph_lower_max_unpool(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *xt = lc->inputs[0]->type, *out = op->results[0].type, *elem = out->u.shaped.elem;
  unsigned r = xt->u.shaped.rank, sp = r - 2;
  int64_t kernel[ST_MAX_RANK], strides[ST_MAX_RANK], pads[2 * ST_MAX_RANK], inf[ST_MAX_RANK], total = 1;
  if (r < 3 || !st_graph_int_array(op, "kernel_shape", sp, 1, kernel, d) ||
      !st_graph_int_array(op, "strides", sp, 1, strides, d) || !st_graph_int_array(op, "pads", 2 * sp, 0, pads, d))
    return r < 3 ? st_graph_lower_fail(op, d, "expects a spatial input") : false;
  inf[0] = xt->u.shaped.dims[0], inf[1] = xt->u.shaped.dims[1];
  for (unsigned i = 0; i < sp; i++)
    inf[i + 2] = (xt->u.shaped.dims[i + 2] - 1) * strides[i] - pads[i] - pads[i + sp] + kernel[i];
  for (unsigned i = 0; i < r; i++) {
    if (inf[i] > out->u.shaped.dims[i]) return st_graph_lower_fail(op, d, "output_shape is smaller than the unpooled shape");
    total *= inf[i];
  }
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *oi[ST_MAX_RANK];
  if (!dst) return false;
  st_builder z = st_lower_loops(lc, &lc->b, r, out->u.shaped.dims, true, ivs);
  if (!z.block || !st_lower_store(&z, st_lower_const(&z, elem, 0), dst, ivs)) return false;
  st_builder in = st_lower_loops(lc, &lc->b, r, xt->u.shaped.dims, false, ivs);
  if (!in.block) return false;
  const st_type *index = st_type_scalar(lc->b.module->ctx, ST_TY_INDEX);
  st_value *k = st_lower_load(&in, lc->inputs[1], ivs);
  k = k ? st_lower_op(&in, &st_arith_cast_def, 1, &k, index) : NULL;
  st_value *ok = st_lower_binary(&in, &st_arith_andi_def, st_lower_cmp(&in, &st_arith_cmpi_def, "sge", k, st_lower_index(lc, 0)),
                                 st_lower_cmp(&in, &st_arith_cmpi_def, "slt", k, st_lower_index(lc, total)));
  st_builder s = st_lower_if(&in, ok, NULL);
  if (!s.block) return false;
  for (unsigned i = r; i-- > 0;) {
    st_value *di = st_lower_index(lc, inf[i]);
    oi[i] = i ? st_lower_binary(&s, &st_arith_remui_def, k, di) : k;
    if (i) k = st_lower_binary(&s, &st_arith_divui_def, k, di);
  }
  return st_lower_store(&s, st_lower_load(&s, lc->inputs[0], ivs), dst, oi);
}
