/* Attention-style ops of recent opsets: LinearAttention (a recurrent state
 * updated token by token under the linear / gated / delta / gated_delta
 * rules, with grouped KV heads), CausalConvWithState (a depthwise causal
 * 1-D convolution that carries its last k-1 inputs as state) and the two
 * halves of FlexAttention: graph.flex_scores (scaled Q·Kᵀ in the softmax's
 * precision) and graph.flex_apply (probabilities times V).  The importer
 * puts the node's score_mod and prob_mod subgraphs and a graph.softmax
 * between the halves.  Arithmetic runs in double and rounds once to the
 * result type. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/graph_extra.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_dtype.h"
#include "ir/dialects/graph_lower.h"
#include "ir/elem.h"

/* ---- graph.linear_attention: query, key, value, [past_state], [decay], [beta] ---- */

typedef struct st_la {
  int64_t B, T, Hq, Hkv, dk, dv;
  bool gated, delta, per_key_decay, beta_per_head, has_past;
  double scale;
} st_la;

static bool st_la_fail(st_op *op, st_diag *d, const char *what) {
  st_diag_error(d, op->loc, "'graph.linear_attention' op %s", what);
  return false;
}

static bool st_la_geom(st_op *op, st_la *g, st_diag *d) {
  if (!st_graph_min_operands(op, 3, d) || op->num_operands > 6) return st_la_fail(op, d, "takes 3 to 6 operands");
  for (unsigned i = 0; i < op->num_operands; i++)
    if (st_graph_has_operand(op, i) && !st_graph_expect_tensor(op, i, d)) return false;
  const char *rule = st_op_attr_str(op, "update_rule");
  if (!rule) rule = "gated_delta";
  g->gated = !strcmp(rule, "gated") || !strcmp(rule, "gated_delta");
  g->delta = !strcmp(rule, "delta") || !strcmp(rule, "gated_delta");
  if (!g->gated && !g->delta && strcmp(rule, "linear") != 0)
    return st_la_fail(op, d, "update_rule must be linear, gated, delta or gated_delta");
  g->Hq = st_op_attr_int(op, "q_num_heads", 0);
  g->Hkv = st_op_attr_int(op, "kv_num_heads", 0);
  if (g->Hq <= 0 || g->Hkv <= 0 || g->Hq % g->Hkv)
    return st_la_fail(op, d, "needs q_num_heads, a positive multiple of a positive kv_num_heads");
  const st_type *q = st_op_operand(op, 0)->type, *k = st_op_operand(op, 1)->type, *v = st_op_operand(op, 2)->type;
  if (q->u.shaped.rank != 3 || k->u.shaped.rank != 3 || v->u.shaped.rank != 3)
    return st_la_fail(op, d, "expects query, key and value of shape (B, T, heads * dim)");
  g->B = q->u.shaped.dims[0];
  g->T = q->u.shaped.dims[1];
  if (q->u.shaped.dims[2] % g->Hq || v->u.shaped.dims[2] % g->Hkv)
    return st_la_fail(op, d, "query's last dim must divide by q_num_heads and value's by kv_num_heads");
  g->dk = q->u.shaped.dims[2] / g->Hq;
  g->dv = v->u.shaped.dims[2] / g->Hkv;
  if (k->u.shaped.dims[0] != g->B || k->u.shaped.dims[1] != g->T || k->u.shaped.dims[2] != g->Hkv * g->dk ||
      v->u.shaped.dims[0] != g->B || v->u.shaped.dims[1] != g->T || !st_type_is_float(q->u.shaped.elem) ||
      k->u.shaped.elem != q->u.shaped.elem || v->u.shaped.elem != q->u.shaped.elem)
    return st_la_fail(op, d, "expects float key (B, T, kv_num_heads * d_k) and value (B, T, kv_num_heads * d_v) "
                             "of the query's type");
  g->has_past = st_graph_has_operand(op, 3);
  if (g->has_past) {
    const st_type *s = st_op_operand(op, 3)->type;
    const st_dim want[4] = {g->B, g->Hkv, g->dk, g->dv};
    if (s->u.shaped.rank != 4 || memcmp(s->u.shaped.dims, want, sizeof want) || !st_type_is_float(s->u.shaped.elem))
      return st_graph_type_error(op, d, "expects a float past_state of shape (B, kv_num_heads, d_k, d_v)", s);
  }
  if (g->gated != st_graph_has_operand(op, 4)) return st_la_fail(op, d, "needs decay exactly for the gated rules");
  if (g->delta != st_graph_has_operand(op, 5)) return st_la_fail(op, d, "needs beta exactly for the delta rules");
  if (g->gated) {
    const st_type *t = st_op_operand(op, 4)->type;
    st_dim last = t->u.shaped.rank == 3 ? t->u.shaped.dims[2] : -1;
    if (t->u.shaped.rank != 3 || t->u.shaped.dims[0] != g->B || t->u.shaped.dims[1] != g->T ||
        (last != g->Hkv && last != g->Hkv * g->dk))
      return st_graph_type_error(op, d, "expects decay of shape (B, T, kv_num_heads [* d_k])", t);
    g->per_key_decay = last != g->Hkv;
  }
  if (g->delta) {
    const st_type *t = st_op_operand(op, 5)->type;
    st_dim last = t->u.shaped.rank == 3 ? t->u.shaped.dims[2] : -1;
    if (t->u.shaped.rank != 3 || t->u.shaped.dims[0] != g->B || t->u.shaped.dims[1] != g->T ||
        (last != g->Hkv && last != 1))
      return st_graph_type_error(op, d, "expects beta of shape (B, T, kv_num_heads or 1)", t);
    g->beta_per_head = last == g->Hkv;
  }
  double s = st_op_attr_float(op, "scale", 0);
  g->scale = s != 0 ? s : 1 / sqrt((double)g->dk);
  return true;
}

