/* Lower hooks of Unique and TfIdfVectorizer (interpreters in
 * graph_extra_unique.c and graph_extra.c).
 *
 * Unique views X as (outer, K, inner) slices (K elements when flattened)
 * and works without a sort: a parallel nest finds each slice's first equal
 * slice with a loop.while that stops at the first match (the slice itself
 * at the latest); the first occurrences are the groups, and each one's
 * group number is the count of first occurrences ordered before it (by
 * value when sorted, the interpreter's lexicographic element order, signed
 * or unsigned as the type; else by position).  Under loop.if each group
 * writes its slice of Y, its index and its count; inverse_indices read the
 * group of each slice's first occurrence.  The work is quadratic in K.  The
 * result types hold U groups (the model's declared shape): where the data
 * has another number the interpreter reports an error, which the compiled
 * code cannot, so it writes the groups numbered below U and leaves rows it
 * has no group for as Y 0, indices -1, counts 0.  A NaN never equals
 * anything, as in the interpreter, but NaN groups may order differently
 * (the interpreter's order among them is its merge sort's).
 *
 * TfIdfVectorizer: the pool's n-grams of each length and their output
 * columns become compile-time tables; per row (parallel), each skip and
 * start position compares every pooled n-gram and adds 1 to its column;
 * IDF / TFIDF then weight the columns as the interpreter does, in f64. */
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"

static const st_type *st_uql_scalar(st_builder *b, st_type_kind k) { return st_type_scalar(b->module->ctx, k); }

/* Fills a buffer with v (one parallel nest). */
static bool st_uql_fill(st_lower_ctx *lc, st_value *buf, double v) {
  const st_type *t = buf->type;
  st_value *ivs[ST_MAX_RANK];
  if (st_type_num_elements(t) == 0) return true;
  st_builder in = st_lower_loops(lc, &lc->b, t->u.shaped.rank, t->u.shaped.dims, true, ivs);
  return in.block && st_lower_store(&in, st_lower_const(&in, t->u.shaped.elem, v), buf, ivs);
}

/* ---- Unique ---- */

/* *slot += cond (an integer or index scratch slot). */
static bool st_uql_count_if(st_builder *b, st_value *slot, st_value *cond) {
  st_value *v = st_lower_load(b, slot, NULL);
  st_value *inc = v ? st_lower_binary(b, &st_arith_addi_def, v, st_lower_const(b, v->type, 1)) : NULL;
  return cond && st_lower_store(b, st_lower_select(b, cond, inc, v), slot, NULL);
}

typedef struct st_uql {
  st_lower_ctx *lc;
  st_value *x;    /* X viewed (outer, K, inner) */
  st_dim dims[2]; /* outer, inner */
  bool is_float, is_unsigned;
} st_uql;

/* Opens the (outer, inner) loops over slices j and k at b; xj, xk get
 * their elements there. */
static st_builder st_uql_walk(const st_uql *u, st_builder *b, st_value *j, st_value *k, st_value **xj, st_value **xk) {
  st_value *ivs[2];
  st_builder in = st_lower_loops(u->lc, b, 2, u->dims, false, ivs);
  if (!in.block) return in;
  st_value *aj[3] = {ivs[0], j, ivs[1]}, *ak[3] = {ivs[0], k, ivs[1]};
  *xj = st_lower_load(&in, u->x, aj);
  *xk = st_lower_load(&in, u->x, ak);
  return in;
}

/* Slices j and k are equal element by element (a NaN equals nothing). */
static st_value *st_uql_equal(const st_uql *u, st_builder *b, st_value *j, st_value *k) {
  st_value *acc = st_lower_alloca(b, st_uql_scalar(b, ST_TY_I1)), *xj, *xk;
  if (!acc || !st_lower_store(b, st_lower_const(b, st_uql_scalar(b, ST_TY_I1), 1), acc, NULL)) return NULL;
  st_builder in = st_uql_walk(u, b, j, k, &xj, &xk);
  if (!in.block) return NULL;
  st_value *eq = u->is_float ? st_lower_cmp(&in, &st_arith_cmpf_def, "oeq", xj, xk)
                             : st_lower_cmp(&in, &st_arith_cmpi_def, "eq", xj, xk);
  if (!st_lower_store(&in, st_lower_binary(&in, &st_arith_andi_def, st_lower_load(&in, acc, NULL), eq), acc, NULL))
    return NULL;
  return st_lower_load(b, acc, NULL);
}

/* Slice j orders before slice k: at the first element where they differ
 * (`!=`), j's is smaller (st_uq_cmp). */
