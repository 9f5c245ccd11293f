/* Detection ops of the nn family: DeformConv (2-D convolution sampling its
 * input at learned offsets, with an optional modulation mask), RoiAlign
 * (bilinear pooling of regions of interest, avg or max) and
 * NonMaxSuppression (greedy box selection per batch and class).
 *
 * NonMaxSuppression selects a number of boxes that depends on the data, so
 * graph.non_max_suppression carries its result type (num_selected x 3, from
 * the model's declared output shape) and its interpreter reports an error
 * when the data selects another number.  Box indices from data (RoiAlign's
 * batch_indices) are checked before use. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_nn.h"
#include "ir/elem.h"

/* ---- graph.deform_conv: X, W, offset, [B], [mask] (2-D) ---- */

bool st_dc_geom(st_op *op, st_dc *g, st_diag *d) {
  const st_type *x = st_op_operand(op, 0)->type, *w = st_op_operand(op, 1)->type, *o = st_op_operand(op, 2)->type;
  if (x->u.shaped.rank != 4 || w->u.shaped.rank != 4 || !st_type_is_float(x->u.shaped.elem) ||
      w->u.shaped.elem != x->u.shaped.elem)
    return st_graph_type_error(op, d, "supports 2-D float input (N, C, H, W) and weight (M, C/group, kH, kW)", x);
  const st_dim *xd = x->u.shaped.dims, *wd = w->u.shaped.dims;
  g->N = xd[0], g->C = xd[1], g->H = xd[2], g->W = xd[3], g->M = wd[0], g->kh = wd[2], g->kw = wd[3];
  g->ogroup = st_op_attr_int(op, "offset_group", 1);
  if (!st_conv_read_attrs(op, 2, &g->conv, d)) return false;
  const int64_t *strides = g->conv.strides, *dil = g->conv.dilations, *pads = g->conv.pads, group = g->conv.group;
  bool ok = group > 0 && g->ogroup > 0 && g->C % group == 0 && g->C % g->ogroup == 0 && g->M % group == 0 &&
            wd[1] * group == g->C && g->kh > 0 && g->kw > 0;
  for (int i = 0; i < 2; i++) ok = ok && strides[i] > 0 && dil[i] > 0 && pads[i] >= 0 && pads[i + 2] >= 0;
  if (!ok) {
    st_diag_error(d, op->loc, "'graph.deform_conv' op has inconsistent channels, groups, strides, dilations or pads");
    return false;
  }
  g->oh = (g->H + pads[0] + pads[2] - (dil[0] * (g->kh - 1) + 1)) / strides[0] + 1;
  g->ow = (g->W + pads[1] + pads[3] - (dil[1] * (g->kw - 1) + 1)) / strides[1] + 1;
  if (g->oh <= 0 || g->ow <= 0) {
    st_diag_error(d, op->loc, "'graph.deform_conv' op kernel is larger than the padded input");
    return false;
  }
  const st_dim od[4] = {g->N, g->ogroup * 2 * g->kh * g->kw, g->oh, g->ow};
  if (o->u.shaped.rank != 4 || memcmp(o->u.shaped.dims, od, sizeof od) || o->u.shaped.elem != x->u.shaped.elem)
    return st_graph_type_error(op, d, "expects offset of shape (N, offset_group * 2 * kH * kW, oH, oW)", o);
  if (st_graph_has_operand(op, 3)) {
    const st_type *b = st_op_operand(op, 3)->type;
    if (b->u.shaped.rank != 1 || b->u.shaped.dims[0] != g->M) return st_graph_type_error(op, d, "expects a bias (M)", b);
  }
  if (st_graph_has_operand(op, 4)) {
    const st_type *m = st_op_operand(op, 4)->type;
    const st_dim md[4] = {g->N, g->ogroup * g->kh * g->kw, g->oh, g->ow};
    if (m->u.shaped.rank != 4 || memcmp(m->u.shaped.dims, md, sizeof md))
      return st_graph_type_error(op, d, "expects mask of shape (N, offset_group * kH * kW, oH, oW)", m);
  }
  return true;
}

