/* Mapping rows of the nn op family (ir/dialects/graph_nn*.c): pooling,
 * transposed convolution, attention, recurrent networks, sampling and
 * signal ops, detection (DeformConv, RoiAlign, NonMaxSuppression, whose
 * result shape comes from the model's declared output type).
 *
 * Most rows map an ONNX operator straight onto its graph op; older opsets
 * whose form differs get a hook.  DFT before opset 20 carries `axis` as an
 * attribute (default 1), which the hook turns into the constant operand of
 * the newest form.  Rows start at the first opset whose meaning the graph op
 * keeps (LpPool-1's float `p` and RNN-family opsets before 7 are left out). */
#include <string.h>

#include "frontend/onnx/onnx_hooks.h"
#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_nn.h"

/* An i64 scalar constant at the insertion point. */
static st_value *st_nn_i64(st_onnx_importer *im, int64_t v) {
  st_module *m = st_onnx_module(im);
  const st_type *t = st_type_tensor(m->ctx, st_type_scalar(m->ctx, ST_TY_I64), 0, NULL);
  const st_attr *a = st_attr_dense(m, t, &v, sizeof v, false);
  return a ? st_onnx_constant(im, a) : NULL;
}

/* DFT-17/19: inputs (input, [dft_length]), attribute axis (default 1). */
static bool st_nn_dft_v17(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  if (node->num_inputs < 1 || !node->inputs[0] || node->inputs[0]->type->kind != ST_TY_TENSOR) {
    st_diag_error(d, node->loc, "DFT needs a tensor input");
    return false;
  }
  st_value *x = node->inputs[0];
  int64_t axis = 1;
  st_onnx_attr_int(node, "axis", &axis);
  st_value *len = node->num_inputs > 1 ? node->inputs[1] : NULL;
  if (!len) {
    /* An absent dft_length stays absent: its default depends on the mode. */
    const st_type *none = st_type_scalar(st_onnx_module(im)->ctx, ST_TY_NONE);
    st_op *op = st_onnx_build_typed(im, node, &st_graph_none_def, 0, NULL, 1, &none, 0, NULL, d);
    if (!op) return false;
    len = st_op_result(op, 0);
  }
  st_value *axv = st_nn_i64(im, axis);
  if (!axv) return false;
  st_value *ops[3] = {x, len, axv};
  const st_named_attr drop[] = {{"axis", NULL}};
  st_op *op = st_onnx_build(im, node, &st_graph_dft_def, 3, ops, 1, drop, d);
  if (!op) return false;
  outputs[0] = st_op_result(op, 0);
  return true;
}

/* NonMaxSuppression: how many boxes it selects depends on the data, so the
 * result type is the one the model declares for the output. */
static bool st_nn_nms(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  const st_type *t = st_onnx_declared_type(im, node, 0);
  if (!t) {
    st_diag_error(d, node->loc, "NonMaxSuppression node %s: the number of selected boxes depends on the data; the "
                  "model must declare a static shape for its output", node->name);
    return false;
  }
  st_value *ops[5];
  unsigned n = node->num_inputs < 5 ? node->num_inputs : 5;
  while (n > 2 && !node->inputs[n - 1]) n--;
  for (unsigned i = 0; i < n; i++) {
    ops[i] = node->inputs[i];
    if (!ops[i] && i < 2) return st_diag_error(d, node->loc, "NonMaxSuppression needs boxes and scores"), false;
    if (!ops[i]) {
      const st_type *none = st_type_scalar(st_onnx_module(im)->ctx, ST_TY_NONE);
      st_op *op = st_onnx_build_typed(im, node, &st_graph_none_def, 0, NULL, 1, &none, 0, NULL, d);
      if (!op) return false;
      ops[i] = st_op_result(op, 0);
    }
  }
  int64_t center = 0;
  st_onnx_attr_int(node, "center_point_box", &center);
  st_module *m = st_onnx_module(im);
  st_named_attr attr = {"center_point_box", st_attr_int(m, st_type_scalar(m->ctx, ST_TY_I64), center)};
  st_op *op = st_onnx_build_typed(im, node, &st_graph_non_max_suppression_def, n, ops, 1, &t, 1, &attr, d);
  if (!op) return false;
  outputs[0] = st_op_result(op, 0);
  return true;
}

static const st_onnx_op_map st_nn_rows[] = {
    {"MaxPool", "", 1, &st_graph_max_pool_def, NULL},
    {"AveragePool", "", 1, &st_graph_average_pool_def, NULL},
    {"LpPool", "", 2, &st_graph_lp_pool_def, NULL},
    {"GlobalAveragePool", "", 1, &st_graph_global_average_pool_def, NULL},
    {"GlobalMaxPool", "", 1, &st_graph_global_max_pool_def, NULL},
    {"GlobalLpPool", "", 2, &st_graph_global_lp_pool_def, NULL},
    {"MaxUnpool", "", 9, &st_graph_max_unpool_def, NULL},
    {"ConvTranspose", "", 1, &st_graph_conv_transpose_def, NULL},
    {"Col2Im", "", 18, &st_graph_col2im_def, NULL},
    {"Attention", "", 23, &st_graph_attention_def, NULL},
    {"RotaryEmbedding", "", 23, &st_graph_rotary_embedding_def, NULL},
    {"Einsum", "", 12, &st_graph_einsum_def, NULL},
    {"RNN", "", 7, &st_graph_rnn_def, NULL},
    {"GRU", "", 7, &st_graph_gru_def, NULL},
    {"LSTM", "", 7, &st_graph_lstm_def, NULL},
    {"GridSample", "", 16, &st_graph_grid_sample_def, NULL},
    {"AffineGrid", "", 20, &st_graph_affine_grid_def, NULL},
    {"Det", "", 11, &st_graph_det_def, NULL},
    {"HannWindow", "", 17, &st_graph_hann_window_def, NULL},
    {"HammingWindow", "", 17, &st_graph_hamming_window_def, NULL},
    {"BlackmanWindow", "", 17, &st_graph_blackman_window_def, NULL},
    {"MelWeightMatrix", "", 17, &st_graph_mel_weight_matrix_def, NULL},
    {"DFT", "", 17, &st_graph_dft_def, st_nn_dft_v17},
    {"DFT", "", 20, &st_graph_dft_def, NULL},
    {"STFT", "", 17, &st_graph_stft_def, NULL},
    {"DeformConv", "", 19, &st_graph_deform_conv_def, NULL},
    {"RoiAlign", "", 16, &st_graph_roi_align_def, NULL},
    {"NonMaxSuppression", "", 11, &st_graph_non_max_suppression_def, st_nn_nms},
};

const st_onnx_map_group st_onnx_map_nn = ST_ONNX_MAP_GROUP(st_nn_rows);
