/* Attention-style ops of the nn family: Attention (opset 23/24: 3-D and 4-D
 * inputs, grouped-query heads, causal and explicit masks, KV cache, softcap,
 * the optional qk_matmul_output), RotaryEmbedding and a general Einsum.
 *
 * Attention is computed per (batch, query head, query row) in double:
 * scores = scale * Q K^T -> softcap -> + mask bias -> softmax -> @ V.  A row
 * whose every key is masked gives zero probabilities (not NaN), so fully
 * masked rows produce zeros, as the ONNX robustness tests expect. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_nn.h"
#include "ir/elem.h"

/* ---- graph.attention: Q, K, V, [attn_mask, past_key, past_value, nonpad_kv_seqlen] ---- */

typedef struct st_attn {
  bool three_d;
  int64_t B, Hq, Hkv, Sq, Skv, Spast, Stot, D, Dv;
} st_attn;

static bool st_attn_geom(st_op *op, st_attn *g, st_diag *d) {
  if (op->num_operands < 3 || op->num_operands > 7) {
    st_diag_error(d, op->loc, "'graph.attention' op expects 3 to 7 operands, got %u", op->num_operands);
    return false;
  }
  for (unsigned i = 0; i < 3; i++)
    if (!st_graph_expect_tensor(op, i, d)) return false;
  const st_type *q = st_op_operand(op, 0)->type, *k = st_op_operand(op, 1)->type, *v = st_op_operand(op, 2)->type;
  unsigned r = q->u.shaped.rank;
  if ((r != 3 && r != 4) || k->u.shaped.rank != r || v->u.shaped.rank != r)
    return st_graph_type_error(op, d, "expects Q, K and V all of rank 3 or all of rank 4", q);
  const st_dim *qd = q->u.shaped.dims, *kd = k->u.shaped.dims, *vd = v->u.shaped.dims;
  g->three_d = r == 3;
  g->B = qd[0];
  if (g->three_d) {
    g->Hq = st_op_attr_int(op, "q_num_heads", 0);
    g->Hkv = st_op_attr_int(op, "kv_num_heads", 0);
    if (g->Hq <= 0 || g->Hkv <= 0 || qd[2] % g->Hq || kd[2] % g->Hkv || vd[2] % g->Hkv) {
      st_diag_error(d, op->loc, "'graph.attention' op with 3-D inputs needs q_num_heads and kv_num_heads dividing the "
                                "hidden sizes");
      return false;
    }
    g->Sq = qd[1];
    g->Skv = kd[1];
    g->D = qd[2] / g->Hq;
    g->Dv = vd[2] / g->Hkv;
    if (kd[2] / g->Hkv != g->D) return st_graph_type_error(op, d, "expects K's head size to equal Q's", k);
  } else {
    g->Hq = qd[1];
    g->Hkv = kd[1];
    g->Sq = qd[2];
    g->Skv = kd[2];
    g->D = qd[3];
    g->Dv = vd[3];
    if (kd[3] != g->D) return st_graph_type_error(op, d, "expects K's head size to equal Q's", k);
  }
  if (g->Hkv <= 0 || g->Hq % g->Hkv)
    return st_graph_type_error(op, d, "expects the query heads to be a multiple of the key/value heads", k);
  g->Spast = 0;
  if (st_graph_has_operand(op, 4)) {
    const st_type *pk = st_op_operand(op, 4)->type;
    if (pk->kind != ST_TY_TENSOR || pk->u.shaped.rank != 4 || pk->u.shaped.dims[3] != g->D)
      return st_graph_type_error(op, d, "expects past_key of shape (B, kv_heads, past, head_size)", pk);
    g->Spast = pk->u.shaped.dims[2];
    const st_type *pv = st_graph_has_operand(op, 5) ? st_op_operand(op, 5)->type : NULL;
    if (!pv || pv->kind != ST_TY_TENSOR || pv->u.shaped.rank != 4 || pv->u.shaped.dims[2] != g->Spast)
      return st_graph_type_error(op, d, "expects past_value beside past_key, of the same past length", pv ? pv : pk);
  }
  g->Stot = g->Spast + g->Skv;
  if (st_graph_has_operand(op, 3)) {
    const st_type *m = st_op_operand(op, 3)->type;
    if (m->kind != ST_TY_TENSOR || m->u.shaped.rank < 2 || m->u.shaped.rank > 4 ||
        m->u.shaped.dims[m->u.shaped.rank - 1] > g->Stot)
      return st_graph_type_error(op, d, "expects attn_mask of rank 2 to 4, at most total_sequence_length wide", m);
  }
  return true;
}

