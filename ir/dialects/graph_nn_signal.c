/* Sampling, signal and small linear-algebra ops of the nn family:
 * GridSample (N-D, linear / nearest / cubic, zeros / border / reflection
 * padding), AffineGrid, Det, the Hann / Hamming / Blackman windows, DFT,
 * STFT (sharing DFT's transform) and MelWeightMatrix.  Ops whose result
 * shape comes from an operand's value (window sizes, AffineGrid's size,
 * DFT's length, STFT's frame_step and frame_length) need that operand to be
 * a constant. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/graph_nn.h"
#include "ir/dialects/graph_dtype.h"
#include "ir/dialects/graph_lower.h"
#include "ir/elem.h"

static const double st_pi = 3.14159265358979323846;

/* ---- graph.grid_sample: X (N, C, D1..Dr), grid (N, O1..Or, r) ---- */

typedef struct st_gs {
  int mode;    /* 0 linear, 1 nearest, 2 cubic */
  int padding; /* 0 zeros, 1 border, 2 reflection */
  bool align;
} st_gs;

static bool st_gs_attrs(st_op *op, st_gs *g, st_diag *d) {
  const char *m = st_op_attr_str(op, "mode"), *p = st_op_attr_str(op, "padding_mode");
  g->mode = !m || !strcmp(m, "linear") || !strcmp(m, "bilinear") ? 0 : !strcmp(m, "nearest") ? 1
            : !strcmp(m, "cubic") || !strcmp(m, "bicubic") ? 2 : -1;
  g->padding = !p || !strcmp(p, "zeros") ? 0 : !strcmp(p, "border") ? 1 : !strcmp(p, "reflection") ? 2 : -1;
  g->align = st_op_attr_int(op, "align_corners", 0) != 0;
  if (g->mode < 0 || g->padding < 0) {
    st_diag_error(d, op->loc, "'graph.grid_sample' op has an unknown mode or padding_mode");
    return false;
  }
  return true;
}

static bool st_gs_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d) || !st_graph_expect_tensor(op, 1, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type, *gr = st_op_operand(op, 1)->type;
  unsigned r = x->u.shaped.rank;
  if (r < 3 || r > ST_MAX_RANK || gr->u.shaped.rank != r || gr->u.shaped.dims[r - 1] != (st_dim)(r - 2))
    return st_graph_type_error(op, d, "expects a grid of shape (N, out..., spatial rank) for the input", gr);
  st_dim dims[ST_MAX_RANK] = {x->u.shaped.dims[0], x->u.shaped.dims[1]};
  for (unsigned i = 2; i < r; i++) dims[i] = gr->u.shaped.dims[i - 1];
  results[0] = st_type_tensor(ctx, x->u.shaped.elem, r, dims);
  return true;
}

/* Folds x back into [lo, hi] by reflecting at the borders. */
static double st_gs_reflect(double x, double lo, double hi) {
  double range = hi - lo;
  if (range <= 0) return lo;
  if (x < lo) {
    double dx = lo - x, n = floor(dx / range), r = dx - n * range;
    return fmod(n, 2) == 0 ? lo + r : hi - r;
  }
  if (x > hi) {
    double dx = x - hi, n = floor(dx / range), r = dx - n * range;
    return fmod(n, 2) == 0 ? hi - r : lo + r;
  }
  return x;
}

/* Maps a tap index into the input per padding mode; false = a zero pixel. */
static bool st_gs_tap(const st_gs *g, int64_t i, int64_t size, double lo, double hi, int64_t *out) {
  if (i >= 0 && i < size) {
    *out = i;
    return true;
  }
  if (g->padding == 0) return false;
  if (g->padding == 1) *out = i < 0 ? 0 : size - 1;
  else *out = (int64_t)st_gs_reflect((double)i, lo, hi);
  if (*out < 0) *out = 0;
  if (*out >= size) *out = size - 1;
  return true;
}