static bool st_la_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  st_la g;
  if (!st_la_geom(op, &g, d)) return false;
  const st_type *q = st_op_operand(op, 0)->type;
  st_dim od[3] = {g.B, g.T, g.Hq * g.dv}, sd[4] = {g.B, g.Hkv, g.dk, g.dv};
  results[0] = st_type_tensor(ctx, q->u.shaped.elem, 3, od);
  results[1] = st_type_tensor(ctx, g.has_past ? st_type_elem(st_op_operand(op, 3)->type) : q->u.shaped.elem, 4, sd);
  return true;
}

/* One (batch, kv head) recurrence over the T tokens; S is d_k x d_v. */
static void st_la_run(const st_la *g, const st_tensor *in, st_tensor *out, int64_t b, int64_t hk, double *S,
                      double *vt) {
  const st_type *e = st_type_elem(in[0].type);
  int64_t group = g->Hq / g->Hkv;
  for (int64_t t = 0; t < g->T; t++) {
    int64_t row = b * g->T + t;
    const int64_t kbase = row * g->Hkv * g->dk + hk * g->dk, vbase = row * g->Hkv * g->dv + hk * g->dv;
    if (g->gated) {
      const st_type *de = st_type_elem(in[4].type);
      for (int64_t i = 0; i < g->dk; i++) {
        double gk = st_elem_load_f(de, in[4].data, g->per_key_decay ? kbase + i : row * g->Hkv + hk);
        for (int64_t m = 0; m < g->dv; m++) S[i * g->dv + m] *= exp(gk);
      }
    }
    for (int64_t m = 0; m < g->dv; m++) vt[m] = st_elem_load_f(e, in[2].data, vbase + m);
    if (g->delta) {
      double beta = st_elem_load_f(st_type_elem(in[5].type), in[5].data, g->beta_per_head ? row * g->Hkv + hk : row);
      for (int64_t m = 0; m < g->dv; m++) {
        double got = 0;
        for (int64_t i = 0; i < g->dk; i++) got += S[i * g->dv + m] * st_elem_load_f(e, in[1].data, kbase + i);
        vt[m] = beta * (vt[m] - got);
      }
    }
    for (int64_t i = 0; i < g->dk; i++) {
      double kv = st_elem_load_f(e, in[1].data, kbase + i);
      for (int64_t m = 0; m < g->dv; m++) S[i * g->dv + m] += kv * vt[m];
    }
    for (int64_t j = 0; j < group; j++) {
      int64_t h = hk * group + j, qbase = row * g->Hq * g->dk + h * g->dk, obase = row * g->Hq * g->dv + h * g->dv;
      for (int64_t m = 0; m < g->dv; m++) {
        double acc = 0;
        for (int64_t i = 0; i < g->dk; i++) acc += st_elem_load_f(e, in[0].data, qbase + i) * S[i * g->dv + m];
        st_elem_store_f(st_type_elem(out[0].type), out[0].data, obase + m, g->scale * acc);
      }
    }
  }
}

