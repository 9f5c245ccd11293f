/* graph.resize's plan, config and per-dim taps (graph_resize_plan.h), used by
 * the interpreter (graph_shape_resize.c) and the lower hook
 * (graph_lower_resize.c). */
#include "ir/dialects/graph_resize_plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/graph_shape.h"

static bool st_resize_given(const st_op *op, unsigned i) { return st_shape_operand_elems(op, i) > 0; }

static bool st_resize_bad(st_op *op, bool report, st_diag *d, const char *what, const st_type *t) {
  return report ? st_graph_type_error(op, d, what, t) : false;
}

static bool st_resize_axes(st_op *op, unsigned r, bool report, int64_t *axes, unsigned *n, st_diag *d) {
  const st_attr *a = st_op_get_attr(op, "axes");
  *n = a && a->kind == ST_ATTR_ARRAY ? a->u.array.n : r;
  if (*n > r || !st_graph_int_array(op, "axes", *n, 0, axes, d)) {
    if (*n > r && report) st_diag_error(d, op->loc, "'graph.resize' op has more axes than dims");
    return false;
  }
  for (unsigned k = 0; k < *n; k++)
    if (!a) axes[k] = k;
    else if (!st_graph_axis(op, axes[k], r, &axes[k], d)) return false;
  return true;
}

bool st_resize_make_plan(st_op *op, const st_tensor *in, bool report, st_resize_plan *p, st_diag *d) {
  const st_type *t = in ? in[0].type : st_op_operand(op, 0)->type;
  unsigned r = t->u.shaped.rank, n;
  int64_t axes[ST_MAX_RANK];
  const st_dim *dims = t->u.shaped.dims;
  if (!st_resize_axes(op, r, report, axes, &n, d)) return false;
  p->rank = r;
  for (unsigned i = 0; i < r; i++) {
    p->out[i] = dims[i];
    p->scale[i] = 1;
    p->roi_lo[i] = 0;
    p->roi_hi[i] = 1;
  }
  double v[2 * ST_MAX_RANK];
  if (st_resize_given(op, 1)) {
    if (st_shape_operand_elems(op, 1) != 2 * n) return st_resize_bad(op, report, d, "expects 2 roi values per axis", t);
    for (unsigned k = 0; k < 2 * n; k++)
      if (!st_shape_read_f(op, in, 1, k, "roi", &v[k], d)) return false;
    for (unsigned k = 0; k < n; k++) p->roi_lo[axes[k]] = v[k], p->roi_hi[axes[k]] = v[k + n];
  }
  bool scales = st_resize_given(op, 2);
  if (!scales && !st_resize_given(op, 3)) return st_resize_bad(op, report, d, "needs scales or sizes", t);
  if (st_shape_operand_elems(op, scales ? 2 : 3) != n)
    return st_resize_bad(op, report, d, "expects one scale or size per axis", t);
  for (unsigned k = 0; k < n; k++)
    if (!st_shape_read_f(op, in, scales ? 2 : 3, k, scales ? "scales" : "sizes", &v[k], d)) return false;
  for (unsigned k = 0; k < n; k++)
    if (!(v[k] > 0) || dims[axes[k]] <= 0) return st_resize_bad(op, report, d, "needs positive scales, sizes and dims", t);
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
    if (report) st_diag_error(d, op->loc, "'graph.resize' op unknown keep_aspect_ratio_policy '%s'", policy);
    return false;
  }
  for (unsigned k = 0; keep && k < n; k++) {
    p->scale[axes[k]] = common;
    p->out[axes[k]] = (int64_t)(common * (double)dims[axes[k]] + 0.5);
  }
  return true;
}

void st_resize_make_cfg(st_op *op, st_resize_cfg *c) {
  const char *mode = st_op_attr_str(op, "mode"), *coord = st_op_attr_str(op, "coordinate_transformation_mode");
  const char *nearest = st_op_attr_str(op, "nearest_mode");
  *c = (st_resize_cfg){
      .mode = !mode || !strcmp(mode, "nearest") ? ST_RS_NEAREST : !strcmp(mode, "linear") ? ST_RS_LINEAR : ST_RS_CUBIC,
      .coord = coord ? coord : "half_pixel", .nearest = nearest ? nearest : "round_prefer_floor",
      .a = st_op_attr_float(op, "cubic_coeff_a", -0.75), .extrapolation = st_op_attr_float(op, "extrapolation_value", 0),
      .antialias = st_op_attr_int(op, "antialias", 0) != 0 && (!mode || strcmp(mode, "nearest")),
      .exclude_outside = st_op_attr_int(op, "exclude_outside", 0) != 0,
  };
}

/* ---- 1-D coefficients, as the ONNX reference computes them ---- */

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

bool st_resize_make_taps(const st_resize_cfg *c, double scale, int64_t len_in, int64_t len_out, double lo, double hi,
                         st_resize_taps *t) {
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

void st_resize_taps_free(st_resize_taps *t) {
  free(t->cnt), free(t->idx), free(t->w);
  t->cnt = t->idx = NULL;
  t->w = NULL;
}
