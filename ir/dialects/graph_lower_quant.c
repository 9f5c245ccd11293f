/* Lower hooks of linear quantisation and the integer matrix products:
 * QuantizeLinear, DequantizeLinear (per tensor, per axis, blocked),
 * DynamicQuantizeLinear, MatMulInteger, QLinearMatMul, ConvInteger and
 * QLinearConv, following the interpreter (graph_reduce_quant.c,
 * graph_reduce_qmath.c) step by step:
 *
 * - quantise: x / scale in f32 (f64 for f64 inputs), then for an integer
 *   result roundeven, + zero point, NaN -> 0, clamped to the result's range
 *   (in f64, exact for every storage type up to 32 bits), converted; for a
 *   float8/float4 result the quotient is converted by arith.cast with the
 *   op's `saturate` (codegen's encoder agrees bit for bit with the
 *   interpreter's), the zero point ignored;
 * - dequantise: (x - zero_point) * scale in f64, stored in the result type;
 * - a scale / zero point is read at index 0 (one element), at the axis
 *   index (per axis) or at the element's index with the axis divided by the
 *   block size (blocked);
 * - integer products accumulate (a - a_zp) * (b - b_zp) in i64 (a scratch
 *   slot) over a parallel nest of the result (numpy batching, a broadcast
 *   batch dim reads index 0); QLinearMatMul requantises with the multiplier
 *   rounded to the scales' type twice, as the reference;
 * - ConvInteger and QLinearConv reuse the float convolution's direct nest
 *   (st_lower_conv_direct) with an i32 sum and the same requantisation. */
#include <math.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_reduce.h"

static const st_type *st_lq_f64(st_builder *b) { return st_type_scalar(b->module->ctx, ST_TY_F64); }

/* v (f64, already rounded) with NaN -> 0, clamped to the range of integer type elem, converted to it. */
static st_value *st_lq_saturate_int(st_builder *b, st_value *v, const st_type *elem) {
  const st_type *f64 = st_lq_f64(b);
  unsigned w = st_type_bit_width(elem);
  bool u = st_type_is_unsigned(elem);
  double lo = u ? 0.0 : -ldexp(1.0, (int)w - 1), hi = u ? ldexp(1.0, (int)w) - 1 : ldexp(1.0, (int)w - 1) - 1;
  st_value *zero = st_lower_const(b, f64, 0), *clo = st_lower_const(b, f64, lo), *chi = st_lower_const(b, f64, hi);
  v = st_lower_select(b, st_lower_cmp(b, &st_arith_cmpf_def, "uno", v, v), zero, v);
  if (w <= 32) {
    v = st_lower_select(b, st_lower_cmp(b, &st_arith_cmpf_def, "olt", v, clo), clo, v);
    v = st_lower_select(b, st_lower_cmp(b, &st_arith_cmpf_def, "ogt", v, chi), chi, v);
  }
  return st_lower_cast(b, v, elem);
}

/* ---- QuantizeLinear / DequantizeLinear ---- */

/* The index of param buffer p for the element at ivs of x. */
static void st_lq_param_index(st_lower_ctx *lc, st_builder *b, st_value *p, unsigned axis, int64_t block,
                              st_value *const *ivs, st_value **idx) {
  const st_type *t = p->type;
  unsigned r = t->u.shaped.rank;
  if (st_type_num_elements(t) == 1 && block == 0) {
    for (unsigned k = 0; k < r; k++) idx[k] = st_lower_index(lc, 0);
  } else if (block == 0) {
    idx[0] = ivs[axis];
  } else {
    for (unsigned k = 0; k < r; k++)
      idx[k] = k != axis ? ivs[k] : st_lower_binary(b, &st_arith_divsi_def, ivs[k], st_lower_index(lc, block));
  }
}

