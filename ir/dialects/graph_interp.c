/* Reference semantics of the graph ops: plain loops, correct before fast.
 *
 * Inputs and outputs are row-major tensors whose types the verifier has
 * checked; outputs are allocated by the caller.  Floating-point types are
 * computed in double and rounded once on store; integer types in int64 with
 * wrap-around on store (ONNX leaves overflow to the implementation). */
#include <math.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/elem.h"

/* Strides of `t` as seen from an output of rank `rank` under broadcasting:
 * leading missing dims and dims of extent 1 get stride 0. */
void st_graph_bcast_strides(const st_type *t, unsigned rank, const st_dim *out_dims, int64_t *strides) {
  unsigned r = t->u.shaped.rank;
  int64_t s = 1;
  for (unsigned i = rank; i-- > 0;) {
    if (i < rank - r) {
      strides[i] = 0;
      continue;
    }
    st_dim d = t->u.shaped.dims[i - (rank - r)];
    strides[i] = d == 1 && out_dims[i] != 1 ? 0 : s;
    s *= d;
  }
}

/* Advances a multi-index over `dims`; false when it wraps past the end. */
bool st_graph_next_index(unsigned rank, const st_dim *dims, int64_t *idx) {
  for (unsigned i = rank; i-- > 0;) {
    if (++idx[i] < dims[i]) return true;
    idx[i] = 0;
  }
  return false;
}

static double st_apply_f(const st_op_def *def, double a, double b) {
  if (def == &st_graph_add_def) return a + b;
  if (def == &st_graph_sub_def) return a - b;
  if (def == &st_graph_mul_def) return a * b;
  return a / b;
}

static bool st_apply_i(const st_op_def *def, int64_t a, int64_t b, int64_t *r) {
  /* Unsigned wrap-around arithmetic avoids signed-overflow UB. */
  if (def == &st_graph_add_def) *r = (int64_t)((uint64_t)a + (uint64_t)b);
  else if (def == &st_graph_sub_def) *r = (int64_t)((uint64_t)a - (uint64_t)b);
  else if (def == &st_graph_mul_def) *r = (int64_t)((uint64_t)a * (uint64_t)b);
  else if (b == 0) return false;
  else if (a == INT64_MIN && b == -1) *r = INT64_MIN;
  else *r = a / b;
  return true;
}

bool st_graph_interp_binary(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *ot = out[0].type, *elem = ot->u.shaped.elem;
  unsigned rank = ot->u.shaped.rank;
  int64_t sa[ST_MAX_RANK], sb[ST_MAX_RANK], idx[ST_MAX_RANK] = {0};
  st_graph_bcast_strides(in[0].type, rank, ot->u.shaped.dims, sa);
  st_graph_bcast_strides(in[1].type, rank, ot->u.shaped.dims, sb);
  int64_t n = st_type_num_elements(ot);
  bool is_float = st_type_is_float(elem);
  for (int64_t i = 0; i < n; i++) {
    int64_t ia = 0, ib = 0;
    for (unsigned k = 0; k < rank; k++) {
      ia += idx[k] * sa[k];
      ib += idx[k] * sb[k];
    }
    if (is_float) {
      double r = st_apply_f(op->def, st_elem_load_f(elem, in[0].data, ia), st_elem_load_f(elem, in[1].data, ib));
      st_elem_store_f(elem, out[0].data, i, r);
    } else {
      int64_t r;
      if (!st_apply_i(op->def, st_elem_load_i(elem, in[0].data, ia), st_elem_load_i(elem, in[1].data, ib), &r)) {
        st_diag_error(d, op->loc, "'%s' op integer division by zero", op->def->name);
        return false;
      }
      st_elem_store_i(elem, out[0].data, i, r);
    }
    st_graph_next_index(rank, ot->u.shaped.dims, idx);
  }
  return true;
}

bool st_graph_interp_relu(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *elem = st_type_elem(out[0].type);
  int64_t n = st_type_num_elements(out[0].type);
  for (int64_t i = 0; i < n; i++) {
    if (st_type_is_float(elem)) {
      double v = st_elem_load_f(elem, in[0].data, i);
      st_elem_store_f(elem, out[0].data, i, v < 0 ? 0.0 : v);
    } else {
      int64_t v = st_elem_load_i(elem, in[0].data, i);
      st_elem_store_i(elem, out[0].data, i, v < 0 ? 0 : v);
    }
  }
  return true;
}

