/* Lower hooks of graph.rnn, graph.gru and graph.lstm: the interpreter's
 * stepping (graph_nn_rnn.c) as loops, in f64 like it, for every direction,
 * both layouts, sequence_lens (read at run time), clip, linear_before_reset,
 * input_forget, peepholes and the named activations with alpha / beta.
 *
 * State lives in f64 workspace buffers: h and c (batch, hidden) and the gate
 * sums (batch, gates * hidden).  Each direction is one nest, its activations
 * chosen at compile time:
 *
 *   parallel b:                       h, c = initial_h, initial_c (or 0)
 *     len = sequence_lens[b] (clamped to [0, seq]) or seq
 *     for step in [0, seq):           sequential; `if step < len` with lengths
 *       t = reverse ? len - 1 - step : step
 *       parallel k: gates[q*H + k] = Wb + W x_t (+ Rb + R h, except GRU's h gate)
 *       the cell's parallel k loops: new h (and c), stored to Y[t] too
 *     Y_h, Y_c = h, c
 *
 * The sums add in the interpreter's order.  Y is zeroed first when lengths
 * are given, as the interpreter leaves the steps past a length at 0. */
#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_rnn.h"

typedef struct st_lr {
  st_lower_ctx *lc;
  st_builder *b; /* where the helpers below emit */
  const st_rnn *g;
  const st_rnn_acts *acts;
  const st_type *f64;
  int64_t dir;
  double clip;
  bool linear_before_reset, input_forget;
  st_value *x, *w, *r, *bias, *seq, *h0, *c0, *p; /* operand buffers, NULL when absent */
  st_value *y, *yh, *yc;                          /* results to write, NULL when not */
  st_value *h, *c, *gates;                        /* f64 workspace */
  st_value *bi, *t;                               /* the batch row and time step being emitted */
} st_lr;

static st_value *st_lr_c(st_lr *l, double v) { return st_lower_const(l->b, l->f64, v); }
static st_value *st_lr_idx(st_lr *l, int64_t v) { return st_lower_index(l->lc, v); }
static st_value *st_lr_bin(st_lr *l, const st_op_def *def, st_value *x, st_value *y) {
  return st_lower_binary(l->b, def, x, y);
}
static st_value *st_lr_add(st_lr *l, st_value *x, st_value *y) { return st_lr_bin(l, &st_arith_addf_def, x, y); }
static st_value *st_lr_sub(st_lr *l, st_value *x, st_value *y) { return st_lr_bin(l, &st_arith_subf_def, x, y); }
static st_value *st_lr_mul(st_lr *l, st_value *x, st_value *y) { return st_lr_bin(l, &st_arith_mulf_def, x, y); }
static st_value *st_lr_div(st_lr *l, st_value *x, st_value *y) { return st_lr_bin(l, &st_arith_divf_def, x, y); }
static st_value *st_lr_sel(st_lr *l, const char *pred, st_value *x, st_value *y, st_value *a, st_value *b) {
  return st_lower_select(l->b, st_lower_cmp(l->b, &st_arith_cmpf_def, pred, x, y), a, b);
}
/* buf[i0, i1, (i2)] as f64. */
static st_value *st_lr_load(st_lr *l, st_value *buf, st_value *i0, st_value *i1, st_value *i2) {
  st_value *idx[3] = {i0, i1, i2};
  return st_lower_cast(l->b, st_lower_load(l->b, buf, idx), l->f64);
}
static bool st_lr_store(st_lr *l, st_value *v, st_value *buf, st_value *i0, st_value *i1) {
  st_value *idx[2] = {i0, i1};
  return st_lower_store(l->b, v, buf, idx);
}
/* q * hidden + k */
static st_value *st_lr_row(st_lr *l, unsigned q, st_value *k) {
  return q ? st_lower_binary(l->b, &st_arith_addi_def, k, st_lr_idx(l, (int64_t)q * l->g->hidden)) : k;
}

