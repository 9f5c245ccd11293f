/* Pooling and sliding-window image ops of the nn family: max / average / Lp
 * pooling (windowed and global), max unpooling, transposed convolution and
 * Col2Im.  Inputs are NCHW-style (N, C, spatial...) tensors.  The window
 * geometry follows ONNX opset 22: explicit pads or auto_pad, dilations,
 * ceil_mode (a last window that would start in the end padding is dropped). */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/graph_nn.h"
#include "ir/dialects/graph_lower.h"
#include "ir/elem.h"

typedef struct st_pool {
  unsigned sp; /* spatial dims */
  int64_t in[ST_MAX_RANK], out[ST_MAX_RANK], kernel[ST_MAX_RANK], strides[ST_MAX_RANK], dil[ST_MAX_RANK];
  int64_t pad_begin[ST_MAX_RANK], pad_end[ST_MAX_RANK];
} st_pool;

typedef enum st_pool_kind { ST_POOL_MAX, ST_POOL_AVG, ST_POOL_LP } st_pool_kind;

static int64_t st_div_floor(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
static int64_t st_div_ceil(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -(-a / b); }

static bool st_expect_spatial(st_op *op, const st_type *x, st_diag *d) {
  if (x->kind != ST_TY_TENSOR || x->u.shaped.rank < 3 || x->u.shaped.rank > ST_MAX_RANK)
    return st_graph_type_error(op, d, "expects an input of shape (N, C, spatial...) with rank 3 to 8", x);
  return true;
}

/* Window geometry of a windowed pool; a dynamic input dim gives a dynamic
 * output dim. */
static bool st_pool_geom(st_op *op, const st_type *x, st_pool *g, st_diag *d) {
  if (!st_expect_spatial(op, x, d)) return false;
  unsigned sp = g->sp = x->u.shaped.rank - 2;
  int64_t pads[2 * ST_MAX_RANK];
  if (!st_op_get_attr(op, "kernel_shape")) {
    st_diag_error(d, op->loc, "'%s' op needs a kernel_shape attribute", op->def->name);
    return false;
  }
  if (!st_graph_int_array(op, "kernel_shape", sp, 1, g->kernel, d) ||
      !st_graph_int_array(op, "strides", sp, 1, g->strides, d) ||
      !st_graph_int_array(op, "dilations", sp, 1, g->dil, d) || !st_graph_int_array(op, "pads", 2 * sp, 0, pads, d))
    return false;
  int autopad = st_graph_auto_pad(op, d);
  if (autopad < 0) return false;
  bool ceil_mode = st_op_attr_int(op, "ceil_mode", 0) != 0;
  for (unsigned i = 0; i < sp; i++) {
    if (g->kernel[i] <= 0 || g->strides[i] <= 0 || g->dil[i] <= 0 || pads[i] < 0 || pads[i + sp] < 0) {
      st_diag_error(d, op->loc, "'%s' op needs positive kernel_shape, strides, dilations and non-negative pads",
                    op->def->name);
      return false;
    }
    int64_t in = g->in[i] = x->u.shaped.dims[i + 2], s = g->strides[i];
    int64_t span = g->dil[i] * (g->kernel[i] - 1) + 1;
    g->pad_begin[i] = autopad ? 0 : pads[i];
    g->pad_end[i] = autopad ? 0 : pads[i + sp];
    if (in == ST_DIM_DYNAMIC) {
      g->out[i] = ST_DIM_DYNAMIC;
      continue;
    }
    if (autopad == ST_AUTO_PAD_SAME_UPPER || autopad == ST_AUTO_PAD_SAME_LOWER) {
      g->out[i] = st_div_ceil(in, s);
      int64_t total = (g->out[i] - 1) * s + span - in;
      if (total < 0) total = 0;
      g->pad_begin[i] = autopad == ST_AUTO_PAD_SAME_UPPER ? total / 2 : total - total / 2;
      g->pad_end[i] = total - g->pad_begin[i];
      continue;
    }
    int64_t room = in + g->pad_begin[i] + g->pad_end[i] - span;
    if (room < 0) {
      st_diag_error(d, op->loc, "'%s' op window (%" PRId64 ") is larger than the padded input in spatial dim %u",
                    op->def->name, span, i);
      return false;
    }
    g->out[i] = (ceil_mode ? st_div_ceil(room, s) : st_div_floor(room, s)) + 1;
    /* A window may not start in the end padding (ONNX, as PyTorch). */
    if (ceil_mode && (g->out[i] - 1) * s >= in + g->pad_begin[i]) g->out[i]--;
  }
  return true;
}

/* The geometry of a global pool: one window over the whole spatial extent. */
static bool st_pool_global_geom(st_op *op, const st_type *x, st_pool *g, st_diag *d) {
  if (!st_expect_spatial(op, x, d)) return false;
  g->sp = x->u.shaped.rank - 2;
  for (unsigned i = 0; i < g->sp; i++) {
    g->in[i] = g->kernel[i] = x->u.shaped.dims[i + 2];
    g->out[i] = g->strides[i] = g->dil[i] = 1;
    g->pad_begin[i] = g->pad_end[i] = 0;
  }
  return true;
}

static const st_type *st_pool_type(st_context *ctx, const st_type *x, const st_type *elem, const st_pool *g) {
  st_dim dims[ST_MAX_RANK] = {x->u.shaped.dims[0], x->u.shaped.dims[1]};
  for (unsigned i = 0; i < g->sp; i++) dims[i + 2] = g->out[i];
  return st_type_tensor(ctx, elem, x->u.shaped.rank, dims);
}

static bool st_pool_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  st_pool g;
  const st_type *x = st_op_operand(op, 0)->type;
  bool global = op->def == &st_graph_global_average_pool_def || op->def == &st_graph_global_max_pool_def ||
                op->def == &st_graph_global_lp_pool_def;
  if (!(global ? st_pool_global_geom(op, x, &g, d) : st_pool_geom(op, x, &g, d))) return false;
  results[0] = st_pool_type(ctx, x, x->u.shaped.elem, &g);
  for (unsigned r = 1; r < op->num_results; r++) /* MaxPool's Indices */
    results[r] = st_pool_type(ctx, x, st_type_scalar(ctx, ST_TY_I64), &g);
  return true;
}

