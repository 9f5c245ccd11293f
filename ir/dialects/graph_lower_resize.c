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
 * The plan and 1-D coefficient code below mirror st_resize_make_plan,
 * st_resize_coeffs, st_resize_coord and st_resize_taps of
 * graph_shape_resize.c (static there); keep them in step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_shape.h"

st_value *st_graph_lower_table(st_lower_ctx *lc, const st_type *elem, unsigned rank, const st_dim *dims,
                               const void *data, size_t nbytes) {
  st_module *m = lc->b.module;
  const st_type *t = st_type_tensor(m->ctx, elem, rank, dims);
  st_named_attr value = {"value", st_attr_dense(m, t, data, nbytes, false)};
  if (!t || !value.attr) return lc->out_of_memory = true, NULL;
  const st_type *mt = st_lower_memref_type(m->ctx, t);
  st_op_state s = {.def = &st_mem_constant_def, .num_results = 1, .result_types = &mt, .num_attrs = 1, .attrs = &value};
  st_op *c = st_builder_create(&lc->b, &s);
  return c ? &c->results[0] : NULL;
}

typedef enum st_rl_mode { ST_RL_NEAREST, ST_RL_LINEAR, ST_RL_CUBIC } st_rl_mode;

typedef struct st_rl_cfg {
  st_rl_mode mode;
  const char *coord, *nearest;
  double a, extrapolation;
  bool antialias, exclude_outside;
} st_rl_cfg;

typedef struct st_rl_plan {
  unsigned rank;
  st_dim out[ST_MAX_RANK];
  double scale[ST_MAX_RANK], roi_lo[ST_MAX_RANK], roi_hi[ST_MAX_RANK];
} st_rl_plan;

static bool st_rl_given(const st_op *op, unsigned i) { return st_shape_operand_elems(op, i) > 0; }

/* As st_resize_make_plan (constants only). */
static bool st_rl_plan_make(st_op *op, st_rl_plan *p, st_diag *d) {
  const st_type *t = st_op_operand(op, 0)->type;
  unsigned r = t->u.shaped.rank, n;
  int64_t axes[ST_MAX_RANK];
  const st_dim *dims = t->u.shaped.dims;
  const st_attr *aa = st_op_get_attr(op, "axes");
  n = aa && aa->kind == ST_ATTR_ARRAY ? aa->u.array.n : r;
  if (n > r || !st_graph_int_array(op, "axes", n, 0, axes, d)) return false;
  for (unsigned k = 0; k < n; k++)
    if (!aa) axes[k] = k;
    else if (!st_graph_axis(op, axes[k], r, &axes[k], d)) return false;
  p->rank = r;
  for (unsigned i = 0; i < r; i++) p->out[i] = dims[i], p->scale[i] = 1, p->roi_lo[i] = 0, p->roi_hi[i] = 1;
  double v[2 * ST_MAX_RANK];
  if (st_rl_given(op, 1)) {
    if (st_shape_operand_elems(op, 1) != 2 * n) return false;
    for (unsigned k = 0; k < 2 * n; k++)
      if (!st_shape_read_f(op, NULL, 1, k, "roi", &v[k], d)) return false;
    for (unsigned k = 0; k < n; k++) p->roi_lo[axes[k]] = v[k], p->roi_hi[axes[k]] = v[k + n];
  }
  bool scales = st_rl_given(op, 2);
  if (!scales && !st_rl_given(op, 3)) return false;
  if (st_shape_operand_elems(op, scales ? 2 : 3) != n) return false;
  for (unsigned k = 0; k < n; k++)
    if (!st_shape_read_f(op, NULL, scales ? 2 : 3, k, scales ? "scales" : "sizes", &v[k], d)) return false;
  for (unsigned k = 0; k < n; k++)
    if (!(v[k] > 0) || dims[axes[k]] <= 0) return false;
  const char *policy = st_op_attr_str(op, "keep_aspect_ratio_policy");
  bool keep = !scales && policy && strcmp(policy, "stretch");
  if (keep && strcmp(policy, "not_larger") && strcmp(policy, "not_smaller")) return false;
  double common = keep && !strcmp(policy, "not_larger") ? INFINITY : 0;
  for (unsigned k = 0; k < n; k++) {
    int64_t a = axes[k];
    double s = scales ? v[k] : v[k] / (double)dims[a];
    if (keep) common = !strcmp(policy, "not_larger") ? fmin(common, s) : fmax(common, s);
    p->scale[a] = s;
    p->out[a] = scales ? (int64_t)floor(s * (double)dims[a]) : (int64_t)v[k];
  }
  for (unsigned k = 0; keep && k < n; k++) {
    p->scale[axes[k]] = common;
    p->out[axes[k]] = (int64_t)(common * (double)dims[axes[k]] + 0.5);
  }
  return true;
}