static bool st_dc_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 3, d) || op->num_operands > 5) {
    st_diag_error(d, op->loc, "'graph.deform_conv' op takes 3 to 5 operands");
    return false;
  }
  for (unsigned i = 0; i < op->num_operands; i++)
    if (st_graph_has_operand(op, i) && !st_graph_expect_tensor(op, i, d)) return false;
  st_dc g;
  if (!st_dc_geom(op, &g, d)) return false;
  st_dim dims[4] = {g.N, g.M, g.oh, g.ow};
  results[0] = st_type_tensor(ctx, st_type_elem(st_op_operand(op, 0)->type), 4, dims);
  return true;
}

/* Bilinear sample of plane p (H x W) at (y, x); corners outside are 0. */
static double st_dc_sample(const st_type *e, const void *data, int64_t p, int64_t H, int64_t W, double y, double x) {
  if (!(y > -1 && y < (double)H && x > -1 && x < (double)W)) return 0;
  int64_t y0 = (int64_t)floor(y), x0 = (int64_t)floor(x), y1 = y0 + 1, x1 = x0 + 1;
  double ly = y - (double)y0, lx = x - (double)x0, v = 0;
  if (y0 >= 0 && x0 >= 0) v += (1 - ly) * (1 - lx) * st_elem_load_f(e, data, (p * H + y0) * W + x0);
  if (y0 >= 0 && x1 < W) v += (1 - ly) * lx * st_elem_load_f(e, data, (p * H + y0) * W + x1);
  if (y1 < H && x0 >= 0) v += ly * (1 - lx) * st_elem_load_f(e, data, (p * H + y1) * W + x0);
  if (y1 < H && x1 < W) v += ly * lx * st_elem_load_f(e, data, (p * H + y1) * W + x1);
  return v;
}

static bool st_dc_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_dc g;
  if (!st_dc_geom(op, &g, d)) return false;
  const st_type *e = st_type_elem(in[0].type);
  bool has_b = st_graph_has_operand(op, 3), has_m = st_graph_has_operand(op, 4);
  const st_conv_geom *cg = &g.conv;
  int64_t Cg = g.C / cg->group, Mg = g.M / cg->group, Co = g.C / g.ogroup, K = g.kh * g.kw, P = g.oh * g.ow;
  for (int64_t n = 0; n < g.N; n++)
    for (int64_t m = 0; m < g.M; m++)
      for (int64_t oy = 0; oy < g.oh; oy++)
        for (int64_t ox = 0; ox < g.ow; ox++) {
          double acc = has_b ? st_elem_load_f(st_type_elem(in[3].type), in[3].data, m) : 0;
          int64_t pix = oy * g.ow + ox;
          for (int64_t c = 0; c < Cg; c++) {
            int64_t ci = (m / Mg) * Cg + c, og = ci / Co;
            for (int64_t k = 0; k < K; k++) {
              int64_t ky = k / g.kw, kx = k % g.kw;
              int64_t oi = ((n * g.ogroup + og) * 2 * K + 2 * k) * P + pix;
              double y = (double)(oy * cg->strides[0] - cg->pads[0] + ky * cg->dilations[0]) +
                         st_elem_load_f(e, in[2].data, oi);
              double x = (double)(ox * cg->strides[1] - cg->pads[1] + kx * cg->dilations[1]) +
                         st_elem_load_f(e, in[2].data, oi + P);
              double mask = has_m ? st_elem_load_f(st_type_elem(in[4].type), in[4].data, ((n * g.ogroup + og) * K + k) * P + pix) : 1;
              double v = st_dc_sample(e, in[0].data, n * g.C + ci, g.H, g.W, y, x);
              acc += st_elem_load_f(e, in[1].data, (m * Cg + c) * K + k) * mask * v;
            }
          }
          st_elem_store_f(e, out[0].data, ((n * g.M + m) * g.oh + oy) * g.ow + ox, acc);
        }
  return true;
}

/* ---- graph.roi_align: X (N, C, H, W), rois (R, 4), batch_indices (R) ---- */