/* Visits every window of every (n, c) plane; the per-window reduction depends
 * on `kind`.  Indices (MaxPool's second result) are flat offsets into the
 * whole input, row-major or (storage_order = 1) column-major in the spatial
 * dims. */
static bool st_pool_run(st_op *op, const st_tensor *in, st_tensor *out, st_pool_kind kind, const st_pool *g) {
  const st_type *xt = in[0].type, *elem = st_type_elem(xt);
  int64_t planes = xt->u.shaped.dims[0] * xt->u.shaped.dims[1], in_sp = 1, out_sp = 1, k_sp = 1;
  int64_t col_stride[ST_MAX_RANK];
  for (unsigned s = 0; s < g->sp; s++) {
    col_stride[s] = in_sp;
    in_sp *= g->in[s];
    out_sp *= g->out[s];
    k_sp *= g->kernel[s];
  }
  bool include_pad = st_op_attr_int(op, "count_include_pad", 0) != 0;
  bool col_major = st_op_attr_int(op, "storage_order", 0) != 0;
  bool want_idx = op->num_results > 1 && out[1].type->kind == ST_TY_TENSOR;
  double p = (double)st_op_attr_int(op, "p", 2);
  for (int64_t nc = 0; nc < planes; nc++) {
    int64_t opos[ST_MAX_RANK] = {0};
    for (int64_t o = 0; o < out_sp; o++) {
      double acc = 0;
      int64_t best = -1, count = 0, count_pad = 0;
      int64_t kpos[ST_MAX_RANK] = {0};
      for (int64_t k = 0; k < k_sp; k++) {
        bool inside = true, in_pad = true;
        int64_t off = 0, coff = 0;
        for (unsigned s = 0; s < g->sp; s++) {
          int64_t q = opos[s] * g->strides[s] - g->pad_begin[s] + kpos[s] * g->dil[s];
          inside = inside && q >= 0 && q < g->in[s];
          in_pad = in_pad && q < g->in[s] + g->pad_end[s];
          off = off * g->in[s] + q;
          coff += q * col_stride[s];
        }
        count_pad += in_pad;
        if (inside) {
          double v = st_elem_load_f(elem, in[0].data, nc * in_sp + off);
          count++;
          if (kind == ST_POOL_MAX) {
            if (best < 0 || v > acc) {
              acc = v;
              best = col_major ? coff : off;
            }
          } else {
            acc += kind == ST_POOL_LP ? pow(fabs(v), p) : v;
          }
        }
        st_graph_next_index(g->sp, g->kernel, kpos);
      }
      if (kind == ST_POOL_AVG) acc = (include_pad ? count_pad : count) ? acc / (double)(include_pad ? count_pad : count) : 0;
      if (kind == ST_POOL_LP) acc = pow(acc, 1.0 / p);
      st_elem_store_f(elem, out[0].data, nc * out_sp + o, acc);
      if (want_idx) st_elem_store_i(st_type_elem(out[1].type), out[1].data, nc * out_sp + o, best < 0 ? -1 : nc * in_sp + best);
      st_graph_next_index(g->sp, g->out, opos);
    }
  }
  return true;
}

