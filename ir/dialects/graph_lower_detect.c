/* Lower hooks of the detection ops: NonMaxSuppression and RoiAlign
 * (interpreters in graph_nn_detect.c).  Both compute in f64 as the
 * interpreter does.
 *
 * NonMaxSuppression is data-dependent control: one sequential walk over
 * (batch, class) keeps the output row count in a scratch slot; per class a
 * loop.while picks the next candidate (the highest score above
 * score_threshold not yet taken, lowest index on ties: the interpreter's
 * stable descending sort), compares it with the boxes kept so far
 * (loop.for up to a run-time count) and, under loop.if, appends it.  It
 * stops when max_output_boxes_per_class are kept or no candidate is left.
 * The result's row count is the model's declared one: where the
 * interpreter reports an error because the data selects another number,
 * the compiled code cannot, so it writes the first rows it has room for,
 * drops the rest and leaves rows it has no box for at -1 (never a valid
 * index, so a consumer cannot take them for a box).
 *
 * RoiAlign is one parallel nest over (roi, channel, bin) with sample loops
 * whose trip counts come from the roi at run time (loop.for); a batch index
 * outside [0, N), an error for the interpreter, gives an all-zero roi. */
#include <math.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"

static const st_type *st_det_scalar(st_builder *b, st_type_kind k) { return st_type_scalar(b->module->ctx, k); }

/* C's fmin / fmax: a NaN operand gives the other one. */
static st_value *st_det_fminmax(st_builder *b, bool max, st_value *x, st_value *y) {
  st_value *better = st_lower_cmp(b, &st_arith_cmpf_def, max ? "ogt" : "olt", y, x);
  st_value *x_nan = st_lower_cmp(b, &st_arith_cmpf_def, "uno", x, x);
  return st_lower_select(b, st_lower_binary(b, &st_arith_ori_def, better, x_nan), y, x);
}

/* x > y ? x : y (a NaN x gives y). */
static st_value *st_det_above(st_builder *b, st_value *x, st_value *y) {
  return st_lower_select(b, st_lower_cmp(b, &st_arith_cmpf_def, "ogt", x, y), x, y);
}

/* Element 0 of a one-element buffer of any rank. */
static st_value *st_det_scalar_load(st_lower_ctx *lc, st_builder *b, st_value *buf) {
  st_value *idx[ST_MAX_RANK];
  for (unsigned i = 0; i < buf->type->u.shaped.rank; i++) idx[i] = st_lower_index(lc, 0);
  return st_lower_load(b, buf, idx);
}

/* A rank-1 scratch buffer of n elements. */
static st_value *st_det_alloca(st_builder *b, const st_type *elem, st_dim n) {
  const st_type *t = st_type_memref(b->module->ctx, elem, 1, &n, NULL, 0, 0);
  st_op_state s = {.def = &st_mem_alloca_def, .num_results = 1, .result_types = &t};
  st_op *op = st_builder_create(b, &s);
  return op ? &op->results[0] : NULL;
}

/* An index as f64 (through i64). */
static st_value *st_det_index_f64(st_builder *b, st_value *i) {
  return st_lower_cast(b, st_lower_cast(b, i, st_det_scalar(b, ST_TY_I64)), st_det_scalar(b, ST_TY_F64));
}

static st_value *st_det_not(st_builder *b, st_value *x) {
  return st_lower_binary(b, &st_arith_xori_def, x, st_lower_const(b, st_det_scalar(b, ST_TY_I1), 1));
}

/* ---- NonMaxSuppression ---- */