static void st_gs_cubic(double t, double *c) {
  const double a = -0.75;
  double x = t + 1;
  c[0] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  c[1] = ((a + 2) * t - (a + 3)) * t * t + 1;
  x = 1 - t;
  c[2] = ((a + 2) * x - (a + 3)) * x * x + 1;
  x = 2 - t;
  c[3] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
}

static bool st_gs_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_gs g;
  if (!st_gs_attrs(op, &g, d)) return false;
  const st_type *xt = in[0].type, *elem = st_type_elem(xt), *ge = st_type_elem(in[1].type);
  unsigned r = xt->u.shaped.rank, sp = r - 2;
  const st_dim *xd = xt->u.shaped.dims, *od = out[0].type->u.shaped.dims;
  int64_t N = xd[0], C = xd[1], in_sp = st_graph_prod(xd, 2, r),
          out_sp = st_graph_prod(od, 2, out[0].type->u.shaped.rank);
  int ntaps = g.mode == 0 ? 2 : g.mode == 1 ? 1 : 4;
  for (int64_t n = 0; n < N; n++)
    for (int64_t o = 0; o < out_sp; o++) {
      int64_t idx[ST_MAX_RANK][4];
      double w[ST_MAX_RANK][4];
      bool ok[ST_MAX_RANK][4];
      for (unsigned s = 0; s < sp; s++) {
        /* The grid lists coordinates innermost dim first (x, y, z). */
        double gn = st_elem_load_f(ge, in[1].data, (n * out_sp + o) * sp + (sp - 1 - s));
        int64_t size = xd[s + 2];
        double x = g.align ? (gn + 1) / 2 * (double)(size - 1) : ((gn + 1) * (double)size - 1) / 2;
        x = (float)x;
        if (!(x > -1e9 && x < 1e9)) x = x > 0 ? 1e9 : -1e9; /* NaN / huge grid values: keep the int casts defined */
        double lo = g.align ? 0 : -0.5, hi = g.align ? (double)size - 1 : (double)size - 0.5;
        if (g.mode == 1) x = nearbyint(x); /* half to even, as the reference data */
        if (x < lo || x > hi) {
          if (g.padding == 1) x = x < 0 ? 0 : x > (double)(size - 1) ? (double)(size - 1) : x;
          else if (g.padding == 2) x = st_gs_reflect(x, lo, hi);
        }
        int64_t base = g.mode == 1 ? (int64_t)x : (int64_t)floor(x) - (g.mode == 2);
        double t = x - floor(x), c[4] = {1, 0, 0, 0};
        if (g.mode == 0) {
          c[0] = 1 - t;
          c[1] = t;
        } else if (g.mode == 2) {
          st_gs_cubic(t, c);
        }
        for (int k = 0; k < ntaps; k++) {
          w[s][k] = c[k];
          ok[s][k] = st_gs_tap(&g, base + k, size, lo, hi, &idx[s][k]);
        }
      }
      int64_t combos = 1;
      for (unsigned s = 0; s < sp; s++) combos *= ntaps;
      for (int64_t c = 0; c < C; c++) {
        double acc = 0;
        for (int64_t k = 0; k < combos; k++) {
          int64_t rest = k, off = 0;
          double wt = 1;
          bool inside = true;
          for (unsigned s = sp; s-- > 0;) {
            int tap = (int)(rest % ntaps);
            rest /= ntaps;
            inside = inside && ok[s][tap];
            wt *= w[s][tap];
          }
          if (!inside) continue;
          rest = k;
          int64_t stride = 1;
          for (unsigned s = sp; s-- > 0;) {
            off += idx[s][rest % ntaps] * stride;
            stride *= xd[s + 2];
            rest /= ntaps;
          }
          acc += wt * st_elem_load_f(elem, in[0].data, (n * C + c) * in_sp + off);
        }
        st_elem_store_f(elem, out[0].data, (n * C + c) * out_sp + o, acc);
      }
    }
  (void)od;
  return true;
}

/* ---- graph.affine_grid: theta (N, 2, 3) | (N, 3, 4), size (constant) ---- */