bool st_graph_lower_quant_linear(st_op *op, st_lower_ctx *lc, st_diag *d) {
  bool quant = op->def == &st_graph_quantize_linear_def;
  st_value *x = lc->inputs[0], *scale = lc->inputs[1], *zp = lc->num_inputs > 2 ? lc->inputs[2] : NULL;
  const st_type *xt = x->type, *xe = xt->u.shaped.elem, *oe = op->results[0].type->u.shaped.elem;
  unsigned rank = xt->u.shaped.rank, axis = 0;
  int64_t block = st_op_attr_int(op, "block_size", 0);
  if (block < 0) return st_graph_lower_fail(op, d, "negative block_size");
  if (rank && !(block == 0 && st_type_num_elements(scale->type) == 1)) {
    int64_t a = st_op_attr_int(op, "axis", 1);
    if (a < 0) a += rank;
    if (a < 0 || a >= (int64_t)rank) return st_graph_lower_fail(op, d, "axis out of range");
    axis = (unsigned)a;
  }
  bool small_float = quant && st_type_is_float(oe);
  if (quant && !small_float && st_type_bit_width(oe) > 32) return st_graph_lower_fail(op, d, "result type not supported");
  if (small_float) zp = NULL; /* float8 zero points are zero; the reference ignores them */
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *si[ST_MAX_RANK], *zi[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, rank, xt->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  const st_type *f64 = st_lq_f64(&in), *f32 = st_type_scalar(in.module->ctx, ST_TY_F32);
  st_lq_param_index(lc, &in, scale, axis, block, ivs, si);
  st_value *s = st_lower_load(&in, scale, si), *v = st_lower_load(&in, x, ivs), *z = NULL;
  if (zp) {
    st_lq_param_index(lc, &in, zp, axis, block, ivs, zi);
    z = st_lower_cast(&in, st_lower_load(&in, zp, zi), f64);
  }
  st_value *y;
  if (!quant) {
    v = st_lower_cast(&in, v, f64);
    if (z) v = st_lower_binary(&in, &st_arith_subf_def, v, z);
    y = st_lower_cast(&in, st_lower_binary(&in, &st_arith_mulf_def, v, st_lower_cast(&in, s, f64)), oe);
  } else {
    const st_type *ct = xe->kind == ST_TY_F64 ? f64 : f32;
    st_value *q = st_lower_binary(&in, &st_arith_divf_def, st_lower_cast(&in, v, ct), st_lower_cast(&in, s, ct));
    if (small_float) {
      y = st_lower_cast(&in, q, oe);
      if (y && !st_op_attr_int(op, "saturate", 1) &&
          !st_op_set_attr(in.module, y->def, "saturate", st_attr_int(in.module, st_type_scalar(in.module->ctx, ST_TY_I64), 0)))
        return false;
    } else {
      /* round before adding the zero point: ties go to even x / scale */
      st_value *r = st_lower_math(&in, "round", st_lower_cast(&in, q, f64), NULL);
      if (z) r = st_lower_binary(&in, &st_arith_addf_def, r, z);
      y = r ? st_lq_saturate_int(&in, r, oe) : NULL;
    }
  }
  return st_lower_store(&in, y, dst, ivs);
}

/* ---- DynamicQuantizeLinear: y (u8), y_scale (f32), y_zero_point (u8) in f32 as the ONNX function ---- */
bool st_graph_lower_dyn_quant(st_op *op, st_lower_ctx *lc, st_diag *d) {
  (void)d;
  st_value *x = lc->inputs[0];
  const st_type *xt = x->type, *u8 = op->results[0].type->u.shaped.elem;
  st_builder *b = &lc->b;
  const st_type *f32 = st_type_scalar(b->module->ctx, ST_TY_F32), *f64 = st_lq_f64(b);
  unsigned rank = xt->u.shaped.rank;
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK];
  if (!dst) return false;
  st_value *sres = op->num_results > 1 && op->results[1].type->kind == ST_TY_TENSOR ? st_lower_result(lc, 1) : NULL;
  st_value *zres = op->num_results > 2 && op->results[2].type->kind == ST_TY_TENSOR ? st_lower_result(lc, 2) : NULL;
  st_value *lo = st_lower_alloca(b, f32), *hi = lo ? st_lower_alloca(b, f32) : NULL;
  if (!hi || !st_lower_store(b, st_lower_const(b, f32, 0), lo, NULL) || !st_lower_store(b, st_lower_const(b, f32, 0), hi, NULL))
    return false;
  st_builder l1 = st_lower_loops(lc, b, rank, xt->u.shaped.dims, false, ivs);
  if (!l1.block) return false;
  st_value *v = st_lower_cast(&l1, st_lower_load(&l1, x, ivs), f32), *a = st_lower_load(&l1, lo, NULL);
  st_value *c = st_lower_load(&l1, hi, NULL);
  if (!st_lower_store(&l1, st_lower_select(&l1, st_lower_cmp(&l1, &st_arith_cmpf_def, "olt", v, a), v, a), lo, NULL) ||
      !st_lower_store(&l1, st_lower_select(&l1, st_lower_cmp(&l1, &st_arith_cmpf_def, "ogt", v, c), v, c), hi, NULL))
    return false;
  st_value *mn = st_lower_load(b, lo, NULL);
  st_value *scale = st_lower_binary(b, &st_arith_divf_def, st_lower_binary(b, &st_arith_subf_def, st_lower_load(b, hi, NULL), mn),
                                    st_lower_const(b, f32, 255));
  st_value *zero = st_lower_const(b, f64, 0), *pos = st_lower_cmp(b, &st_arith_cmpf_def, "ogt", scale, st_lower_const(b, f32, 0));
  st_value *zq = st_lower_math(b, "round",
                               st_lower_cast(b,
                                             st_lower_binary(b, &st_arith_subf_def, st_lower_const(b, f32, 0),
                                                             st_lower_binary(b, &st_arith_divf_def, mn, scale)),
                                             f64),
                               NULL);
  zq = st_lower_select(b, pos, zq, zero);
  zq = st_lower_select(b, st_lower_cmp(b, &st_arith_cmpf_def, "olt", zq, zero), zero, zq);
  zq = st_lower_select(b, st_lower_cmp(b, &st_arith_cmpf_def, "ogt", zq, st_lower_const(b, f64, 255)), st_lower_const(b, f64, 255), zq);
  if (!zq) return false;
  if (sres && !st_lower_store(b, st_lower_cast(b, scale, sres->type->u.shaped.elem), sres, NULL)) return false;
  if (zres && !st_lower_store(b, st_lower_cast(b, zq, zres->type->u.shaped.elem), zres, NULL)) return false;
  st_builder l2 = st_lower_loops(lc, b, rank, xt->u.shaped.dims, true, ivs);
  if (!l2.block) return false;
  v = st_lower_cast(&l2, st_lower_load(&l2, x, ivs), f32);
  st_value *r =
      st_lower_math(&l2, "round", st_lower_cast(&l2, st_lower_binary(&l2, &st_arith_divf_def, v, scale), f64), NULL);
  r = st_lower_select(&l2, pos, st_lower_binary(&l2, &st_arith_addf_def, r, zq), zq);
  return r && st_lower_store(&l2, st_lq_saturate_int(&l2, r, u8), dst, ivs);
}