/* Activation `which` (f, g, h) of this direction at x. */
static st_value *st_lr_act(st_lr *l, unsigned which, st_value *x) {
  unsigned i = (unsigned)l->dir * l->g->num_acts + which;
  double a = l->acts->alpha[i], b = l->acts->beta[i];
  switch (l->acts->kind[i]) {
  case ST_RNN_TANH: return st_lower_math(l->b, "tanh", x, NULL);
  case ST_RNN_SIGMOID: {
    st_value *one = st_lr_c(l, 1);
    return st_lr_div(l, one, st_lr_add(l, one, st_lower_math(l->b, "exp", st_lower_math(l->b, "neg", x, NULL), NULL)));
  }
  case ST_RNN_RELU: return st_lr_sel(l, "ogt", x, st_lr_c(l, 0), x, st_lr_c(l, 0));
  case ST_RNN_AFFINE: return st_lr_add(l, st_lr_mul(l, st_lr_c(l, a), x), st_lr_c(l, b));
  case ST_RNN_LEAKY_RELU: return st_lr_sel(l, "oge", x, st_lr_c(l, 0), x, st_lr_mul(l, st_lr_c(l, a), x));
  case ST_RNN_THRESHOLDED_RELU: return st_lr_sel(l, "ogt", x, st_lr_c(l, a), x, st_lr_c(l, 0));
  case ST_RNN_SCALED_TANH:
    return st_lr_mul(l, st_lr_c(l, a), st_lower_math(l->b, "tanh", st_lr_mul(l, st_lr_c(l, b), x), NULL));
  case ST_RNN_HARD_SIGMOID: {
    st_value *y = st_lr_add(l, st_lr_mul(l, st_lr_c(l, a), x), st_lr_c(l, b)), *zero = st_lr_c(l, 0);
    st_value *one = st_lr_c(l, 1);
    return st_lr_sel(l, "olt", y, zero, zero, st_lr_sel(l, "ogt", y, one, one, y));
  }
  case ST_RNN_ELU: {
    st_value *em1 = st_lr_sub(l, st_lower_math(l->b, "exp", x, NULL), st_lr_c(l, 1));
    return st_lr_sel(l, "oge", x, st_lr_c(l, 0), x, st_lr_mul(l, st_lr_c(l, a), em1));
  }
  case ST_RNN_SOFTSIGN: return st_lr_div(l, x, st_lr_add(l, st_lr_c(l, 1), st_lower_math(l->b, "abs", x, NULL)));
  case ST_RNN_SOFTPLUS: break;
  }
  return st_lower_math(l->b, "log1p", st_lower_math(l->b, "exp", x, NULL), NULL);
}

/* x limited to [-clip, clip] when clip > 0. */
static st_value *st_lr_clip(st_lr *l, st_value *x) {
  if (!(l->clip > 0)) return x;
  st_value *hi = st_lr_c(l, l->clip), *lo = st_lr_c(l, -l->clip);
  return st_lr_sel(l, "ogt", x, hi, hi, st_lr_sel(l, "olt", x, lo, lo, x));
}

/* What a gate row's weights multiply at column j. */
typedef enum { ST_LR_X, ST_LR_H, ST_LR_RH } st_lr_vec;

/* acc += sum_j wbuf[dir, row, j] * v[j] over n columns, in order. */
static bool st_lr_dot(st_lr *l, st_value *acc, st_value *wbuf, st_value *row, int64_t n, st_lr_vec vec) {
  st_builder *outer = l->b, in;
  st_value *j;
  in = st_lower_loops(l->lc, outer, 1, &n, false, &j);
  if (!in.block) return false;
  l->b = &in;
  st_value *v;
  if (vec == ST_LR_X)
    v = l->g->layout1 ? st_lr_load(l, l->x, l->bi, l->t, j) : st_lr_load(l, l->x, l->t, l->bi, j);
  else
    v = st_lr_load(l, l->h, l->bi, j, NULL);
  if (vec == ST_LR_RH) v = st_lr_mul(l, st_lr_load(l, l->gates, l->bi, st_lr_row(l, 1, j), NULL), v);
  st_value *wv = st_lr_load(l, wbuf, st_lr_idx(l, l->dir), row, j);
  bool ok = st_lower_store(&in, st_lr_add(l, st_lower_load(&in, acc, NULL), st_lr_mul(l, wv, v)), acc, NULL);
  l->b = outer;
  return ok;
}

/* acc += bias[dir, off + row] when there is a bias. */
static bool st_lr_add_bias(st_lr *l, st_value *acc, int64_t off, st_value *row) {
  if (!l->bias) return true;
  st_value *at = off ? st_lower_binary(l->b, &st_arith_addi_def, row, st_lr_idx(l, off)) : row;
  st_value *bv = st_lr_load(l, l->bias, st_lr_idx(l, l->dir), at, NULL);
  return st_lower_store(l->b, st_lr_add(l, st_lower_load(l->b, acc, NULL), bv), acc, NULL);
}

