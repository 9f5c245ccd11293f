/* The indexing ops of the shape family: gathers and scatters, which take
 * positions from a tensor, OneHot, the running sums and products,
 * ReverseSequence and the selecting ops Compress and NonZero, with their type
 * rules and reference semantics (TopK and ArgMax are in graph_shape_sort.c).
 *
 * Indices come from data, so every one is checked against its dim before it
 * is used (negative indices count from the end, as ONNX allows).  Compress
 * and NonZero have result shapes that depend on values: their operands must
 * be constant for type inference. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/graph_shape.h"
#include "ir/elem.h"
#include "ir/dialects/graph_lower.h"

static size_t st_esz(const st_type *t) { return st_dense_elem_size(st_type_elem(t)); }

static void st_copy_elems(st_tensor *dst, int64_t i, const st_tensor *src, int64_t j, int64_t n) {
  size_t esz = st_esz(dst->type);
  if (n > 0) memcpy((char *)dst->data + (size_t)i * esz, (const char *)src->data + (size_t)j * esz, (size_t)n * esz);
}

/* Element i of an index tensor, made non-negative and checked against dim. */
static bool st_index_at(st_op *op, const st_tensor *t, int64_t i, int64_t dim, int64_t *out, st_diag *d) {
  int64_t v = st_elem_load_i(st_type_elem(t->type), t->data, i);
  if (v < 0) v += dim;
  if (v < 0 || v >= dim) {
    st_diag_error(d, op->loc, "'%s' op index %" PRId64 " is out of range for a dim of extent %" PRId64,
                  op->def->name, st_elem_load_i(st_type_elem(t->type), t->data, i), dim);
    return false;
  }
  *out = v;
  return true;
}

static const st_type *st_operand_type(st_op *op, unsigned i) { return st_op_operand(op, i)->type; }

static bool st_expect_static_all(st_op *op, st_diag *d) {
  for (unsigned i = 0; i < op->num_operands; i++)
    if (st_graph_has_operand(op, i) && !st_shape_expect_static(op, i, d)) return false;
  return true;
}

/* ---- graph.gather (data, indices) {axis} ---- */

static bool st_gather_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_expect_static_all(op, d)) return false;
  const st_type *x = st_operand_type(op, 0), *ind = st_operand_type(op, 1);
  unsigned r = x->u.shaped.rank, q = ind->u.shaped.rank;
  int64_t axis;
  if (r == 0 || r - 1 + q > ST_MAX_RANK) return st_graph_type_error(op, d, "expects data of rank 1 or more", x);
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", 0), r, &axis, d)) return false;
  st_dim dims[ST_MAX_RANK];
  unsigned n = 0;
  for (unsigned i = 0; i < axis; i++) dims[n++] = x->u.shaped.dims[i];
  for (unsigned i = 0; i < q; i++) dims[n++] = ind->u.shaped.dims[i];
  for (unsigned i = (unsigned)axis + 1; i < r; i++) dims[n++] = x->u.shaped.dims[i];
  results[0] = st_type_tensor(ctx, x->u.shaped.elem, n, dims);
  return true;
}

static bool st_gather_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *x = in[0].type;
  unsigned r = x->u.shaped.rank;
  int64_t axis;
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", 0), r, &axis, d)) return false;
  int64_t outer, dim, inner, nidx = st_type_num_elements(in[1].type);
  st_graph_split_at(x, (unsigned)axis, &outer, &dim, &inner);
  for (int64_t j = 0; j < nidx; j++) {
    int64_t k;
    if (!st_index_at(op, &in[1], j, dim, &k, d)) return false;
    for (int64_t o = 0; o < outer; o++) st_copy_elems(&out[0], (o * nidx + j) * inner, &in[0], (o * dim + k) * inner, inner);
  }
  return true;
}

/* ---- graph.gather_elements (data, indices) {axis} ---- */

static bool st_gather_elements_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_expect_static_all(op, d)) return false;
  const st_type *x = st_operand_type(op, 0), *ind = st_operand_type(op, 1);
  int64_t axis;
  if (x->u.shaped.rank != ind->u.shaped.rank || x->u.shaped.rank == 0)
    return st_graph_type_error(op, d, "expects indices of the data's rank", ind);
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", 0), x->u.shaped.rank, &axis, d)) return false;
  results[0] = st_type_tensor(ctx, x->u.shaped.elem, ind->u.shaped.rank, ind->u.shaped.dims);
  return true;
}

