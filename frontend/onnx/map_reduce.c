/* Mapping rows of the reduce family (ir/dialects/graph_reduce*.c):
 * reductions, softmax, normalisations, losses and quantisation.
 *
 * Two older forms differ from the graph ops, and their hooks build the
 * newest form: Reduce* before opset 18 (ReduceSum before 13) took `axes` as
 * an attribute, which becomes a constant operand; Softmax, LogSoftmax and
 * Hardmax before opset 13 worked on the input flattened to 2-D at `axis`
 * (default 1), which becomes reshape -> op on axis 1 -> reshape back.
 * GroupNormalization-18's per-group scale needs no hook: the graph op tells
 * it from a per-channel scale by its shape.  Attributes that later opsets
 * dropped (consumed_inputs, is_test, spatial) ride along unused. */
#include "frontend/onnx/onnx_hooks.h"
#include "ir/dialects/graph_reduce.h"

enum { ST_REDUCE_MAP_MAX_AXES = 64 };

static bool st_reduce_map_result(st_op *op, st_value **outputs) {
  if (!op) return false;
  outputs[0] = st_op_result(op, 0);
  return true;
}

/* Reduce*-1/11/13: the `axes` attribute (absent = all axes) becomes the
 * second operand. */
static bool st_reduce_attr_axes(st_onnx_importer *im, const st_onnx_node *node, const st_op_def *def,
                                st_value **outputs, st_diag *d) {
  if (node->num_inputs < 1 || !node->inputs[0]) {
    st_diag_error(d, node->loc, "%s node %s needs a data input", node->op_type, node->name);
    return false;
  }
  int64_t axes[ST_REDUCE_MAP_MAX_AXES];
  int n = st_onnx_attr_ints(node, "axes", axes, ST_REDUCE_MAP_MAX_AXES);
  if (n > ST_REDUCE_MAP_MAX_AXES) {
    st_diag_error(d, node->loc, "%s node %s has more than %d axes", node->op_type, node->name, ST_REDUCE_MAP_MAX_AXES);
    return false;
  }
  st_value *ops[2] = {node->inputs[0], NULL};
  if (n > 0) {
    st_module *m = st_onnx_module(im);
    st_dim dim = n;
    const st_type *t = st_type_tensor(m->ctx, st_type_scalar(m->ctx, ST_TY_I64), 1, &dim);
    if (!(ops[1] = st_onnx_constant(im, st_attr_dense(m, t, axes, sizeof(int64_t) * (size_t)n, false)))) return false;
  }
  const st_named_attr drop[] = {{"axes", NULL}};
  return st_reduce_map_result(st_onnx_build(im, node, def, n > 0 ? 2 : 1, ops, 1, drop, d), outputs);
}

#define ST_REDUCE_ATTR_HOOK(fn, def)                                                                 \
  static bool fn(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) { \
    return st_reduce_attr_axes(im, node, &def, outputs, d);                                          \
  }
ST_REDUCE_ATTR_HOOK(st_import_reduce_sum_v1, st_graph_reduce_sum_def)
ST_REDUCE_ATTR_HOOK(st_import_reduce_mean_v1, st_graph_reduce_mean_def)
ST_REDUCE_ATTR_HOOK(st_import_reduce_max_v1, st_graph_reduce_max_def)
ST_REDUCE_ATTR_HOOK(st_import_reduce_min_v1, st_graph_reduce_min_def)
ST_REDUCE_ATTR_HOOK(st_import_reduce_prod_v1, st_graph_reduce_prod_def)
ST_REDUCE_ATTR_HOOK(st_import_reduce_l1_v1, st_graph_reduce_l1_def)
ST_REDUCE_ATTR_HOOK(st_import_reduce_l2_v1, st_graph_reduce_l2_def)
ST_REDUCE_ATTR_HOOK(st_import_reduce_log_sum_v1, st_graph_reduce_log_sum_def)
ST_REDUCE_ATTR_HOOK(st_import_reduce_log_sum_exp_v1, st_graph_reduce_log_sum_exp_def)
ST_REDUCE_ATTR_HOOK(st_import_reduce_sum_square_v1, st_graph_reduce_sum_square_def)

/* Softmax-1/11 and friends: the input seen as a matrix whose rows are the
 * dims before `axis` and whose columns are the rest. */
static bool st_softmax_2d(st_onnx_importer *im, const st_onnx_node *node, const st_op_def *def, st_value **outputs,
                          st_diag *d) {
  st_value *x = node->num_inputs ? node->inputs[0] : NULL;
  if (!x || x->type->kind != ST_TY_TENSOR || !st_type_has_static_shape(x->type)) {
    st_diag_error(d, node->loc, "%s node %s (opset < 13) needs a tensor input of static shape", node->op_type, node->name);
    return false;
  }
  const st_type *t = x->type;
  int64_t axis = 1, rank = t->u.shaped.rank;
  st_onnx_attr_int(node, "axis", &axis);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) {
    st_diag_error(d, node->loc, "%s node %s: axis out of range for rank %lld", node->op_type, node->name, (long long)rank);
    return false;
  }
  st_dim mat[2] = {1, 1};
  for (int64_t i = 0; i < rank; i++) mat[i < axis ? 0 : 1] *= t->u.shaped.dims[i];
  st_module *m = st_onnx_module(im);
  const st_named_attr extra[] = {{"axis", st_attr_int(m, st_type_scalar(m->ctx, ST_TY_I64), 1)}};
  st_value *flat = st_onnx_reshape(im, node, x, 2, mat, d);
  st_op *op = flat ? st_onnx_build(im, node, def, 1, &flat, 1, extra, d) : NULL;
  st_value *y = op ? st_onnx_reshape(im, node, st_op_result(op, 0), t->u.shaped.rank, t->u.shaped.dims, d) : NULL;
  outputs[0] = y;
  return y != NULL;
}

