/* Lower hooks of the contractions: matmul (numpy batching), gemm and N-D
 * convolution (NCHW, groups, strides, pads, dilations).
 *
 * Each is a parallel nest over the result and, inside it, a sequential nest
 * over the reduced dims accumulating into a rank-0 mem.alloca, which LLVM
 * promotes to a register.  Convolution borders read a clamped index and
 * select zero outside the input, so no load ever leaves its buffer and the
 * loop bodies need no control flow.  These are the plain loops; tiling and
 * vectorization are later passes. */
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

bool st_graph_lower_conv(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_conv_geom g;
  if (!st_conv_params(op, &g, d)) return false;
  const st_type *out = op->results[0].type, *elem = out->u.shaped.elem;
  const st_op_def *add = st_lower_arith_for(elem, 'a'), *mul = st_lower_arith_for(elem, 'm');
  if (!add || !st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  st_value *X = lc->inputs[0], *W = lc->inputs[1], *Bias = op->num_operands > 2 ? lc->inputs[2] : NULL;
  const st_dim *xd = X->type->u.shaped.dims, *wd = W->type->u.shaped.dims;
  unsigned sp = g.spatial;
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *ks[ST_MAX_RANK], *acc;
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, 2 + sp, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  /* Reduced dims: input channels of the group, then the kernel window. */
  st_builder red = st_open_reduction(lc, &in, elem, 1 + sp, wd + 1, ks, &acc);
  if (!red.block) return false;
  st_value *ic = ks[0];
  if (g.group > 1) {
    st_value *grp = st_lower_binary(&red, &st_arith_divsi_def, ivs[1], st_lower_index(lc, wd[0] / g.group));
    ic = st_lower_binary(&red, &st_arith_addi_def, st_lower_binary(&red, &st_arith_muli_def, grp,
                                                                   st_lower_index(lc, wd[1])), ks[0]);
  }
  st_value *xi[ST_MAX_RANK] = {ivs[0], ic}, *wi[ST_MAX_RANK] = {ivs[1], ks[0]}, *inside = NULL;
  for (unsigned s = 0; s < sp; s++) {
    st_value *pos = st_conv_input_index(lc, &red, ivs[2 + s], ks[1 + s], g.strides[s], g.dilations[s], g.pads[s]);
    wi[2 + s] = ks[1 + s];
    xi[2 + s] = pos;
    if (!g.pads[s] && !g.pads[s + sp]) continue; /* shape inference keeps unpadded positions inside */
    /* Unsigned compare: a negative position wraps to a huge index. */
    st_value *ok = st_lower_cmp(&red, &st_arith_cmpi_def, "ult", pos, st_lower_index(lc, xd[2 + s]));
    xi[2 + s] = st_lower_select(&red, ok, pos, st_lower_index(lc, 0));
    inside = inside ? st_lower_binary(&red, &st_arith_andi_def, inside, ok) : ok;
  }
  st_value *x = st_lower_load(&red, X, xi);
  if (inside) x = st_lower_select(&red, inside, x, st_lower_const(&red, elem, 0));
  st_value *p = st_lower_binary(&red, mul, x, st_lower_load(&red, W, wi));
  if (!st_accumulate(&red, add, acc, p)) return false;
  st_value *y = st_lower_load(&in, acc, NULL);
  if (Bias) y = st_lower_binary(&in, add, y, st_lower_load(&in, Bias, &ivs[1]));
  return st_lower_store(&in, y, dst, ivs);
}