static bool st_pool_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_pool g;
  const st_op_def *def = op->def;
  bool global = def == &st_graph_global_average_pool_def || def == &st_graph_global_max_pool_def ||
                def == &st_graph_global_lp_pool_def;
  if (!(global ? st_pool_global_geom(op, in[0].type, &g, d) : st_pool_geom(op, in[0].type, &g, d))) return false;
  st_pool_kind kind = def == &st_graph_max_pool_def || def == &st_graph_global_max_pool_def ? ST_POOL_MAX
                      : def == &st_graph_lp_pool_def || def == &st_graph_global_lp_pool_def ? ST_POOL_LP
                                                                                             : ST_POOL_AVG;
  return st_pool_run(op, in, out, kind, &g);
}

/* ---- graph.max_unpool: X, I, optional output_shape ---- */

/* The shape max pooling came from (from kernel_shape, strides, pads), which
 * the indices address; output_shape, when given, only pads it at the end. */
static bool st_unpool_inferred(st_op *op, const st_type *x, st_dim *dims, st_diag *d) {
  if (!st_expect_spatial(op, x, d) || !st_graph_expect_tensor(op, 1, d)) return false;
  unsigned sp = x->u.shaped.rank - 2;
  int64_t kernel[ST_MAX_RANK], strides[ST_MAX_RANK], pads[2 * ST_MAX_RANK];
  if (!st_op_get_attr(op, "kernel_shape")) {
    st_diag_error(d, op->loc, "'graph.max_unpool' op needs a kernel_shape attribute");
    return false;
  }
  if (!st_graph_int_array(op, "kernel_shape", sp, 1, kernel, d) || !st_graph_int_array(op, "strides", sp, 1, strides, d) ||
      !st_graph_int_array(op, "pads", 2 * sp, 0, pads, d))
    return false;
  dims[0] = x->u.shaped.dims[0];
  dims[1] = x->u.shaped.dims[1];
  for (unsigned i = 0; i < sp; i++) {
    st_dim in = x->u.shaped.dims[i + 2];
    dims[i + 2] = in == ST_DIM_DYNAMIC ? in : (in - 1) * strides[i] - pads[i] - pads[i + sp] + kernel[i];
  }
  return true;
}

static bool st_unpool_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 2, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type;
  unsigned r = x->u.shaped.rank;
  st_dim dims[ST_MAX_RANK];
  if (!st_unpool_inferred(op, x, dims, d)) return false;
  if (st_graph_has_operand(op, 2)) {
    int64_t shape[ST_MAX_RANK];
    unsigned n;
    if (!st_nn_const_ints(op, 2, "output_shape", shape, ST_MAX_RANK, &n, d)) return false;
    if (n != r) {
      st_diag_error(d, op->loc, "'graph.max_unpool' op output_shape must have %u entries, got %u", r, n);
      return false;
    }
    for (unsigned i = 0; i < r; i++) {
      if (dims[i] != ST_DIM_DYNAMIC && shape[i] < dims[i]) {
        st_diag_error(d, op->loc, "'graph.max_unpool' op output_shape is smaller than the unpooled shape in dim %u", i);
        return false;
      }
      dims[i] = shape[i];
    }
  }
  results[0] = st_type_tensor(ctx, x->u.shaped.elem, r, dims);
  return true;
}

