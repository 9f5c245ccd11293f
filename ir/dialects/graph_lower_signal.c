/* Lower hooks of the signal ops (graph_nn_signal.c) and of BitCast:
 *
 *  - DFT and STFT: a parallel nest over the result without its last dim
 *    (real, imaginary), each point one bin k: st_dft_bin's direct O(n^2)
 *    sum in f64 scalars (two mem.alloca accumulators, a sequential loop over
 *    the samples) with the twiddle cos / sin of the interpreter's angle
 *    2 pi ((k n) mod N) / N computed in f64 at run time, so host and
 *    interpreter agree.  An irfft's conjugate-symmetric tail is a second
 *    loop after the first, keeping the interpreter's order.  When DFT's axis
 *    is known at run time only (the result shape does not depend on it), it
 *    is loaded and normalised, and the bin, the length and each input index
 *    are picked by selects.  STFT reads frame f from f * frame_step and
 *    multiplies by the window, rounded to the element type as the reference
 *    does.
 *  - MelWeightMatrix: the bins + 2 filter edges are computed at run time from
 *    the operands into an i64 scratch buffer (the interpreter's formula:
 *    mel scale, log10 / pow in f64, floor, NaN as -1), then a parallel nest
 *    writes each weight: the falling edge of its filter, else the rising
 *    edge (a one-bin filter is 1 at its centre), else 0.
 *  - BitCast: a mem.view of the operand's bytes with the new element type
 *    (mem.view keeps the element size).  A bool or sub-byte result is
 *    normalised byte by byte through u8 views as the interpreter does (0 / 1;
 *    the low bits, sign-extended for a signed int). */
#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_nn.h"

static const double st_sl_pi = 3.14159265358979323846;

/* Building f64 and index arithmetic at a builder. */
typedef struct st_sl {
  st_lower_ctx *lc;
  st_builder *b;
  const st_type *f64, *i64, *index;
} st_sl;

static st_sl st_sl_make(st_lower_ctx *lc, st_builder *b) {
  st_context *ctx = lc->b.module->ctx;
  return (st_sl){lc, b, st_type_scalar(ctx, ST_TY_F64), st_type_scalar(ctx, ST_TY_I64),
                 st_type_scalar(ctx, ST_TY_INDEX)};
}
static st_value *st_sl_c(st_sl *s, double v) { return st_lower_const(s->b, s->f64, v); }
static st_value *st_sl_i(st_sl *s, int64_t v) { return st_lower_index(s->lc, v); }
static st_value *st_sl_bin(st_sl *s, const st_op_def *def, st_value *x, st_value *y) {
  return st_lower_binary(s->b, def, x, y);
}
static st_value *st_sl_load_f(st_sl *s, st_value *buf, st_value *const *idx) {
  return st_lower_cast(s->b, st_lower_load(s->b, buf, idx), s->f64);
}

/* ---- one bin of a transform (st_dft_bin) ---- */

/* Sample src of the line being transformed, as f64 (*xi NULL when real). */
typedef bool (*st_sl_read_fn)(st_sl *s, const void *ctx, st_value *src, st_value **xr, st_value **xi);

typedef struct st_sl_line {
  bool inverse;
  st_value *len, *lenf;       /* the transform length, as index and as f64 */
  st_value *direct;           /* samples n in [0, direct) are read at n */
  int64_t tail_lo, tail_hi;   /* irfft: n in [tail_lo, tail_hi) read X[len - n] conjugated */
  st_sl_read_fn read;
  const void *ctx;
} st_sl_line;

/* acc += the term of sample n (read at src) for bin k. */
static bool st_sl_term(st_sl *s, const st_sl_line *t, st_value *k, st_value *n, st_value *src, bool conj,
                       st_value *const *acc) {
  st_value *a, *b;
  if (!t->read(s, t->ctx, src, &a, &b)) return false;
  b = !b ? st_sl_c(s, 0) : conj ? st_sl_bin(s, &st_arith_mulf_def, st_sl_c(s, -1), b) : b;
  double sign = t->inverse ? 1 : -1;
  st_value *j = st_sl_bin(s, &st_arith_remui_def, st_sl_bin(s, &st_arith_muli_def, k, n), t->len);
  st_value *ang = st_sl_bin(s, &st_arith_mulf_def, st_sl_c(s, sign * 2 * st_sl_pi), st_lower_cast(s->b, j, s->f64));
  ang = st_sl_bin(s, &st_arith_divf_def, ang, t->lenf);
  st_value *cs = st_lower_math(s->b, "cos", ang, NULL), *sn = st_lower_math(s->b, "sin", ang, NULL);
  st_value *re = st_sl_bin(s, &st_arith_subf_def, st_sl_bin(s, &st_arith_mulf_def, a, cs),
                           st_sl_bin(s, &st_arith_mulf_def, b, sn));
  st_value *im = st_sl_bin(s, &st_arith_addf_def, st_sl_bin(s, &st_arith_mulf_def, a, sn),
                           st_sl_bin(s, &st_arith_mulf_def, b, cs));
  return st_lower_store(s->b, st_sl_bin(s, &st_arith_addf_def, st_lower_load(s->b, acc[0], NULL), re), acc[0], NULL) &&
         st_lower_store(s->b, st_sl_bin(s, &st_arith_addf_def, st_lower_load(s->b, acc[1], NULL), im), acc[1], NULL);
}