static bool st_affine_size(st_op *op, int64_t *size, unsigned *n, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d) || !st_nn_const_ints(op, 1, "size", size, 5, n, d)) return false;
  const st_type *t = st_op_operand(op, 0)->type;
  unsigned sp = *n - 2;
  if ((*n != 4 && *n != 5) || t->u.shaped.rank != 3 || t->u.shaped.dims[1] != (st_dim)sp ||
      t->u.shaped.dims[2] != (st_dim)sp + 1)
    return st_graph_type_error(op, d, "expects theta (N, 2, 3) with a 4-entry size or (N, 3, 4) with a 5-entry size", t);
  return true;
}

static bool st_affine_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  int64_t size[5];
  unsigned n;
  if (!st_affine_size(op, size, &n, d)) return false;
  st_dim dims[5] = {size[0]};
  for (unsigned i = 2; i < n; i++) dims[i - 1] = size[i];
  dims[n - 1] = n - 2;
  results[0] = st_type_tensor(ctx, st_op_operand(op, 0)->type->u.shaped.elem, n, dims);
  return true;
}

static bool st_affine_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  int64_t size[5];
  unsigned n;
  if (!st_affine_size(op, size, &n, d)) return false;
  bool align = st_op_attr_int(op, "align_corners", 0) != 0;
  unsigned sp = n - 2;
  const st_type *elem = st_type_elem(out[0].type);
  int64_t pts = 1, pos[3] = {0};
  for (unsigned i = 0; i < sp; i++) pts *= size[i + 2];
  for (int64_t b = 0; b < size[0]; b++)
    for (int64_t p = 0; p < pts; p++) {
      int64_t rest = p;
      for (unsigned s = sp; s-- > 0;) {
        pos[s] = rest % size[s + 2];
        rest /= size[s + 2];
      }
      /* Homogeneous base coordinates, innermost dim first: (x, y[, z], 1). */
      double base[4];
      for (unsigned s = 0; s < sp; s++) {
        int64_t L = size[s + 2], i = pos[s];
        double v = align ? (L > 1 ? -1 + 2.0 * (double)i / (double)(L - 1) : 0) : (2.0 * (double)i + 1) / (double)L - 1;
        base[sp - 1 - s] = v;
      }
      base[sp] = 1;
      for (unsigned r = 0; r < sp; r++) {
        double acc = 0;
        for (unsigned k = 0; k <= sp; k++)
          acc += st_elem_load_f(st_type_elem(in[0].type), in[0].data, (b * sp + r) * (sp + 1) + k) * base[k];
        st_elem_store_f(elem, out[0].data, (b * pts + p) * sp + r, acc);
      }
    }
  return true;
}

/* ---- graph.det: (..., M, M) -> (...) ---- */

static bool st_det_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *t = st_op_operand(op, 0)->type;
  unsigned r = t->u.shaped.rank;
  if (r < 2 || t->u.shaped.dims[r - 1] != t->u.shaped.dims[r - 2])
    return st_graph_type_error(op, d, "expects square matrices in the last two dims", t);
  results[0] = st_type_tensor(ctx, t->u.shaped.elem, r - 2, t->u.shaped.dims);
  return true;
}

/* Gaussian elimination with partial pivoting, in double. */
static bool st_det_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *t = in[0].type, *elem = st_type_elem(t);
  unsigned r = t->u.shaped.rank;
  int64_t M = t->u.shaped.dims[r - 1], count = st_type_num_elements(out[0].type);
  double *a = st_graph_scratch(op, M * M, d);
  if (!a) return false;
  for (int64_t m = 0; m < count; m++) {
    for (int64_t k = 0; k < M * M; k++) a[k] = st_elem_load_f(elem, in[0].data, m * M * M + k);
    double det = 1;
    for (int64_t c = 0; c < M && det != 0; c++) {
      int64_t piv = c;
      for (int64_t i = c + 1; i < M; i++)
        if (fabs(a[i * M + c]) > fabs(a[piv * M + c])) piv = i;
      if (a[piv * M + c] == 0) {
        det = 0;
        break;
      }
      if (piv != c) {
        for (int64_t k = 0; k < M; k++) {
          double tmp = a[c * M + k];
          a[c * M + k] = a[piv * M + k];
          a[piv * M + k] = tmp;
        }
        det = -det;
      }
      det *= a[c * M + c];
      for (int64_t i = c + 1; i < M; i++) {
        double f = a[i * M + c] / a[c * M + c];
        for (int64_t k = c; k < M; k++) a[i * M + k] -= f * a[c * M + k];
      }
    }
    st_elem_store_f(elem, out[0].data, m, det);
  }
  free(a);
  return true;
}

