/* Lower hook of graph.attention (opset 23/24): the computation of the
 * interpreter (graph_nn_attn.c) as loop nests, in f64 like it.
 *
 * - Keys and values: with a past cache, or when present_key/present_value
 *   is a result, concat(past, new) along the sequence is copied into the
 *   present buffer (the result, or a workspace buffer) by two nests; without
 *   either the new K/V are read in place.  3-D inputs (B, S, H * D) are
 *   viewed as (B, S, H, D), so a head is one more index.
 * - Scores: a parallel nest over (b, query head h, query row i); key head
 *   h / (Hq / Hkv) (grouped-query attention).  For each key j, sequentially:
 *   s = scale * q . k, the softcap c * tanh(s / c), then the additive bias:
 *   -inf where masked (boolean mask false, key beyond the mask's width or
 *   the non-padded length, causal j > i + offset), else the float mask's
 *   value.  Scores go to an f64 workspace row (B, Hq, Sq, Stot).
 * - Softmax over the row: the maximum, exp(s - max) (0 when the whole row is
 *   -inf) summed, divided when the sum is positive, so fully masked rows give
 *   zero probabilities, not NaN.
 * - qk_matmul_output: the scaled product (mode 0), after the softcap (1),
 *   after the mask (2) or the probabilities (3), stored where it is made.
 * - Y[b, h, i, :] = sum_j p[j] * v[j, :], one sequential sweep per feature. */
#include <math.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"

typedef struct st_la {
  bool three_d;
  int64_t B, Hq, Hkv, Sq, Skv, Spast, Stot, D, Dv;
} st_la;

/* The index of (batch, head, position, feature) in a 4-D buffer that is
 * (B, H, S, X), or (B, S, H, X) when seq_major (a viewed 3-D input). */
static void st_la_idx(bool seq_major, st_value *b, st_value *h, st_value *s, st_value *x, st_value **idx) {
  idx[0] = b;
  idx[1] = seq_major ? s : h;
  idx[2] = seq_major ? h : s;
  idx[3] = x;
}

static bool st_la_geom(st_lower_ctx *lc, st_op *op, st_la *g) {
  const st_type *q = lc->inputs[0]->type, *k = lc->inputs[1]->type, *v = lc->inputs[2]->type;
  const st_dim *qd = q->u.shaped.dims, *kd = k->u.shaped.dims, *vd = v->u.shaped.dims;
  g->three_d = q->u.shaped.rank == 3;
  g->B = qd[0];
  if (g->three_d) {
    g->Hq = st_op_attr_int(op, "q_num_heads", 0);
    g->Hkv = st_op_attr_int(op, "kv_num_heads", 0);
    if (g->Hq <= 0 || g->Hkv <= 0) return false;
    g->Sq = qd[1], g->Skv = kd[1], g->D = qd[2] / g->Hq, g->Dv = vd[2] / g->Hkv;
  } else {
    g->Hq = qd[1], g->Hkv = kd[1], g->Sq = qd[2], g->Skv = kd[2], g->D = qd[3], g->Dv = vd[3];
  }
  if (g->Hkv <= 0 || g->Hq % g->Hkv) return false;
  g->Spast = lc->num_inputs > 4 && lc->inputs[4] ? lc->inputs[4]->type->u.shaped.dims[2] : 0;
  g->Stot = g->Spast + g->Skv;
  return true;
}

/* Fills dst (B, Hkv, Stot, width) with concat(past, cur) along the sequence. */
static bool st_la_present(st_lower_ctx *lc, const st_la *g, st_value *past, st_value *cur, int64_t width, st_value *dst) {
  st_value *ivs[4], *si[4], *di[4];
  if (past) {
    st_dim dims[4] = {g->B, g->Hkv, g->Spast, width};
    st_builder in = st_lower_loops(lc, &lc->b, 4, dims, true, ivs);
    if (!in.block ||
        !st_lower_store(&in, st_lower_cast(&in, st_lower_load(&in, past, ivs), dst->type->u.shaped.elem), dst, ivs))
      return false;
  }
  st_dim dims[4] = {g->B, g->Hkv, g->Skv, width};
  st_builder in = st_lower_loops(lc, &lc->b, 4, dims, true, ivs);
  if (!in.block) return false;
  st_la_idx(g->three_d, ivs[0], ivs[1], ivs[2], ivs[3], si);
  st_value *j = g->Spast ? st_lower_binary(&in, &st_arith_addi_def, ivs[2], st_lower_index(lc, g->Spast)) : ivs[2];
  st_la_idx(false, ivs[0], ivs[1], j, ivs[3], di);
  return st_lower_store(&in, st_lower_cast(&in, st_lower_load(&in, cur, si), dst->type->u.shaped.elem), dst, di);
}