static bool st_unpool_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *elem = st_type_elem(in[0].type), *ielem = st_type_elem(in[1].type), *ot = out[0].type;
  unsigned r = ot->u.shaped.rank;
  st_dim inf[ST_MAX_RANK];
  if (!st_unpool_inferred(op, in[0].type, inf, d)) return false;
  size_t esz = st_dense_elem_size(elem);
  int64_t n = st_type_num_elements(in[0].type), total = 1;
  for (unsigned i = 0; i < r; i++) total *= inf[i];
  if (st_type_num_elements(in[1].type) != n) {
    st_diag_error(d, op->loc, "'graph.max_unpool' op indices must have the shape of X");
    return false;
  }
  memset(out[0].data, 0, out[0].nbytes);
  for (int64_t j = 0; j < n; j++) {
    int64_t idx = st_elem_load_i(ielem, in[1].data, j);
    if (idx < 0 || idx >= total) {
      st_diag_error(d, op->loc, "'graph.max_unpool' op index %" PRId64 " is out of range [0, %" PRId64 ")", idx, total);
      return false;
    }
    /* Re-address the flat index of the unpooled shape in the output's. */
    int64_t rest = idx, at = 0, stride = 1;
    for (unsigned i = r; i-- > 0;) {
      at += (rest % inf[i]) * stride;
      rest /= inf[i];
      stride *= ot->u.shaped.dims[i];
    }
    memcpy((char *)out[0].data + (size_t)at * esz, (const char *)in[0].data + (size_t)j * esz, esz);
  }
  return true;
}

/* ---- graph.conv_transpose: X (N, C, in...), W (C, M/group, k...), B (M) ---- */

typedef struct st_convt {
  unsigned sp;
  int64_t group;
  int64_t in[ST_MAX_RANK], out[ST_MAX_RANK], kernel[ST_MAX_RANK], strides[ST_MAX_RANK], dil[ST_MAX_RANK];
  int64_t pad_begin[ST_MAX_RANK];
} st_convt;

static bool st_convt_geom(st_op *op, st_convt *g, st_diag *d) {
  const st_type *x = st_op_operand(op, 0)->type, *w = st_op_operand(op, 1)->type;
  if (!st_expect_spatial(op, x, d) || !st_graph_expect_tensor(op, 1, d)) return false;
  unsigned r = x->u.shaped.rank, sp = g->sp = r - 2;
  if (w->u.shaped.rank != r) return st_graph_type_error(op, d, "expects a weight of the input's rank", w);
  int64_t pads[2 * ST_MAX_RANK], outpad[ST_MAX_RANK], oshape[ST_MAX_RANK];
  if (!st_graph_int_array(op, "strides", sp, 1, g->strides, d) || !st_graph_int_array(op, "dilations", sp, 1, g->dil, d) ||
      !st_graph_int_array(op, "pads", 2 * sp, 0, pads, d) ||
      !st_graph_int_array(op, "output_padding", sp, 0, outpad, d))
    return false;
  const st_attr *os = st_op_get_attr(op, "output_shape");
  if (os) {
    /* output_shape may list the spatial dims only or all of them. */
    unsigned n = os->kind == ST_ATTR_ARRAY ? os->u.array.n : 0;
    if (n != sp && n != r) {
      st_diag_error(d, op->loc, "'graph.conv_transpose' op output_shape must have %u entries", sp);
      return false;
    }
    for (unsigned i = 0; i < sp; i++) {
      const st_attr *e = os->u.array.elems[n - sp + i];
      if (e->kind != ST_ATTR_INT) {
        st_diag_error(d, op->loc, "'graph.conv_transpose' op output_shape must hold integers");
        return false;
      }
      oshape[i] = e->u.i;
    }
  }
  int autopad = st_graph_auto_pad(op, d);
  if (autopad < 0) return false;
  g->group = st_op_attr_int(op, "group", 1);
  if (g->group <= 0 || x->u.shaped.dims[1] != w->u.shaped.dims[0] || w->u.shaped.dims[0] % g->group) {
    st_diag_error(d, op->loc, "'graph.conv_transpose' op needs C = W.shape[0] divisible by group");
    return false;
  }
  for (unsigned i = 0; i < sp; i++) {
    int64_t in = g->in[i] = x->u.shaped.dims[i + 2], s = g->strides[i];
    g->kernel[i] = w->u.shaped.dims[i + 2];
    if (s <= 0 || g->dil[i] <= 0) {
      st_diag_error(d, op->loc, "'graph.conv_transpose' op needs positive strides and dilations");
      return false;
    }
    int64_t full = s * (in - 1) + outpad[i] + g->dil[i] * (g->kernel[i] - 1) + 1;
    if (os || autopad == ST_AUTO_PAD_SAME_UPPER || autopad == ST_AUTO_PAD_SAME_LOWER) {
      g->out[i] = os ? oshape[i] : in * s;
      /* Floor division, as the ONNX reference: a negative total (output_shape
       * past the natural size) leaves the extra positions at the end. */
      int64_t total = full - g->out[i];
      g->pad_begin[i] = autopad == ST_AUTO_PAD_SAME_UPPER ? st_div_floor(total, 2) : total - st_div_floor(total, 2);
    } else {
      g->pad_begin[i] = autopad == ST_AUTO_PAD_VALID ? 0 : pads[i];
      g->out[i] = full - (autopad == ST_AUTO_PAD_VALID ? 0 : pads[i] + pads[i + sp]);
    }
    if (g->out[i] <= 0) {
      st_diag_error(d, op->loc, "'graph.conv_transpose' op output dim %u is not positive", i);
      return false;
    }
  }
  return true;
}

