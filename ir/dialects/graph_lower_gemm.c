/* Register-tiled lowering of f32 Gemm and MatMul (the packed GEMM).
 *
 * The plain form (graph_lower_linalg.c) is a parallel nest over the result
 * with a scalar dot product over K: LLVM may not reassociate the sum, so it
 * stays one scalar FMA chain per element.  Here the result is cut into tiles
 * of MR rows x P panels of L = 8 columns, and each tile keeps MR*P*L
 * accumulators (rank-0 allocas, registers after mem2reg) across the whole K
 * loop:
 *
 *   parallel (batch..., panel group, row tile):
 *     acc[r][q][j] = 0
 *     for k:  w[q][j] = Bp[group][k][q*L + j]        P*L contiguous floats
 *             a[r]    = A(row r, k)                   MR scalars (broadcast)
 *             acc[r][q][j] += a[r] * w[q][j]          MR*P*L multiply-adds
 *     Y(row r, col) = alpha * acc + beta * C(row r, col)   (C broadcast)
 *
 * Codegen contracts mulf + addf into llvm.fmuladd and the SLP vectoriser
 * turns the multiply-adds of one row into vector FMAs on a broadcast of
 * a[r] (16 lanes with AVX-512: it fuses two panels); the MR*P chains are
 * independent, which hides the FMA latency.  Tiles: M = 1 (a matrix-vector
 * product) 1 x 8 panels, M < 4 M x 4, else 4 x 2 (4x2 and 8x2 measured
 * best on Zen 4 at 256x512x512, ~115 GFLOP/s on one core, the FMA peak;
 * 4x3, 6x3, 3x4 ~25 % slower).
 *
 * B is packed so that the P*L columns of a tile are one contiguous run for
 * each k: Bp[groups][K][P*L].  (One panel per run, Bp[N/L][K][L], made the
 * SLP vectoriser fuse two panels into 16-lane gathers.)
 * - B a mem.constant (weights, after canonicalize): packed at compile time
 *   (transB folded in), a new mem.constant per nest;
 * - B a run-time 2-D matrix with transB, or with at least 8 rows of A to
 *   serve: packed at run time into a workspace by a parallel nest over
 *   (group, k) (B read in place is 2x slower at 256x512x512: each k is a
 *   new cache line and soon a new page);
 * - otherwise (a batched MatMul, or few rows) B is read in place: without
 *   transB a tile's columns are contiguous in a row of B, and the group
 *   size is then a divisor of the panel count so that no slot is clamped.
 *
 * Tiles are balanced as in the packed convolution: the rows are split in
 * ceil(M/MR) tiles of MRb = ceil(M/tiles) rows, the last tile's rows
 * clamped to M-1 (duplicates recompute and rewrite the same element); the
 * same for the panels of a group (a clamped slot's packed weights repeat
 * its panel).  The N/L full panels are one nest; when L does not divide N,
 * the last N%L columns are a second nest with one panel of that width, so
 * every lane is a real column and no store needs a guard.
 *
 * MatMul takes this form when B is rank 2 (A's batch dims fold into M: the
 * rows of A and of the result are contiguous) or when both are batched (the
 * batch dims, broadcast as numpy does, are outer parallel loops).  A rank-1
 * B, an empty result, and element types other than f32 keep the plain form.
 * Each output is still one sequential sum over k in order (as the plain
 * form), with FMA contraction. */
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"

enum {
  ST_GEMM_L = 8,         /* lanes of a panel: one 256-bit vector of f32 */
  ST_GEMM_MAX_ACC = 16,  /* panels or rows of a tile, at most */
  ST_GEMM_PACK_ROWS = 8  /* a run-time B is packed from this many rows of A */
};

/* How a matrix operand is indexed from (batch ivs, row, col). */
typedef struct st_gemm_operand {
  st_value *buf;
  unsigned nb;             /* its batch dims, aligned right to the result's */
  bool bcast[ST_MAX_RANK]; /* batch dim j is broadcast (index 0) */
  bool trans;              /* stored as [col][row] */
} st_gemm_operand;

typedef struct st_gemm {
  st_lower_ctx *lc;
  const st_type *elem;
  st_gemm_operand a, b, y;
  st_value *C; /* gemm's C (rank <= 2, broadcast to M x N), or NULL */
  double alpha, beta;
  unsigned nbatch;
  const st_dim *bdims;
  int64_t M, N, K;
} st_gemm;

