/* The extra op family's group and its small ops: BitCast (reinterpret the
 * bits of each element), TensorScatter (write an update into a KV cache at
 * per-batch positions) and TfIdfVectorizer (n-gram counts of integer
 * sequences).  Indices read from data (write_indices, token ids) are
 * checked before they address anything. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/graph_extra.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_dtype.h"
#include "ir/dialects/graph_lower.h"
#include "ir/elem.h"

/* ---- graph.bitcast {to}: same bits, another element type of equal width ---- */

/* ONNX stores bool in a byte, so it casts to and from the 8-bit types. */
static unsigned st_bitcast_width(const st_type *elem) {
  return elem->kind == ST_TY_I1 ? 8 : st_type_bit_width(elem);
}

static bool st_bitcast_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *t = st_op_operand(op, 0)->type;
  const st_type *to = st_graph_dtype_type(ctx, st_op_attr_int(op, "to", 0));
  if (!to) {
    st_diag_error(d, op->loc, "'graph.bitcast' op needs a 'to' data type Strata knows, got %" PRId64,
                  st_op_attr_int(op, "to", 0));
    return false;
  }
  if (st_bitcast_width(to) != st_bitcast_width(t->u.shaped.elem)) {
    st_diag_error(d, op->loc, "'graph.bitcast' op casts %u-bit elements to %s of %u bits; widths must match",
                  st_bitcast_width(t->u.shaped.elem), st_graph_dtype_name(st_op_attr_int(op, "to", 0)),
                  st_bitcast_width(to));
    return false;
  }
  results[0] = st_type_tensor(ctx, to, t->u.shaped.rank, t->u.shaped.dims);
  return true;
}

/* Storage is one element per st_dense_elem_size bytes, little endian as the
 * host; 4-bit values sit in the low bits of a byte (signed ones sign
 * extended), bools are 0 or 1. */
static bool st_bitcast_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *from = st_type_elem(in[0].type), *to = st_type_elem(out[0].type);
  int64_t n = st_type_num_elements(in[0].type);
  size_t es = st_dense_elem_size(from);
  if (es != st_dense_elem_size(to)) {
    st_diag_error(d, op->loc, "'graph.bitcast' op has buffers of mismatched sizes");
    return false;
  }
  memcpy(out[0].data, in[0].data, (size_t)n * es);
  uint8_t *b = out[0].data;
  if (st_bitcast_width(to) == 4)
    for (int64_t i = 0; i < n; i++) {
      uint8_t v = b[i] & 0x0F;
      b[i] = to->kind == ST_TY_I4 && (v & 0x08) ? (uint8_t)(v | 0xF0) : v;
    }
  else if (to->kind == ST_TY_I1)
    for (int64_t i = 0; i < n; i++) b[i] = b[i] != 0;
  return true;
}

/* ---- graph.tensor_scatter: past_cache, update, [write_indices] {axis, mode} ---- */

static bool st_ts_geom(st_op *op, unsigned *axis, bool *circular, st_diag *d) {
  if (!st_graph_min_operands(op, 2, d) || !st_graph_expect_tensor(op, 0, d) || !st_graph_expect_tensor(op, 1, d))
    return false;
  const st_type *p = st_op_operand(op, 0)->type, *u = st_op_operand(op, 1)->type;
  unsigned r = p->u.shaped.rank;
  int64_t ax;
  if (r < 2 || r > ST_MAX_RANK) return st_graph_type_error(op, d, "expects a cache of rank 2 to 8", p);
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", -2), r, &ax, d)) return false;
  if (ax == 0) {
    st_diag_error(d, op->loc, "'graph.tensor_scatter' op axis cannot be the batch axis 0");
    return false;
  }
  const char *mode = st_op_attr_str(op, "mode");
  if (mode && strcmp(mode, "linear") != 0 && strcmp(mode, "circular") != 0) {
    st_diag_error(d, op->loc, "'graph.tensor_scatter' op mode must be 'linear' or 'circular', got '%s'", mode);
    return false;
  }
  *circular = mode && !strcmp(mode, "circular");
  bool ok = u->u.shaped.rank == r && u->u.shaped.elem == p->u.shaped.elem &&
            u->u.shaped.dims[ax] <= p->u.shaped.dims[ax];
  for (unsigned i = 0; ok && i < r; i++) ok = i == ax || u->u.shaped.dims[i] == p->u.shaped.dims[i];
  if (!ok) return st_graph_type_error(op, d, "expects an update shaped like the cache but for a shorter sequence axis", u);
  if (st_graph_has_operand(op, 2)) {
    if (!st_graph_expect_tensor(op, 2, d)) return false;
    const st_type *w = st_op_operand(op, 2)->type;
    if (w->u.shaped.rank != 1 || w->u.shaped.dims[0] != p->u.shaped.dims[0] || !st_type_is_int(w->u.shaped.elem))
      return st_graph_type_error(op, d, "expects integer write_indices of shape (batch)", w);
  }
  *axis = (unsigned)ax;
  return true;
}

