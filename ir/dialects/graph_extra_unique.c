/* graph.unique: the distinct elements (or slices along `axis`) of X, with
 * the index of each one's first occurrence, the inverse map and the counts
 * (ONNX Unique).
 *
 * How many distinct values there are depends on X's data, while Strata's
 * shapes are static.  So the op has no infer_types hook: like graph.reshape
 * it carries its result types, and the verifier checks everything that does
 * not depend on the data.  The importer takes them from the model's declared
 * output types, or computes them from X when X is constant
 * (st_graph_unique_count); the interpreter reports an error when the data
 * gives another count than the types say. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/graph_extra.h"
#include "ir/dialects/graph_lower.h"
#include "ir/elem.h"

typedef struct st_uq {
  const st_type *elem;
  const void *data;
  int64_t outer, inner, K; /* slice k: elements (o * K + k) * inner + i */
  bool is_float, is_unsigned;
} st_uq;

static void st_uq_view(const st_tensor *x, bool has_axis, unsigned axis, st_uq *u) {
  u->elem = st_type_elem(x->type);
  u->data = x->data;
  u->is_float = st_type_is_float(u->elem);
  u->is_unsigned = st_type_is_unsigned(u->elem);
  if (has_axis) st_graph_split_at(x->type, axis, &u->outer, &u->K, &u->inner);
  else {
    u->outer = u->inner = 1;
    u->K = st_type_num_elements(x->type);
  }
}

/* Lexicographic order of slices a and b. */
static int st_uq_cmp(const st_uq *u, int64_t a, int64_t b) {
  for (int64_t o = 0; o < u->outer; o++)
    for (int64_t i = 0; i < u->inner; i++) {
      int64_t ia = (o * u->K + a) * u->inner + i, ib = (o * u->K + b) * u->inner + i;
      if (u->is_float) {
        double x = st_elem_load_f(u->elem, u->data, ia), y = st_elem_load_f(u->elem, u->data, ib);
        if (x != y) return x < y ? -1 : 1;
      } else {
        int64_t x = st_elem_load_i(u->elem, u->data, ia), y = st_elem_load_i(u->elem, u->data, ib);
        if (x != y) return u->is_unsigned ? ((uint64_t)x < (uint64_t)y ? -1 : 1) : (x < y ? -1 : 1);
      }
    }
  return 0;
}