/* ---- window functions: size (constant scalar) -> (size) ---- */

static bool st_window_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  double n;
  if (!st_nn_const_scalar(op, 0, "size", &n, d)) return false;
  const st_type *elem = st_graph_dtype_type(ctx, st_op_attr_int(op, "output_datatype", 1));
  if (!elem || n < 0) {
    st_diag_error(d, op->loc, "'%s' op needs a known output_datatype and a non-negative size", op->def->name);
    return false;
  }
  st_dim dim = (st_dim)n;
  results[0] = st_type_tensor(ctx, elem, 1, &dim);
  return true;
}

static bool st_window_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  int64_t N = out[0].type->u.shaped.dims[0];
  bool periodic = st_op_attr_int(op, "periodic", 1) != 0;
  double den = periodic ? (double)N : (double)(N - 1);
  const st_type *elem = st_type_elem(out[0].type);
  for (int64_t i = 0; i < N; i++) {
    double x = den > 0 ? 2 * st_pi * (double)i / den : 0, v;
    if (op->def == &st_graph_hann_window_def) v = 0.5 - 0.5 * cos(x);
    else if (op->def == &st_graph_hamming_window_def) v = 25.0 / 46.0 - 21.0 / 46.0 * cos(x);
    else v = 0.42 - 0.5 * cos(x) + 0.08 * cos(2 * x);
    st_elem_store_f(elem, out[0].data, i, v);
  }
  return true;
}

/* ---- graph.mel_weight_matrix: num_mel_bins, dft_length, sample_rate, lower, upper ---- */

static bool st_mel_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  double bins, len;
  if (!st_nn_const_scalar(op, 0, "num_mel_bins", &bins, d) || !st_nn_const_scalar(op, 1, "dft_length", &len, d))
    return false;
  const st_type *elem = st_graph_dtype_type(ctx, st_op_attr_int(op, "output_datatype", 1));
  if (!elem || bins <= 0 || len <= 0) {
    st_diag_error(d, op->loc, "'graph.mel_weight_matrix' op needs positive sizes and a known output_datatype");
    return false;
  }
  st_dim dims[2] = {(int64_t)len / 2 + 1, (int64_t)bins};
  results[0] = st_type_tensor(ctx, elem, 2, dims);
  return true;
}