static bool st_ts_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  unsigned axis;
  bool circular;
  if (!st_ts_geom(op, &axis, &circular, d)) return false;
  results[0] = st_op_operand(op, 0)->type;
  return true;
}

static bool st_ts_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  unsigned axis;
  bool circular;
  if (!st_ts_geom(op, &axis, &circular, d)) return false;
  const st_type *p = in[0].type, *u = in[1].type;
  size_t es = st_dense_elem_size(st_type_elem(p));
  int64_t batch = p->u.shaped.dims[0], max_seq = p->u.shaped.dims[axis], seq = u->u.shaped.dims[axis];
  int64_t mid = st_graph_prod(p->u.shaped.dims, 1, axis), inner = st_graph_prod(p->u.shaped.dims, axis + 1, p->u.shaped.rank);
  memcpy(out[0].data, in[0].data, (size_t)st_type_num_elements(p) * es);
  bool has_wi = st_graph_has_operand(op, 2);
  for (int64_t b = 0; b < batch; b++) {
    int64_t start = has_wi ? st_elem_load_i(st_type_elem(in[2].type), in[2].data, b) : 0;
    for (int64_t s = 0; s < seq; s++) {
      int64_t at = start + s;
      if (circular && max_seq > 0) at = ((at % max_seq) + max_seq) % max_seq;
      if (at < 0 || at >= max_seq) {
        st_diag_error(d, op->loc, "'graph.tensor_scatter' op write index %" PRId64 " + %" PRId64
                      " is outside the cache's %" PRId64 " positions (batch %" PRId64 ")", start, s, max_seq, b);
        return false;
      }
      for (int64_t m = 0; m < mid; m++) {
        int64_t dst = ((b * mid + m) * max_seq + at) * inner, src = ((b * mid + m) * seq + s) * inner;
        memcpy((char *)out[0].data + (size_t)dst * es, (const char *)in[1].data + (size_t)src * es, (size_t)inner * es);
      }
    }
  }
  return true;
}

/* ---- graph.tfidf_vectorizer: X (C) | (N, C) of integers -> counts (float) ---- */

typedef struct st_tfidf {
  int64_t min_n, max_n, max_skip, out_len, pool_len, num_counts;
  int mode; /* 0 TF, 1 IDF, 2 TFIDF */
  const st_attr *pool, *counts, *indexes, *weights;
} st_tfidf;

static int64_t st_tfidf_at(const st_attr *a, unsigned i) {
  const st_attr *e = a->u.array.elems[i];
  return e->kind == ST_ATTR_INT ? e->u.i : 0;
}

static bool st_tfidf_is_ints(const st_attr *a) {
  if (!a || a->kind != ST_ATTR_ARRAY) return false;
  for (unsigned i = 0; i < a->u.array.n; i++)
    if (a->u.array.elems[i]->kind != ST_ATTR_INT) return false;
  return true;
}