static bool st_gather_elements_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *x = in[0].type, *ind = in[1].type;
  unsigned r = x->u.shaped.rank;
  int64_t axis, strides[ST_MAX_RANK], idx[ST_MAX_RANK] = {0};
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", 0), r, &axis, d)) return false;
  st_graph_strides(r, x->u.shaped.dims, strides);
  int64_t n = st_type_num_elements(ind);
  for (int64_t i = 0; i < n; i++) {
    int64_t k, src = 0;
    if (!st_index_at(op, &in[1], i, x->u.shaped.dims[axis], &k, d)) return false;
    for (unsigned j = 0; j < r; j++) {
      if (j != axis && idx[j] >= x->u.shaped.dims[j]) return st_graph_type_error(op, d, "indices exceed the data", ind);
      src += (j == axis ? k : idx[j]) * strides[j];
    }
    st_copy_elems(&out[0], i, &in[0], src, 1);
    st_graph_next_index(r, ind->u.shaped.dims, idx);
  }
  return true;
}

/* ---- graph.gather_nd (data, indices) {batch_dims} ---- */

static bool st_gather_nd_check(st_op *op, const st_type *x, const st_type *ind, int64_t *b, int64_t *m, st_diag *d) {
  unsigned r = x->u.shaped.rank, q = ind->u.shaped.rank;
  *b = st_op_attr_int(op, "batch_dims", 0);
  *m = q ? ind->u.shaped.dims[q - 1] : 0;
  if (q == 0 || r == 0 || *b < 0 || *b >= q || *b >= r || *m < 1 || *b + *m > r)
    return st_graph_type_error(op, d, "has indices that do not fit the data", ind);
  for (int64_t i = 0; i < *b; i++)
    if (x->u.shaped.dims[i] != ind->u.shaped.dims[i]) return st_graph_type_error(op, d, "has mismatched batch dims", ind);
  return true;
}

static bool st_gather_nd_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_expect_static_all(op, d)) return false;
  const st_type *x = st_operand_type(op, 0), *ind = st_operand_type(op, 1);
  int64_t b, m;
  if (!st_gather_nd_check(op, x, ind, &b, &m, d)) return false;
  unsigned q = ind->u.shaped.rank, n = 0;
  st_dim dims[2 * ST_MAX_RANK];
  for (unsigned i = 0; i + 1 < q; i++) dims[n++] = ind->u.shaped.dims[i];
  for (unsigned i = (unsigned)(b + m); i < x->u.shaped.rank; i++) dims[n++] = x->u.shaped.dims[i];
  if (n > ST_MAX_RANK) return st_graph_type_error(op, d, "would have a result above rank 8", ind);
  results[0] = st_type_tensor(ctx, x->u.shaped.elem, n, dims);
  return true;
}

static bool st_gather_nd_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *x = in[0].type, *ind = in[1].type;
  int64_t b, m, strides[ST_MAX_RANK];
  if (!st_gather_nd_check(op, x, ind, &b, &m, d)) return false;
  unsigned r = x->u.shaped.rank, q = ind->u.shaped.rank;
  st_graph_strides(r, x->u.shaped.dims, strides);
  int64_t slice = st_graph_prod(x->u.shaped.dims, (unsigned)(b + m), r);
  int64_t batch_stride = st_graph_prod(x->u.shaped.dims, (unsigned)b, r);
  int64_t tuples = st_graph_prod(ind->u.shaped.dims, 0, q - 1);
  int64_t per_batch = st_graph_prod(ind->u.shaped.dims, (unsigned)b, q - 1);
  for (int64_t t = 0; t < tuples; t++) {
    int64_t off = per_batch ? t / per_batch * batch_stride : 0;
    for (int64_t k = 0; k < m; k++) {
      int64_t v;
      if (!st_index_at(op, &in[1], t * m + k, x->u.shaped.dims[b + k], &v, d)) return false;
      off += v * strides[b + k];
    }
    st_copy_elems(&out[0], t * slice, &in[0], off, slice);
  }
  return true;
}

/* ---- scatters: (data, indices, updates) {reduction} ---- */

enum st_reduction { ST_RED_NONE, ST_RED_ADD, ST_RED_MUL, ST_RED_MAX, ST_RED_MIN };

