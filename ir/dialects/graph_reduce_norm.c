/* The reduce family, part two: normalisations.  LayerNormalization,
 * RMSNormalization, BatchNormalization, InstanceNormalization,
 * GroupNormalization, LpNormalization, MeanVarianceNormalization and LRN,
 * with their newest-opset attributes and ONNX defaults.
 *
 * Statistics are computed in double over groups of a st_reduce_plan and each
 * result is rounded once on store.  GroupNormalization accepts a scale and
 * bias per channel (opset 21) or per group (opset 18): the two agree when
 * groups equal channels, so the shape says which one is meant. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "ir/dialects/graph_dtype.h"
#include "ir/dialects/graph_reduce.h"
#include "ir/dialects/graph_lower.h"
#include "ir/elem.h"

/* Index into `operand` of every element of `x` under unidirectional
 * broadcasting (operand's shape broadcasts to x's).  malloc'd; NULL on OOM. */
static int64_t *st_norm_bcast_index(const st_type *operand, const st_type *x) {
  unsigned rank = x->u.shaped.rank;
  int64_t n = st_type_num_elements(x), strides[ST_MAX_RANK], idx[ST_MAX_RANK] = {0};
  int64_t *out = malloc(sizeof(int64_t) * (size_t)(n > 0 ? n : 1));
  if (!out) return NULL;
  st_graph_bcast_strides(operand, rank, x->u.shaped.dims, strides);
  for (int64_t i = 0; i < n; i++) {
    int64_t off = 0;
    for (unsigned k = 0; k < rank; k++) off += idx[k] * strides[k];
    out[i] = off;
    st_graph_next_index(rank, x->u.shaped.dims, idx);
  }
  return out;
}

/* Checks that operand i is a float tensor broadcastable to x's shape. */
static bool st_norm_expect_bcast(st_op *op, unsigned i, const st_type *x, st_diag *d) {
  if (!st_reduce_expect_float(op, i, d)) return false;
  const st_type *t = st_op_operand(op, i)->type;
  st_dim out[ST_MAX_RANK];
  unsigned r;
  bool ok = t->u.shaped.rank <= x->u.shaped.rank &&
            st_broadcast_dims(x->u.shaped.rank, x->u.shaped.dims, t->u.shaped.rank, t->u.shaped.dims, &r, out);
  for (unsigned k = 0; ok && k < r; k++) ok = out[k] == x->u.shaped.dims[k];
  char what[80];
  snprintf(what, sizeof what, "expects operand %u to broadcast to the input's shape", i);
  return ok || st_graph_type_error(op, d, what, t);
}

/* Checks that operand i is a float tensor of exactly n elements. */
static bool st_norm_expect_vector(st_op *op, unsigned i, st_dim n, st_diag *d) {
  if (!st_reduce_expect_float(op, i, d)) return false;
  const st_type *t = st_op_operand(op, i)->type;
  int64_t have = st_type_num_elements(t);
  if (have == n || have < 0 || n == ST_DIM_DYNAMIC) return true;
  char what[80];
  snprintf(what, sizeof what, "expects operand %u to hold %" PRId64 " elements", i, n);
  return st_graph_type_error(op, d, what, t);
}

/* ---- LayerNormalization and RMSNormalization: over the axes from `axis` ---- */