bool st_graph_interp_copy(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  memcpy(out[0].data, in[0].data, out[0].nbytes < in[0].nbytes ? out[0].nbytes : in[0].nbytes);
  return true;
}

bool st_graph_interp_transpose(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  int64_t perm[ST_MAX_RANK], in_strides[ST_MAX_RANK], idx[ST_MAX_RANK] = {0};
  if (!st_transpose_perm(op, perm, d)) return false;
  const st_type *it = in[0].type, *ot = out[0].type;
  unsigned rank = it->u.shaped.rank;
  size_t esz = st_dense_elem_size(it->u.shaped.elem);
  int64_t s = 1;
  for (unsigned i = rank; i-- > 0;) {
    in_strides[i] = s;
    s *= it->u.shaped.dims[i];
  }
  int64_t n = st_type_num_elements(ot);
  for (int64_t i = 0; i < n; i++) {
    int64_t src = 0;
    for (unsigned k = 0; k < rank; k++) src += idx[k] * in_strides[perm[k]];
    memcpy((char *)out[0].data + (size_t)i * esz, (const char *)in[0].data + (size_t)src * esz, esz);
    st_graph_next_index(rank, ot->u.shaped.dims, idx);
  }
  return true;
}

/* C[b, m, n] = sum_k A[b, m, k] * B[b, k, n], with batch broadcasting and
 * rank-1 operands promoted as numpy does. */
bool st_graph_interp_matmul(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *at = in[0].type, *bt = in[1].type, *ot = out[0].type, *elem = ot->u.shaped.elem;
  unsigned ra = at->u.shaped.rank, rb = bt->u.shaped.rank;
  int64_t M = ra > 1 ? at->u.shaped.dims[ra - 2] : 1, K = at->u.shaped.dims[ra - 1];
  int64_t N = rb > 1 ? bt->u.shaped.dims[rb - 1] : 1;
  /* Batch dims of the output and each operand's batch strides (in matrices). */
  unsigned rbatch = ot->u.shaped.rank - (ra > 1) - (rb > 1);
  const st_dim *bdims = ot->u.shaped.dims;
  int64_t sa[ST_MAX_RANK] = {0}, sb[ST_MAX_RANK] = {0}, idx[ST_MAX_RANK] = {0};
  int64_t s = 1;
  for (unsigned i = rbatch; i-- > 0;) {
    unsigned off = rbatch - (ra > 2 ? ra - 2 : 0);
    st_dim dim = i >= off ? at->u.shaped.dims[i - off] : 1;
    sa[i] = dim == 1 ? 0 : s;
    s *= dim;
  }
  s = 1;
  for (unsigned i = rbatch; i-- > 0;) {
    unsigned off = rbatch - (rb > 2 ? rb - 2 : 0);
    st_dim dim = i >= off ? bt->u.shaped.dims[i - off] : 1;
    sb[i] = dim == 1 ? 0 : s;
    s *= dim;
  }
  int64_t batches = 1;
  for (unsigned i = 0; i < rbatch; i++) batches *= bdims[i];
  bool is_float = st_type_is_float(elem);
  for (int64_t bi = 0; bi < batches; bi++) {
    int64_t a0 = 0, b0 = 0;
    for (unsigned k = 0; k < rbatch; k++) {
      a0 += idx[k] * sa[k];
      b0 += idx[k] * sb[k];
    }
    a0 *= M * K;
    b0 *= K * N;
    for (int64_t m = 0; m < M; m++)
      for (int64_t n = 0; n < N; n++) {
        double accf = 0;
        int64_t acci = 0;
        for (int64_t k = 0; k < K; k++) {
          int64_t ia = a0 + m * K + k, ib = b0 + k * N + n;
          if (is_float) accf += st_elem_load_f(elem, in[0].data, ia) * st_elem_load_f(elem, in[1].data, ib);
          else acci = (int64_t)((uint64_t)acci + (uint64_t)st_elem_load_i(elem, in[0].data, ia) *
                                                   (uint64_t)st_elem_load_i(elem, in[1].data, ib));
        }
        int64_t o = (bi * M + m) * N + n;
        if (is_float) st_elem_store_f(elem, out[0].data, o, accf);
        else st_elem_store_i(elem, out[0].data, o, acci);
      }
    st_graph_next_index(rbatch, bdims, idx);
  }
  return true;
}

