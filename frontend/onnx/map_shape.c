/* Mapping rows of the shape family (ir/dialects/graph_shape*.c): shape
 * queries, movement, slicing and padding, gathers and scatters, sorting
 * and resizing.
 *
 * The graph ops follow the newest opsets, where shapes, axes, pads and
 * counts are inputs.  Older forms carried them as attributes; their hooks
 * turn the attribute into a constant operand (Unsqueeze/Squeeze before 13,
 * Slice before 10, Split before 13, Pad before 11, TopK before 10) and drop
 * it.  Upsample and Resize-10 become graph.resize with the asymmetric
 * coordinates and floor rounding they were defined with; Scatter is
 * ScatterElements under its old name; Concat before 4 defaulted axis to 1. */
#include <string.h>

#include "frontend/onnx/onnx_hooks.h"
#include "ir/dialects/graph_shape.h"
#include "ir/elem.h"

static bool st_shape_map_result(st_op *op, st_value **outputs) {
  if (!op) return false;
  for (unsigned i = 0; i < op->num_results; i++) outputs[i] = st_op_result(op, i);
  return true;
}

static bool st_shape_map_need_input(const st_onnx_node *node, st_diag *d) {
  if (node->num_inputs >= 1 && node->inputs[0]) return true;
  st_diag_error(d, node->loc, "%s node %s needs a data input", node->op_type, node->name);
  return false;
}

/* A constant 1-D tensor of `elem` holding v[0..n) (converted). */
static st_value *st_shape_map_const(st_onnx_importer *im, const st_type *elem, const double *v, unsigned n) {
  st_module *m = st_onnx_module(im);
  st_dim dim = n;
  const st_type *t = st_type_tensor(m->ctx, elem, 1, &dim);
  size_t esz = st_dense_elem_size(elem);
  unsigned char buf[ST_SHAPE_MAX_INTS * 8];
  if (n > ST_SHAPE_MAX_INTS) return NULL;
  /* st_elem_store_f truncates to integer types, clamping out-of-range and NaN
   * values (a file's float attribute may hold anything). */
  for (unsigned i = 0; i < n; i++) st_elem_store_f(elem, buf, i, v[i]);
  return st_onnx_constant(im, st_attr_dense(m, t, buf, esz * n, false));
}

static st_value *st_shape_map_ints(st_onnx_importer *im, const int64_t *v, unsigned n) {
  st_module *m = st_onnx_module(im);
  st_dim dim = n;
  const st_type *t = st_type_tensor(m->ctx, st_type_scalar(m->ctx, ST_TY_I64), 1, &dim);
  return st_onnx_constant(im, st_attr_dense(m, t, v, sizeof *v * n, false));
}

/* Reads INTS attribute `name` into a constant operand; *present false when
 * the node leaves it out. */
static bool st_shape_map_attr_ints(st_onnx_importer *im, const st_onnx_node *node, const char *name, st_value **out,
                                   bool *present, st_diag *d) {
  int64_t v[ST_SHAPE_MAX_INTS];
  int n = st_onnx_attr_ints(node, name, v, ST_SHAPE_MAX_INTS);
  *present = n >= 0;
  *out = NULL;
  if (n < 0) return true;
  if (n > ST_SHAPE_MAX_INTS) {
    st_diag_error(d, node->loc, "%s node %s: attribute '%s' has too many entries", node->op_type, node->name, name);
    return false;
  }
  return (*out = st_shape_map_ints(im, v, (unsigned)n)) != NULL;
}

/* Data input plus the attribute `name` as operand 1 (dropped when absent and
 * optional). */
static bool st_shape_map_attr_operand(st_onnx_importer *im, const st_onnx_node *node, const st_op_def *def,
                                      const char *name, bool required, st_value **outputs, st_diag *d) {
  st_value *ops[2] = {node->num_inputs ? node->inputs[0] : NULL, NULL};
  bool present;
  if (!st_shape_map_need_input(node, d) || !st_shape_map_attr_ints(im, node, name, &ops[1], &present, d)) return false;
  if (!present && required) {
    st_diag_error(d, node->loc, "%s node %s needs attribute '%s'", node->op_type, node->name, name);
    return false;
  }
  const st_named_attr drop[] = {{name, NULL}};
  return st_shape_map_result(st_onnx_build(im, node, def, present ? 2 : 1, ops, 1, drop, d), outputs);
}

static bool st_import_unsqueeze_v1(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  return st_shape_map_attr_operand(im, node, &st_graph_unsqueeze_def, "axes", true, outputs, d);
}

static bool st_import_squeeze_v1(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  return st_shape_map_attr_operand(im, node, &st_graph_squeeze_def, "axes", false, outputs, d);
}