static bool st_import_softmax_v1(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  return st_softmax_2d(im, node, &st_graph_softmax_def, outputs, d);
}
static bool st_import_log_softmax_v1(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  return st_softmax_2d(im, node, &st_graph_log_softmax_def, outputs, d);
}
static bool st_import_hardmax_v1(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  return st_softmax_2d(im, node, &st_graph_hardmax_def, outputs, d);
}

static const st_onnx_op_map st_onnx_reduce_rows[] = {
    {"ReduceSum", "", 1, &st_graph_reduce_sum_def, st_import_reduce_sum_v1},
    {"ReduceSum", "", 13, &st_graph_reduce_sum_def, NULL},
    {"ReduceMean", "", 1, &st_graph_reduce_mean_def, st_import_reduce_mean_v1},
    {"ReduceMean", "", 18, &st_graph_reduce_mean_def, NULL},
    {"ReduceMax", "", 1, &st_graph_reduce_max_def, st_import_reduce_max_v1},
    {"ReduceMax", "", 18, &st_graph_reduce_max_def, NULL},
    {"ReduceMin", "", 1, &st_graph_reduce_min_def, st_import_reduce_min_v1},
    {"ReduceMin", "", 18, &st_graph_reduce_min_def, NULL},
    {"ReduceProd", "", 1, &st_graph_reduce_prod_def, st_import_reduce_prod_v1},
    {"ReduceProd", "", 18, &st_graph_reduce_prod_def, NULL},
    {"ReduceL1", "", 1, &st_graph_reduce_l1_def, st_import_reduce_l1_v1},
    {"ReduceL1", "", 18, &st_graph_reduce_l1_def, NULL},
    {"ReduceL2", "", 1, &st_graph_reduce_l2_def, st_import_reduce_l2_v1},
    {"ReduceL2", "", 18, &st_graph_reduce_l2_def, NULL},
    {"ReduceLogSum", "", 1, &st_graph_reduce_log_sum_def, st_import_reduce_log_sum_v1},
    {"ReduceLogSum", "", 18, &st_graph_reduce_log_sum_def, NULL},
    {"ReduceLogSumExp", "", 1, &st_graph_reduce_log_sum_exp_def, st_import_reduce_log_sum_exp_v1},
    {"ReduceLogSumExp", "", 18, &st_graph_reduce_log_sum_exp_def, NULL},
    {"ReduceSumSquare", "", 1, &st_graph_reduce_sum_square_def, st_import_reduce_sum_square_v1},
    {"ReduceSumSquare", "", 18, &st_graph_reduce_sum_square_def, NULL},
    {"Softmax", "", 1, &st_graph_softmax_def, st_import_softmax_v1},
    {"Softmax", "", 13, &st_graph_softmax_def, NULL},
    {"LogSoftmax", "", 1, &st_graph_log_softmax_def, st_import_log_softmax_v1},
    {"LogSoftmax", "", 13, &st_graph_log_softmax_def, NULL},
    {"Hardmax", "", 1, &st_graph_hardmax_def, st_import_hardmax_v1},
    {"Hardmax", "", 13, &st_graph_hardmax_def, NULL},
    {"LayerNormalization", "", 17, &st_graph_layer_normalization_def, NULL},
    {"RMSNormalization", "", 23, &st_graph_rms_normalization_def, NULL},
    {"BatchNormalization", "", 1, &st_graph_batch_normalization_def, NULL},
    {"InstanceNormalization", "", 1, &st_graph_instance_normalization_def, NULL},
    {"GroupNormalization", "", 18, &st_graph_group_normalization_def, NULL},
    {"LpNormalization", "", 1, &st_graph_lp_normalization_def, NULL},
    {"MeanVarianceNormalization", "", 9, &st_graph_mean_variance_normalization_def, NULL},
    {"LRN", "", 1, &st_graph_lrn_def, NULL},
    {"NegativeLogLikelihoodLoss", "", 12, &st_graph_negative_log_likelihood_loss_def, NULL},
    {"SoftmaxCrossEntropyLoss", "", 12, &st_graph_softmax_cross_entropy_loss_def, NULL},
    {"QuantizeLinear", "", 10, &st_graph_quantize_linear_def, NULL},
    {"DequantizeLinear", "", 10, &st_graph_dequantize_linear_def, NULL},
    {"DynamicQuantizeLinear", "", 11, &st_graph_dynamic_quantize_linear_def, NULL},
    {"MatMulInteger", "", 10, &st_graph_matmul_integer_def, NULL},
    {"QLinearMatMul", "", 10, &st_graph_qlinear_matmul_def, NULL},
    {"ConvInteger", "", 10, &st_graph_conv_integer_def, NULL},
    {"QLinearConv", "", 10, &st_graph_qlinear_conv_def, NULL},
};

const st_onnx_map_group st_onnx_map_reduce = ST_ONNX_MAP_GROUP(st_onnx_reduce_rows);
