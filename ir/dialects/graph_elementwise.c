/* Type rules of the elementwise family and its op group.
 *
 * Elementwise ops keep the shape of their operand, or take the numpy
 * broadcast of all their operands' shapes.  The rules here also check the
 * element types each ONNX operator admits, so a model with, say, an integer
 * Sqrt fails at import with a message naming the op rather than computing
 * nonsense.  The ops themselves are defined in graph_elementwise_*.c. */
#include <stdlib.h>

#include "ir/dialects/graph_elementwise.h"
#include "ir/print.h"

static bool st_ew_is_numeric(const st_type *e) {
  return st_type_is_float(e) || (st_type_is_int(e) && e->kind != ST_TY_I1);
}

/* Checks operand i is a tensor whose element type passes `ok`. */
static bool st_ew_check(st_op *op, unsigned i, bool (*ok)(const st_type *), const char *what, st_diag *d) {
  if (!st_graph_expect_tensor(op, i, d)) return false;
  const st_type *t = st_op_operand(op, i)->type;
  if (ok(t->u.shaped.elem)) return true;
  char msg[96];
  snprintf(msg, sizeof msg, "expects operand %u to be a tensor of %s", i, what);
  return st_graph_type_error(op, d, msg, t);
}

static bool st_ew_is_float(const st_type *e) { return st_type_is_float(e); }
static bool st_ew_is_int(const st_type *e) { return st_type_is_int(e) && e->kind != ST_TY_I1; }
static bool st_ew_is_bool(const st_type *e) { return e->kind == ST_TY_I1; }
static bool st_ew_is_any(const st_type *e) { return e->kind != ST_TY_NONE; }

static bool st_ew_same_as(st_op *op, unsigned i, bool (*ok)(const st_type *), const char *what,
                          const st_type **results, st_diag *d) {
  if (op->num_operands < 1) {
    st_diag_error(d, op->loc, "'%s' op expects an operand", op->def->name);
    return false;
  }
  if (!st_ew_check(op, i, ok, what, d)) return false;
  results[0] = st_op_operand(op, i)->type;
  return true;
}

bool st_ew_infer_float(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  (void)ctx;
  return st_ew_same_as(op, 0, st_ew_is_float, "floats", results, d);
}

bool st_ew_infer_numeric(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  (void)ctx;
  return st_ew_same_as(op, 0, st_ew_is_numeric, "numbers", results, d);
}

bool st_ew_infer_int(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  (void)ctx;
  return st_ew_same_as(op, 0, st_ew_is_int, "integers", results, d);
}

bool st_ew_infer_bool(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  (void)ctx;
  return st_ew_same_as(op, 0, st_ew_is_bool, "i1", results, d);
}

bool st_ew_infer_float_to_bool(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_ew_same_as(op, 0, st_ew_is_float, "floats", results, d)) return false;
  const st_type *t = st_op_operand(op, 0)->type;
  results[0] = st_type_tensor(ctx, st_type_scalar(ctx, ST_TY_I1), t->u.shaped.rank, t->u.shaped.dims);
  return true;
}

bool st_ew_bcast_shape(st_op *op, unsigned first, unsigned *rank, st_dim *dims, st_diag *d) {
  *rank = 0;
  for (unsigned i = first; i < op->num_operands; i++) {
    if (!st_graph_expect_tensor(op, i, d)) return false;
    const st_type *t = st_op_operand(op, i)->type;
    st_dim prev[ST_MAX_RANK];
    unsigned prev_rank = *rank;
    for (unsigned k = 0; k < prev_rank; k++) prev[k] = dims[k];
    if (t->u.shaped.rank > ST_MAX_RANK ||
        !st_broadcast_dims(prev_rank, prev, t->u.shaped.rank, t->u.shaped.dims, rank, dims)) {
      char *s = st_type_to_string(t);
      st_diag_error(d, op->loc, "'%s' op operand %u (%s) does not broadcast with the operands before it",
                    op->def->name, i, s ? s : "?");
      free(s);
      return false;
    }
  }
  return true;
}

