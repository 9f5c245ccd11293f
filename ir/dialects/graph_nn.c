/* The nn op family's group (the ops are defined in graph_nn_*.c) and the
 * helpers those files share: constant shape and scalar operands.  Optional
 * operands and scratch buffers use the graph-wide helpers of graph_util.c. */
#include "ir/dialects/graph_nn.h"

bool st_nn_const_ints(st_op *op, unsigned i, const char *what, int64_t *out, unsigned max, unsigned *n,
                      st_diag *d) {
  const st_attr *a = i < op->num_operands ? st_value_const(st_op_operand(op, i)) : NULL;
  if (!a || !a->type || !st_type_is_shaped(a->type) || a->type->u.shaped.rank > 1) {
    st_diag_error(d, op->loc, "'%s' op needs operand %u (%s) to be a constant of rank 0 or 1", op->def->name, i,
                  what);
    return false;
  }
  int64_t count = st_type_num_elements(a->type);
  if (count < 0 || count > (int64_t)max) {
    st_diag_error(d, op->loc, "'%s' op operand %u (%s) has more than %u elements", op->def->name, i, what, max);
    return false;
  }
  for (int64_t k = 0; k < count; k++)
    if (!st_attr_elem_as_int(a, k, &out[k])) {
      st_diag_error(d, op->loc, "'%s' op cannot read operand %u (%s) as integers", op->def->name, i, what);
      return false;
    }
  *n = (unsigned)count;
  return true;
}

bool st_nn_const_scalar(st_op *op, unsigned i, const char *what, double *out, st_diag *d) {
  const st_attr *a = i < op->num_operands ? st_value_const(st_op_operand(op, i)) : NULL;
  if (!a || !a->type || !st_type_is_shaped(a->type) || st_type_num_elements(a->type) != 1 ||
      !st_attr_elem_as_double(a, 0, out)) {
    st_diag_error(d, op->loc, "'%s' op needs operand %u (%s) to be a constant scalar", op->def->name, i, what);
    return false;
  }
  return true;
}

static const st_op_def *const st_graph_nn_list[] = {
    &st_graph_max_pool_def,
    &st_graph_average_pool_def,
    &st_graph_lp_pool_def,
    &st_graph_global_average_pool_def,
    &st_graph_global_max_pool_def,
    &st_graph_global_lp_pool_def,
    &st_graph_max_unpool_def,
    &st_graph_conv_transpose_def,
    &st_graph_col2im_def,
    &st_graph_attention_def,
    &st_graph_rotary_embedding_def,
    &st_graph_einsum_def,
    &st_graph_rnn_def,
    &st_graph_gru_def,
    &st_graph_lstm_def,
    &st_graph_grid_sample_def,
    &st_graph_affine_grid_def,
    &st_graph_det_def,
    &st_graph_hann_window_def,
    &st_graph_hamming_window_def,
    &st_graph_blackman_window_def,
    &st_graph_dft_def,
    &st_graph_stft_def,
    &st_graph_mel_weight_matrix_def,
    &st_graph_deform_conv_def,
    &st_graph_roi_align_def,
    &st_graph_non_max_suppression_def,
};

const st_op_group st_graph_nn_ops = ST_OP_GROUP(st_graph_nn_list);