/* The sums of bin k at *s->b: *re, *im (f64, before any normalisation). */
static bool st_sl_bin_sum(st_sl *s, const st_sl_line *t, st_value *k, st_value **re, st_value **im) {
  st_value *acc[2] = {st_lower_alloca(s->b, s->f64), st_lower_alloca(s->b, s->f64)};
  if (!acc[0] || !acc[1] || !st_lower_store(s->b, st_sl_c(s, 0), acc[0], NULL) ||
      !st_lower_store(s->b, st_sl_c(s, 0), acc[1], NULL))
    return false;
  st_builder *outer = s->b;
  st_value *n;
  st_builder in = st_lower_for(s->lc, outer, st_sl_i(s, 0), t->direct, false, &n);
  s->b = &in;
  bool ok = in.block && st_sl_term(s, t, k, n, n, false, acc);
  if (ok && t->tail_lo < t->tail_hi) {
    s->b = outer;
    in = st_lower_for(s->lc, outer, st_sl_i(s, t->tail_lo), st_sl_i(s, t->tail_hi), false, &n);
    s->b = &in;
    ok = in.block && st_sl_term(s, t, k, n, st_sl_bin(s, &st_arith_subi_def, t->len, n), true, acc);
  }
  s->b = outer;
  *re = st_lower_load(s->b, acc[0], NULL);
  *im = st_lower_load(s->b, acc[1], NULL);
  return ok && *re && *im;
}

/* ---- graph.dft ---- */

typedef struct st_sl_dft_in {
  st_value *buf;
  unsigned rank, axis;            /* axis: when known at compile time */
  int64_t comp;
  st_value *const *ivs;           /* the nest's variables (the result's dims but the last) */
  st_value *is_axis[ST_MAX_RANK]; /* run-time axis: i1 per dim, else NULL */
} st_sl_dft_in;

static bool st_sl_dft_read(st_sl *s, const void *ctx, st_value *src, st_value **xr, st_value **xi) {
  const st_sl_dft_in *r = ctx;
  st_value *idx[ST_MAX_RANK];
  for (unsigned j = 0; j + 1 < r->rank; j++)
    idx[j] = r->is_axis[j] ? st_lower_select(s->b, r->is_axis[j], src, r->ivs[j]) : j == r->axis ? src : r->ivs[j];
  idx[r->rank - 1] = st_sl_i(s, 0);
  *xr = st_sl_load_f(s, r->buf, idx);
  *xi = NULL;
  if (r->comp == 2) {
    idx[r->rank - 1] = st_sl_i(s, 1);
    if (!(*xi = st_sl_load_f(s, r->buf, idx))) return false;
  }
  return *xr != NULL;
}

