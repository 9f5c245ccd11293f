/* Recurrent ops of the nn family: RNN, GRU and LSTM (ONNX opset 22), all
 * directions, both layouts, sequence_lens, clip, peepholes and the named
 * activation functions.  One stepping loop serves the three cells; a cell
 * differs only in its gate count and in how gates combine into the new
 * hidden (and cell) state.
 *
 * Operands: X, W, R, [B, sequence_lens, initial_h, (LSTM) initial_c, P].
 * Results: Y, Y_h, (LSTM) Y_c, each optional. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_rnn.h"
#include "ir/elem.h"

static st_cell st_rnn_cell(const st_op *op) {
  return op->def == &st_graph_lstm_def ? ST_CELL_LSTM : op->def == &st_graph_gru_def ? ST_CELL_GRU : ST_CELL_RNN;
}

bool st_rnn_geom(st_op *op, st_rnn *g, st_diag *d) {
  unsigned max_ops = st_rnn_cell(op) == ST_CELL_LSTM ? 8 : 6;
  if (op->num_operands < 3 || op->num_operands > max_ops) {
    st_diag_error(d, op->loc, "'%s' op expects 3 to %u operands, got %u", op->def->name, max_ops, op->num_operands);
    return false;
  }
  for (unsigned i = 0; i < 3; i++)
    if (!st_graph_expect_tensor(op, i, d)) return false;
  return st_rnn_geom_of(op, st_op_operand(op, 0)->type, st_op_operand(op, 1)->type, st_op_operand(op, 2)->type, g, d);
}

bool st_rnn_geom_of(st_op *op, const st_type *x, const st_type *w, const st_type *r, st_rnn *g, st_diag *d) {
  g->cell = st_rnn_cell(op);
  g->gates = g->cell == ST_CELL_LSTM ? 4 : g->cell == ST_CELL_GRU ? 3 : 1;
  g->num_acts = g->cell == ST_CELL_LSTM ? 3 : g->cell == ST_CELL_GRU ? 2 : 1;
  if (x->u.shaped.rank != 3 || w->u.shaped.rank != 3 || r->u.shaped.rank != 3)
    return st_graph_type_error(op, d, "expects X, W and R of rank 3", x);
  g->layout1 = st_op_attr_int(op, "layout", 0) != 0;
  g->seq = x->u.shaped.dims[g->layout1 ? 1 : 0];
  g->batch = x->u.shaped.dims[g->layout1 ? 0 : 1];
  g->input = x->u.shaped.dims[2];
  g->hidden = st_op_attr_int(op, "hidden_size", r->u.shaped.dims[2]);
  g->dirs = w->u.shaped.dims[0];
  const char *dir = st_op_attr_str(op, "direction");
  g->dir_mode = !dir || !strcmp(dir, "forward") ? 0 : !strcmp(dir, "reverse") ? 1 : !strcmp(dir, "bidirectional") ? 2 : -1;
  if (g->dir_mode < 0 || g->dirs != (g->dir_mode == 2 ? 2 : 1)) {
    st_diag_error(d, op->loc, "'%s' op direction '%s' does not match %" PRId64 " weight directions", op->def->name,
                  dir ? dir : "forward", g->dirs);
    return false;
  }
  if (w->u.shaped.dims[1] != (int64_t)g->gates * g->hidden || w->u.shaped.dims[2] != g->input ||
      r->u.shaped.dims[1] != (int64_t)g->gates * g->hidden || r->u.shaped.dims[2] != g->hidden) {
    st_diag_error(d, op->loc, "'%s' op weights do not match %u gates of hidden size %" PRId64 " and input size %" PRId64,
                  op->def->name, g->gates, g->hidden, g->input);
    return false;
  }
  return true;
}

static bool st_rnn_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 3, d)) return false;
  st_rnn g;
  if (!st_rnn_geom(op, &g, d)) return false;
  unsigned max_res = g.cell == ST_CELL_LSTM ? 3 : 2;
  if (op->num_results > max_res) {
    st_diag_error(d, op->loc, "'%s' op has at most %u results, got %u", op->def->name, max_res, op->num_results);
    return false;
  }
  const st_type *elem = st_op_operand(op, 0)->type->u.shaped.elem;
  st_dim y0[4] = {g.seq, g.dirs, g.batch, g.hidden}, y1[4] = {g.batch, g.seq, g.dirs, g.hidden};
  st_dim h0[3] = {g.dirs, g.batch, g.hidden}, h1[3] = {g.batch, g.dirs, g.hidden};
  for (unsigned i = 0; i < op->num_results; i++)
    results[i] = i == 0 ? st_type_tensor(ctx, elem, 4, g.layout1 ? y1 : y0) : st_type_tensor(ctx, elem, 3, g.layout1 ? h1 : h0);
  return true;
}

/* The named activation functions, in st_rnn_act_kind's order. */
static bool st_rnn_act_parse(const char *name, st_rnn_act_kind *kind, double *alpha, double *beta) {
  static const struct { const char *name; double alpha, beta; } acts[] = {
      {"Relu", 0, 0},     {"Tanh", 0, 0},          {"Sigmoid", 0, 0},   {"Affine", 1, 0},
      {"LeakyRelu", 0.01, 0}, {"ThresholdedRelu", 1, 0}, {"ScaledTanh", 1, 1}, {"HardSigmoid", 0.2, 0.5},
      {"Elu", 1, 0},      {"Softsign", 0, 0},      {"Softplus", 0, 0},
  };
  for (int i = 0; i < (int)(sizeof acts / sizeof *acts); i++)
    if (!strcmp(name, acts[i].name)) {
      *kind = (st_rnn_act_kind)i;
      *alpha = acts[i].alpha;
      *beta = acts[i].beta;
      return true;
    }
  return false;
}

