/* Lower hooks of ConvTranspose and Col2Im (at the end).
 * ConvTranspose, X (N, C, in...), W (C, M/group, k...), B (M):
 * N-D, groups, strides, dilations, pads, output_padding, output_shape and
 * auto_pad (the begin pads computed as st_convt_geom in graph_nn_pool.c
 * computes them; the output dims are the result type's).
 *
 * The interpreter scatters each input element through the kernel; the loops
 * gather instead, so every output element is written once by a parallel
 * nest over (n, m, out...): a sequential sweep over the group's channels and
 * the kernel, where along each spatial dim the input position is
 * i = (o + pad - k * dil) / stride, used only when that division is exact
 * and 0 <= i < in (the load index is clamped, the product replaced by 0
 * otherwise).  The sum is kept in f64, as the interpreter's, then the bias
 * is added and the result cast to the element type. */
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_nn.h"

static int64_t st_ct_div_floor(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

bool st_graph_lower_conv_transpose(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  const st_type *xt = lc->inputs[0]->type, *wt = lc->inputs[1]->type, *out = op->results[0].type;
  const st_type *elem = out->u.shaped.elem, *f64 = st_type_scalar(ctx, ST_TY_F64);
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  unsigned r = xt->u.shaped.rank, sp = r - 2;
  int64_t strides[ST_MAX_RANK], dil[ST_MAX_RANK], pads[2 * ST_MAX_RANK], outpad[ST_MAX_RANK], pad_begin[ST_MAX_RANK];
  if (!st_graph_int_array(op, "strides", sp, 1, strides, d) || !st_graph_int_array(op, "dilations", sp, 1, dil, d) ||
      !st_graph_int_array(op, "pads", 2 * sp, 0, pads, d) || !st_graph_int_array(op, "output_padding", sp, 0, outpad, d))
    return false;
  int autopad = st_graph_auto_pad(op, d); /* validated by infer_types */
  if (autopad < 0) return false;
  bool os = st_op_get_attr(op, "output_shape") != NULL;
  int64_t G = st_op_attr_int(op, "group", 1), C = xt->u.shaped.dims[1], Mg = wt->u.shaped.dims[1];
  if (G <= 0 || C % G) return st_graph_lower_fail(op, d, "needs C divisible by group");
  int64_t Cg = C / G;
  for (unsigned i = 0; i < sp; i++) {
    int64_t in = xt->u.shaped.dims[i + 2], k = wt->u.shaped.dims[i + 2];
    int64_t full = strides[i] * (in - 1) + outpad[i] + dil[i] * (k - 1) + 1;
    if (os || autopad == ST_AUTO_PAD_SAME_UPPER || autopad == ST_AUTO_PAD_SAME_LOWER) {
      int64_t total = full - out->u.shaped.dims[i + 2];
      pad_begin[i] = autopad == ST_AUTO_PAD_SAME_UPPER ? st_ct_div_floor(total, 2) : total - st_ct_div_floor(total, 2);
    } else {
      pad_begin[i] = autopad == ST_AUTO_PAD_VALID ? 0 : pads[i];
    }
  }
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *kv[ST_MAX_RANK + 1], *xi[ST_MAX_RANK], *wi[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, r, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_value *m = ivs[1], *grp = NULL, *mg = m;
  if (G > 1) {
    grp = st_lower_binary(&in, &st_arith_divsi_def, m, st_lower_index(lc, Mg));
    mg = st_lower_binary(&in, &st_arith_subi_def, m, st_lower_binary(&in, &st_arith_muli_def, grp, st_lower_index(lc, Mg)));
  }
  st_value *acc = st_lower_alloca(&in, f64);
  if (!acc || !st_lower_store(&in, st_lower_const(&in, f64, 0), acc, NULL)) return false;
  st_dim kd[ST_MAX_RANK + 1] = {Cg};
  for (unsigned i = 0; i < sp; i++) kd[i + 1] = wt->u.shaped.dims[i + 2];
  st_builder l = st_lower_loops(lc, &in, sp + 1, kd, false, kv);
  if (!l.block) return false;
  st_value *c = grp ? st_lower_binary(&l, &st_arith_addi_def, kv[0],
                                      st_lower_binary(&l, &st_arith_muli_def, grp, st_lower_index(lc, Cg)))
                    : kv[0];
  st_value *valid = NULL, *zero = st_lower_index(lc, 0);
  for (unsigned i = 0; i < sp; i++) {
    /* t = o + pad - k * dil; i = t / stride when t >= 0, exact and < in */
    st_value *t = ivs[i + 2];
    if (pad_begin[i]) t = st_lower_binary(&l, &st_arith_addi_def, t, st_lower_index(lc, pad_begin[i]));
    st_value *kd_ = dil[i] == 1 ? kv[i + 1] : st_lower_binary(&l, &st_arith_muli_def, kv[i + 1], st_lower_index(lc, dil[i]));
    t = st_lower_binary(&l, &st_arith_subi_def, t, kd_);
    st_value *ok = st_lower_cmp(&l, &st_arith_cmpi_def, "sge", t, zero);
    t = st_lower_select(&l, ok, t, zero);
    st_value *q = t;
    if (strides[i] != 1) {
      q = st_lower_binary(&l, &st_arith_divsi_def, t, st_lower_index(lc, strides[i]));
      st_value *back = st_lower_binary(&l, &st_arith_muli_def, q, st_lower_index(lc, strides[i]));
      ok = st_lower_binary(&l, &st_arith_andi_def, ok, st_lower_cmp(&l, &st_arith_cmpi_def, "eq", back, t));
    }
    ok = st_lower_binary(&l, &st_arith_andi_def, ok,
                         st_lower_cmp(&l, &st_arith_cmpi_def, "slt", q, st_lower_index(lc, xt->u.shaped.dims[i + 2])));
    valid = valid ? st_lower_binary(&l, &st_arith_andi_def, valid, ok) : ok;
    xi[i + 2] = st_lower_select(&l, ok, q, zero);
    wi[i + 2] = kv[i + 1];
  }
  xi[0] = ivs[0], xi[1] = c, wi[0] = c, wi[1] = mg;
  st_value *x = st_lower_load(&l, lc->inputs[0], xi), *w = st_lower_load(&l, lc->inputs[1], wi);
  x = x ? st_lower_op(&l, &st_arith_cast_def, 1, &x, f64) : NULL;
  w = w ? st_lower_op(&l, &st_arith_cast_def, 1, &w, f64) : NULL;
  st_value *p = st_lower_binary(&l, &st_arith_mulf_def, x, w);
  if (valid) p = st_lower_select(&l, valid, p, st_lower_const(&l, f64, 0));
  if (!st_lower_store(&l, st_lower_binary(&l, &st_arith_addf_def, st_lower_load(&l, acc, NULL), p), acc, NULL))
    return false;
  st_value *y = st_lower_load(&in, acc, NULL);
  if (st_graph_has_operand(op, 2) && lc->inputs[2]) {
    st_value *b = st_lower_load(&in, lc->inputs[2], &ivs[1]);
    y = st_lower_binary(&in, &st_arith_addf_def, y, b ? st_lower_op(&in, &st_arith_cast_def, 1, &b, f64) : NULL);
  }
  if (y && elem != f64) y = st_lower_op(&in, &st_arith_cast_def, 1, &y, elem);
  return st_lower_store(&in, y, dst, ivs);
}

/* ---- Col2Im (input (N, C*prod(block), L), image_shape, block_shape)
 * {strides, dilations, pads}: the gather form again.  A parallel nest over
 * the image (n, c, q...) sums, in f64 and in the interpreter's order (the
 * block positions row-major), input[n, c*prod(block) + k, l] over the block
 * positions k whose block l = (q + pad - k * dil) / stride is exact and
 * among the blocks; the load index is clamped and the term dropped
 * otherwise. ---- */
bool st_graph_lower_col2im(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  const st_type *out = op->results[0].type, *elem = out->u.shaped.elem, *f64 = st_type_scalar(ctx, ST_TY_F64);
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  st_col2im g;
  if (!st_col2im_geom(op, &g, d)) return false;
  unsigned sp = g.sp;
  int64_t kprod = 1;
  for (unsigned i = 0; i < sp; i++) kprod *= g.block[i];
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *kv[ST_MAX_RANK], *xi[3];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, sp + 2, out->u.shaped.dims, true, ivs);
  st_value *acc = in.block ? st_lower_alloca(&in, f64) : NULL;
  if (!acc || !st_lower_store(&in, st_lower_const(&in, f64, 0), acc, NULL)) return false;
  st_builder l = st_lower_loops(lc, &in, sp, g.block, false, kv);
  if (!l.block) return false;
  st_value *zero = st_lower_index(lc, 0), *valid = NULL, *ch = st_lower_binary(&l, &st_arith_muli_def, ivs[1], st_lower_index(lc, kprod));
  st_value *kflat = NULL, *lflat = NULL;
  for (unsigned s = 0; s < sp; s++) {
    /* t = q + pad - k * dil; block = t / stride when t >= 0, exact and < nblocks */
    st_value *t = ivs[s + 2];
    if (g.pad_begin[s]) t = st_lower_binary(&l, &st_arith_addi_def, t, st_lower_index(lc, g.pad_begin[s]));
    st_value *kd = g.dil[s] == 1 ? kv[s] : st_lower_binary(&l, &st_arith_muli_def, kv[s], st_lower_index(lc, g.dil[s]));
    t = st_lower_binary(&l, &st_arith_subi_def, t, kd);
    st_value *ok = st_lower_cmp(&l, &st_arith_cmpi_def, "sge", t, zero);
    t = st_lower_select(&l, ok, t, zero);
    st_value *q = t;
    if (g.strides[s] != 1) {
      q = st_lower_binary(&l, &st_arith_divsi_def, t, st_lower_index(lc, g.strides[s]));
      st_value *back = st_lower_binary(&l, &st_arith_muli_def, q, st_lower_index(lc, g.strides[s]));
      ok = st_lower_binary(&l, &st_arith_andi_def, ok, st_lower_cmp(&l, &st_arith_cmpi_def, "eq", back, t));
    }
    ok = st_lower_binary(&l, &st_arith_andi_def, ok, st_lower_cmp(&l, &st_arith_cmpi_def, "slt", q, st_lower_index(lc, g.nblocks[s])));
    valid = valid ? st_lower_binary(&l, &st_arith_andi_def, valid, ok) : ok;
    q = st_lower_select(&l, ok, q, zero);
    kflat = kflat ? st_lower_binary(&l, &st_arith_addi_def,
                                    st_lower_binary(&l, &st_arith_muli_def, kflat, st_lower_index(lc, g.block[s])), kv[s])
                  : kv[s];
    lflat = lflat ? st_lower_binary(&l, &st_arith_addi_def,
                                    st_lower_binary(&l, &st_arith_muli_def, lflat, st_lower_index(lc, g.nblocks[s])), q)
                  : q;
  }
  xi[0] = ivs[0], xi[1] = st_lower_binary(&l, &st_arith_addi_def, ch, kflat), xi[2] = lflat;
  st_value *x = st_lower_load(&l, lc->inputs[0], xi);
  x = st_lower_cast(&l, x, f64);
  st_value *sum = st_lower_binary(&l, &st_arith_addf_def, st_lower_load(&l, acc, NULL), x);
  if (!st_lower_store(&l, st_lower_select(&l, valid, sum, st_lower_load(&l, acc, NULL)), acc, NULL)) return false;
  st_value *y = st_lower_load(&in, acc, NULL);
  if (y && elem != f64) y = st_lower_op(&in, &st_arith_cast_def, 1, &y, elem);
  return st_lower_store(&in, y, dst, ivs);
}