/* ---- MatMulInteger (A, B, a_zp?, b_zp?) and QLinearMatMul (a, a_s, a_zp, b, b_s, b_zp, y_s, y_zp) ---- */

/* Element [k] of a zero point / scale of 1 element or one per row / column (0 when absent). */
static st_value *st_lq_param(st_lower_ctx *lc, st_builder *b, st_value *p, st_value *k, const st_type *t) {
  if (!p) return st_lower_const(b, t, 0);
  st_value *idx[ST_MAX_RANK];
  unsigned r = p->type->u.shaped.rank;
  bool one = st_type_num_elements(p->type) == 1;
  for (unsigned j = 0; j < r; j++) idx[j] = one ? st_lower_index(lc, 0) : k;
  return st_lower_cast(b, st_lower_load(b, p, idx), t);
}

/* The interpreter's requantisation of sum s (f64):
 * mult = round_se(round_se(a_s[i] * b_s[j]) / y_s) in the scales' type se,
 * then sat(rint(s * mult + y_zp)) in the result type oe. */
static st_value *st_lq_requant(st_lower_ctx *lc, st_builder *b, st_value *s, st_value *a_s, st_value *i, st_value *b_s,
                               st_value *j, st_value *y_s, st_value *y_zp, const st_type *oe) {
  const st_type *f64 = st_lq_f64(b), *se = a_s->type->u.shaped.elem;
  st_value *as = st_lq_param(lc, b, a_s, i, f64), *bs = st_lq_param(lc, b, b_s, j, f64);
  st_value *ys = st_lq_param(lc, b, y_s, NULL, f64), *yz = st_lq_param(lc, b, y_zp, NULL, f64);
  st_value *mult = st_lower_cast(b, st_lower_cast(b, st_lower_binary(b, &st_arith_mulf_def, as, bs), se), f64);
  mult = st_lower_cast(b, st_lower_cast(b, st_lower_binary(b, &st_arith_divf_def, mult, ys), se), f64);
  st_value *v = st_lower_binary(b, &st_arith_addf_def, st_lower_binary(b, &st_arith_mulf_def, s, mult), yz);
  v = st_lower_math(b, "round", v, NULL);
  return v ? st_lq_saturate_int(b, v, oe) : NULL;
}