static bool st_attn_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 3, d)) return false;
  st_attn g;
  if (!st_attn_geom(op, &g, d)) return false;
  if (op->num_results < 1 || op->num_results > 4) {
    st_diag_error(d, op->loc, "'graph.attention' op has 1 to 4 results, got %u", op->num_results);
    return false;
  }
  const st_type *elem = st_op_operand(op, 0)->type->u.shaped.elem;
  st_dim y3[3] = {g.B, g.Sq, g.Hq * g.Dv}, y4[4] = {g.B, g.Hq, g.Sq, g.Dv};
  st_dim pk[4] = {g.B, g.Hkv, g.Stot, g.D}, pv[4] = {g.B, g.Hkv, g.Stot, g.Dv}, qk[4] = {g.B, g.Hq, g.Sq, g.Stot};
  results[0] = g.three_d ? st_type_tensor(ctx, elem, 3, y3) : st_type_tensor(ctx, elem, 4, y4);
  if (op->num_results > 1) results[1] = st_type_tensor(ctx, elem, 4, pk);
  if (op->num_results > 2) results[2] = st_type_tensor(ctx, elem, 4, pv);
  if (op->num_results > 3) results[3] = st_type_tensor(ctx, elem, 4, qk);
  return true;
}

/* present = concat(past, new) along the sequence, as (B, Hkv, Stot, width). */
static void st_attn_present(const st_attn *g, const st_tensor *past, const st_tensor *cur, int64_t width, double *dst) {
  const st_type *pe = past ? st_type_elem(past->type) : NULL, *ce = st_type_elem(cur->type);
  for (int64_t b = 0; b < g->B; b++)
    for (int64_t h = 0; h < g->Hkv; h++)
      for (int64_t j = 0; j < g->Stot; j++)
        for (int64_t x = 0; x < width; x++) {
          double v;
          if (j < g->Spast) {
            v = st_elem_load_f(pe, past->data, ((b * g->Hkv + h) * g->Spast + j) * width + x);
          } else {
            int64_t jj = j - g->Spast;
            int64_t at = g->three_d ? (b * g->Skv + jj) * (g->Hkv * width) + h * width + x
                                    : ((b * g->Hkv + h) * g->Skv + jj) * width + x;
            v = st_elem_load_f(ce, cur->data, at);
          }
          dst[((b * g->Hkv + h) * g->Stot + j) * width + x] = v;
        }
}

/* Additive bias of key j for (b, h, i) from attn_mask, causality and the
 * non-padded key lengths: 0 or -inf, or the float mask value. */
typedef struct st_attn_mask {
  const st_tensor *mask;   /* NULL if none */
  int64_t strides[4], width;
  bool is_bool, causal, has_past;
  const st_tensor *nonpad; /* NULL if none */
} st_attn_mask;