static bool st_ra_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  for (unsigned i = 0; i < 3; i++)
    if (!st_graph_expect_tensor(op, i, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type, *r = st_op_operand(op, 1)->type, *b = st_op_operand(op, 2)->type;
  if (x->u.shaped.rank != 4 || !st_type_is_float(x->u.shaped.elem))
    return st_graph_type_error(op, d, "expects a float input (N, C, H, W)", x);
  if (r->u.shaped.rank != 2 || r->u.shaped.dims[1] != 4 || !st_type_is_float(r->u.shaped.elem))
    return st_graph_type_error(op, d, "expects rois of shape (num_rois, 4)", r);
  if (b->u.shaped.rank != 1 || b->u.shaped.dims[0] != r->u.shaped.dims[0] || !st_type_is_int(b->u.shaped.elem))
    return st_graph_type_error(op, d, "expects integer batch_indices of shape (num_rois)", b);
  int64_t oh = st_op_attr_int(op, "output_height", 1), ow = st_op_attr_int(op, "output_width", 1);
  const char *mode = st_op_attr_str(op, "mode"), *ct = st_op_attr_str(op, "coordinate_transformation_mode");
  if (oh <= 0 || ow <= 0 || st_op_attr_int(op, "sampling_ratio", 0) < 0 || (mode && strcmp(mode, "avg") && strcmp(mode, "max")) ||
      (ct && strcmp(ct, "half_pixel") && strcmp(ct, "output_half_pixel"))) {
    st_diag_error(d, op->loc, "'graph.roi_align' op needs positive output sizes, sampling_ratio >= 0, mode avg/max "
                  "and coordinate_transformation_mode half_pixel/output_half_pixel");
    return false;
  }
  st_dim dims[4] = {r->u.shaped.dims[0], x->u.shaped.dims[1], oh, ow};
  results[0] = st_type_tensor(ctx, x->u.shaped.elem, 4, dims);
  return true;
}

/* Averages (or takes the max of) grid samples per output bin; a sample's
 * value is the bilinear blend of its four neighbours, each weighted term
 * kept apart for max mode as the ONNX reference does. */
static bool st_ra_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *e = st_type_elem(in[0].type), *re = st_type_elem(in[1].type), *oe = st_type_elem(out[0].type);
  const st_dim *xd = in[0].type->u.shaped.dims, *od = out[0].type->u.shaped.dims;
  int64_t N = xd[0], C = xd[1], H = xd[2], W = xd[3], R = od[0], OH = od[2], OW = od[3];
  int64_t sr = st_op_attr_int(op, "sampling_ratio", 0);
  double scale = st_op_attr_float(op, "spatial_scale", 1.0);
  const char *mode = st_op_attr_str(op, "mode"), *ct = st_op_attr_str(op, "coordinate_transformation_mode");
  bool is_max = mode && !strcmp(mode, "max"), half = !ct || !strcmp(ct, "half_pixel");
  double off = half ? 0.5 : 0;
  for (int64_t r = 0; r < R; r++) {
    int64_t n = st_elem_load_i(st_type_elem(in[2].type), in[2].data, r);
    if (n < 0 || n >= N) {
      st_diag_error(d, op->loc, "'graph.roi_align' op batch index %" PRId64 " of roi %" PRId64 " is outside [0, %" PRId64 ")",
                    n, r, N);
      return false;
    }
    double x0 = st_elem_load_f(re, in[1].data, r * 4) * scale - off, y0 = st_elem_load_f(re, in[1].data, r * 4 + 1) * scale - off;
    double rw = st_elem_load_f(re, in[1].data, r * 4 + 2) * scale - off - x0;
    double rh = st_elem_load_f(re, in[1].data, r * 4 + 3) * scale - off - y0;
    if (!half) {
      rw = rw > 1 ? rw : 1;
      rh = rh > 1 ? rh : 1;
    }
    double bh = rh / (double)OH, bw = rw / (double)OW;
    int64_t gh = sr > 0 ? sr : (int64_t)ceil(rh / (double)OH), gw = sr > 0 ? sr : (int64_t)ceil(rw / (double)OW);
    if (gh < 0 || gh > 1 << 16 || gw < 0 || gw > 1 << 16) {
      st_diag_error(d, op->loc, "'graph.roi_align' op roi %" PRId64 " needs an absurd sampling grid", r);
      return false;
    }
    double count = gh * gw > 0 ? (double)(gh * gw) : 1;
    for (int64_t c = 0; c < C; c++)
      for (int64_t ph = 0; ph < OH; ph++)
        for (int64_t pw = 0; pw < OW; pw++) {
          double acc = 0;
          bool first = true;
          for (int64_t iy = 0; iy < gh; iy++)
            for (int64_t ix = 0; ix < gw; ix++) {
              double y = y0 + (double)ph * bh + ((double)iy + 0.5) * bh / (double)gh;
              double x = x0 + (double)pw * bw + ((double)ix + 0.5) * bw / (double)gw;
              double w[4] = {0}, v[4] = {0};
              if (!(y < -1.0 || y > (double)H || x < -1.0 || x > (double)W)) {
                y = y > 0 ? y : 0;
                x = x > 0 ? x : 0;
                int64_t yl = (int64_t)y, xl = (int64_t)x, yh = yl + 1, xh = xl + 1;
                if (yl >= H - 1) yh = yl = H - 1, y = (double)yl;
                if (xl >= W - 1) xh = xl = W - 1, x = (double)xl;
                double ly = y - (double)yl, lx = x - (double)xl;
                const int64_t base = (n * C + c) * H * W;
                w[0] = (1 - ly) * (1 - lx), w[1] = (1 - ly) * lx, w[2] = ly * (1 - lx), w[3] = ly * lx;
                v[0] = st_elem_load_f(e, in[0].data, base + yl * W + xl);
                v[1] = st_elem_load_f(e, in[0].data, base + yl * W + xh);
                v[2] = st_elem_load_f(e, in[0].data, base + yh * W + xl);
                v[3] = st_elem_load_f(e, in[0].data, base + yh * W + xh);
              }
              if (is_max) {
                double m = w[0] * v[0];
                for (int k = 1; k < 4; k++) m = w[k] * v[k] > m ? w[k] * v[k] : m;
                acc = first || m > acc ? m : acc;
                first = false;
              } else {
                acc += w[0] * v[0] + w[1] * v[1] + w[2] * v[2] + w[3] * v[3];
              }
            }
          st_elem_store_f(oe, out[0].data, ((r * C + c) * OH + ph) * OW + pw, is_max ? acc : acc / count);
        }
  }
  return true;
}

