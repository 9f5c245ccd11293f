/* Mapping rows of the elementwise family (ir/dialects/graph_elementwise*.c).
 *
 * Nearly every elementwise operator kept its form across opsets: attributes
 * that older versions had and newer ones dropped (consumed_inputs, legacy
 * broadcast flags, Dropout's ratio and is_test, which only matter in
 * training) ride along unused, and Cast-1's string `to` is read by the op
 * itself.  Two forms differ: Clip before opset 11, whose min and max were
 * attributes (its hook turns them into constant operands), and PRelu before
 * opset 7, whose 1-D slope ran along the channel axis (its hook reshapes the
 * slope to broadcast that way). */
#include <math.h>

#include "frontend/onnx/onnx_hooks.h"
#include "ir/dialects/graph_elementwise.h"

/* Clip-1/6: float attributes min, max (absent = unbounded) become scalar
 * constants of the input's element type. */
static bool st_onnx_import_clip_attrs(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs,
                                      st_diag *d) {
  if (node->num_inputs < 1 || !node->inputs[0] || node->inputs[0]->type->kind != ST_TY_TENSOR) {
    st_diag_error(d, node->loc, "Clip node %s needs a tensor input", node->name);
    return false;
  }
  st_module *m = st_onnx_module(im);
  const st_type *elem = node->inputs[0]->type->u.shaped.elem;
  const st_type *scalar = st_type_tensor(m->ctx, elem, 0, NULL);
  float bound[2] = {-INFINITY, INFINITY};
  st_onnx_attr_float(node, "min", &bound[0]);
  st_onnx_attr_float(node, "max", &bound[1]);
  st_value *ops[3] = {node->inputs[0], NULL, NULL};
  for (unsigned i = 0; i < 2; i++) {
    uint64_t buf = 0; /* one element of at most 8 bytes */
    st_graph_store_converted(elem, &buf, 0, bound[i], true);
    ops[i + 1] = st_onnx_constant(im, st_attr_dense(m, scalar, &buf, st_dense_elem_size(elem), false));
    if (!ops[i + 1]) return false;
  }
  const st_named_attr drop[] = {{"min", NULL}, {"max", NULL}, {"consumed_inputs", NULL}};
  st_op *op = st_onnx_build(im, node, &st_graph_clip_def, 3, ops, 3, drop, d);
  if (!op) return false;
  outputs[0] = st_op_result(op, 0);
  return true;
}

/* PRelu-1/6: a 1-D slope of C values applies per channel (axis 1), so it is
 * reshaped to [C, 1, ..., 1] for numpy broadcasting. */
static bool st_onnx_import_prelu_channel(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs,
                                         st_diag *d) {
  if (node->num_inputs < 2 || !node->inputs[0] || !node->inputs[1]) {
    st_diag_error(d, node->loc, "PRelu node %s needs inputs X and slope", node->name);
    return false;
  }
  st_value *ops[2] = {node->inputs[0], node->inputs[1]};
  const st_type *x = ops[0]->type, *s = ops[1]->type;
  if (x->kind == ST_TY_TENSOR && s->kind == ST_TY_TENSOR && s->u.shaped.rank == 1 && s->u.shaped.dims[0] != 1 &&
      x->u.shaped.rank >= 2 && x->u.shaped.rank <= ST_MAX_RANK) {
    st_dim dims[ST_MAX_RANK] = {s->u.shaped.dims[0]};
    for (unsigned i = 1; i + 1 < x->u.shaped.rank; i++) dims[i] = 1;
    if (!(ops[1] = st_onnx_reshape(im, node, ops[1], x->u.shaped.rank - 1, dims, d))) return false;
  }
  const st_named_attr drop[] = {{"consumed_inputs", NULL}};
  st_op *op = st_onnx_build(im, node, &st_graph_prelu_def, 2, ops, 1, drop, d);
  if (!op) return false;
  outputs[0] = st_op_result(op, 0);
  return true;
}