static bool st_la_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_la g;
  if (!st_la_geom(op, &g, d)) return false;
  double *S = st_graph_scratch(op, g.dk * g.dv + g.dv, d);
  if (!S) return false;
  const st_type *se = st_type_elem(out[1].type);
  for (int64_t b = 0; b < g.B; b++)
    for (int64_t hk = 0; hk < g.Hkv; hk++) {
      int64_t base = (b * g.Hkv + hk) * g.dk * g.dv;
      for (int64_t i = 0; i < g.dk * g.dv; i++)
        S[i] = g.has_past ? st_elem_load_f(st_type_elem(in[3].type), in[3].data, base + i) : 0;
      st_la_run(&g, in, out, b, hk, S, S + g.dk * g.dv);
      for (int64_t i = 0; i < g.dk * g.dv; i++) st_elem_store_f(se, out[1].data, base + i, S[i]);
    }
  free(S);
  return true;
}

/* ---- graph.causal_conv_with_state: input, weight, [bias], [past_state] {activation} ---- */

static bool st_cc_geom(st_op *op, int64_t *B, int64_t *C, int64_t *L, int64_t *K, bool *silu, st_diag *d) {
  if (!st_graph_min_operands(op, 2, d) || op->num_operands > 4) {
    st_diag_error(d, op->loc, "'graph.causal_conv_with_state' op takes 2 to 4 operands");
    return false;
  }
  for (unsigned i = 0; i < op->num_operands; i++)
    if (st_graph_has_operand(op, i) && !st_graph_expect_tensor(op, i, d)) return false;
  const char *act = st_op_attr_str(op, "activation");
  if (act && strcmp(act, "none") && strcmp(act, "silu") && strcmp(act, "swish")) {
    st_diag_error(d, op->loc, "'graph.causal_conv_with_state' op activation must be none, silu or swish, got '%s'", act);
    return false;
  }
  *silu = act && strcmp(act, "none") != 0;
  const st_type *x = st_op_operand(op, 0)->type, *w = st_op_operand(op, 1)->type;
  if (x->u.shaped.rank != 3 || !st_type_is_float(x->u.shaped.elem))
    return st_graph_type_error(op, d, "expects a float input of shape (batch, channels, length)", x);
  *B = x->u.shaped.dims[0];
  *C = x->u.shaped.dims[1];
  *L = x->u.shaped.dims[2];
  if (w->u.shaped.rank != 3 || w->u.shaped.dims[0] != *C || w->u.shaped.dims[1] != 1 || w->u.shaped.dims[2] < 1 ||
      w->u.shaped.elem != x->u.shaped.elem)
    return st_graph_type_error(op, d, "expects a weight of shape (channels, 1, k)", w);
  *K = w->u.shaped.dims[2];
  if (st_graph_has_operand(op, 2)) {
    const st_type *b = st_op_operand(op, 2)->type;
    if (b->u.shaped.rank != 1 || b->u.shaped.dims[0] != *C || b->u.shaped.elem != x->u.shaped.elem)
      return st_graph_type_error(op, d, "expects a bias of shape (channels)", b);
  }
  if (st_graph_has_operand(op, 3)) {
    const st_type *p = st_op_operand(op, 3)->type;
    if (p->u.shaped.rank != 3 || p->u.shaped.dims[0] != *B || p->u.shaped.dims[1] != *C ||
        p->u.shaped.dims[2] != *K - 1 || p->u.shaped.elem != x->u.shaped.elem)
      return st_graph_type_error(op, d, "expects a past_state of shape (batch, channels, k - 1)", p);
  }
  return true;
}