/* Broadcast of all operands with one shared element type passing `ok`. */
static bool st_ew_bcast_common(st_op *op, st_context *ctx, bool (*ok)(const st_type *), const char *what,
                               const st_type **elem_out, const st_type **results, st_diag *d) {
  if (op->num_operands < 1) {
    st_diag_error(d, op->loc, "'%s' op expects at least one operand", op->def->name);
    return false;
  }
  unsigned rank;
  st_dim dims[ST_MAX_RANK];
  if (!st_ew_bcast_shape(op, 0, &rank, dims, d)) return false;
  const st_type *elem = st_op_operand(op, 0)->type->u.shaped.elem;
  for (unsigned i = 0; i < op->num_operands; i++) {
    if (!st_ew_check(op, i, ok, what, d)) return false;
    if (st_op_operand(op, i)->type->u.shaped.elem != elem) {
      char msg[96];
      snprintf(msg, sizeof msg, "expects operand %u to have the element type of operand 0", i);
      return st_graph_type_error(op, d, msg, st_op_operand(op, i)->type);
    }
  }
  *elem_out = elem;
  results[0] = st_type_tensor(ctx, elem, rank, dims);
  return true;
}

bool st_ew_infer_bcast(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  const st_type *e;
  return st_ew_bcast_common(op, ctx, st_ew_is_any, "a scalar type", &e, results, d);
}

bool st_ew_infer_bcast_float(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  const st_type *e;
  return st_ew_bcast_common(op, ctx, st_ew_is_float, "floats", &e, results, d);
}

bool st_ew_infer_bcast_int(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  const st_type *e;
  return st_ew_bcast_common(op, ctx, st_ew_is_int, "integers", &e, results, d);
}

bool st_ew_infer_bcast_bool(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  const st_type *e;
  return st_ew_bcast_common(op, ctx, st_ew_is_bool, "i1", &e, results, d);
}

bool st_ew_infer_compare(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  const st_type *e;
  if (!st_ew_bcast_common(op, ctx, st_ew_is_any, "a scalar type", &e, results, d)) return false;
  results[0] = st_type_tensor(ctx, st_type_scalar(ctx, ST_TY_I1), results[0]->u.shaped.rank,
                              results[0]->u.shaped.dims);
  return true;
}

/* ---- the family's op group ---- */

static const st_op_def *const st_graph_elementwise_list[] = {
    /* unary math */
    &st_graph_abs_def, &st_graph_neg_def, &st_graph_sqrt_def, &st_graph_reciprocal_def, &st_graph_exp_def,
    &st_graph_log_def, &st_graph_ceil_def, &st_graph_floor_def, &st_graph_round_def, &st_graph_sign_def,
    &st_graph_erf_def, &st_graph_sin_def, &st_graph_cos_def, &st_graph_tan_def, &st_graph_asin_def,
    &st_graph_acos_def, &st_graph_atan_def, &st_graph_sinh_def, &st_graph_cosh_def, &st_graph_asinh_def,
    &st_graph_acosh_def, &st_graph_atanh_def, &st_graph_sigmoid_def, &st_graph_tanh_def,
    &st_graph_softplus_def, &st_graph_softsign_def, &st_graph_is_inf_def, &st_graph_is_nan_def,
    &st_graph_not_def, &st_graph_bitwise_not_def,
    /* activations */
    &st_graph_elu_def, &st_graph_selu_def, &st_graph_celu_def, &st_graph_leaky_relu_def,
    &st_graph_thresholded_relu_def, &st_graph_hard_sigmoid_def, &st_graph_hard_swish_def, &st_graph_mish_def,
    &st_graph_gelu_def, &st_graph_swish_def, &st_graph_shrink_def, &st_graph_prelu_def, &st_graph_swiglu_def,
    /* binary, variadic, selection */
    &st_graph_pow_def, &st_graph_mod_def, &st_graph_and_def, &st_graph_or_def, &st_graph_xor_def,
    &st_graph_equal_def, &st_graph_less_def, &st_graph_greater_def, &st_graph_less_or_equal_def,
    &st_graph_greater_or_equal_def, &st_graph_bit_shift_def, &st_graph_bitwise_and_def,
    &st_graph_bitwise_or_def, &st_graph_bitwise_xor_def, &st_graph_sum_def, &st_graph_mean_def,
    &st_graph_max_def, &st_graph_min_def, &st_graph_where_def, &st_graph_clip_def,
    /* conversions */
    &st_graph_cast_def, &st_graph_cast_like_def, &st_graph_identity_def, &st_graph_dropout_def,
};

const st_op_group st_graph_elementwise_ops = ST_OP_GROUP(st_graph_elementwise_list);
