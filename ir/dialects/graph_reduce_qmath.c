/* The reduce family, part five: integer matrix products and convolutions.
 * MatMulInteger and ConvInteger accumulate (a - a_zero_point) * (b -
 * b_zero_point) exactly in int64 and return int32; QLinearMatMul and
 * QLinearConv then requantise: round(acc * a_scale * b_scale / y_scale) +
 * y_zero_point, saturated to the output type, with the multiplier rounded
 * to the scales' type as the ONNX reference computes it.
 *
 * Matrix products follow numpy batching; a zero point or scale of A may be
 * per row (M elements), one of B per column (N elements), one of a
 * convolution weight per output channel. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_reduce.h"
#include "ir/elem.h"

/* Element k of an optional per-tensor / per-row operand (0 when absent). */
static double st_qmath_param(const st_op *op, const st_tensor *in, unsigned i, int64_t k) {
  if (!st_graph_has_operand(op, i) || !in[i].data) return 0.0;
  int64_t n = st_type_num_elements(in[i].type);
  return st_quant_load(in[i].type->u.shaped.elem, in[i].data, n == 1 ? 0 : k);
}

/* Checks an optional quantisation parameter: 1 element or `n` elements. */
static bool st_qmath_check_param(st_op *op, unsigned i, st_dim n, st_diag *d) {
  if (!st_graph_has_operand(op, i)) return true;
  if (!st_graph_expect_tensor(op, i, d)) return false;
  const st_type *t = st_op_operand(op, i)->type;
  int64_t have = st_type_num_elements(t);
  if (have == 1 || (t->u.shaped.rank == 1 && (have == n || n == ST_DIM_DYNAMIC))) return true;
  char what[80];
  snprintf(what, sizeof what, "expects operand %u with 1 or %" PRId64 " elements", i, n);
  return st_graph_type_error(op, d, what, t);
}

/* ---- matrix products ---- */

typedef struct st_qmm {
  int64_t M, K, N, batches;
  unsigned rbatch;
  st_dim bdims[ST_MAX_RANK];
  int64_t sa[ST_MAX_RANK], sb[ST_MAX_RANK]; /* batch strides, in matrices */
} st_qmm;

/* numpy matmul shapes of a (rank >= 1) and b; fills the result dims. */
static bool st_qmm_shape(st_op *op, const st_type *a, const st_type *b, st_qmm *g, unsigned *rank, st_dim *dims,
                         st_diag *d) {
  unsigned ra = a->u.shaped.rank, rb = b->u.shaped.rank;
  if (ra == 0 || rb == 0 || ra > ST_MAX_RANK || rb > ST_MAX_RANK)
    return st_graph_type_error(op, d, "expects matrix operands of rank 1 to 8", ra == 0 ? a : b);
  g->M = ra > 1 ? a->u.shaped.dims[ra - 2] : 1;
  g->K = a->u.shaped.dims[ra - 1];
  g->N = rb > 1 ? b->u.shaped.dims[rb - 1] : 1;
  st_dim kb = b->u.shaped.dims[rb > 1 ? rb - 2 : 0];
  if (g->K != kb) {
    st_diag_error(d, op->loc, "'%s' op contraction dims differ: %" PRId64 " and %" PRId64, op->def->name, g->K, kb);
    return false;
  }
  unsigned ba = ra > 2 ? ra - 2 : 0, bb = rb > 2 ? rb - 2 : 0;
  if (!st_broadcast_dims(ba, a->u.shaped.dims, bb, b->u.shaped.dims, &g->rbatch, g->bdims)) {
    st_diag_error(d, op->loc, "'%s' op batch dims are not broadcastable", op->def->name);
    return false;
  }
  int64_t s = 1, t = 1;
  g->batches = 1;
  for (unsigned i = g->rbatch; i-- > 0;) {
    st_dim da = i >= g->rbatch - ba ? a->u.shaped.dims[i - (g->rbatch - ba)] : 1;
    st_dim db = i >= g->rbatch - bb ? b->u.shaped.dims[i - (g->rbatch - bb)] : 1;
    g->sa[i] = da == 1 ? 0 : s;
    g->sb[i] = db == 1 ? 0 : t;
    s *= da;
    t *= db;
    g->batches *= g->bdims[i];
  }
  *rank = 0;
  for (unsigned i = 0; i < g->rbatch; i++) dims[(*rank)++] = g->bdims[i];
  if (ra > 1) dims[(*rank)++] = g->M;
  if (rb > 1) dims[(*rank)++] = g->N;
  return true;
}