static void st_gemm_index(st_lower_ctx *lc, const st_gemm_operand *o, unsigned nbatch, st_value *const *bivs,
                          st_value *row, st_value *col, st_value **idx) {
  for (unsigned j = 0; j < o->nb; j++) idx[j] = o->bcast[j] ? st_lower_index(lc, 0) : bivs[nbatch - o->nb + j];
  idx[o->nb] = o->trans ? col : row;
  idx[o->nb + 1] = o->trans ? row : col;
}

static st_value *st_gemm_min(st_lower_ctx *lc, st_builder *b, st_value *x, int64_t hi) {
  st_value *h = st_lower_index(lc, hi);
  return st_lower_select(b, st_lower_cmp(b, &st_arith_cmpi_def, "slt", x, h), x, h);
}

/* t * size + i, clamped to hi when the last tile is short. */
static st_value *st_gemm_pos(st_lower_ctx *lc, st_builder *b, st_value *t, int64_t size, int64_t i, int64_t hi,
                             bool clamp) {
  st_value *x = size == 1 ? t : st_lower_binary(b, &st_arith_muli_def, t, st_lower_index(lc, size));
  if (i) x = st_lower_binary(b, &st_arith_addi_def, x, st_lower_index(lc, i));
  return clamp ? st_gemm_min(lc, b, x, hi) : x;
}

/* The tiling of one nest: columns [first*L, first*L + npanels*W) in panels
 * of W lanes (W = L, or the ragged rest with npanels = 1), grouped Pb per
 * tile (ngr groups); rows in nrt tiles of MRb. */
typedef struct st_gemm_tiles {
  int64_t first, npanels, W, Pb, ngr, MRb, nrt;
  bool rclamp, pclamp;
} st_gemm_tiles;

/* Column of lane j of slot q of panel group gr, as the packing sees it. */
static int64_t st_gemm_col(const st_gemm_tiles *t, int64_t gr, int64_t q, int64_t j) {
  int64_t p = gr * t->Pb + q;
  return (t->first + (p < t->npanels ? p : t->npanels - 1)) * ST_GEMM_L + j;
}

/* A constant B ([K][N], or [N][K] with transB) packed for the tiles of one
 * nest as Bp[ngr][K][Pb*W]: for each k, the Pb*W columns of a tile are one
 * contiguous run (a clamped slot repeats its panel, as its store does).
 * NULL when B is not a readable constant. */
static st_value *st_gemm_pack_const(st_gemm *g, const st_gemm_tiles *t) {
  st_lower_ctx *lc = g->lc;
  size_t have;
  bool splat;
  const char *src = st_graph_lower_const_data(g->b.buf, &have, &splat);
  size_t esz = st_dense_elem_size(g->elem);
  int64_t K = g->K, N = g->N, PW = t->Pb * t->W;
  if (!src || (!splat && have < (size_t)(K * N) * esz)) return NULL;
  size_t n = splat ? 1 : (size_t)(t->ngr * K * PW); /* a splat stays one */
  char *dst = malloc(n * esz);
  if (!dst) return lc->out_of_memory = true, NULL;
  size_t at = 0;
  for (int64_t gr = 0; gr < (splat ? 0 : t->ngr); gr++)
    for (int64_t k = 0; k < K; k++)
      for (int64_t q = 0; q < t->Pb; q++)
        for (int64_t j = 0; j < t->W; j++, at += esz) {
          int64_t c = st_gemm_col(t, gr, q, j);
          memcpy(dst + at, src + (size_t)(g->b.trans ? c * K + k : k * N + c) * esz, esz);
        }
  st_dim pd[3] = {t->ngr, K, PW};
  if (splat) memcpy(dst, src, esz);
  st_value *c = st_graph_lower_dense(lc, g->elem, 3, pd, dst, n * esz, splat);
  free(dst);
  return c;
}

/* A run-time B (2-D) packed the same way into a workspace buffer by a
 * parallel nest over (group, k, e), e the tile's column slot: stores are
 * contiguous, and so are the loads without transB.  (Unrolling the slots
 * instead left k innermost: the loop vectoriser made it 16-lane gathers, and
 * the packing took a fifth of a 256x512x512 product.) */