static st_value *st_uql_less(const st_uql *u, st_builder *b, st_value *j, st_value *k) {
  const st_type *i1 = st_uql_scalar(b, ST_TY_I1);
  st_value *decided = st_lower_alloca(b, i1), *res = st_lower_alloca(b, i1), *xj, *xk;
  if (!decided || !res || !st_lower_store(b, st_lower_const(b, i1, 0), decided, NULL) ||
      !st_lower_store(b, st_lower_const(b, i1, 0), res, NULL))
    return NULL;
  st_builder in = st_uql_walk(u, b, j, k, &xj, &xk);
  if (!in.block) return NULL;
  st_value *ne, *lt;
  if (u->is_float) {
    ne = st_lower_cmp(&in, &st_arith_cmpf_def, "une", xj, xk);
    lt = st_lower_cmp(&in, &st_arith_cmpf_def, "olt", xj, xk);
  } else {
    ne = st_lower_cmp(&in, &st_arith_cmpi_def, "ne", xj, xk);
    lt = st_lower_cmp(&in, &st_arith_cmpi_def, u->is_unsigned ? "ult" : "slt", xj, xk);
  }
  st_value *d = st_lower_load(&in, decided, NULL);
  st_value *first = st_lower_binary(&in, &st_arith_andi_def, ne,
                                    st_lower_binary(&in, &st_arith_xori_def, d, st_lower_const(&in, i1, 1)));
  if (!st_lower_store(&in, st_lower_select(&in, first, lt, st_lower_load(&in, res, NULL)), res, NULL) ||
      !st_lower_store(&in, st_lower_binary(&in, &st_arith_ori_def, d, ne), decided, NULL))
    return NULL;
  return st_lower_load(b, res, NULL);
}