/* acc[b, m, n] = sum_k (A - a_zp[m]) * (B - b_zp[n]); a is operand ia,
 * its zero point iaz, and likewise for b. */
static void st_qmm_acc(const st_op *op, const st_qmm *g, const st_tensor *in, unsigned ia, unsigned iaz, unsigned ib,
                       unsigned ibz, int64_t *acc) {
  const st_type *ae = in[ia].type->u.shaped.elem, *be = in[ib].type->u.shaped.elem;
  int64_t idx[ST_MAX_RANK] = {0};
  for (int64_t bi = 0; bi < g->batches; bi++) {
    int64_t a0 = 0, b0 = 0;
    for (unsigned k = 0; k < g->rbatch; k++) {
      a0 += idx[k] * g->sa[k];
      b0 += idx[k] * g->sb[k];
    }
    a0 *= g->M * g->K;
    b0 *= g->K * g->N;
    for (int64_t m = 0; m < g->M; m++) {
      int64_t azp = (int64_t)st_qmath_param(op, in, iaz, m);
      for (int64_t n = 0; n < g->N; n++) {
        int64_t bzp = (int64_t)st_qmath_param(op, in, ibz, n), s = 0;
        for (int64_t k = 0; k < g->K; k++)
          s += (st_elem_load_i(ae, in[ia].data, a0 + m * g->K + k) - azp) *
               (st_elem_load_i(be, in[ib].data, b0 + k * g->N + n) - bzp);
        acc[(bi * g->M + m) * g->N + n] = s;
      }
    }
    st_graph_next_index(g->rbatch, g->bdims, idx);
  }
}

static bool st_int8ish(const st_type *t) {
  const st_type *e = st_type_elem(t);
  return e->kind == ST_TY_I8 || e->kind == ST_TY_U8;
}

/* MatMulInteger (A, B, a_zero_point?, b_zero_point?) -> int32. */
static bool st_matmul_integer_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 2, d)) return false;
  if (op->num_operands < 2 || op->num_operands > 4) {
    st_diag_error(d, op->loc, "'graph.matmul_integer' op expects 2 to 4 operands, got %u", op->num_operands);
    return false;
  }
  if (!st_graph_expect_tensor(op, 0, d) || !st_graph_expect_tensor(op, 1, d)) return false;
  const st_type *a = st_op_operand(op, 0)->type, *b = st_op_operand(op, 1)->type;
  if (!st_int8ish(a) || !st_int8ish(b)) return st_graph_type_error(op, d, "expects int8 or uint8 operands", st_int8ish(a) ? b : a);
  st_qmm g;
  unsigned rank;
  st_dim dims[ST_MAX_RANK];
  if (!st_qmm_shape(op, a, b, &g, &rank, dims, d) || !st_qmath_check_param(op, 2, g.M, d) ||
      !st_qmath_check_param(op, 3, g.N, d))
    return false;
  results[0] = st_type_tensor(ctx, st_type_scalar(ctx, ST_TY_I32), rank, dims);
  return true;
}

static bool st_interp_matmul_integer(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_qmm g;
  unsigned rank;
  st_dim dims[ST_MAX_RANK];
  if (!st_qmm_shape(op, in[0].type, in[1].type, &g, &rank, dims, d)) return false;
  int64_t n = g.batches * g.M * g.N, *acc = malloc(sizeof(int64_t) * (size_t)(n > 0 ? n : 1));
  if (!acc) return st_graph_oom(op, d);
  st_qmm_acc(op, &g, in, 0, 2, 1, 3, acc);
  for (int64_t i = 0; i < n; i++) st_elem_store_i(out[0].type->u.shaped.elem, out[0].data, i, acc[i]);
  free(acc);
  return true;
}

