/* Lower hook of graph.resize (X, roi?, scales?, sizes?), every mode the
 * interpreter has (graph_shape_resize.c): nearest / linear / cubic, each
 * coordinate_transformation_mode and nearest_mode, exclude_outside,
 * antialias, axes and keep_aspect_ratio_policy.
 *
 * Shapes are static and roi / scales / sizes constant, so each dim's taps
 * (for an output coordinate: the input positions and weights, built exactly
 * as the interpreter builds them) are computed at compile time and become
 * mem.constant tables idx[out][W] (i64) and w[out][W] (f64), padded with
 * weight 0 up to the dim's widest tap list W.  The loops: a parallel nest
 * over the result; a dim whose taps are single weight-1 positions is a
 * gather through its table (or the identity); the others get a sequential
 * loop over their W taps, and the element is the f64 sum of the product of
 * the weights times x, in the interpreter's order (so it agrees bit for
 * bit), cast to the element type.  tf_crop_and_resize's outside positions
 * take extrapolation_value through a per-dim flag table.
 *
 * The plan, the config and the 1-D taps are the interpreter's own
 * (graph_resize_plan.c); this file only narrows the taps to tables. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_resize_plan.h"

st_value *st_graph_lower_dense(st_lower_ctx *lc, const st_type *elem, unsigned rank, const st_dim *dims,
                               const void *data, size_t nbytes, bool splat) {
  st_module *m = lc->b.module;
  const st_type *t = st_type_tensor(m->ctx, elem, rank, dims);
  st_named_attr value = {"value", t ? st_attr_dense(m, t, data, nbytes, splat) : NULL};
  if (!t || !value.attr) return lc->out_of_memory = true, NULL;
  const st_type *mt = st_lower_memref_type(m->ctx, t);
  st_op_state s = {.def = &st_mem_constant_def, .num_results = 1, .result_types = &mt, .num_attrs = 1, .attrs = &value};
  st_op *c = st_builder_create(&lc->b, &s);
  return c ? &c->results[0] : NULL;
}

st_value *st_graph_lower_table(st_lower_ctx *lc, const st_type *elem, unsigned rank, const st_dim *dims,
                               const void *data, size_t nbytes) {
  return st_graph_lower_dense(lc, elem, rank, dims, data, nbytes, false);
}

/* The elements of buf when a mem.constant defines it (else NULL). */
const void *st_graph_lower_const_data(const st_value *buf, size_t *nbytes, bool *splat) {
  if (!buf->def || buf->def->def != &st_mem_constant_def) return NULL;
  const st_attr *a = st_op_get_attr(buf->def, "value");
  return a ? st_attr_elements(a, nbytes, splat) : NULL;
}

/* One dim's taps: W columns per output coordinate, zero-padded; ext[o] when
 * o extrapolates. */
typedef struct st_rl_taps {
  int64_t width;
  int64_t *idx, *ext;
  double *w;
  bool plain, identity, any_ext; /* every o: one weight-1 tap; ... at o itself; some o extrapolates */
} st_rl_taps;

/* st_resize_make_taps's taps, narrowed to the widest tap list. */
static bool st_rl_taps_make(const st_resize_cfg *c, double scale, int64_t len_in, int64_t len_out, double lo, double hi,
                            st_rl_taps *t) {
  st_resize_taps full = {0};
  if (!st_resize_make_taps(c, scale, len_in, len_out, lo, hi, &full)) {
    st_resize_taps_free(&full);
    return false;
  }
  int64_t fw = full.width;
  t->ext = calloc((size_t)len_out, sizeof *t->ext);
  t->idx = calloc((size_t)(len_out * fw), sizeof *t->idx);
  t->w = calloc((size_t)(len_out * fw), sizeof *t->w);
  bool ok = t->ext && t->idx && t->w;
  t->width = 0;
  t->any_ext = false;
  for (int64_t o = 0; ok && o < len_out; o++) {
    if (full.cnt[o] < 0) {
      t->ext[o] = 1;
      t->any_ext = true;
    } else if (full.cnt[o] > t->width) {
      t->width = full.cnt[o];
    }
  }
  if (ok && !t->width) t->width = 1;
  t->plain = t->identity = ok && !t->any_ext;
  for (int64_t o = 0; ok && o < len_out; o++) {
    int64_t cnt = full.cnt[o] < 0 ? 0 : full.cnt[o];
    for (int64_t k = 0; k < cnt; k++)
      t->idx[o * t->width + k] = full.idx[o * fw + k], t->w[o * t->width + k] = full.w[o * fw + k];
    if (cnt != 1 || t->w[o * t->width] != 1) t->plain = t->identity = false;
    else if (t->idx[o * t->width] != o || len_in != len_out) t->identity = false;
  }
  if (t->width != 1) t->plain = t->identity = false;
  st_resize_taps_free(&full);
  return ok;
}

static st_value *st_rl_load_index(st_lower_ctx *lc, st_builder *b, st_value *table, st_value *o, st_value *k) {
  st_value *at[2] = {o, k}, *v = st_lower_load(b, table, at);
  return v ? st_lower_op(b, &st_arith_cast_def, 1, &v, st_type_scalar(b->module->ctx, ST_TY_INDEX)) : NULL;
}

