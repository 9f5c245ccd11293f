/* Lower hooks of pooling: max and average pooling over sliding windows and
 * their global forms.
 *
 * Like convolution, a parallel nest over the result holds a sequential nest
 * over the window, accumulating into a rank-0 mem.alloca.  A position in
 * the padding (or, with ceil_mode, past the input's end) is found with one
 * unsigned compare, its index clamped so the load stays inside the buffer,
 * and its value replaced by the reduction's identity (-inf for max, 0 for
 * the sum).  Average pooling divides by the window's size when no window
 * can leave the input; otherwise it counts, per window, the positions
 * inside the input (or, with count_include_pad, inside the padded input).
 * LpPool sums |x|^p (a padded position adds 0) and takes the p-th root.
 * Max pooling also takes integer elements (from the type's lowest value)
 * and returns MaxPool's Indices: an i64 scratch holds the flat input index
 * of the first inside element, then of each strictly greater one, as the
 * interpreter (-1 for a window wholly in the padding).
 * The window geometry is read back from the attributes and the result's
 * type, which shape inference already checked. */
#include <math.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_nn.h"

typedef struct st_lpool {
  unsigned sp;
  int64_t in[ST_MAX_RANK], out[ST_MAX_RANK], kernel[ST_MAX_RANK], strides[ST_MAX_RANK], dil[ST_MAX_RANK];
  int64_t pad_begin[ST_MAX_RANK], pad_end[ST_MAX_RANK];
  bool check[ST_MAX_RANK]; /* some window of this dim leaves the input */
} st_lpool;

static bool st_lpool_geom(st_op *op, bool global, st_lpool *g, st_diag *d) {
  const st_type *x = st_op_operand(op, 0)->type, *y = op->results[0].type;
  unsigned sp = g->sp = x->u.shaped.rank - 2;
  int64_t pads[2 * ST_MAX_RANK];
  for (unsigned s = 0; s < sp; s++) {
    g->in[s] = x->u.shaped.dims[2 + s];
    g->out[s] = y->u.shaped.dims[2 + s];
  }
  if (global) {
    for (unsigned s = 0; s < sp; s++) {
      g->kernel[s] = g->in[s];
      g->strides[s] = g->dil[s] = 1;
      g->pad_begin[s] = g->pad_end[s] = 0;
      g->check[s] = false;
    }
    return true;
  }
  if (!st_graph_int_array(op, "kernel_shape", sp, 1, g->kernel, d) ||
      !st_graph_int_array(op, "strides", sp, 1, g->strides, d) || !st_graph_int_array(op, "dilations", sp, 1, g->dil, d) ||
      !st_graph_int_array(op, "pads", 2 * sp, 0, pads, d))
    return false;
  int ap = st_graph_auto_pad(op, d);
  if (ap < 0) return false;
  bool upper = ap == ST_AUTO_PAD_SAME_UPPER, same = upper || ap == ST_AUTO_PAD_SAME_LOWER, valid = ap == ST_AUTO_PAD_VALID;
  for (unsigned s = 0; s < sp; s++) {
    int64_t span = g->dil[s] * (g->kernel[s] - 1) + 1;
    g->pad_begin[s] = same || valid ? 0 : pads[s];
    g->pad_end[s] = same || valid ? 0 : pads[s + sp];
    if (same) {
      int64_t total = (g->out[s] - 1) * g->strides[s] + span - g->in[s];
      if (total < 0) total = 0;
      g->pad_begin[s] = upper ? total / 2 : total - total / 2;
      g->pad_end[s] = total - g->pad_begin[s];
    }
    g->check[s] = g->pad_begin[s] > 0 || (g->out[s] - 1) * g->strides[s] - g->pad_begin[s] + span > g->in[s];
  }
  return true;
}

typedef enum st_lpool_kind { ST_LPOOL_MAX, ST_LPOOL_AVG, ST_LPOOL_LP } st_lpool_kind;

/* MaxPool's index of input position q (inside) of plane (n, c), as i64:
 * (n * C + c) * plane + the offset of q in the plane, row-major or (with
 * storage_order = 1) column-major. */
static st_value *st_pool_flat_index(st_lower_ctx *lc, st_builder *b, st_op *op, const st_lpool *g, st_value *const *ivs,
                                    st_value *const *q) {
  const st_dim *xd = st_op_operand(op, 0)->type->u.shaped.dims;
  bool col_major = st_op_attr_int(op, "storage_order", 0) != 0;
  int64_t plane = 1;
  st_value *off = NULL;
  for (unsigned k = 0; k < g->sp; k++) {
    unsigned s = col_major ? g->sp - 1 - k : k; /* Horner from the slowest-varying dim */
    if (off) off = st_lower_binary(b, &st_arith_muli_def, off, st_lower_index(lc, g->in[s]));
    off = off ? st_lower_binary(b, &st_arith_addi_def, off, q[s]) : q[s];
    plane *= g->in[s];
  }
  st_value *nc = st_lower_binary(b, &st_arith_muli_def, ivs[0], st_lower_index(lc, xd[1]));
  nc = st_lower_binary(b, &st_arith_addi_def, nc, ivs[1]);
  st_value *flat = st_lower_binary(b, &st_arith_muli_def, nc, st_lower_index(lc, plane));
  flat = st_lower_binary(b, &st_arith_addi_def, flat, off);
  return flat ? st_lower_op(b, &st_arith_cast_def, 1, &flat, st_type_scalar(b->module->ctx, ST_TY_I64)) : NULL;
}

