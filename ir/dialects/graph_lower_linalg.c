/* Lower hooks of the contractions: matmul (numpy batching), gemm and N-D
 * convolution (NCHW, groups, strides, pads, dilations).
 *
 * Each is a parallel nest over the result and, inside it, a sequential nest
 * over the reduced dims accumulating into a rank-0 mem.alloca, which LLVM
 * promotes to a register.  Convolution borders read a clamped index and
 * select zero outside the input, so no load ever leaves its buffer and the
 * loop bodies need no control flow.
 *
 * The direct convolution nest (st_lower_conv_direct) also serves
 * ConvInteger and QLinearConv (graph_lower_quant.c): it accumulates in a
 * given type, subtracting zero points, and leaves the epilogue (bias,
 * requantisation) to its caller.
 *
 * A 2-D convolution whose weights are a constant takes a faster form (see
 * st_lower_conv_packed): the weights are repacked at compile time so that L
 * output channels are contiguous, and a tile of L channels x OWB output
 * columns accumulates in OWB*L scalars across the whole reduction.  LLVM
 * promotes them to registers and its SLP vectoriser turns each column's L
 * multiply-adds into vector FMAs (codegen contracts mul+add into fmuladd). */
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"

/* Creates the accumulator (set to zero) at *b and opens sequential loops
 * over dims[0..n); returns a builder inside the innermost one. */
static st_builder st_open_reduction(st_lower_ctx *lc, st_builder *b, const st_type *elem, unsigned n,
                                    const st_dim *dims, st_value **ks, st_value **acc) {
  st_builder fail = *b;
  fail.block = NULL;
  *acc = st_lower_alloca(b, elem);
  if (!*acc || !st_lower_store(b, st_lower_const(b, elem, 0), *acc, NULL)) return fail;
  return st_lower_loops(lc, b, n, dims, false, ks);
}

static bool st_accumulate(st_builder *b, const st_op_def *add, st_value *acc, st_value *v) {
  return st_lower_store(b, st_lower_binary(b, add, st_lower_load(b, acc, NULL), v), acc, NULL);
}

