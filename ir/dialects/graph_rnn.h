/* Internal to the graph dialect: what the recurrent ops' interpreter
 * (graph_nn_rnn.c) and their lowering (graph_lower_rnn.c) share: the
 * geometry of graph.rnn / graph.gru / graph.lstm and the activation
 * functions read from their attributes.
 *
 * Operands: X, W, R, [B, sequence_lens, initial_h, (LSTM) initial_c, P].
 * Results: Y, Y_h, (LSTM) Y_c. */
#ifndef ST_IR_GRAPH_RNN_H
#define ST_IR_GRAPH_RNN_H

#include "ir/dialects/graph_nn.h"

enum { ST_RNN_X, ST_RNN_W, ST_RNN_R, ST_RNN_B, ST_RNN_SEQ, ST_RNN_H0, ST_RNN_C0, ST_RNN_P };

typedef enum st_cell { ST_CELL_RNN, ST_CELL_GRU, ST_CELL_LSTM } st_cell;

typedef struct st_rnn {
  st_cell cell;
  unsigned gates, num_acts; /* gate rows per hidden unit (1, 3, 4); activations per direction (1, 2, 3) */
  bool layout1;             /* batch-major X, Y, initial and final states */
  int64_t seq, batch, input, hidden, dirs;
  int dir_mode; /* 0 forward, 1 reverse, 2 bidirectional */
} st_rnn;

/* The named activation functions of the ONNX RNN ops. */
typedef enum st_rnn_act_kind {
  ST_RNN_RELU, ST_RNN_TANH, ST_RNN_SIGMOID, ST_RNN_AFFINE, ST_RNN_LEAKY_RELU, ST_RNN_THRESHOLDED_RELU,
  ST_RNN_SCALED_TANH, ST_RNN_HARD_SIGMOID, ST_RNN_ELU, ST_RNN_SOFTSIGN, ST_RNN_SOFTPLUS,
} st_rnn_act_kind;

/* Per direction dir, activation which (f, g, h) is index dir * num_acts + which. */
typedef struct st_rnn_acts {
  st_rnn_act_kind kind[6];
  double alpha[6], beta[6];
} st_rnn_acts;

/* Checks the operands and reads the geometry (diagnostic naming the op). */
bool st_rnn_geom(st_op *op, st_rnn *g, st_diag *d);
/* The geometry from the shaped types (tensors or, when lowering, their
 * buffers) of X, W and R. */
bool st_rnn_geom_of(st_op *op, const st_type *x, const st_type *w, const st_type *r, st_rnn *g, st_diag *d);
/* The activations of every direction, with the ONNX defaults. */
bool st_rnn_acts_read(st_op *op, const st_rnn *g, st_rnn_acts *a, st_diag *d);

#endif