/* QLinearMatMul (a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp). */
static bool st_qlinear_matmul_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (op->num_operands != 8) {
    st_diag_error(d, op->loc, "'graph.qlinear_matmul' op expects 8 operands, got %u", op->num_operands);
    return false;
  }
  for (unsigned i = 0; i < 8; i++)
    if (!st_graph_expect_tensor(op, i, d)) return false;
  const st_type *a = st_op_operand(op, 0)->type, *b = st_op_operand(op, 3)->type, *yzp = st_op_operand(op, 7)->type;
  if (!st_int8ish(a) || !st_int8ish(b) || !st_int8ish(yzp))
    return st_graph_type_error(op, d, "expects int8 or uint8 data and zero points", a);
  st_qmm g;
  unsigned rank;
  st_dim dims[ST_MAX_RANK];
  if (!st_qmm_shape(op, a, b, &g, &rank, dims, d) || !st_qmath_check_param(op, 1, g.M, d) ||
      !st_qmath_check_param(op, 2, g.M, d) || !st_qmath_check_param(op, 4, g.N, d) ||
      !st_qmath_check_param(op, 5, g.N, d) || !st_qmath_check_param(op, 6, 1, d) || !st_qmath_check_param(op, 7, 1, d))
    return false;
  results[0] = st_type_tensor(ctx, yzp->u.shaped.elem, rank, dims);
  return true;
}

static bool st_interp_qlinear_matmul(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_qmm g;
  unsigned rank;
  st_dim dims[ST_MAX_RANK];
  if (!st_qmm_shape(op, in[0].type, in[3].type, &g, &rank, dims, d)) return false;
  int64_t n = g.batches * g.M * g.N, *acc = malloc(sizeof(int64_t) * (size_t)(n > 0 ? n : 1));
  if (!acc) return st_graph_oom(op, d);
  st_qmm_acc(op, &g, in, 0, 2, 3, 5, acc);
  const st_type *se = in[1].type->u.shaped.elem;
  double ys = st_qmath_param(op, in, 6, 0), yzp = st_qmath_param(op, in, 7, 0);
  for (int64_t i = 0; i < n; i++) {
    int64_t m = i / g.N % g.M, c = i % g.N;
    double mult = st_quant_round(se, st_quant_round(se, st_qmath_param(op, in, 1, m) * st_qmath_param(op, in, 4, c)) / ys);
    st_quant_store(out[0].type->u.shaped.elem, out[0].data, i, (double)acc[i] * mult + yzp, true);
  }
  free(acc);
  return true;
}

/* ---- convolutions ---- */

bool st_qconv_geom(st_op *op, const st_type *x, const st_type *w, st_conv_geom *g, st_dim *dims, st_diag *d) {
  unsigned r = x->u.shaped.rank;
  if (r < 3 || r > ST_MAX_RANK || w->u.shaped.rank != r)
    return st_graph_type_error(op, d, "expects input and weight of equal rank 3 to 8", r < 3 ? x : w);
  const st_dim *xd = x->u.shaped.dims, *wd = w->u.shaped.dims;
  if (!st_conv_read_attrs(op, r - 2, g, d)) return false;
  if (g->group <= 0 || xd[1] != wd[1] * g->group || wd[0] % g->group) {
    st_diag_error(d, op->loc, "'%s' op channels (%" PRId64 " in, weight %" PRId64 " x %" PRId64 ") do not match group %" PRId64,
                  op->def->name, xd[1], wd[0], wd[1], g->group);
    return false;
  }
  const char *auto_pad = st_op_attr_str(op, "auto_pad");
  dims[0] = xd[0];
  dims[1] = wd[0];
  for (unsigned i = 0; i < g->spatial; i++) {
    int64_t s = g->strides[i], span = g->dilations[i] * (wd[i + 2] - 1) + 1, in = xd[i + 2];
    if (s <= 0 || g->dilations[i] <= 0 || g->pads[i] < 0 || g->pads[i + g->spatial] < 0) {
      st_diag_error(d, op->loc, "'%s' op needs positive strides and dilations, non-negative pads", op->def->name);
      return false;
    }
    if (auto_pad && (!strcmp(auto_pad, "SAME_UPPER") || !strcmp(auto_pad, "SAME_LOWER"))) {
      int64_t o = (in + s - 1) / s, total = (o - 1) * s + span - in;
      if (total < 0) total = 0;
      bool upper = !strcmp(auto_pad, "SAME_UPPER");
      g->pads[i] = upper ? total / 2 : total - total / 2;
      g->pads[i + g->spatial] = total - g->pads[i];
    } else if (auto_pad && !strcmp(auto_pad, "VALID")) {
      g->pads[i] = g->pads[i + g->spatial] = 0;
    }
    int64_t padded = in + g->pads[i] + g->pads[i + g->spatial];
    if (padded < span) {
      st_diag_error(d, op->loc, "'%s' op kernel larger than the padded input in spatial dim %u", op->def->name, i);
      return false;
    }
    dims[i + 2] = (padded - span) / s + 1;
  }
  return true;
}

