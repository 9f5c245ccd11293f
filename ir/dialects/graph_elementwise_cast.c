/* Conversions and pass-through ops of the graph dialect: Cast, CastLike,
 * Identity and Dropout.
 *
 * A conversion rounds once: integers convert exactly (wrapping to the
 * target's width, i4 included), floats go through double and are rounded to
 * the target by a single correctly rounded step, also for f16, bf16 and the
 * 8- and 4-bit floats (ir/elem.c; the ONNX Cast table decides saturation),
 * except f8E8M0FNU, which follows Cast's `round_mode`.  Cast's `to` is the
 * ONNX TensorProto data type number, as the importer gives it. */
#include <math.h>
#include <string.h>

#include "ir/dialects/graph_elementwise.h"
#include "ir/dialects/graph_dtype.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_random.h"
#include "ir/elem.h"

/* ---- element conversion ---- */

/* v rounded to float toward zero with the last bit set when inexact
 * ("round to odd"): rounding that float again to a narrower format gives
 * the correctly rounded result of v, avoiding double rounding. */
static float st_round_odd_f32(double v) {
  float f = (float)v;
  if (!isfinite(f) || (double)f == v) return f;
  if (fabs((double)f) > fabs(v)) f = nextafterf(f, 0.0f);
  uint32_t bits;
  memcpy(&bits, &f, 4);
  bits |= 1;
  memcpy(&f, &bits, 4);
  return f;
}

/* Float to integer: truncate, then wrap to the target's width (numpy's
 * behaviour for in-range int64 values); NaN gives 0. */
static int64_t st_float_to_int(double v, const st_type *elem) {
  if (isnan(v)) return 0;
  v = trunc(v);
  if (elem->kind == ST_TY_U64 && v >= 9223372036854775808.0)
    return v < 18446744073709551616.0 ? (int64_t)(uint64_t)v : 0;
  if (v >= 9223372036854775808.0 || v < -9223372036854775808.0) return INT64_MIN;
  return (int64_t)v;
}

void st_graph_store_converted(const st_type *elem, void *base, int64_t i, double v, bool saturate) {
  uint16_t h;
  if (st_is_small_float(elem->kind)) {
    ((uint8_t *)base)[i] = st_small_float_encode(elem->kind, v, saturate);
    return;
  }
  switch (elem->kind) {
  case ST_TY_F16:
    h = st_f32_to_f16(st_round_odd_f32(v));
    memcpy((char *)base + 2 * i, &h, 2);
    return;
  case ST_TY_BF16:
    h = st_f32_to_bf16(st_round_odd_f32(v));
    memcpy((char *)base + 2 * i, &h, 2);
    return;
  case ST_TY_F32:
  case ST_TY_F64: st_elem_store_f(elem, base, i, v); return;
  case ST_TY_I1: ((uint8_t *)base)[i] = v != 0; return; /* NaN is true, as in numpy */
  default: st_elem_store_i(elem, base, i, st_float_to_int(v, elem)); return;
  }
}

static bool st_elem_is_intlike(const st_type *e) { return st_type_is_int(e) || e->kind == ST_TY_INDEX; }

typedef enum st_e8m0_round { ST_E8M0_UP, ST_E8M0_DOWN, ST_E8M0_NEAREST } st_e8m0_round;

/* Cast to f8E8M0FNU with the ONNX rule (Cast-25 `round_mode`, default up):
 * the value as a float32 keeps its biased exponent, rounded up when the
 * mantissa is non-zero ("up") or when its guard bit says so ("nearest",
 * ties away from zero except below the normals); the sign is ignored;
 * NaN and infinities give 0xff; saturation stops rounding at 0xfe. */
static uint8_t st_e8m0_encode(double v, bool saturate, st_e8m0_round mode) {
  float f = (float)v;
  uint32_t bits;
  memcpy(&bits, &f, 4);
  unsigned e = bits >> 23 & 0xff, man = bits & 0x7fffff;
  if (e == 0xff) return 0xff;
  bool up = false;
  if (mode == ST_E8M0_UP) up = man != 0;
  else if (mode == ST_E8M0_NEAREST) up = (man & 0x400000) && ((man & 0x200000) || (man & 0x1fffff) || e > 0);
  if (up && !(saturate && e == 0xfe)) e++;
  return (uint8_t)e;
}