static bool st_cc_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  int64_t B, C, L, K;
  bool silu;
  if (!st_cc_geom(op, &B, &C, &L, &K, &silu, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type;
  st_dim sd[3] = {B, C, K - 1};
  results[0] = x;
  results[1] = st_type_tensor(ctx, x->u.shaped.elem, 3, sd);
  return true;
}

/* Over the sequence past_state ++ input (zeros for an absent state):
 * out[t] = bias + sum_j w[j] * seq[t + j], rounded to the input type before
 * the activation as the ONNX reference does; the state is seq's last k-1. */
static bool st_cc_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  int64_t B, C, L, K;
  bool silu;
  if (!st_cc_geom(op, &B, &C, &L, &K, &silu, d)) return false;
  const st_type *e = st_type_elem(in[0].type);
  bool has_bias = st_graph_has_operand(op, 2), has_past = st_graph_has_operand(op, 3);
  double *seq = st_graph_scratch(op, K - 1 + L, d);
  if (!seq) return false;
  for (int64_t b = 0; b < B; b++)
    for (int64_t c = 0; c < C; c++) {
      int64_t row = b * C + c;
      for (int64_t j = 0; j < K - 1; j++) seq[j] = has_past ? st_elem_load_f(e, in[3].data, row * (K - 1) + j) : 0;
      for (int64_t t = 0; t < L; t++) seq[K - 1 + t] = st_elem_load_f(e, in[0].data, row * L + t);
      for (int64_t t = 0; t < L; t++) {
        double acc = has_bias ? st_elem_load_f(e, in[2].data, c) : 0;
        for (int64_t j = 0; j < K; j++) acc += st_elem_load_f(e, in[1].data, c * K + j) * seq[t + j];
        st_elem_store_f(e, out[0].data, row * L + t, acc);
        if (silu) {
          double y = st_elem_load_f(e, out[0].data, row * L + t);
          st_elem_store_f(e, out[0].data, row * L + t, y / (1 + exp(-y)));
        }
      }
      for (int64_t j = 0; j < K - 1; j++) st_elem_store_f(e, out[1].data, row * (K - 1) + j, seq[L + j]);
    }
  free(seq);
  return true;
}

/* ---- graph.flex_scores: Q (B, Hq, L, E), K (B, Hkv, S, E) {scale, softmax_precision} ---- */

/* The softmax's type: softmax_precision when given, else f32 for inputs
 * narrower than 32 bits, else Q's type. */
static const st_type *st_flex_compute_type(st_op *op, st_context *ctx, const st_type *q, st_diag *d) {
  int64_t p = st_op_attr_int(op, "softmax_precision", 0);
  if (p) {
    const st_type *t = st_graph_dtype_type(ctx, p);
    if (!t || (t->kind != ST_TY_F32 && t->kind != ST_TY_F16 && t->kind != ST_TY_BF16 && t->kind != ST_TY_F64)) {
      st_diag_error(d, op->loc, "'%s' op softmax_precision %" PRId64 " is not a float16/bfloat16/float/double type",
                    op->def->name, p);
      return NULL;
    }
    return t;
  }
  return st_type_bit_width(q) < 32 ? st_type_scalar(ctx, ST_TY_F32) : q;
}

/* Checks the (B, H, rows, cols) operands i and j of a flex half: equal
 * batch, heads of j dividing heads of i, `match_last` (for scores: the
 * embedding) or rows of j against cols of i (for apply). */
static bool st_flex_pair(st_op *op, bool scores, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d) || !st_graph_expect_tensor(op, 1, d)) return false;
  const st_type *a = st_op_operand(op, 0)->type, *b = st_op_operand(op, 1)->type;
  if (a->u.shaped.rank != 4 || b->u.shaped.rank != 4 || !st_type_is_float(a->u.shaped.elem) ||
      !st_type_is_float(b->u.shaped.elem))
    return st_graph_type_error(op, d, "expects float operands of rank 4", a->u.shaped.rank != 4 ? a : b);
  const st_dim *x = a->u.shaped.dims, *y = b->u.shaped.dims;
  bool ok = x[0] == y[0] && y[1] > 0 && x[1] % y[1] == 0 && (scores ? x[3] == y[3] : x[3] == y[2]);
  if (scores && a->u.shaped.elem != b->u.shaped.elem) ok = false;
  if (!ok)
    return st_graph_type_error(op, d, scores ? "expects K (B, Hkv, S, E) of Q's type with Hkv dividing Q's heads"
                                             : "expects V (B, Hkv, S, Ev) with Hkv dividing the heads of P (B, H, L, S)", b);
  return true;
}

static bool st_flex_scores_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_flex_pair(op, true, d)) return false;
  const st_type *q = st_op_operand(op, 0)->type, *k = st_op_operand(op, 1)->type;
  const st_type *ct = st_flex_compute_type(op, ctx, q->u.shaped.elem, d);
  if (!ct) return false;
  st_dim dims[4] = {q->u.shaped.dims[0], q->u.shaped.dims[1], q->u.shaped.dims[2], k->u.shaped.dims[2]};
  results[0] = st_type_tensor(ctx, ct, 4, dims);
  return true;
}

