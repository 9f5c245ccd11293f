/* The reduce family, part four: linear quantisation.  QuantizeLinear,
 * DequantizeLinear (per tensor, per axis and blocked; opset 25 attributes
 * axis, block_size, output_dtype, saturate) and DynamicQuantizeLinear, with
 * the element conversions the integer-math ops of graph_reduce_qmath.c
 * share.
 *
 * Quantising divides in float32 as the ONNX reference does, rounds half to
 * even and saturates to the range of the result type; float8 results are
 * rounded to nearest even and saturate to the largest finite value unless
 * saturate = 0.  The float8 conversions live here rather than in ir/elem.c
 * because quantisation needs the saturating variant. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "ir/dialects/graph_dtype.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_reduce.h"
#include "ir/elem.h"

/* ---- float8 and saturating element access ---- */

double st_quant_load(const st_type *elem, const void *data, int64_t i) { return st_elem_load_f(elem, data, i); }

static bool st_is_f8(const st_type *elem) { return st_is_small_float(elem->kind); }

void st_quant_store(const st_type *elem, void *data, int64_t i, double v, bool saturate) {
  if (st_is_f8(elem)) {
    ((uint8_t *)data)[i] = st_small_float_encode(elem->kind, v, saturate);
    return;
  }
  if (st_type_is_float(elem)) {
    st_elem_store_f(elem, data, i, v);
    return;
  }
  unsigned w = st_type_bit_width(elem);
  bool u = st_type_is_unsigned(elem);
  if (w > 32) { /* not a quantised type; st_elem_store_f clamps to the int64 range */
    st_elem_store_f(elem, data, i, isnan(v) ? 0.0 : rint(v));
    return;
  }
  double lo = u ? 0.0 : -ldexp(1.0, (int)w - 1), hi = u ? ldexp(1.0, (int)w) - 1 : ldexp(1.0, (int)w - 1) - 1;
  double r = isnan(v) ? 0.0 : rint(v);
  r = r < lo ? lo : r > hi ? hi : r;
  st_elem_store_i(elem, data, i, (int64_t)r);
}

double st_quant_round(const st_type *elem, double v) {
  unsigned char buf[8];
  st_quant_store(elem, buf, 0, v, true);
  return st_quant_load(elem, buf, 0);
}

bool st_quant_is_storage(const st_type *elem) {
  switch (elem->kind) {
  case ST_TY_I2: case ST_TY_U2: case ST_TY_I4: case ST_TY_U4: case ST_TY_I8: case ST_TY_U8: case ST_TY_I16:
  case ST_TY_U16: case ST_TY_I32: return true;
  default: return st_is_small_float(elem->kind);
  }
}

/* ---- scale and zero-point layouts ---- */

/* Checks that `p` (a scale or zero point) fits x: one element (per tensor),
 * a vector along `axis` (block 0), or x's shape with the axis divided into
 * blocks of `block` (rounded up). */
static bool st_quant_check_param(st_op *op, unsigned i, const st_type *x, unsigned axis, int64_t block, st_diag *d) {
  const st_type *p = st_op_operand(op, i)->type;
  if (p->kind != ST_TY_TENSOR) return st_graph_expect_tensor(op, i, d);
  if (st_type_num_elements(p) == 1 && block == 0) return true;
  bool ok;
  const st_dim *xd = x->u.shaped.dims, *pd = p->u.shaped.dims;
  if (block == 0) {
    ok = p->u.shaped.rank == 1 && pd[0] == xd[axis];
  } else {
    ok = p->u.shaped.rank == x->u.shaped.rank;
    for (unsigned k = 0; ok && k < x->u.shaped.rank; k++)
      ok = k == axis ? pd[k] == (xd[k] + block - 1) / block : pd[k] == xd[k];
  }
  char what[96];
  snprintf(what, sizeof what, "expects operand %u per tensor, per axis %u or blocked by %" PRId64, i, axis, block);
  return ok || st_graph_type_error(op, d, what, p);
}

/* For every element of x, the index of its scale / zero point. */
static int64_t *st_quant_param_index(const st_type *x, const st_type *p, unsigned axis, int64_t block) {
  unsigned rank = x->u.shaped.rank;
  int64_t n = st_type_num_elements(x), idx[ST_MAX_RANK] = {0};
  int64_t *out = malloc(sizeof(int64_t) * (size_t)(n > 0 ? n : 1));
  if (!out) return NULL;
  bool scalar = st_type_num_elements(p) == 1 && block == 0;
  for (int64_t i = 0; i < n; i++) {
    if (scalar) out[i] = 0;
    else if (block == 0) out[i] = idx[axis];
    else {
      int64_t off = 0;
      for (unsigned k = 0; k < rank; k++) off = off * p->u.shaped.dims[k] + (k == axis ? idx[k] / block : idx[k]);
      out[i] = off;
    }
    st_graph_next_index(rank, x->u.shaped.dims, idx);
  }
  return out;
}

