/* The nn op family of the graph dialect: pooling, transposed convolution,
 * attention, sequence models, sampling and signal ops.  Its op definitions
 * live in graph_nn*.c (one file per group of related ops); this header names
 * them for the ONNX mapping rows and holds the helpers those files share. */
#ifndef ST_IR_GRAPH_NN_H
#define ST_IR_GRAPH_NN_H

#include "ir/dialects/graph_impl.h"

/* pooling and image ops (graph_nn_pool.c) */
extern const st_op_def st_graph_max_pool_def, st_graph_average_pool_def, st_graph_lp_pool_def,
    st_graph_global_average_pool_def, st_graph_global_max_pool_def, st_graph_global_lp_pool_def,
    st_graph_max_unpool_def, st_graph_conv_transpose_def, st_graph_col2im_def;
/* attention and friends (graph_nn_attn.c) */
extern const st_op_def st_graph_attention_def, st_graph_rotary_embedding_def, st_graph_einsum_def;
/* recurrent networks (graph_nn_rnn.c) */
extern const st_op_def st_graph_rnn_def, st_graph_gru_def, st_graph_lstm_def;
/* sampling, signal and linear algebra (graph_nn_signal.c) */
extern const st_op_def st_graph_grid_sample_def, st_graph_affine_grid_def, st_graph_det_def,
    st_graph_hann_window_def, st_graph_hamming_window_def, st_graph_blackman_window_def,
    st_graph_dft_def, st_graph_mel_weight_matrix_def;
/* detection (graph_nn_detect.c); non_max_suppression carries its result type */
extern const st_op_def st_graph_deform_conv_def, st_graph_roi_align_def, st_graph_non_max_suppression_def;

/* DeformConv's geometry (graph_nn_detect.c), checked: the dims of X (N, C,
 * H, W), W (M, C/group, kh, kw) and the result (oh, ow), offset_group, and
 * group / strides / dilations / pads as st_conv_read_attrs reads them.  The
 * operands are 3 to 5 shaped values (tensors, or the lowering's memrefs). */
typedef struct st_dc {
  int64_t N, C, H, W, M, kh, kw, oh, ow, ogroup;
  st_conv_geom conv;
} st_dc;
bool st_dc_geom(st_op *op, st_dc *g, st_diag *d);

/* ---- helpers shared by graph_nn*.c ---- */
/* Reads the constant integer operand i (rank 0 or 1) into out[0..*n);
 * diagnostic naming the op when it is not constant or has more than max
 * elements. */
bool st_nn_const_ints(st_op *op, unsigned i, const char *what, int64_t *out, unsigned max, unsigned *n,
                      st_diag *d);
/* Reads a scalar constant operand as a double. */
bool st_nn_const_scalar(st_op *op, unsigned i, const char *what, double *out, st_diag *d);

#endif