static double st_rnn_act(st_rnn_act_kind kind, double a, double b, double x) {
  switch (kind) {
  case ST_RNN_RELU: return x > 0 ? x : 0;
  case ST_RNN_TANH: return tanh(x);
  case ST_RNN_SIGMOID: return 1 / (1 + exp(-x));
  case ST_RNN_AFFINE: return a * x + b;
  case ST_RNN_LEAKY_RELU: return x >= 0 ? x : a * x;
  case ST_RNN_THRESHOLDED_RELU: return x > a ? x : 0;
  case ST_RNN_SCALED_TANH: return a * tanh(b * x);
  case ST_RNN_HARD_SIGMOID: { double y = a * x + b; return y < 0 ? 0 : y > 1 ? 1 : y; }
  case ST_RNN_ELU: return x >= 0 ? x : a * (exp(x) - 1);
  case ST_RNN_SOFTSIGN: return x / (1 + fabs(x));
  case ST_RNN_SOFTPLUS: break;
  }
  return log1p(exp(x)); /* Softplus */
}

/* Activations per direction (f, g, h for LSTM; f, g for GRU; f for RNN),
 * with the ONNX defaults. */
bool st_rnn_acts_read(st_op *op, const st_rnn *g, st_rnn_acts *a, st_diag *d) {
  static const char *const defaults[3][3] = {{"Tanh"}, {"Sigmoid", "Tanh"}, {"Sigmoid", "Tanh", "Tanh"}};
  const st_attr *names = st_op_get_attr(op, "activations");
  const st_attr *al = st_op_get_attr(op, "activation_alpha"), *be = st_op_get_attr(op, "activation_beta");
  unsigned n = g->num_acts * (unsigned)g->dirs;
  for (unsigned i = 0; i < n; i++) {
    char name[32];
    if (names && names->kind == ST_ATTR_ARRAY && i < names->u.array.n && names->u.array.elems[i]->kind == ST_ATTR_STRING) {
      const st_attr *s = names->u.array.elems[i];
      size_t len = s->u.str.len < sizeof name - 1 ? s->u.str.len : sizeof name - 1;
      memcpy(name, s->u.str.data, len);
      name[len] = 0;
    } else {
      strcpy(name, defaults[g->cell][i % g->num_acts]);
    }
    if (!st_rnn_act_parse(name, &a->kind[i], &a->alpha[i], &a->beta[i])) {
      st_diag_error(d, op->loc, "'%s' op has an unknown activation '%s'", op->def->name, name);
      return false;
    }
    if (al && al->kind == ST_ATTR_ARRAY && i < al->u.array.n && al->u.array.elems[i]->kind == ST_ATTR_FLOAT)
      a->alpha[i] = al->u.array.elems[i]->u.f;
    if (be && be->kind == ST_ATTR_ARRAY && i < be->u.array.n && be->u.array.elems[i]->kind == ST_ATTR_FLOAT)
      a->beta[i] = be->u.array.elems[i]->u.f;
  }
  return true;
}