static bool st_reduction_of(st_op *op, enum st_reduction *r, st_diag *d) {
  static const char *const names[] = {"none", "add", "mul", "max", "min"};
  const char *s = st_op_attr_str(op, "reduction");
  *r = ST_RED_NONE;
  if (!s) return true;
  for (unsigned i = 0; i < 5; i++)
    if (!strcmp(s, names[i])) {
      *r = (enum st_reduction)i;
      return true;
    }
  st_diag_error(d, op->loc, "'%s' op unknown reduction '%s'", op->def->name, s);
  return false;
}

/* out[i] = reduce(out[i], upd[j]) in the element type (integers wrap). */
static void st_scatter_one(enum st_reduction red, st_tensor *out, int64_t i, const st_tensor *upd, int64_t j) {
  const st_type *e = st_type_elem(out->type);
  if (red == ST_RED_NONE) {
    st_copy_elems(out, i, upd, j, 1);
  } else if (st_type_is_float(e)) {
    double a = st_elem_load_f(e, out->data, i), b = st_elem_load_f(e, upd->data, j);
    double r = red == ST_RED_ADD ? a + b : red == ST_RED_MUL ? a * b : red == ST_RED_MAX ? (b > a ? b : a) : (b < a ? b : a);
    st_elem_store_f(e, out->data, i, r);
  } else {
    int c = st_shape_compare(e, upd->data, j, out->data, i);
    uint64_t a = (uint64_t)st_elem_load_i(e, out->data, i), b = (uint64_t)st_elem_load_i(e, upd->data, j);
    uint64_t r = red == ST_RED_ADD ? a + b : red == ST_RED_MUL ? a * b : red == ST_RED_MAX ? (c > 0 ? b : a) : (c < 0 ? b : a);
    st_elem_store_i(e, out->data, i, (int64_t)r);
  }
}

static bool st_scatter_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  (void)ctx;
  enum st_reduction red;
  if (!st_expect_static_all(op, d) || !st_reduction_of(op, &red, d)) return false;
  for (unsigned i = 0; i < 3; i++)
    if (!st_graph_expect_tensor(op, i, d)) return false;
  const st_type *x = st_operand_type(op, 0), *u = st_operand_type(op, 2);
  if (u->u.shaped.elem != x->u.shaped.elem) return st_graph_type_error(op, d, "expects updates of the data's type", u);
  if (op->def == &st_graph_scatter_elements_def) { /* static shape rules, so the lowering needs no checks */
    const st_type *ind = st_operand_type(op, 1);
    unsigned r = x->u.shaped.rank;
    int64_t axis;
    if (ind->u.shaped.rank != r || u->u.shaped.rank != r || st_type_num_elements(u) != st_type_num_elements(ind))
      return st_graph_type_error(op, d, "expects indices and updates of one shape and the data's rank", ind);
    if (!st_graph_axis(op, st_op_attr_int(op, "axis", 0), r, &axis, d)) return false;
    for (unsigned j = 0; j < r; j++)
      if ((int64_t)j != axis && ind->u.shaped.dims[j] > x->u.shaped.dims[j])
        return st_graph_type_error(op, d, "indices exceed the data", ind);
  }
  results[0] = x;
  return true;
}

static bool st_scatter_nd_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  enum st_reduction red;
  if (!st_reduction_of(op, &red, d)) return false;
  const st_type *x = in[0].type, *ind = in[1].type;
  unsigned r = x->u.shaped.rank, q = ind->u.shaped.rank;
  int64_t k = q ? ind->u.shaped.dims[q - 1] : 0, strides[ST_MAX_RANK];
  int64_t tuples = q ? st_graph_prod(ind->u.shaped.dims, 0, q - 1) : 0;
  if (q == 0 || k < 1 || k > r) return st_graph_type_error(op, d, "has indices that do not fit the data", ind);
  int64_t slice = st_graph_prod(x->u.shaped.dims, (unsigned)k, r);
  if (st_type_num_elements(in[2].type) != tuples * slice)
    return st_graph_type_error(op, d, "has updates that do not match the indices", in[2].type);
  st_graph_strides(r, x->u.shaped.dims, strides);
  if (out[0].nbytes) memcpy(out[0].data, in[0].data, out[0].nbytes);
  for (int64_t t = 0; t < tuples; t++) {
    int64_t off = 0;
    for (int64_t j = 0; j < k; j++) {
      int64_t v;
      if (!st_index_at(op, &in[1], t * k + j, x->u.shaped.dims[j], &v, d)) return false;
      off += v * strides[j];
    }
    for (int64_t e = 0; e < slice; e++) st_scatter_one(red, &out[0], off + e, &in[2], t * slice + e);
  }
  return true;
}