bool st_graph_lower_dft(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_dft g;
  if (!st_dft_geom(op, NULL, &g, d)) return false;
  const st_type *xt = st_op_operand(op, 0)->type, *out = op->results[0].type, *elem = out->u.shaped.elem;
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  unsigned r = xt->u.shaped.rank;
  const st_dim *xd = xt->u.shaped.dims;
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, r - 1, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_sl s = st_sl_make(lc, &in);
  st_sl_dft_in rd = {.buf = lc->inputs[0], .rank = r, .axis = g.axis, .comp = xd[r - 1], .ivs = ivs};
  st_sl_line t = {.inverse = g.inverse, .read = st_sl_dft_read, .ctx = &rd};
  st_value *k, *norm = NULL;
  if (g.axis_known) {
    int64_t n_in = xd[g.axis], L = g.length;
    k = ivs[g.axis];
    t.len = st_sl_i(&s, L);
    t.lenf = st_sl_c(&s, (double)L);
    t.direct = st_sl_i(&s, n_in < L ? n_in : L);
    if (g.irfft) t.tail_lo = n_in > L - n_in + 1 ? n_in : L - n_in + 1, t.tail_hi = L;
    if (g.inverse) norm = st_sl_c(&s, 1.0 / (double)L);
  } else {
    /* Only the plain transform (no dft_length, not onesided) leaves the axis
     * open: its length is the axis' dim, which the result keeps. */
    st_value *zeros[ST_MAX_RANK], *a;
    for (unsigned j = 0; j < ST_MAX_RANK; j++) zeros[j] = st_sl_i(&s, 0);
    a = st_lower_cast(&in, st_lower_load(&in, lc->inputs[2], zeros), s.index);
    a = st_lower_select(&in, st_lower_cmp(&in, &st_arith_cmpi_def, "slt", a, zeros[0]),
                        st_sl_bin(&s, &st_arith_addi_def, a, st_sl_i(&s, r)), a);
    k = ivs[r - 2]; /* an axis out of range reads as -2 */
    t.len = st_sl_i(&s, xd[r - 2]);
    for (unsigned j = 0; j + 1 < r; j++) {
      rd.is_axis[j] = st_lower_cmp(&in, &st_arith_cmpi_def, "eq", a, st_sl_i(&s, j));
      k = st_lower_select(&in, rd.is_axis[j], ivs[j], k);
      t.len = st_lower_select(&in, rd.is_axis[j], st_sl_i(&s, xd[j]), t.len);
    }
    t.lenf = st_lower_cast(&in, t.len, s.f64);
    t.direct = t.len;
    if (g.inverse) norm = st_sl_bin(&s, &st_arith_divf_def, st_sl_c(&s, 1), t.lenf);
  }
  st_value *re, *im;
  if (!st_sl_bin_sum(&s, &t, k, &re, &im)) return false;
  if (norm) re = st_sl_bin(&s, &st_arith_mulf_def, re, norm), im = st_sl_bin(&s, &st_arith_mulf_def, im, norm);
  ivs[r - 1] = st_sl_i(&s, 0);
  if (!st_lower_store(&in, st_lower_cast(&in, re, elem), dst, ivs)) return false;
  ivs[r - 1] = st_sl_i(&s, 1);
  return g.comp_out == 1 || st_lower_store(&in, st_lower_cast(&in, im, elem), dst, ivs);
}

/* ---- graph.stft ---- */

typedef struct st_sl_stft_in {
  st_value *x, *window, *batch, *start; /* window NULL when absent; start = frame * step */
  int64_t comp;
  const st_type *elem;
} st_sl_stft_in;

static bool st_sl_stft_read(st_sl *s, const void *ctx, st_value *src, st_value **xr, st_value **xi) {
  const st_sl_stft_in *r = ctx;
  st_value *idx[3] = {r->batch, st_sl_bin(s, &st_arith_addi_def, r->start, src), NULL};
  st_value *w = r->window ? st_sl_load_f(s, r->window, &src) : NULL, *v[2] = {NULL, NULL};
  for (int64_t c = 0; c < r->comp; c++) {
    idx[2] = st_sl_i(s, c);
    v[c] = st_sl_load_f(s, r->x, idx);
    if (w) /* the product in the element type */
      v[c] = st_lower_cast(s->b, st_lower_cast(s->b, st_sl_bin(s, &st_arith_mulf_def, v[c], w), r->elem), s->f64);
    if (!v[c]) return false;
  }
  *xr = v[0];
  *xi = v[1];
  return true;
}

bool st_graph_lower_stft(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_stft g;
  if (!st_stft_geom(op, NULL, &g, d)) return false;
  const st_type *out = op->results[0].type, *elem = out->u.shaped.elem;
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  st_value *dst = st_lower_result(lc, 0), *ivs[4];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, 3, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_sl s = st_sl_make(lc, &in);
  int64_t L = g.dft.length;
  st_sl_stft_in rd = {lc->inputs[0], g.window >= 0 ? lc->inputs[2] : NULL, ivs[0],
                      st_sl_bin(&s, &st_arith_muli_def, ivs[1], st_sl_i(&s, g.step)), g.comp, elem};
  st_sl_line t = {.len = st_sl_i(&s, L), .lenf = st_sl_c(&s, (double)L), .direct = st_sl_i(&s, L),
                  .read = st_sl_stft_read, .ctx = &rd};
  st_value *re, *im;
  if (!st_sl_bin_sum(&s, &t, ivs[2], &re, &im)) return false;
  ivs[3] = st_sl_i(&s, 0);
  if (!st_lower_store(&in, st_lower_cast(&in, re, elem), dst, ivs)) return false;
  ivs[3] = st_sl_i(&s, 1);
  return st_lower_store(&in, st_lower_cast(&in, im, elem), dst, ivs);
}