/* The quantisation axis and block size; the axis is only checked when the
 * scale is not per tensor (ONNX ignores it then). */
static bool st_quant_axis(st_op *op, const st_type *x, const st_type *scale, unsigned *axis, int64_t *block,
                          st_diag *d) {
  *block = st_op_attr_int(op, "block_size", 0);
  if (*block < 0) {
    st_diag_error(d, op->loc, "'%s' op needs a non-negative block_size", op->def->name);
    return false;
  }
  if (x->u.shaped.rank == 0 || (*block == 0 && scale->kind == ST_TY_TENSOR && st_type_num_elements(scale) == 1)) {
    *axis = 0;
    return true;
  }
  int64_t a;
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", 1), x->u.shaped.rank, &a, d)) return false;
  *axis = (unsigned)a;
  return true;
}

/* ---- QuantizeLinear (x, y_scale, y_zero_point?) and DequantizeLinear (x, x_scale, x_zero_point?) ---- */

static bool st_quant_linear_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 2, d)) return false;
  bool quant = op->def == &st_graph_quantize_linear_def;
  if (op->num_operands < 2 || op->num_operands > 3) {
    st_diag_error(d, op->loc, "'%s' op expects 2 or 3 operands, got %u", op->def->name, op->num_operands);
    return false;
  }
  if (!st_graph_expect_tensor(op, 0, d) || !st_reduce_expect_float(op, 1, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type, *scale = st_op_operand(op, 1)->type;
  unsigned axis;
  int64_t block;
  if (x->u.shaped.rank > ST_MAX_RANK) return st_graph_type_error(op, d, "supports rank up to 8", x);
  if (!st_quant_axis(op, x, scale, &axis, &block, d) || !st_quant_check_param(op, 1, x, axis, block, d)) return false;
  bool has_zp = st_graph_has_operand(op, 2);
  if (has_zp && !st_quant_check_param(op, 2, x, axis, block, d)) return false;
  int64_t dtype = st_op_attr_int(op, "output_dtype", 0);
  const st_type *elem = dtype ? st_graph_dtype_type(ctx, dtype) : NULL;
  if (dtype && !elem) {
    st_diag_error(d, op->loc, "'%s' op output_dtype %" PRId64 " is not supported", op->def->name, dtype);
    return false;
  }
  if (quant) {
    if (!st_type_is_float(x->u.shaped.elem)) return st_graph_type_error(op, d, "expects a float input", x);
    if (has_zp) {
      const st_type *zp = st_op_operand(op, 2)->type->u.shaped.elem;
      if (elem && elem != zp) return st_graph_type_error(op, d, "expects output_dtype to match the zero point", st_op_operand(op, 2)->type);
      elem = zp;
    }
    if (!elem) elem = st_type_scalar(ctx, ST_TY_U8);
    if (!st_quant_is_storage(elem)) return st_graph_type_error(op, d, "cannot quantise to this element type", st_type_tensor(ctx, elem, 0, NULL));
  } else {
    if (!st_quant_is_storage(x->u.shaped.elem)) return st_graph_type_error(op, d, "expects a quantised input", x);
    if (has_zp && st_op_operand(op, 2)->type->u.shaped.elem != x->u.shaped.elem)
      return st_graph_type_error(op, d, "expects a zero point of the input's element type", st_op_operand(op, 2)->type);
    if (!elem) elem = scale->u.shaped.elem;
    if (!st_type_is_float(elem)) return st_graph_type_error(op, d, "expects a float output_dtype", x);
  }
  results[0] = st_type_tensor(ctx, elem, x->u.shaped.rank, x->u.shaped.dims);
  return true;
}

static bool st_interp_quant_linear(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  bool quant = op->def == &st_graph_quantize_linear_def;
  const st_type *x = in[0].type, *xe = x->u.shaped.elem, *se = in[1].type->u.shaped.elem;
  const st_type *oe = out[0].type->u.shaped.elem;
  bool has_zp = st_graph_has_operand(op, 2), saturate = st_op_attr_int(op, "saturate", 1) != 0;
  unsigned axis;
  int64_t block;
  if (!st_quant_axis(op, x, in[1].type, &axis, &block, d)) return false;
  int64_t *pi = st_quant_param_index(x, in[1].type, axis, block), n = st_type_num_elements(x);
  if (!pi) return st_graph_oom(op, d);
  /* Float8 zero points must be zero; the reference ignores them when quantising. */
  bool use_zp = has_zp && !(quant && st_is_f8(oe));
  for (int64_t i = 0; i < n; i++) {
    double s = st_elem_load_f(se, in[1].data, pi[i]);
    double zp = use_zp ? st_quant_load(in[2].type->u.shaped.elem, in[2].data, pi[i]) : 0.0;
    if (quant) {
      double v = xe->kind == ST_TY_F64 ? st_elem_load_f(xe, in[0].data, i) / s
                                      : (double)((float)st_elem_load_f(xe, in[0].data, i) / (float)s);
      /* Round before adding the zero point: ties go to even x / scale, not even y. */
      st_quant_store(oe, out[0].data, i, st_is_f8(oe) ? v : rint(v) + zp, saturate);
    } else {
      st_elem_store_f(oe, out[0].data, i, (st_quant_load(xe, in[0].data, i) - zp) * s);
    }
  }
  free(pi);
  return true;
}

/* ---- DynamicQuantizeLinear: x (float) -> y (u8), y_scale, y_zero_point ---- */

static bool st_dyn_quant_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (op->num_operands != 1 || op->num_results != 3) {
    st_diag_error(d, op->loc, "'graph.dynamic_quantize_linear' op expects 1 operand and 3 results");
    return false;
  }
  if (!st_reduce_expect_float(op, 0, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type, *u8 = st_type_scalar(ctx, ST_TY_U8);
  results[0] = st_type_tensor(ctx, u8, x->u.shaped.rank, x->u.shaped.dims);
  results[1] = st_type_tensor(ctx, st_type_scalar(ctx, ST_TY_F32), 0, NULL);
  results[2] = st_type_tensor(ctx, u8, 0, NULL);
  return true;
}

/* scale = (max(x, 0) - min(x, 0)) / 255 and zero point = round(-min / scale),
 * in float32 like the ONNX function body. */
static bool st_interp_dyn_quant(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  (void)op, (void)d;
  const st_type *xe = in[0].type->u.shaped.elem, *u8 = out[0].type->u.shaped.elem;
  int64_t n = st_type_num_elements(in[0].type);
  float lo = 0, hi = 0;
  for (int64_t i = 0; i < n; i++) {
    float v = (float)st_elem_load_f(xe, in[0].data, i);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  float scale = (hi - lo) / 255.0f;
  double zp = scale > 0 ? rint((double)(0.0f - lo / scale)) : 0.0;
  zp = zp < 0 ? 0 : zp > 255 ? 255 : zp;
  for (int64_t i = 0; i < n; i++) {
    float v = (float)st_elem_load_f(xe, in[0].data, i);
    st_quant_store(u8, out[0].data, i, scale > 0 ? rint((double)(v / scale)) + zp : zp, true);
  }
  if (out[1].data) st_elem_store_f(out[1].type->u.shaped.elem, out[1].data, 0, scale);
  if (out[2].data) st_elem_store_i(u8, out[2].data, 0, (int64_t)zp);
  return true;
}

const st_op_def st_graph_quantize_linear_def = {
    .name = "graph.quantize_linear",
    .summary = "saturate(round(x / scale) + zero_point) per tensor, axis or block (attrs axis, block_size, output_dtype, saturate)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_quant_linear_infer, .interpret = st_interp_quant_linear,
    .lower = st_graph_lower_quant_linear,
};
const st_op_def st_graph_dequantize_linear_def = {
    .name = "graph.dequantize_linear",
    .summary = "(x - zero_point) * scale per tensor, axis or block (attrs axis, block_size, output_dtype)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_quant_linear_infer, .interpret = st_interp_quant_linear,
    .lower = st_graph_lower_quant_linear,
};
const st_op_def st_graph_dynamic_quantize_linear_def = {
    .name = "graph.dynamic_quantize_linear", .summary = "uint8 quantisation with scale and zero point from x's range",
    .num_operands = 1, .num_results = 3, .traits = ST_TRAIT_PURE,
    .infer_types = st_dyn_quant_infer, .interpret = st_interp_dyn_quant,
    .lower = st_graph_lower_dyn_quant,
};