static bool st_scatter_elements_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  enum st_reduction red;
  if (!st_reduction_of(op, &red, d)) return false;
  const st_type *x = in[0].type, *ind = in[1].type;
  unsigned r = x->u.shaped.rank;
  int64_t axis, strides[ST_MAX_RANK], idx[ST_MAX_RANK] = {0};
  if (ind->u.shaped.rank != r || in[2].type->u.shaped.rank != r ||
      st_type_num_elements(in[2].type) != st_type_num_elements(ind))
    return st_graph_type_error(op, d, "expects indices and updates of one shape and the data's rank", ind);
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", 0), r, &axis, d)) return false;
  st_graph_strides(r, x->u.shaped.dims, strides);
  if (out[0].nbytes) memcpy(out[0].data, in[0].data, out[0].nbytes);
  int64_t n = st_type_num_elements(ind);
  for (int64_t i = 0; i < n; i++) {
    int64_t k, dst = 0;
    if (!st_index_at(op, &in[1], i, x->u.shaped.dims[axis], &k, d)) return false;
    for (unsigned j = 0; j < r; j++) {
      if (j != axis && idx[j] >= x->u.shaped.dims[j]) return st_graph_type_error(op, d, "indices exceed the data", ind);
      dst += (j == axis ? k : idx[j]) * strides[j];
    }
    st_scatter_one(red, &out[0], dst, &in[2], i);
    st_graph_next_index(r, ind->u.shaped.dims, idx);
  }
  return true;
}

/* ---- graph.one_hot (indices, depth, values) {axis} ---- */

static bool st_one_hot_depth(st_op *op, const st_tensor *in, int64_t *depth, st_diag *d) {
  double v;
  if (!st_shape_read_f(op, in, 1, 0, "depth", &v, d)) return false;
  if (!(v >= 1 && v < 1e12)) {
    st_diag_error(d, op->loc, "'graph.one_hot' op needs a positive depth");
    return false;
  }
  *depth = (int64_t)v;
  return true;
}

static bool st_one_hot_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_expect_static_all(op, d)) return false;
  const st_type *ind = st_operand_type(op, 0), *vals = st_operand_type(op, 2);
  unsigned r = ind->u.shaped.rank;
  int64_t depth, axis;
  if (r + 1 > ST_MAX_RANK || st_type_num_elements(vals) != 2)
    return st_graph_type_error(op, d, "expects two values and indices below rank 8", vals);
  if (!st_one_hot_depth(op, NULL, &depth, d) || !st_graph_axis(op, st_op_attr_int(op, "axis", -1), r + 1, &axis, d))
    return false;
  st_dim dims[ST_MAX_RANK];
  for (unsigned i = 0, j = 0; i <= r; i++) dims[i] = i == axis ? depth : ind->u.shaped.dims[j++];
  results[0] = st_type_tensor(ctx, vals->u.shaped.elem, r + 1, dims);
  return true;
}

static bool st_one_hot_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *ot = out[0].type;
  unsigned r = ot->u.shaped.rank;
  int64_t depth, axis;
  if (!st_one_hot_depth(op, in, &depth, d) || !st_graph_axis(op, st_op_attr_int(op, "axis", -1), r, &axis, d))
    return false;
  if (ot->u.shaped.dims[axis] != depth) return st_graph_type_error(op, d, "has a depth unlike its result", ot);
  int64_t outer = st_graph_prod(ot->u.shaped.dims, 0, (unsigned)axis), inner = st_graph_prod(ot->u.shaped.dims, (unsigned)axis + 1, r);
  const st_type *ie = st_type_elem(in[0].type);
  for (int64_t o = 0; o < outer; o++)
    for (int64_t c = 0; c < depth; c++)
      for (int64_t k = 0; k < inner; k++) {
        int64_t v = st_elem_load_i(ie, in[0].data, o * inner + k);
        if (v < 0) v += depth;
        st_copy_elems(&out[0], (o * depth + c) * inner + k, &in[2], v == c, 1);
      }
  return true;
}

/* ---- graph.cum_sum / graph.cum_prod (x, axis) {exclusive, reverse} ---- */