/* ---- graph.mel_weight_matrix ---- */

bool st_graph_lower_mel_weight_matrix(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  const st_type *out = op->results[0].type, *elem = out->u.shaped.elem;
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  int64_t spec = out->u.shaped.dims[0], bins = out->u.shaped.dims[1];
  st_value *dst = st_lower_result(lc, 0), *zeros[ST_MAX_RANK], *iv, *ivs[2];
  st_dim nedges = bins + 2;
  st_value *edges = dst ? st_lower_alloc(lc, st_type_scalar(ctx, ST_TY_I64), 1, &nedges) : NULL;
  if (!edges) return false;
  /* The edges: f[i] = floor((len + 1) * hz(i) / rate), -1 when not finite. */
  st_builder in = st_lower_loops(lc, &lc->b, 1, &nedges, true, &iv);
  if (!in.block) return false;
  st_sl s = st_sl_make(lc, &in);
  for (unsigned j = 0; j < ST_MAX_RANK; j++) zeros[j] = st_sl_i(&s, 0);
  st_value *len = st_lower_cast(&in, st_lower_load(&in, lc->inputs[1], zeros), s.i64);
  st_value *rate = st_lower_cast(&in, st_lower_cast(&in, st_lower_load(&in, lc->inputs[2], zeros), s.i64), s.f64);
  st_value *lo = st_sl_load_f(&s, lc->inputs[3], zeros), *hi = st_sl_load_f(&s, lc->inputs[4], zeros);
  st_value *mel[2], *hz_edge[2] = {lo, hi};
  for (int e = 0; e < 2; e++) /* 2595 log10(1 + hz / 700) */
    mel[e] = st_sl_bin(&s, &st_arith_mulf_def, st_sl_c(&s, 2595),
                       st_lower_math(&in, "log10",
                                     st_sl_bin(&s, &st_arith_addf_def, st_sl_c(&s, 1),
                                               st_sl_bin(&s, &st_arith_divf_def, hz_edge[e], st_sl_c(&s, 700))),
                                     NULL));
  st_value *step = st_sl_bin(&s, &st_arith_divf_def, st_sl_bin(&s, &st_arith_subf_def, mel[1], mel[0]),
                             st_sl_c(&s, (double)(bins + 2)));
  st_value *m = st_sl_bin(&s, &st_arith_addf_def, st_sl_bin(&s, &st_arith_mulf_def, st_lower_cast(&in, iv, s.f64), step),
                          mel[0]);
  st_value *p = st_lower_math(&in, "pow", st_sl_c(&s, 10), st_sl_bin(&s, &st_arith_divf_def, m, st_sl_c(&s, 2595)));
  st_value *hz = st_sl_bin(&s, &st_arith_mulf_def, st_sl_c(&s, 700),
                           st_sl_bin(&s, &st_arith_subf_def, p, st_sl_c(&s, 1)));
  st_value *len1 = st_lower_cast(&in, st_sl_bin(&s, &st_arith_addi_def, len, st_lower_const(&in, s.i64, 1)), s.f64);
  st_value *bin = st_lower_math(&in, "floor",
                                st_sl_bin(&s, &st_arith_divf_def, st_sl_bin(&s, &st_arith_mulf_def, len1, hz), rate), NULL);
  st_value *finite = st_lower_binary(&in, &st_arith_andi_def,
                                     st_lower_cmp(&in, &st_arith_cmpf_def, "ogt", bin, st_sl_c(&s, -1e15)),
                                     st_lower_cmp(&in, &st_arith_cmpf_def, "olt", bin, st_sl_c(&s, 1e15)));
  st_value *f = st_lower_select(&in, finite, st_lower_cast(&in, bin, s.i64), st_lower_const(&in, s.i64, -1));
  if (!st_lower_store(&in, f, edges, &iv)) return false;
  /* The weights: column i is filter i over the edges f[i], f[i + 1], f[i + 2]. */
  st_dim dims[2] = {spec, bins};
  in = st_lower_loops(lc, &lc->b, 2, dims, true, ivs);
  if (!in.block) return false;
  s = st_sl_make(lc, &in);
  st_value *e[3], *j = st_lower_cast(&in, ivs[0], s.i64);
  for (int k = 0; k < 3; k++) {
    st_value *at = k ? st_sl_bin(&s, &st_arith_addi_def, ivs[1], st_sl_i(&s, k)) : ivs[1];
    e[k] = st_lower_load(&in, edges, &at);
  }
#define ST_SL_CMP(pred, x, y) st_lower_cmp(&in, &st_arith_cmpi_def, pred, x, y)
#define ST_SL_FRAC(x, y, z, w) /* (double)(x - y) / (double)(z - w) */                                      \
  st_sl_bin(&s, &st_arith_divf_def, st_lower_cast(&in, st_sl_bin(&s, &st_arith_subi_def, x, y), s.f64),     \
            st_lower_cast(&in, st_sl_bin(&s, &st_arith_subi_def, z, w), s.f64))
  st_value *one = st_sl_c(&s, 1), *zero = st_sl_c(&s, 0);
  st_value *single = st_lower_select(&in, ST_SL_CMP("eq", j, e[1]), one, zero);
  st_value *rising = st_lower_binary(&in, &st_arith_andi_def, ST_SL_CMP("sge", j, e[0]), ST_SL_CMP("sle", j, e[1]));
  st_value *w = st_lower_select(&in, rising, ST_SL_FRAC(j, e[0], e[1], e[0]), zero);
  w = st_lower_select(&in, ST_SL_CMP("eq", e[1], e[0]), single, w);
  st_value *falling = st_lower_binary(&in, &st_arith_andi_def, ST_SL_CMP("sge", j, e[1]), ST_SL_CMP("slt", j, e[2]));
  w = st_lower_select(&in, falling, ST_SL_FRAC(e[2], j, e[2], e[1]), w);
#undef ST_SL_CMP
#undef ST_SL_FRAC
  return st_lower_store(&in, st_lower_cast(&in, w, elem), dst, ivs);
}