static double st_attn_bias(const st_attn *g, const st_attn_mask *m, int64_t b, int64_t h, int64_t i, int64_t j) {
  double bias = 0;
  if (m->mask) {
    if (j >= m->width) return -INFINITY; /* a short mask is padded with -inf / false */
    int64_t at = b * m->strides[0] + h * m->strides[1] + i * m->strides[2] + j * m->strides[3];
    const st_type *me = st_type_elem(m->mask->type);
    if (m->is_bool) {
      if (!st_elem_load_i(me, m->mask->data, at)) return -INFINITY;
    } else {
      bias = st_elem_load_f(me, m->mask->data, at);
    }
  }
  int64_t valid = g->Stot;
  if (m->nonpad) {
    valid = st_elem_load_i(st_type_elem(m->nonpad->type), m->nonpad->data, b);
    if (j >= valid) return -INFINITY;
  }
  if (m->causal) {
    /* Bottom-right aligned: the queries follow the past keys (or, with an
     * external cache, end at the last valid key). */
    int64_t offset = m->has_past || !m->nonpad ? g->Spast : valid - g->Sq;
    if (j > i + offset) return -INFINITY;
  }
  return bias;
}

static void st_attn_mask_init(st_op *op, const st_attn *g, const st_tensor *in, st_attn_mask *m) {
  memset(m, 0, sizeof *m);
  m->causal = st_op_attr_int(op, "is_causal", 0) != 0;
  m->nonpad = st_graph_has_operand(op, 6) ? &in[6] : NULL;
  m->has_past = st_graph_has_operand(op, 4);
  if (!st_graph_has_operand(op, 3)) return;
  m->mask = &in[3];
  const st_type *t = in[3].type;
  unsigned r = t->u.shaped.rank;
  m->is_bool = t->u.shaped.elem->kind == ST_TY_I1;
  m->width = t->u.shaped.dims[r - 1];
  const int64_t full[4] = {g->B, g->Hq, g->Sq, g->Stot};
  int64_t s = 1;
  for (unsigned a = 4; a-- > 0;) {
    if (a < 4 - r) {
      m->strides[a] = 0;
      continue;
    }
    st_dim dim = t->u.shaped.dims[a - (4 - r)];
    m->strides[a] = dim == 1 && full[a] != 1 && a != 3 ? 0 : s;
    s *= dim;
  }
}

static bool st_attn_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_attn g;
  if (!st_attn_geom(op, &g, d)) return false;
  const st_type *qe = st_type_elem(in[0].type), *oe = st_type_elem(out[0].type);
  double scale = st_op_get_attr(op, "scale") ? st_op_attr_float(op, "scale", 1.0) : 1.0 / sqrt((double)g.D);
  double softcap = st_op_attr_float(op, "softcap", 0.0);
  int64_t mode = st_op_attr_int(op, "qk_matmul_output_mode", 0);
  bool has_past = st_graph_has_operand(op, 4);
  double *keys = st_graph_scratch(op, g.B * g.Hkv * g.Stot * g.D, d);
  double *vals = keys ? st_graph_scratch(op, g.B * g.Hkv * g.Stot * g.Dv, d) : NULL;
  double *row = vals ? st_graph_scratch(op, 2 * g.Stot, d) : NULL;
  if (!row) {
    free(keys);
    free(vals);
    return false;
  }
  st_attn_present(&g, has_past ? &in[4] : NULL, &in[1], g.D, keys);
  st_attn_present(&g, has_past ? &in[5] : NULL, &in[2], g.Dv, vals);
  if (op->num_results > 1 && out[1].type->kind == ST_TY_TENSOR)
    for (int64_t x = 0; x < g.B * g.Hkv * g.Stot * g.D; x++) st_elem_store_f(st_type_elem(out[1].type), out[1].data, x, keys[x]);
  if (op->num_results > 2 && out[2].type->kind == ST_TY_TENSOR)
    for (int64_t x = 0; x < g.B * g.Hkv * g.Stot * g.Dv; x++) st_elem_store_f(st_type_elem(out[2].type), out[2].data, x, vals[x]);
  bool want_qk = op->num_results > 3 && out[3].type->kind == ST_TY_TENSOR;
  st_attn_mask m;
  st_attn_mask_init(op, &g, in, &m);
  double *qk = row + g.Stot;
  int64_t group = g.Hq / g.Hkv;
  for (int64_t b = 0; b < g.B; b++)
    for (int64_t h = 0; h < g.Hq; h++)
      for (int64_t i = 0; i < g.Sq; i++) {
        const double *kh = keys + (b * g.Hkv + h / group) * g.Stot * g.D;
        const double *vh = vals + (b * g.Hkv + h / group) * g.Stot * g.Dv;
        int64_t q0 = g.three_d ? (b * g.Sq + i) * (g.Hq * g.D) + h * g.D : ((b * g.Hq + h) * g.Sq + i) * g.D;
        double mx = -INFINITY;
        for (int64_t j = 0; j < g.Stot; j++) {
          double s = 0;
          for (int64_t x = 0; x < g.D; x++) s += st_elem_load_f(qe, in[0].data, q0 + x) * kh[j * g.D + x];
          s *= scale;
          qk[j] = s; /* mode 0: the scaled product */
          if (softcap > 0) s = softcap * tanh(s / softcap);
          if (mode == 1) qk[j] = s;
          s += st_attn_bias(&g, &m, b, h, i, j);
          if (mode == 2) qk[j] = s;
          row[j] = s;
          if (s > mx) mx = s;
        }
        double sum = 0;
        for (int64_t j = 0; j < g.Stot; j++) sum += row[j] = mx == -INFINITY ? 0.0 : exp(row[j] - mx);
        for (int64_t j = 0; j < g.Stot; j++) {
          if (sum > 0) row[j] /= sum;
          if (mode == 3) qk[j] = row[j];
        }
        if (want_qk)
          for (int64_t j = 0; j < g.Stot; j++)
            st_elem_store_f(st_type_elem(out[3].type), out[3].data, ((b * g.Hq + h) * g.Sq + i) * g.Stot + j, qk[j]);
        for (int64_t x = 0; x < g.Dv; x++) {
          double acc = 0;
          for (int64_t j = 0; j < g.Stot; j++) acc += row[j] * vh[j * g.Dv + x];
          int64_t y = g.three_d ? (b * g.Sq + i) * (g.Hq * g.Dv) + h * g.Dv + x : ((b * g.Hq + h) * g.Sq + i) * g.Dv + x;
          st_elem_store_f(oe, out[0].data, y, acc);
        }
      }
  free(keys);
  free(vals);
  free(row);
  return true;
}

