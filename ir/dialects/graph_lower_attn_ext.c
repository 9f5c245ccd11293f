/* Lower hooks of the recent attention-style ops of graph_extra_attn.c:
 * LinearAttention and the two halves of FlexAttention.  Arithmetic runs in
 * f64, as the interpreter's, and rounds once to the result type.
 *
 * - graph.linear_attention: a parallel nest over (batch, kv head); each
 *   iteration owns a d_k x d_v f64 state slice (and a d_v token row) of a
 *   workspace buffer, starts it from past_state (or zeros) and walks the T
 *   tokens sequentially: S *= exp(decay) (gated rules, one decay per kv head
 *   or per key row), v' = beta * (v - Sᵀk) (delta rules), S += k v'ᵀ, then
 *   each query head of the group writes scale * qᵀS.  The state is copied to
 *   present_state at the end.  3-D (B, T, heads * dim) operands are viewed
 *   as (B, T, heads, dim), so a head is one more index.
 * - graph.flex_scores: scale * q . k per (b, h, l, s), key head h / (H / Hkv),
 *   stored in the softmax's type.
 * - graph.flex_apply: sum_s p[s] * v[s, :] per (b, h, l, feature), value head
 *   h / (H / Hkv), stored in V's type. */
#include <math.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"

/* *acc += x * y, all f64. */
static bool st_ax_mac(st_builder *b, st_value *acc, st_value *x, st_value *y) {
  st_value *p = st_lower_binary(b, &st_arith_mulf_def, x, y);
  return st_lower_store(b, st_lower_binary(b, &st_arith_addf_def, st_lower_load(b, acc, NULL), p), acc, NULL);
}

static st_value *st_ax_operand(st_lower_ctx *lc, unsigned i) { return lc->num_inputs > i ? lc->inputs[i] : NULL; }

/* ---- graph.linear_attention: query, key, value, [past_state], [decay], [beta] ---- */

typedef struct st_lx {
  int64_t B, T, Hq, Hkv, dk, dv, group;
  bool gated, delta, per_key_decay, beta_per_head;
  double scale;
} st_lx;

static bool st_lx_geom(st_op *op, st_lower_ctx *lc, st_lx *g) {
  const char *rule = st_op_attr_str(op, "update_rule");
  if (!rule) rule = "gated_delta";
  g->gated = !strcmp(rule, "gated") || !strcmp(rule, "gated_delta");
  g->delta = !strcmp(rule, "delta") || !strcmp(rule, "gated_delta");
  g->Hq = st_op_attr_int(op, "q_num_heads", 0);
  g->Hkv = st_op_attr_int(op, "kv_num_heads", 0);
  if (g->Hq <= 0 || g->Hkv <= 0 || g->Hq % g->Hkv) return false;
  const st_dim *qd = lc->inputs[0]->type->u.shaped.dims, *vd = lc->inputs[2]->type->u.shaped.dims;
  g->B = qd[0], g->T = qd[1], g->dk = qd[2] / g->Hq, g->dv = vd[2] / g->Hkv, g->group = g->Hq / g->Hkv;
  st_value *decay = st_ax_operand(lc, 4), *beta = st_ax_operand(lc, 5);
  if (g->gated != (decay != NULL) || g->delta != (beta != NULL)) return false;
  g->per_key_decay = decay && decay->type->u.shaped.dims[2] != g->Hkv;
  g->beta_per_head = beta && beta->type->u.shaped.dims[2] == g->Hkv && g->Hkv != 1;
  double s = st_op_attr_float(op, "scale", 0);
  g->scale = s != 0 ? s : 1 / sqrt((double)g->dk);
  return true;
}

