/* graph.resize: ONNX Resize (X, roi?, scales?, sizes?) in modes nearest,
 * linear and cubic, with every coordinate_transformation_mode, nearest_mode,
 * exclude_outside, antialias, axes and keep_aspect_ratio_policy.
 *
 * Interpolation is separable: each resized dim gets a table that maps an
 * output coordinate to a few input positions and weights (the "taps"), built
 * the way the ONNX reference builds its 1-D coefficients (edge-clamped
 * neighbours, a ratio of 1 rather than 0 on integer coordinates); an output
 * element is the sum over the product of its dims' taps.  Old forms (Resize
 * 10 and Upsample) are built as this op by the importer's hooks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_shape.h"
#include "ir/elem.h"

typedef struct st_resize_plan {
  unsigned rank;
  st_dim out[ST_MAX_RANK];
  double scale[ST_MAX_RANK], roi_lo[ST_MAX_RANK], roi_hi[ST_MAX_RANK];
} st_resize_plan;

static bool st_resize_given(const st_op *op, unsigned i) { return st_shape_operand_elems(op, i) > 0; }

static bool st_resize_axes(st_op *op, unsigned r, int64_t *axes, unsigned *n, st_diag *d) {
  const st_attr *a = st_op_get_attr(op, "axes");
  *n = a && a->kind == ST_ATTR_ARRAY ? a->u.array.n : r;
  if (*n > r || !st_graph_int_array(op, "axes", *n, 0, axes, d)) {
    if (*n > r) st_diag_error(d, op->loc, "'graph.resize' op has more axes than dims");
    return false;
  }
  for (unsigned k = 0; k < *n; k++)
    if (!a) axes[k] = k;
    else if (!st_graph_axis(op, axes[k], r, &axes[k], d)) return false;
  return true;
}

static bool st_resize_make_plan(st_op *op, const st_tensor *in, st_resize_plan *p, st_diag *d) {
  const st_type *t = in ? in[0].type : st_op_operand(op, 0)->type;
  unsigned r = t->u.shaped.rank, n;
  int64_t axes[ST_MAX_RANK];
  const st_dim *dims = t->u.shaped.dims;
  if (!st_resize_axes(op, r, axes, &n, d)) return false;
  p->rank = r;
  for (unsigned i = 0; i < r; i++) {
    p->out[i] = dims[i];
    p->scale[i] = 1;
    p->roi_lo[i] = 0;
    p->roi_hi[i] = 1;
  }
  double v[2 * ST_MAX_RANK];
  if (st_resize_given(op, 1)) {
    if (st_shape_operand_elems(op, 1) != 2 * n) return st_graph_type_error(op, d, "expects 2 roi values per axis", t);
    for (unsigned k = 0; k < 2 * n; k++)
      if (!st_shape_read_f(op, in, 1, k, "roi", &v[k], d)) return false;
    for (unsigned k = 0; k < n; k++) p->roi_lo[axes[k]] = v[k], p->roi_hi[axes[k]] = v[k + n];
  }
  bool scales = st_resize_given(op, 2);
  if (!scales && !st_resize_given(op, 3)) return st_graph_type_error(op, d, "needs scales or sizes", t);
  if (st_shape_operand_elems(op, scales ? 2 : 3) != n) return st_graph_type_error(op, d, "expects one scale or size per axis", t);
  for (unsigned k = 0; k < n; k++)
    if (!st_shape_read_f(op, in, scales ? 2 : 3, k, scales ? "scales" : "sizes", &v[k], d)) return false;
  for (unsigned k = 0; k < n; k++)
    if (!(v[k] > 0) || dims[axes[k]] <= 0) return st_graph_type_error(op, d, "needs positive scales, sizes and dims", t);
  const char *policy = st_op_attr_str(op, "keep_aspect_ratio_policy");
  bool keep = !scales && policy && strcmp(policy, "stretch");
  double common = keep && !strcmp(policy, "not_larger") ? INFINITY : 0;
  for (unsigned k = 0; k < n; k++) {
    int64_t a = axes[k];
    double s = scales ? v[k] : v[k] / (double)dims[a];
    if (keep) common = !strcmp(policy, "not_larger") ? fmin(common, s) : fmax(common, s);
    p->scale[a] = s;
    p->out[a] = scales ? (int64_t)floor(s * (double)dims[a]) : (int64_t)v[k];
  }
  if (keep && strcmp(policy, "not_larger") && strcmp(policy, "not_smaller")) {
    st_diag_error(d, op->loc, "'graph.resize' op unknown keep_aspect_ratio_policy '%s'", policy);
    return false;
  }
  for (unsigned k = 0; keep && k < n; k++) {
    p->scale[axes[k]] = common;
    p->out[axes[k]] = (int64_t)(common * (double)dims[axes[k]] + 0.5);
  }
  return true;
}

static bool st_resize_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 1, d)) return false;
  if (!st_shape_expect_static(op, 0, d)) return false;
  const char *mode = st_op_attr_str(op, "mode");
  if (mode && strcmp(mode, "nearest") && strcmp(mode, "linear") && strcmp(mode, "cubic")) {
    st_diag_error(d, op->loc, "'graph.resize' op unknown mode '%s'", mode);
    return false;
  }
  static const char *const coords[] = {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
                                       "asymmetric", "tf_crop_and_resize", "tf_half_pixel_for_nn"};
  static const char *const nearest[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
  const char *cm = st_op_attr_str(op, "coordinate_transformation_mode"), *nm = st_op_attr_str(op, "nearest_mode");
  bool cm_ok = !cm, nm_ok = !nm;
  for (unsigned i = 0; i < sizeof coords / sizeof *coords; i++) cm_ok |= cm && !strcmp(cm, coords[i]);
  for (unsigned i = 0; i < sizeof nearest / sizeof *nearest; i++) nm_ok |= nm && !strcmp(nm, nearest[i]);
  if (!cm_ok || !nm_ok) {
    st_diag_error(d, op->loc, "'graph.resize' op unknown %s '%s'", cm_ok ? "nearest_mode" : "coordinate_transformation_mode",
                  cm_ok ? nm : cm);
    return false;
  }
  st_resize_plan p;
  if (!st_resize_make_plan(op, NULL, &p, d)) return false;
  results[0] = st_type_tensor(ctx, st_op_operand(op, 0)->type->u.shaped.elem, p.rank, p.out);
  return true;
}

/* ---- 1-D coefficients, as the ONNX reference computes them ---- */