bool st_graph_lower_qmatmul(st_op *op, st_lower_ctx *lc, st_diag *d) {
  bool ql = op->def == &st_graph_qlinear_matmul_def;
  unsigned ia = 0, ib = ql ? 3 : 1, iaz = 2, ibz = ql ? 5 : 3;
  st_value *A = lc->inputs[ia], *B = lc->inputs[ib];
  st_value *az = lc->num_inputs > iaz ? lc->inputs[iaz] : NULL, *bz = lc->num_inputs > ibz ? lc->inputs[ibz] : NULL;
  const st_type *at = A->type, *bt = B->type, *out = op->results[0].type, *oe = out->u.shaped.elem;
  unsigned ra = at->u.shaped.rank, rb = bt->u.shaped.rank, ro = out->u.shaped.rank;
  if (!ra || !rb) return st_graph_lower_fail(op, d, "rank-0 operands");
  unsigned rbatch = ro - (ra > 1) - (rb > 1);
  st_dim K = at->u.shaped.dims[ra - 1];
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *ai[ST_MAX_RANK], *bi[ST_MAX_RANK], *k;
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, ro, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  const st_type *i64 = st_type_scalar(in.module->ctx, ST_TY_I64), *f64 = st_lq_f64(&in);
  st_value *m = ra > 1 ? ivs[rbatch] : st_lower_index(lc, 0), *n = rb > 1 ? ivs[ro - 1] : st_lower_index(lc, 0);
  /* batch indices, right-aligned; a broadcast dim reads 0 */
  unsigned ba = ra > 2 ? ra - 2 : 0, bb = rb > 2 ? rb - 2 : 0;
  for (unsigned j = 0; j < ba; j++)
    ai[j] = at->u.shaped.dims[j] == 1 && out->u.shaped.dims[rbatch - ba + j] != 1 ? st_lower_index(lc, 0) : ivs[rbatch - ba + j];
  for (unsigned j = 0; j < bb; j++)
    bi[j] = bt->u.shaped.dims[j] == 1 && out->u.shaped.dims[rbatch - bb + j] != 1 ? st_lower_index(lc, 0) : ivs[rbatch - bb + j];
  st_value *azp = st_lq_param(lc, &in, az, m, i64), *bzp = st_lq_param(lc, &in, bz, n, i64);
  st_value *acc = st_lower_alloca(&in, i64);
  if (!acc || !st_lower_store(&in, st_lower_const(&in, i64, 0), acc, NULL)) return false;
  st_builder l = st_lower_loops(lc, &in, 1, &K, false, &k);
  if (!l.block) return false;
  if (ra > 1) ai[ba] = m;
  ai[ra - 1] = k;
  bi[rb > 1 ? rb - 2 : 0] = k;
  if (rb > 1) bi[rb - 1] = n;
  st_value *x = st_lower_binary(&l, &st_arith_subi_def, st_lower_cast(&l, st_lower_load(&l, A, ai), i64), azp);
  st_value *y = st_lower_binary(&l, &st_arith_subi_def, st_lower_cast(&l, st_lower_load(&l, B, bi), i64), bzp);
  if (!st_lower_store(&l, st_lower_binary(&l, &st_arith_addi_def, st_lower_load(&l, acc, NULL),
                                          st_lower_binary(&l, &st_arith_muli_def, x, y)), acc, NULL))
    return false;
  st_value *s = st_lower_load(&in, acc, NULL);
  if (!ql) return st_lower_store(&in, st_lower_cast(&in, s, oe), dst, ivs);
  st_value *v = st_lq_requant(lc, &in, st_lower_cast(&in, s, f64), lc->inputs[1], m, lc->inputs[4], n, lc->inputs[6],
                              lc->inputs[7], oe);
  return v && st_lower_store(&in, v, dst, ivs);
}