static bool st_cum_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  (void)ctx;
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  results[0] = st_operand_type(op, 0);
  return true;
}

static bool st_cum_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *t = in[0].type, *e = t->u.shaped.elem;
  unsigned r = t->u.shaped.rank;
  st_shape_ints av;
  int64_t axis;
  if (!st_shape_read_ints(op, in, 1, "axis", &av, d)) return false;
  if (av.n != 1 || !st_graph_axis(op, av.v[0], r, &axis, d)) {
    if (av.n != 1) st_diag_error(d, op->loc, "'%s' op axis must hold one value", op->def->name);
    return false;
  }
  bool prod = op->def == &st_graph_cum_prod_def, excl = st_op_attr_int(op, "exclusive", 0) != 0;
  bool rev = st_op_attr_int(op, "reverse", 0) != 0, is_float = st_type_is_float(e);
  int64_t outer, dim, inner;
  st_graph_split_at(t, (unsigned)axis, &outer, &dim, &inner);
  for (int64_t o = 0; o < outer; o++)
    for (int64_t k = 0; k < inner; k++) {
      double af = prod ? 1 : 0;
      uint64_t ai = prod ? 1 : 0;
      for (int64_t s = 0; s < dim; s++) {
        int64_t i = (o * dim + (rev ? dim - 1 - s : s)) * inner + k;
        double xf = is_float ? st_elem_load_f(e, in[0].data, i) : 0;
        uint64_t xi = is_float ? 0 : (uint64_t)st_elem_load_i(e, in[0].data, i);
        if (!excl) af = prod ? af * xf : af + xf, ai = prod ? ai * xi : ai + xi;
        if (is_float) st_elem_store_f(e, out[0].data, i, af);
        else st_elem_store_i(e, out[0].data, i, (int64_t)ai);
        if (excl) af = prod ? af * xf : af + xf, ai = prod ? ai * xi : ai + xi;
      }
    }
  return true;
}

/* ---- graph.reverse_sequence (input, sequence_lens) {batch_axis, time_axis} ---- */

static bool st_reverse_sequence_axes(st_op *op, const st_type *t, int64_t *batch, int64_t *time, st_diag *d) {
  unsigned r = t->u.shaped.rank;
  if (r < 2) return st_graph_type_error(op, d, "expects rank 2 or more", t);
  if (!st_graph_axis(op, st_op_attr_int(op, "batch_axis", 1), r, batch, d) ||
      !st_graph_axis(op, st_op_attr_int(op, "time_axis", 0), r, time, d))
    return false;
  if (*batch == *time) return st_graph_type_error(op, d, "needs distinct batch and time axes", t);
  return true;
}

static bool st_reverse_sequence_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  (void)ctx;
  int64_t b, t;
  if (!st_expect_static_all(op, d) || !st_reverse_sequence_axes(op, st_operand_type(op, 0), &b, &t, d)) return false;
  results[0] = st_operand_type(op, 0);
  return true;
}

static bool st_reverse_sequence_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *t = in[0].type;
  int64_t ba, ta, strides[ST_MAX_RANK], idx[ST_MAX_RANK] = {0};
  if (!st_reverse_sequence_axes(op, t, &ba, &ta, d)) return false;
  unsigned r = t->u.shaped.rank;
  int64_t steps = t->u.shaped.dims[ta];
  if (st_type_num_elements(in[1].type) != t->u.shaped.dims[ba])
    return st_graph_type_error(op, d, "expects one sequence length per batch entry", in[1].type);
  for (int64_t b = 0; b < t->u.shaped.dims[ba]; b++) {
    int64_t len = st_elem_load_i(st_type_elem(in[1].type), in[1].data, b);
    if (len < 0 || len > steps) {
      st_diag_error(d, op->loc, "'graph.reverse_sequence' op sequence length %" PRId64 " exceeds %" PRId64, len, steps);
      return false;
    }
  }
  st_graph_strides(r, t->u.shaped.dims, strides);
  int64_t n = st_type_num_elements(t);
  for (int64_t i = 0; i < n; i++) {
    int64_t len = st_elem_load_i(st_type_elem(in[1].type), in[1].data, idx[ba]);
    int64_t s = idx[ta] < len ? len - 1 - idx[ta] : idx[ta];
    st_copy_elems(&out[0], i, &in[0], i + (s - idx[ta]) * strides[ta], 1);
    st_graph_next_index(r, t->u.shaped.dims, idx);
  }
  return true;
}