bool st_graph_lower_matmul(st_op *op, st_lower_ctx *lc, st_diag *d) {
  bool done, ok = st_lower_matmul_packed(op, lc, &done); /* f32: graph_lower_gemm.c */
  if (!ok || done) return ok;
  const st_type *out = op->results[0].type, *elem = out->u.shaped.elem;
  st_value *A = lc->inputs[0], *B = lc->inputs[1];
  unsigned ra = A->type->u.shaped.rank, rb = B->type->u.shaped.rank, r = out->u.shaped.rank;
  const st_op_def *add = st_lower_arith_for(elem, 'a'), *mul = st_lower_arith_for(elem, 'm');
  if (!add) return st_graph_lower_fail(op, d, "element type not supported yet");
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *k, *acc, *ia[ST_MAX_RANK], *ib[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, r, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_dim K = A->type->u.shaped.dims[ra - 1];
  st_builder red = st_open_reduction(lc, &in, elem, 1, &K, &k, &acc);
  if (!red.block) return false;
  /* Result dims: batch..., M (if ra > 1), N (if rb > 1); batch dims of each
   * operand align to the right of the result's batch dims. */
  unsigned nbatch = r - (ra > 1) - (rb > 1), ba = ra > 2 ? ra - 2 : 0, bb = rb > 2 ? rb - 2 : 0;
  for (unsigned j = 0; j < ba; j++)
    ia[j] = A->type->u.shaped.dims[j] == 1 && out->u.shaped.dims[nbatch - ba + j] != 1 ? st_lower_index(lc, 0)
                                                                                      : ivs[nbatch - ba + j];
  for (unsigned j = 0; j < bb; j++)
    ib[j] = B->type->u.shaped.dims[j] == 1 && out->u.shaped.dims[nbatch - bb + j] != 1 ? st_lower_index(lc, 0)
                                                                                      : ivs[nbatch - bb + j];
  if (ra > 1) ia[ra - 2] = ivs[nbatch];
  ia[ra - 1] = k;
  ib[rb == 1 ? 0 : rb - 2] = k;
  if (rb > 1) ib[rb - 1] = ivs[r - 1];
  st_value *p = st_lower_binary(&red, mul, st_lower_load(&red, A, ia), st_lower_load(&red, B, ib));
  return st_accumulate(&red, add, acc, p) && st_lower_store(&in, st_lower_load(&in, acc, NULL), dst, ivs);
}

/* Y = alpha * op(A) op(B) + beta * C, C broadcast to M x N. */
bool st_graph_lower_gemm(st_op *op, st_lower_ctx *lc, st_diag *d) {
  bool done, ok = st_lower_gemm_packed(op, lc, &done); /* f32: graph_lower_gemm.c */
  if (!ok || done) return ok;
  const st_type *out = op->results[0].type, *elem = out->u.shaped.elem;
  const st_op_def *add = st_lower_arith_for(elem, 'a'), *mul = st_lower_arith_for(elem, 'm');
  if (!add || !st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  bool ta = st_op_attr_int(op, "transA", 0) != 0, tb = st_op_attr_int(op, "transB", 0) != 0;
  double alpha = st_op_attr_float(op, "alpha", 1.0), beta = st_op_attr_float(op, "beta", 1.0);
  st_value *A = lc->inputs[0], *B = lc->inputs[1], *C = op->num_operands > 2 ? lc->inputs[2] : NULL;
  st_value *dst = st_lower_result(lc, 0), *ivs[2], *k, *acc;
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, 2, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_dim K = A->type->u.shaped.dims[ta ? 0 : 1];
  st_builder red = st_open_reduction(lc, &in, elem, 1, &K, &k, &acc);
  if (!red.block) return false;
  st_value *ia[2] = {ta ? k : ivs[0], ta ? ivs[0] : k}, *ib[2] = {tb ? ivs[1] : k, tb ? k : ivs[1]};
  st_value *p = st_lower_binary(&red, mul, st_lower_load(&red, A, ia), st_lower_load(&red, B, ib));
  if (!st_accumulate(&red, add, acc, p)) return false;
  st_value *y = st_lower_load(&in, acc, NULL);
  if (alpha != 1.0) y = st_lower_binary(&in, mul, y, st_lower_const(&in, elem, alpha));
  if (C && beta != 0.0) {
    st_value *ic[2];
    unsigned rc = C->type->u.shaped.rank;
    for (unsigned j = 0; j < rc; j++)
      ic[j] = C->type->u.shaped.dims[j] == 1 && out->u.shaped.dims[2 - rc + j] != 1 ? st_lower_index(lc, 0)
                                                                                     : ivs[2 - rc + j];
    st_value *c = st_lower_load(&in, C, ic);
    if (beta != 1.0) c = st_lower_binary(&in, mul, c, st_lower_const(&in, elem, beta));
    y = st_lower_binary(&in, add, y, c);
  }
  return st_lower_store(&in, y, dst, ivs);
}

/* in_s = o_s * stride + k_s * dilation - pad_begin, as index arithmetic. */
static st_value *st_conv_input_index(st_lower_ctx *lc, st_builder *b, st_value *o, st_value *k, int64_t stride,
                                     int64_t dil, int64_t pad) {
  st_value *x = stride == 1 ? o : st_lower_binary(b, &st_arith_muli_def, o, st_lower_index(lc, stride));
  st_value *y = dil == 1 ? k : st_lower_binary(b, &st_arith_muli_def, k, st_lower_index(lc, dil));
  x = st_lower_binary(b, &st_arith_addi_def, x, y);
  return pad ? st_lower_binary(b, &st_arith_subi_def, x, st_lower_index(lc, pad)) : x;
}

/* ---- the packed 2-D convolution ---- */

/* The most output columns of a tile and the most accumulators (vectors). */
enum { ST_CONV_MAXCOLS = 16, ST_CONV_MAXACC = 32 };

/* The weights W[M][Cg][KH][KW] repacked as Wp[G][Mg/L][KH][KW][Cg][L]: for one
 * (kh, kw, c) the L channels of a tile are contiguous.  NULL when W is not
 * a readable constant. */
static st_value *st_conv_pack_weights(st_lower_ctx *lc, st_value *W, int64_t G, int64_t L) {
  size_t have;
  bool splat;
  const char *src = st_graph_lower_const_data(W, &have, &splat);
  if (!src) return NULL;
  const st_type *elem = W->type->u.shaped.elem;
  const st_dim *wd = W->type->u.shaped.dims;
  int64_t M = wd[0], Cg = wd[1], KH = wd[2], KW = wd[3], Mg = M / G, MB = Mg / L;
  size_t esz = st_dense_elem_size(elem), n = (size_t)(M * Cg * KH * KW);
  if (!splat && have < n * esz) return NULL;
  char *dst = malloc(n * esz);
  if (!dst) return lc->out_of_memory = true, NULL;
  size_t at = 0;
  for (int64_t g = 0; g < G; g++)
    for (int64_t mb = 0; mb < MB; mb++)
      for (int64_t kh = 0; kh < KH; kh++)
        for (int64_t kw = 0; kw < KW; kw++)
          for (int64_t c = 0; c < Cg; c++)
            for (int64_t j = 0; j < L; j++, at += esz) {
              size_t from = (size_t)((((g * Mg + mb * L + j) * Cg + c) * KH + kh) * KW + kw);
              memcpy(dst + at, src + (splat ? 0 : from * esz), esz);
            }
  st_dim pd[6] = {G, MB, KH, KW, Cg, L};
  st_value *c = st_graph_lower_table(lc, elem, 6, pd, dst, n * esz);
  free(dst);
  return c;
}

static st_value *st_index_min(st_lower_ctx *lc, st_builder *b, st_value *x, int64_t hi) {
  st_value *h = st_lower_index(lc, hi);
  return st_lower_select(b, st_lower_cmp(b, &st_arith_cmpi_def, "slt", x, h), x, h);
}

/* o * stride + k * dil - pad (k may be NULL for 0). */
static st_value *st_conv_pos(st_lower_ctx *lc, st_builder *b, st_value *o, int64_t stride, st_value *k, int64_t dil,
                             int64_t pad) {
  st_value *x = stride == 1 ? o : st_lower_binary(b, &st_arith_muli_def, o, st_lower_index(lc, stride));
  if (k) x = st_lower_binary(b, &st_arith_addi_def, x,
                             dil == 1 ? k : st_lower_binary(b, &st_arith_muli_def, k, st_lower_index(lc, dil)));
  return pad ? st_lower_binary(b, &st_arith_subi_def, x, st_lower_index(lc, pad)) : x;
}

/* One tile of the packed convolution: NV vectors of VL channels x OWB
 * output columns of row iv[3]. */
typedef struct st_conv_tile {
  const st_conv_geom *g;
  const st_type *elem;
  st_value *X, *Wp, *iv[4], *ow[ST_CONV_MAXCOLS], *acc[ST_CONV_MAXACC];
  int64_t VL, NV, OWB, KH, KW, Cg, H, W;
} st_conv_tile;

/* The reduction of a tile at *at: for kh (a row outside the input is
 * skipped), kw, c: NV weight vectors, OWB inputs each broadcast to a vector,
 * OWB*NV vector multiply-adds.  check_w: some column may fall outside the
 * input for some kw; such an input is selected to 0 (the load reads a
 * clamped position).  Without it the body has no compare or select. */
static bool st_conv_reduce(st_lower_ctx *lc, st_builder *at, const st_conv_tile *t, bool check_w) {
  const st_conv_geom *g = t->g;
  const st_op_def *add = st_lower_arith_for(t->elem, 'a'), *mul = st_lower_arith_for(t->elem, 'm');
  st_value *kh, *kw, *c, *iw[ST_CONV_MAXCOLS], *ok[ST_CONV_MAXCOLS] = {0}, *w[ST_CONV_MAXACC];
  st_builder rows = st_lower_loops(lc, at, 1, &t->KH, false, &kh);
  if (!rows.block) return false;
  st_value *ih = st_conv_pos(lc, &rows, t->iv[3], g->strides[0], kh, g->dilations[0], g->pads[0]);
  if (g->pads[0] || g->pads[2]) {
    /* unsigned: a negative row wraps to a huge index */
    rows = st_lower_if(&rows, st_lower_cmp(&rows, &st_arith_cmpi_def, "ult", ih, st_lower_index(lc, t->H)), NULL);
    if (!rows.block) return false;
  }
  st_builder cols = st_lower_loops(lc, &rows, 1, &t->KW, false, &kw);
  if (!cols.block) return false;
  for (int64_t p = 0; p < t->OWB; p++) {
    iw[p] = st_conv_pos(lc, &cols, t->ow[p], g->strides[1], kw, g->dilations[1], g->pads[1]);
    if (!check_w) continue;
    ok[p] = st_lower_cmp(&cols, &st_arith_cmpi_def, "ult", iw[p], st_lower_index(lc, t->W));
    iw[p] = st_lower_select(&cols, ok[p], iw[p], st_lower_index(lc, 0));
  }
  st_value *cbase = g->group > 1 ? st_lower_binary(&cols, &st_arith_muli_def, t->iv[1], st_lower_index(lc, t->Cg)) : NULL;
  st_builder red = st_lower_loops(lc, &cols, 1, &t->Cg, false, &c);
  if (!red.block) return false;
  st_value *ch = cbase ? st_lower_binary(&red, &st_arith_addi_def, cbase, c) : c;
  for (int64_t v = 0; v < t->NV; v++) {
    st_value *wi[6] = {t->iv[1], t->iv[2], kh, kw, c, st_lower_index(lc, v * t->VL)};
    w[v] = st_lower_vload(&red, t->Wp, wi, t->VL);
  }
  for (int64_t p = 0; p < t->OWB; p++) {
    st_value *xi[4] = {t->iv[0], ch, ih, iw[p]}, *x = st_lower_load(&red, t->X, xi);
    if (ok[p]) x = st_lower_select(&red, ok[p], x, st_lower_const(&red, t->elem, 0));
    st_value *xs = st_lower_splat(&red, x, t->VL);
    for (int64_t v = 0; v < t->NV; v++)
      if (!st_accumulate(&red, add, t->acc[p * t->NV + v], st_lower_binary(&red, mul, xs, w[v]))) return false;
  }
  return true;
}

/* parallel (n, g, mb, oh); for each tile of OWB columns: OWB*NV vector
 * accumulators (rank-0 allocas: registers), the reduction, then bias and
 * store.  A tile whose columns stay inside the input for every kw takes the
 * reduction without checks (loop.if); a row outside is skipped per kh.  The
 * last tile's columns are clamped to OW-1 when OWB does not divide OW: the
 * duplicates recompute and rewrite the same element.  The L = VL*NV lanes
 * of a tile go to L output planes: the vectors pass through a scratch
 * buffer of L elements and are stored lane by lane. */
static bool st_lower_conv_packed(st_op *op, st_lower_ctx *lc, const st_conv_geom *g, st_value *Wp, int64_t VL,
                                 int64_t NV, int64_t cols) {
  const st_type *out = op->results[0].type, *elem = out->u.shaped.elem;
  const st_op_def *add = st_lower_arith_for(elem, 'a');
  st_value *Bias = op->num_operands > 2 ? lc->inputs[2] : NULL, *dst = st_lower_result(lc, 0);
  if (!dst) return false;
  st_context *ctx = lc->b.module->ctx;
  const st_dim *xd = lc->inputs[0]->type->u.shaped.dims, *od = out->u.shaped.dims, *pd = Wp->type->u.shaped.dims;
  int64_t L = VL * NV, Mg = pd[1] * L, OW = od[3];
  int64_t ntiles = (OW + cols - 1) / cols, OWB = (OW + ntiles - 1) / ntiles;
  st_conv_tile t = {.g = g, .elem = elem, .X = lc->inputs[0], .Wp = Wp, .VL = VL, .NV = NV, .OWB = OWB,
                    .KH = pd[2], .KW = pd[3], .Cg = pd[4], .H = xd[2], .W = xd[3]};
  st_dim outer[4] = {od[0], pd[0], pd[1], od[2]};
  st_value *ti;
  st_builder in = st_lower_loops(lc, &lc->b, 4, outer, true, t.iv);
  if (!in.block) return false;
  st_builder tile = st_lower_loops(lc, &in, 1, &ntiles, false, &ti);
  if (!tile.block) return false;
  const st_type *vt = st_type_vector(ctx, elem, 1, &VL), *st = st_type_memref(ctx, elem, 1, &L, NULL, 0, 0);
  st_value *zero = st_lower_splat(&tile, st_lower_const(&tile, elem, 0), VL);
  st_value *ow0 = st_lower_binary(&tile, &st_arith_muli_def, ti, st_lower_index(lc, OWB));
  for (int64_t p = 0; p < OWB; p++) {
    t.ow[p] = p ? st_lower_binary(&tile, &st_arith_addi_def, ow0, st_lower_index(lc, p)) : ow0;
    if (OWB * ntiles != OW) t.ow[p] = st_index_min(lc, &tile, t.ow[p], OW - 1);
    for (int64_t v = 0; v < NV; v++)
      if (!(t.acc[p * NV + v] = st_lower_alloca(&tile, vt)) || !st_lower_store(&tile, zero, t.acc[p * NV + v], NULL))
        return false;
  }
  if (g->pads[1] || g->pads[3]) {
    /* every column inside for every kw: first >= 0 and last < W */
    st_value *first = st_conv_pos(lc, &tile, t.ow[0], g->strides[1], NULL, 1, g->pads[1]);
    st_value *last = st_conv_pos(lc, &tile, t.ow[OWB - 1], g->strides[1], st_lower_index(lc, t.KW - 1),
                                 g->dilations[1], g->pads[1]);
    st_value *inside = st_lower_binary(&tile, &st_arith_andi_def,
                                       st_lower_cmp(&tile, &st_arith_cmpi_def, "sge", first, st_lower_index(lc, 0)),
                                       st_lower_cmp(&tile, &st_arith_cmpi_def, "slt", last, st_lower_index(lc, t.W)));
    st_builder border, interior = st_lower_if(&tile, inside, &border);
    if (!interior.block || !st_conv_reduce(lc, &interior, &t, false) || !st_conv_reduce(lc, &border, &t, true))
      return false;
  } else if (!st_conv_reduce(lc, &tile, &t, false)) {
    return false;
  }
  /* m0 = g * Mg + mb * L: the tile's first output channel */
  st_value *m0 = st_lower_binary(&tile, &st_arith_muli_def, t.iv[2], st_lower_index(lc, L));
  if (pd[0] > 1)
    m0 = st_lower_binary(&tile, &st_arith_addi_def, m0,
                         st_lower_binary(&tile, &st_arith_muli_def, t.iv[1], st_lower_index(lc, Mg)));
  st_value *mv[ST_CONV_MAXACC], *lane[ST_CONV_MAXACC];
  for (int64_t v = 0; v < NV; v++)
    mv[v] = v ? st_lower_binary(&tile, &st_arith_addi_def, m0, st_lower_index(lc, v * VL)) : m0;
  st_op_state ss = {.def = &st_mem_alloca_def, .num_results = 1, .result_types = &st};
  st_op *scratch = st_builder_create(&tile, &ss);
  if (!scratch) return false;
  for (int64_t j = 0; j < L; j++) lane[j] = st_lower_index(lc, j);
  for (int64_t p = 0; p < OWB; p++) {
    for (int64_t v = 0; v < NV; v++) {
      st_value *y = st_lower_load(&tile, t.acc[p * NV + v], NULL);
      if (Bias) y = st_lower_binary(&tile, add, y, st_lower_vload(&tile, Bias, &mv[v], VL));
      if (!st_lower_store(&tile, y, &scratch->results[0], &lane[v * VL])) return false;
    }
    for (int64_t j = 0; j < L; j++) {
      st_value *m = j ? st_lower_binary(&tile, &st_arith_addi_def, m0, lane[j]) : m0;
      st_value *oi[4] = {t.iv[0], m, t.iv[3], t.ow[p]};
      if (!st_lower_store(&tile, st_lower_load(&tile, &scratch->results[0], &lane[j]), dst, oi)) return false;
    }
  }
  return true;
}

/* The tile of a packed convolution with Mg output channels per group, for
 * vector registers of `bits`: VL lanes (a full register when Mg allows,
 * else the largest divisor of Mg below that), NV = 2 vectors when Mg allows,
 * and up to `cols` columns such that the NV*cols accumulators, NV weight
 * vectors and one broadcast fit the registers: 16 accumulators of 32
 * registers (AVX-512: 16 lanes x 2 x 8 columns), 12 of 16 (AVX2: 8 lanes x 2
 * x 6 columns). */
static void st_conv_tile_shape(int64_t Mg, int64_t esz, int64_t bits, int64_t *VL, int64_t *NV, int64_t *cols) {
  int64_t lanes = bits / 8 / esz > 1 ? bits / 8 / esz : 1, accs = bits >= 512 ? 16 : 12;
  *NV = Mg % (2 * lanes) == 0 ? 2 : 1;
  for (*VL = lanes; *VL > 1 && Mg % *VL; --*VL) {
  }
  *cols = accs / *NV < ST_CONV_MAXCOLS ? accs / *NV : ST_CONV_MAXCOLS;
}

/* ---- the direct N-D convolution (float Conv, ConvInteger, QLinearConv) ---- */

/* Element 0 of p, or element k when p has more than one (converted to t). */
static st_value *st_conv_param(st_lower_ctx *lc, st_builder *b, st_value *p, st_value *k, const st_type *t) {
  st_value *idx[ST_MAX_RANK];
  unsigned r = p->type->u.shaped.rank;
  bool one = st_type_num_elements(p->type) == 1;
  for (unsigned j = 0; j < r; j++) idx[j] = one ? st_lower_index(lc, 0) : k;
  return st_lower_cast(b, st_lower_load(b, p, idx), t);
}

bool st_lower_conv_direct(st_lower_ctx *lc, const st_conv_geom *g, st_value *X, st_value *W, const st_type *out,
                          const st_type *acc_t, st_value *xz, st_value *wz, st_lower_conv_nest *n) {
  const st_op_def *add = st_lower_arith_for(acc_t, 'a'), *mul = st_lower_arith_for(acc_t, 'm');
  const st_op_def *sub = st_lower_arith_for(acc_t, 's');
  const st_dim *xd = X->type->u.shaped.dims, *wd = W->type->u.shaped.dims;
  unsigned sp = g->spatial;
  st_value *ks[ST_MAX_RANK], *acc, **ivs = n->ivs;
  n->in = st_lower_loops(lc, &lc->b, 2 + sp, out->u.shaped.dims, true, ivs);
  if (!n->in.block) return false;
  st_builder *in = &n->in;
  st_value *xzv = xz ? st_conv_param(lc, in, xz, NULL, acc_t) : NULL;
  st_value *wzv = wz ? st_conv_param(lc, in, wz, ivs[1], acc_t) : NULL;
  /* Reduced dims: input channels of the group, then the kernel window. */
  st_builder red = st_open_reduction(lc, in, acc_t, 1 + sp, wd + 1, ks, &acc);
  if (!red.block || (xz && !xzv) || (wz && !wzv)) return false;
  st_value *ic = ks[0];
  if (g->group > 1) {
    st_value *grp = st_lower_binary(&red, &st_arith_divsi_def, ivs[1], st_lower_index(lc, wd[0] / g->group));
    ic = st_lower_binary(&red, &st_arith_addi_def, st_lower_binary(&red, &st_arith_muli_def, grp,
                                                                   st_lower_index(lc, wd[1])), ks[0]);
  }
  st_value *xi[ST_MAX_RANK] = {ivs[0], ic}, *wi[ST_MAX_RANK] = {ivs[1], ks[0]}, *inside = NULL;
  for (unsigned s = 0; s < sp; s++) {
    st_value *pos = st_conv_input_index(lc, &red, ivs[2 + s], ks[1 + s], g->strides[s], g->dilations[s], g->pads[s]);
    wi[2 + s] = ks[1 + s];
    xi[2 + s] = pos;
    if (!g->pads[s] && !g->pads[s + sp]) continue; /* shape inference keeps unpadded positions inside */
    /* Unsigned compare: a negative position wraps to a huge index. */
    st_value *ok = st_lower_cmp(&red, &st_arith_cmpi_def, "ult", pos, st_lower_index(lc, xd[2 + s]));
    xi[2 + s] = st_lower_select(&red, ok, pos, st_lower_index(lc, 0));
    inside = inside ? st_lower_binary(&red, &st_arith_andi_def, inside, ok) : ok;
  }
  st_value *x = st_lower_cast(&red, st_lower_load(&red, X, xi), acc_t);
  if (xzv) x = st_lower_binary(&red, sub, x, xzv);
  if (inside) x = st_lower_select(&red, inside, x, st_lower_const(&red, acc_t, 0));
  st_value *w = st_lower_cast(&red, st_lower_load(&red, W, wi), acc_t);
  if (wzv) w = st_lower_binary(&red, sub, w, wzv);
  if (!st_accumulate(&red, add, acc, st_lower_binary(&red, mul, x, w))) return false;
  return (n->acc = st_lower_load(in, acc, NULL)) != NULL;
}

bool st_graph_lower_conv(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_conv_geom g;
  if (!st_conv_params(op, &g, d)) return false;
  st_type_kind ek = op->results[0].type->u.shaped.elem->kind;
  if (g.spatial == 2 && (ek == ST_TY_F32 || ek == ST_TY_F64)) { /* vectors need the stored form in registers */
    int64_t VL, NV, cols;
    st_conv_tile_shape(lc->inputs[1]->type->u.shaped.dims[0] / g.group, ek == ST_TY_F32 ? 4 : 8,
                       st_lower_vector_bits(lc), &VL, &NV, &cols);
    st_value *Wp = st_conv_pack_weights(lc, lc->inputs[1], g.group, VL * NV);
    if (Wp) return st_lower_conv_packed(op, lc, &g, Wp, VL, NV, cols);
    if (lc->out_of_memory) return false;
  }
  const st_type *out = op->results[0].type, *elem = out->u.shaped.elem;
  if (!st_lower_arith_for(elem, 'a') || !st_type_is_float(elem))
    return st_graph_lower_fail(op, d, "element type not supported yet");
  st_value *Bias = op->num_operands > 2 ? lc->inputs[2] : NULL, *dst = st_lower_result(lc, 0);
  st_lower_conv_nest n;
  if (!dst || !st_lower_conv_direct(lc, &g, lc->inputs[0], lc->inputs[1], out, elem, NULL, NULL, &n)) return false;
  st_value *y = n.acc;
  if (Bias) y = st_lower_binary(&n.in, st_lower_arith_for(elem, 'a'), y, st_lower_load(&n.in, Bias, &n.ivs[1]));
  return st_lower_store(&n.in, y, dst, n.ivs);
}