/* The buffer keys (or values) are read from, and whether it is seq-major. */
static st_value *st_la_kv(st_lower_ctx *lc, st_op *op, const st_la *g, unsigned res, unsigned cur_i, unsigned past_i,
                          int64_t width, bool *seq_major) {
  bool want = op->num_results > res && op->results[res].type->kind == ST_TY_TENSOR;
  st_value *past = lc->num_inputs > past_i ? lc->inputs[past_i] : NULL;
  st_dim cd[4] = {g->B, g->three_d ? g->Skv : g->Hkv, g->three_d ? g->Hkv : g->Skv, width};
  st_value *cur = st_lower_view(lc, lc->inputs[cur_i], 4, cd);
  if (!cur) return NULL;
  if (!want && !past) {
    *seq_major = g->three_d;
    return cur;
  }
  *seq_major = false;
  st_dim pd[4] = {g->B, g->Hkv, g->Stot, width};
  st_value *dst = want ? st_lower_result(lc, res) : st_lower_alloc(lc, cur->type->u.shaped.elem, 4, pd);
  return dst && st_la_present(lc, g, past, cur, width, dst) ? dst : NULL;
}

bool st_graph_lower_attention(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  st_la g;
  if (!st_la_geom(lc, op, &g)) return st_graph_lower_fail(op, d, "unexpected geometry");
  const st_type *f64 = st_type_scalar(ctx, ST_TY_F64), *i1 = st_type_scalar(ctx, ST_TY_I1);
  const st_type *index = st_type_scalar(ctx, ST_TY_INDEX), *oe = op->results[0].type->u.shaped.elem;
  double scale = st_op_get_attr(op, "scale") ? st_op_attr_float(op, "scale", 1.0) : 1.0 / sqrt((double)g.D);
  double softcap = st_op_attr_float(op, "softcap", 0.0);
  int64_t mode = st_op_attr_int(op, "qk_matmul_output_mode", 0);
  bool causal = st_op_attr_int(op, "is_causal", 0) != 0;
  st_value *mask = lc->num_inputs > 3 ? lc->inputs[3] : NULL, *nonpad = lc->num_inputs > 6 ? lc->inputs[6] : NULL;
  bool has_past = lc->num_inputs > 4 && lc->inputs[4];

  st_value *ydst = st_lower_result(lc, 0);
  if (!ydst) return false;
  bool kseq, vseq;
  st_value *keys = st_la_kv(lc, op, &g, 1, 1, 4, g.D, &kseq);
  st_value *vals = keys ? st_la_kv(lc, op, &g, 2, 2, 5, g.Dv, &vseq) : NULL;
  if (!vals) return false;
  st_value *qk = NULL;
  if (op->num_results > 3 && op->results[3].type->kind == ST_TY_TENSOR && !(qk = st_lower_result(lc, 3))) return false;
  st_dim qdims[4] = {g.B, g.three_d ? g.Sq : g.Hq, g.three_d ? g.Hq : g.Sq, g.D};
  st_dim ydims[4] = {g.B, g.three_d ? g.Sq : g.Hq, g.three_d ? g.Hq : g.Sq, g.Dv};
  st_dim rdims[4] = {g.B, g.Hq, g.Sq, g.Stot};
  st_value *q = st_lower_view(lc, lc->inputs[0], 4, qdims), *y = st_lower_view(lc, ydst, 4, ydims);
  st_value *row = st_lower_alloc(lc, f64, 4, rdims);
  if (!q || !y || !row) return false;

  /* ---- per (b, h, i) ---- */
  st_value *ivs[3], *j, *x, *idx[4], *ri[4];
  st_builder in = st_lower_loops(lc, &lc->b, 3, rdims, true, ivs);
  if (!in.block) return false;
  st_value *b = ivs[0], *h = ivs[1], *i = ivs[2];
  int64_t group = g.Hq / g.Hkv;
  st_value *hk = group == 1 ? h : st_lower_binary(&in, &st_arith_divsi_def, h, st_lower_index(lc, group));
  st_value *mx = st_lower_alloca(&in, f64), *sum = mx ? st_lower_alloca(&in, f64) : NULL;
  st_value *acc = sum ? st_lower_alloca(&in, f64) : NULL;
  st_value *ninf = st_lower_const(&in, f64, -INFINITY), *zero = st_lower_const(&in, f64, 0);
  if (!acc || !st_lower_store(&in, ninf, mx, NULL) || !st_lower_store(&in, zero, sum, NULL)) return false;
  /* causal limit i + offset; the valid key count of this batch */
  st_value *valid = NULL, *limit = NULL;
  if (nonpad) {
    st_value *zi = st_lower_index(lc, 0);
    valid = st_lower_cast(&in, st_lower_load(&in, nonpad, nonpad->type->u.shaped.rank ? &b : &zi), index);
  }
  if (causal) {
    st_value *off = has_past || !nonpad ? st_lower_index(lc, g.Spast)
                                        : st_lower_binary(&in, &st_arith_subi_def, valid, st_lower_index(lc, g.Sq));
    limit = st_lower_binary(&in, &st_arith_addi_def, i, off);
  }

  /* sweep 1: scores, bias, maximum */
  st_builder l1 = st_lower_loops(lc, &in, 1, &g.Stot, false, &j);
  if (!l1.block || !st_lower_store(&l1, zero, acc, NULL)) return false;
  st_builder lx = st_lower_loops(lc, &l1, 1, &g.D, false, &x);
  if (!lx.block) return false;
  st_la_idx(g.three_d, b, h, i, x, idx);
  st_value *qv = st_lower_cast(&lx, st_lower_load(&lx, q, idx), f64);
  st_la_idx(kseq, b, hk, j, x, idx);
  st_value *kv = st_lower_cast(&lx, st_lower_load(&lx, keys, idx), f64);
  if (!st_lower_store(&lx, st_lower_binary(&lx, &st_arith_addf_def, st_lower_load(&lx, acc, NULL),
                                           st_lower_binary(&lx, &st_arith_mulf_def, qv, kv)), acc, NULL))
    return false;
  st_value *s = st_lower_binary(&l1, &st_arith_mulf_def, st_lower_load(&l1, acc, NULL), st_lower_const(&l1, f64, scale));
  st_value *qkv = s;
  ri[0] = b, ri[1] = h, ri[2] = i, ri[3] = j;
  if (softcap > 0) {
    st_value *c = st_lower_const(&l1, f64, softcap);
    s = st_lower_binary(&l1, &st_arith_mulf_def, c,
                        st_lower_math(&l1, "tanh", st_lower_binary(&l1, &st_arith_divf_def, s, c), NULL));
    if (mode == 1) qkv = s;
  }
  st_value *masked = NULL, *bias = zero;
  if (mask) {
    const st_type *mt = mask->type;
    unsigned mr = mt->u.shaped.rank;
    int64_t width = mt->u.shaped.dims[mr - 1];
    const int64_t full[4] = {g.B, g.Hq, g.Sq, g.Stot};
    st_value *jm = j, *mi[4], *fi[4] = {b, h, i, NULL};
    if (width < g.Stot) {
      masked = st_lower_cmp(&l1, &st_arith_cmpi_def, "sge", j, st_lower_index(lc, width));
      jm = st_lower_select(&l1, masked, st_lower_index(lc, width - 1), j);
    }
    fi[3] = jm;
    for (unsigned a = 4 - mr; a < 4; a++) {
      st_dim md = mt->u.shaped.dims[a - (4 - mr)];
      mi[a - (4 - mr)] = md == 1 && full[a] != 1 && a != 3 ? st_lower_index(lc, 0) : fi[a];
    }
    st_value *m = st_lower_load(&l1, mask, mi);
    if (mt->u.shaped.elem->kind == ST_TY_I1) {
      st_value *off = st_lower_binary(&l1, &st_arith_xori_def, m, st_lower_const(&l1, i1, 1));
      masked = masked ? st_lower_binary(&l1, &st_arith_ori_def, masked, off) : off;
    } else {
      bias = st_lower_cast(&l1, m, f64);
    }
  }
  if (nonpad) {
    st_value *beyond = st_lower_cmp(&l1, &st_arith_cmpi_def, "sge", j, valid);
    masked = masked ? st_lower_binary(&l1, &st_arith_ori_def, masked, beyond) : beyond;
  }
  if (causal) {
    st_value *future = st_lower_cmp(&l1, &st_arith_cmpi_def, "sgt", j, limit);
    masked = masked ? st_lower_binary(&l1, &st_arith_ori_def, masked, future) : future;
  }
  if (masked) bias = st_lower_select(&l1, masked, ninf, bias);
  if (masked || mask) s = st_lower_binary(&l1, &st_arith_addf_def, s, bias);
  if (mode == 2) qkv = s;
  if (qk && mode <= 2 && !st_lower_store(&l1, st_lower_cast(&l1, qkv, qk->type->u.shaped.elem), qk, ri)) return false;
  st_value *m0 = st_lower_load(&l1, mx, NULL);
  if (!st_lower_store(&l1, s, row, ri) ||
      !st_lower_store(&l1, st_lower_select(&l1, st_lower_cmp(&l1, &st_arith_cmpf_def, "ogt", s, m0), s, m0), mx, NULL))
    return false;

  /* sweep 2: exp(s - max), 0 for an all -inf row; the sum */
  st_builder l2 = st_lower_loops(lc, &in, 1, &g.Stot, false, &j);
  if (!l2.block) return false;
  ri[3] = j;
  st_value *m2 = st_lower_load(&l2, mx, NULL), *empty = st_lower_cmp(&l2, &st_arith_cmpf_def, "oeq", m2, ninf);
  /* max 0 for an empty row, so exp never sees -inf - -inf */
  st_value *sh = st_lower_binary(&l2, &st_arith_subf_def, st_lower_load(&l2, row, ri), st_lower_select(&l2, empty, zero, m2));
  st_value *e = st_lower_select(&l2, empty, zero, st_lower_math(&l2, "exp", sh, NULL));
  if (!st_lower_store(&l2, e, row, ri) ||
      !st_lower_store(&l2, st_lower_binary(&l2, &st_arith_addf_def, st_lower_load(&l2, sum, NULL), e), sum, NULL))
    return false;

  /* sweep 3: divide by a positive sum */
  st_builder l3 = st_lower_loops(lc, &in, 1, &g.Stot, false, &j);
  if (!l3.block) return false;
  ri[3] = j;
  st_value *sm = st_lower_load(&l3, sum, NULL), *r = st_lower_load(&l3, row, ri);
  st_value *p = st_lower_select(&l3, st_lower_cmp(&l3, &st_arith_cmpf_def, "ogt", sm, zero),
                                st_lower_binary(&l3, &st_arith_divf_def, r, sm), r);
  if (!st_lower_store(&l3, p, row, ri)) return false;
  if (qk && mode == 3 && !st_lower_store(&l3, st_lower_cast(&l3, p, qk->type->u.shaped.elem), qk, ri)) return false;

  /* Y = P V */
  st_builder ly = st_lower_loops(lc, &in, 1, &g.Dv, false, &x);
  if (!ly.block || !st_lower_store(&ly, zero, acc, NULL)) return false;
  st_builder lj = st_lower_loops(lc, &ly, 1, &g.Stot, false, &j);
  if (!lj.block) return false;
  ri[3] = j;
  st_la_idx(vseq, b, hk, j, x, idx);
  st_value *vv = st_lower_cast(&lj, st_lower_load(&lj, vals, idx), f64);
  if (!st_lower_store(&lj, st_lower_binary(&lj, &st_arith_addf_def, st_lower_load(&lj, acc, NULL),
                                           st_lower_binary(&lj, &st_arith_mulf_def, st_lower_load(&lj, row, ri), vv)),
                      acc, NULL))
    return false;
  st_la_idx(g.three_d, b, h, i, x, idx);
  return st_lower_store(&ly, st_lower_cast(&ly, st_lower_load(&ly, acc, NULL), oe), y, idx);
}