static st_value *st_gemm_pack_run(st_gemm *g, const st_gemm_tiles *t) {
  st_lower_ctx *lc = g->lc;
  st_dim pd[3] = {t->ngr, g->K, t->Pb * t->W};
  st_value *Bp = st_lower_alloc(lc, g->elem, 3, pd), *iv[3], *idx[ST_MAX_RANK], *c;
  if (!Bp) return NULL;
  st_builder in = st_lower_loops(lc, &lc->b, 3, pd, true, iv);
  if (!in.block) return NULL;
  if (t->W == ST_GEMM_L && !t->pclamp) {
    /* c = (first + gr * Pb) * L + e */
    c = st_lower_binary(&in, &st_arith_muli_def, iv[0], st_lower_index(lc, t->Pb * ST_GEMM_L));
    if (t->first) c = st_lower_binary(&in, &st_arith_addi_def, c, st_lower_index(lc, t->first * ST_GEMM_L));
    c = st_lower_binary(&in, &st_arith_addi_def, c, iv[2]);
  } else {
    /* c = (first + min(gr * Pb + e / W, npanels - 1)) * L + e % W */
    st_value *w = st_lower_index(lc, t->W), *q = st_lower_binary(&in, &st_arith_divsi_def, iv[2], w);
    st_value *j = st_lower_binary(&in, &st_arith_remsi_def, iv[2], w);
    st_value *p = st_lower_binary(&in, &st_arith_muli_def, iv[0], st_lower_index(lc, t->Pb));
    p = st_gemm_min(lc, &in, st_lower_binary(&in, &st_arith_addi_def, p, q), t->npanels - 1);
    if (t->first) p = st_lower_binary(&in, &st_arith_addi_def, p, st_lower_index(lc, t->first));
    c = st_lower_binary(&in, &st_arith_muli_def, p, st_lower_index(lc, ST_GEMM_L));
    c = st_lower_binary(&in, &st_arith_addi_def, c, j);
  }
  st_gemm_index(lc, &g->b, 0, NULL, iv[1], c, idx);
  return st_lower_store(&in, st_lower_load(&in, g->b.buf, idx), Bp, iv) ? Bp : NULL;
}

/* One nest (see st_gemm_tiles): parallel over (batch..., panel group, row
 * tile), MRb x Pb x W accumulators per tile.  Groups outside rows: a
 * group's packed panel (K x Pb*W) stays in cache while every row tile
 * passes over it (rows outside: 1024^3 took 35 ms instead of 19.5). */