/* Box i of batch bi as f64 (y1, x1, y2, x2), as st_nms_box. */
static bool st_nms_box_at(st_lower_ctx *lc, st_builder *b, st_value *boxes, st_value *bi, st_value *i, bool center,
                          st_value **bx) {
  const st_type *f64 = st_det_scalar(b, ST_TY_F64);
  st_value *v[4];
  for (int k = 0; k < 4; k++) {
    st_value *idx[3] = {bi, i, st_lower_index(lc, k)};
    if (!(v[k] = st_lower_cast(b, st_lower_load(b, boxes, idx), f64))) return false;
  }
  if (center) {
    st_value *two = st_lower_const(b, f64, 2);
    st_value *hh = st_lower_binary(b, &st_arith_divf_def, v[3], two),
             *hw = st_lower_binary(b, &st_arith_divf_def, v[2], two);
    bx[0] = st_lower_binary(b, &st_arith_subf_def, v[1], hh);
    bx[1] = st_lower_binary(b, &st_arith_subf_def, v[0], hw);
    bx[2] = st_lower_binary(b, &st_arith_addf_def, v[1], hh);
    bx[3] = st_lower_binary(b, &st_arith_addf_def, v[0], hw);
  } else {
    bx[0] = st_det_fminmax(b, false, v[0], v[2]);
    bx[1] = st_det_fminmax(b, false, v[1], v[3]);
    bx[2] = st_det_fminmax(b, true, v[0], v[2]);
    bx[3] = st_det_fminmax(b, true, v[1], v[3]);
  }
  return bx[0] && bx[1] && bx[2] && bx[3];
}

/* st_nms_iou: intersection over union, 0 without overlap or area. */
static st_value *st_nms_iou_of(st_builder *b, st_value *const *a, st_value *const *o) {
  const st_type *f64 = st_det_scalar(b, ST_TY_F64);
  const st_op_def *sub = &st_arith_subf_def, *mul = &st_arith_mulf_def;
  st_value *zero = st_lower_const(b, f64, 0);
  st_value *ih = st_lower_binary(b, sub, st_det_fminmax(b, false, a[2], o[2]), st_det_fminmax(b, true, a[0], o[0]));
  st_value *iw = st_lower_binary(b, sub, st_det_fminmax(b, false, a[3], o[3]), st_det_fminmax(b, true, a[1], o[1]));
  st_value *inter = st_lower_binary(b, mul, ih, iw);
  st_value *area_a = st_lower_binary(b, mul, st_lower_binary(b, sub, a[2], a[0]), st_lower_binary(b, sub, a[3], a[1]));
  st_value *area_o = st_lower_binary(b, mul, st_lower_binary(b, sub, o[2], o[0]), st_lower_binary(b, sub, o[3], o[1]));
  st_value *uni = st_lower_binary(b, sub, st_lower_binary(b, &st_arith_addf_def, area_a, area_o), inter);
  /* a NaN extent or union gives 0 there too */
  st_value *ok = st_lower_binary(b, &st_arith_andi_def, st_lower_cmp(b, &st_arith_cmpf_def, "ogt", ih, zero),
                                 st_lower_cmp(b, &st_arith_cmpf_def, "ogt", iw, zero));
  ok = st_lower_binary(b, &st_arith_andi_def, ok, st_lower_cmp(b, &st_arith_cmpf_def, "ogt", uni, zero));
  return st_lower_select(b, ok, st_lower_binary(b, &st_arith_divf_def, inter, uni), zero);
}