static st_e8m0_round st_e8m0_mode(st_op *op) {
  const char *m = st_op_attr_str(op, "round_mode");
  return m && !strcmp(m, "down") ? ST_E8M0_DOWN : m && !strcmp(m, "nearest") ? ST_E8M0_NEAREST : ST_E8M0_UP;
}

/* The byte Cast stores for v in a small float `kind` (round_mode 0 up,
 * 1 down, 2 nearest; it matters only for f8E8M0FNU): codegen builds its
 * conversion tables from this, so compiled code rounds as the interpreter. */
uint8_t st_graph_cast_encode_small(st_type_kind kind, double v, bool saturate, int round_mode) {
  if (kind == ST_TY_F8E8M0FNU)
    return st_e8m0_encode(v, saturate, round_mode == 1 ? ST_E8M0_DOWN : round_mode == 2 ? ST_E8M0_NEAREST : ST_E8M0_UP);
  return st_small_float_encode(kind, v, saturate);
}

/* Converts every element of `in` into `out` (same element count). */
static void st_convert(const st_tensor *in, st_tensor *out, bool saturate, st_e8m0_round mode) {
  const st_type *ie = st_type_elem(in->type), *oe = st_type_elem(out->type);
  int64_t n = st_type_num_elements(out->type);
  bool from_int = st_elem_is_intlike(ie), u64 = ie->kind == ST_TY_U64;
  for (int64_t i = 0; i < n; i++) {
    if (from_int && st_elem_is_intlike(oe)) {
      int64_t v = st_elem_load_i(ie, in->data, i);
      if (oe->kind == ST_TY_I1) v = v != 0;
      st_elem_store_i(oe, out->data, i, v);
    } else if (from_int && oe->kind == ST_TY_F32) {
      /* int64 -> float directly: going through double would round twice. */
      int64_t v = st_elem_load_i(ie, in->data, i);
      float f = u64 ? (float)(uint64_t)v : (float)v;
      memcpy((char *)out->data + 4 * i, &f, 4);
    } else if (oe->kind == ST_TY_F8E8M0FNU) {
      ((uint8_t *)out->data)[i] = st_e8m0_encode(st_elem_load_f(ie, in->data, i), saturate, mode);
    } else {
      st_graph_store_converted(oe, out->data, i, st_elem_load_f(ie, in->data, i), saturate);
    }
  }
}

/* ---- Cast / CastLike ---- */

static bool st_cast_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_attr *to = st_op_get_attr(op, "to");
  /* Cast-1 named the type with a string. */
  int64_t dt = !to ? 0 : to->kind == ST_ATTR_INT ? to->u.i : to->kind == ST_ATTR_STRING ? st_graph_dtype_by_enum_name(to->u.str.data) : 0;
  if (!to) {
    st_diag_error(d, op->loc, "'graph.cast' op needs attribute 'to'");
    return false;
  }
  const st_type *elem = st_graph_dtype_type(ctx, dt);
  if (!elem) {
    st_diag_error(d, op->loc, "'graph.cast' op cannot cast to ONNX data type %lld (%s)", (long long)dt,
                  st_graph_dtype_name(dt));
    return false;
  }
  const st_type *t = st_op_operand(op, 0)->type;
  results[0] = st_type_tensor(ctx, elem, t->u.shaped.rank, t->u.shaped.dims);
  return true;
}

static bool st_cast_like_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d) || !st_graph_expect_tensor(op, 1, d)) return false;
  const st_type *t = st_op_operand(op, 0)->type;
  results[0] = st_type_tensor(ctx, st_op_operand(op, 1)->type->u.shaped.elem, t->u.shaped.rank, t->u.shaped.dims);
  return true;
}

static bool st_cast_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_convert(&in[0], &out[0], st_op_attr_int(op, "saturate", 1) != 0, st_e8m0_mode(op));
  return true;
}

/* ---- Identity ---- */

static bool st_identity_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  results[0] = st_op_operand(op, 0)->type;
  return true;
}

