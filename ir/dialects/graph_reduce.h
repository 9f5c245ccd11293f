/* Internal to the reduce family (graph_reduce*.c): reductions, softmax,
 * normalisations, losses and quantisation share the way they walk a tensor
 * split into "kept" and "reduced" axes, and a few operand checks. */
#ifndef ST_IR_GRAPH_REDUCE_H
#define ST_IR_GRAPH_REDUCE_H

#include "ir/dialects/graph_impl.h"

/* A tensor seen as `outer` groups of `inner` elements: element j of group o
 * sits at flat index base[o] + offs[j].  Groups are the index space of the
 * kept axes in row-major order, so group o is also the flat index of the
 * reduced result (with or without kept unit dims). */
typedef struct st_reduce_plan {
  int64_t outer, inner;
  int64_t *base, *offs;
} st_reduce_plan;

/* Builds the plan of a static tensor type where reduced[i] marks the axes
 * reduced.  false (diagnostic naming op) on out of memory. */
bool st_reduce_plan_init(st_reduce_plan *p, st_op *op, const st_type *t, const bool *reduced, st_diag *d);
/* The plan reducing the axes from `first` to the last one. */
bool st_reduce_plan_tail(st_reduce_plan *p, st_op *op, const st_type *t, unsigned first, st_diag *d);
void st_reduce_plan_free(st_reduce_plan *p);

/* Checks that operand i is a static-shaped tensor of a float type. */
bool st_reduce_expect_float(st_op *op, unsigned i, st_diag *d);
/* MeanVarianceNormalization's reduced axes: attr axes, default [0, 2, 3]
 * (graph_reduce_norm.c; the interpreter and the lowering). */
bool st_mvn_axes(st_op *op, unsigned rank, bool *mask, st_diag *d);
/* The type of `t` with every dim marked in `reduced` set to 1 (keep) or
 * dropped (!keep). */
const st_type *st_reduce_result_type(st_context *ctx, const st_type *t, const bool *reduced, bool keep,
                                     const st_type *elem);
/* ONNX TensorProto data type number to a scalar type (NULL if unsupported). */

/* Definitions of the other files of the family, listed in graph_reduce.c. */
extern const st_op_def st_graph_layer_normalization_def, st_graph_rms_normalization_def,
    st_graph_batch_normalization_def, st_graph_instance_normalization_def, st_graph_group_normalization_def,
    st_graph_lp_normalization_def, st_graph_mean_variance_normalization_def, st_graph_lrn_def;
extern const st_op_def st_graph_negative_log_likelihood_loss_def, st_graph_softmax_cross_entropy_loss_def;
extern const st_op_def st_graph_quantize_linear_def, st_graph_dequantize_linear_def,
    st_graph_dynamic_quantize_linear_def, st_graph_matmul_integer_def, st_graph_qlinear_matmul_def,
    st_graph_conv_integer_def, st_graph_qlinear_conv_def;
/* graph_reduce.c, for the map and the loss ops. */
extern const st_op_def st_graph_reduce_sum_def, st_graph_reduce_mean_def, st_graph_reduce_max_def,
    st_graph_reduce_min_def, st_graph_reduce_prod_def, st_graph_reduce_l1_def, st_graph_reduce_l2_def,
    st_graph_reduce_log_sum_def, st_graph_reduce_log_sum_exp_def, st_graph_reduce_sum_square_def,
    st_graph_softmax_def, st_graph_log_softmax_def, st_graph_hardmax_def;

/* graph_reduce_quant.c: element access for quantised data.  Float8 loads
 * and stores are handled here; integer stores round half to even and
 * saturate to the type's range; float8 stores saturate unless !saturate. */
double st_quant_load(const st_type *elem, const void *data, int64_t i);
void st_quant_store(const st_type *elem, void *data, int64_t i, double v, bool saturate);
/* v rounded to a value of `elem` (scales computed in the scale's precision). */
double st_quant_round(const st_type *elem, double v);
/* Whether `elem` can hold quantised values (int4..int32, float8). */
bool st_quant_is_storage(const st_type *elem);

/* graph_reduce_qmath.c: the geometry of ConvInteger / QLinearConv's x (N,
 * C, spatial...) and w (M, C/group, kernel...), auto_pad resolved into
 * explicit pads; fills the result dims. */
bool st_qconv_geom(st_op *op, const st_type *x, const st_type *w, st_conv_geom *g, st_dim *dims, st_diag *d);

/* log-softmax of `n` doubles at stride 1 (in place); shared with the loss. */
void st_reduce_log_softmax(double *v, int64_t n);

#endif