/* ---- graph.rotary_embedding: X, cos_cache, sin_cache, [position_ids] ---- */

static bool st_rotary_dims(st_op *op, int64_t *H, int64_t *S, int64_t *D, int64_t *rot, st_diag *d) {
  for (unsigned i = 0; i < 3; i++)
    if (!st_graph_expect_tensor(op, i, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type;
  unsigned r = x->u.shaped.rank;
  if (r != 3 && r != 4) return st_graph_type_error(op, d, "expects an input of rank 3 or 4", x);
  if (r == 4) {
    *H = x->u.shaped.dims[1];
    *S = x->u.shaped.dims[2];
    *D = x->u.shaped.dims[3];
  } else {
    *H = st_op_attr_int(op, "num_heads", 0);
    if (*H <= 0 || x->u.shaped.dims[2] % *H) {
      st_diag_error(d, op->loc, "'graph.rotary_embedding' op with a 3-D input needs num_heads dividing the hidden size");
      return false;
    }
    *S = x->u.shaped.dims[1];
    *D = x->u.shaped.dims[2] / *H;
  }
  *rot = st_op_attr_int(op, "rotary_embedding_dim", 0);
  if (*rot == 0) *rot = *D;
  const st_type *c = st_op_operand(op, 1)->type;
  if (*rot % 2 || *rot > *D || c->u.shaped.rank < 2 || c->u.shaped.dims[c->u.shaped.rank - 1] != *rot / 2)
    return st_graph_type_error(op, d, "expects an even rotary dim and caches of width rotary_dim / 2", c);
  return true;
}

static bool st_rotary_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 3, d)) return false;
  int64_t H, S, D, rot;
  if (!st_rotary_dims(op, &H, &S, &D, &rot, d)) return false;
  results[0] = st_op_operand(op, 0)->type;
  return true;
}

