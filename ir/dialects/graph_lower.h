/* Internal to the graph dialect: the lower hooks of the core graph ops
 * (graph_lower_*.c), named in the op table rows.  Their contract is in
 * passes/lower.h. */
#ifndef ST_IR_GRAPH_LOWER_H
#define ST_IR_GRAPH_LOWER_H

#include "ir/dialects/graph_impl.h"
#include "passes/lower.h"

/* graph_lower_basic.c: constants, elementwise ops, movement ops */
bool st_graph_lower_constant(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_binary(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_relu(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_reshape(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_transpose(st_op *op, st_lower_ctx *lc, st_diag *d);
/* graph_lower_linalg.c: contractions */
bool st_graph_lower_matmul(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_gemm(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_conv(st_op *op, st_lower_ctx *lc, st_diag *d);
/* The direct convolution of X and W with geometry g into a result of type
 * `out`: a parallel nest over the result (ivs) holding a sequential nest
 * over the group's channels and the window that sums (x - xz) * (w - wz)
 * in acc_t (operands converted; a padded position adds 0).  xz (1 element)
 * and wz (1 or one per output channel) are optional buffers.  On success
 * `in` inserts after the sum inside the result nest and `acc` holds it. */
typedef struct st_lower_conv_nest {
  st_builder in;
  st_value *ivs[ST_MAX_RANK];
  st_value *acc;
} st_lower_conv_nest;
bool st_lower_conv_direct(st_lower_ctx *lc, const st_conv_geom *g, st_value *X, st_value *W, const st_type *out,
                          const st_type *acc_t, st_value *xz, st_value *wz, st_lower_conv_nest *n);
/* graph_lower_gemm.c: the register-tiled f32 Gemm / MatMul (weights packed
 * at compile time), called first by st_graph_lower_gemm / _matmul.  *done
 * is false (and nothing is built) where the plain form must be used. */
bool st_lower_gemm_packed(st_op *op, st_lower_ctx *lc, bool *done);
bool st_lower_matmul_packed(st_op *op, st_lower_ctx *lc, bool *done);
/* graph_lower_softmax.c: for graph.softmax's row in graph_reduce.c */
bool st_graph_lower_softmax(st_op *op, st_lower_ctx *lc, st_diag *d);

/* graph_lower_elementwise.c: the elementwise family (unary math,
 * activations, broadcasting binary and variadic ops, Where, Clip, Cast) */
bool st_graph_lower_elementwise(st_op *op, st_lower_ctx *lc, st_diag *d);
/* graph_lower_pool.c: windowed and global max / average pooling, windowed LpPool */
bool st_graph_lower_max_pool(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_average_pool(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_lp_pool(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_global_max_pool(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_global_average_pool(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_global_lp_pool(st_op *op, st_lower_ctx *lc, st_diag *d);
/* graph_lower_reduce.c: inference batch normalisation, the Reduce ops */
bool st_graph_lower_batch_norm(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_reduce(st_op *op, st_lower_ctx *lc, st_diag *d);
/* graph_lower_shape.c: concat, expand, slice (views use st_graph_lower_reshape) */
bool st_graph_lower_concat(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_expand(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_slice(st_op *op, st_lower_ctx *lc, st_diag *d);

/* graph_lower_norm.c: LayerNormalization, RMSNormalization, GroupNormalization, MeanVarianceNormalization, LRN */
bool st_graph_lower_layer_norm(st_op *op, st_lower_ctx *lc, st_diag *d);
/* 1 / sqrt(*sq / n + eps) at b, in elem (the sum of squared deviations in
 * the rank-0 slot sq): the normalisations' inverse standard deviation. */
st_value *st_lower_inv_std(st_builder *b, st_value *sq, int64_t n, double eps, const st_type *elem);
bool st_graph_lower_group_norm(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_mvn(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_lrn(st_op *op, st_lower_ctx *lc, st_diag *d);
/* graph_lower_index.c: gathers, arg max/min, trilu, split, cumulative ops, dropout */
bool st_graph_lower_gather(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_gather_elements(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_arg(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_trilu(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_split(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_cum(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_dropout(st_op *op, st_lower_ctx *lc, st_diag *d);

/* graph_lower_loss.c: NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss */
bool st_graph_lower_loss(st_op *op, st_lower_ctx *lc, st_diag *d);
/* graph_lower_attention.c: Attention (opset 23/24) */
bool st_graph_lower_attention(st_op *op, st_lower_ctx *lc, st_diag *d);
/* graph_lower_quant.c: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger, QLinearMatMul,
 * ConvInteger, QLinearConv */
bool st_graph_lower_quant_linear(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_dyn_quant(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_qmatmul(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_qconv(st_op *op, st_lower_ctx *lc, st_diag *d);

/* graph_lower_resize.c: Resize (taps tabulated at compile time) */
bool st_graph_lower_resize(st_op *op, st_lower_ctx *lc, st_diag *d);
/* A mem.constant at lc->b holding nbytes of row-major data (a compile-time table). */
st_value *st_graph_lower_table(st_lower_ctx *lc, const st_type *elem, unsigned rank, const st_dim *dims,
                               const void *data, size_t nbytes);
/* The same, where `splat` says data is one element repeated. */
st_value *st_graph_lower_dense(st_lower_ctx *lc, const st_type *elem, unsigned rank, const st_dim *dims,
                               const void *data, size_t nbytes, bool splat);
/* The elements of buf when a mem.constant defines it (weights), else NULL. */
const void *st_graph_lower_const_data(const st_value *buf, size_t *nbytes, bool *splat);

/* graph_lower_pad.c: Pad (every mode), CenterCropPad */
bool st_graph_lower_pad(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_center_crop_pad(st_op *op, st_lower_ctx *lc, st_diag *d);

/* graph_lower_scatter.c: ScatterElements, ScatterND (with reductions), GatherND, TensorScatter, MaxUnpool */
bool st_graph_lower_scatter_elements(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_scatter_nd(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_gather_nd(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_tensor_scatter(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_max_unpool(st_op *op, st_lower_ctx *lc, st_diag *d);

/* graph_lower_convt.c: ConvTranspose (gather form, f64 sums) */
bool st_graph_lower_conv_transpose(st_op *op, st_lower_ctx *lc, st_diag *d);
/* graph_lower_convt.c: Col2Im (gather form, f64 sums) */
bool st_graph_lower_col2im(st_op *op, st_lower_ctx *lc, st_diag *d);

/* graph_lower_deform.c: DeformConv (bilinear taps in f64) */
bool st_graph_lower_deform_conv(st_op *op, st_lower_ctx *lc, st_diag *d);

/* graph_lower_grid.c: GridSample (taps unrolled, f64), AffineGrid (f64) */
bool st_graph_lower_grid_sample(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_affine_grid(st_op *op, st_lower_ctx *lc, st_diag *d);

/* graph_lower_misc.c: Tile, DepthToSpace / SpaceToDepth, ReverseSequence, InstanceNormalization,
 * LpNormalization, Hardmax, OneHot, Compress (constant condition), TopK */
bool st_graph_lower_tile(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_space_depth(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_reverse_sequence(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_instance_norm(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_lp_norm(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_hardmax(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_one_hot(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_compress(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_top_k(st_op *op, st_lower_ctx *lc, st_diag *d);

/* graph_lower_linalg2.c: Einsum (equation parsed at compile time), Det (LU with partial pivoting, f64) */
bool st_graph_lower_einsum(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_det(st_op *op, st_lower_ctx *lc, st_diag *d);
/* graph_lower_seq.c: CausalConvWithState, RotaryEmbedding (f64, as the interpreters) */
bool st_graph_lower_causal_conv(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_rotary(st_op *op, st_lower_ctx *lc, st_diag *d);
/* graph_lower_detect.c: NonMaxSuppression (loop.while / loop.if), RoiAlign */
bool st_graph_lower_nms(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_roi_align(st_op *op, st_lower_ctx *lc, st_diag *d);
/* graph_lower_unique.c: Unique (loop.while per slice), TfIdfVectorizer (pool as tables) */
bool st_graph_lower_unique(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_tfidf(st_op *op, st_lower_ctx *lc, st_diag *d);
/* graph_lower_rnn.c: RNN, GRU, LSTM (f64 state, sequential time loop) */
bool st_graph_lower_rnn(st_op *op, st_lower_ctx *lc, st_diag *d);
/* graph_lower_signal.c: DFT, STFT (f64 sums, twiddles at run time), MelWeightMatrix, BitCast (a view) */
bool st_graph_lower_dft(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_stft(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_mel_weight_matrix(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_bitcast(st_op *op, st_lower_ctx *lc, st_diag *d);
/* graph_lower_attn_ext.c: LinearAttention, FlexAttention's scores and apply halves (f64 sums) */
bool st_graph_lower_linear_attention(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_flex_scores(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_flex_apply(st_op *op, st_lower_ctx *lc, st_diag *d);

/* "'graph.x' op cannot be lowered to loops: WHY" (false). */
bool st_graph_lower_fail(st_op *op, st_diag *d, const char *why);

#endif