bool st_graph_lower_nms(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_builder *b = &lc->b;
  const st_type *f64 = st_det_scalar(b, ST_TY_F64), *index = st_det_scalar(b, ST_TY_INDEX);
  const st_type *i1 = st_det_scalar(b, ST_TY_I1), *i64 = st_det_scalar(b, ST_TY_I64);
  const st_dim *sd = lc->inputs[1]->type->u.shaped.dims;
  st_dim B = sd[0], C = sd[1], N = sd[2], cap = op->results[0].type->u.shaped.dims[0];
  bool center = st_op_attr_int(op, "center_point_box", 0) != 0;
  st_value *out = st_lower_result(lc, 0), *ivs[2];
  if (!out) return false;
  /* Rows without a box read -1. */
  if (cap > 0) {
    st_builder f = st_lower_loops(lc, b, 2, op->results[0].type->u.shaped.dims, true, ivs);
    if (!f.block || !st_lower_store(&f, st_lower_const(&f, i64, -1), out, ivs)) return false;
  }
  if (lc->num_inputs < 3 || !lc->inputs[2] || N == 0 || cap == 0) return true; /* no limit: nothing selected */
  st_value *limit = st_lower_cast(b, st_det_scalar_load(lc, b, lc->inputs[2]), index);
  st_value *iou_th = lc->num_inputs > 3 && lc->inputs[3]
                         ? st_lower_cast(b, st_det_scalar_load(lc, b, lc->inputs[3]), f64)
                         : st_lower_const(b, f64, 0);
  st_value *score_th = lc->num_inputs > 4 && lc->inputs[4]
                           ? st_lower_cast(b, st_det_scalar_load(lc, b, lc->inputs[4]), f64)
                           : st_lower_const(b, f64, -INFINITY);
  st_value *got = st_lower_alloca(b, index), *zero = st_lower_index(lc, 0), *one = st_lower_index(lc, 1);
  if (!limit || !iou_th || !score_th || !got || !st_lower_store(b, zero, got, NULL)) return false;
  /* Sequential over (batch, class): the row count carries over. */
  st_dim bc[2] = {B, C};
  st_builder l = st_lower_loops(lc, b, 2, bc, false, ivs);
  if (!l.block) return false;
  st_value *bi = ivs[0], *ci = ivs[1], *ii;
  st_value *cand = st_det_alloca(&l, i1, N), *kept = st_det_alloca(&l, index, N);
  st_value *nk = st_lower_alloca(&l, index), *flag = st_lower_alloca(&l, i1);
  if (!cand || !kept || !nk || !flag || !st_lower_store(&l, zero, nk, NULL)) return false;
  st_builder li = st_lower_loops(lc, &l, 1, &N, false, &ii);
  if (!li.block) return false;
  st_value *sidx[3] = {bi, ci, ii};
  st_value *s = st_lower_cast(&li, st_lower_load(&li, lc->inputs[1], sidx), f64);
  if (!st_lower_store(&li, st_lower_cmp(&li, &st_arith_cmpf_def, "ogt", s, score_th), cand, &ii)) return false;
  st_value *more = st_lower_cmp(&l, &st_arith_cmpi_def, "slt", zero, limit);
  st_builder then = st_lower_if(&l, more, NULL);
  if (!then.block || !st_lower_store(&then, more, flag, NULL)) return false;
  /* do { pick the best candidate left; keep it unless a kept box overlaps it } while (found && nk < limit) */
  st_builder w = st_lower_while(&then, flag);
  st_value *best = st_lower_alloca(&w, index), *best_s = st_lower_alloca(&w, f64), *Nv = st_lower_index(lc, N);
  if (!best || !best_s || !st_lower_store(&w, Nv, best, NULL) ||
      !st_lower_store(&w, st_lower_const(&w, f64, 0), best_s, NULL))
    return false;
  st_builder lp = st_lower_loops(lc, &w, 1, &N, false, &ii);
  if (!lp.block) return false;
  sidx[2] = ii;
  s = st_lower_cast(&lp, st_lower_load(&lp, lc->inputs[1], sidx), f64);
  st_value *cur = st_lower_load(&lp, best, NULL), *cur_s = st_lower_load(&lp, best_s, NULL);
  st_value *take = st_lower_binary(&lp, &st_arith_ori_def, st_lower_cmp(&lp, &st_arith_cmpi_def, "eq", cur, Nv),
                                   st_lower_cmp(&lp, &st_arith_cmpf_def, "ogt", s, cur_s));
  take = st_lower_binary(&lp, &st_arith_andi_def, st_lower_load(&lp, cand, &ii), take);
  if (!st_lower_store(&lp, st_lower_select(&lp, take, ii, cur), best, NULL) ||
      !st_lower_store(&lp, st_lower_select(&lp, take, s, cur_s), best_s, NULL))
    return false;
  st_value *pick = st_lower_load(&w, best, NULL);
  st_value *found = st_lower_cmp(&w, &st_arith_cmpi_def, "ult", pick, Nv);
  st_builder f = st_lower_if(&w, found, NULL);
  if (!f.block || !st_lower_store(&f, st_lower_const(&f, i1, 0), cand, &pick)) return false;
  st_value *a[4], *o[4], *k;
  st_value *keep = st_lower_alloca(&f, i1);
  if (!keep || !st_nms_box_at(lc, &f, lc->inputs[0], bi, pick, center, a) ||
      !st_lower_store(&f, st_lower_const(&f, i1, 1), keep, NULL))
    return false;
  st_builder lk = st_lower_for(lc, &f, zero, st_lower_load(&f, nk, NULL), false, &k);
  if (!lk.block || !st_nms_box_at(lc, &lk, lc->inputs[0], bi, st_lower_load(&lk, kept, &k), center, o)) return false;
  st_value *over = st_lower_cmp(&lk, &st_arith_cmpf_def, "ogt", st_nms_iou_of(&lk, a, o), iou_th);
  if (!st_lower_store(&lk,
                      st_lower_binary(&lk, &st_arith_andi_def, st_lower_load(&lk, keep, NULL), st_det_not(&lk, over)),
                      keep, NULL))
    return false;
  st_builder add = st_lower_if(&f, st_lower_load(&f, keep, NULL), NULL);
  if (!add.block) return false;
  st_value *n = st_lower_load(&add, nk, NULL), *g = st_lower_load(&add, got, NULL);
  if (!st_lower_store(&add, pick, kept, &n) ||
      !st_lower_store(&add, st_lower_binary(&add, &st_arith_addi_def, n, one), nk, NULL) ||
      !st_lower_store(&add, st_lower_binary(&add, &st_arith_addi_def, g, one), got, NULL))
    return false;
  st_builder row = st_lower_if(&add, st_lower_cmp(&add, &st_arith_cmpi_def, "ult", g, st_lower_index(lc, cap)), NULL);
  if (!row.block) return false;
  st_value *vals[3] = {bi, ci, pick};
  for (int c = 0; c < 3; c++) {
    st_value *at[2] = {g, st_lower_index(lc, c)};
    if (!st_lower_store(&row, st_lower_cast(&row, vals[c], i64), out, at)) return false;
  }
  st_value *again = st_lower_binary(&w, &st_arith_andi_def, found,
                                    st_lower_cmp(&w, &st_arith_cmpi_def, "slt", st_lower_load(&w, nk, NULL), limit));
  return st_lower_store(&w, again, flag, NULL);
}