static bool st_rl_lower(st_op *op, st_lower_ctx *lc, const st_resize_cfg *c, const st_resize_plan *p, st_rl_taps *taps,
                        st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  const st_type *out = op->results[0].type, *elem = out->u.shaped.elem;
  const st_type *i64 = st_type_scalar(ctx, ST_TY_I64), *f64 = st_type_scalar(ctx, ST_TY_F64);
  const st_type *i1 = st_type_scalar(ctx, ST_TY_I1);
  unsigned r = p->rank;
  if (out->u.shaped.rank != r || memcmp(out->u.shaped.dims, p->out, r * sizeof *p->out))
    return st_graph_lower_fail(op, d, "scales or sizes unlike the result");
  st_value *idx_t[ST_MAX_RANK] = {0}, *w_t[ST_MAX_RANK] = {0}, *ext_t[ST_MAX_RANK] = {0};
  bool tapped = false, any_ext = false;
  for (unsigned k = 0; k < r; k++) {
    st_rl_taps *t = &taps[k];
    st_dim td[2] = {p->out[k], t->width};
    size_t n = (size_t)(p->out[k] * t->width);
    if (t->identity) continue;
    if (!(idx_t[k] = st_graph_lower_table(lc, i64, 2, td, t->idx, n * 8))) return false;
    if (t->plain) continue;
    tapped = true;
    if (!(w_t[k] = st_graph_lower_table(lc, f64, 2, td, t->w, n * 8))) return false;
    if (t->any_ext) {
      any_ext = true;
      if (!(ext_t[k] = st_graph_lower_table(lc, i64, 1, td, t->ext, (size_t)p->out[k] * 8))) return false;
    }
  }
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *xi[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, r, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_value *zero = st_lower_index(lc, 0);
  if (!tapped) { /* a gather: each dim through its table or the identity */
    for (unsigned k = 0; k < r; k++) xi[k] = idx_t[k] ? st_rl_load_index(lc, &in, idx_t[k], ivs[k], zero) : ivs[k];
    return st_lower_store(&in, st_lower_load(&in, lc->inputs[0], xi), dst, ivs);
  }
  st_value *acc = st_lower_alloca(&in, f64);
  if (!acc || !st_lower_store(&in, st_lower_const(&in, f64, 0), acc, NULL)) return false;
  /* Sequential tap loops, in dim order (the interpreter's summation order). */
  st_builder l = in;
  st_value *tv[ST_MAX_RANK] = {0};
  for (unsigned k = 0; k < r; k++) {
    if (!w_t[k]) continue;
    l = st_lower_loops(lc, &l, 1, &taps[k].width, false, &tv[k]);
    if (!l.block) return false;
  }
  st_value *w = NULL;
  for (unsigned k = 0; k < r; k++) {
    if (w_t[k]) {
      st_value *at[2] = {ivs[k], tv[k]}, *wk = st_lower_load(&l, w_t[k], at);
      w = w ? st_lower_binary(&l, &st_arith_mulf_def, w, wk) : wk;
      xi[k] = st_rl_load_index(lc, &l, idx_t[k], ivs[k], tv[k]);
    } else {
      xi[k] = idx_t[k] ? st_rl_load_index(lc, &l, idx_t[k], ivs[k], zero) : ivs[k];
    }
  }
  st_value *x = st_lower_load(&l, lc->inputs[0], xi);
  x = st_lower_cast(&l, x, f64);
  st_value *sum = st_lower_binary(&l, &st_arith_addf_def, st_lower_load(&l, acc, NULL),
                                  st_lower_binary(&l, &st_arith_mulf_def, w, x));
  if (!st_lower_store(&l, sum, acc, NULL)) return false;
  st_value *y = st_lower_load(&in, acc, NULL);
  if (y && !st_type_is_float(elem)) { /* truncation, as st_elem_store_f */
    y = st_lower_op(&in, &st_arith_cast_def, 1, &y, i64);
    if (y && elem != i64) y = st_lower_op(&in, &st_arith_cast_def, 1, &y, elem);
  } else if (y && elem != f64) {
    y = st_lower_op(&in, &st_arith_cast_def, 1, &y, elem);
  }
  if (any_ext) {
    st_value *outside = st_lower_const(&in, i1, 0);
    for (unsigned k = 0; k < r; k++) {
      if (!ext_t[k]) continue;
      st_value *e = st_lower_load(&in, ext_t[k], &ivs[k]);
      outside = st_lower_binary(&in, &st_arith_ori_def, outside,
                                st_lower_cmp(&in, &st_arith_cmpi_def, "ne", e, st_lower_const(&in, i64, 0)));
    }
    y = st_lower_select(&in, outside, st_lower_const(&in, elem, c->extrapolation), y);
  }
  return st_lower_store(&in, y, dst, ivs);
}

bool st_graph_lower_resize(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *elem = op->results[0].type->u.shaped.elem;
  if (!st_type_is_float(elem) && !st_type_is_int(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  st_resize_plan p;
  if (!st_resize_make_plan(op, NULL, false, &p, d))
    return st_graph_lower_fail(op, d, "needs constant roi, scales or sizes");
  st_resize_cfg c;
  st_resize_make_cfg(op, &c);
  st_rl_taps taps[ST_MAX_RANK] = {{0}};
  bool ok = true;
  for (unsigned k = 0; k < p.rank && ok; k++)
    ok = st_rl_taps_make(&c, p.scale[k], lc->inputs[0]->type->u.shaped.dims[k], p.out[k], p.roi_lo[k], p.roi_hi[k],
                         &taps[k]);
  if (!ok) st_graph_lower_fail(op, d, "out of memory or scale too small for antialiasing");
  else ok = st_rl_lower(op, lc, &c, &p, taps, d);
  for (unsigned k = 0; k < p.rank; k++) free(taps[k].idx), free(taps[k].ext), free(taps[k].w);
  return ok;
}