/* acc[n, m, o...] = sum over the group's channels and the kernel of
 * (X - x_zp) * (W - w_zp[m]); x is operand ix, w operand iw. */
static void st_qconv_acc(const st_op *op, const st_conv_geom *g, const st_tensor *in, unsigned ix, unsigned ixz,
                         unsigned iw, unsigned iwz, const st_dim *od, int64_t *acc) {
  const st_type *xt = in[ix].type, *wt = in[iw].type, *xe = xt->u.shaped.elem, *we = wt->u.shaped.elem;
  const st_dim *xd = xt->u.shaped.dims, *wd = wt->u.shaped.dims;
  unsigned S = g->spatial;
  int64_t Cg = wd[1], Mg = wd[0] / g->group, in_sp = 1, out_sp = 1, k_sp = 1;
  int64_t xzp = (int64_t)st_qmath_param(op, in, ixz, 0);
  for (unsigned i = 0; i < S; i++) {
    in_sp *= xd[i + 2];
    out_sp *= od[i + 2];
    k_sp *= wd[i + 2];
  }
  for (int64_t n = 0; n < od[0]; n++)
    for (int64_t m = 0; m < od[1]; m++) {
      int64_t grp = m / Mg, wzp = (int64_t)st_qmath_param(op, in, iwz, m), opos[ST_MAX_RANK] = {0};
      for (int64_t o = 0; o < out_sp; o++) {
        int64_t s = 0;
        for (int64_t c = 0; c < Cg; c++) {
          int64_t kpos[ST_MAX_RANK] = {0};
          for (int64_t k = 0; k < k_sp; k++) {
            int64_t xoff = 0;
            bool inside = true;
            for (unsigned t = 0; t < S && inside; t++) {
              int64_t p = opos[t] * g->strides[t] + kpos[t] * g->dilations[t] - g->pads[t];
              inside = p >= 0 && p < xd[t + 2];
              xoff = xoff * xd[t + 2] + p;
            }
            if (inside)
              s += (st_elem_load_i(xe, in[ix].data, (n * xd[1] + grp * Cg + c) * in_sp + xoff) - xzp) *
                   (st_elem_load_i(we, in[iw].data, (m * Cg + c) * k_sp + k) - wzp);
            st_graph_next_index(S, wd + 2, kpos);
          }
        }
        acc[(n * od[1] + m) * out_sp + o] = s;
        st_graph_next_index(S, od + 2, opos);
      }
    }
}