static bool st_rotary_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  int64_t H, S, D, rot;
  if (!st_rotary_dims(op, &H, &S, &D, &rot, d)) return false;
  const st_type *xt = in[0].type, *elem = st_type_elem(xt), *ce = st_type_elem(in[1].type);
  bool four_d = xt->u.shaped.rank == 4, interleaved = st_op_attr_int(op, "interleaved", 0) != 0;
  bool has_pos = st_graph_has_operand(op, 3);
  int64_t B = xt->u.shaped.dims[0], half = rot / 2, max_pos = in[1].type->u.shaped.dims[0];
  if (!has_pos && st_type_num_elements(in[1].type) != B * S * half) {
    st_diag_error(d, op->loc, "'graph.rotary_embedding' op without position_ids needs caches of shape (B, S, rot/2)");
    return false;
  }
  for (int64_t b = 0; b < B; b++)
    for (int64_t s = 0; s < S; s++) {
      int64_t c0 = (b * S + s) * half;
      if (has_pos) {
        int64_t pos = st_elem_load_i(st_type_elem(in[3].type), in[3].data, b * S + s);
        if (pos < 0 || pos >= max_pos) {
          st_diag_error(d, op->loc, "'graph.rotary_embedding' op position id %" PRId64 " is out of range [0, %" PRId64 ")",
                        pos, max_pos);
          return false;
        }
        c0 = pos * half;
      }
      for (int64_t h = 0; h < H; h++) {
        int64_t x0 = four_d ? ((b * H + h) * S + s) * D : (b * S + s) * H * D + h * D;
        for (int64_t k = 0; k < half; k++) {
          double c = st_elem_load_f(ce, in[1].data, c0 + k), sn = st_elem_load_f(ce, in[2].data, c0 + k);
          int64_t i1 = interleaved ? 2 * k : k, i2 = interleaved ? 2 * k + 1 : k + half;
          double x1 = st_elem_load_f(elem, in[0].data, x0 + i1), x2 = st_elem_load_f(elem, in[0].data, x0 + i2);
          st_elem_store_f(elem, out[0].data, x0 + i1, c * x1 - sn * x2);
          st_elem_store_f(elem, out[0].data, x0 + i2, sn * x1 + c * x2);
        }
        for (int64_t k = rot; k < D; k++) st_elem_store_f(elem, out[0].data, x0 + k, st_elem_load_f(elem, in[0].data, x0 + k));
      }
    }
  return true;
}

/* ---- graph.einsum {equation}: explicit loops over every label ---- */

static int st_einsum_letter(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return 26 + c - 'A';
  return -1;
}

/* Parses one term (letters and at most one "...") of an operand of rank
 * `rank` (or of the output when rank < 0, with `ell` ellipsis dims). */
static bool st_einsum_term(const char *s, size_t n, int rank, unsigned ell_max, int *lab, unsigned *count) {
  unsigned letters = 0, k = 0;
  bool has_ell = false;
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '.') letters++;
  unsigned ell = rank >= 0 ? (unsigned)rank - letters : ell_max;
  if (rank >= 0 && letters > (unsigned)rank) return false;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == ' ') continue;
    if (s[i] == '.') {
      if (has_ell || i + 2 >= n + 0 || s[i + 1] != '.' || s[i + 2] != '.') return false;
      has_ell = true;
      i += 2;
      for (unsigned t = 0; t < ell; t++) {
        if (k >= ST_MAX_RANK) return false;
        lab[k++] = 52 + (int)(ell_max - ell + t);
      }
      continue;
    }
    int l = st_einsum_letter(s[i]);
    if (l < 0 || k >= ST_MAX_RANK) return false;
    lab[k++] = l;
  }
  if (rank >= 0 && !has_ell && letters != (unsigned)rank) return false;
  *count = k;
  return true;
}

