/* Lower hooks of ops of recent sequence models: CausalConvWithState and
 * RotaryEmbedding, following their interpreters (graph_extra_attn.c,
 * graph_nn_attn.c) in f64.
 *
 * CausalConvWithState (x (B, C, L), w (C, 1, K), bias?, past_state?) reads
 * the sequence seq = past_state ++ x (zeros for an absent state): a
 * parallel nest over (b, c, t) sums bias + w[j] * seq[t + j] over j in f64,
 * where seq[p] is a select between the state (p < K - 1) and x, both loaded
 * at clamped indices; the sum is rounded to the element type and, for
 * silu / swish, read back and stored as y / (1 + exp(-y)).  The present
 * state is seq's last K - 1 elements, a second parallel nest.
 *
 * RotaryEmbedding (X, cos_cache, sin_cache, position_ids?) sees a 3-D input
 * (B, S, H * D) as (B, S, H, D) and the caches as rows of rot / 2: a
 * parallel nest over (b, s, h, k < rot / 2) rotates the pair (k, k + rot/2),
 * or (2k, 2k + 1) when interleaved, by the cache row (position_ids[b, s],
 * else b * S + s); a second nest copies the dims from rot on.  A position
 * outside the cache (the interpreter's error) is clamped into it. */
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"

/* ---- CausalConvWithState ---- */

/* seq[b, c, p] of elem type: p < K - 1 reads the state (or 0), else x[p - (K - 1)]. */
static st_value *st_cc_seq(st_lower_ctx *lc, st_builder *b, st_value *x, st_value *past, int64_t K,
                           st_value *const *bc, st_value *p) {
  const st_type *elem = x->type->u.shaped.elem;
  st_value *km1 = st_lower_index(lc, K - 1), *zero = st_lower_index(lc, 0);
  st_value *in_past = st_lower_cmp(b, &st_arith_cmpi_def, "ult", p, km1);
  st_value *xi[3] = {bc[0], bc[1], st_lower_select(b, in_past, zero, st_lower_binary(b, &st_arith_subi_def, p, km1))};
  st_value *xv = st_lower_load(b, x, xi);
  if (K == 1) return xv;
  st_value *pv;
  if (past) {
    st_value *pi[3] = {bc[0], bc[1], st_lower_select(b, in_past, p, zero)};
    pv = st_lower_load(b, past, pi);
  } else {
    pv = st_lower_const(b, elem, 0);
  }
  return st_lower_select(b, in_past, pv, xv);
}