/* Loads operand i (if present) as doubles: n entries starting at `first`. */
static void st_rnn_load(const st_op *op, const st_tensor *in, unsigned i, int64_t first, int64_t n, double *dst) {
  if (!st_graph_has_operand(op, i)) {
    memset(dst, 0, (size_t)n * sizeof *dst);
    return;
  }
  for (int64_t k = 0; k < n; k++) dst[k] = st_elem_load_f(st_type_elem(in[i].type), in[i].data, first + k);
}

/* Runs one direction over the batch; writes Y (if wanted) and leaves the
 * final states in h and c. */
typedef struct st_rnn_dir {
  const st_rnn *g;
  const st_rnn_acts *acts;
  int64_t dir;
  bool reverse;
  double clip;
  bool linear_before_reset, input_forget;
  const double *W, *R, *Wb, *Rb, *P; /* this direction's weights */
  double *h, *c;                    /* (batch, hidden) */
  double *gates;                    /* scratch: gates * hidden */
} st_rnn_dir;

static double st_rnn_clip(const st_rnn_dir *r, double v) {
  if (r->clip > 0) v = v > r->clip ? r->clip : v < -r->clip ? -r->clip : v;
  return v;
}

static double st_rnn_f(const st_rnn_dir *r, unsigned which, double x) {
  unsigned k = (unsigned)r->dir * r->g->num_acts + which;
  return st_rnn_act(r->acts->kind[k], r->acts->alpha[k], r->acts->beta[k], x);
}