bool st_graph_lower_linear_attention(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  st_lx g;
  if (!st_lx_geom(op, lc, &g)) return st_graph_lower_fail(op, d, "unexpected geometry");
  const st_type *f64 = st_type_scalar(ctx, ST_TY_F64);
  st_value *odst = st_lower_result(lc, 0), *pdst = odst ? st_lower_result(lc, 1) : NULL;
  if (!pdst) return false;
  const st_type *oe = odst->type->u.shaped.elem, *pe = pdst->type->u.shaped.elem;
  st_dim qd[4] = {g.B, g.T, g.Hq, g.dk}, kd[4] = {g.B, g.T, g.Hkv, g.dk}, vd[4] = {g.B, g.T, g.Hkv, g.dv};
  st_dim od[4] = {g.B, g.T, g.Hq, g.dv}, sd[4] = {g.B, g.Hkv, g.dk, g.dv}, td[3] = {g.B, g.Hkv, g.dv};
  st_value *q = st_lower_view(lc, lc->inputs[0], 4, qd), *k = st_lower_view(lc, lc->inputs[1], 4, kd);
  st_value *v = st_lower_view(lc, lc->inputs[2], 4, vd), *out = st_lower_view(lc, odst, 4, od);
  st_value *past = st_ax_operand(lc, 3), *decay = st_ax_operand(lc, 4), *beta = st_ax_operand(lc, 5);
  if (g.per_key_decay) decay = st_lower_view(lc, decay, 4, kd);
  st_value *S = st_lower_alloc(lc, f64, 4, sd), *vt = S ? st_lower_alloc(lc, f64, 3, td) : NULL;
  if (!q || !k || !v || !out || !vt || (g.per_key_decay && !decay)) return false;

  /* ---- per (b, kv head) ---- */
  st_value *ivs[2], *i, *m, *t, *jh, *idx[4];
  st_builder in = st_lower_loops(lc, &lc->b, 2, sd, true, ivs);
  if (!in.block) return false;
  st_value *b = ivs[0], *hk = ivs[1], *zero = st_lower_const(&in, f64, 0);
  st_value *acc = st_lower_alloca(&in, f64);
  if (!acc) return false;
  /* S = past_state or 0 */
  st_builder li = st_lower_loops(lc, &in, 1, &g.dk, false, &i), lm = st_lower_loops(lc, &li, 1, &g.dv, false, &m);
  if (!lm.block) return false;
  st_value *si[4] = {b, hk, i, m};
  if (!st_lower_store(&lm, past ? st_lower_cast(&lm, st_lower_load(&lm, past, si), f64) : zero, S, si)) return false;

  st_builder lt = st_lower_loops(lc, &in, 1, &g.T, false, &t);
  if (!lt.block) return false;
  /* S *= exp(decay) */
  if (g.gated) {
    li = st_lower_loops(lc, &lt, 1, &g.dk, false, &i);
    if (!li.block) return false;
    st_value *di[4] = {b, t, hk, i};
    st_value *e = st_lower_math(&li, "exp", st_lower_cast(&li, st_lower_load(&li, decay, di), f64), NULL);
    lm = st_lower_loops(lc, &li, 1, &g.dv, false, &m);
    if (!lm.block) return false;
    si[2] = i, si[3] = m;
    if (!st_lower_store(&lm, st_lower_binary(&lm, &st_arith_mulf_def, st_lower_load(&lm, S, si), e), S, si))
      return false;
  }
  /* v' = v, or beta * (v - Sᵀk) for the delta rules */
  lm = st_lower_loops(lc, &lt, 1, &g.dv, false, &m);
  if (!lm.block) return false;
  st_value *ti[3] = {b, hk, m};
  idx[0] = b, idx[1] = t, idx[2] = hk, idx[3] = m;
  st_value *vv = st_lower_cast(&lm, st_lower_load(&lm, v, idx), f64);
  if (g.delta) {
    st_value *zi = st_lower_index(lc, 0), *bi[3] = {b, t, g.beta_per_head ? hk : zi};
    st_value *bv = st_lower_cast(&lm, st_lower_load(&lm, beta, bi), f64);
    if (!st_lower_store(&lm, zero, acc, NULL)) return false;
    li = st_lower_loops(lc, &lm, 1, &g.dk, false, &i);
    if (!li.block) return false;
    si[2] = i, si[3] = m;
    idx[3] = i;
    if (!st_ax_mac(&li, acc, st_lower_load(&li, S, si), st_lower_cast(&li, st_lower_load(&li, k, idx), f64)))
      return false;
    vv = st_lower_binary(&lm, &st_arith_mulf_def, bv,
                         st_lower_binary(&lm, &st_arith_subf_def, vv, st_lower_load(&lm, acc, NULL)));
  }
  if (!st_lower_store(&lm, vv, vt, ti)) return false;
  /* S += k v'ᵀ */
  li = st_lower_loops(lc, &lt, 1, &g.dk, false, &i);
  if (!li.block) return false;
  idx[3] = i;
  st_value *kv = st_lower_cast(&li, st_lower_load(&li, k, idx), f64);
  lm = st_lower_loops(lc, &li, 1, &g.dv, false, &m);
  if (!lm.block) return false;
  si[2] = i, si[3] = m, ti[2] = m;
  if (!st_lower_store(&lm, st_lower_binary(&lm, &st_arith_addf_def, st_lower_load(&lm, S, si),
                                           st_lower_binary(&lm, &st_arith_mulf_def, kv, st_lower_load(&lm, vt, ti))),
                      S, si))
    return false;
  /* out[b, t, h, :] = scale * qᵀS for the group's query heads h */
  st_builder lj = st_lower_loops(lc, &lt, 1, &g.group, false, &jh);
  if (!lj.block) return false;
  st_value *h = hk;
  if (g.group > 1) {
    st_value *first = st_lower_binary(&lj, &st_arith_muli_def, hk, st_lower_index(lc, g.group));
    h = st_lower_binary(&lj, &st_arith_addi_def, first, jh);
  }
  lm = st_lower_loops(lc, &lj, 1, &g.dv, false, &m);
  if (!lm.block || !st_lower_store(&lm, zero, acc, NULL)) return false;
  li = st_lower_loops(lc, &lm, 1, &g.dk, false, &i);
  if (!li.block) return false;
  st_value *qi[4] = {b, t, h, i};
  si[2] = i, si[3] = m;
  if (!st_ax_mac(&li, acc, st_lower_cast(&li, st_lower_load(&li, q, qi), f64), st_lower_load(&li, S, si))) return false;
  st_value *oi[4] = {b, t, h, m};
  st_value *o = st_lower_load(&lm, acc, NULL);
  o = st_lower_binary(&lm, &st_arith_mulf_def, st_lower_const(&lm, f64, g.scale), o);
  if (!st_lower_store(&lm, st_lower_cast(&lm, o, oe), out, oi)) return false;

  /* present_state = S */
  li = st_lower_loops(lc, &in, 1, &g.dk, false, &i);
  lm = st_lower_loops(lc, &li, 1, &g.dv, false, &m);
  if (!lm.block) return false;
  si[2] = i, si[3] = m;
  return st_lower_store(&lm, st_lower_cast(&lm, st_lower_load(&lm, S, si), pe), pdst, si);
}