bool st_einsum_parse(st_op *op, st_einsum *e, st_diag *d) {
  const char *eq = st_op_attr_str(op, "equation");
  memset(e, 0, sizeof *e);
  if (!eq || op->num_operands == 0 || op->num_operands > ST_EINSUM_MAX_IN) {
    st_diag_error(d, op->loc, "'graph.einsum' op needs an equation and 1 to %d operands", ST_EINSUM_MAX_IN);
    return false;
  }
  e->ninputs = op->num_operands;
  const char *arrow = strstr(eq, "->"), *end = arrow ? arrow : eq + strlen(eq), *p = eq;
  unsigned ell_max = 0;
  for (unsigned i = 0; i < e->ninputs; i++) {
    const char *comma = memchr(p, ',', (size_t)(end - p));
    const char *term_end = comma ? comma : end;
    if ((comma == NULL) != (i + 1 == e->ninputs)) goto bad;
    const st_type *t = st_op_operand(op, i)->type;
    unsigned letters = 0;
    for (const char *c = p; c < term_end; c++) letters += *c != ' ' && *c != '.';
    if (letters <= t->u.shaped.rank && t->u.shaped.rank - letters > ell_max) ell_max = t->u.shaped.rank - letters;
    if (!st_einsum_term(p, (size_t)(term_end - p), (int)t->u.shaped.rank, 0, e->lab[i], &e->rank[i])) goto bad;
    p = term_end + 1;
  }
  /* Second pass with the ellipsis width known, so "..." dims align right. */
  p = eq;
  for (unsigned i = 0; i < e->ninputs; i++) {
    const char *comma = memchr(p, ',', (size_t)(end - p)), *term_end = comma ? comma : end;
    const st_type *t = st_op_operand(op, i)->type;
    if (!st_einsum_term(p, (size_t)(term_end - p), (int)t->u.shaped.rank, ell_max, e->lab[i], &e->rank[i])) goto bad;
    for (unsigned k = 0; k < e->rank[i]; k++) {
      int l = e->lab[i][k];
      st_dim dim = t->u.shaped.dims[k];
      if (!e->used[l] || e->size[l] == 1) e->size[l] = dim;
      else if (dim != e->size[l] && dim != 1) {
        st_diag_error(d, op->loc, "'graph.einsum' op label '%c' has sizes %" PRId64 " and %" PRId64,
                      l < 26 ? 'a' + l : l < 52 ? 'A' + l - 26 : '.', e->size[l], dim);
        return false;
      }
      e->used[l] = true;
    }
    p = term_end + 1;
  }
  if (arrow) {
    const char *o = arrow + 2;
    if (!st_einsum_term(o, strlen(o), -1, ell_max, e->out, &e->nout)) goto bad;
    for (unsigned k = 0; k < e->nout; k++)
      if (!e->used[e->out[k]]) goto bad;
  } else {
    /* Implicit output: the ellipsis dims, then the letters used once, sorted. */
    for (unsigned t = 0; t < ell_max; t++) e->out[e->nout++] = 52 + (int)t;
    for (int l = 0; l < 52; l++) {
      unsigned uses = 0;
      for (unsigned i = 0; i < e->ninputs; i++)
        for (unsigned k = 0; k < e->rank[i]; k++) uses += e->lab[i][k] == l;
      if (uses == 1) e->out[e->nout++] = l;
    }
  }
  return true;
bad:
  st_diag_error(d, op->loc, "'graph.einsum' op cannot parse equation '%s' for its operands", eq);
  return false;
}

static bool st_einsum_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 1, d)) return false;
  for (unsigned i = 0; i < op->num_operands; i++)
    if (!st_graph_expect_tensor(op, i, d)) return false;
  st_einsum e;
  if (!st_einsum_parse(op, &e, d)) return false;
  st_dim dims[ST_MAX_RANK];
  for (unsigned k = 0; k < e.nout; k++) dims[k] = e.size[e.out[k]];
  results[0] = st_type_tensor(ctx, st_op_operand(op, 0)->type->u.shaped.elem, e.nout, dims);
  return true;
}