static bool st_mel_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  int64_t spec = out[0].type->u.shaped.dims[0], bins = out[0].type->u.shaped.dims[1];
  int64_t len = st_elem_load_i(st_type_elem(in[1].type), in[1].data, 0);
  int64_t rate = st_elem_load_i(st_type_elem(in[2].type), in[2].data, 0);
  double lo = st_elem_load_f(st_type_elem(in[3].type), in[3].data, 0);
  double hi = st_elem_load_f(st_type_elem(in[4].type), in[4].data, 0);
  if (rate <= 0) {
    st_diag_error(d, op->loc, "'graph.mel_weight_matrix' op needs a positive sample_rate");
    return false;
  }
  double lo_mel = 2595 * log10(1 + lo / 700), hi_mel = 2595 * log10(1 + hi / 700);
  double step = (hi_mel - lo_mel) / (double)(bins + 2);
  int64_t *f = calloc((size_t)bins + 2, sizeof *f);
  double *w = st_graph_scratch(op, spec * bins, d);
  if (!f || !w) {
    free(f);
    free(w);
    if (!f) st_diag_error(d, op->loc, "'graph.mel_weight_matrix' op is out of memory");
    return false;
  }
  for (int64_t i = 0; i < bins + 2; i++) {
    double hz = 700 * (pow(10, ((double)i * step + lo_mel) / 2595) - 1);
    double bin = floor((double)(len + 1) * hz / (double)rate);
    f[i] = bin > -1e15 && bin < 1e15 ? (int64_t)bin : -1; /* NaN edges give empty filters */
  }
  for (int64_t i = 0; i < bins; i++) {
    int64_t l = f[i], c = f[i + 1], h = f[i + 2];
    if (c == l) {
      if (c >= 0 && c < spec) w[c * bins + i] = 1;
    } else {
      for (int64_t j = l > 0 ? l : 0; j <= c && j < spec; j++) w[j * bins + i] = (double)(j - l) / (double)(c - l);
    }
    for (int64_t j = c > 0 ? c : 0; j < h && j < spec; j++) w[j * bins + i] = (double)(h - j) / (double)(h - c);
  }
  for (int64_t k = 0; k < spec * bins; k++) st_elem_store_f(st_type_elem(out[0].type), out[0].data, k, w[k]);
  free(f);
  free(w);
  return true;
}

/* ---- graph.dft: input (..., 1|2), [dft_length], [axis] ---- */

/* Operand i is a tensor, or its buffer: the lowering reads the geometry
 * after lower-to-loops turned the function's arguments into memrefs. */
static bool st_sig_shaped(st_op *op, unsigned i, st_diag *d) {
  if (i < op->num_operands && st_op_operand(op, i)->type->kind == ST_TY_MEMREF) return true;
  return st_graph_expect_tensor(op, i, d);
}

/* Reads scalar operand i: from the interpreter's input data when `in` is
 * given, else from a constant; *known is false when neither is there. */
static bool st_dft_scalar(st_op *op, const st_tensor *in, unsigned i, int64_t *out, bool *known) {
  *known = false;
  if (!st_graph_has_operand(op, i)) return true;
  if (in) {
    *out = st_elem_load_i(st_type_elem(in[i].type), in[i].data, 0);
    *known = true;
    return true;
  }
  const st_attr *a = st_value_const(st_op_operand(op, i));
  if (a && st_attr_elem_as_int(a, 0, out)) *known = true;
  return true;
}

/* The transform's geometry.  With inverse and onesided together the input
 * is a one-sided spectrum and the result a real signal (irfft) whose
 * default length is 2 * (n - 1).  Type inference needs axis only where the
 * result shape depends on it. */
bool st_dft_geom(st_op *op, const st_tensor *in, st_dft *g, st_diag *d) {
  if (!st_sig_shaped(op, 0, d)) return false;
  const st_type *t = st_op_operand(op, 0)->type;
  unsigned r = t->u.shaped.rank;
  if (r < 2 || r > ST_MAX_RANK || (t->u.shaped.dims[r - 1] != 1 && t->u.shaped.dims[r - 1] != 2))
    return st_graph_type_error(op, d, "expects rank 2 to 8 with a last dim of 1 (real) or 2 (complex)", t);
  g->inverse = st_op_attr_int(op, "inverse", 0) != 0;
  g->onesided = st_op_attr_int(op, "onesided", 0) != 0;
  g->irfft = g->inverse && g->onesided;
  g->comp_out = g->irfft ? 1 : 2;
  int64_t axis = -2, len = 0;
  bool axis_known = true, len_known;
  if (st_graph_has_operand(op, 2)) st_dft_scalar(op, in, 2, &axis, &axis_known);
  st_dft_scalar(op, in, 1, &len, &len_known);
  if (!axis_known && (g->onesided || len_known || st_graph_has_operand(op, 1))) {
    st_diag_error(d, op->loc, "'graph.dft' op needs operand 2 (axis) to be a constant when onesided or dft_length is set");
    return false;
  }
  if (st_graph_has_operand(op, 1) && !len_known) {
    st_diag_error(d, op->loc, "'graph.dft' op needs operand 1 (dft_length) to be a constant");
    return false;
  }
  g->axis_known = axis_known;
  if (!axis_known) axis = -2; /* the result shape does not depend on it */
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= (int64_t)r - 1) {
    st_diag_error(d, op->loc, "'graph.dft' op axis is out of range for rank %u", r);
    return false;
  }
  g->axis = (unsigned)axis;
  int64_t n = t->u.shaped.dims[axis];
  g->length = len_known ? len : g->irfft ? 2 * (n - 1) : n;
  if (g->length <= 0) {
    st_diag_error(d, op->loc, "'graph.dft' op needs a positive dft_length");
    return false;
  }
  g->out_len = g->onesided && !g->inverse ? g->length / 2 + 1 : g->length;
  return true;
}