/* Opens a parallel loop over the hidden units at *at; *in (and l->b) receive its body. */
static bool st_lr_hidden_loop(st_lr *l, st_builder *at, st_builder *in, st_value **k) {
  *in = st_lower_loops(l->lc, at, 1, &l->g->hidden, true, k);
  l->b = in;
  return in->block != NULL;
}

/* The new h (and Y[t]) at k. */
static bool st_lr_put_h(st_lr *l, st_value *k, st_value *hv) {
  if (!st_lr_store(l, hv, l->h, l->bi, k)) return false;
  if (!l->y) return true;
  const st_rnn *g = l->g;
  st_value *d = st_lr_idx(l, l->dir);
  st_value *idx[4] = {l->t, d, l->bi, k}, *idx1[4] = {l->bi, l->t, d, k};
  return st_lower_store(l->b, st_lower_cast(l->b, hv, l->y->type->u.shaped.elem), l->y, g->layout1 ? idx1 : idx);
}

/* The gate sum (or activated gate) q at hidden unit k. */
static st_value *st_lr_gate(st_lr *l, st_value *k, unsigned q) {
  return st_lr_load(l, l->gates, l->bi, st_lr_row(l, q, k), NULL);
}

/* One time step at *at: the gate sums, then the cell. */
static bool st_lr_step(st_lr *l, st_builder *at) {
  const st_rnn *g = l->g;
  int64_t H = g->hidden, GH = (int64_t)g->gates * H;
  st_builder in;
  st_value *k;
  /* gates[q*H + k] = Wb + W x (+ Rb + R h) */
  if (!st_lr_hidden_loop(l, at, &in, &k)) return false;
  st_value *acc = st_lower_alloca(&in, l->f64);
  if (!acc) return false;
  for (unsigned q = 0; q < g->gates; q++) {
    st_value *row = st_lr_row(l, q, k);
    st_value *init = l->bias ? st_lr_load(l, l->bias, st_lr_idx(l, l->dir), row, NULL) : st_lr_c(l, 0);
    if (!st_lower_store(&in, init, acc, NULL) || !st_lr_dot(l, acc, l->w, row, g->input, ST_LR_X)) return false;
    if (!(g->cell == ST_CELL_GRU && q == 2) &&
        (!st_lr_add_bias(l, acc, GH, row) || !st_lr_dot(l, acc, l->r, row, H, ST_LR_H)))
      return false;
    if (!st_lr_store(l, st_lower_load(&in, acc, NULL), l->gates, l->bi, row)) return false;
  }

  if (g->cell == ST_CELL_RNN) {
    if (!st_lr_hidden_loop(l, at, &in, &k)) return false;
    return st_lr_put_h(l, k, st_lr_act(l, 0, st_lr_clip(l, st_lr_load(l, l->gates, l->bi, k, NULL))));
  }

  if (g->cell == ST_CELL_GRU) {
    /* z, r = f(clip(.)), in place */
    if (!st_lr_hidden_loop(l, at, &in, &k)) return false;
    for (unsigned q = 0; q < 2; q++) {
      st_value *row = st_lr_row(l, q, k);
      st_value *v = st_lr_act(l, 0, st_lr_clip(l, st_lr_load(l, l->gates, l->bi, row, NULL)));
      if (!st_lr_store(l, v, l->gates, l->bi, row)) return false;
    }
    /* hh = g(clip(Wb + W x + rec)), rec = Rb + R (r h), or r (Rb + R h) when linear_before_reset */
    if (!st_lr_hidden_loop(l, at, &in, &k)) return false;
    st_value *row = st_lr_row(l, 2, k), *rec = st_lower_alloca(&in, l->f64);
    st_value *rb = l->bias ? st_lr_load(l, l->bias, st_lr_idx(l, l->dir), st_lr_row(l, g->gates + 2, k), NULL)
                           : st_lr_c(l, 0);
    if (!rec || !st_lower_store(&in, rb, rec, NULL) ||
        !st_lr_dot(l, rec, l->r, row, H, l->linear_before_reset ? ST_LR_H : ST_LR_RH))
      return false;
    st_value *rv = st_lower_load(&in, rec, NULL);
    if (l->linear_before_reset) rv = st_lr_mul(l, rv, st_lr_gate(l, k, 1));
    st_value *hh = st_lr_act(l, 1, st_lr_clip(l, st_lr_add(l, st_lr_load(l, l->gates, l->bi, row, NULL), rv)));
    if (!st_lr_store(l, hh, l->gates, l->bi, row)) return false;
    /* h = (1 - z) hh + z h */
    if (!st_lr_hidden_loop(l, at, &in, &k)) return false;
    st_value *z = st_lr_gate(l, k, 0);
    hh = st_lr_gate(l, k, 2);
    st_value *hv = st_lr_add(l, st_lr_mul(l, st_lr_sub(l, st_lr_c(l, 1), z), hh),
                             st_lr_mul(l, z, st_lr_load(l, l->h, l->bi, k, NULL)));
    return st_lr_put_h(l, k, hv);
  }

  /* LSTM, gates i, o, f, c; peepholes P = (p_i, p_o, p_f) */
  if (!st_lr_hidden_loop(l, at, &in, &k)) return false;
  st_value *c = st_lr_load(l, l->c, l->bi, k, NULL), *peep[3];
  for (unsigned q = 0; q < 3; q++)
    peep[q] = l->p ? st_lr_load(l, l->p, st_lr_idx(l, l->dir), st_lr_row(l, q, k), NULL) : st_lr_c(l, 0);
  st_value *i = st_lr_act(l, 0, st_lr_clip(l, st_lr_add(l, st_lr_gate(l, k, 0), st_lr_mul(l, peep[0], c))));
  st_value *fg = l->input_forget ? NULL : st_lr_add(l, st_lr_gate(l, k, 2), st_lr_mul(l, peep[2], c));
  st_value *f = l->input_forget ? st_lr_sub(l, st_lr_c(l, 1), i) : st_lr_act(l, 0, st_lr_clip(l, fg));
  st_value *cc = st_lr_act(l, 1, st_lr_clip(l, st_lr_gate(l, k, 3)));
  st_value *cn = st_lr_add(l, st_lr_mul(l, f, c), st_lr_mul(l, i, cc));
  if (!st_lr_store(l, cn, l->c, l->bi, k)) return false;
  st_value *o = st_lr_act(l, 0, st_lr_clip(l, st_lr_add(l, st_lr_gate(l, k, 1), st_lr_mul(l, peep[1], cn))));
  return st_lr_put_h(l, k, st_lr_mul(l, o, st_lr_act(l, 2, cn)));
}