/* ConvInteger (x, w, x_zero_point?, w_zero_point?) -> int32. */
static bool st_conv_integer_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 2, d)) return false;
  if (op->num_operands < 2 || op->num_operands > 4) {
    st_diag_error(d, op->loc, "'graph.conv_integer' op expects 2 to 4 operands, got %u", op->num_operands);
    return false;
  }
  if (!st_graph_expect_tensor(op, 0, d) || !st_graph_expect_tensor(op, 1, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type, *w = st_op_operand(op, 1)->type;
  if (!st_int8ish(x) || !st_int8ish(w)) return st_graph_type_error(op, d, "expects int8 or uint8 operands", st_int8ish(x) ? w : x);
  st_conv_geom g;
  st_dim dims[ST_MAX_RANK];
  if (!st_qconv_geom(op, x, w, &g, dims, d) || !st_qmath_check_param(op, 2, 1, d) ||
      !st_qmath_check_param(op, 3, w->u.shaped.dims[0], d))
    return false;
  results[0] = st_type_tensor(ctx, st_type_scalar(ctx, ST_TY_I32), x->u.shaped.rank, dims);
  return true;
}

static bool st_interp_conv_integer(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_conv_geom g;
  st_dim dims[ST_MAX_RANK];
  if (!st_qconv_geom(op, in[0].type, in[1].type, &g, dims, d)) return false;
  int64_t n = st_type_num_elements(out[0].type), *acc = malloc(sizeof(int64_t) * (size_t)(n > 0 ? n : 1));
  if (!acc) return st_graph_oom(op, d);
  st_qconv_acc(op, &g, in, 0, 2, 1, 3, out[0].type->u.shaped.dims, acc);
  for (int64_t i = 0; i < n; i++) st_elem_store_i(out[0].type->u.shaped.elem, out[0].data, i, acc[i]);
  free(acc);
  return true;
}

/* QLinearConv (x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B?). */
static bool st_qlinear_conv_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 8, d)) return false;
  if (op->num_operands < 8 || op->num_operands > 9) {
    st_diag_error(d, op->loc, "'graph.qlinear_conv' op expects 8 or 9 operands, got %u", op->num_operands);
    return false;
  }
  for (unsigned i = 0; i < 8; i++)
    if (!st_graph_expect_tensor(op, i, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type, *w = st_op_operand(op, 3)->type, *yzp = st_op_operand(op, 7)->type;
  if (!st_int8ish(x) || !st_int8ish(w) || !st_int8ish(yzp))
    return st_graph_type_error(op, d, "expects int8 or uint8 data and zero points", x);
  st_conv_geom g;
  st_dim dims[ST_MAX_RANK];
  st_dim M = w->u.shaped.dims[0];
  if (!st_qconv_geom(op, x, w, &g, dims, d) || !st_qmath_check_param(op, 1, 1, d) || !st_qmath_check_param(op, 2, 1, d) ||
      !st_qmath_check_param(op, 4, M, d) || !st_qmath_check_param(op, 5, M, d) || !st_qmath_check_param(op, 6, 1, d) ||
      !st_qmath_check_param(op, 7, 1, d) || !st_qmath_check_param(op, 8, M, d))
    return false;
  results[0] = st_type_tensor(ctx, yzp->u.shaped.elem, x->u.shaped.rank, dims);
  return true;
}

static bool st_interp_qlinear_conv(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_conv_geom g;
  st_dim dims[ST_MAX_RANK];
  if (!st_qconv_geom(op, in[0].type, in[3].type, &g, dims, d)) return false;
  const st_dim *od = out[0].type->u.shaped.dims;
  int64_t n = st_type_num_elements(out[0].type), *acc = malloc(sizeof(int64_t) * (size_t)(n > 0 ? n : 1));
  if (!acc) return st_graph_oom(op, d);
  st_qconv_acc(op, &g, in, 0, 2, 3, 5, od, acc);
  const st_type *se = in[1].type->u.shaped.elem;
  double xs = st_qmath_param(op, in, 1, 0), ys = st_qmath_param(op, in, 6, 0), yzp = st_qmath_param(op, in, 7, 0);
  int64_t plane = 1;
  for (unsigned k = 2; k < out[0].type->u.shaped.rank; k++) plane *= od[k];
  for (int64_t i = 0; i < n; i++) {
    int64_t m = i / plane % od[1];
    double mult = st_quant_round(se, st_quant_round(se, xs * st_qmath_param(op, in, 4, m)) / ys);
    double v = (double)(acc[i] + (int64_t)st_qmath_param(op, in, 8, m)) * mult + yzp;
    st_quant_store(out[0].type->u.shaped.elem, out[0].data, i, v, true);
  }
  free(acc);
  return true;
}

const st_op_def st_graph_matmul_integer_def = {
    .name = "graph.matmul_integer", .summary = "int32 matmul of (A - a_zero_point) and (B - b_zero_point)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_matmul_integer_infer, .interpret = st_interp_matmul_integer,
    .lower = st_graph_lower_qmatmul,
};
const st_op_def st_graph_qlinear_matmul_def = {
    .name = "graph.qlinear_matmul", .summary = "quantised matmul requantised to y_scale and y_zero_point",
    .num_operands = 8, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_qlinear_matmul_infer, .interpret = st_interp_qlinear_matmul,
    .lower = st_graph_lower_qmatmul,
};
const st_op_def st_graph_conv_integer_def = {
    .name = "graph.conv_integer", .summary = "int32 convolution of (x - x_zero_point) and (w - w_zero_point)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_conv_integer_infer, .interpret = st_interp_conv_integer,
    .lower = st_graph_lower_qconv,
};
const st_op_def st_graph_qlinear_conv_def = {
    .name = "graph.qlinear_conv", .summary = "quantised convolution requantised to y_scale and y_zero_point (bias B?)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_qlinear_conv_infer, .interpret = st_interp_qlinear_conv,
    .lower = st_graph_lower_qconv,
};