bool st_graph_lower_causal_conv(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  const st_type *yt = op->results[0].type, *elem = yt->u.shaped.elem, *f64 = st_type_scalar(ctx, ST_TY_F64);
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  const char *act = st_op_attr_str(op, "activation");
  bool silu = act && strcmp(act, "none") != 0;
  const st_dim *xd = yt->u.shaped.dims;
  int64_t L = xd[2], K = lc->inputs[1]->type->u.shaped.dims[2];
  st_value *x = lc->inputs[0], *w = lc->inputs[1];
  st_value *bias = st_graph_has_operand(op, 2) ? lc->inputs[2] : NULL;
  st_value *past = st_graph_has_operand(op, 3) ? lc->inputs[3] : NULL;
  st_value *dst = st_lower_result(lc, 0), *state = dst ? st_lower_result(lc, 1) : NULL, *ivs[3], *j;
  if (!state) return false;
  /* out[b, c, t] */
  st_builder in = st_lower_loops(lc, &lc->b, 3, xd, true, ivs);
  st_value *acc = in.block ? st_lower_alloca(&in, f64) : NULL;
  if (!acc) return false;
  st_value *init = bias ? st_lower_cast(&in, st_lower_load(&in, bias, &ivs[1]), f64) : st_lower_const(&in, f64, 0);
  if (!st_lower_store(&in, init, acc, NULL)) return false;
  st_dim kd = K;
  st_builder lj = st_lower_loops(lc, &in, 1, &kd, false, &j);
  if (!lj.block) return false;
  st_value *wi[3] = {ivs[1], st_lower_index(lc, 0), j};
  st_value *s = st_cc_seq(lc, &lj, x, past, K, ivs, st_lower_binary(&lj, &st_arith_addi_def, ivs[2], j));
  st_value *prod = st_lower_binary(&lj, &st_arith_mulf_def, st_lower_cast(&lj, st_lower_load(&lj, w, wi), f64),
                                   st_lower_cast(&lj, s, f64));
  if (!st_lower_store(&lj, st_lower_binary(&lj, &st_arith_addf_def, st_lower_load(&lj, acc, NULL), prod), acc, NULL))
    return false;
  st_value *y = st_lower_cast(&in, st_lower_load(&in, acc, NULL), elem); /* rounded before the activation */
  if (silu) {
    st_value *y64 = st_lower_cast(&in, y, f64);
    st_value *e = st_lower_math(&in, "exp", st_lower_math(&in, "neg", y64, NULL), NULL);
    y = st_lower_cast(&in, st_lower_binary(&in, &st_arith_divf_def, y64,
                                           st_lower_binary(&in, &st_arith_addf_def, st_lower_const(&in, f64, 1), e)),
                      elem);
  }
  if (!st_lower_store(&in, y, dst, ivs)) return false;
  /* present_state[b, c, j] = seq[L + j] */
  if (K == 1) return true;
  st_dim sd[3] = {xd[0], xd[1], K - 1};
  st_builder ls = st_lower_loops(lc, &lc->b, 3, sd, true, ivs);
  if (!ls.block) return false;
  st_value *v = st_cc_seq(lc, &ls, x, past, K, ivs, st_lower_binary(&ls, &st_arith_addi_def, ivs[2], st_lower_index(lc, L)));
  return st_lower_store(&ls, v, state, ivs);
}

/* ---- RotaryEmbedding ---- */