static bool st_tfidf_attrs(st_op *op, st_tfidf *g, st_diag *d) {
  const char *mode = st_op_attr_str(op, "mode");
  g->mode = !mode ? -1 : !strcmp(mode, "TF") ? 0 : !strcmp(mode, "IDF") ? 1 : !strcmp(mode, "TFIDF") ? 2 : -1;
  g->min_n = st_op_attr_int(op, "min_gram_length", 0);
  g->max_n = st_op_attr_int(op, "max_gram_length", 0);
  g->max_skip = st_op_attr_int(op, "max_skip_count", 0);
  g->pool = st_op_get_attr(op, "pool_int64s");
  g->counts = st_op_get_attr(op, "ngram_counts");
  g->indexes = st_op_get_attr(op, "ngram_indexes");
  g->weights = st_op_get_attr(op, "weights");
  if (g->mode < 0 || g->min_n < 1 || g->max_n < g->min_n || g->max_skip < 0 || !st_tfidf_is_ints(g->pool) ||
      !st_tfidf_is_ints(g->counts) || !st_tfidf_is_ints(g->indexes) ||
      (g->weights && (g->weights->kind != ST_ATTR_ARRAY || g->weights->u.array.n != g->indexes->u.array.n))) {
    st_diag_error(d, op->loc, "'graph.tfidf_vectorizer' op needs mode TF/IDF/TFIDF, 1 <= min_gram_length <= "
                  "max_gram_length, pool_int64s, ngram_counts, ngram_indexes (and weights of their length)");
    return false;
  }
  g->pool_len = g->pool->u.array.n;
  g->num_counts = g->counts->u.array.n;
  if (g->num_counts < g->max_n) {
    st_diag_error(d, op->loc, "'graph.tfidf_vectorizer' op has %" PRId64 " ngram_counts for n-grams up to %" PRId64,
                  g->num_counts, g->max_n);
    return false;
  }
  /* The pool holds, for n = 1, 2, ..., whole n-grams from ngram_counts[n-1] on. */
  int64_t grams = 0;
  for (int64_t n = 1; n <= g->num_counts; n++) {
    int64_t lo = st_tfidf_at(g->counts, (unsigned)n - 1), hi = n < g->num_counts ? st_tfidf_at(g->counts, (unsigned)n) : g->pool_len;
    if (lo < 0 || hi < lo || hi > g->pool_len || (hi - lo) % n) {
      st_diag_error(d, op->loc, "'graph.tfidf_vectorizer' op ngram_counts do not split the pool into whole n-grams");
      return false;
    }
    grams += (hi - lo) / n;
  }
  if (grams != (int64_t)g->indexes->u.array.n) {
    st_diag_error(d, op->loc, "'graph.tfidf_vectorizer' op has %" PRId64 " n-grams in the pool but %u ngram_indexes",
                  grams, g->indexes->u.array.n);
    return false;
  }
  g->out_len = 0;
  for (unsigned i = 0; i < g->indexes->u.array.n; i++) {
    int64_t k = st_tfidf_at(g->indexes, i);
    if (k < 0 || k >= (int64_t)1 << 30) {
      st_diag_error(d, op->loc, "'graph.tfidf_vectorizer' op ngram_indexes hold %" PRId64 ", out of range", k);
      return false;
    }
    if (k + 1 > g->out_len) g->out_len = k + 1;
  }
  return true;
}