static bool st_layer_norm_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 2, d)) return false;
  bool rms = op->def == &st_graph_rms_normalization_def;
  unsigned max_in = rms ? 2 : 3, max_out = rms ? 1 : 3;
  if (op->num_operands < 2 || op->num_operands > max_in || op->num_results < 1 || op->num_results > max_out) {
    st_diag_error(d, op->loc, "'%s' op expects 2 to %u operands and 1 to %u results", op->def->name, max_in, max_out);
    return false;
  }
  if (!st_reduce_expect_float(op, 0, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type;
  int64_t axis;
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", -1), x->u.shaped.rank, &axis, d)) return false;
  for (unsigned i = 1; i < op->num_operands; i++)
    if (st_graph_has_operand(op, i) && !st_norm_expect_bcast(op, i, x, d)) return false;
  results[0] = x;
  if (op->num_results > 1) {
    /* Mean and InvStdDev keep the leading dims; the statistics type is the stash type. */
    const st_type *stash = st_graph_dtype_type(ctx, st_op_attr_int(op, "stash_type", 1));
    if (!stash || !st_type_is_float(stash)) stash = x->u.shaped.elem;
    bool mask[ST_MAX_RANK];
    for (unsigned i = 0; i < x->u.shaped.rank; i++) mask[i] = i >= axis;
    for (unsigned i = 1; i < op->num_results; i++) results[i] = st_reduce_result_type(ctx, x, mask, true, stash);
  }
  return true;
}

static bool st_interp_layer_norm(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  bool rms = op->def == &st_graph_rms_normalization_def;
  const st_type *x = in[0].type, *elem = x->u.shaped.elem;
  int64_t axis;
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", -1), x->u.shaped.rank, &axis, d)) return false;
  double eps = st_op_attr_float(op, "epsilon", 1e-5);
  bool has_bias = !rms && st_graph_has_operand(op, 2);
  st_reduce_plan p;
  if (!st_reduce_plan_tail(&p, op, x, axis, d)) return false;
  int64_t *si = st_norm_bcast_index(in[1].type, x), *bi = has_bias ? st_norm_bcast_index(in[2].type, x) : NULL;
  if (!si || (has_bias && !bi)) {
    free(si);
    st_reduce_plan_free(&p);
    return st_graph_oom(op, d);
  }
  const st_type *se = in[1].type->u.shaped.elem, *be = has_bias ? in[2].type->u.shaped.elem : NULL;
  for (int64_t o = 0; o < p.outer; o++) {
    double mean = 0, var = 0;
    for (int64_t j = 0; j < p.inner; j++) {
      double v = st_elem_load_f(elem, in[0].data, p.base[o] + p.offs[j]);
      mean += v;
      var += v * v;
    }
    mean /= (double)p.inner;
    if (rms) {
      var /= (double)p.inner;
      mean = 0;
    } else {
      var = 0;
      for (int64_t j = 0; j < p.inner; j++) {
        double v = st_elem_load_f(elem, in[0].data, p.base[o] + p.offs[j]) - mean;
        var += v * v;
      }
      var /= (double)p.inner;
    }
    double inv = 1.0 / sqrt(var + eps);
    for (int64_t j = 0; j < p.inner; j++) {
      int64_t i = p.base[o] + p.offs[j];
      double y = (st_elem_load_f(elem, in[0].data, i) - mean) * inv * st_elem_load_f(se, in[1].data, si[i]);
      if (has_bias) y += st_elem_load_f(be, in[2].data, bi[i]);
      st_elem_store_f(elem, out[0].data, i, y);
    }
    if (op->num_results > 1 && out[1].data) st_elem_store_f(out[1].type->u.shaped.elem, out[1].data, o, mean);
    if (op->num_results > 2 && out[2].data) st_elem_store_f(out[2].type->u.shaped.elem, out[2].data, o, inv);
  }
  free(si);
  free(bi);
  st_reduce_plan_free(&p);
  return true;
}

/* ---- BatchNormalization (X, scale, B, mean, var), channels on axis 1 ---- */

static bool st_batch_norm_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  (void)ctx;
  if (op->num_operands != 5 || op->num_results < 1 || op->num_results > 3) {
    st_diag_error(d, op->loc, "'graph.batch_normalization' op expects 5 operands and 1 to 3 results");
    return false;
  }
  if (!st_reduce_expect_float(op, 0, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type;
  if (x->u.shaped.rank < 2) return st_graph_type_error(op, d, "expects an input of rank 2 or more", x);
  for (unsigned i = 1; i < 5; i++)
    if (!st_norm_expect_vector(op, i, x->u.shaped.dims[1], d)) return false;
  results[0] = x;
  for (unsigned i = 1; i < op->num_results; i++) results[i] = st_op_operand(op, i + 2)->type;
  return true;
}

/* Training mode normalises with the batch statistics and returns the
 * running statistics updated with `momentum`. */
static bool st_interp_batch_norm(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *x = in[0].type, *elem = x->u.shaped.elem;
  double eps = st_op_attr_float(op, "epsilon", 1e-5), momentum = st_op_attr_float(op, "momentum", 0.9);
  bool training = st_op_attr_int(op, "training_mode", 0) != 0;
  bool mask[ST_MAX_RANK];
  for (unsigned i = 0; i < x->u.shaped.rank; i++) mask[i] = i != 1;
  st_reduce_plan p;
  if (!st_reduce_plan_init(&p, op, x, mask, d)) return false;
  for (int64_t c = 0; c < p.outer; c++) {
    double mean = st_elem_load_f(in[3].type->u.shaped.elem, in[3].data, c);
    double var = st_elem_load_f(in[4].type->u.shaped.elem, in[4].data, c);
    if (training) {
      double m = 0, v = 0;
      for (int64_t j = 0; j < p.inner; j++) m += st_elem_load_f(elem, in[0].data, p.base[c] + p.offs[j]);
      m /= (double)p.inner;
      for (int64_t j = 0; j < p.inner; j++) {
        double t = st_elem_load_f(elem, in[0].data, p.base[c] + p.offs[j]) - m;
        v += t * t;
      }
      v /= (double)p.inner;
      for (unsigned r = 1; r < op->num_results && r < 3; r++)
        if (out[r].data)
          st_elem_store_f(out[r].type->u.shaped.elem, out[r].data, c,
                          (r == 1 ? mean : var) * momentum + (r == 1 ? m : v) * (1 - momentum));
      mean = m;
      var = v;
    }
    double scale = st_elem_load_f(in[1].type->u.shaped.elem, in[1].data, c) / sqrt(var + eps);
    double bias = st_elem_load_f(in[2].type->u.shaped.elem, in[2].data, c);
    for (int64_t j = 0; j < p.inner; j++) {
      int64_t i = p.base[c] + p.offs[j];
      st_elem_store_f(elem, out[0].data, i, (st_elem_load_f(elem, in[0].data, i) - mean) * scale + bias);
    }
  }
  st_reduce_plan_free(&p);
  return true;
}

/* ---- InstanceNormalization and GroupNormalization ---- */

static bool st_instance_norm_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  (void)ctx;
  bool group = op->def == &st_graph_group_normalization_def;
  if (op->num_operands != 3) {
    st_diag_error(d, op->loc, "'%s' op expects 3 operands, got %u", op->def->name, op->num_operands);
    return false;
  }
  if (!st_reduce_expect_float(op, 0, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type;
  if (x->u.shaped.rank < 2) return st_graph_type_error(op, d, "expects an input of rank 2 or more", x);
  st_dim c = x->u.shaped.dims[1];
  if (group) {
    int64_t g = st_op_attr_int(op, "num_groups", 0);
    if (g <= 0 || (c != ST_DIM_DYNAMIC && c % g)) {
      st_diag_error(d, op->loc, "'graph.group_normalization' op needs num_groups > 0 dividing the %" PRId64
                    " channels, got %" PRId64, c, g);
      return false;
    }
    /* Per channel (opset 21) or per group (opset 18). */
    for (unsigned i = 1; i < 3; i++)
      if (st_type_num_elements(st_op_operand(op, i)->type) == g && g != c) c = g;
  }
  for (unsigned i = 1; i < 3; i++)
    if (!st_norm_expect_vector(op, i, c, d)) return false;
  results[0] = x;
  return true;
}

/* Normalises groups of `chunk` contiguous elements: one (n, c) plane for
 * InstanceNormalization, one (n, group) block for GroupNormalization. */
static bool st_interp_instance_norm(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *x = in[0].type, *elem = x->u.shaped.elem;
  const st_type *se = in[1].type->u.shaped.elem, *be = in[2].type->u.shaped.elem;
  double eps = st_op_attr_float(op, "epsilon", 1e-5);
  int64_t n = st_type_num_elements(x), C = x->u.shaped.dims[1];
  int64_t spatial = st_graph_prod(x->u.shaped.dims, 2, x->u.shaped.rank);
  int64_t groups = op->def == &st_graph_group_normalization_def ? st_op_attr_int(op, "num_groups", 1) : C;
  if (groups <= 0 || C % groups) {
    st_diag_error(d, op->loc, "'%s' op needs num_groups > 0 dividing the channels", op->def->name);
    return false;
  }
  bool per_group = st_type_num_elements(in[1].type) != C;
  int64_t chunk = C / groups * spatial;
  for (int64_t start = 0; chunk > 0 && start < n; start += chunk) {
    double mean = 0, var = 0;
    for (int64_t i = start; i < start + chunk; i++) mean += st_elem_load_f(elem, in[0].data, i);
    mean /= (double)chunk;
    for (int64_t i = start; i < start + chunk; i++) {
      double t = st_elem_load_f(elem, in[0].data, i) - mean;
      var += t * t;
    }
    double inv = 1.0 / sqrt(var / (double)chunk + eps);
    for (int64_t i = start; i < start + chunk; i++) {
      int64_t c = i / spatial % C, k = per_group ? c / (C / groups) : c;
      double y = (st_elem_load_f(elem, in[0].data, i) - mean) * inv * st_elem_load_f(se, in[1].data, k) +
                 st_elem_load_f(be, in[2].data, k);
      st_elem_store_f(elem, out[0].data, i, y);
    }
  }
  return true;
}

/* ---- LpNormalization, MeanVarianceNormalization, LRN: same-shape ops ---- */

static bool st_norm_same_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  (void)ctx;
  if (!st_reduce_expect_float(op, 0, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type;
  if (op->def == &st_graph_lp_normalization_def) {
    int64_t axis;
    int64_t p = st_op_attr_int(op, "p", 2);
    if (!st_graph_axis(op, st_op_attr_int(op, "axis", -1), x->u.shaped.rank, &axis, d)) return false;
    if (p != 1 && p != 2) {
      st_diag_error(d, op->loc, "'graph.lp_normalization' op supports p = 1 or 2, got %" PRId64, p);
      return false;
    }
  } else if (op->def == &st_graph_lrn_def) {
    if (x->u.shaped.rank < 2) return st_graph_type_error(op, d, "expects an input of rank 2 or more", x);
    if (st_op_attr_int(op, "size", 0) <= 0) {
      st_diag_error(d, op->loc, "'graph.lrn' op needs a positive 'size' attribute");
      return false;
    }
  }
  results[0] = x;
  return true;
}

static bool st_interp_lp_norm(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *x = in[0].type, *elem = x->u.shaped.elem;
  int64_t axis;
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", -1), x->u.shaped.rank, &axis, d)) return false;
  bool l1 = st_op_attr_int(op, "p", 2) == 1, mask[ST_MAX_RANK] = {0};
  mask[axis] = true;
  st_reduce_plan p;
  if (!st_reduce_plan_init(&p, op, x, mask, d)) return false;
  for (int64_t o = 0; o < p.outer; o++) {
    double norm = 0;
    for (int64_t j = 0; j < p.inner; j++) {
      double v = st_elem_load_f(elem, in[0].data, p.base[o] + p.offs[j]);
      norm += l1 ? fabs(v) : v * v;
    }
    if (!l1) norm = sqrt(norm);
    if (norm == 0) norm = 1; /* an all-zero slice stays zero, as in the ONNX reference */
    for (int64_t j = 0; j < p.inner; j++) {
      int64_t i = p.base[o] + p.offs[j];
      st_elem_store_f(elem, out[0].data, i, st_elem_load_f(elem, in[0].data, i) / norm);
    }
  }
  st_reduce_plan_free(&p);
  return true;
}

bool st_mvn_axes(st_op *op, unsigned rank, bool *mask, st_diag *d) {
  const st_attr *axes = st_op_get_attr(op, "axes");
  bool given = axes && axes->kind == ST_ATTR_ARRAY;
  for (unsigned a = 0; a < rank; a++) mask[a] = !given && (a == 0 || a == 2 || a == 3);
  for (unsigned k = 0; given && k < axes->u.array.n; k++) {
    int64_t a;
    const st_attr *e = axes->u.array.elems[k];
    if (e->kind != ST_ATTR_INT || !st_graph_axis(op, e->u.i, rank, &a, d)) return false;
    mask[a] = true;
  }
  return true;
}

/* (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9) over attr axes (default [0, 2, 3]). */
static bool st_interp_mvn(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *x = in[0].type, *elem = x->u.shaped.elem;
  bool mask[ST_MAX_RANK];
  if (!st_mvn_axes(op, x->u.shaped.rank, mask, d)) return false;
  st_reduce_plan p;
  if (!st_reduce_plan_init(&p, op, x, mask, d)) return false;
  for (int64_t o = 0; o < p.outer; o++) {
    double s = 0, s2 = 0;
    for (int64_t j = 0; j < p.inner; j++) {
      double v = st_elem_load_f(elem, in[0].data, p.base[o] + p.offs[j]);
      s += v;
      s2 += v * v;
    }
    double mean = s / (double)p.inner, var = s2 / (double)p.inner - mean * mean;
    double den = sqrt(var > 0 ? var : 0) + 1e-9;
    for (int64_t j = 0; j < p.inner; j++) {
      int64_t i = p.base[o] + p.offs[j];
      st_elem_store_f(elem, out[0].data, i, (st_elem_load_f(elem, in[0].data, i) - mean) / den);
    }
  }
  st_reduce_plan_free(&p);
  return true;
}

/* y = x / (bias + alpha / size * sum of x^2 over a window of channels)^beta,
 * the window running from c - floor((size-1)/2) to c + ceil((size-1)/2). */
static bool st_interp_lrn(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  (void)d;
  const st_type *x = in[0].type, *elem = x->u.shaped.elem;
  double alpha = st_op_attr_float(op, "alpha", 1e-4), beta = st_op_attr_float(op, "beta", 0.75);
  double bias = st_op_attr_float(op, "bias", 1.0);
  int64_t size = st_op_attr_int(op, "size", 1), n = st_type_num_elements(x), C = x->u.shaped.dims[1];
  int64_t spatial = st_graph_prod(x->u.shaped.dims, 2, x->u.shaped.rank);
  int64_t lo = (size - 1) / 2, hi = size / 2; /* floor and ceil of (size - 1) / 2 */
  for (int64_t i = 0; i < n; i++) {
    int64_t c = i / spatial % C, plane = i - c * spatial;
    double sq = 0;
    for (int64_t k = c - lo < 0 ? 0 : c - lo; k <= c + hi && k < C; k++) {
      double v = st_elem_load_f(elem, in[0].data, plane + k * spatial);
      sq += v * v;
    }
    st_elem_store_f(elem, out[0].data, i, st_elem_load_f(elem, in[0].data, i) / pow(bias + alpha / (double)size * sq, beta));
  }
  return true;
}

/* ---- the table ---- */

const st_op_def st_graph_layer_normalization_def = {
    .name = "graph.layer_normalization",
    .summary = "normalises over the axes from attr axis (X, Scale, B?) -> Y, Mean?, InvStdDev?",
    .num_operands = ST_VARIADIC, .num_results = ST_VARIADIC, .traits = ST_TRAIT_PURE,
    .infer_types = st_layer_norm_infer, .interpret = st_interp_layer_norm,
    .lower = st_graph_lower_layer_norm,
};
const st_op_def st_graph_rms_normalization_def = {
    .name = "graph.rms_normalization", .summary = "x / sqrt(mean(x^2) + epsilon) * scale over the axes from attr axis",
    .num_operands = ST_VARIADIC, .num_results = ST_VARIADIC, .traits = ST_TRAIT_PURE,
    .infer_types = st_layer_norm_infer, .interpret = st_interp_layer_norm,
    .lower = st_graph_lower_layer_norm,
};
const st_op_def st_graph_batch_normalization_def = {
    .name = "graph.batch_normalization",
    .summary = "per-channel normalisation (X, scale, B, mean, var); training_mode adds running mean and var",
    .num_operands = 5, .num_results = ST_VARIADIC, .traits = ST_TRAIT_PURE,
    .infer_types = st_batch_norm_infer, .interpret = st_interp_batch_norm,
    .canonicalize = st_graph_canonicalize_batch_norm, .lower = st_graph_lower_batch_norm,
};
const st_op_def st_graph_instance_normalization_def = {
    .name = "graph.instance_normalization", .summary = "normalises each (n, c) plane, then scale[c] and B[c]",
    .num_operands = 3, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_instance_norm_infer, .interpret = st_interp_instance_norm,
    .lower = st_graph_lower_instance_norm,
};
const st_op_def st_graph_group_normalization_def = {
    .name = "graph.group_normalization", .summary = "normalises each group of num_groups channels, then scale and bias",
    .num_operands = 3, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_instance_norm_infer, .interpret = st_interp_instance_norm,
    .lower = st_graph_lower_group_norm,
};
const st_op_def st_graph_lp_normalization_def = {
    .name = "graph.lp_normalization", .summary = "x / ||x||_p along attr axis (p = 1 or 2)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_SAME_TYPE,
    .infer_types = st_norm_same_infer, .interpret = st_interp_lp_norm,
    .lower = st_graph_lower_lp_norm,
};
const st_op_def st_graph_mean_variance_normalization_def = {
    .name = "graph.mean_variance_normalization", .summary = "(x - mean) / std over attr axes (default [0, 2, 3])",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_SAME_TYPE,
    .infer_types = st_norm_same_infer, .interpret = st_interp_mvn,
    .lower = st_graph_lower_mvn,
};
const st_op_def st_graph_lrn_def = {
    .name = "graph.lrn", .summary = "local response normalisation across channels (size, alpha, beta, bias)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_SAME_TYPE,
    .infer_types = st_norm_same_infer, .interpret = st_interp_lrn,
    .lower = st_graph_lower_lrn,
};