bool st_graph_lower_unique(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *xt = lc->inputs[0]->type, *elem = xt->u.shaped.elem;
  const st_attr *ax = st_op_get_attr(op, "axis");
  unsigned r = xt->u.shaped.rank, axis = 0;
  if (ax) axis = (unsigned)(ax->u.i < 0 ? ax->u.i + r : ax->u.i);
  st_uql u = {
      .lc = lc, .is_float = st_type_is_float(elem), .is_unsigned = st_type_is_unsigned(elem) || elem->kind == ST_TY_I1};
  int64_t outer = 1, K = st_type_num_elements(xt), inner = 1;
  if (ax) st_graph_split_at(xt, axis, &outer, &K, &inner);
  st_dim U = op->results[0].type->u.shaped.dims[ax ? axis : 0];
  bool sorted = st_op_attr_int(op, "sorted", 1) != 0;
  st_value *res[4] = {0};
  for (unsigned i = 0; i < op->num_results && i < 4; i++) {
    if (op->results[i].type->kind != ST_TY_TENSOR) return st_graph_lower_fail(op, d, "has an untyped result");
    if (!(res[i] = st_lower_result(lc, i))) return false;
  }
  /* Rows without a group: Y 0, indices -1, counts 0. */
  if (!st_uql_fill(lc, res[0], 0) || (res[1] && !st_uql_fill(lc, res[1], -1)) ||
      (res[3] && !st_uql_fill(lc, res[3], 0)))
    return false;
  if (K == 0 || outer == 0 || inner == 0) return true;
  st_dim x3[3] = {outer, K, inner}, y3[3] = {outer, U, inner};
  u.dims[0] = outer, u.dims[1] = inner;
  u.x = st_lower_view(lc, lc->inputs[0], 3, x3);
  st_value *y = st_lower_view(lc, res[0], 3, y3);
  const st_type *i64 = st_uql_scalar(&lc->b, ST_TY_I64), *index = st_uql_scalar(&lc->b, ST_TY_INDEX);
  const st_type *i1 = st_uql_scalar(&lc->b, ST_TY_I1);
  st_value *firstof = st_lower_alloc(lc, i64, 1, &K), *zero = st_lower_index(lc, 0), *one = st_lower_index(lc, 1), *k;
  if (!u.x || !y || !firstof) return false;
  /* firstof[k]: the first j with slice j == slice k, else k. */
  st_builder pk = st_lower_loops(lc, &lc->b, 1, &K, true, &k);
  if (!pk.block) return false;
  st_value *jslot = st_lower_alloca(&pk, index), *flag = st_lower_alloca(&pk, i1);
  if (!jslot || !flag || !st_lower_store(&pk, zero, jslot, NULL)) return false;
  st_builder w = st_lower_while(&pk, flag), stop;
  st_value *j = st_lower_load(&w, jslot, NULL);
  st_builder cmp = st_lower_if(&w, st_lower_cmp(&w, &st_arith_cmpi_def, "ult", j, k), &stop);
  if (!cmp.block || !st_lower_store(&stop, st_lower_const(&stop, i1, 0), flag, NULL)) return false;
  st_value *e = st_uql_equal(&u, &cmp, j, k);
  if (!e ||
      !st_lower_store(&cmp, st_lower_select(&cmp, e, j, st_lower_binary(&cmp, &st_arith_addi_def, j, one)), jslot,
                      NULL) ||
      !st_lower_store(&cmp, st_lower_binary(&cmp, &st_arith_xori_def, e, st_lower_const(&cmp, i1, 1)), flag, NULL) ||
      !st_lower_store(&pk, st_lower_cast(&pk, st_lower_load(&pk, jslot, NULL), i64), firstof, &k))
    return false;
  /* Each first occurrence: its group number, slice, index and count. */
  st_value *group = st_lower_alloc(lc, i64, 1, &K);
  if (!group) return false;
  pk = st_lower_loops(lc, &lc->b, 1, &K, true, &k);
  if (!pk.block) return false;
  st_value *kk = st_lower_cast(&pk, k, i64);
  st_builder rep =
      st_lower_if(&pk, st_lower_cmp(&pk, &st_arith_cmpi_def, "eq", st_lower_load(&pk, firstof, &k), kk), NULL);
  if (!rep.block) return false;
  st_value *cnt = st_lower_alloca(&rep, index), *n = st_lower_alloca(&rep, i64), *jj;
  if (!cnt || !n || !st_lower_store(&rep, zero, cnt, NULL) ||
      !st_lower_store(&rep, st_lower_const(&rep, i64, 0), n, NULL))
    return false;
  /* before: the first occurrences j that order before k */
  st_builder lj = sorted ? st_lower_loops(lc, &rep, 1, &K, false, &jj) : st_lower_for(lc, &rep, zero, k, false, &jj);
  if (!lj.block) return false;
  st_value *is_rep =
      st_lower_cmp(&lj, &st_arith_cmpi_def, "eq", st_lower_load(&lj, firstof, &jj), st_lower_cast(&lj, jj, i64));
  st_builder inc = st_lower_if(&lj, is_rep, NULL);
  if (!inc.block) return false;
  st_value *before = sorted ? st_uql_less(&u, &inc, jj, k) : st_lower_const(&inc, i1, 1);
  if (!st_uql_count_if(&inc, cnt, before)) return false;
  /* size: the slices whose first occurrence is k (all at k or after) */
  lj = st_lower_for(lc, &rep, k, st_lower_index(lc, K), false, &jj);
  if (!lj.block) return false;
  st_value *mine = st_lower_cmp(&lj, &st_arith_cmpi_def, "eq", st_lower_load(&lj, firstof, &jj), kk);
  if (!st_uql_count_if(&lj, n, mine)) return false;
  st_value *g = st_lower_load(&rep, cnt, NULL);
  if (!st_lower_store(&rep, st_lower_cast(&rep, g, i64), group, &k)) return false;
  st_builder fits = st_lower_if(&rep, st_lower_cmp(&rep, &st_arith_cmpi_def, "ult", g, st_lower_index(lc, U)), NULL);
  if (!fits.block || (res[1] && !st_lower_store(&fits, kk, res[1], &g)) ||
      (res[3] && !st_lower_store(&fits, st_lower_load(&fits, n, NULL), res[3], &g)))
    return false;
  st_value *ivs[2];
  st_builder cp = st_lower_loops(lc, &fits, 2, u.dims, false, ivs);
  st_value *from[3] = {ivs[0], k, ivs[1]}, *to[3] = {ivs[0], g, ivs[1]};
  if (!cp.block || !st_lower_store(&cp, st_lower_load(&cp, u.x, from), y, to)) return false;
  /* inverse_indices: the group of each slice's first occurrence */
  if (!res[2]) return true;
  pk = st_lower_loops(lc, &lc->b, 1, &K, true, &k);
  if (!pk.block) return false;
  st_value *f = st_lower_cast(&pk, st_lower_load(&pk, firstof, &k), index);
  return st_lower_store(&pk, st_lower_load(&pk, group, &f), res[2], &k);
}

/* ---- TfIdfVectorizer ---- */

static int64_t st_tfl_int(const st_attr *a, int64_t i) {
  const st_attr *e = a->u.array.elems[i];
  return e->kind == ST_ATTR_INT ? e->u.i : 0;
}