static bool st_tfidf_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  st_tfidf g;
  if (!st_graph_expect_tensor(op, 0, d) || !st_tfidf_attrs(op, &g, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type;
  unsigned r = x->u.shaped.rank;
  if ((r != 1 && r != 2) || !st_type_is_int(x->u.shaped.elem))
    return st_graph_type_error(op, d, "expects a 1-D or 2-D integer input", x);
  st_dim dims[2] = {x->u.shaped.dims[0], g.out_len};
  if (r == 1) dims[0] = g.out_len;
  results[0] = st_type_tensor(ctx, st_type_scalar(ctx, ST_TY_F32), r, dims);
  return true;
}

/* Counts, in each row, every n-gram X[j], X[j+s+1], ... for n in
 * [min, max] and skips s in [0, max_skip] (one skip for unigrams) that the
 * pool lists; the pool is searched linearly (its sizes are small). */
static bool st_tfidf_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_tfidf g;
  if (!st_tfidf_attrs(op, &g, d)) return false;
  const st_type *x = in[0].type, *xe = st_type_elem(x);
  bool rows2 = x->u.shaped.rank == 2;
  int64_t rows = rows2 ? x->u.shaped.dims[0] : 1, C = x->u.shaped.dims[rows2 ? 1 : 0];
  double *cnt = st_graph_scratch(op, rows * g.out_len, d);
  if (!cnt) return false;
  for (int64_t row = 0; row < rows; row++)
    for (int64_t n = g.min_n; n <= g.max_n; n++) {
      int64_t lo = st_tfidf_at(g.counts, (unsigned)n - 1), hi = n < g.num_counts ? st_tfidf_at(g.counts, (unsigned)n) : g.pool_len;
      int64_t first = 0; /* the pool position of the first n-gram of this length */
      for (int64_t m = 1; m < n; m++) {
        int64_t a = st_tfidf_at(g.counts, (unsigned)m - 1), b = st_tfidf_at(g.counts, (unsigned)m);
        first += (b - a) / m;
      }
      for (int64_t s = 0; s <= (n == 1 ? 0 : g.max_skip); s++)
        for (int64_t j = 0; j + (n - 1) * (s + 1) < C; j++)
          for (int64_t p = lo; p < hi; p += n) {
            bool match = true;
            for (int64_t k = 0; k < n && match; k++)
              match = st_elem_load_i(xe, in[0].data, row * C + j + k * (s + 1)) == st_tfidf_at(g.pool, (unsigned)(p + k));
            if (match) cnt[row * g.out_len + st_tfidf_at(g.indexes, (unsigned)(first + (p - lo) / n))] += 1;
          }
    }
  for (int64_t row = 0; row < rows; row++)
    for (unsigned i = 0; i < g.indexes->u.array.n; i++) {
      int64_t k = st_tfidf_at(g.indexes, i);
      double *c = &cnt[row * g.out_len + k];
      const st_attr *w = g.weights ? g.weights->u.array.elems[i] : NULL;
      double wt = !w ? 1 : w->kind == ST_ATTR_FLOAT ? w->u.f : w->kind == ST_ATTR_INT ? (double)w->u.i : 1;
      if (g.mode == 1) *c = (*c > 0) * wt;
      else if (g.mode == 2) *c *= wt;
    }
  for (int64_t i = 0; i < rows * g.out_len; i++) st_elem_store_f(st_type_elem(out[0].type), out[0].data, i, cnt[i]);
  free(cnt);
  return true;
}

/* ---- the table ---- */

const st_op_def st_graph_bitcast_def = {
    .name = "graph.bitcast", .summary = "reinterprets each element's bits as data type `to` of the same width",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_ELEMENTWISE,
    .infer_types = st_bitcast_infer, .interpret = st_bitcast_interp,
    .lower = st_graph_lower_bitcast,
};
const st_op_def st_graph_tensor_scatter_def = {
    .name = "graph.tensor_scatter", .summary = "writes an update into a cache at per-batch positions (axis, mode)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_ts_infer, .interpret = st_ts_interp,
    .lower = st_graph_lower_tensor_scatter,
};
const st_op_def st_graph_tfidf_vectorizer_def = {
    .name = "graph.tfidf_vectorizer", .summary = "counts pooled n-grams (with skips) of integer rows, TF/IDF/TFIDF",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_tfidf_infer, .interpret = st_tfidf_interp, .lower = st_graph_lower_tfidf,
};

static const st_op_def *const st_graph_extra_list[] = {
    &st_graph_bitcast_def,
    &st_graph_tensor_scatter_def,
    &st_graph_tfidf_vectorizer_def,
    &st_graph_unique_def,
    &st_graph_linear_attention_def,
    &st_graph_causal_conv_with_state_def,
    &st_graph_flex_scores_def,
    &st_graph_flex_apply_def,
};

const st_op_group st_graph_extra_ops = ST_OP_GROUP(st_graph_extra_list);