/* ---- graph.compress (input, condition) {axis?} ---- */

/* The selected positions along the axis (or the flattened input): the
 * condition's true entries that are within the dim. */
static bool st_compress_count(st_op *op, const st_tensor *in, int64_t dim, int64_t *count, st_diag *d) {
  const st_type *ct;
  const void *data;
  bool splat;
  if (!st_shape_operand_data(op, in, 1, "condition", &ct, &data, &splat, d)) return false;
  int64_t n = st_type_num_elements(ct);
  *count = 0;
  for (int64_t i = 0; i < n && i < dim; i++) *count += st_elem_load_i(st_type_elem(ct), data, splat ? 0 : i) != 0;
  return true;
}

static bool st_compress_geom(st_op *op, const st_type *t, int64_t *axis, int64_t *outer, int64_t *dim, int64_t *inner,
                             st_diag *d) {
  unsigned r = t->u.shaped.rank;
  *axis = -1;
  if (st_op_get_attr(op, "axis") && !st_graph_axis(op, st_op_attr_int(op, "axis", 0), r, axis, d)) return false;
  *outer = *axis < 0 ? 1 : st_graph_prod(t->u.shaped.dims, 0, (unsigned)*axis);
  *dim = *axis < 0 ? st_type_num_elements(t) : t->u.shaped.dims[*axis];
  *inner = *axis < 0 ? 1 : st_graph_prod(t->u.shaped.dims, (unsigned)*axis + 1, r);
  return true;
}

static bool st_compress_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_expect_static_all(op, d)) return false;
  const st_type *t = st_operand_type(op, 0);
  int64_t axis, outer, dim, inner, count;
  if (!st_compress_geom(op, t, &axis, &outer, &dim, &inner, d) || !st_compress_count(op, NULL, dim, &count, d))
    return false;
  st_dim dims[ST_MAX_RANK];
  memcpy(dims, t->u.shaped.dims, t->u.shaped.rank * sizeof *dims);
  if (axis >= 0) dims[axis] = count;
  results[0] = axis >= 0 ? st_type_tensor(ctx, t->u.shaped.elem, t->u.shaped.rank, dims)
                         : st_type_tensor(ctx, t->u.shaped.elem, 1, &count);
  return true;
}

static bool st_compress_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  int64_t axis, outer, dim, inner, count;
  if (!st_compress_geom(op, in[0].type, &axis, &outer, &dim, &inner, d) || !st_compress_count(op, in, dim, &count, d))
    return false;
  if (count * outer * inner != st_type_num_elements(out[0].type))
    return st_graph_type_error(op, d, "has a condition unlike its result", out[0].type);
  const st_type *ce = st_type_elem(in[1].type);
  int64_t n = st_type_num_elements(in[1].type), j = 0;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < n && i < dim; i++)
      if (st_elem_load_i(ce, in[1].data, i)) st_copy_elems(&out[0], j++ * inner, &in[0], (o * dim + i) * inner, inner);
  return true;
}

/* ---- graph.non_zero: the coordinates of the non-zero elements ---- */

static bool st_is_nonzero(const st_type *e, const void *data, int64_t i) {
  return st_type_is_float(e) ? st_elem_load_f(e, data, i) != 0 : st_elem_load_i(e, data, i) != 0;
}

static bool st_non_zero_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  const st_type *t;
  const void *data;
  bool splat;
  if (!st_expect_static_all(op, d) || !st_shape_operand_data(op, NULL, 0, "input", &t, &data, &splat, d)) return false;
  int64_t n = st_type_num_elements(t), count = 0;
  for (int64_t i = 0; i < n; i++) count += st_is_nonzero(st_type_elem(t), data, splat ? 0 : i);
  st_dim dims[2] = {t->u.shaped.rank, count};
  results[0] = st_type_tensor(ctx, st_type_scalar(ctx, ST_TY_I64), 2, dims);
  return true;
}