/* Adds, for the pooled n-grams of one length n (table pool: count x n,
 * cols: count), the matches in row `row` of x (C elements) to out. */
static bool st_tfl_count(st_lower_ctx *lc, st_builder *b, st_value *x, st_value *out, st_value *row, bool rows2,
                         int64_t C, int64_t n, int64_t skips, int64_t count, st_value *pool, st_value *cols) {
  const st_type *i64 = st_uql_scalar(b, ST_TY_I64), *i1 = st_uql_scalar(b, ST_TY_I1),
                *index = st_uql_scalar(b, ST_TY_INDEX);
  const st_type *oe = out->type->u.shaped.elem;
  st_value *s, *j, *g, *kk;
  st_builder ls = st_lower_loops(lc, b, 1, &skips, false, &s);
  if (!ls.block) return false;
  st_value *step = st_lower_binary(&ls, &st_arith_addi_def, s, st_lower_index(lc, 1));
  st_value *span = st_lower_binary(&ls, &st_arith_muli_def, st_lower_index(lc, n - 1), step);
  st_value *ub = st_lower_binary(&ls, &st_arith_subi_def, st_lower_index(lc, C), span);
  st_builder lj = st_lower_for(lc, &ls, st_lower_index(lc, 0), ub, false, &j);
  st_builder lg = lj.block ? st_lower_loops(lc, &lj, 1, &count, false, &g) : lj;
  if (!lg.block) return false;
  st_value *match = st_lower_alloca(&lg, i1);
  if (!match || !st_lower_store(&lg, st_lower_const(&lg, i1, 1), match, NULL)) return false;
  st_builder lk = st_lower_loops(lc, &lg, 1, &n, false, &kk);
  if (!lk.block) return false;
  st_value *p = st_lower_binary(&lk, &st_arith_addi_def, j, st_lower_binary(&lk, &st_arith_muli_def, kk, step));
  st_value *xi[2] = {row, p}, *pi[2] = {g, kk};
  st_value *v = st_lower_cast(&lk, st_lower_load(&lk, x, rows2 ? xi : xi + 1), i64);
  st_value *eq = st_lower_cmp(&lk, &st_arith_cmpi_def, "eq", v, st_lower_load(&lk, pool, pi));
  if (!st_lower_store(&lk, st_lower_binary(&lk, &st_arith_andi_def, st_lower_load(&lk, match, NULL), eq), match, NULL))
    return false;
  st_value *col = st_lower_cast(&lg, st_lower_load(&lg, cols, &g), index);
  st_value *oi[2] = {row, col}, **at = rows2 ? oi : oi + 1;
  st_value *cur = st_lower_load(&lg, out, at);
  st_value *add =
      st_lower_select(&lg, st_lower_load(&lg, match, NULL), st_lower_const(&lg, oe, 1), st_lower_const(&lg, oe, 0));
  return st_lower_store(&lg, st_lower_binary(&lg, st_lower_arith_for(oe, 'a'), cur, add), out, at);
}