static bool st_dft_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 1, d)) return false;
  st_dft g;
  if (!st_dft_geom(op, NULL, &g, d)) return false;
  const st_type *t = st_op_operand(op, 0)->type;
  st_dim dims[ST_MAX_RANK];
  unsigned r = t->u.shaped.rank;
  memcpy(dims, t->u.shaped.dims, r * sizeof *dims);
  dims[g.axis] = g.out_len;
  dims[r - 1] = g.comp_out;
  results[0] = st_type_tensor(ctx, t->u.shaped.elem, r, dims);
  return true;
}

/* One bin k of a direct O(n^2) transform of length g->length over the
 * samples xr / xi [0, n_in) (xi NULL for a real signal): the input is
 * zero-padded or truncated to the length; an irfft completes the spectrum
 * by conjugate symmetry (X[N - n] conjugated).  Sums in double; the caller
 * applies the inverse's 1 / length.  DFT and STFT share it, and the
 * lowering (graph_lower_signal.c) follows it step by step. */
static void st_dft_bin(const st_dft *g, int64_t n_in, const double *xr, const double *xi, int64_t k, double *re,
                       double *im) {
  double sign = g->inverse ? 1 : -1;
  int64_t n_use = g->irfft ? g->length : n_in < g->length ? n_in : g->length;
  *re = *im = 0;
  for (int64_t n = 0; n < n_use; n++) {
    int64_t src = n;
    double conj = 1;
    if (g->irfft && n >= n_in) {
      src = g->length - n;
      conj = -1;
      if (src < 0 || src >= n_in) continue;
    }
    double a = xr[src], b = xi ? conj * xi[src] : 0;
    double ang = sign * 2 * st_pi * (double)((k * n) % g->length) / (double)g->length;
    *re += a * cos(ang) - b * sin(ang);
    *im += a * sin(ang) + b * cos(ang);
  }
}

/* Each line along the axis is gathered into doubles, then transformed. */
static bool st_dft_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_dft g;
  if (!st_dft_geom(op, in, &g, d)) return false;
  const st_type *t = in[0].type, *elem = st_type_elem(t);
  unsigned r = t->u.shaped.rank;
  int64_t comp = t->u.shaped.dims[r - 1], n_in = t->u.shaped.dims[g.axis];
  if (out[0].type->u.shaped.dims[g.axis] != g.out_len) {
    st_diag_error(d, op->loc, "'graph.dft' op axis operand disagrees with the inferred result type");
    return false;
  }
  int64_t outer = st_graph_prod(t->u.shaped.dims, 0, g.axis), inner = st_graph_prod(t->u.shaped.dims, g.axis + 1, r - 1);
  double norm = g.inverse ? 1.0 / (double)g.length : 1;
  double *x = st_graph_scratch(op, 2 * n_in, d);
  if (!x) return false;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      for (int64_t n = 0; n < n_in; n++)
        for (int64_t c = 0; c < comp; c++)
          x[c * n_in + n] = st_elem_load_f(elem, in[0].data, ((o * n_in + n) * inner + i) * comp + c);
      for (int64_t k = 0; k < g.out_len; k++) {
        double re, im;
        st_dft_bin(&g, n_in, x, comp == 2 ? x + n_in : NULL, k, &re, &im);
        int64_t at = ((o * g.out_len + k) * inner + i) * g.comp_out;
        st_elem_store_f(elem, out[0].data, at, re * norm);
        if (g.comp_out == 2) st_elem_store_f(elem, out[0].data, at + 1, im * norm);
      }
    }
  free(x);
  return true;
}