/* ---- graph.flex_scores (Q, K) and graph.flex_apply (P, V) ---- */

/* out[b, h, l, c] = post(sum_x a[b, h, l, x] * w[b, h / rep, x or c, c or x])
 * over the reduction length n: w is (B, Hkv, C, n) for the scores (key rows
 * by embedding), (B, Hkv, n, C) for apply (value rows by feature). */
static bool st_ax_grouped_product(st_op *op, st_lower_ctx *lc, bool scores, double scale) {
  const st_type *f64 = st_type_scalar(lc->b.module->ctx, ST_TY_F64);
  st_value *a = lc->inputs[0], *w = lc->inputs[1], *dst = st_lower_result(lc, 0);
  if (!dst) return false;
  const st_dim *od = op->results[0].type->u.shaped.dims;
  int64_t n = a->type->u.shaped.dims[3], rep = od[1] / w->type->u.shaped.dims[1];
  st_value *ivs[4], *x;
  st_builder in = st_lower_loops(lc, &lc->b, 4, od, true, ivs);
  if (!in.block) return false;
  st_value *acc = st_lower_alloca(&in, f64);
  if (!acc || !st_lower_store(&in, st_lower_const(&in, f64, 0), acc, NULL)) return false;
  st_value *hk = rep == 1 ? ivs[1] : st_lower_binary(&in, &st_arith_divsi_def, ivs[1], st_lower_index(lc, rep));
  st_builder lx = st_lower_loops(lc, &in, 1, &n, false, &x);
  if (!lx.block) return false;
  st_value *ai[4] = {ivs[0], ivs[1], ivs[2], x}, *wi[4] = {ivs[0], hk, scores ? ivs[3] : x, scores ? x : ivs[3]};
  st_value *av = st_lower_cast(&lx, st_lower_load(&lx, a, ai), f64);
  st_value *wv = st_lower_cast(&lx, st_lower_load(&lx, w, wi), f64);
  if (!st_ax_mac(&lx, acc, av, wv)) return false;
  st_value *r = st_lower_load(&in, acc, NULL);
  if (scores) r = st_lower_binary(&in, &st_arith_mulf_def, r, st_lower_const(&in, f64, scale));
  return st_lower_store(&in, st_lower_cast(&in, r, dst->type->u.shaped.elem), dst, ivs);
}

bool st_graph_lower_flex_scores(st_op *op, st_lower_ctx *lc, st_diag *d) {
  (void)d;
  int64_t E = lc->inputs[0]->type->u.shaped.dims[3];
  double scale = st_op_get_attr(op, "scale") ? st_op_attr_float(op, "scale", 1) : 1 / sqrt((double)E);
  return st_ax_grouped_product(op, lc, true, scale);
}

bool st_graph_lower_flex_apply(st_op *op, st_lower_ctx *lc, st_diag *d) {
  (void)d;
  return st_ax_grouped_product(op, lc, false, 1);
}