typedef enum st_resize_mode { ST_RS_NEAREST, ST_RS_LINEAR, ST_RS_CUBIC } st_resize_mode;

typedef struct st_resize_cfg {
  st_resize_mode mode;
  const char *coord, *nearest;
  double a, extrapolation;
  bool antialias, exclude_outside;
} st_resize_cfg;

static double st_cubic(double x, double a) {
  x = fabs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

/* Writes the weights for a neighbourhood of `ratio` in (0, 1]; returns their
 * count (even: half of them at or left of the coordinate). */
static int64_t st_resize_coeffs(const st_resize_cfg *c, double ratio, double scale, double *w) {
  if (c->mode == ST_RS_NEAREST) {
    const char *m = c->nearest;
    bool right = ratio == 1 || !strcmp(m, "ceil") ? true
                 : !strcmp(m, "floor")            ? false
                 : !strcmp(m, "round_prefer_ceil") ? ratio >= 0.5
                                                   : ratio > 0.5;
    w[0] = !right, w[1] = right;
    return 2;
  }
  if (!c->antialias) {
    if (c->mode == ST_RS_LINEAR) {
      w[0] = 1 - ratio, w[1] = ratio;
      return 2;
    }
    for (int k = 0; k < 4; k++) w[k] = st_cubic(k - 1 - ratio, c->a);
    return 4;
  }
  double s = scale < 1 ? scale : 1, sum = 0;
  int64_t start = (int64_t)floor((c->mode == ST_RS_LINEAR ? -1 : -2) / s) + 1, n = 2 - 2 * start;
  for (int64_t k = 0; k < n; k++) {
    double x = (double)(start + k - ratio) * s;
    w[k] = c->mode == ST_RS_LINEAR ? fmax(0, 1 - fabs(x)) : st_cubic(x, c->a);
    sum += w[k];
  }
  for (int64_t k = 0; k < n; k++) w[k] /= sum;
  return n;
}

/* Where output coordinate x of a dim lies in the input. */
static double st_resize_coord(const st_resize_cfg *c, double x, double scale, int64_t len_in, int64_t len_out,
                              double lo, double hi) {
  double len_f = scale * (double)len_in; /* the reference uses the unrounded length */
  const char *m = c->coord;
  if (!strcmp(m, "align_corners")) return len_f == 1 ? 0 : x * (double)(len_in - 1) / (len_f - 1);
  if (!strcmp(m, "asymmetric")) return x / scale;
  if (!strcmp(m, "tf_half_pixel_for_nn")) return (x + 0.5) / scale; /* Resize-11 only */
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

/* The taps of one dim: for output coordinate o, cnt[o] (index, weight) pairs
 * from o * width, or cnt[o] == -1 when it extrapolates. */
typedef struct st_taps {
  int64_t width, *cnt, *idx;
  double *w;
} st_taps;

static bool st_resize_taps(const st_resize_cfg *c, double scale, int64_t len_in, int64_t len_out, double lo, double hi,
                           st_taps *t) {
  double probe[1024];
  double s = scale < 1 ? scale : 1;
  if (c->antialias && (c->mode == ST_RS_CUBIC ? 4 / s : 2 / s) + 4 > 1024) return false;
  t->width = st_resize_coeffs(c, 0.5, scale, probe);
  t->cnt = malloc((size_t)len_out * sizeof *t->cnt);
  t->idx = malloc((size_t)(len_out * t->width) * sizeof *t->idx);
  t->w = malloc((size_t)(len_out * t->width) * sizeof *t->w);
  if (!t->cnt || !t->idx || !t->w) return false;
  for (int64_t o = 0; o < len_out; o++) {
    double x = st_resize_coord(c, (double)o, scale, len_in, len_out, lo, hi);
    if (!strcmp(c->coord, "tf_crop_and_resize") && (x < 0 || x > (double)(len_in - 1))) {
      t->cnt[o] = -1;
      continue;
    }
    double fl = floor(x), ratio = x == fl ? 1 : x - fl;
    int64_t base = (int64_t)fl - (x == fl), n = st_resize_coeffs(c, ratio, scale, probe);
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
      t->idx[o * t->width + k] = p < 0 ? 0 : p >= len_in ? len_in - 1 : p;
      t->w[o * t->width + k++] = wj;
    }
    t->cnt[o] = k;
  }
  return true;
}

static void st_resize_eval(const st_resize_cfg *c, const st_taps *taps, const st_tensor *in, st_tensor *out) {
  const st_type *it = in->type, *ot = out->type, *e = it->u.shaped.elem;
  unsigned r = it->u.shaped.rank;
  int64_t strides[ST_MAX_RANK], o[ST_MAX_RANK] = {0};
  st_graph_strides(r, it->u.shaped.dims, strides);
  int64_t n = st_type_num_elements(ot);
  for (int64_t i = 0; i < n; i++, st_graph_next_index(r, ot->u.shaped.dims, o)) {
    bool extrapolate = false, empty = false;
    for (unsigned k = 0; k < r; k++) extrapolate |= taps[k].cnt[o[k]] < 0, empty |= taps[k].cnt[o[k]] == 0;
    if (extrapolate || empty) {
      st_elem_store_f(e, out->data, i, extrapolate ? c->extrapolation : 0);
      continue;
    }
    int64_t t[ST_MAX_RANK] = {0};
    double acc = 0;
    for (;;) {
      double w = 1;
      int64_t src = 0;
      for (unsigned k = 0; k < r; k++) {
        int64_t at = o[k] * taps[k].width + t[k];
        w *= taps[k].w[at];
        src += taps[k].idx[at] * strides[k];
      }
      acc += w * st_elem_load_f(e, in->data, src);
      unsigned k = r;
      while (k-- > 0 && ++t[k] == taps[k].cnt[o[k]]) t[k] = 0;
      if (k == (unsigned)-1) break;
    }
    st_elem_store_f(e, out->data, i, acc);
  }
}

static bool st_resize_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_resize_plan p;
  if (!st_resize_make_plan(op, in, &p, d)) return false;
  const st_type *ot = out[0].type;
  if (ot->u.shaped.rank != p.rank || memcmp(ot->u.shaped.dims, p.out, p.rank * sizeof *p.out))
    return st_graph_type_error(op, d, "has scales or sizes unlike its result", ot);
  const char *mode = st_op_attr_str(op, "mode"), *coord = st_op_attr_str(op, "coordinate_transformation_mode");
  const char *nearest = st_op_attr_str(op, "nearest_mode");
  st_resize_cfg c = {
      .mode = !mode || !strcmp(mode, "nearest") ? ST_RS_NEAREST : !strcmp(mode, "linear") ? ST_RS_LINEAR : ST_RS_CUBIC,
      .coord = coord ? coord : "half_pixel", .nearest = nearest ? nearest : "round_prefer_floor",
      .a = st_op_attr_float(op, "cubic_coeff_a", -0.75), .extrapolation = st_op_attr_float(op, "extrapolation_value", 0),
      .antialias = st_op_attr_int(op, "antialias", 0) != 0 && (!mode || strcmp(mode, "nearest")),
      .exclude_outside = st_op_attr_int(op, "exclude_outside", 0) != 0,
  };
  st_taps taps[ST_MAX_RANK] = {{0}};
  bool ok = true;
  for (unsigned k = 0; k < p.rank && ok; k++)
    ok = st_resize_taps(&c, p.scale[k], in[0].type->u.shaped.dims[k], p.out[k], p.roi_lo[k], p.roi_hi[k], &taps[k]);
  if (ok) st_resize_eval(&c, taps, &in[0], &out[0]);
  else st_diag_error(d, op->loc, "'graph.resize' op out of memory or scale too small for antialiasing");
  for (unsigned k = 0; k < p.rank; k++) free(taps[k].cnt), free(taps[k].idx), free(taps[k].w);
  return ok;
}

const st_op_def st_graph_resize_def = {
    .name = "graph.resize", .summary = "resizes (X, roi?, scales?, sizes?) by nearest, linear or cubic interpolation",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .shape_operands = 0x7u << 1, /* roi, scales, sizes */
    .infer_types = st_resize_infer, .interpret = st_resize_interp,
    .lower = st_graph_lower_resize,
};
