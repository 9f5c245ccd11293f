/* Mapping rows of the extra op family (ir/dialects/graph_extra*.c): BitCast,
 * TensorScatter, TfIdfVectorizer, Unique, LinearAttention,
 * CausalConvWithState and ai.onnx.preview's FlexAttention.
 *
 * Unique's result shapes depend on its input's values.  The hook takes them
 * from the types the model declares for the node's outputs; without them it
 * needs X to be constant (shape specialisation binds it when the caller gave
 * input values) and counts the unique values itself.  FlexAttention becomes
 * graph.flex_scores, the score_mod subgraph (imported inline on the
 * scores), graph.softmax, the prob_mod subgraph and graph.flex_apply. */
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx/import_subgraph.h"
#include "frontend/onnx/onnx_hooks.h"
#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_extra.h"
#include "ir/dialects/graph_reduce.h"

/* U, the number of unique slices, from the declared types (Y's dim along
 * the axis, or the length of indices / counts); -1 when none says. */
static int64_t st_unique_declared(st_onnx_importer *im, const st_onnx_node *node, bool has_axis, unsigned axis,
                                  unsigned rank) {
  for (unsigned i = 0; i < node->num_outputs && i < 4; i++) {
    if (i == 2) continue;
    const st_type *t = st_onnx_declared_type(im, node, i);
    if (!t) continue;
    unsigned want_rank = i == 0 && has_axis ? rank : 1;
    if (t->u.shaped.rank == want_rank) return t->u.shaped.dims[i == 0 && has_axis ? axis : 0];
  }
  return -1;
}

static bool st_extra_unique(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  st_value *x = node->num_inputs ? node->inputs[0] : NULL;
  if (!x || x->type->kind != ST_TY_TENSOR || !st_type_has_static_shape(x->type) || x->type->u.shaped.rank > 8 ||
      node->num_outputs < 1 || node->num_outputs > 4) {
    st_diag_error(d, node->loc, "Unique node %s needs a static tensor input and 1 to 4 outputs", node->name);
    return false;
  }
  const st_type *xt = x->type;
  unsigned rank = xt->u.shaped.rank, axis = 0;
  int64_t ax;
  bool has_axis = st_onnx_attr_int(node, "axis", &ax);
  if (has_axis) {
    if (ax < -(int64_t)rank || ax >= (int64_t)rank) {
      st_diag_error(d, node->loc, "Unique node %s: axis %lld is out of range for rank %u", node->name, (long long)ax, rank);
      return false;
    }
    axis = (unsigned)(ax < 0 ? ax + rank : ax);
  }
  int64_t U = st_unique_declared(im, node, has_axis, axis, rank);
  if (U < 0) {
    const st_attr *c = st_value_const(x);
    st_tensor t;
    void *owned = NULL;
    if (!c) {
      st_onnx_need_constant(im, x);
      st_diag_error(d, node->loc, "Unique node %s: its output shapes depend on X's values; the model must declare "
                    "static output shapes or X must be constant", node->name);
      return false;
    }
    if (!st_onnx_attr_tensor(c, &t, &owned)) return st_diag_error(d, node->loc, "Unique: cannot read X"), false;
    U = st_graph_unique_count(&t, has_axis, axis);
    free(owned);
    if (U < 0) return st_diag_error(d, node->loc, "Unique: out of memory"), false;
  }
  st_context *ctx = st_onnx_module(im)->ctx;
  const st_type *i64 = st_type_scalar(ctx, ST_TY_I64), *types[4];
  st_dim dims[8], n = has_axis ? xt->u.shaped.dims[axis] : st_type_num_elements(xt);
  memcpy(dims, xt->u.shaped.dims, rank * sizeof *dims);
  dims[axis] = U;
  types[0] = has_axis ? st_type_tensor(ctx, xt->u.shaped.elem, rank, dims) : st_type_tensor(ctx, xt->u.shaped.elem, 1, &U);
  types[1] = types[3] = st_type_tensor(ctx, i64, 1, &U);
  types[2] = st_type_tensor(ctx, i64, 1, &n);
  st_named_attr attrs[2];
  unsigned na = 0;
  if (has_axis) attrs[na++] = (st_named_attr){"axis", st_attr_int(st_onnx_module(im), i64, ax)};
  int64_t sorted = 1;
  st_onnx_attr_int(node, "sorted", &sorted);
  attrs[na++] = (st_named_attr){"sorted", st_attr_int(st_onnx_module(im), i64, sorted)};
  st_op *op = st_onnx_build_typed(im, node, &st_graph_unique_def, 1, &x, node->num_outputs, types, na, attrs, d);
  if (!op) return false;
  for (unsigned i = 0; i < node->num_outputs; i++) outputs[i] = st_op_result(op, i);
  return true;
}

/* Runs the GRAPH attribute `what` (one input, one output) on v, if present. */
static bool st_flex_mod(st_onnx_importer *im, const st_onnx_node *node, const char *what, st_value **v, st_diag *d) {
  const Onnx__GraphProto *g = st_onnx_attr_graph(node, what);
  if (!g) return true;
  if (g->n_input != 1 || g->n_output != 1) {
    st_diag_error(d, node->loc, "FlexAttention node %s: %s must have one input and one output", node->name, what);
    return false;
  }
  st_value *out = NULL;
  if (!st_onnx_import_inline(im, node, what, g, 1, v, &out, d)) return false;
  if (!out || out->type != (*v)->type) {
    st_diag_error(d, node->loc, "FlexAttention node %s: %s must keep the type of its input", node->name, what);
    return false;
  }
  *v = out;
  return true;
}

static bool st_extra_flex_attention(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  if (node->num_inputs != 3 || !node->inputs[0] || !node->inputs[1] || !node->inputs[2]) {
    st_diag_error(d, node->loc, "FlexAttention node %s needs inputs Q, K and V", node->name);
    return false;
  }
  const st_named_attr drop[] = {{"scale", NULL}, {"softmax_precision", NULL}};
  st_op *op = st_onnx_build(im, node, &st_graph_flex_scores_def, 2, node->inputs, 0, NULL, d);
  st_value *v = op ? st_op_result(op, 0) : NULL;
  if (!v || !st_flex_mod(im, node, "score_mod", &v, d)) return false;
  if (!(op = st_onnx_build(im, node, &st_graph_softmax_def, 1, &v, 2, drop, d))) return false;
  v = st_op_result(op, 0);
  if (!st_flex_mod(im, node, "prob_mod", &v, d)) return false;
  st_value *pv[2] = {v, node->inputs[2]};
  if (!(op = st_onnx_build(im, node, &st_graph_flex_apply_def, 2, pv, 2, drop, d))) return false;
  outputs[0] = st_op_result(op, 0);
  return true;
}

static const st_onnx_op_map st_extra_rows[] = {
    {"BitCast", "", 26, &st_graph_bitcast_def, NULL},
    {"TensorScatter", "", 24, &st_graph_tensor_scatter_def, NULL},
    {"TfIdfVectorizer", "", 9, &st_graph_tfidf_vectorizer_def, NULL},
    {"Unique", "", 11, &st_graph_unique_def, st_extra_unique},
    {"LinearAttention", "", 27, &st_graph_linear_attention_def, NULL},
    {"CausalConvWithState", "", 27, &st_graph_causal_conv_with_state_def, NULL},
    {"FlexAttention", "ai.onnx.preview", 1, &st_graph_flex_scores_def, st_extra_flex_attention},
};

const st_onnx_map_group st_onnx_map_extra = ST_ONNX_MAP_GROUP(st_extra_rows);