/* One time step of batch row b from input row x (input entries). */
static void st_rnn_step(st_rnn_dir *r, const double *x, int64_t b) {
  const st_rnn *g = r->g;
  int64_t H = g->hidden, I = g->input;
  double *h = r->h + b * H, *c = r->c + b * H, *gt = r->gates;
  /* gt[q*H + k] = W_q x + Wb_q (+ R_q h + Rb_q, except GRU's h gate). */
  for (unsigned q = 0; q < g->gates; q++)
    for (int64_t k = 0; k < H; k++) {
      int64_t row = q * H + k;
      double s = r->Wb[row];
      for (int64_t j = 0; j < I; j++) s += r->W[row * I + j] * x[j];
      if (!(g->cell == ST_CELL_GRU && q == 2)) {
        s += r->Rb[row];
        for (int64_t j = 0; j < H; j++) s += r->R[row * H + j] * h[j];
      }
      gt[row] = s;
    }
  if (g->cell == ST_CELL_RNN) {
    for (int64_t k = 0; k < H; k++) h[k] = st_rnn_f(r, 0, st_rnn_clip(r, gt[k]));
  } else if (g->cell == ST_CELL_GRU) {
    double *z = gt, *rr = gt + H, *hh = gt + 2 * H;
    for (int64_t k = 0; k < H; k++) {
      z[k] = st_rnn_f(r, 0, st_rnn_clip(r, z[k]));
      rr[k] = st_rnn_f(r, 0, st_rnn_clip(r, rr[k]));
    }
    for (int64_t k = 0; k < H; k++) {
      int64_t row = 2 * H + k;
      double rec = 0;
      if (r->linear_before_reset) {
        rec = r->Rb[row];
        for (int64_t j = 0; j < H; j++) rec += r->R[row * H + j] * h[j];
        rec *= rr[k];
      } else {
        rec = r->Rb[row];
        for (int64_t j = 0; j < H; j++) rec += r->R[row * H + j] * (rr[j] * h[j]);
      }
      hh[k] = st_rnn_f(r, 1, st_rnn_clip(r, hh[k] + rec));
    }
    for (int64_t k = 0; k < H; k++) h[k] = (1 - z[k]) * hh[k] + z[k] * h[k];
  } else {
    double *ig = gt, *og = gt + H, *fg = gt + 2 * H, *cg = gt + 3 * H;
    for (int64_t k = 0; k < H; k++) {
      double i_ = st_rnn_f(r, 0, st_rnn_clip(r, ig[k] + r->P[k] * c[k]));
      double f_ = r->input_forget ? 1 - i_ : st_rnn_f(r, 0, st_rnn_clip(r, fg[k] + r->P[2 * H + k] * c[k]));
      double c_ = st_rnn_f(r, 1, st_rnn_clip(r, cg[k]));
      c[k] = f_ * c[k] + i_ * c_;
      double o_ = st_rnn_f(r, 0, st_rnn_clip(r, og[k] + r->P[H + k] * c[k]));
      h[k] = o_ * st_rnn_f(r, 2, c[k]);
    }
  }
}