/* ---- graph.stft: signal (B, S, 1|2), frame_step, [window (L)], [frame_length] ---- */

/* Frames of length L start every step samples; each is multiplied by the
 * window (rounded to the element type, as the reference multiplies) and
 * transformed (onesided keeps L / 2 + 1 bins; the default is onesided). */
bool st_stft_geom(st_op *op, const st_tensor *in, st_stft *s, st_diag *d) {
  if (!st_graph_min_operands(op, 2, d) || !st_sig_shaped(op, 0, d)) return false;
  const st_type *t = st_op_operand(op, 0)->type;
  if (t->u.shaped.rank != 3 || (t->u.shaped.dims[2] != 1 && t->u.shaped.dims[2] != 2))
    return st_graph_type_error(op, d, "expects a signal (batch, length, 1 | 2)", t);
  s->batch = t->u.shaped.dims[0];
  s->signal = t->u.shaped.dims[1];
  s->comp = t->u.shaped.dims[2];
  bool step_known, len_known;
  s->step = 0;
  st_dft_scalar(op, in, 1, &s->step, &step_known);
  if (!step_known || s->step <= 0) {
    st_diag_error(d, op->loc, "'graph.stft' op needs operand 1 (frame_step) to be a positive constant");
    return false;
  }
  s->window = -1;
  if (st_graph_has_operand(op, 2)) {
    const st_type *w = st_op_operand(op, 2)->type;
    if ((w->kind != ST_TY_TENSOR && w->kind != ST_TY_MEMREF) || w->u.shaped.rank != 1 ||
        w->u.shaped.elem != t->u.shaped.elem)
      return st_graph_type_error(op, d, "expects a rank-1 window of the signal's element type", w);
    s->window = w->u.shaped.dims[0];
  }
  int64_t len = s->window >= 0 ? s->window : s->signal;
  if (st_graph_has_operand(op, 3)) {
    st_dft_scalar(op, in, 3, &len, &len_known);
    if (!len_known) {
      st_diag_error(d, op->loc, "'graph.stft' op needs operand 3 (frame_length) to be a constant");
      return false;
    }
  }
  if (len <= 0 || len > s->signal || (s->window >= 0 && s->window != len)) {
    st_diag_error(d, op->loc, "'graph.stft' op needs a frame_length in [1, %" PRId64 "] that the window matches",
                  s->signal);
    return false;
  }
  s->frames = (s->signal - len) / s->step + 1;
  bool onesided = st_op_attr_int(op, "onesided", 1) != 0;
  s->dft = (st_dft){.axis = 1, .axis_known = true, .length = len, .out_len = onesided ? len / 2 + 1 : len,
                    .comp_out = 2, .onesided = onesided};
  return true;
}

static bool st_stft_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  st_stft s;
  if (!st_stft_geom(op, NULL, &s, d)) return false;
  st_dim dims[4] = {s.batch, s.frames, s.dft.out_len, 2};
  results[0] = st_type_tensor(ctx, st_op_operand(op, 0)->type->u.shaped.elem, 4, dims);
  return true;
}