static bool st_import_split_v1(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  if (node->num_inputs >= 2 && node->inputs[1]) { /* Split-1 could take split as an input already */
    st_value *ops[2] = {node->inputs[0], node->inputs[1]};
    return st_shape_map_result(st_onnx_build(im, node, &st_graph_split_def, 2, ops, 0, NULL, d), outputs);
  }
  return st_shape_map_attr_operand(im, node, &st_graph_split_def, "split", false, outputs, d);
}

static bool st_import_top_k_v1(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  int64_t k;
  if (!st_shape_map_need_input(node, d)) return false;
  if (!st_onnx_attr_int(node, "k", &k)) {
    st_diag_error(d, node->loc, "TopK node %s needs attribute 'k'", node->name);
    return false;
  }
  st_value *ops[2] = {node->inputs[0], st_shape_map_ints(im, &k, 1)};
  const st_named_attr drop[] = {{"k", NULL}};
  return ops[1] && st_shape_map_result(st_onnx_build(im, node, &st_graph_top_k_def, 2, ops, 1, drop, d), outputs);
}

/* Slice-1: starts, ends and optional axes attributes. */
static bool st_import_slice_v1(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  st_value *ops[4] = {node->num_inputs ? node->inputs[0] : NULL, NULL, NULL, NULL};
  bool has_starts, has_ends, has_axes;
  if (!st_shape_map_need_input(node, d) || !st_shape_map_attr_ints(im, node, "starts", &ops[1], &has_starts, d) ||
      !st_shape_map_attr_ints(im, node, "ends", &ops[2], &has_ends, d) ||
      !st_shape_map_attr_ints(im, node, "axes", &ops[3], &has_axes, d))
    return false;
  if (!has_starts || !has_ends) {
    st_diag_error(d, node->loc, "Slice node %s (opset < 10) needs attributes 'starts' and 'ends'", node->name);
    return false;
  }
  const st_named_attr drop[] = {{"starts", NULL}, {"ends", NULL}, {"axes", NULL}};
  return st_shape_map_result(st_onnx_build(im, node, &st_graph_slice_def, has_axes ? 4 : 3, ops, 3, drop, d), outputs);
}

/* Pad-1/2: pads (Pad-1 called them paddings) and value are attributes. */
static bool st_import_pad_v2(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  st_value *ops[3] = {node->num_inputs ? node->inputs[0] : NULL, NULL, NULL};
  bool has_pads;
  const char *name = st_onnx_attr_ints(node, "pads", NULL, 0) >= 0 ? "pads" : "paddings";
  if (!st_shape_map_need_input(node, d) || !st_shape_map_attr_ints(im, node, name, &ops[1], &has_pads, d)) return false;
  if (!has_pads) {
    st_diag_error(d, node->loc, "Pad node %s (opset < 11) needs attribute 'pads'", node->name);
    return false;
  }
  float value = 0;
  st_onnx_attr_float(node, "value", &value);
  double v = value;
  if (!(ops[2] = st_shape_map_const(im, st_type_elem(ops[0]->type), &v, 1))) return false;
  const st_named_attr drop[] = {{"pads", NULL}, {"paddings", NULL}, {"value", NULL}};
  return st_shape_map_result(st_onnx_build(im, node, &st_graph_pad_def, 3, ops, 3, drop, d), outputs);
}

/* Upsample-7/9 and Resize-10: X and scales (an attribute in Upsample-7),
 * output coordinate x reads input x / scale, rounded down in nearest mode. */
static bool st_import_upsample(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  st_module *m = st_onnx_module(im);
  if (!st_shape_map_need_input(node, d)) return false;
  st_value *ops[3] = {node->inputs[0], st_shape_map_const(im, st_type_scalar(m->ctx, ST_TY_F32), NULL, 0), NULL};
  if (node->num_inputs >= 2 && node->inputs[1]) {
    ops[2] = node->inputs[1];
  } else {
    const st_attr *a = NULL;
    st_named_attr attrs[32];
    unsigned n = st_onnx_node_attrs(im, node, attrs, 32);
    for (unsigned i = 0; i < n; i++)
      if (!strcmp(attrs[i].name, "scales")) a = attrs[i].attr;
    double v[ST_MAX_RANK];
    if (!a || a->kind != ST_ATTR_ARRAY || a->u.array.n > ST_MAX_RANK) {
      st_diag_error(d, node->loc, "%s node %s needs scales", node->op_type, node->name);
      return false;
    }
    for (unsigned i = 0; i < a->u.array.n; i++) {
      const st_attr *e = a->u.array.elems[i];
      v[i] = e->kind == ST_ATTR_FLOAT ? e->u.f : (double)e->u.i;
    }
    ops[2] = st_shape_map_const(im, st_type_scalar(m->ctx, ST_TY_F32), v, a->u.array.n);
  }
  if (!ops[1] || !ops[2]) return false;
  const char *mode = st_onnx_attr_string(im, node, "mode");
  const char *asym = "asymmetric", *floor_mode = "floor";
  const st_named_attr extra[] = {
      {"scales", NULL},
      {"coordinate_transformation_mode", st_attr_string(m, asym, strlen(asym))},
      {"nearest_mode", st_attr_string(m, floor_mode, strlen(floor_mode))},
      {"mode", mode && !strcmp(mode, "bilinear") ? st_attr_string(m, "linear", 6) : NULL},
  };
  unsigned nextra = mode && !strcmp(mode, "bilinear") ? 4 : 3;
  return st_shape_map_result(st_onnx_build(im, node, &st_graph_resize_def, 3, ops, nextra, extra, d), outputs);
}