static bool st_rnn_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_rnn g;
  st_rnn_acts acts;
  if (!st_rnn_geom(op, &g, d) || !st_rnn_acts_read(op, &g, &acts, d)) return false;
  int64_t S = g.seq, Bt = g.batch, I = g.input, H = g.hidden, G = g.gates, ND = g.dirs;
  bool lstm = g.cell == ST_CELL_LSTM;
  unsigned i_seq = 4, i_h0 = 5, i_c0 = 6, i_p = 7;
  int64_t nw = G * H * I, nr = G * H * H;
  double *buf = st_graph_scratch(op, nw + nr + 2 * G * H + 3 * H + 2 * Bt * H + G * H + I + S * ND * Bt * H, d);
  if (!buf) return false;
  double *W = buf, *R = W + nw, *Bias = R + nr, *P = Bias + 2 * G * H, *h = P + 3 * H, *c = h + Bt * H;
  double *gates = c + Bt * H, *x = gates + G * H, *Y = x + I;
  const st_type *xe = st_type_elem(in[0].type);
  for (int64_t dir = 0; dir < ND; dir++) {
    st_rnn_load(op, in, 1, dir * nw, nw, W);
    st_rnn_load(op, in, 2, dir * nr, nr, R);
    st_rnn_load(op, in, 3, dir * 2 * G * H, 2 * G * H, Bias);
    if (lstm) st_rnn_load(op, in, i_p, dir * 3 * H, 3 * H, P);
    else memset(P, 0, 3 * (size_t)H * sizeof *P);
    for (int64_t b = 0; b < Bt; b++) {
      /* initial_h / initial_c: (dirs, batch, hidden), or (batch, dirs, hidden) in layout 1 */
      int64_t at = g.layout1 ? (b * ND + dir) * H : (dir * Bt + b) * H;
      st_rnn_load(op, in, i_h0, at, H, h + b * H);
      if (lstm) st_rnn_load(op, in, i_c0, at, H, c + b * H);
      else memset(c + b * H, 0, (size_t)H * sizeof *c);
    }
    st_rnn_dir r = {.g = &g, .acts = &acts, .dir = dir, .reverse = g.dir_mode == 1 || dir == 1,
                    .clip = st_op_attr_float(op, "clip", 0.0),
                    .linear_before_reset = st_op_attr_int(op, "linear_before_reset", 0) != 0,
                    .input_forget = st_op_attr_int(op, "input_forget", 0) != 0,
                    .W = W, .R = R, .Wb = Bias, .Rb = Bias + G * H, .P = P, .h = h, .c = c, .gates = gates};
    for (int64_t b = 0; b < Bt; b++) {
      int64_t len = S;
      if (st_graph_has_operand(op, i_seq)) len = st_elem_load_i(st_type_elem(in[i_seq].type), in[i_seq].data, b);
      if (len < 0 || len > S) {
        st_diag_error(d, op->loc, "'%s' op sequence length %" PRId64 " is out of range [0, %" PRId64 "]", op->def->name, len, S);
        free(buf);
        return false;
      }
      for (int64_t step = 0; step < len; step++) {
        int64_t t = r.reverse ? len - 1 - step : step;
        int64_t x0 = g.layout1 ? (b * S + t) * I : (t * Bt + b) * I;
        for (int64_t j = 0; j < I; j++) x[j] = st_elem_load_f(xe, in[0].data, x0 + j);
        st_rnn_step(&r, x, b);
        memcpy(Y + ((t * ND + dir) * Bt + b) * H, h + b * H, (size_t)H * sizeof *h);
      }
    }
    /* Y_h and Y_c of this direction. */
    for (unsigned res = 1; res < op->num_results && res < 3; res++) {
      if (out[res].type->kind != ST_TY_TENSOR) continue;
      const double *src = res == 1 ? h : c;
      for (int64_t b = 0; b < Bt; b++)
        for (int64_t k = 0; k < H; k++) {
          int64_t at = g.layout1 ? (b * ND + dir) * H + k : (dir * Bt + b) * H + k;
          st_elem_store_f(st_type_elem(out[res].type), out[res].data, at, src[b * H + k]);
        }
    }
  }
  if (op->num_results > 0 && out[0].type->kind == ST_TY_TENSOR)
    for (int64_t t = 0; t < S; t++)
      for (int64_t dir = 0; dir < ND; dir++)
        for (int64_t b = 0; b < Bt; b++)
          for (int64_t k = 0; k < H; k++) {
            int64_t at = g.layout1 ? ((b * S + t) * ND + dir) * H + k : ((t * ND + dir) * Bt + b) * H + k;
            st_elem_store_f(st_type_elem(out[0].type), out[0].data, at, Y[((t * ND + dir) * Bt + b) * H + k]);
          }
  free(buf);
  return true;
}

const st_op_def st_graph_rnn_def = {
    .name = "graph.rnn", .summary = "simple recurrent network (ONNX RNN): Y, Y_h",
    .num_operands = ST_VARIADIC, .num_results = ST_VARIADIC, .traits = ST_TRAIT_PURE,
    .infer_types = st_rnn_infer, .interpret = st_rnn_interp, .lower = st_graph_lower_rnn,
};
const st_op_def st_graph_gru_def = {
    .name = "graph.gru", .summary = "gated recurrent unit network (ONNX GRU): Y, Y_h",
    .num_operands = ST_VARIADIC, .num_results = ST_VARIADIC, .traits = ST_TRAIT_PURE,
    .infer_types = st_rnn_infer, .interpret = st_rnn_interp, .lower = st_graph_lower_rnn,
};
const st_op_def st_graph_lstm_def = {
    .name = "graph.lstm", .summary = "long short-term memory network (ONNX LSTM): Y, Y_h, Y_c",
    .num_operands = ST_VARIADIC, .num_results = ST_VARIADIC, .traits = ST_TRAIT_PURE,
    .infer_types = st_rnn_infer, .interpret = st_rnn_interp, .lower = st_graph_lower_rnn,
};