/* ---- graph.non_max_suppression: boxes, scores, [max_out], [iou_th], [score_th] ---- */

static bool st_nms_verify(st_op *op, st_diag *d) {
  if (!st_graph_min_operands(op, 2, d) || op->num_operands > 5 || op->num_results != 1) {
    st_diag_error(d, op->loc, "'graph.non_max_suppression' op takes 2 to 5 operands and has one result");
    return false;
  }
  if (!st_graph_expect_tensor(op, 0, d) || !st_graph_expect_tensor(op, 1, d)) return false;
  const st_type *b = st_op_operand(op, 0)->type, *s = st_op_operand(op, 1)->type, *r = op->results[0].type;
  if (b->u.shaped.rank != 3 || b->u.shaped.dims[2] != 4 || s->u.shaped.rank != 3 ||
      s->u.shaped.dims[0] != b->u.shaped.dims[0] || s->u.shaped.dims[2] != b->u.shaped.dims[1])
    return st_graph_type_error(op, d, "expects boxes (B, N, 4) and scores (B, C, N)", s);
  for (unsigned i = 2; i < op->num_operands; i++)
    if (st_graph_has_operand(op, i) && st_type_num_elements(st_op_operand(op, i)->type) != 1)
      return st_graph_type_error(op, d, "expects scalar max_output_boxes_per_class and thresholds", st_op_operand(op, i)->type);
  if (r->kind != ST_TY_TENSOR || r->u.shaped.rank != 2 || r->u.shaped.dims[1] != 3 || r->u.shaped.elem->kind != ST_TY_I64)
    return st_graph_type_error(op, d, "expects a result of type tensor<num_selected x 3 x i64>", r);
  return true;
}

/* Box i of batch b as (y1, x1, y2, x2) with y1 <= y2 and x1 <= x2. */
static void st_nms_box(const st_tensor *boxes, int64_t at, bool center, double *bx) {
  const st_type *e = st_type_elem(boxes->type);
  double v[4];
  for (int k = 0; k < 4; k++) v[k] = st_elem_load_f(e, boxes->data, at * 4 + k);
  if (center) {
    bx[0] = v[1] - v[3] / 2, bx[1] = v[0] - v[2] / 2, bx[2] = v[1] + v[3] / 2, bx[3] = v[0] + v[2] / 2;
    return;
  }
  bx[0] = fmin(v[0], v[2]), bx[1] = fmin(v[1], v[3]), bx[2] = fmax(v[0], v[2]), bx[3] = fmax(v[1], v[3]);
}