/* Stable merge sort of idx[0..n) by slice order (tmp: n entries). */
static void st_uq_sort(const st_uq *u, int64_t *idx, int64_t *tmp, int64_t n) {
  if (n < 2) return;
  int64_t h = n / 2, i = 0, j = h, k = 0;
  st_uq_sort(u, idx, tmp, h);
  st_uq_sort(u, idx + h, tmp, n - h);
  while (i < h && j < n) tmp[k++] = st_uq_cmp(u, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
  while (i < h) tmp[k++] = idx[i++];
  while (j < n) tmp[k++] = idx[j++];
  memcpy(idx, tmp, (size_t)n * sizeof *idx);
}

/* Groups equal slices: group_of[k] is slice k's group, first[g] and
 * count[g] its first occurrence and size, groups numbered in the result's
 * order (ascending when sorted, else by first occurrence).  Returns the
 * number of groups, -1 when out of memory.  Arrays hold K entries. */
static int64_t st_uq_groups(const st_uq *u, bool sorted, int64_t *group_of, int64_t *first, int64_t *count) {
  int64_t K = u->K, *idx = malloc((size_t)(K ? K : 1) * sizeof *idx), *tmp = malloc((size_t)(K ? K : 1) * sizeof *tmp);
  if (!idx || !tmp) {
    free(idx);
    free(tmp);
    return -1;
  }
  for (int64_t k = 0; k < K; k++) idx[k] = k;
  st_uq_sort(u, idx, tmp, K);
  int64_t G = 0;
  for (int64_t s = 0; s < K; s++) {
    if (s == 0 || st_uq_cmp(u, idx[s - 1], idx[s]) != 0) {
      first[G] = idx[s]; /* the sort is stable: the smallest index comes first */
      count[G++] = 0;
    }
    count[G - 1]++;
    group_of[idx[s]] = G - 1;
  }
  if (!sorted) {
    /* Renumber groups by first occurrence: walk the slices in order. */
    int64_t *renum = tmp, *f2 = idx, next = 0;
    for (int64_t g = 0; g < G; g++) renum[g] = -1;
    for (int64_t k = 0; k < K; k++)
      if (renum[group_of[k]] < 0) renum[group_of[k]] = next++;
    for (int64_t g = 0; g < G; g++) f2[renum[g]] = count[g];
    memcpy(count, f2, (size_t)G * sizeof *count);
    for (int64_t g = 0; g < G; g++) f2[renum[g]] = first[g];
    memcpy(first, f2, (size_t)G * sizeof *first);
    for (int64_t k = 0; k < K; k++) group_of[k] = renum[group_of[k]];
  }
  free(idx);
  free(tmp);
  return G;
}

int64_t st_graph_unique_count(const st_tensor *x, bool has_axis, unsigned axis) {
  st_uq u;
  st_uq_view(x, has_axis, axis, &u);
  int64_t n = u.K ? u.K : 1, *a = malloc((size_t)n * 3 * sizeof *a);
  if (!a) return -1;
  int64_t G = st_uq_groups(&u, true, a, a + n, a + 2 * n);
  free(a);
  return G;
}

/* The axis attribute: false without one (flattened input). */
static bool st_uq_axis(st_op *op, unsigned rank, bool *has_axis, unsigned *axis, st_diag *d) {
  const st_attr *a = st_op_get_attr(op, "axis");
  *has_axis = a != NULL;
  *axis = 0;
  if (!a) return true;
  int64_t ax;
  if (a->kind != ST_ATTR_INT || !st_graph_axis(op, a->u.i, rank, &ax, d)) return false;
  *axis = (unsigned)ax;
  return true;
}

static bool st_uq_verify(st_op *op, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type;
  bool has_axis;
  unsigned axis, r = x->u.shaped.rank;
  if (op->num_results < 1 || op->num_results > 4) {
    st_diag_error(d, op->loc, "'graph.unique' op has 1 to 4 results, got %u", op->num_results);
    return false;
  }
  if (!st_uq_axis(op, r, &has_axis, &axis, d)) return false;
  const st_type *y = op->results[0].type;
  if (y->kind != ST_TY_TENSOR || y->u.shaped.elem != x->u.shaped.elem || y->u.shaped.rank != (has_axis ? r : 1))
    return st_graph_type_error(op, d, "expects result 0 of X's element type, 1-D (or X's rank with an axis)", y);
  for (unsigned i = 0; has_axis && i < r; i++)
    if (i != axis && y->u.shaped.dims[i] != x->u.shaped.dims[i])
      return st_graph_type_error(op, d, "expects result 0 to keep X's dims except along the axis", y);
  st_dim U = y->u.shaped.dims[has_axis ? axis : 0];
  st_dim N = has_axis ? x->u.shaped.dims[axis] : st_type_num_elements(x);
  for (unsigned i = 1; i < op->num_results; i++) {
    const st_type *t = op->results[i].type;
    if (t->kind == ST_TY_NONE) continue; /* an output the node leaves unnamed */
    if (t->kind != ST_TY_TENSOR || t->u.shaped.elem->kind != ST_TY_I64 || t->u.shaped.rank != 1 ||
        t->u.shaped.dims[0] != (i == 2 ? N : U))
      return st_graph_type_error(op, d, i == 2 ? "expects inverse_indices of type tensor<N x i64> (N slices of X)"
                                               : "expects indices and counts of type tensor<U x i64> (U unique slices)", t);
  }
  return true;
}

static bool st_uq_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  bool has_axis;
  unsigned axis;
  if (!st_uq_axis(op, in[0].type->u.shaped.rank, &has_axis, &axis, d)) return false;
  st_uq u;
  st_uq_view(&in[0], has_axis, axis, &u);
  int64_t n = u.K ? u.K : 1, *a = malloc((size_t)n * 3 * sizeof *a);
  if (!a) return st_graph_oom(op, d);
  int64_t *group_of = a, *first = a + n, *count = a + 2 * n;
  int64_t G = st_uq_groups(&u, st_op_attr_int(op, "sorted", 1) != 0, group_of, first, count);
  int64_t U = out[0].type->u.shaped.dims[has_axis ? axis : 0];
  if (G != U) {
    free(a);
    if (G < 0) return st_graph_oom(op, d);
    st_diag_error(d, op->loc, "'graph.unique' op finds %" PRId64 " unique values but its result types hold %" PRId64
                  " (the model's declared shape does not fit this input)", G, U);
    return false;
  }
  size_t es = st_dense_elem_size(u.elem);
  for (int64_t o = 0; o < u.outer; o++)
    for (int64_t g = 0; g < G; g++)
      memcpy((char *)out[0].data + (size_t)((o * G + g) * u.inner) * es,
             (const char *)u.data + (size_t)((o * u.K + first[g]) * u.inner) * es, (size_t)u.inner * es);
  for (unsigned r = 1; r < op->num_results; r++) {
    if (out[r].type->kind != ST_TY_TENSOR) continue;
    int64_t *dst = out[r].data, cnt = r == 2 ? u.K : G;
    for (int64_t k = 0; k < cnt; k++) dst[k] = r == 1 ? first[k] : r == 2 ? group_of[k] : count[k];
  }
  free(a);
  return true;
}

const st_op_def st_graph_unique_def = {
    .name = "graph.unique",
    .summary = "distinct elements or slices (axis, sorted) with first indices, inverse and counts; shapes as typed",
    .num_operands = 1, .num_results = ST_VARIADIC, .traits = ST_TRAIT_PURE,
    .verify = st_uq_verify, .interpret = st_uq_interp, .lower = st_graph_lower_unique,
};