/* ---- Dropout(data, ratio?, training_mode?) -> output, mask? ----
 *
 * In inference (training_mode absent or false, or ratio 0) the output is
 * the input and the mask all true.  In training the mask keeps an element
 * when a uniform draw is >= ratio, and kept elements scale by 1/(1-ratio);
 * the draws come from MT19937 seeded with the `seed` attribute and turned
 * into doubles as numpy's RandomState does (graph_random.c), so seeded
 * models reproduce the ONNX reference. */

static bool st_dropout_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 1, d)) return false;
  if (op->num_operands < 1 || op->num_operands > 3 || op->num_results < 1 || op->num_results > 2) {
    st_diag_error(d, op->loc, "'graph.dropout' op expects 1 to 3 operands and 1 or 2 results");
    return false;
  }
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *t = st_op_operand(op, 0)->type;
  results[0] = t;
  if (op->num_results == 2)
    results[1] = st_type_tensor(ctx, st_type_scalar(ctx, ST_TY_I1), t->u.shaped.rank, t->u.shaped.dims);
  return true;
}

static bool st_dropout_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *e = st_type_elem(out[0].type);
  int64_t n = st_type_num_elements(out[0].type);
  double ratio = st_graph_has_operand(op, 1) ? st_elem_load_f(st_type_elem(in[1].type), in[1].data, 0) : 0.5;
  bool training = st_graph_has_operand(op, 2) && st_elem_load_i(st_type_elem(in[2].type), in[2].data, 0) != 0;
  uint8_t *mask = op->num_results == 2 ? out[1].data : NULL;
  if (!training || ratio == 0) {
    if (n > 0) memcpy(out[0].data, in[0].data, out[0].nbytes); /* empty tensors may have NULL data */
    if (mask && n > 0) memset(mask, 1, (size_t)n);
    return true;
  }
  if (!(ratio > 0 && ratio < 1)) {
    st_diag_error(d, op->loc, "'graph.dropout' op ratio must be in [0, 1), got %g", ratio);
    return false;
  }
  st_mt19937 mt;
  st_mt_seed(&mt, (uint32_t)st_op_attr_int(op, "seed", 0));
  double scale = 1.0 / (1.0 - ratio);
  for (int64_t i = 0; i < n; i++) {
    bool keep = st_mt_double(&mt) >= ratio;
    st_elem_store_f(e, out[0].data, i, keep ? st_elem_load_f(e, in[0].data, i) * scale : 0.0);
    if (mask) mask[i] = keep;
  }
  return true;
}

/* ---- the table ---- */

const st_op_def st_graph_cast_def = {
    .name = "graph.cast", .summary = "converts elements to ONNX data type `to` (attr saturate for float8)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_ELEMENTWISE | ST_TRAIT_ZERO_PRESERVING,
    .infer_types = st_cast_infer, .interpret = st_cast_interp,
    .lower = st_graph_lower_elementwise,
};
const st_op_def st_graph_cast_like_def = {
    .name = "graph.cast_like", .summary = "converts operand 0 to the element type of operand 1 (attr saturate)",
    .num_operands = 2, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_ELEMENTWISE,
    .infer_types = st_cast_like_infer, .interpret = st_cast_interp,
    .lower = st_graph_lower_elementwise,
};
const st_op_def st_graph_identity_def = {
    .name = "graph.identity", .summary = "the operand, unchanged",
    .num_operands = 1, .num_results = 1,
    .traits = ST_EW_UNARY_TRAITS | ST_TRAIT_ZERO_PRESERVING | ST_TRAIT_MOVEMENT,
    .infer_types = st_identity_infer, .interpret = st_graph_interp_copy,
    .lower = st_graph_lower_reshape,
};
const st_op_def st_graph_dropout_def = {
    .name = "graph.dropout", .summary = "identity in inference; seeded random drop in training (optional i1 mask)",
    .num_operands = ST_VARIADIC, .num_results = ST_VARIADIC, .traits = ST_TRAIT_PURE,
    .infer_types = st_dropout_infer, .interpret = st_dropout_interp,
    .lower = st_graph_lower_dropout,
};