static double st_nms_iou(const double *a, const double *b) {
  double ih = fmin(a[2], b[2]) - fmax(a[0], b[0]), iw = fmin(a[3], b[3]) - fmax(a[1], b[1]);
  if (ih <= 0 || iw <= 0) return 0;
  double inter = ih * iw, uni = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return uni > 0 ? inter / uni : 0;
}

/* Per batch and class: candidates above score_threshold by descending
 * score (ties by index), each kept unless its IoU with a kept box exceeds
 * iou_threshold, at most max_output_boxes_per_class. */
static bool st_nms_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_dim *sd = in[1].type->u.shaped.dims;
  int64_t B = sd[0], C = sd[1], N = sd[2], limit = 0, cap = out[0].type->u.shaped.dims[0], got = 0;
  double iou_th = 0, score_th = -INFINITY;
  if (st_graph_has_operand(op, 2)) limit = st_elem_load_i(st_type_elem(in[2].type), in[2].data, 0);
  if (st_graph_has_operand(op, 3)) iou_th = st_elem_load_f(st_type_elem(in[3].type), in[3].data, 0);
  if (st_graph_has_operand(op, 4)) score_th = st_elem_load_f(st_type_elem(in[4].type), in[4].data, 0);
  bool center = st_op_attr_int(op, "center_point_box", 0) != 0;
  int64_t *order = malloc((size_t)(N ? N : 1) * sizeof *order), *kept = malloc((size_t)(N ? N : 1) * sizeof *kept);
  double *sc = st_graph_scratch(op, N ? N : 1, d);
  if (!order || !kept || !sc) {
    free(order), free(kept), free(sc);
    return sc ? st_graph_oom(op, d) : false;
  }
  int64_t *res = out[0].data;
  for (int64_t b = 0; b < B; b++)
    for (int64_t c = 0; c < C; c++) {
      int64_t n = 0, nk = 0;
      for (int64_t i = 0; i < N; i++) {
        sc[i] = st_elem_load_f(st_type_elem(in[1].type), in[1].data, (b * C + c) * N + i);
        if (sc[i] > score_th) order[n++] = i;
      }
      for (int64_t i = 1; i < n; i++) /* insertion sort: stable, N is small */
        for (int64_t j = i; j > 0 && sc[order[j]] > sc[order[j - 1]]; j--) {
          int64_t t = order[j];
          order[j] = order[j - 1], order[j - 1] = t;
        }
      for (int64_t i = 0; i < n && nk < limit; i++) {
        double a[4], o[4];
        st_nms_box(&in[0], b * N + order[i], center, a);
        bool keep = true;
        for (int64_t k = 0; k < nk && keep; k++) {
          st_nms_box(&in[0], b * N + kept[k], center, o);
          keep = !(st_nms_iou(a, o) > iou_th);
        }
        if (!keep) continue;
        kept[nk++] = order[i];
        if (got < cap) res[got * 3] = b, res[got * 3 + 1] = c, res[got * 3 + 2] = order[i];
        got++;
      }
    }
  free(order), free(kept), free(sc);
  if (got != cap) {
    st_diag_error(d, op->loc, "'graph.non_max_suppression' op selects %" PRId64 " boxes but its result type holds %" PRId64
                  " (the model's declared shape does not fit this input)", got, cap);
    return false;
  }
  return true;
}

const st_op_def st_graph_deform_conv_def = {
    .name = "graph.deform_conv", .summary = "2-D deformable convolution (offsets, optional mask; strides, pads, dilations, group, offset_group)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_dc_infer, .interpret = st_dc_interp,
    .lower = st_graph_lower_deform_conv,
};
const st_op_def st_graph_roi_align_def = {
    .name = "graph.roi_align", .summary = "bilinear avg/max pooling of regions of interest (output_height/width, sampling_ratio, spatial_scale)",
    .num_operands = 3, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_ra_infer, .interpret = st_ra_interp, .lower = st_graph_lower_roi_align,
};
const st_op_def st_graph_non_max_suppression_def = {
    .name = "graph.non_max_suppression", .summary = "greedy per-class box selection -> (batch, class, box) rows; shape as typed",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .verify = st_nms_verify, .interpret = st_nms_interp, .lower = st_graph_lower_nms,
};