static bool st_stft_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_stft s;
  if (!st_stft_geom(op, in, &s, d)) return false;
  const st_type *elem = st_type_elem(in[0].type);
  int64_t L = s.dft.length, K = s.dft.out_len;
  if (out[0].type->u.shaped.dims[1] != s.frames || out[0].type->u.shaped.dims[2] != K) {
    st_diag_error(d, op->loc, "'graph.stft' op operands disagree with the inferred result type");
    return false;
  }
  double *x = st_graph_scratch(op, 2 * L, d);
  if (!x) return false;
  for (int64_t b = 0; b < s.batch; b++)
    for (int64_t f = 0; f < s.frames; f++) {
      for (int64_t n = 0; n < L; n++)
        for (int64_t c = 0; c < s.comp; c++) {
          double v = st_elem_load_f(elem, in[0].data, (b * s.signal + f * s.step + n) * s.comp + c);
          if (s.window >= 0) {
            uint64_t tmp;
            st_elem_store_f(elem, &tmp, 0, v * st_elem_load_f(elem, in[2].data, n));
            v = st_elem_load_f(elem, &tmp, 0);
          }
          x[c * L + n] = v;
        }
      for (int64_t k = 0; k < K; k++) {
        double re, im;
        st_dft_bin(&s.dft, L, x, s.comp == 2 ? x + L : NULL, k, &re, &im);
        int64_t at = ((b * s.frames + f) * K + k) * 2;
        st_elem_store_f(elem, out[0].data, at, re);
        st_elem_store_f(elem, out[0].data, at + 1, im);
      }
    }
  free(x);
  return true;
}

/* ---- the table ---- */

const st_op_def st_graph_grid_sample_def = {
    .name = "graph.grid_sample", .summary = "samples X at normalised grid points (mode, padding_mode, align_corners)",
    .num_operands = 2, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_gs_infer, .interpret = st_gs_interp,
    .lower = st_graph_lower_grid_sample,
};
const st_op_def st_graph_affine_grid_def = {
    .name = "graph.affine_grid", .summary = "sampling grid of affine maps theta over a size (align_corners)",
    .num_operands = 2, .num_results = 1, .traits = ST_TRAIT_PURE,
    .shape_operands = 1u << 1,
    .infer_types = st_affine_infer, .interpret = st_affine_interp,
    .lower = st_graph_lower_affine_grid,
};
const st_op_def st_graph_det_def = {
    .name = "graph.det", .summary = "determinants of the square matrices in the last two dims",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_det_infer, .interpret = st_det_interp,
    .lower = st_graph_lower_det,
};
const st_op_def st_graph_hann_window_def = {
    .name = "graph.hann_window", .summary = "Hann window of a constant size (periodic, output_datatype)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE,
    .shape_operands = 1u << 0,
    .infer_types = st_window_infer, .interpret = st_window_interp,
};
const st_op_def st_graph_hamming_window_def = {
    .name = "graph.hamming_window", .summary = "Hamming window of a constant size (periodic, output_datatype)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE,
    .shape_operands = 1u << 0,
    .infer_types = st_window_infer, .interpret = st_window_interp,
};
const st_op_def st_graph_blackman_window_def = {
    .name = "graph.blackman_window", .summary = "Blackman window of a constant size (periodic, output_datatype)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE,
    .shape_operands = 1u << 0,
    .infer_types = st_window_infer, .interpret = st_window_interp,
};
const st_op_def st_graph_dft_def = {
    .name = "graph.dft", .summary = "discrete Fourier transform along an axis (inverse, onesided)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .shape_operands = 1u << 1 | 1u << 2,
    .infer_types = st_dft_infer, .interpret = st_dft_interp,
    .lower = st_graph_lower_dft,
};
const st_op_def st_graph_stft_def = {
    .name = "graph.stft", .summary = "short-time Fourier transform of windowed frames (onesided, default 1)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .shape_operands = 1u << 1 | 1u << 3,
    .infer_types = st_stft_infer, .interpret = st_stft_interp,
    .lower = st_graph_lower_stft,
};
const st_op_def st_graph_mel_weight_matrix_def = {
    .name = "graph.mel_weight_matrix", .summary = "triangular mel filter bank weights for a one-sided spectrum",
    .num_operands = 5, .num_results = 1, .traits = ST_TRAIT_PURE,
    .shape_operands = 1u << 0 | 1u << 1,
    .infer_types = st_mel_infer, .interpret = st_mel_interp,
    .lower = st_graph_lower_mel_weight_matrix,
};