/* ---- RoiAlign ---- */

bool st_graph_lower_roi_align(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_builder *b = &lc->b;
  const st_type *f64 = st_det_scalar(b, ST_TY_F64), *index = st_det_scalar(b, ST_TY_INDEX),
                *i1 = st_det_scalar(b, ST_TY_I1);
  const st_type *oe = op->results[0].type->u.shaped.elem;
  const st_dim *xd = lc->inputs[0]->type->u.shaped.dims, *od = op->results[0].type->u.shaped.dims;
  int64_t N = xd[0], H = xd[2], W = xd[3], OH = od[2], OW = od[3];
  int64_t sr = st_op_attr_int(op, "sampling_ratio", 0);
  double scale = st_op_attr_float(op, "spatial_scale", 1.0);
  const char *mode = st_op_attr_str(op, "mode"), *ct = st_op_attr_str(op, "coordinate_transformation_mode");
  bool is_max = mode && !strcmp(mode, "max"), half = !ct || !strcmp(ct, "half_pixel");
  st_value *out = st_lower_result(lc, 0), *ivs[4];
  if (!out) return false;
  if (st_type_num_elements(op->results[0].type) == 0) return true;
  st_builder in = st_lower_loops(lc, b, 4, od, true, ivs);
  if (!in.block) return false;
  st_value *r = ivs[0], *c = ivs[1];
  st_value *n = st_lower_cast(&in, st_lower_load(&in, lc->inputs[2], &r), index);
  st_value *valid =
      st_lower_binary(&in, &st_arith_andi_def, st_lower_cmp(&in, &st_arith_cmpi_def, "sge", n, st_lower_index(lc, 0)),
                      st_lower_cmp(&in, &st_arith_cmpi_def, "slt", n, st_lower_index(lc, N)));
  st_builder bad, ok = st_lower_if(&in, valid, &bad);
  if (!ok.block || !st_lower_store(&bad, st_lower_const(&bad, oe, 0), out, ivs)) return false;
  st_builder *k = &ok;
  const st_op_def *add = &st_arith_addf_def, *sub = &st_arith_subf_def, *mul = &st_arith_mulf_def,
                  *div = &st_arith_divf_def;
  st_value *scl = st_lower_const(k, f64, scale), *off = st_lower_const(k, f64, half ? 0.5 : 0);
  st_value *rv[4];
  for (int j = 0; j < 4; j++) {
    st_value *at[2] = {r, st_lower_index(lc, j)};
    rv[j] = st_lower_binary(
        k, sub, st_lower_binary(k, mul, st_lower_cast(k, st_lower_load(k, lc->inputs[1], at), f64), scl), off);
  }
  st_value *x0 = rv[0], *y0 = rv[1];
  st_value *rw = st_lower_binary(k, sub, rv[2], x0), *rh = st_lower_binary(k, sub, rv[3], y0);
  if (!half) {
    st_value *one = st_lower_const(k, f64, 1);
    rw = st_det_above(k, rw, one);
    rh = st_det_above(k, rh, one);
  }
  st_value *bh = st_lower_binary(k, div, rh, st_lower_const(k, f64, (double)OH));
  st_value *bw = st_lower_binary(k, div, rw, st_lower_const(k, f64, (double)OW));
  /* grid sizes: sampling_ratio, else ceil(extent / bins), kept in [0, 2^16] (the interpreter's bound) */
  st_value *gh, *gw;
  if (sr > 0) {
    gh = gw = st_lower_const(k, f64, (double)sr);
  } else {
    st_value *zero = st_lower_const(k, f64, 0), *big = st_lower_const(k, f64, 65536);
    gh = st_lower_math(k, "ceil", bh, NULL);
    gw = st_lower_math(k, "ceil", bw, NULL);
    gh = st_det_fminmax(k, false, st_det_above(k, gh, zero), big);
    gw = st_det_fminmax(k, false, st_det_above(k, gw, zero), big);
  }
  st_value *ngh = st_lower_cast(k, gh, index), *ngw = st_lower_cast(k, gw, index);
  st_value *cnt = st_lower_binary(k, mul, gh, gw);
  cnt = st_lower_select(k, st_lower_cmp(k, &st_arith_cmpf_def, "ogt", cnt, st_lower_const(k, f64, 0)), cnt,
                        st_lower_const(k, f64, 1));
  st_value *ybase = st_lower_binary(k, add, y0, st_lower_binary(k, mul, st_det_index_f64(k, ivs[2]), bh));
  st_value *xbase = st_lower_binary(k, add, x0, st_lower_binary(k, mul, st_det_index_f64(k, ivs[3]), bw));
  st_value *acc = st_lower_alloca(k, f64), *first = st_lower_alloca(k, i1), *iy, *ix;
  if (!acc || !first || !st_lower_store(k, st_lower_const(k, f64, 0), acc, NULL) ||
      !st_lower_store(k, st_lower_const(k, i1, 1), first, NULL))
    return false;
  st_builder ly = st_lower_for(lc, k, st_lower_index(lc, 0), ngh, false, &iy);
  st_builder s = ly.block ? st_lower_for(lc, &ly, st_lower_index(lc, 0), ngw, false, &ix) : ly;
  if (!s.block) return false;
  st_value *half_c = st_lower_const(&s, f64, 0.5), *zero = st_lower_const(&s, f64, 0),
           *onef = st_lower_const(&s, f64, 1);
  st_value *fy = st_lower_binary(&s, add, st_det_index_f64(&s, iy), half_c);
  st_value *fx = st_lower_binary(&s, add, st_det_index_f64(&s, ix), half_c);
  st_value *y = st_lower_binary(&s, add, ybase, st_lower_binary(&s, div, st_lower_binary(&s, mul, fy, bh), gh));
  st_value *x = st_lower_binary(&s, add, xbase, st_lower_binary(&s, div, st_lower_binary(&s, mul, fx, bw), gw));
  st_value *Hf = st_lower_const(&s, f64, (double)H), *Wf = st_lower_const(&s, f64, (double)W),
           *m1 = st_lower_const(&s, f64, -1);
  st_value *outside = st_lower_cmp(&s, &st_arith_cmpf_def, "olt", y, m1);
  outside = st_lower_binary(&s, &st_arith_ori_def, outside, st_lower_cmp(&s, &st_arith_cmpf_def, "ogt", y, Hf));
  outside = st_lower_binary(&s, &st_arith_ori_def, outside, st_lower_cmp(&s, &st_arith_cmpf_def, "olt", x, m1));
  outside = st_lower_binary(&s, &st_arith_ori_def, outside, st_lower_cmp(&s, &st_arith_cmpf_def, "ogt", x, Wf));
  /* clamped into [0, H] / [0, W] (a NaN to 0, as `y > 0 ? y : 0`); outside samples are dropped below */
  y = st_det_fminmax(&s, false, st_det_above(&s, y, zero), Hf);
  x = st_det_fminmax(&s, false, st_det_above(&s, x, zero), Wf);
  st_value *lo[2], *hi[2], *l[2], *pos[2] = {y, x};
  int64_t ext[2] = {H, W};
  for (int j = 0; j < 2; j++) {
    st_value *last = st_lower_index(lc, ext[j] - 1);
    st_value *p = st_lower_cast(&s, pos[j], index);
    st_value *edge = st_lower_cmp(&s, &st_arith_cmpi_def, "sge", p, last);
    lo[j] = st_lower_select(&s, edge, last, p);
    hi[j] = st_lower_select(&s, edge, last, st_lower_binary(&s, &st_arith_addi_def, p, st_lower_index(lc, 1)));
    st_value *fp = st_lower_select(&s, edge, st_det_index_f64(&s, last), pos[j]);
    l[j] = st_lower_binary(&s, sub, fp, st_det_index_f64(&s, lo[j]));
  }
  st_value *hy = st_lower_binary(&s, sub, onef, l[0]), *hx = st_lower_binary(&s, sub, onef, l[1]);
  st_value *wt[4] = {st_lower_binary(&s, mul, hy, hx), st_lower_binary(&s, mul, hy, l[1]),
                     st_lower_binary(&s, mul, l[0], hx), st_lower_binary(&s, mul, l[0], l[1])};
  st_value *term[4];
  for (int j = 0; j < 4; j++) {
    st_value *at[4] = {n, c, j < 2 ? lo[0] : hi[0], j % 2 ? hi[1] : lo[1]};
    st_value *v = st_lower_select(&s, outside, zero, st_lower_cast(&s, st_lower_load(&s, lc->inputs[0], at), f64));
    term[j] = st_lower_binary(&s, mul, st_lower_select(&s, outside, zero, wt[j]), v);
  }
  st_value *a = st_lower_load(&s, acc, NULL);
  if (is_max) {
    st_value *m = term[0];
    for (int j = 1; j < 4; j++) m = st_det_above(&s, term[j], m);
    st_value *fst = st_lower_load(&s, first, NULL);
    st_value *upd = st_lower_binary(&s, &st_arith_ori_def, fst, st_lower_cmp(&s, &st_arith_cmpf_def, "ogt", m, a));
    if (!st_lower_store(&s, st_lower_select(&s, upd, m, a), acc, NULL) ||
        !st_lower_store(&s, st_lower_const(&s, i1, 0), first, NULL))
      return false;
  } else {
    st_value *sum = st_lower_binary(
        &s, add, st_lower_binary(&s, add, st_lower_binary(&s, add, term[0], term[1]), term[2]), term[3]);
    if (!st_lower_store(&s, st_lower_binary(&s, add, a, sum), acc, NULL)) return false;
  }
  st_value *res = st_lower_load(k, acc, NULL);
  if (!is_max) res = st_lower_binary(k, div, res, cnt);
  return st_lower_store(k, st_lower_cast(k, res, oe), out, ivs);
}