bool st_graph_lower_tfidf(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *xt = lc->inputs[0]->type, *ot = op->results[0].type, *oe = ot->u.shaped.elem;
  const char *mode_s = st_op_attr_str(op, "mode");
  int mode = !mode_s ? -1 : !strcmp(mode_s, "TF") ? 0 : !strcmp(mode_s, "IDF") ? 1 : !strcmp(mode_s, "TFIDF") ? 2 : -1;
  int64_t min_n = st_op_attr_int(op, "min_gram_length", 0), max_n = st_op_attr_int(op, "max_gram_length", 0);
  int64_t max_skip = st_op_attr_int(op, "max_skip_count", 0);
  const st_attr *pool = st_op_get_attr(op, "pool_int64s"), *counts = st_op_get_attr(op, "ngram_counts");
  const st_attr *indexes = st_op_get_attr(op, "ngram_indexes"), *weights = st_op_get_attr(op, "weights");
  if (mode < 0 || !pool || !counts || !indexes || pool->kind != ST_ATTR_ARRAY || counts->kind != ST_ATTR_ARRAY ||
      indexes->kind != ST_ATTR_ARRAY || !st_type_is_float(oe))
    return st_graph_lower_fail(op, d, "has attributes its verifier should have refused");
  bool rows2 = xt->u.shaped.rank == 2;
  st_dim rows = rows2 ? xt->u.shaped.dims[0] : 1, C = xt->u.shaped.dims[rows2 ? 1 : 0];
  int64_t pool_len = pool->u.array.n, num_counts = counts->u.array.n, nidx = indexes->u.array.n;
  st_value *out = st_lower_result(lc, 0), *row;
  if (!out || !st_uql_fill(lc, out, 0)) return false;
  if (rows == 0 || ot->u.shaped.dims[rows2 ? 1 : 0] == 0) return true;
  const st_type *i64 = st_uql_scalar(&lc->b, ST_TY_I64), *f64 = st_uql_scalar(&lc->b, ST_TY_F64);
  /* the tables first (at the insertion point, outside the row loop) */
  st_value *pools[64] = {0}, *colss[64] = {0};
  int64_t cnt_n[64] = {0};
  if (max_n >= 64) return st_graph_lower_fail(op, d, "supports n-grams up to 63 long");
  int64_t first = 0;
  for (int64_t n = 1; n <= num_counts && n <= max_n; n++) {
    int64_t lo = st_tfl_int(counts, n - 1), hi = n < num_counts ? st_tfl_int(counts, n) : pool_len, c = (hi - lo) / n;
    if (n >= min_n && c > 0) {
      int64_t *pv = malloc((size_t)(c * n + c) * sizeof *pv);
      if (!pv) return lc->out_of_memory = true, false;
      for (int64_t i = 0; i < c * n; i++) pv[i] = st_tfl_int(pool, lo + i);
      for (int64_t i = 0; i < c; i++) pv[c * n + i] = st_tfl_int(indexes, first + i);
      st_dim pd[2] = {c, n};
      pools[n] = st_graph_lower_table(lc, i64, 2, pd, pv, (size_t)(c * n) * 8);
      colss[n] = pools[n] ? st_graph_lower_table(lc, i64, 1, &c, pv + c * n, (size_t)c * 8) : NULL;
      free(pv);
      if (!colss[n]) return false;
      cnt_n[n] = c;
    }
    first += c;
  }
  st_value *wcols = NULL, *wvals = NULL;
  if (mode != 0 && nidx > 0) {
    int64_t *iv = malloc((size_t)nidx * sizeof *iv);
    double *wv = malloc((size_t)nidx * sizeof *wv);
    if (!iv || !wv) return free(iv), free(wv), lc->out_of_memory = true, false;
    for (int64_t i = 0; i < nidx; i++) {
      const st_attr *w = weights && weights->kind == ST_ATTR_ARRAY ? weights->u.array.elems[i] : NULL;
      iv[i] = st_tfl_int(indexes, i);
      wv[i] = !w ? 1 : w->kind == ST_ATTR_FLOAT ? w->u.f : w->kind == ST_ATTR_INT ? (double)w->u.i : 1;
    }
    st_dim nd = nidx;
    wcols = st_graph_lower_table(lc, i64, 1, &nd, iv, (size_t)nidx * 8);
    wvals = wcols ? st_graph_lower_table(lc, f64, 1, &nd, wv, (size_t)nidx * 8) : NULL;
    free(iv), free(wv);
    if (!wvals) return false;
  }
  st_builder in = st_lower_loops(lc, &lc->b, 1, &rows, true, &row);
  if (!in.block) return false;
  for (int64_t n = min_n; n <= max_n && n < 64; n++)
    if (cnt_n[n] && !st_tfl_count(lc, &in, lc->inputs[0], out, row, rows2, C, n, n == 1 ? 1 : max_skip + 1, cnt_n[n],
                                  pools[n], colss[n]))
      return false;
  if (mode == 0 || nidx == 0) return true;
  /* IDF: (count > 0) * weight, TFIDF: count * weight (per ngram_indexes entry, in order) */
  st_value *i;
  st_dim nd = nidx;
  st_builder li = st_lower_loops(lc, &in, 1, &nd, false, &i);
  if (!li.block) return false;
  st_value *col = st_lower_cast(&li, st_lower_load(&li, wcols, &i), st_uql_scalar(&li, ST_TY_INDEX));
  st_value *oi[2] = {row, col}, **at = rows2 ? oi : oi + 1;
  st_value *c = st_lower_cast(&li, st_lower_load(&li, out, at), f64), *w = st_lower_load(&li, wvals, &i);
  if (mode == 1) {
    st_value *pos = st_lower_cmp(&li, &st_arith_cmpf_def, "ogt", c, st_lower_const(&li, f64, 0));
    c = st_lower_select(&li, pos, st_lower_const(&li, f64, 1), st_lower_const(&li, f64, 0));
  }
  return st_lower_store(&li, st_lower_cast(&li, st_lower_binary(&li, &st_arith_mulf_def, c, w), oe), out, at);
}