/* The index of (dir, b, k) in initial_h / Y_h (layout 0) or its batch-major form. */
static void st_lr_state_idx(st_lr *l, st_value *k, st_value **idx) {
  st_value *d = st_lr_idx(l, l->dir);
  idx[0] = l->g->layout1 ? l->bi : d;
  idx[1] = l->g->layout1 ? d : l->bi;
  idx[2] = k;
}

/* One direction: a parallel nest over the batch, stepping through time in each row. */
static bool st_lr_direction(st_lr *l, bool reverse) {
  st_lower_ctx *lc = l->lc;
  const st_rnn *g = l->g;
  bool lstm = g->cell == ST_CELL_LSTM;
  st_builder bb = st_lower_loops(lc, &lc->b, 1, &g->batch, true, &l->bi), in;
  st_value *k, *idx[3];
  if (!bb.block) return false;
  /* h, c = initial_h, initial_c or 0 */
  if (!st_lr_hidden_loop(l, &bb, &in, &k)) return false;
  st_lr_state_idx(l, k, idx);
  if (!st_lr_store(l, l->h0 ? st_lr_load(l, l->h0, idx[0], idx[1], idx[2]) : st_lr_c(l, 0), l->h, l->bi, k) ||
      (lstm && !st_lr_store(l, l->c0 ? st_lr_load(l, l->c0, idx[0], idx[1], idx[2]) : st_lr_c(l, 0), l->c, l->bi, k)))
    return false;
  /* this row's length, limited to [0, seq] */
  l->b = &bb;
  st_value *len = st_lr_idx(l, g->seq), *zero = st_lr_idx(l, 0);
  if (l->seq) {
    st_value *n =
        st_lower_cast(l->b, st_lower_load(&bb, l->seq, &l->bi), st_type_scalar(lc->b.module->ctx, ST_TY_INDEX));
    n = st_lower_select(&bb, st_lower_cmp(&bb, &st_arith_cmpi_def, "slt", n, zero), zero, n);
    len = st_lower_select(&bb, st_lower_cmp(&bb, &st_arith_cmpi_def, "sgt", n, len), len, n);
  }
  st_value *step;
  st_builder tb = st_lower_loops(lc, &bb, 1, &g->seq, false, &step);
  if (!tb.block) return false;
  st_builder body = l->seq ? st_lower_if(&tb, st_lower_cmp(&tb, &st_arith_cmpi_def, "slt", step, len), NULL) : tb;
  if (!body.block) return false;
  l->b = &body;
  l->t = !reverse ? step
                  : st_lower_binary(&body, &st_arith_subi_def,
                                    st_lower_binary(&body, &st_arith_subi_def, len, st_lr_idx(l, 1)), step);
  if (!st_lr_step(l, &body)) return false;
  /* Y_h, Y_c */
  if (!l->yh && !l->yc) return true;
  if (!st_lr_hidden_loop(l, &bb, &in, &k)) return false;
  st_lr_state_idx(l, k, idx);
  st_value *hv = l->yh ? st_lr_load(l, l->h, l->bi, k, NULL) : NULL;
  st_value *cv = l->yc ? st_lr_load(l, l->c, l->bi, k, NULL) : NULL;
  return (!l->yh || st_lower_store(&in, st_lower_cast(l->b, hv, l->yh->type->u.shaped.elem), l->yh, idx)) &&
         (!l->yc || st_lower_store(&in, st_lower_cast(l->b, cv, l->yc->type->u.shaped.elem), l->yc, idx));
}

