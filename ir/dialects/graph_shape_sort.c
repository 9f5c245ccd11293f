/* The ordering ops of the shape family: TopK and ArgMax / ArgMin, with their
 * type rules and reference semantics.
 *
 * Ties resolve by position, as ONNX requires: TopK lists equal values in
 * increasing index order (a stable merge sort gives that for free), ArgMax
 * and ArgMin take the first extreme unless select_last_index is set.  NaN
 * orders above every number. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/graph_shape.h"
#include "ir/elem.h"
#include "ir/dialects/graph_lower.h"

/* One line along the axis: element j is data[base + j * stride]. */
typedef struct st_line {
  const st_type *elem;
  const void *data;
  int64_t base, stride;
  bool largest;
} st_line;

/* True if position a must come before position b (strictly). */
static bool st_line_before(const st_line *l, int64_t a, int64_t b) {
  int c = st_shape_compare(l->elem, l->data, l->base + a * l->stride, l->data, l->base + b * l->stride);
  return l->largest ? c > 0 : c < 0;
}

/* Stable bottom-up merge sort of positions. */
static void st_line_sort(const st_line *l, int64_t *idx, int64_t *tmp, int64_t n) {
  for (int64_t w = 1; w < n; w *= 2) {
    for (int64_t lo = 0; lo < n; lo += 2 * w) {
      int64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      int64_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) tmp[k++] = st_line_before(l, idx[j], idx[i]) ? idx[j++] : idx[i++];
      while (i < mid) tmp[k++] = idx[i++];
      while (j < hi) tmp[k++] = idx[j++];
    }
    memcpy(idx, tmp, (size_t)n * sizeof *idx);
  }
}

/* ---- graph.top_k (x, k) {axis, largest, sorted} -> (values, indices) ---- */

static bool st_top_k_params(st_op *op, const st_tensor *in, const st_type *t, int64_t *axis, int64_t *k, st_diag *d) {
  st_shape_ints kv;
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", -1), t->u.shaped.rank, axis, d) ||
      !st_shape_read_ints(op, in, 1, "k", &kv, d))
    return false;
  if (kv.n != 1 || kv.v[0] < 0 || kv.v[0] > t->u.shaped.dims[*axis]) {
    st_diag_error(d, op->loc, "'graph.top_k' op k must be one value within the axis extent");
    return false;
  }
  *k = kv.v[0];
  return true;
}

static bool st_top_k_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (op->num_results != 2) {
    st_diag_error(d, op->loc, "'graph.top_k' op has 2 results, got %u", op->num_results);
    return false;
  }
  if (!st_shape_expect_static(op, 0, d)) return false;
  const st_type *t = st_op_operand(op, 0)->type;
  int64_t axis, k;
  if (t->u.shaped.rank == 0) return st_graph_type_error(op, d, "expects rank 1 or more", t);
  if (!st_top_k_params(op, NULL, t, &axis, &k, d)) return false;
  st_dim dims[ST_MAX_RANK];
  memcpy(dims, t->u.shaped.dims, t->u.shaped.rank * sizeof *dims);
  dims[axis] = k;
  results[0] = st_type_tensor(ctx, t->u.shaped.elem, t->u.shaped.rank, dims);
  results[1] = st_type_tensor(ctx, st_type_scalar(ctx, ST_TY_I64), t->u.shaped.rank, dims);
  return true;
}

static bool st_top_k_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *t = in[0].type;
  int64_t axis, k;
  if (!st_top_k_params(op, in, t, &axis, &k, d)) return false;
  if (out[0].type->u.shaped.dims[axis] != k) return st_graph_type_error(op, d, "has a k unlike its result", out[0].type);
  int64_t outer, dim, inner;
  st_graph_split_at(t, (unsigned)axis, &outer, &dim, &inner);
  int64_t *idx = malloc((size_t)(2 * dim + 1) * sizeof *idx);
  if (!idx) {
    st_diag_error(d, op->loc, "'graph.top_k' op out of memory");
    return false;
  }
  size_t esz = st_dense_elem_size(t->u.shaped.elem);
  st_line l = {t->u.shaped.elem, in[0].data, 0, inner, st_op_attr_int(op, "largest", 1) != 0};
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      l.base = o * dim * inner + i;
      for (int64_t j = 0; j < dim; j++) idx[j] = j;
      st_line_sort(&l, idx, idx + dim, dim);
      for (int64_t j = 0; j < k; j++) {
        int64_t dst = (o * k + j) * inner + i;
        memcpy((char *)out[0].data + (size_t)dst * esz, (const char *)in[0].data + (size_t)(l.base + idx[j] * inner) * esz, esz);
        st_elem_store_i(st_type_elem(out[1].type), out[1].data, dst, idx[j]);
      }
    }
  free(idx);
  return true;
}

/* ---- graph.arg_max / graph.arg_min {axis, keepdims, select_last_index} ---- */

static bool st_arg_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_shape_expect_static(op, 0, d)) return false;
  const st_type *t = st_op_operand(op, 0)->type;
  unsigned r = t->u.shaped.rank, n = 0;
  int64_t axis;
  if (r == 0) return st_graph_type_error(op, d, "expects rank 1 or more", t);
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", 0), r, &axis, d)) return false;
  if (t->u.shaped.dims[axis] == 0) return st_graph_type_error(op, d, "expects a non-empty axis", t);
  bool keep = st_op_attr_int(op, "keepdims", 1) != 0;
  st_dim dims[ST_MAX_RANK];
  for (unsigned i = 0; i < r; i++)
    if (i != axis) dims[n++] = t->u.shaped.dims[i];
    else if (keep) dims[n++] = 1;
  results[0] = st_type_tensor(ctx, st_type_scalar(ctx, ST_TY_I64), n, dims);
  return true;
}

static bool st_arg_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *t = in[0].type;
  unsigned r = t->u.shaped.rank;
  int64_t axis;
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", 0), r, &axis, d)) return false;
  int64_t outer, dim, inner;
  st_graph_split_at(t, (unsigned)axis, &outer, &dim, &inner);
  bool last = st_op_attr_int(op, "select_last_index", 0) != 0;
  st_line l = {t->u.shaped.elem, in[0].data, 0, inner, op->def == &st_graph_arg_max_def};
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      l.base = o * dim * inner + i;
      int64_t best = 0;
      for (int64_t j = 1; j < dim; j++)
        if (st_line_before(&l, j, best) || (last && !st_line_before(&l, best, j))) best = j;
      st_elem_store_i(st_type_elem(out[0].type), out[0].data, o * inner + i, best);
    }
  return true;
}

const st_op_def st_graph_top_k_def = {
    .name = "graph.top_k", .summary = "the k largest (attr largest) entries along attr axis and their indices",
    .num_operands = 2, .num_results = 2, .traits = ST_TRAIT_PURE,
    .shape_operands = 1u << 1,
    .infer_types = st_top_k_infer, .interpret = st_top_k_interp,
    .lower = st_graph_lower_top_k,
};
const st_op_def st_graph_arg_max_def = {
    .name = "graph.arg_max", .summary = "index of the largest entry along attr axis (attrs keepdims, select_last_index)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_REDUCTION,
    .infer_types = st_arg_infer, .interpret = st_arg_interp,
    .lower = st_graph_lower_arg,
};
const st_op_def st_graph_arg_min_def = {
    .name = "graph.arg_min", .summary = "index of the smallest entry along attr axis (attrs keepdims, select_last_index)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_REDUCTION,
    .infer_types = st_arg_infer, .interpret = st_arg_interp,
    .lower = st_graph_lower_arg,
};