static double st_rl_cubic(double x, double a) {
  x = fabs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

/* As st_resize_coeffs. */
static int64_t st_rl_coeffs(const st_rl_cfg *c, double ratio, double scale, double *w) {
  if (c->mode == ST_RL_NEAREST) {
    const char *m = c->nearest;
    bool right = ratio == 1 || !strcmp(m, "ceil") ? true
                 : !strcmp(m, "floor")            ? false
                 : !strcmp(m, "round_prefer_ceil") ? ratio >= 0.5
                                                   : ratio > 0.5;
    w[0] = !right, w[1] = right;
    return 2;
  }
  if (!c->antialias) {
    if (c->mode == ST_RL_LINEAR) {
      w[0] = 1 - ratio, w[1] = ratio;
      return 2;
    }
    for (int k = 0; k < 4; k++) w[k] = st_rl_cubic(k - 1 - ratio, c->a);
    return 4;
  }
  double s = scale < 1 ? scale : 1, sum = 0;
  int64_t start = (int64_t)floor((c->mode == ST_RL_LINEAR ? -1 : -2) / s) + 1, n = 2 - 2 * start;
  for (int64_t k = 0; k < n; k++) {
    double x = (double)(start + k - ratio) * s;
    w[k] = c->mode == ST_RL_LINEAR ? fmax(0, 1 - fabs(x)) : st_rl_cubic(x, c->a);
    sum += w[k];
  }
  for (int64_t k = 0; k < n; k++) w[k] /= sum;
  return n;
}

/* As st_resize_coord. */
static double st_rl_coord(const st_rl_cfg *c, double x, double scale, int64_t len_in, int64_t len_out, double lo,
                          double hi) {
  double len_f = scale * (double)len_in;
  const char *m = c->coord;
  if (!strcmp(m, "align_corners")) return len_f == 1 ? 0 : x * (double)(len_in - 1) / (len_f - 1);
  if (!strcmp(m, "asymmetric")) return x / scale;
  if (!strcmp(m, "tf_half_pixel_for_nn")) return (x + 0.5) / scale;
  if (!strcmp(m, "tf_crop_and_resize"))
    return lo * (double)(len_in - 1) +
           (len_f == 1 ? (hi - lo) * (double)(len_in - 1) / 2 : x * (hi - lo) * (double)(len_in - 1) / (len_f - 1));
  if (!strcmp(m, "pytorch_half_pixel")) return len_f == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
  if (!strcmp(m, "half_pixel_symmetric")) {
    double center = (double)len_in / 2, offset = center * (1 - (double)len_out / len_f);
    return offset + (x + 0.5) / scale - 0.5;
  }
  return (x + 0.5) / scale - 0.5;
}

/* One dim's taps: W columns per output coordinate, zero-padded; ext[o] when
 * o extrapolates. */
typedef struct st_rl_taps {
  int64_t width;
  int64_t *idx, *ext;
  double *w;
  bool plain, identity, any_ext; /* every o: one weight-1 tap; ... at o itself; some o extrapolates */
} st_rl_taps;

/* As st_resize_taps. */
static bool st_rl_taps_make(const st_rl_cfg *c, double scale, int64_t len_in, int64_t len_out, double lo, double hi,
                            st_rl_taps *t) {
  double probe[1024];
  double s = scale < 1 ? scale : 1;
  if (c->antialias && (c->mode == ST_RL_CUBIC ? 4 / s : 2 / s) + 4 > 1024) return false;
  int64_t full = st_rl_coeffs(c, 0.5, scale, probe);
  int64_t *cnt = malloc((size_t)len_out * sizeof *cnt), *idx = malloc((size_t)(len_out * full) * sizeof *idx);
  double *w = malloc((size_t)(len_out * full) * sizeof *w);
  t->ext = calloc((size_t)len_out, sizeof *t->ext);
  t->idx = calloc((size_t)(len_out * full), sizeof *t->idx);
  t->w = calloc((size_t)(len_out * full), sizeof *t->w);
  bool ok = cnt && idx && w && t->ext && t->idx && t->w;
  t->width = 0;
  t->any_ext = false;
  for (int64_t o = 0; ok && o < len_out; o++) {
    double x = st_rl_coord(c, (double)o, scale, len_in, len_out, lo, hi);
    if (!strcmp(c->coord, "tf_crop_and_resize") && (x < 0 || x > (double)(len_in - 1))) {
      cnt[o] = 0;
      t->ext[o] = 1;
      t->any_ext = true;
      continue;
    }
    double fl = floor(x), ratio = x == fl ? 1 : x - fl;
    int64_t base = (int64_t)fl - (x == fl), n = st_rl_coeffs(c, ratio, scale, probe);
    int64_t first = base - n / 2 + 1, k = 0;
    double sum = 0;
    for (int64_t j = 0; j < n; j++) {
      int64_t p = first + j;
      if (c->exclude_outside && (p < 0 || p >= len_in)) probe[j] = 0;
      sum += probe[j];
    }
    for (int64_t j = 0; j < n; j++) {
      double wj = c->exclude_outside ? probe[j] / sum : probe[j];
      if (wj == 0) continue;
      int64_t p = first + j;
      idx[o * full + k] = p < 0 ? 0 : p >= len_in ? len_in - 1 : p;
      w[o * full + k++] = wj;
    }
    cnt[o] = k;
    if (k > t->width) t->width = k;
  }
  if (ok && !t->width) t->width = 1;
  t->plain = t->identity = ok && !t->any_ext;
  for (int64_t o = 0; ok && o < len_out; o++) {
    for (int64_t k = 0; k < cnt[o]; k++) t->idx[o * t->width + k] = idx[o * full + k], t->w[o * t->width + k] = w[o * full + k];
    if (cnt[o] != 1 || t->w[o * t->width] != 1) t->plain = t->identity = false;
    else if (t->idx[o * t->width] != o || len_in != len_out) t->identity = false;
  }
  if (t->width != 1) t->plain = t->identity = false;
  free(cnt), free(idx), free(w);
  return ok;
}

static st_value *st_rl_load_index(st_lower_ctx *lc, st_builder *b, st_value *table, st_value *o, st_value *k) {
  st_value *at[2] = {o, k}, *v = st_lower_load(b, table, at);
  return v ? st_lower_op(b, &st_arith_cast_def, 1, &v, st_type_scalar(b->module->ctx, ST_TY_INDEX)) : NULL;
}

static bool st_rl_lower(st_op *op, st_lower_ctx *lc, const st_rl_cfg *c, const st_rl_plan *p, st_rl_taps *taps,
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
  x = x && x->type != f64 ? st_lower_op(&l, &st_arith_cast_def, 1, &x, f64) : x;
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
  st_rl_plan p;
  if (!st_rl_plan_make(op, &p, d)) return st_graph_lower_fail(op, d, "needs constant roi, scales or sizes");
  const char *mode = st_op_attr_str(op, "mode"), *coord = st_op_attr_str(op, "coordinate_transformation_mode");
  const char *nearest = st_op_attr_str(op, "nearest_mode");
  st_rl_cfg c = {
      .mode = !mode || !strcmp(mode, "nearest") ? ST_RL_NEAREST : !strcmp(mode, "linear") ? ST_RL_LINEAR : ST_RL_CUBIC,
      .coord = coord ? coord : "half_pixel", .nearest = nearest ? nearest : "round_prefer_floor",
      .a = st_op_attr_float(op, "cubic_coeff_a", -0.75), .extrapolation = st_op_attr_float(op, "extrapolation_value", 0),
      .antialias = st_op_attr_int(op, "antialias", 0) != 0 && (!mode || strcmp(mode, "nearest")),
      .exclude_outside = st_op_attr_int(op, "exclude_outside", 0) != 0,
  };
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
