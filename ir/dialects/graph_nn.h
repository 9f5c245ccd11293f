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
    st_graph_dft_def, st_graph_stft_def, st_graph_mel_weight_matrix_def;
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

/* graph.einsum's equation (graph_nn_attn.c), parsed for the interpreter and
 * the lowering: labels 0..51 are the letters, 52.. the ellipsis dims (right
 * aligned); lab[i] labels operand i's dims, out the result's; size is each
 * used label's extent (a dim of 1 broadcasts). */
enum { ST_EINSUM_MAX_IN = 8, ST_EINSUM_LABELS = 52 + ST_MAX_RANK };
typedef struct st_einsum {
  unsigned ninputs, nout;
  unsigned rank[ST_EINSUM_MAX_IN];
  int lab[ST_EINSUM_MAX_IN][ST_MAX_RANK];
  int out[ST_MAX_RANK];
  int64_t size[ST_EINSUM_LABELS];
  bool used[ST_EINSUM_LABELS];
} st_einsum;
/* Operands may be tensors or (while lowering) buffers; only shapes are read. */
bool st_einsum_parse(st_op *op, st_einsum *e, st_diag *d);

/* graph.col2im's geometry (graph_nn_pool.c) from its constant image_shape
 * and block_shape and its attributes, for the interpreter and the lowering;
 * operand 0 may be a tensor or (while lowering) a buffer. */
typedef struct st_col2im {
  unsigned sp;
  int64_t image[ST_MAX_RANK], block[ST_MAX_RANK], nblocks[ST_MAX_RANK], strides[ST_MAX_RANK], dil[ST_MAX_RANK];
  int64_t pad_begin[ST_MAX_RANK];
} st_col2im;
bool st_col2im_geom(st_op *op, st_col2im *g, st_diag *d);
/* ---- the geometry of DFT and STFT (graph_nn_signal.c), shared with their
 * lowering (graph_lower_signal.c) ---- */
typedef struct st_dft {
  unsigned axis; /* when !axis_known the axis operand is known at run time only (axis = rank - 2 here) */
  int64_t length, out_len, comp_out; /* transform length, bins along the axis, result components 1 | 2 */
  bool axis_known, inverse, onesided, irfft;
} st_dft;
typedef struct st_stft {
  int64_t batch, signal, comp, step, frames, window; /* window: its length, -1 when absent */
  st_dft dft;                                        /* length = frame_length, along axis 1 */
} st_stft;
/* Read the scalar operands from `in` (the interpreter's data) when given,
 * else from constants; a diagnostic when one the result shape needs is not
 * known. */
bool st_dft_geom(st_op *op, const st_tensor *in, st_dft *g, st_diag *d);
bool st_stft_geom(st_op *op, const st_tensor *in, st_stft *s, st_diag *d);

#endif