/* Kv head of query head h: heads are repeated in blocks (numpy repeat). */
static bool st_flex_scores_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_dim *qd = in[0].type->u.shaped.dims, *kd = in[1].type->u.shaped.dims;
  int64_t B = qd[0], H = qd[1], L = qd[2], E = qd[3], Hkv = kd[1], S = kd[2], rep = H / Hkv;
  const st_type *e = st_type_elem(in[0].type), *oe = st_type_elem(out[0].type);
  const st_attr *sa = st_op_get_attr(op, "scale");
  double scale = sa ? st_op_attr_float(op, "scale", 1) : 1 / sqrt((double)E);
  for (int64_t b = 0; b < B; b++)
    for (int64_t h = 0; h < H; h++)
      for (int64_t l = 0; l < L; l++)
        for (int64_t s = 0; s < S; s++) {
          double acc = 0;
          int64_t qb = ((b * H + h) * L + l) * E, kb = ((b * Hkv + h / rep) * S + s) * E;
          for (int64_t i = 0; i < E; i++) acc += st_elem_load_f(e, in[0].data, qb + i) * st_elem_load_f(e, in[1].data, kb + i);
          st_elem_store_f(oe, out[0].data, ((b * H + h) * L + l) * S + s, acc * scale);
        }
  (void)d;
  return true;
}

/* ---- graph.flex_apply: P (B, H, L, S), V (B, Hkv, S, Ev) -> (B, H, L, Ev) of V's type ---- */

static bool st_flex_apply_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_flex_pair(op, false, d)) return false;
  const st_type *p = st_op_operand(op, 0)->type, *v = st_op_operand(op, 1)->type;
  st_dim dims[4] = {p->u.shaped.dims[0], p->u.shaped.dims[1], p->u.shaped.dims[2], v->u.shaped.dims[3]};
  results[0] = st_type_tensor(ctx, v->u.shaped.elem, 4, dims);
  return true;
}

static bool st_flex_apply_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_dim *pd = in[0].type->u.shaped.dims, *vd = in[1].type->u.shaped.dims;
  int64_t B = pd[0], H = pd[1], L = pd[2], S = pd[3], Hkv = vd[1], Ev = vd[3], rep = H / Hkv;
  const st_type *pe = st_type_elem(in[0].type), *ve = st_type_elem(in[1].type), *oe = st_type_elem(out[0].type);
  for (int64_t b = 0; b < B; b++)
    for (int64_t h = 0; h < H; h++)
      for (int64_t l = 0; l < L; l++)
        for (int64_t m = 0; m < Ev; m++) {
          double acc = 0;
          int64_t pb = ((b * H + h) * L + l) * S, vb = (b * Hkv + h / rep) * S * Ev;
          for (int64_t s = 0; s < S; s++)
            acc += st_elem_load_f(pe, in[0].data, pb + s) * st_elem_load_f(ve, in[1].data, vb + s * Ev + m);
          st_elem_store_f(oe, out[0].data, ((b * H + h) * L + l) * Ev + m, acc);
        }
  (void)d;
  return true;
}

/* ---- the table ---- */

const st_op_def st_graph_linear_attention_def = {
    .name = "graph.linear_attention",
    .summary = "recurrent linear attention (update_rule, q_num_heads, kv_num_heads, scale) -> output, present_state",
    .num_operands = ST_VARIADIC, .num_results = 2, .traits = ST_TRAIT_PURE,
    .infer_types = st_la_infer, .interpret = st_la_interp,
    .lower = st_graph_lower_linear_attention,
};
const st_op_def st_graph_causal_conv_with_state_def = {
    .name = "graph.causal_conv_with_state",
    .summary = "depthwise causal 1-D convolution carrying k-1 inputs of state (activation none/silu/swish)",
    .num_operands = ST_VARIADIC, .num_results = 2, .traits = ST_TRAIT_PURE,
    .infer_types = st_cc_infer, .interpret = st_cc_interp, .lower = st_graph_lower_causal_conv,
};
const st_op_def st_graph_flex_scores_def = {
    .name = "graph.flex_scores", .summary = "FlexAttention scores: scale * Q Kᵀ with grouped KV heads, in the softmax type",
    .num_operands = 2, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_flex_scores_infer, .interpret = st_flex_scores_interp,
    .lower = st_graph_lower_flex_scores,
};
const st_op_def st_graph_flex_apply_def = {
    .name = "graph.flex_apply", .summary = "FlexAttention output: probabilities times V with grouped KV heads",
    .num_operands = 2, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_flex_apply_infer, .interpret = st_flex_apply_interp,
    .lower = st_graph_lower_flex_apply,
};
