/* The elementwise op family of the graph dialect: unary math and
 * activations, broadcasting binary and variadic ops, comparisons and logic,
 * Where, Clip, Cast/CastLike, Identity and Dropout.  The op definitions live
 * in graph_elementwise_*.c (unary, binary, cast); graph_elementwise.c holds
 * the type rules they share and the family's op group.  This header names
 * the definitions for the ONNX mapping rows. */
#ifndef ST_IR_GRAPH_ELEMENTWISE_H
#define ST_IR_GRAPH_ELEMENTWISE_H

#include "ir/dialects/graph_impl.h"

/* unary math and activations (graph_elementwise_unary.c) */
extern const st_op_def st_graph_abs_def, st_graph_neg_def, st_graph_sqrt_def, st_graph_reciprocal_def,
    st_graph_exp_def, st_graph_log_def, st_graph_ceil_def, st_graph_floor_def, st_graph_round_def,
    st_graph_sign_def, st_graph_erf_def, st_graph_sin_def, st_graph_cos_def, st_graph_tan_def, st_graph_asin_def,
    st_graph_acos_def, st_graph_atan_def, st_graph_sinh_def, st_graph_cosh_def, st_graph_asinh_def,
    st_graph_acosh_def, st_graph_atanh_def, st_graph_sigmoid_def, st_graph_tanh_def, st_graph_softplus_def,
    st_graph_softsign_def, st_graph_is_inf_def, st_graph_is_nan_def, st_graph_not_def, st_graph_bitwise_not_def,
    st_graph_elu_def, st_graph_selu_def, st_graph_celu_def, st_graph_leaky_relu_def,
    st_graph_thresholded_relu_def, st_graph_hard_sigmoid_def, st_graph_hard_swish_def, st_graph_mish_def,
    st_graph_gelu_def, st_graph_swish_def, st_graph_shrink_def;
/* broadcasting binary, variadic and selection ops (graph_elementwise_binary.c) */
extern const st_op_def st_graph_pow_def, st_graph_mod_def, st_graph_and_def, st_graph_or_def, st_graph_xor_def,
    st_graph_equal_def, st_graph_less_def, st_graph_greater_def, st_graph_less_or_equal_def,
    st_graph_greater_or_equal_def, st_graph_bit_shift_def, st_graph_bitwise_and_def, st_graph_bitwise_or_def,
    st_graph_bitwise_xor_def, st_graph_prelu_def, st_graph_swiglu_def, st_graph_sum_def, st_graph_mean_def,
    st_graph_max_def, st_graph_min_def, st_graph_where_def, st_graph_clip_def;
/* conversions and pass-through ops (graph_elementwise_cast.c) */
extern const st_op_def st_graph_cast_def, st_graph_cast_like_def, st_graph_identity_def, st_graph_dropout_def;

/* Cast's byte for v in the 8- or 4-bit float `kind` (round_mode: 0 up,
 * 1 down, 2 nearest, for f8E8M0FNU), for codegen's conversion tables. */
uint8_t st_graph_cast_encode_small(st_type_kind kind, double v, bool saturate, int round_mode);

/* ---- type rules shared by the family (graph_elementwise.c) ---- */
#define ST_EW_UNARY_TRAITS (ST_TRAIT_PURE | ST_TRAIT_ELEMENTWISE | ST_TRAIT_SAME_TYPE)
#define ST_EW_BINARY_TRAITS (ST_TRAIT_PURE | ST_TRAIT_ELEMENTWISE | ST_TRAIT_BROADCAST)

/* Result = operand 0's type; the element type must be a float type. */
bool st_ew_infer_float(st_op *op, st_context *ctx, const st_type **results, st_diag *d);
/* Result = operand 0's type; any numeric (int or float, not i1) element type. */
bool st_ew_infer_numeric(st_op *op, st_context *ctx, const st_type **results, st_diag *d);
/* Result = operand 0's type; an integer element type other than i1. */
bool st_ew_infer_int(st_op *op, st_context *ctx, const st_type **results, st_diag *d);
/* Result = operand 0's type (i1). */
bool st_ew_infer_bool(st_op *op, st_context *ctx, const st_type **results, st_diag *d);
/* Result: operand 0's shape with i1 elements; operand 0 must be float. */
bool st_ew_infer_float_to_bool(st_op *op, st_context *ctx, const st_type **results, st_diag *d);
/* Broadcast of all operands, which share one element type; the result
 * keeps it.  The _float/_int/_bool forms also check that element type. */
bool st_ew_infer_bcast(st_op *op, st_context *ctx, const st_type **results, st_diag *d);
bool st_ew_infer_bcast_float(st_op *op, st_context *ctx, const st_type **results, st_diag *d);
bool st_ew_infer_bcast_int(st_op *op, st_context *ctx, const st_type **results, st_diag *d);
bool st_ew_infer_bcast_bool(st_op *op, st_context *ctx, const st_type **results, st_diag *d);
/* Broadcast of all operands (one element type), i1 result: comparisons. */
bool st_ew_infer_compare(st_op *op, st_context *ctx, const st_type **results, st_diag *d);
/* Broadcast shape of operands [first, num_operands) into dims/rank;
 * diagnostic naming the op when they do not broadcast. */
bool st_ew_bcast_shape(st_op *op, unsigned first, unsigned *rank, st_dim *dims, st_diag *d);

/* ---- conversions (graph_elementwise_cast.c) ---- */
/* Stores v into element i of a buffer of scalar type `elem`, rounding once
 * from double (also for f16/bf16 and the 8- and 4-bit floats); float-to-
 * integer conversion truncates and wraps to the width (sub-byte included). */
void st_graph_store_converted(const st_type *elem, void *base, int64_t i, double v, bool saturate);

#endif