static bool st_gemm_nest(st_gemm *g, int64_t first, int64_t npanels, int64_t W, int64_t MR, int64_t P) {
  st_lower_ctx *lc = g->lc;
  const st_op_def *add = &st_arith_addf_def, *mul = &st_arith_mulf_def;
  st_gemm_tiles t = {.first = first, .npanels = npanels, .W = W};
  t.nrt = (g->M + MR - 1) / MR;
  t.MRb = (g->M + t.nrt - 1) / t.nrt;
  t.rclamp = t.MRb * t.nrt != g->M;
  /* pack B at run time when it is transposed or its panels serve several
   * row tiles (rows of B in place are N apart: a new cache line and soon a
   * new page for each k, 2x slower at 256 x 512 x 512) */
  bool run_pack = !g->b.nb && (g->b.trans || g->M >= ST_GEMM_PACK_ROWS);
  bool packs = run_pack || (!g->b.nb && g->b.buf->def && g->b.buf->def->def == &st_mem_constant_def);
  if (!packs) {
    /* B read in place: the largest group that divides the panels, so no
     * slot is clamped and a tile's columns stay one contiguous run */
    for (t.Pb = P < npanels ? P : npanels; npanels % t.Pb;) t.Pb--;
    t.ngr = npanels / t.Pb;
  } else {
    t.ngr = (npanels + P - 1) / P;
    t.Pb = (npanels + t.ngr - 1) / t.ngr;
  }
  t.pclamp = t.Pb * t.ngr != npanels;
  st_value *Bp = NULL;
  if (packs) {
    if (!(Bp = st_gemm_pack_const(g, &t)) && lc->out_of_memory) return false;
    if (!Bp && run_pack && !(Bp = st_gemm_pack_run(g, &t))) return false;
  }
  st_dim outer[ST_MAX_RANK + 2];
  st_value *iv[ST_MAX_RANK + 2], *k;
  for (unsigned j = 0; j < g->nbatch; j++) outer[j] = g->bdims[j];
  outer[g->nbatch] = t.ngr;
  outer[g->nbatch + 1] = t.nrt;
  st_builder in = st_lower_loops(lc, &lc->b, g->nbatch + 2, outer, true, iv);
  if (!in.block) return false;
  st_value *gr = iv[g->nbatch], *rt = iv[g->nbatch + 1];
  st_value *rows[ST_GEMM_MAX_ACC], *col[ST_GEMM_MAX_ACC][ST_GEMM_L];
  st_value *acc[ST_GEMM_MAX_ACC][ST_GEMM_MAX_ACC][ST_GEMM_L], *zero = st_lower_const(&in, g->elem, 0);
  for (int64_t r = 0; r < t.MRb; r++) rows[r] = st_gemm_pos(lc, &in, rt, t.MRb, r, g->M - 1, t.rclamp);
  for (int64_t q = 0; q < t.Pb; q++) {
    st_value *p = st_gemm_pos(lc, &in, gr, t.Pb, q, npanels - 1, t.pclamp);
    if (first) p = st_lower_binary(&in, &st_arith_addi_def, p, st_lower_index(lc, first));
    col[q][0] = st_lower_binary(&in, &st_arith_muli_def, p, st_lower_index(lc, ST_GEMM_L));
    for (int64_t j = 1; j < W; j++)
      col[q][j] = st_lower_binary(&in, &st_arith_addi_def, col[q][0], st_lower_index(lc, j));
  }
  for (int64_t r = 0; r < t.MRb; r++)
    for (int64_t q = 0; q < t.Pb; q++)
      for (int64_t j = 0; j < W; j++)
        if (!(acc[r][q][j] = st_lower_alloca(&in, g->elem)) || !st_lower_store(&in, zero, acc[r][q][j], NULL))
          return false;
  st_builder red = st_lower_loops(lc, &in, 1, &g->K, false, &k);
  if (!red.block) return false;
  st_value *w[ST_GEMM_MAX_ACC][ST_GEMM_L], *idx[ST_MAX_RANK];
  for (int64_t q = 0; q < t.Pb; q++)
    for (int64_t j = 0; j < W; j++) {
      if (Bp) {
        st_value *pi[3] = {gr, k, st_lower_index(lc, q * W + j)};
        w[q][j] = st_lower_load(&red, Bp, pi);
      } else {
        st_gemm_index(lc, &g->b, g->nbatch, iv, k, col[q][j], idx);
        w[q][j] = st_lower_load(&red, g->b.buf, idx);
      }
    }
  for (int64_t r = 0; r < t.MRb; r++) {
    st_gemm_index(lc, &g->a, g->nbatch, iv, rows[r], k, idx);
    st_value *x = st_lower_load(&red, g->a.buf, idx);
    for (int64_t q = 0; q < t.Pb; q++)
      for (int64_t j = 0; j < W; j++) {
        st_value *s = st_lower_binary(&red, add, st_lower_load(&red, acc[r][q][j], NULL),
                                      st_lower_binary(&red, mul, x, w[q][j]));
        if (!st_lower_store(&red, s, acc[r][q][j], NULL)) return false;
      }
  }
  /* epilogue: alpha, beta * C, store */
  st_value *alpha = g->alpha != 1.0 ? st_lower_const(&in, g->elem, g->alpha) : NULL;
  st_value *beta = g->C && g->beta != 1.0 ? st_lower_const(&in, g->elem, g->beta) : NULL;
  unsigned rc = g->C ? g->C->type->u.shaped.rank : 0;
  const st_dim *cd = g->C ? g->C->type->u.shaped.dims : NULL;
  for (int64_t r = 0; r < t.MRb; r++)
    for (int64_t q = 0; q < t.Pb; q++)
      for (int64_t j = 0; j < W; j++) {
        st_value *y = st_lower_load(&in, acc[r][q][j], NULL);
        if (alpha) y = st_lower_binary(&in, mul, y, alpha);
        if (g->C) {
          st_value *ci[2], *rc2[2] = {rows[r], col[q][j]};
          for (unsigned d = 0; d < rc; d++) ci[d] = cd[d] == 1 ? st_lower_index(lc, 0) : rc2[2 - rc + d];
          st_value *c = st_lower_load(&in, g->C, ci);
          if (beta) c = st_lower_binary(&in, mul, c, beta);
          y = st_lower_binary(&in, add, y, c);
        }
        st_gemm_index(lc, &g->y, g->nbatch, iv, rows[r], col[q][j], idx);
        if (!st_lower_store(&in, y, g->y.buf, idx)) return false;
      }
  return true;
}

/* Tile shape for M rows (see the header): 1 x 8 panels, M x 4, or 4 x 2. */
static void st_gemm_tile(int64_t M, int64_t *MR, int64_t *P) {
  *MR = M < 4 ? M : 4;
  *P = M == 1 ? 8 : M < 4 ? 4 : 2;
}