static const st_onnx_op_map st_onnx_elementwise_rows[] = {
    /* unary math */
    {"Abs", "", 1, &st_graph_abs_def, NULL},
    {"Neg", "", 1, &st_graph_neg_def, NULL},
    {"Sqrt", "", 1, &st_graph_sqrt_def, NULL},
    {"Reciprocal", "", 1, &st_graph_reciprocal_def, NULL},
    {"Exp", "", 1, &st_graph_exp_def, NULL},
    {"Log", "", 1, &st_graph_log_def, NULL},
    {"Ceil", "", 1, &st_graph_ceil_def, NULL},
    {"Floor", "", 1, &st_graph_floor_def, NULL},
    {"Round", "", 11, &st_graph_round_def, NULL},
    {"Sign", "", 9, &st_graph_sign_def, NULL},
    {"Erf", "", 9, &st_graph_erf_def, NULL},
    {"Sin", "", 7, &st_graph_sin_def, NULL},
    {"Cos", "", 7, &st_graph_cos_def, NULL},
    {"Tan", "", 7, &st_graph_tan_def, NULL},
    {"Asin", "", 7, &st_graph_asin_def, NULL},
    {"Acos", "", 7, &st_graph_acos_def, NULL},
    {"Atan", "", 7, &st_graph_atan_def, NULL},
    {"Sinh", "", 9, &st_graph_sinh_def, NULL},
    {"Cosh", "", 9, &st_graph_cosh_def, NULL},
    {"Asinh", "", 9, &st_graph_asinh_def, NULL},
    {"Acosh", "", 9, &st_graph_acosh_def, NULL},
    {"Atanh", "", 9, &st_graph_atanh_def, NULL},
    {"Sigmoid", "", 1, &st_graph_sigmoid_def, NULL},
    {"Tanh", "", 1, &st_graph_tanh_def, NULL},
    {"Softplus", "", 1, &st_graph_softplus_def, NULL},
    {"Softsign", "", 1, &st_graph_softsign_def, NULL},
    {"IsInf", "", 10, &st_graph_is_inf_def, NULL},
    {"IsNaN", "", 9, &st_graph_is_nan_def, NULL},
    {"Not", "", 1, &st_graph_not_def, NULL},
    {"BitwiseNot", "", 18, &st_graph_bitwise_not_def, NULL},
    /* activations */
    {"Elu", "", 1, &st_graph_elu_def, NULL},
    {"Selu", "", 1, &st_graph_selu_def, NULL},
    {"Celu", "", 12, &st_graph_celu_def, NULL},
    {"LeakyRelu", "", 1, &st_graph_leaky_relu_def, NULL},
    {"ThresholdedRelu", "", 10, &st_graph_thresholded_relu_def, NULL},
    {"HardSigmoid", "", 1, &st_graph_hard_sigmoid_def, NULL},
    {"HardSwish", "", 14, &st_graph_hard_swish_def, NULL},
    {"Mish", "", 18, &st_graph_mish_def, NULL},
    {"Gelu", "", 20, &st_graph_gelu_def, NULL},
    {"Swish", "", 24, &st_graph_swish_def, NULL},
    {"Shrink", "", 9, &st_graph_shrink_def, NULL},
    {"PRelu", "", 1, &st_graph_prelu_def, st_onnx_import_prelu_channel},
    {"PRelu", "", 7, &st_graph_prelu_def, NULL},
    {"SwiGLU", "", 28, &st_graph_swiglu_def, NULL},
    /* binary with broadcasting */
    {"Pow", "", 1, &st_graph_pow_def, NULL},
    {"Mod", "", 10, &st_graph_mod_def, NULL},
    {"And", "", 1, &st_graph_and_def, NULL},
    {"Or", "", 1, &st_graph_or_def, NULL},
    {"Xor", "", 1, &st_graph_xor_def, NULL},
    {"Equal", "", 1, &st_graph_equal_def, NULL},
    {"Less", "", 1, &st_graph_less_def, NULL},
    {"Greater", "", 1, &st_graph_greater_def, NULL},
    {"LessOrEqual", "", 12, &st_graph_less_or_equal_def, NULL},
    {"GreaterOrEqual", "", 12, &st_graph_greater_or_equal_def, NULL},
    {"BitShift", "", 11, &st_graph_bit_shift_def, NULL},
    {"BitwiseAnd", "", 18, &st_graph_bitwise_and_def, NULL},
    {"BitwiseOr", "", 18, &st_graph_bitwise_or_def, NULL},
    {"BitwiseXor", "", 18, &st_graph_bitwise_xor_def, NULL},
    /* variadic and selection */
    {"Sum", "", 1, &st_graph_sum_def, NULL},
    {"Mean", "", 1, &st_graph_mean_def, NULL},
    {"Max", "", 1, &st_graph_max_def, NULL},
    {"Min", "", 1, &st_graph_min_def, NULL},
    {"Where", "", 9, &st_graph_where_def, NULL},
    {"Clip", "", 1, &st_graph_clip_def, st_onnx_import_clip_attrs},
    {"Clip", "", 11, &st_graph_clip_def, NULL},
    /* conversions */
    {"Cast", "", 1, &st_graph_cast_def, NULL},
    {"CastLike", "", 15, &st_graph_cast_like_def, NULL},
    {"Identity", "", 1, &st_graph_identity_def, NULL},
    {"Dropout", "", 1, &st_graph_dropout_def, NULL},
};

const st_onnx_map_group st_onnx_map_elementwise = ST_ONNX_MAP_GROUP(st_onnx_elementwise_rows);
