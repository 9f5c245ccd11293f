/* Lower hooks of GridSample and AffineGrid (at the end).
 * GridSample, X (N, C, D1..Dr), grid (N, O1..Or, r): linear / nearest /
 * cubic, zeros / border / reflection padding, align_corners, any
 * spatial rank, following st_gs_interp (graph_nn_signal.c) step by step in
 * f64: the normalised coordinate, its rounding through f32, the clamp of
 * NaN / huge values, nearest's half-to-even rounding, border clamping or
 * reflection, then per dim the taps (index, weight, inside) of the mode.
 * The tap combinations are unrolled at compile time (at most 4^r) in the
 * interpreter's order, each adding its weight product times x when all its
 * taps are inside; the loads use clamped indices so they stay in X.  One
 * parallel nest over the result (n, c, out...). */
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"

typedef struct st_gl {
  st_lower_ctx *lc;
  st_builder *b;
  const st_type *f64, *index;
} st_gl;

static st_value *st_gl_c(st_gl *g, double v) { return st_lower_const(g->b, g->f64, v); }
static st_value *st_gl_bin(st_gl *g, const st_op_def *def, st_value *x, st_value *y) { return st_lower_binary(g->b, def, x, y); }
static st_value *st_gl_add(st_gl *g, st_value *x, st_value *y) { return st_gl_bin(g, &st_arith_addf_def, x, y); }
static st_value *st_gl_sub(st_gl *g, st_value *x, st_value *y) { return st_gl_bin(g, &st_arith_subf_def, x, y); }
static st_value *st_gl_mul(st_gl *g, st_value *x, st_value *y) { return st_gl_bin(g, &st_arith_mulf_def, x, y); }
static st_value *st_gl_cmp(st_gl *g, const char *p, st_value *x, st_value *y) {
  return st_lower_cmp(g->b, &st_arith_cmpf_def, p, x, y);
}

/* st_gs_reflect: folds x back into [lo, hi] by reflecting at the borders. */
static st_value *st_gl_reflect(st_gl *g, st_value *x, double lo, double hi) {
  double range = hi - lo;
  if (range <= 0) return st_gl_c(g, lo);
  st_value *vr = st_gl_c(g, range), *vlo = st_gl_c(g, lo), *vhi = st_gl_c(g, hi), *two = st_gl_c(g, 2), *z = st_gl_c(g, 0);
  /* below lo */
  st_value *dx = st_gl_sub(g, vlo, x);
  st_value *n = st_lower_math(g->b, "floor", st_gl_bin(g, &st_arith_divf_def, dx, vr), NULL);
  st_value *r = st_gl_sub(g, dx, st_gl_mul(g, n, vr));
  st_value *even = st_gl_cmp(g, "oeq", st_lower_math(g->b, "fmod", n, two), z);
  st_value *below = st_lower_select(g->b, even, st_gl_add(g, vlo, r), st_gl_sub(g, vhi, r));
  /* above hi */
  st_value *dx2 = st_gl_sub(g, x, vhi);
  st_value *n2 = st_lower_math(g->b, "floor", st_gl_bin(g, &st_arith_divf_def, dx2, vr), NULL);
  st_value *r2 = st_gl_sub(g, dx2, st_gl_mul(g, n2, vr));
  st_value *even2 = st_gl_cmp(g, "oeq", st_lower_math(g->b, "fmod", n2, two), z);
  st_value *above = st_lower_select(g->b, even2, st_gl_sub(g, vhi, r2), st_gl_add(g, vlo, r2));
  st_value *y = st_lower_select(g->b, st_gl_cmp(g, "ogt", x, vhi), above, x);
  return st_lower_select(g->b, st_gl_cmp(g, "olt", x, vlo), below, y);
}

