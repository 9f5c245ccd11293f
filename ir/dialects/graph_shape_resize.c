/* graph.resize: ONNX Resize (X, roi?, scales?, sizes?) in modes nearest,
 * linear and cubic, with every coordinate_transformation_mode, nearest_mode,
 * exclude_outside, antialias, axes and keep_aspect_ratio_policy.
 *
 * Interpolation is separable: each resized dim gets a table that maps an
 * output coordinate to a few input positions and weights (the "taps"), built
 * the way the ONNX reference builds its 1-D coefficients (edge-clamped
 * neighbours, a ratio of 1 rather than 0 on integer coordinates); an output
 * element is the sum over the product of its dims' taps.  The plan, config
 * and taps live in graph_resize_plan.c, shared with the lower hook.  Old forms (Resize
 * 10 and Upsample) are built as this op by the importer's hooks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_resize_plan.h"
#include "ir/dialects/graph_shape.h"
#include "ir/elem.h"

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
  if (!st_resize_make_plan(op, NULL, true, &p, d)) return false;
  results[0] = st_type_tensor(ctx, st_op_operand(op, 0)->type->u.shaped.elem, p.rank, p.out);
  return true;
}

static void st_resize_eval(const st_resize_cfg *c, const st_resize_taps *taps, const st_tensor *in, st_tensor *out) {
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
  if (!st_resize_make_plan(op, in, true, &p, d)) return false;
  const st_type *ot = out[0].type;
  if (ot->u.shaped.rank != p.rank || memcmp(ot->u.shaped.dims, p.out, p.rank * sizeof *p.out))
    return st_graph_type_error(op, d, "has scales or sizes unlike its result", ot);
  st_resize_cfg c;
  st_resize_make_cfg(op, &c);
  st_resize_taps taps[ST_MAX_RANK] = {{0}};
  bool ok = true;
  for (unsigned k = 0; k < p.rank && ok; k++)
    ok = st_resize_make_taps(&c, p.scale[k], in[0].type->u.shaped.dims[k], p.out[k], p.roi_lo[k], p.roi_hi[k], &taps[k]);
  if (ok) st_resize_eval(&c, taps, &in[0], &out[0]);
  else st_diag_error(d, op->loc, "'graph.resize' op out of memory or scale too small for antialiasing");
  for (unsigned k = 0; k < p.rank; k++) st_resize_taps_free(&taps[k]);
  return ok;
}

const st_op_def st_graph_resize_def = {
    .name = "graph.resize", .summary = "resizes (X, roi?, scales?, sizes?) by nearest, linear or cubic interpolation",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .shape_operands = 0x7u << 1, /* roi, scales, sizes */
    .infer_types = st_resize_infer, .interpret = st_resize_interp,
    .lower = st_graph_lower_resize,
};
