/* Lower hook of DeformConv (2-D), following st_dc_interp
 * (graph_nn_detect.c) step by step in f64.
 *
 * A parallel nest over the result (n, m, oy, ox) holds a sequential nest
 * over the group's input channels and the kernel window (c, ky, kx).  Each
 * step loads the (y, x) offset pair and the optional mask of its offset
 * group, forms the sampling point o * stride - pad + k * dilation + offset
 * and samples X's plane bilinearly: a point outside (-1, H) x (-1, W) gives
 * 0, otherwise each of the four corners inside the plane adds its weight
 * times its value (the loads use clamped indices and the terms outside are
 * replaced by 0).  The sum starts from the bias and adds w * mask * v. */
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_nn.h"

typedef struct st_ld {
  st_lower_ctx *lc;
  st_builder *b;
  const st_type *f64, *i64, *index;
} st_ld;

static st_value *st_ld_c(st_ld *g, double v) { return st_lower_const(g->b, g->f64, v); }
static st_value *st_ld_f(st_ld *g, const st_op_def *def, st_value *x, st_value *y) {
  return st_lower_binary(g->b, def, x, y);
}
static st_value *st_ld_cmp(st_ld *g, const char *p, st_value *x, st_value *y) {
  return st_lower_cmp(g->b, &st_arith_cmpf_def, p, x, y);
}
static st_value *st_ld_icmp(st_ld *g, const char *p, st_value *x, int64_t y) {
  return st_lower_cmp(g->b, &st_arith_cmpi_def, p, x, st_lower_index(g->lc, y));
}
static st_value *st_ld_and(st_ld *g, st_value *x, st_value *y) { return st_lower_binary(g->b, &st_arith_andi_def, x, y); }
/* x * k + y in index arithmetic (k a constant). */
static st_value *st_ld_madd(st_ld *g, st_value *x, int64_t k, st_value *y) {
  st_value *p = k == 1 ? x : st_lower_binary(g->b, &st_arith_muli_def, x, st_lower_index(g->lc, k));
  return y ? st_lower_binary(g->b, &st_arith_addi_def, p, y) : p;
}

/* The sampling coordinate (f64) along one axis: o * stride - pad + k * dil + off. */
static st_value *st_ld_coord(st_ld *g, st_value *o, st_value *k, int64_t stride, int64_t pad, int64_t dil, st_value *off) {
  st_value *i = st_ld_madd(g, o, stride, st_ld_madd(g, k, dil, NULL));
  if (pad) i = st_lower_binary(g->b, &st_arith_subi_def, i, st_lower_index(g->lc, pad));
  return st_ld_f(g, &st_arith_addf_def, st_lower_cast(g->b, st_lower_cast(g->b, i, g->i64), g->f64),
                 st_lower_cast(g->b, off, g->f64));
}

/* floor(v) as an index, v known to lie in (-1, size): in [-1, size - 1]. */
static st_value *st_ld_floor(st_ld *g, st_value *v, st_value **frac) {
  st_value *f = st_lower_math(g->b, "floor", v, NULL);
  if (!f) return NULL;
  *frac = st_ld_f(g, &st_arith_subf_def, v, f);
  return st_lower_cast(g->b, st_lower_cast(g->b, f, g->i64), g->index);
}

/* st_dc_sample: X[n, ci] at (y, x), 0 outside (-1, H) x (-1, W). */
static st_value *st_ld_sample(st_ld *g, st_value *X, st_value *n, st_value *ci, int64_t H, int64_t W, st_value *y,
                              st_value *x) {
  st_value *in_y = st_ld_and(g, st_ld_cmp(g, "ogt", y, st_ld_c(g, -1)), st_ld_cmp(g, "olt", y, st_ld_c(g, (double)H)));
  st_value *in_x = st_ld_and(g, st_ld_cmp(g, "ogt", x, st_ld_c(g, -1)), st_ld_cmp(g, "olt", x, st_ld_c(g, (double)W)));
  st_value *valid = st_ld_and(g, in_y, in_x);
  /* keep floor's conversion in range when the point is outside */
  y = st_lower_select(g->b, valid, y, st_ld_c(g, 0));
  x = st_lower_select(g->b, valid, x, st_ld_c(g, 0));
  st_value *ly, *lx, *y0 = st_ld_floor(g, y, &ly), *x0 = st_ld_floor(g, x, &lx);
  if (!y0 || !x0) return NULL;
  st_value *one = st_lower_index(g->lc, 1), *zero = st_lower_index(g->lc, 0);
  st_value *y1 = st_lower_binary(g->b, &st_arith_addi_def, y0, one);
  st_value *x1 = st_lower_binary(g->b, &st_arith_addi_def, x0, one);
  st_value *y0ok = st_ld_icmp(g, "sge", y0, 0), *x0ok = st_ld_icmp(g, "sge", x0, 0);
  st_value *y1ok = st_ld_icmp(g, "slt", y1, H), *x1ok = st_ld_icmp(g, "slt", x1, W);
  st_value *ys[2] = {st_lower_select(g->b, y0ok, y0, zero), st_lower_select(g->b, y1ok, y1, st_lower_index(g->lc, H - 1))};
  st_value *xs[2] = {st_lower_select(g->b, x0ok, x0, zero), st_lower_select(g->b, x1ok, x1, st_lower_index(g->lc, W - 1))};
  st_value *yok[2] = {y0ok, y1ok}, *xok[2] = {x0ok, x1ok}, *c1 = st_ld_c(g, 1);
  st_value *wy[2] = {st_ld_f(g, &st_arith_subf_def, c1, ly), ly}, *wx[2] = {st_ld_f(g, &st_arith_subf_def, c1, lx), lx};
  st_value *v = st_ld_c(g, 0), *z = st_ld_c(g, 0);
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++) {
      st_value *xi[4] = {n, ci, ys[a], xs[b]};
      st_value *t = st_ld_f(g, &st_arith_mulf_def, st_ld_f(g, &st_arith_mulf_def, wy[a], wx[b]),
                            st_lower_cast(g->b, st_lower_load(g->b, X, xi), g->f64));
      v = st_ld_f(g, &st_arith_addf_def, v, st_lower_select(g->b, st_ld_and(g, yok[a], xok[b]), t, z));
    }
  return st_lower_select(g->b, valid, v, z);
}