/* Concat-1: axis was optional and defaulted to 1. */
static bool st_import_concat_v1(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  int64_t axis;
  const st_named_attr extra[] = {{"axis", st_attr_int(st_onnx_module(im), NULL, 1)}};
  bool has = st_onnx_attr_int(node, "axis", &axis);
  for (unsigned i = 0; i < node->num_inputs; i++)
    if (!node->inputs[i]) {
      st_diag_error(d, node->loc, "Concat node %s has an empty input", node->name);
      return false;
    }
  return st_shape_map_result(st_onnx_build(im, node, &st_graph_concat_def, node->num_inputs, node->inputs, has ? 0 : 1,
                                           extra, d),
                             outputs);
}

static const st_onnx_op_map st_shape_rows[] = {
    {"Shape", "", 1, &st_graph_shape_def, NULL},
    {"Size", "", 1, &st_graph_size_def, NULL},
    {"Concat", "", 1, &st_graph_concat_def, st_import_concat_v1},
    {"Concat", "", 4, &st_graph_concat_def, NULL},
    {"Unsqueeze", "", 1, &st_graph_unsqueeze_def, st_import_unsqueeze_v1},
    {"Unsqueeze", "", 13, &st_graph_unsqueeze_def, NULL},
    {"Squeeze", "", 1, &st_graph_squeeze_def, st_import_squeeze_v1},
    {"Squeeze", "", 13, &st_graph_squeeze_def, NULL},
    {"Flatten", "", 1, &st_graph_flatten_def, NULL},
    {"Slice", "", 1, &st_graph_slice_def, st_import_slice_v1},
    {"Slice", "", 10, &st_graph_slice_def, NULL},
    {"Expand", "", 8, &st_graph_expand_def, NULL},
    {"ConstantOfShape", "", 9, &st_graph_constant_of_shape_def, NULL},
    {"Range", "", 11, &st_graph_range_def, NULL},
    {"Tile", "", 6, &st_graph_tile_def, NULL},
    {"Split", "", 1, &st_graph_split_def, st_import_split_v1},
    {"Split", "", 13, &st_graph_split_def, NULL},
    {"Pad", "", 1, &st_graph_pad_def, st_import_pad_v2},
    {"Pad", "", 11, &st_graph_pad_def, NULL},
    {"CenterCropPad", "", 18, &st_graph_center_crop_pad_def, NULL},
    {"Trilu", "", 14, &st_graph_trilu_def, NULL},
    {"EyeLike", "", 9, &st_graph_eye_like_def, NULL},
    {"DepthToSpace", "", 1, &st_graph_depth_to_space_def, NULL},
    {"SpaceToDepth", "", 1, &st_graph_space_to_depth_def, NULL},
    {"Gather", "", 1, &st_graph_gather_def, NULL},
    {"GatherElements", "", 11, &st_graph_gather_elements_def, NULL},
    {"GatherND", "", 11, &st_graph_gather_nd_def, NULL},
    {"ScatterND", "", 11, &st_graph_scatter_nd_def, NULL},
    {"ScatterElements", "", 11, &st_graph_scatter_elements_def, NULL},
    {"Scatter", "", 9, &st_graph_scatter_elements_def, NULL},
    {"OneHot", "", 9, &st_graph_one_hot_def, NULL},
    {"CumSum", "", 11, &st_graph_cum_sum_def, NULL},
    {"CumProd", "", 26, &st_graph_cum_prod_def, NULL},
    {"ReverseSequence", "", 10, &st_graph_reverse_sequence_def, NULL},
    {"Compress", "", 9, &st_graph_compress_def, NULL},
    {"NonZero", "", 9, &st_graph_non_zero_def, NULL},
    {"TopK", "", 1, &st_graph_top_k_def, st_import_top_k_v1},
    {"TopK", "", 10, &st_graph_top_k_def, NULL},
    {"ArgMax", "", 1, &st_graph_arg_max_def, NULL},
    {"ArgMin", "", 1, &st_graph_arg_min_def, NULL},
    {"Upsample", "", 7, &st_graph_resize_def, st_import_upsample},
    {"Resize", "", 10, &st_graph_resize_def, st_import_upsample},
    {"Resize", "", 11, &st_graph_resize_def, NULL},
};

const st_onnx_map_group st_onnx_map_shape = ST_ONNX_MAP_GROUP(st_shape_rows);