static bool st_lower_pool(st_op *op, st_lower_ctx *lc, st_diag *d, st_lpool_kind kind, bool global) {
  const st_type *xt = st_op_operand(op, 0)->type, *out = op->results[0].type, *elem = out->u.shaped.elem;
  bool is_float = st_type_is_float(elem);
  if (!st_lower_arith_for(elem, 'a') || (!is_float && kind != ST_LPOOL_MAX))
    return st_graph_lower_fail(op, d, "element type not supported yet");
  if (xt->u.shaped.rank < 3 || xt->u.shaped.rank > ST_MAX_RANK) return st_graph_lower_fail(op, d, "expects (N, C, spatial...)");
  bool want_idx = kind == ST_LPOOL_MAX && op->num_results > 1 && op->results[1].type->kind == ST_TY_TENSOR;
  st_lpool g;
  if (!st_lpool_geom(op, global, &g, d)) return false;
  bool include_pad = st_op_attr_int(op, "count_include_pad", 0) != 0, any_check = false;
  int64_t window = 1;
  for (unsigned s = 0; s < g.sp; s++) any_check |= g.check[s], window *= g.kernel[s];
  st_value *X = lc->inputs[0], *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *ks[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, out->u.shaped.rank, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  /* max starts from the element type's lowest value */
  unsigned w = st_type_bit_width(elem);
  double identity = 0.0;
  if (kind == ST_LPOOL_MAX) identity = is_float ? -INFINITY : st_type_is_unsigned(elem) ? 0.0 : -ldexp(1.0, (int)w - 1);
  const char *greater = is_float ? "ogt" : st_type_is_unsigned(elem) ? "ugt" : "sgt";
  int64_t p = st_op_attr_int(op, "p", 2);
  bool count = kind == ST_LPOOL_AVG && any_check;
  const st_type *i64 = st_type_scalar(in.module->ctx, ST_TY_I64);
  st_value *acc = st_lower_alloca(&in, elem), *cnt = count ? st_lower_alloca(&in, elem) : NULL;
  st_value *best = want_idx ? st_lower_alloca(&in, i64) : NULL, *idx_dst = want_idx ? st_lower_result(lc, 1) : NULL;
  const st_type *i1 = st_type_scalar(in.module->ctx, ST_TY_I1);
  st_value *seen = kind == ST_LPOOL_MAX ? st_lower_alloca(&in, i1) : NULL;
  if (kind == ST_LPOOL_MAX && (!seen || !st_lower_store(&in, st_lower_const(&in, i1, 0), seen, NULL))) return false;
  if (!acc || !st_lower_store(&in, st_lower_const(&in, elem, identity), acc, NULL) ||
      (count && !st_lower_store(&in, st_lower_const(&in, elem, 0), cnt, NULL)) ||
      (want_idx && (!idx_dst || !st_lower_store(&in, st_lower_const(&in, i64, -1), best, NULL))))
    return false;
  st_builder red = st_lower_loops(lc, &in, g.sp, g.kernel, false, ks);
  if (!red.block) return false;
  st_value *xi[ST_MAX_RANK] = {ivs[0], ivs[1]}, *inside = NULL, *in_pad = NULL, *q[ST_MAX_RANK];
  for (unsigned s = 0; s < g.sp; s++) {
    st_value *o = ivs[2 + s], *k = ks[s];
    if (g.strides[s] != 1) o = st_lower_binary(&red, &st_arith_muli_def, o, st_lower_index(lc, g.strides[s]));
    if (g.dil[s] != 1) k = st_lower_binary(&red, &st_arith_muli_def, k, st_lower_index(lc, g.dil[s]));
    st_value *pos = st_lower_binary(&red, &st_arith_addi_def, o, k);
    if (g.pad_begin[s]) pos = st_lower_binary(&red, &st_arith_subi_def, pos, st_lower_index(lc, g.pad_begin[s]));
    xi[2 + s] = q[s] = pos;
    if (!g.check[s]) continue;
    /* Unsigned compare: a position in the begin padding wraps to a huge index. */
    st_value *ok = st_lower_cmp(&red, &st_arith_cmpi_def, "ult", pos, st_lower_index(lc, g.in[s]));
    xi[2 + s] = st_lower_select(&red, ok, pos, st_lower_index(lc, 0));
    inside = inside ? st_lower_binary(&red, &st_arith_andi_def, inside, ok) : ok;
    if (count && include_pad) {
      st_value *p = st_lower_cmp(&red, &st_arith_cmpi_def, "slt", pos, st_lower_index(lc, g.in[s] + g.pad_end[s]));
      in_pad = in_pad ? st_lower_binary(&red, &st_arith_andi_def, in_pad, p) : p;
    }
  }
  st_value *x = st_lower_load(&red, X, xi), *a = st_lower_load(&red, acc, NULL);
  if (inside) x = st_lower_select(&red, inside, x, st_lower_const(&red, elem, identity));
  if (kind == ST_LPOOL_LP) /* |x|^p; a padded position is 0 */
    x = p == 2 ? st_lower_binary(&red, &st_arith_mulf_def, x, x)
        : p == 1 ? st_lower_math(&red, "abs", x, NULL)
                 : st_lower_math(&red, "pow", st_lower_math(&red, "abs", x, NULL), st_lower_const(&red, elem, (double)p));
  st_value *next;
  if (kind != ST_LPOOL_MAX) {
    next = st_lower_binary(&red, st_lower_arith_for(elem, 'a'), a, x);
  } else {
    /* as the interpreter: the first inside element (even a NaN), then
     * strictly greater ones; a window with no inside element gives 0 */
    st_value *take = st_lower_cmp(&red, is_float ? &st_arith_cmpf_def : &st_arith_cmpi_def, greater, x, a);
    st_value *was = st_lower_load(&red, seen, NULL);
    take = st_lower_binary(&red, &st_arith_ori_def, take, st_lower_binary(&red, &st_arith_xori_def, was, st_lower_const(&red, i1, 1)));
    if (inside) take = st_lower_binary(&red, &st_arith_andi_def, take, inside);
    if (want_idx) {
      st_value *b = st_lower_load(&red, best, NULL), *flat = st_pool_flat_index(lc, &red, op, &g, ivs, q);
      if (!st_lower_store(&red, st_lower_select(&red, take, flat, b), best, NULL)) return false;
    }
    if (!st_lower_store(&red, inside ? st_lower_binary(&red, &st_arith_ori_def, was, inside) : st_lower_const(&red, i1, 1),
                        seen, NULL))
      return false;
    next = st_lower_select(&red, take, x, a);
  }
  if (!st_lower_store(&red, next, acc, NULL)) return false;
  if (count) {
    st_value *one = st_lower_const(&red, elem, 1), *zero = st_lower_const(&red, elem, 0);
    st_value *c = include_pad ? (in_pad ? st_lower_select(&red, in_pad, one, zero) : one)
                              : (inside ? st_lower_select(&red, inside, one, zero) : one);
    if (!st_lower_store(&red, st_lower_binary(&red, &st_arith_addf_def, st_lower_load(&red, cnt, NULL), c), cnt, NULL))
      return false;
  }
  st_value *y = st_lower_load(&in, acc, NULL);
  if (kind == ST_LPOOL_MAX) y = st_lower_select(&in, st_lower_load(&in, seen, NULL), y, st_lower_const(&in, elem, 0));
  if (kind == ST_LPOOL_AVG)
    y = st_lower_binary(&in, &st_arith_divf_def, y,
                        count ? st_lower_load(&in, cnt, NULL) : st_lower_const(&in, elem, (double)window));
  if (kind == ST_LPOOL_LP && p != 1)
    y = p == 2 ? st_lower_math(&in, "sqrt", y, NULL) : st_lower_math(&in, "pow", y, st_lower_const(&in, elem, 1.0 / (double)p));
  if (want_idx && !st_lower_store(&in, st_lower_load(&in, best, NULL), idx_dst, ivs)) return false;
  return st_lower_store(&in, y, dst, ivs);
}

bool st_graph_lower_max_pool(st_op *op, st_lower_ctx *lc, st_diag *d) {
  return st_lower_pool(op, lc, d, ST_LPOOL_MAX, false);
}
bool st_graph_lower_average_pool(st_op *op, st_lower_ctx *lc, st_diag *d) {
  return st_lower_pool(op, lc, d, ST_LPOOL_AVG, false);
}
bool st_graph_lower_lp_pool(st_op *op, st_lower_ctx *lc, st_diag *d) {
  return st_lower_pool(op, lc, d, ST_LPOOL_LP, false);
}
bool st_graph_lower_global_max_pool(st_op *op, st_lower_ctx *lc, st_diag *d) {
  return st_lower_pool(op, lc, d, ST_LPOOL_MAX, true);
}
bool st_graph_lower_global_average_pool(st_op *op, st_lower_ctx *lc, st_diag *d) {
  return st_lower_pool(op, lc, d, ST_LPOOL_AVG, true);
}
bool st_graph_lower_global_lp_pool(st_op *op, st_lower_ctx *lc, st_diag *d) {
  return st_lower_pool(op, lc, d, ST_LPOOL_LP, true);
}