/* ---- graph.bitcast ---- */

/* buf seen as memref type t (itself when it already is). */
static st_value *st_sl_view(st_lower_ctx *lc, st_value *buf, const st_type *t) {
  return !buf || buf->type == t ? buf : st_lower_op(&lc->b, &st_mem_view_def, 1, &buf, t);
}

bool st_graph_lower_bitcast(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  const st_type *out = op->results[0].type, *to = out->u.shaped.elem;
  st_value *src = lc->inputs[0];
  unsigned bits = to->kind == ST_TY_I1 ? 1 : st_type_bit_width(to);
  if (bits >= 8) { /* the same bytes */
    st_value *v = st_sl_view(lc, src, st_lower_memref_type(ctx, out));
    if (!v) return false;
    if (lc->outputs[0]) return st_lower_copy(lc, v, lc->outputs[0]);
    lc->outputs[0] = v;
    return true;
  }
  /* A bool or sub-byte result: each byte normalised, through u8 views. */
  if (to->kind != ST_TY_I1 && !st_type_is_int(to) && bits != 4)
    return st_graph_lower_fail(op, d, "result element type not supported"); /* no such type today */
  const st_type *u8 = st_type_scalar(ctx, ST_TY_U8);
  const st_type *bt = st_type_memref(ctx, u8, out->u.shaped.rank, out->u.shaped.dims, NULL, 0, 0);
  st_value *dst = st_lower_result(lc, 0);
  st_value *in8 = st_sl_view(lc, src, bt), *out8 = st_sl_view(lc, dst, bt), *ivs[ST_MAX_RANK];
  if (!in8 || !out8) return false;
  st_builder in = st_lower_loops(lc, &lc->b, out->u.shaped.rank, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_value *v = st_lower_load(&in, in8, ivs), *zero = st_lower_const(&in, u8, 0);
  if (to->kind == ST_TY_I1) {
    v = st_lower_select(&in, st_lower_cmp(&in, &st_arith_cmpi_def, "ne", v, zero), st_lower_const(&in, u8, 1), zero);
  } else {
    v = st_lower_binary(&in, &st_arith_andi_def, v, st_lower_const(&in, u8, (double)((1u << bits) - 1)));
    if (st_type_is_int(to) && !st_type_is_unsigned(to)) {
      unsigned low = (1u << bits) - 1;
      st_value *neg = st_lower_binary(&in, &st_arith_andi_def, v, st_lower_const(&in, u8, (double)(1u << (bits - 1))));
      st_value *ext = st_lower_binary(&in, &st_arith_ori_def, v, st_lower_const(&in, u8, (double)(0xFFu & ~low)));
      v = st_lower_select(&in, st_lower_cmp(&in, &st_arith_cmpi_def, "ne", neg, zero), ext, v);
    }
  }
  return st_lower_store(&in, v, out8, ivs);
}