bool st_graph_lower_deform_conv(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_dc g;
  if (!st_dc_geom(op, &g, d)) return false;
  const st_type *out = op->results[0].type, *elem = out->u.shaped.elem;
  if (!st_lower_arith_for(elem, 'a')) return st_graph_lower_fail(op, d, "element type not supported yet");
  st_value *X = lc->inputs[0], *W = lc->inputs[1], *Off = lc->inputs[2];
  st_value *B = lc->num_inputs > 3 ? lc->inputs[3] : NULL, *Mask = lc->num_inputs > 4 ? lc->inputs[4] : NULL;
  const st_conv_geom *cg = &g.conv;
  int64_t Cg = g.C / cg->group, Mg = g.M / cg->group, Co = g.C / g.ogroup, K = g.kh * g.kw;
  st_value *dst = st_lower_result(lc, 0), *ivs[4], *ks[3];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, 4, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_context *ctx = in.module->ctx;
  st_ld G = {lc, &in, st_type_scalar(ctx, ST_TY_F64), st_type_scalar(ctx, ST_TY_I64), st_type_scalar(ctx, ST_TY_INDEX)};
  st_value *acc = st_lower_alloca(&in, G.f64);
  if (!acc ||
      !st_lower_store(&in, B ? st_lower_cast(&in, st_lower_load(&in, B, &ivs[1]), G.f64) : st_ld_c(&G, 0), acc, NULL))
    return false;
  /* the first input channel of m's group */
  st_value *c0 = st_ld_madd(&G, st_lower_binary(&in, &st_arith_divsi_def, ivs[1], st_lower_index(lc, Mg)), Cg, NULL);
  st_dim rdims[3] = {Cg, g.kh, g.kw};
  st_builder red = st_lower_loops(lc, &in, 3, rdims, false, ks);
  if (!red.block) return false;
  st_ld R = G;
  R.b = &red;
  st_value *ci = st_lower_binary(&red, &st_arith_addi_def, c0, ks[0]);
  st_value *og = st_lower_binary(&red, &st_arith_divsi_def, ci, st_lower_index(lc, Co));
  st_value *k = st_ld_madd(&R, ks[1], g.kw, ks[2]);
  /* offset channels og * 2K + 2k (y) and + 1 (x); mask channel og * K + k */
  st_value *oy_ch = st_ld_madd(&R, og, 2 * K, st_ld_madd(&R, k, 2, NULL));
  st_value *ox_ch = st_lower_binary(&red, &st_arith_addi_def, oy_ch, st_lower_index(lc, 1));
  st_value *oi[4] = {ivs[0], oy_ch, ivs[2], ivs[3]}, *offy = st_lower_load(&red, Off, oi);
  oi[1] = ox_ch;
  st_value *offx = st_lower_load(&red, Off, oi);
  st_value *y = st_ld_coord(&R, ivs[2], ks[1], cg->strides[0], cg->pads[0], cg->dilations[0], offy);
  st_value *x = st_ld_coord(&R, ivs[3], ks[2], cg->strides[1], cg->pads[1], cg->dilations[1], offx);
  st_value *v = st_ld_sample(&R, X, ivs[0], ci, g.H, g.W, y, x);
  st_value *wi[4] = {ivs[1], ks[0], ks[1], ks[2]}, *w = st_lower_cast(&red, st_lower_load(&red, W, wi), G.f64);
  if (Mask) {
    st_value *mi[4] = {ivs[0], st_ld_madd(&R, og, K, k), ivs[2], ivs[3]};
    w = st_ld_f(&R, &st_arith_mulf_def, w, st_lower_cast(&red, st_lower_load(&red, Mask, mi), G.f64));
  }
  st_value *t = st_ld_f(&R, &st_arith_mulf_def, w, v);
  if (!st_lower_store(&red, st_ld_f(&R, &st_arith_addf_def, st_lower_load(&red, acc, NULL), t), acc, NULL)) return false;
  return st_lower_store(&in, st_lower_cast(&in, st_lower_load(&in, acc, NULL), elem), dst, ivs);
}