static bool st_gemm_emit(st_gemm *g) {
  int64_t MR, P, NF = g->N / ST_GEMM_L, rest = g->N % ST_GEMM_L;
  st_gemm_tile(g->M, &MR, &P);
  if (NF && !st_gemm_nest(g, 0, NF, ST_GEMM_L, MR, P)) return false;
  return !rest || st_gemm_nest(g, NF, 1, rest, MR, P);
}

/* Whether the packed form applies to a result of this element type. */
static bool st_gemm_elem_ok(const st_type *elem) { return elem->kind == ST_TY_F32; }

bool st_lower_gemm_packed(st_op *op, st_lower_ctx *lc, bool *done) {
  const st_type *out = op->results[0].type;
  *done = false;
  if (!st_gemm_elem_ok(out->u.shaped.elem) || !st_type_num_elements(out)) return true;
  st_gemm g = {.lc = lc, .elem = out->u.shaped.elem, .C = op->num_operands > 2 ? lc->inputs[2] : NULL};
  bool ta = st_op_attr_int(op, "transA", 0) != 0, tb = st_op_attr_int(op, "transB", 0) != 0;
  g.alpha = st_op_attr_float(op, "alpha", 1.0);
  g.beta = st_op_attr_float(op, "beta", 1.0);
  if (g.C && g.beta == 0.0) g.C = NULL;
  g.M = out->u.shaped.dims[0];
  g.N = out->u.shaped.dims[1];
  g.K = lc->inputs[0]->type->u.shaped.dims[ta ? 0 : 1];
  g.a = (st_gemm_operand){.buf = lc->inputs[0], .trans = ta};
  g.b = (st_gemm_operand){.buf = lc->inputs[1], .trans = tb};
  if (!(g.y.buf = st_lower_result(lc, 0))) return false;
  *done = true;
  return st_gemm_emit(&g);
}

bool st_lower_matmul_packed(st_op *op, st_lower_ctx *lc, bool *done) {
  const st_type *out = op->results[0].type;
  st_value *A = lc->inputs[0], *B = lc->inputs[1];
  unsigned ra = A->type->u.shaped.rank, rb = B->type->u.shaped.rank, r = out->u.shaped.rank;
  *done = false;
  if (!st_gemm_elem_ok(out->u.shaped.elem) || rb < 2 || !st_type_num_elements(out)) return true;
  const st_dim *ad = A->type->u.shaped.dims, *bd = B->type->u.shaped.dims, *od = out->u.shaped.dims;
  st_gemm g = {.lc = lc, .elem = out->u.shaped.elem, .alpha = 1.0, .K = ad[ra - 1], .N = bd[rb - 1]};
  st_value *dst = st_lower_result(lc, 0);
  if (!dst) return false;
  *done = true;
  if (rb == 2) {
    /* A [..., M, K] as [rows][K], the result as [rows][N] */
    g.M = st_type_num_elements(A->type) / g.K;
    st_dim av[2] = {g.M, g.K}, yv[2] = {g.M, g.N};
    if (!(g.a.buf = st_lower_view(lc, A, 2, av)) || !(g.y.buf = st_lower_view(lc, dst, 2, yv))) return false;
    g.b.buf = B;
    return st_gemm_emit(&g);
  }
  /* batched B: result [batch..., M, N] (no M when A is rank 1) */
  g.M = ra > 1 ? ad[ra - 2] : 1;
  g.nbatch = r - (ra > 1) - 1;
  g.bdims = od;
  st_dim yv[ST_MAX_RANK];
  memcpy(yv, od, g.nbatch * sizeof *yv);
  yv[g.nbatch] = g.M;
  yv[g.nbatch + 1] = g.N;
  st_dim av[2] = {1, g.K};
  g.a.buf = ra > 1 ? A : st_lower_view(lc, A, 2, av);
  g.y.buf = st_lower_view(lc, dst, g.nbatch + 2, yv);
  g.b.buf = B;
  if (!g.a.buf || !g.y.buf) return false;
  g.a.nb = ra > 2 ? ra - 2 : 0;
  g.b.nb = rb - 2;
  g.y.nb = g.nbatch;
  for (unsigned j = 0; j < g.a.nb; j++) g.a.bcast[j] = ad[j] == 1 && od[g.nbatch - g.a.nb + j] != 1;
  for (unsigned j = 0; j < g.b.nb; j++) g.b.bcast[j] = bd[j] == 1 && od[g.nbatch - g.b.nb + j] != 1;
  return st_gemm_emit(&g);
}