static bool st_convt_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 2, d)) return false;
  if (op->num_operands < 2 || op->num_operands > 3) {
    st_diag_error(d, op->loc, "'graph.conv_transpose' op expects 2 or 3 operands, got %u", op->num_operands);
    return false;
  }
  st_convt g;
  if (!st_convt_geom(op, &g, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type, *w = st_op_operand(op, 1)->type;
  st_dim dims[ST_MAX_RANK] = {x->u.shaped.dims[0], w->u.shaped.dims[1] * g.group};
  for (unsigned i = 0; i < g.sp; i++) dims[i + 2] = g.out[i];
  results[0] = st_type_tensor(ctx, x->u.shaped.elem, x->u.shaped.rank, dims);
  return true;
}

/* Scatters every input element through the kernel:
 * Y[n, m, i*s + k*dil - pad] += X[n, c, i] * W[c, m - group's first, k]. */
static bool st_convt_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_convt g;
  if (!st_convt_geom(op, &g, d)) return false;
  const st_type *xt = in[0].type, *wt = in[1].type, *elem = st_type_elem(out[0].type);
  int64_t N = xt->u.shaped.dims[0], C = xt->u.shaped.dims[1], Mg = wt->u.shaped.dims[1], M = Mg * g.group;
  int64_t Cg = C / g.group, in_sp = 1, out_sp = 1, k_sp = 1;
  for (unsigned s = 0; s < g.sp; s++) {
    in_sp *= g.in[s];
    out_sp *= g.out[s];
    k_sp *= g.kernel[s];
  }
  double *acc = st_graph_scratch(op, N * M * out_sp, d);
  if (!acc) return false;
  bool has_bias = st_graph_has_operand(op, 2);
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < C; c++) {
      int64_t grp = c / Cg, ipos[ST_MAX_RANK] = {0};
      for (int64_t i = 0; i < in_sp; i++) {
        double xv = st_elem_load_f(elem, in[0].data, (n * C + c) * in_sp + i);
        int64_t kpos[ST_MAX_RANK] = {0};
        for (int64_t k = 0; k < k_sp; k++) {
          int64_t off = 0;
          bool inside = true;
          for (unsigned s = 0; s < g.sp && inside; s++) {
            int64_t q = ipos[s] * g.strides[s] + kpos[s] * g.dil[s] - g.pad_begin[s];
            inside = q >= 0 && q < g.out[s];
            off = off * g.out[s] + q;
          }
          if (inside)
            for (int64_t mg = 0; mg < Mg; mg++) {
              double wv = st_elem_load_f(elem, in[1].data, (c * Mg + mg) * k_sp + k);
              acc[(n * M + grp * Mg + mg) * out_sp + off] += xv * wv;
            }
          st_graph_next_index(g.sp, g.kernel, kpos);
        }
        st_graph_next_index(g.sp, g.in, ipos);
      }
    }
  for (int64_t n = 0; n < N; n++)
    for (int64_t m = 0; m < M; m++) {
      double b = has_bias ? st_elem_load_f(elem, in[2].data, m) : 0;
      for (int64_t o = 0; o < out_sp; o++) {
        int64_t at = (n * M + m) * out_sp + o;
        st_elem_store_f(elem, out[0].data, at, acc[at] + b);
      }
    }
  free(acc);
  return true;
}