bool st_graph_lower_rotary(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  const st_type *xt = op->results[0].type, *elem = xt->u.shaped.elem, *f64 = st_type_scalar(ctx, ST_TY_F64);
  const st_type *index = st_type_scalar(ctx, ST_TY_INDEX);
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  bool four_d = xt->u.shaped.rank == 4, interleaved = st_op_attr_int(op, "interleaved", 0) != 0;
  bool has_pos = st_graph_has_operand(op, 3);
  const st_dim *xd = xt->u.shaped.dims;
  int64_t B = xd[0], H, S, D;
  if (four_d) {
    H = xd[1], S = xd[2], D = xd[3];
  } else {
    H = st_op_attr_int(op, "num_heads", 0);
    if (H <= 0 || xd[2] % H) return st_graph_lower_fail(op, d, "needs num_heads dividing the hidden size");
    S = xd[1], D = xd[2] / H;
  }
  int64_t rot = st_op_attr_int(op, "rotary_embedding_dim", 0);
  if (rot == 0) rot = D;
  int64_t half = rot / 2;
  const st_type *ct = lc->inputs[1]->type;
  int64_t rows = half ? st_type_num_elements(ct) / half : 0;
  if (!has_pos && rows != B * S) return st_graph_lower_fail(op, d, "without position_ids needs caches of shape (B, S, rot/2)");
  if (has_pos && st_type_num_elements(lc->inputs[3]->type) != B * S)
    return st_graph_lower_fail(op, d, "expects position_ids of shape (B, S)");
  /* X and Y as (B, S, H, D) or (B, H, S, D); the caches as (rows, half); position_ids as (B, S). */
  st_dim x4[4] = {B, S, H, D}, cd[2] = {rows, half}, pd[2] = {B, S};
  st_value *dst = st_lower_result(lc, 0);
  if (!dst) return false;
  st_value *x = four_d ? lc->inputs[0] : st_lower_view(lc, lc->inputs[0], 4, x4);
  st_value *y = four_d ? dst : st_lower_view(lc, dst, 4, x4);
  st_value *cosc = st_lower_view(lc, lc->inputs[1], 2, cd), *sinc = st_lower_view(lc, lc->inputs[2], 2, cd);
  st_value *pos = has_pos ? st_lower_view(lc, lc->inputs[3], 2, pd) : NULL;
  if (!x || !y || !cosc || !sinc || (has_pos && !pos)) return false;
  st_value *ivs[4], *xi[4];
  /* the rotated pairs, over (b, s, h, k) */
  st_dim ld[4] = {B, S, H, half};
  st_builder in = st_lower_loops(lc, &lc->b, 4, ld, true, ivs);
  if (!in.block) return false;
  st_value *b = ivs[0], *s = ivs[1], *h = ivs[2], *k = ivs[3], *row;
  if (has_pos) {
    st_value *p = st_lower_cast(&in, st_lower_load(&in, pos, ivs), index);
    st_value *lo = st_lower_index(lc, 0), *hi = st_lower_index(lc, rows - 1);
    p = st_lower_select(&in, st_lower_cmp(&in, &st_arith_cmpi_def, "slt", p, lo), lo, p);
    row = st_lower_select(&in, st_lower_cmp(&in, &st_arith_cmpi_def, "sgt", p, hi), hi, p);
  } else {
    row = st_lower_binary(&in, &st_arith_addi_def, st_lower_binary(&in, &st_arith_muli_def, b, st_lower_index(lc, S)), s);
  }
  st_value *ci[2] = {row, k};
  st_value *c = st_lower_cast(&in, st_lower_load(&in, cosc, ci), f64);
  st_value *sn = st_lower_cast(&in, st_lower_load(&in, sinc, ci), f64);
  st_value *i1, *i2;
  if (interleaved) {
    i1 = st_lower_binary(&in, &st_arith_muli_def, k, st_lower_index(lc, 2));
    i2 = st_lower_binary(&in, &st_arith_addi_def, i1, st_lower_index(lc, 1));
  } else {
    i1 = k;
    i2 = st_lower_binary(&in, &st_arith_addi_def, k, st_lower_index(lc, half));
  }
  st_value *at1[4], *at2[4];
  for (unsigned q = 0; q < 3; q++) at1[q] = at2[q] = q == 0 ? b : q == 1 ? (four_d ? h : s) : (four_d ? s : h);
  at1[3] = i1, at2[3] = i2;
  st_value *x1 = st_lower_cast(&in, st_lower_load(&in, x, at1), f64);
  st_value *x2 = st_lower_cast(&in, st_lower_load(&in, x, at2), f64);
  st_value *y1 = st_lower_binary(&in, &st_arith_subf_def, st_lower_binary(&in, &st_arith_mulf_def, c, x1),
                                 st_lower_binary(&in, &st_arith_mulf_def, sn, x2));
  st_value *y2 = st_lower_binary(&in, &st_arith_addf_def, st_lower_binary(&in, &st_arith_mulf_def, sn, x1),
                                 st_lower_binary(&in, &st_arith_mulf_def, c, x2));
  if (!st_lower_store(&in, st_lower_cast(&in, y1, elem), y, at1) ||
      !st_lower_store(&in, st_lower_cast(&in, y2, elem), y, at2))
    return false;
  if (rot == D) return true;
  /* the dims from rot on pass through */
  st_dim pd4[4] = {x4[0], x4[1], x4[2], D - rot};
  if (four_d) pd4[1] = H, pd4[2] = S;
  st_builder cp = st_lower_loops(lc, &lc->b, 4, pd4, true, ivs);
  if (!cp.block) return false;
  for (unsigned q = 0; q < 3; q++) xi[q] = ivs[q];
  xi[3] = st_lower_binary(&cp, &st_arith_addi_def, ivs[3], st_lower_index(lc, rot));
  return st_lower_store(&cp, st_lower_load(&cp, x, xi), y, xi);
}