static bool st_non_zero_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *t = in[0].type, *e = t->u.shaped.elem;
  unsigned r = t->u.shaped.rank;
  int64_t n = st_type_num_elements(t), count = 0, idx[ST_MAX_RANK] = {0};
  for (int64_t i = 0; i < n; i++) count += st_is_nonzero(e, in[0].data, i);
  if (out[0].type->u.shaped.dims[1] != count) return st_graph_type_error(op, d, "has a count unlike its result", out[0].type);
  const st_type *oe = st_type_elem(out[0].type);
  for (int64_t i = 0, j = 0; i < n; i++) {
    if (st_is_nonzero(e, in[0].data, i)) {
      for (unsigned k = 0; k < r; k++) st_elem_store_i(oe, out[0].data, k * count + j, idx[k]);
      j++;
    }
    st_graph_next_index(r, t->u.shaped.dims, idx);
  }
  return true;
}

/* ---- the op definitions ---- */

#define ST_MOVE (ST_TRAIT_PURE | ST_TRAIT_MOVEMENT)

const st_op_def st_graph_gather_def = {
    .name = "graph.gather", .summary = "takes entries of the data along attr axis at the indices",
    .num_operands = 2, .num_results = 1, .traits = ST_MOVE,
    .infer_types = st_gather_infer, .interpret = st_gather_interp,
    .lower = st_graph_lower_gather,
};
const st_op_def st_graph_gather_elements_def = {
    .name = "graph.gather_elements", .summary = "takes one data element per index along attr axis",
    .num_operands = 2, .num_results = 1, .traits = ST_MOVE,
    .infer_types = st_gather_elements_infer, .interpret = st_gather_elements_interp,
    .lower = st_graph_lower_gather_elements,
};
const st_op_def st_graph_gather_nd_def = {
    .name = "graph.gather_nd", .summary = "takes slices at index tuples (attr batch_dims)",
    .num_operands = 2, .num_results = 1, .traits = ST_MOVE,
    .infer_types = st_gather_nd_infer, .interpret = st_gather_nd_interp,
    .lower = st_graph_lower_gather_nd,
};
const st_op_def st_graph_scatter_nd_def = {
    .name = "graph.scatter_nd", .summary = "writes update slices at index tuples (attr reduction)",
    .num_operands = 3, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_scatter_infer, .interpret = st_scatter_nd_interp,
    .lower = st_graph_lower_scatter_nd,
};
const st_op_def st_graph_scatter_elements_def = {
    .name = "graph.scatter_elements", .summary = "writes updates along attr axis at the indices (attr reduction)",
    .num_operands = 3, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_scatter_infer, .interpret = st_scatter_elements_interp,
    .lower = st_graph_lower_scatter_elements,
};
const st_op_def st_graph_one_hot_def = {
    .name = "graph.one_hot", .summary = "values[1] where the index matches, values[0] elsewhere (attr axis)",
    .num_operands = 3, .num_results = 1, .traits = ST_TRAIT_PURE,
    .shape_operands = 1u << 1,
    .infer_types = st_one_hot_infer, .interpret = st_one_hot_interp,
    .lower = st_graph_lower_one_hot,
};
const st_op_def st_graph_cum_sum_def = {
    .name = "graph.cum_sum", .summary = "running sum along the axis operand (attrs exclusive, reverse)",
    .num_operands = 2, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_cum_infer, .interpret = st_cum_interp,
    .lower = st_graph_lower_cum,
};
const st_op_def st_graph_cum_prod_def = {
    .name = "graph.cum_prod", .summary = "running product along the axis operand (attrs exclusive, reverse)",
    .num_operands = 2, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_cum_infer, .interpret = st_cum_interp,
    .lower = st_graph_lower_cum,
};
const st_op_def st_graph_reverse_sequence_def = {
    .name = "graph.reverse_sequence", .summary = "reverses each batch entry's first sequence_lens steps",
    .num_operands = 2, .num_results = 1, .traits = ST_MOVE,
    .infer_types = st_reverse_sequence_infer, .interpret = st_reverse_sequence_interp,
    .lower = st_graph_lower_reverse_sequence,
};
const st_op_def st_graph_compress_def = {
    .name = "graph.compress", .summary = "keeps the slices along attr axis where the condition holds",
    .num_operands = 2, .num_results = 1, .traits = ST_MOVE,
    .shape_operands = 1u << 1,
    .infer_types = st_compress_infer, .interpret = st_compress_interp,
    .lower = st_graph_lower_compress,
};
const st_op_def st_graph_non_zero_def = {
    .name = "graph.non_zero", .summary = "coordinates of the non-zero elements, one column each",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE,
    .shape_operands = 1u << 0,
    .infer_types = st_non_zero_infer, .interpret = st_non_zero_interp,
};