/* ---- graph.col2im: input (N, C*prod(block), L), image_shape, block_shape ---- */

bool st_col2im_geom(st_op *op, st_col2im *g, st_diag *d) {
  unsigned ni, nb;
  if (!st_nn_const_ints(op, 1, "image_shape", g->image, ST_MAX_RANK - 2, &ni, d) ||
      !st_nn_const_ints(op, 2, "block_shape", g->block, ST_MAX_RANK - 2, &nb, d))
    return false;
  const st_type *x = st_op_operand(op, 0)->type;
  if (ni != nb || ni == 0 || x->u.shaped.rank != 3) {
    st_diag_error(d, op->loc, "'graph.col2im' op needs a rank-3 input and image_shape, block_shape of equal length");
    return false;
  }
  unsigned sp = g->sp = ni;
  int64_t pads[2 * ST_MAX_RANK];
  if (!st_graph_int_array(op, "strides", sp, 1, g->strides, d) || !st_graph_int_array(op, "dilations", sp, 1, g->dil, d) ||
      !st_graph_int_array(op, "pads", 2 * sp, 0, pads, d))
    return false;
  int64_t kprod = 1, L = 1;
  for (unsigned i = 0; i < sp; i++) {
    if (g->strides[i] <= 0 || g->dil[i] <= 0 || g->block[i] <= 0) {
      st_diag_error(d, op->loc, "'graph.col2im' op needs positive strides, dilations and block_shape");
      return false;
    }
    g->pad_begin[i] = pads[i];
    int64_t span = g->dil[i] * (g->block[i] - 1) + 1;
    g->nblocks[i] = st_div_floor(g->image[i] + pads[i] + pads[i + sp] - span, g->strides[i]) + 1;
    kprod *= g->block[i];
    L *= g->nblocks[i] > 0 ? g->nblocks[i] : 0;
  }
  const st_dim *xd = x->u.shaped.dims;
  if ((xd[1] != ST_DIM_DYNAMIC && xd[1] % kprod) || (xd[2] != ST_DIM_DYNAMIC && xd[2] != L)) {
    st_diag_error(d, op->loc, "'graph.col2im' op input (%" PRId64 ", %" PRId64 ") does not match %" PRId64
                  " block elements and %" PRId64 " blocks", xd[1], xd[2], kprod, L);
    return false;
  }
  return true;
}