/* ---- ConvInteger (x, w, x_zp?, w_zp?) and QLinearConv (x, x_s, x_zp, w, w_s, w_zp, y_s, y_zp, B?) ----
 * The direct convolution nest of graph_lower_linalg.c summing
 * (x - x_zp) * (w - w_zp[m]) in i32 (the interpreter's i64 sum agrees
 * while it fits in 32 bits; ConvInteger's i32 result wraps alike), then
 * for QLinearConv (acc + B[m]) requantised as QLinearMatMul. */
bool st_graph_lower_qconv(st_op *op, st_lower_ctx *lc, st_diag *d) {
  bool ql = op->def == &st_graph_qlinear_conv_def;
  unsigned iw = ql ? 3 : 1, ixz = 2, iwz = ql ? 5 : 3;
  st_value *X = lc->inputs[0], *W = lc->inputs[iw];
  st_value *xz = lc->num_inputs > ixz ? lc->inputs[ixz] : NULL, *wz = lc->num_inputs > iwz ? lc->inputs[iwz] : NULL;
  const st_type *out = op->results[0].type, *oe = out->u.shaped.elem;
  st_conv_geom g;
  st_dim dims[ST_MAX_RANK];
  if (!st_qconv_geom(op, X->type, W->type, &g, dims, d)) return false;
  st_value *dst = st_lower_result(lc, 0);
  const st_type *i32 = st_type_scalar(lc->b.module->ctx, ST_TY_I32), *f64 = st_lq_f64(&lc->b);
  st_lower_conv_nest n;
  if (!dst || !st_lower_conv_direct(lc, &g, X, W, out, i32, xz, wz, &n)) return false;
  st_value *s = n.acc, *m = n.ivs[1];
  if (!ql) return st_lower_store(&n.in, st_lower_cast(&n.in, s, oe), dst, n.ivs);
  st_value *B = lc->num_inputs > 8 ? lc->inputs[8] : NULL;
  if (B) s = st_lower_binary(&n.in, &st_arith_addi_def, s, st_lq_param(lc, &n.in, B, m, i32));
  st_value *v = st_lq_requant(lc, &n.in, st_lower_cast(&n.in, s, f64), lc->inputs[1], NULL, lc->inputs[4], m,
                              lc->inputs[6], lc->inputs[7], oe);
  return v && st_lower_store(&n.in, v, dst, n.ivs);
}