bool st_graph_interp_gemm(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *at = in[0].type, *ot = out[0].type, *elem = ot->u.shaped.elem;
  bool ta = st_op_attr_int(op, "transA", 0) != 0, tb = st_op_attr_int(op, "transB", 0) != 0;
  double alpha = st_op_attr_float(op, "alpha", 1.0), beta = st_op_attr_float(op, "beta", 1.0);
  int64_t M = ot->u.shaped.dims[0], N = ot->u.shaped.dims[1], K = at->u.shaped.dims[ta ? 0 : 1];
  int64_t sc[2] = {0, 0};
  if (op->num_operands == 3) st_graph_bcast_strides(in[2].type, 2, ot->u.shaped.dims, sc);
  for (int64_t m = 0; m < M; m++)
    for (int64_t n = 0; n < N; n++) {
      double acc = 0;
      for (int64_t k = 0; k < K; k++) {
        int64_t ia = ta ? k * M + m : m * K + k, ib = tb ? n * K + k : k * N + n;
        acc += st_elem_load_f(elem, in[0].data, ia) * st_elem_load_f(elem, in[1].data, ib);
      }
      double r = alpha * acc;
      if (op->num_operands == 3) r += beta * st_elem_load_f(elem, in[2].data, m * sc[0] + n * sc[1]);
      st_elem_store_f(elem, out[0].data, m * N + n, r);
    }
  return true;
}

/* Direct N-D convolution: out[n, m, o...] = B[m] + sum over the group's
 * input channels c and kernel offsets k of X[n, c, o*s + k*dil - pad] * W[m, c, k]. */
bool st_graph_interp_conv(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_conv_geom g;
  if (!st_conv_params(op, &g, d)) return false;
  const st_type *xt = in[0].type, *wt = in[1].type, *ot = out[0].type, *elem = ot->u.shaped.elem;
  const st_dim *xd = xt->u.shaped.dims, *wd = wt->u.shaped.dims, *od = ot->u.shaped.dims;
  unsigned S = g.spatial;
  int64_t Cg = wd[1], Mg = wd[0] / g.group;
  int64_t in_sp = 1, out_sp = 1, k_sp = 1;
  for (unsigned i = 0; i < S; i++) {
    in_sp *= xd[i + 2];
    out_sp *= od[i + 2];
    k_sp *= wd[i + 2];
  }
  for (int64_t n = 0; n < od[0]; n++)
    for (int64_t m = 0; m < od[1]; m++) {
      int64_t grp = m / Mg;
      int64_t opos[ST_MAX_RANK] = {0};
      for (int64_t o = 0; o < out_sp; o++) {
        double acc = op->num_operands == 3 ? st_elem_load_f(elem, in[2].data, m) : 0.0;
        for (int64_t c = 0; c < Cg; c++) {
          int64_t kpos[ST_MAX_RANK] = {0};
          for (int64_t k = 0; k < k_sp; k++) {
            int64_t xoff = 0;
            bool inside = true;
            for (unsigned s = 0; s < S && inside; s++) {
              int64_t p = opos[s] * g.strides[s] + kpos[s] * g.dilations[s] - g.pads[s];
              inside = p >= 0 && p < xd[s + 2];
              xoff = xoff * xd[s + 2] + p;
            }
            if (inside) {
              int64_t xi = (n * xd[1] + grp * Cg + c) * in_sp + xoff;
              int64_t wi = (m * Cg + c) * k_sp + k;
              acc += st_elem_load_f(elem, in[0].data, xi) * st_elem_load_f(elem, in[1].data, wi);
            }
            st_graph_next_index(S, wd + 2, kpos);
          }
        }
        st_elem_store_f(elem, out[0].data, (n * od[1] + m) * out_sp + o, acc);
        st_graph_next_index(S, od + 2, opos);
      }
    }
  return true;
}