static bool st_col2im_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  st_col2im g;
  if (!st_graph_expect_tensor(op, 0, d) || !st_col2im_geom(op, &g, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type;
  int64_t kprod = 1;
  for (unsigned i = 0; i < g.sp; i++) kprod *= g.block[i];
  st_dim dims[ST_MAX_RANK] = {x->u.shaped.dims[0], x->u.shaped.dims[1] == ST_DIM_DYNAMIC ? ST_DIM_DYNAMIC : x->u.shaped.dims[1] / kprod};
  for (unsigned i = 0; i < g.sp; i++) dims[i + 2] = g.image[i];
  results[0] = st_type_tensor(ctx, x->u.shaped.elem, g.sp + 2, dims);
  return true;
}

static bool st_col2im_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_col2im g;
  if (!st_col2im_geom(op, &g, d)) return false;
  const st_type *elem = st_type_elem(out[0].type);
  const st_dim *xd = in[0].type->u.shaped.dims;
  int64_t kprod = 1, img = 1, L = xd[2];
  for (unsigned i = 0; i < g.sp; i++) {
    kprod *= g.block[i];
    img *= g.image[i];
  }
  int64_t N = xd[0], C = xd[1] / kprod;
  double *acc = st_graph_scratch(op, N * C * img, d);
  if (!acc) return false;
  for (int64_t n = 0; n < N; n++)
    for (int64_t ch = 0; ch < C * kprod; ch++) {
      int64_t c = ch / kprod, kpos[ST_MAX_RANK] = {0}, lpos[ST_MAX_RANK] = {0}, rest = ch % kprod;
      for (unsigned s = g.sp; s-- > 0;) {
        kpos[s] = rest % g.block[s];
        rest /= g.block[s];
      }
      for (int64_t l = 0; l < L; l++) {
        int64_t off = 0;
        bool inside = true;
        for (unsigned s = 0; s < g.sp && inside; s++) {
          int64_t q = lpos[s] * g.strides[s] - g.pad_begin[s] + kpos[s] * g.dil[s];
          inside = q >= 0 && q < g.image[s];
          off = off * g.image[s] + q;
        }
        if (inside) acc[(n * C + c) * img + off] += st_elem_load_f(elem, in[0].data, (n * xd[1] + ch) * L + l);
        st_graph_next_index(g.sp, g.nblocks, lpos);
      }
    }
  for (int64_t i = 0; i < N * C * img; i++) st_elem_store_f(elem, out[0].data, i, acc[i]);
  free(acc);
  return true;
}

/* ---- the table ---- */

const st_op_def st_graph_max_pool_def = {
    .name = "graph.max_pool", .summary = "max over sliding windows; optional flat argmax indices",
    .num_operands = 1, .num_results = ST_VARIADIC, .traits = ST_TRAIT_PURE,
    .infer_types = st_pool_infer, .interpret = st_pool_interp,
    .lower = st_graph_lower_max_pool,
};
const st_op_def st_graph_average_pool_def = {
    .name = "graph.average_pool", .summary = "mean over sliding windows (count_include_pad)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_pool_infer, .interpret = st_pool_interp,
    .lower = st_graph_lower_average_pool,
};
const st_op_def st_graph_lp_pool_def = {
    .name = "graph.lp_pool", .summary = "p-norm over sliding windows (attr p, default 2)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_pool_infer, .interpret = st_pool_interp,
    .lower = st_graph_lower_lp_pool,
};
const st_op_def st_graph_global_average_pool_def = {
    .name = "graph.global_average_pool", .summary = "mean over all spatial positions",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_REDUCTION,
    .infer_types = st_pool_infer, .interpret = st_pool_interp,
    .lower = st_graph_lower_global_average_pool,
};
const st_op_def st_graph_global_max_pool_def = {
    .name = "graph.global_max_pool", .summary = "max over all spatial positions",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_REDUCTION,
    .infer_types = st_pool_infer, .interpret = st_pool_interp,
    .lower = st_graph_lower_global_max_pool,
};
const st_op_def st_graph_global_lp_pool_def = {
    .name = "graph.global_lp_pool", .summary = "p-norm over all spatial positions (attr p, default 2)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_REDUCTION,
    .infer_types = st_pool_infer, .interpret = st_pool_interp, .lower = st_graph_lower_global_lp_pool,
};
const st_op_def st_graph_max_unpool_def = {
    .name = "graph.max_unpool", .summary = "scatters X to the flat indices I of a zero tensor",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .shape_operands = 1u << 2,
    .infer_types = st_unpool_infer, .interpret = st_unpool_interp,
    .lower = st_graph_lower_max_unpool,
};
const st_op_def st_graph_conv_transpose_def = {
    .name = "graph.conv_transpose", .summary = "N-D transposed convolution (output_padding, output_shape, auto_pad)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_convt_infer, .interpret = st_convt_interp,
    .lower = st_graph_lower_conv_transpose,
};
const st_op_def st_graph_col2im_def = {
    .name = "graph.col2im", .summary = "sums column blocks back into an image (inverse of im2col)",
    .num_operands = 3, .num_results = 1, .traits = ST_TRAIT_PURE,
    .shape_operands = 1u << 1 | 1u << 2,
    .infer_types = st_col2im_infer, .interpret = st_col2im_interp,
    .lower = st_graph_lower_col2im,
};