static bool st_einsum_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_einsum e;
  if (!st_einsum_parse(op, &e, d)) return false;
  /* Loop labels: every used label; strides of each operand per loop label. */
  int labels[ST_EINSUM_LABELS];
  st_dim extent[ST_EINSUM_LABELS];
  unsigned nl = 0;
  for (int l = 0; l < ST_EINSUM_LABELS; l++)
    if (e.used[l]) {
      labels[nl] = l;
      extent[nl++] = e.size[l];
    }
  int64_t strides[ST_EINSUM_MAX_IN + 1][ST_EINSUM_LABELS];
  memset(strides, 0, sizeof strides);
  for (unsigned i = 0; i <= e.ninputs; i++) {
    unsigned r = i < e.ninputs ? e.rank[i] : e.nout;
    const int *lab = i < e.ninputs ? e.lab[i] : e.out;
    const st_dim *dims = i < e.ninputs ? in[i].type->u.shaped.dims : out[0].type->u.shaped.dims;
    int64_t s = 1;
    for (unsigned k = r; k-- > 0;) {
      for (unsigned t = 0; t < nl; t++)
        if (labels[t] == lab[k] && dims[k] != 1) strides[i][t] += s;
      s *= dims[k];
    }
  }
  const st_type *elem = st_type_elem(out[0].type);
  bool is_float = st_type_is_float(elem);
  int64_t total = st_type_num_elements(out[0].type), iters = 1;
  for (unsigned t = 0; t < nl; t++) iters *= extent[t];
  double *acc = st_graph_scratch(op, total, d);
  int64_t *iacc = acc ? calloc((size_t)(total ? total : 1), sizeof *iacc) : NULL;
  if (!iacc) {
    free(acc);
    if (acc) st_diag_error(d, op->loc, "'graph.einsum' op is out of memory");
    return false;
  }
  int64_t idx[ST_EINSUM_LABELS] = {0};
  for (int64_t it = 0; it < iters; it++) {
    int64_t o = 0;
    for (unsigned t = 0; t < nl; t++) o += idx[t] * strides[e.ninputs][t];
    double pf = 1;
    uint64_t pi = 1;
    for (unsigned i = 0; i < e.ninputs; i++) {
      int64_t at = 0;
      for (unsigned t = 0; t < nl; t++) at += idx[t] * strides[i][t];
      const st_type *ie = st_type_elem(in[i].type);
      if (is_float) pf *= st_elem_load_f(ie, in[i].data, at);
      else pi *= (uint64_t)st_elem_load_i(ie, in[i].data, at);
    }
    if (is_float) acc[o] += pf;
    else iacc[o] = (int64_t)((uint64_t)iacc[o] + pi);
    for (unsigned t = nl; t-- > 0;) {
      if (++idx[t] < extent[t]) break;
      idx[t] = 0;
    }
  }
  for (int64_t x = 0; x < total; x++) {
    if (is_float) st_elem_store_f(elem, out[0].data, x, acc[x]);
    else st_elem_store_i(elem, out[0].data, x, iacc[x]);
  }
  free(acc);
  free(iacc);
  return true;
}

/* ---- the table ---- */

const st_op_def st_graph_attention_def = {
    .name = "graph.attention",
    .summary = "softmax(scale * Q K^T (softcap) + mask) V with GQA, causal mask and KV cache; results Y, present_key, "
               "present_value, qk_matmul_output",
    .num_operands = ST_VARIADIC, .num_results = ST_VARIADIC, .traits = ST_TRAIT_PURE,
    .infer_types = st_attn_infer, .interpret = st_attn_interp,
    .lower = st_graph_lower_attention,
};
const st_op_def st_graph_rotary_embedding_def = {
    .name = "graph.rotary_embedding", .summary = "rotates pairs of features by cached cos/sin (interleaved or halves)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_rotary_infer, .interpret = st_rotary_interp, .lower = st_graph_lower_rotary,
};
const st_op_def st_graph_einsum_def = {
    .name = "graph.einsum", .summary = "Einstein summation over the labels of attr equation",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_einsum_infer, .interpret = st_einsum_interp,
    .lower = st_graph_lower_einsum,
};