bool st_graph_lower_grid_sample(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  const st_type *xt = lc->inputs[0]->type, *out = op->results[0].type, *elem = out->u.shaped.elem;
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  const char *ms = st_op_attr_str(op, "mode"), *ps = st_op_attr_str(op, "padding_mode");
  int mode = !ms || !strcmp(ms, "linear") || !strcmp(ms, "bilinear") ? 0 : !strcmp(ms, "nearest") ? 1
             : !strcmp(ms, "cubic") || !strcmp(ms, "bicubic") ? 2 : -1;
  int padding = !ps || !strcmp(ps, "zeros") ? 0 : !strcmp(ps, "border") ? 1 : !strcmp(ps, "reflection") ? 2 : -1;
  bool align = st_op_attr_int(op, "align_corners", 0) != 0;
  if (mode < 0 || padding < 0) return st_graph_lower_fail(op, d, "unknown mode or padding_mode");
  unsigned r = xt->u.shaped.rank, sp = r - 2;
  int ntaps = mode == 0 ? 2 : mode == 1 ? 1 : 4;
  int64_t combos = 1;
  for (unsigned s = 0; s < sp; s++) combos *= ntaps;
  if (combos > 4096) return st_graph_lower_fail(op, d, "too many taps to unroll");
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *gi[ST_MAX_RANK], *xi[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, r, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_gl g = {lc, &in, st_type_scalar(ctx, ST_TY_F64), st_type_scalar(ctx, ST_TY_INDEX)};
  const st_type *f32 = st_type_scalar(ctx, ST_TY_F32), *i64 = st_type_scalar(ctx, ST_TY_I64);
  st_value *idx[ST_MAX_RANK][4], *w[ST_MAX_RANK][4], *ok[ST_MAX_RANK][4];
  st_value *izero = st_lower_index(lc, 0);
  gi[0] = ivs[0];
  for (unsigned s = 0; s < sp; s++) gi[s + 1] = ivs[s + 2];
  for (unsigned s = 0; s < sp; s++) {
    int64_t size = xt->u.shaped.dims[s + 2];
    gi[sp + 1] = st_lower_index(lc, sp - 1 - s); /* the grid lists x (innermost dim) first */
    st_value *gn = st_lower_load(&in, lc->inputs[1], gi);
    gn = st_lower_cast(&in, gn, g.f64);
    st_value *p1 = st_gl_add(&g, gn, st_gl_c(&g, 1)), *x;
    if (align) x = st_gl_mul(&g, st_gl_bin(&g, &st_arith_divf_def, p1, st_gl_c(&g, 2)), st_gl_c(&g, (double)(size - 1)));
    else x = st_gl_bin(&g, &st_arith_divf_def, st_gl_sub(&g, st_gl_mul(&g, p1, st_gl_c(&g, (double)size)), st_gl_c(&g, 1)),
                       st_gl_c(&g, 2));
    x = x ? st_lower_op(&in, &st_arith_cast_def, 1, &x, f32) : NULL; /* x = (float)x */
    x = x ? st_lower_op(&in, &st_arith_cast_def, 1, &x, g.f64) : NULL;
    st_value *inr = st_lower_binary(&in, &st_arith_andi_def, st_gl_cmp(&g, "ogt", x, st_gl_c(&g, -1e9)),
                                    st_gl_cmp(&g, "olt", x, st_gl_c(&g, 1e9)));
    st_value *big = st_lower_select(&in, st_gl_cmp(&g, "ogt", x, st_gl_c(&g, 0)), st_gl_c(&g, 1e9), st_gl_c(&g, -1e9));
    x = st_lower_select(&in, inr, x, big);
    double lo = align ? 0 : -0.5, hi = align ? (double)size - 1 : (double)size - 0.5;
    if (mode == 1) x = st_lower_math(&in, "round", x, NULL);
    if (padding) {
      st_value *outside = st_lower_binary(&in, &st_arith_ori_def, st_gl_cmp(&g, "olt", x, st_gl_c(&g, lo)),
                                          st_gl_cmp(&g, "ogt", x, st_gl_c(&g, hi)));
      st_value *fixed;
      if (padding == 1) {
        st_value *top = st_gl_c(&g, (double)(size - 1));
        fixed = st_lower_select(&in, st_gl_cmp(&g, "ogt", x, top), top, x);
        fixed = st_lower_select(&in, st_gl_cmp(&g, "olt", x, st_gl_c(&g, 0)), st_gl_c(&g, 0), fixed);
      } else {
        fixed = st_gl_reflect(&g, x, lo, hi);
      }
      x = st_lower_select(&in, outside, fixed, x);
    }
    st_value *fl = st_lower_math(&in, "floor", x, NULL);
    st_value *base = mode == 1 ? x : mode == 2 ? st_gl_sub(&g, fl, st_gl_c(&g, 1)) : fl;
    base = base ? st_lower_op(&in, &st_arith_cast_def, 1, &base, i64) : NULL; /* truncates, as (int64_t) */
    base = base ? st_lower_op(&in, &st_arith_cast_def, 1, &base, g.index) : NULL;
    st_value *t = st_gl_sub(&g, x, fl);
    if (mode == 0) {
      w[s][0] = st_gl_sub(&g, st_gl_c(&g, 1), t);
      w[s][1] = t;
    } else if (mode == 1) {
      w[s][0] = st_gl_c(&g, 1);
    } else { /* st_gs_cubic, a = -0.75 */
      const double a = -0.75;
      st_value *xs[4] = {st_gl_add(&g, t, st_gl_c(&g, 1)), t, st_gl_sub(&g, st_gl_c(&g, 1), t),
                         st_gl_sub(&g, st_gl_c(&g, 2), t)};
      for (int k = 0; k < 4; k++) {
        st_value *v = xs[k];
        if (k == 0 || k == 3) { /* ((a*x - 5a)*x + 8a)*x - 4a */
          st_value *e = st_gl_sub(&g, st_gl_mul(&g, st_gl_c(&g, a), v), st_gl_c(&g, 5 * a));
          e = st_gl_add(&g, st_gl_mul(&g, e, v), st_gl_c(&g, 8 * a));
          w[s][k] = st_gl_sub(&g, st_gl_mul(&g, e, v), st_gl_c(&g, 4 * a));
        } else { /* ((a+2)*x - (a+3))*x*x + 1 */
          st_value *e = st_gl_sub(&g, st_gl_mul(&g, st_gl_c(&g, a + 2), v), st_gl_c(&g, a + 3));
          w[s][k] = st_gl_add(&g, st_gl_mul(&g, st_gl_mul(&g, e, v), v), st_gl_c(&g, 1));
        }
      }
    }
    /* st_gs_tap for base + k */
    st_value *vsize = st_lower_index(lc, size), *vtop = st_lower_index(lc, size - 1);
    for (int k = 0; k < ntaps; k++) {
      st_value *i = k ? st_lower_binary(&in, &st_arith_addi_def, base, st_lower_index(lc, k)) : base;
      st_value *inside = st_lower_binary(&in, &st_arith_andi_def, st_lower_cmp(&in, &st_arith_cmpi_def, "sge", i, izero),
                                         st_lower_cmp(&in, &st_arith_cmpi_def, "slt", i, vsize));
      st_value *j = i;
      if (padding == 2) {
        st_value *fi = st_lower_op(&in, &st_arith_cast_def, 1, &i, i64);
        fi = fi ? st_lower_op(&in, &st_arith_cast_def, 1, &fi, g.f64) : NULL;
        st_value *rf = fi ? st_gl_reflect(&g, fi, lo, hi) : NULL;
        rf = rf ? st_lower_op(&in, &st_arith_cast_def, 1, &rf, i64) : NULL;
        j = rf ? st_lower_op(&in, &st_arith_cast_def, 1, &rf, g.index) : NULL;
      }
      j = st_lower_select(&in, st_lower_cmp(&in, &st_arith_cmpi_def, "slt", j, izero), izero, j);
      j = st_lower_select(&in, st_lower_cmp(&in, &st_arith_cmpi_def, "sgt", j, vtop), vtop, j);
      idx[s][k] = st_lower_select(&in, inside, i, j);
      ok[s][k] = padding == 0 ? inside : NULL; /* border and reflection always hit a pixel */
    }
  }
  st_value *acc = st_gl_c(&g, 0);
  xi[0] = ivs[0], xi[1] = ivs[1];
  for (int64_t k = 0; k < combos; k++) {
    int64_t rest = k;
    st_value *wt = NULL, *inside = NULL;
    for (unsigned s = sp; s-- > 0;) {
      int tap = (int)(rest % ntaps);
      rest /= ntaps;
      if (ok[s][tap]) inside = inside ? st_lower_binary(&in, &st_arith_andi_def, inside, ok[s][tap]) : ok[s][tap];
      wt = wt ? st_gl_mul(&g, wt, w[s][tap]) : st_gl_mul(&g, st_gl_c(&g, 1), w[s][tap]);
      xi[s + 2] = idx[s][tap];
    }
    st_value *xv = st_lower_load(&in, lc->inputs[0], xi);
    xv = st_lower_cast(&in, xv, g.f64);
    st_value *term = st_gl_mul(&g, wt, xv);
    if (inside) term = st_lower_select(&in, inside, term, st_gl_c(&g, 0));
    acc = st_gl_add(&g, acc, term);
  }
  if (acc && elem != g.f64) acc = st_lower_op(&in, &st_arith_cast_def, 1, &acc, elem);
  return st_lower_store(&in, acc, dst, ivs);
}

/* ---- AffineGrid (theta (N, r, r+1), size) {align_corners}: the result
 * (N, D1..Dr, r) is one parallel nest; each element is, as st_affine_interp,
 * the f64 sum over k of theta[n, j, k] * base[k], base being the
 * normalised coordinates of the position, innermost dim first, then 1. ---- */
bool st_graph_lower_affine_grid(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  const st_type *out = op->results[0].type, *elem = out->u.shaped.elem;
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  unsigned r = out->u.shaped.rank, sp = r - 2;
  bool align = st_op_attr_int(op, "align_corners", 0) != 0;
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *ti[3];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, r, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_gl g = {lc, &in, st_type_scalar(ctx, ST_TY_F64), st_type_scalar(ctx, ST_TY_INDEX)};
  st_value *acc = st_gl_c(&g, 0);
  ti[0] = ivs[0], ti[1] = ivs[r - 1];
  for (unsigned k = 0; k <= sp; k++) {
    st_value *base;
    if (k == sp) base = st_gl_c(&g, 1);
    else {
      unsigned dim = 1 + sp - 1 - k; /* the grid lists x (innermost dim) first */
      int64_t L = out->u.shaped.dims[dim];
      st_value *i = st_lower_op(&in, &st_arith_cast_def, 1, &ivs[dim], g.f64);
      if (align) base = L > 1 ? st_gl_add(&g, st_gl_c(&g, -1), st_gl_bin(&g, &st_arith_divf_def, st_gl_mul(&g, st_gl_c(&g, 2), i),
                                                                   st_gl_c(&g, (double)(L - 1))))
                              : st_gl_c(&g, 0);
      else base = st_gl_sub(&g, st_gl_bin(&g, &st_arith_divf_def, st_gl_add(&g, st_gl_mul(&g, st_gl_c(&g, 2), i), st_gl_c(&g, 1)),
                                          st_gl_c(&g, (double)L)),
                            st_gl_c(&g, 1));
    }
    ti[2] = st_lower_index(lc, k);
    st_value *t = st_lower_load(&in, lc->inputs[0], ti);
    t = st_lower_cast(&in, t, g.f64);
    acc = st_gl_add(&g, acc, st_gl_mul(&g, t, base));
  }
  if (acc && elem != g.f64) acc = st_lower_op(&in, &st_arith_cast_def, 1, &acc, elem);
  return st_lower_store(&in, acc, dst, ivs);
}