bool st_graph_lower_rnn(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_rnn g;
  st_rnn_acts acts;
  if (lc->num_inputs < 3 || !lc->inputs[0] || !lc->inputs[1] || !lc->inputs[2])
    return st_graph_lower_fail(op, d, "X, W and R are required");
  if (!st_rnn_geom_of(op, lc->inputs[0]->type, lc->inputs[1]->type, lc->inputs[2]->type, &g, d) ||
      !st_rnn_acts_read(op, &g, &acts, d))
    return false;
  bool lstm = g.cell == ST_CELL_LSTM;
  st_lr l = {.lc = lc, .b = &lc->b, .g = &g, .acts = &acts, .f64 = st_type_scalar(lc->b.module->ctx, ST_TY_F64),
             .clip = st_op_attr_float(op, "clip", 0.0),
             .linear_before_reset = st_op_attr_int(op, "linear_before_reset", 0) != 0,
             .input_forget = st_op_attr_int(op, "input_forget", 0) != 0};
  st_value *in[8] = {0};
  for (unsigned i = 0; i < lc->num_inputs && i < 8; i++) in[i] = lc->inputs[i];
  l.x = in[ST_RNN_X], l.w = in[ST_RNN_W], l.r = in[ST_RNN_R], l.bias = in[ST_RNN_B], l.seq = in[ST_RNN_SEQ];
  l.h0 = in[ST_RNN_H0];
  if (lstm) l.c0 = in[ST_RNN_C0], l.p = in[ST_RNN_P];
  /* every result gets a buffer; only those read are written */
  st_value *res[3] = {0};
  for (unsigned r = 0; r < op->num_results && r < 3; r++) {
    if (!(res[r] = st_lower_result(lc, r))) return false;
    if (!st_value_num_uses(&op->results[r])) res[r] = NULL;
  }
  l.y = res[0], l.yh = res[1], l.yc = res[2];
  if (!l.y && !l.yh && !l.yc) return true;
  st_dim hd[2] = {g.batch, g.hidden}, gd[2] = {g.batch, (int64_t)g.gates * g.hidden};
  l.h = st_lower_alloc(lc, l.f64, 2, hd);
  l.gates = st_lower_alloc(lc, l.f64, 2, gd);
  l.c = lstm ? st_lower_alloc(lc, l.f64, 2, hd) : NULL;
  if (!l.h || !l.gates || (lstm && !l.c)) return false;
  if (l.y && l.seq) { /* the steps past a row's length stay 0 */
    st_value *ivs[4];
    st_builder zb = st_lower_loops(lc, &lc->b, 4, l.y->type->u.shaped.dims, true, ivs);
    if (!zb.block || !st_lower_store(&zb, st_lower_const(&zb, l.y->type->u.shaped.elem, 0), l.y, ivs)) return false;
  }
  for (l.dir = 0; l.dir < g.dirs; l.dir++)
    if (!st_lr_direction(&l, g.dir_mode == 1 || l.dir == 1)) return false;
  return true;
}
