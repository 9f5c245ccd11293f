/* Mapping rows of the control-flow family: If, Loop and Scan become
 * graph.if, graph.loop and graph.scan with their GRAPH attributes imported as
 * regions (import_subgraph.c).
 *
 * Each hook creates the op detached with placeholder result types, imports
 * its bodies (block argument types come from the node's operands), then
 * asks the op's infer_types hook for the result types, so a body that does
 * not fit (a loop-carried value changing type, scan outputs of a loop whose
 * trip count is not constant) is an error naming the node.  A Loop with a
 * constant trip count whose body cannot be typed once for all iterations is
 * unrolled instead (its shapes then fold per iteration).  Scan-8, whose
 * inputs carry a batch axis, is imported for batch 1 by reshaping around a
 * graph.scan. */
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx/import_subgraph.h"
#include "frontend/onnx/onnx_hooks.h"
#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_control.h"
#include "ir/dialects/graph_shape.h"

enum { ST_CF_MAX_VALUES = 64, ST_CF_MAX_RANK = 8 };

/* A graph.none at the insertion point (an absent optional input). */
static st_value *st_none(st_onnx_importer *im, const st_onnx_node *node) {
  const st_type *t = st_type_scalar(st_onnx_module(im)->ctx, ST_TY_NONE);
  st_op_state s = {.def = &st_graph_none_def, .loc = node->loc, .num_results = 1, .result_types = &t};
  st_op *op = st_builder_create(&im->b, &s);
  return op ? &op->results[0] : NULL;
}

static st_op *st_create_cf(st_onnx_importer *im, const st_onnx_node *node, const st_op_def *def, unsigned nops,
                           st_value *const *ops, unsigned nres, unsigned nattrs, const st_named_attr *attrs) {
  const st_type *none = st_type_scalar(im->ctx, ST_TY_NONE);
  const st_type *types[ST_CF_MAX_VALUES];
  for (unsigned i = 0; i < nres; i++) types[i] = none;
  st_op_state s = {.def = def, .loc = node->loc, .num_operands = nops, .operands = ops, .num_results = nres,
                   .result_types = types, .num_attrs = nattrs, .attrs = attrs, .num_regions = (unsigned)def->num_regions};
  return st_op_create(im->m, &s);
}

/* Types the results through infer_types and inserts op; erases it on failure. */
static bool st_finish_cf(st_onnx_importer *im, const st_onnx_node *node, st_op *op, bool ok, st_value **outputs,
                         st_diag *d) {
  const st_type *types[ST_CF_MAX_VALUES];
  ok = ok && op->def->infer_types(op, im->ctx, types, d);
  if (!ok) {
    st_op_erase(op);
    return false;
  }
  for (unsigned i = 0; i < op->num_results; i++) op->results[i].type = types[i];
  st_builder_insert(&im->b, op);
  for (unsigned i = 0; i < op->num_results && i < node->num_outputs; i++) outputs[i] = &op->results[i];
  return true;
}

static bool st_check_counts(const st_onnx_node *node, unsigned nops, unsigned nres, st_diag *d) {
  if (nops < ST_CF_MAX_VALUES && nres < ST_CF_MAX_VALUES) return true;
  st_diag_error(d, node->loc, "%s node %s has too many inputs or outputs (limit %d)", node->op_type, node->name,
                ST_CF_MAX_VALUES - 1);
  return false;
}

static bool st_const_scalar(st_value *v, int64_t *out) {
  const st_attr *a = v->type->kind == ST_TY_TENSOR ? st_value_const(v) : NULL;
  return a && st_attr_elem_as_int(a, 0, out);
}

static bool st_import_if(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  if (node->num_inputs < 1 || !node->inputs[0]) {
    st_diag_error(d, node->loc, "If node %s has no condition input", node->name);
    return false;
  }
  if (!st_check_counts(node, 1, node->num_outputs, d)) return false;
  /* A constant condition (shape tests in expanded functions) picks its
   * branch now: the branches may then yield different shapes. */
  int64_t cond;
  if (st_const_scalar(node->inputs[0], &cond)) {
    const char *what = cond ? "then_branch" : "else_branch";
    const Onnx__GraphProto *g = st_onnx_attr_graph(node, what);
    if (!g || g->n_output != node->num_outputs) {
      st_diag_error(d, node->loc, "If node %s: %s must yield the node's %u outputs", node->name, what,
                    node->num_outputs);
      return false;
    }
    return st_onnx_import_inline(im, node, what, g, 0, NULL, outputs, d);
  }
  st_op *op = st_create_cf(im, node, &st_graph_if_def, 1, node->inputs, node->num_outputs, 0, NULL);
  if (!op) return false;
  bool ok = st_onnx_import_subgraph(im, node, "then_branch", st_onnx_attr_graph(node, "then_branch"), &op->regions[0],
                                    0, NULL, d) &&
            st_onnx_import_subgraph(im, node, "else_branch", st_onnx_attr_graph(node, "else_branch"), &op->regions[1],
                                    0, NULL, d);
  return st_finish_cf(im, node, op, ok, outputs, d);
}

/* ---- Loop, unrolled ---- */

static st_value *st_const_int(st_onnx_importer *im, const st_onnx_node *node, st_type_kind k, int64_t v) {
  size_t n = k == ST_TY_I64 ? 8 : 1;
  st_tensor t = {st_type_tensor(im->ctx, st_type_scalar(im->ctx, k), 0, NULL), calloc(1, 8), n};
  if (!t.data) return NULL;
  if (k == ST_TY_I64) memcpy(t.data, &v, 8);
  else *(uint8_t *)t.data = v != 0;
  return st_onnx_const_tensor(im, &t, NULL, node->loc);
}

/* Stacks the values parts[0..n) (one type) on a new axis 0. */
static st_value *st_stack(st_onnx_importer *im, const st_onnx_node *node, st_value **parts, unsigned n, st_diag *d) {
  const st_type *t = parts[0]->type;
  st_dim dims[ST_CF_MAX_RANK] = {1};
  unsigned r = t->u.shaped.rank;
  if (t->kind != ST_TY_TENSOR || r + 1 > ST_CF_MAX_RANK) {
    st_diag_error(d, node->loc, "Loop node %s: scan outputs must be tensors of rank below 8", node->name);
    return NULL;
  }
  memcpy(dims + 1, t->u.shaped.dims, r * sizeof *dims);
  for (unsigned i = 0; i < n; i++) {
    if (parts[i]->type != t) {
      st_diag_error(d, node->loc, "Loop node %s: a scan output changes type between iterations", node->name);
      return NULL;
    }
    if (!(parts[i] = st_onnx_reshape(im, node, parts[i], r + 1, dims, d))) return NULL;
  }
  if (n == 1) return parts[0];
  dims[0] = n;
  const st_type *rt = st_type_tensor(im->ctx, t->u.shaped.elem, r + 1, dims);
  st_named_attr axis = {"axis", st_attr_int(im->m, st_type_scalar(im->ctx, ST_TY_I64), 0)};
  st_op *op = st_onnx_build_typed(im, node, &st_graph_concat_def, n, parts, 1, &rt, 1, &axis, d);
  return op ? &op->results[0] : NULL;
}

/* A Loop with a constant trip count whose body has shapes that depend on
 * the iteration number (Slice by i, as in the ONNX Loop tests) is imported
 * once per iteration with i bound to a constant, so those shapes fold.  The
 * condition must then be constant at each iteration. */
static bool st_unroll_loop(st_onnx_importer *im, const st_onnx_node *node, st_value **ops, unsigned nops,
                           int64_t trips, st_value **outputs, st_diag *d) {
  const Onnx__GraphProto *g = st_onnx_attr_graph(node, "body");
  unsigned n = nops - 2, k = node->num_outputs > n ? node->num_outputs - n : 0;
  if (!g || g->n_output != 1 + n + k) {
    st_diag_error(d, node->loc, "Loop node %s: its body must yield cond, %u carried values and %u scan outputs",
                  node->name, n, k);
    return false;
  }
  st_value *vals[ST_CF_MAX_VALUES], *outs[ST_CF_MAX_VALUES];
  st_value **scans = calloc((size_t)k * (size_t)trips + 1, sizeof *scans);
  st_value *cond = ops[1]->type->kind == ST_TY_NONE ? NULL : ops[1];
  memcpy(vals, ops, nops * sizeof *vals);
  int64_t i = 0, c = 1;
  bool ok = scans != NULL;
  for (; ok && i < trips; i++) {
    if (cond && !st_const_scalar(cond, &c)) {
      st_diag_error(d, node->loc, "Loop node %s: the body's shapes depend on the iteration number, so the loop is "
                    "unrolled, but its condition is not constant", node->name);
      ok = false;
      st_onnx_need_constant(im, cond);
    }
    if (!ok || !c) break;
    ok = (vals[0] = st_const_int(im, node, ST_TY_I64, i)) && (vals[1] = cond ? cond : st_const_int(im, node, ST_TY_I1, 1)) &&
         st_onnx_import_inline(im, node, "body", g, nops, vals, outs, d);
    cond = ok ? outs[0] : NULL;
    for (unsigned j = 0; ok && j < n; j++) vals[2 + j] = outs[1 + j];
    for (unsigned j = 0; ok && j < k; j++) scans[(size_t)j * (size_t)trips + (size_t)i] = outs[1 + n + j];
  }
  if (ok && k && (i != trips || trips == 0)) {
    st_diag_error(d, node->loc, "Loop node %s stops after %lld of %lld iterations; its scan outputs need all of them "
                  "(static shapes)", node->name, (long long)i, (long long)trips);
    ok = false;
  }
  for (unsigned j = 0; ok && j < n; j++) outputs[j] = vals[2 + j];
  for (unsigned j = 0; ok && j < k; j++)
    ok = (outputs[n + j] = st_stack(im, node, scans + (size_t)j * (size_t)trips, (unsigned)trips, d)) != NULL;
  free(scans);
  return ok;
}

/* ---- Loop ---- */

static bool st_import_loop(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  enum { ST_CF_MAX_UNROLL = 1024 };
  unsigned nops = node->num_inputs < 2 ? 2 : node->num_inputs;
  if (!st_check_counts(node, nops, node->num_outputs, d)) return false;
  st_value *ops[ST_CF_MAX_VALUES];
  const st_type *args[ST_CF_MAX_VALUES];
  for (unsigned i = 0; i < nops; i++) {
    ops[i] = i < node->num_inputs ? node->inputs[i] : NULL;
    if (!ops[i] && i >= 2) {
      st_diag_error(d, node->loc, "Loop node %s: loop-carried input %u is missing", node->name, i - 2);
      return false;
    }
    if (!ops[i] && !(ops[i] = st_none(im, node))) return false;
    args[i] = ops[i]->type;
  }
  args[0] = st_type_tensor(im->ctx, st_type_scalar(im->ctx, ST_TY_I64), 0, NULL);
  args[1] = st_type_tensor(im->ctx, st_type_scalar(im->ctx, ST_TY_I1), 0, NULL);
  int64_t trips = -1;
  bool can_unroll = st_const_scalar(ops[0], &trips) && trips >= 0 && trips <= ST_CF_MAX_UNROLL;
  st_diag first = {0};
  st_op *op = st_create_cf(im, node, &st_graph_loop_def, nops, ops, node->num_outputs, 0, NULL);
  if (!op) return false;
  bool ok = st_onnx_import_subgraph(im, node, "body", st_onnx_attr_graph(node, "body"), &op->regions[0], nops, args,
                                    can_unroll ? &first : d);
  ok = st_finish_cf(im, node, op, ok, outputs, can_unroll ? &first : d);
  st_diag_free(&first);
  /* Shape specialisation: a constant M sizes scan outputs and allows unrolling. */
  if (!ok && !can_unroll && ops[0]->type->kind != ST_TY_NONE) st_onnx_need_constant(im, ops[0]);
  return ok || (can_unroll && st_unroll_loop(im, node, ops, nops, trips, outputs, d));
}

/* The block argument types of a graph.scan body: states, then each scan
 * input without its scan axis. */
static bool st_scan_arg_types(st_onnx_importer *im, const st_onnx_node *node, unsigned n, unsigned m,
                              st_value *const *ops, const st_type **args, st_diag *d) {
  int64_t axes[ST_CF_MAX_VALUES] = {0};
  int na = st_onnx_attr_ints(node, "scan_input_axes", axes, ST_CF_MAX_VALUES);
  if (na >= 0 && na != (int)m) {
    st_diag_error(d, node->loc, "Scan node %s: scan_input_axes has %d entries for %u scan inputs", node->name, na, m);
    return false;
  }
  for (unsigned i = 0; i < n + m; i++) {
    const st_type *t = ops[i]->type;
    args[i] = t;
    if (i < n) continue;
    int64_t axis = axes[i - n], r = t->kind == ST_TY_TENSOR ? t->u.shaped.rank : 0;
    if (axis < 0) axis += r;
    if (axis < 0 || axis >= r) {
      st_diag_error(d, node->loc, "Scan node %s: scan input %u has no axis %lld", node->name, i - n, (long long)axes[i - n]);
      return false;
    }
    st_dim dims[ST_CF_MAX_RANK];
    unsigned k = 0;
    for (unsigned j = 0; j < r && j < ST_CF_MAX_RANK; j++)
      if ((int64_t)j != axis) dims[k++] = t->u.shaped.dims[j];
    args[i] = st_type_tensor(im->ctx, t->u.shaped.elem, k, dims);
  }
  return true;
}

/* Builds graph.scan over ops (states, then m scan inputs) with `attrs`. */
static st_op *st_build_scan(st_onnx_importer *im, const st_onnx_node *node, unsigned nops, st_value *const *ops,
                            unsigned m, unsigned nattrs, const st_named_attr *attrs, st_value **outputs, st_diag *d) {
  const st_type *args[ST_CF_MAX_VALUES];
  if (m < 1 || m > nops) {
    st_diag_error(d, node->loc, "Scan node %s: num_scan_inputs must be 1 to %u", node->name, nops);
    return NULL;
  }
  for (unsigned i = 0; i < nops; i++)
    if (!ops[i]) {
      st_diag_error(d, node->loc, "Scan node %s: input %u is missing", node->name, i);
      return NULL;
    }
  if (!st_scan_arg_types(im, node, nops - m, m, ops, args, d)) return NULL;
  st_op *op = st_create_cf(im, node, &st_graph_scan_def, nops, ops, node->num_outputs, nattrs, attrs);
  if (!op) return NULL;
  bool ok = st_onnx_import_subgraph(im, node, "body", st_onnx_attr_graph(node, "body"), &op->regions[0], nops, args, d);
  return st_finish_cf(im, node, op, ok, outputs, d) ? op : NULL;
}

static bool st_import_scan(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  st_named_attr attrs[16];
  int64_t m = 0;
  if (!st_check_counts(node, node->num_inputs, node->num_outputs, d)) return false;
  if (!st_onnx_attr_int(node, "num_scan_inputs", &m)) {
    st_diag_error(d, node->loc, "Scan node %s has no num_scan_inputs attribute", node->name);
    return false;
  }
  unsigned na = st_onnx_node_attrs(im, node, attrs, 16);
  return st_build_scan(im, node, node->num_inputs, node->inputs, m > 0 && m < ST_CF_MAX_VALUES ? (unsigned)m : 0, na,
                       attrs, outputs, d) != NULL;
}

/* Scan-8: inputs (sequence_lens?, states..., scan inputs...) with a leading
 * batch axis, scan axis 1, attribute `directions`.  Batch 1 only: the batch
 * axis is reshaped away, a graph.scan runs, and it is reshaped back. */
static st_value *st_drop_or_add_batch(st_onnx_importer *im, const st_onnx_node *node, st_value *v, bool add,
                                      st_diag *d) {
  const st_type *t = v->type;
  st_dim dims[ST_CF_MAX_RANK];
  unsigned r = t->u.shaped.rank;
  if (add && r + 1 > ST_CF_MAX_RANK) {
    st_diag_error(d, node->loc, "Scan node %s: rank too large", node->name);
    return NULL;
  }
  if (add) {
    dims[0] = 1;
    memcpy(dims + 1, t->u.shaped.dims, r * sizeof *dims);
  } else {
    memcpy(dims, t->u.shaped.dims + 1, (r - 1) * sizeof *dims);
  }
  return st_onnx_reshape(im, node, v, add ? r + 1 : r - 1, dims, d);
}

static bool st_import_scan8(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  int64_t m = 0;
  if (!st_check_counts(node, node->num_inputs, node->num_outputs, d)) return false;
  if (!st_onnx_attr_int(node, "num_scan_inputs", &m) || m < 1 || m >= (int64_t)node->num_inputs) {
    st_diag_error(d, node->loc, "Scan node %s needs num_scan_inputs in 1..%u", node->name, node->num_inputs - 1);
    return false;
  }
  if (node->inputs[0]) {
    st_diag_error(d, node->loc, "Scan node %s: sequence_lens (Scan-8) is not supported", node->name);
    return false;
  }
  unsigned nops = node->num_inputs - 1;
  st_value *ops[ST_CF_MAX_VALUES];
  for (unsigned i = 0; i < nops; i++) {
    st_value *v = node->inputs[i + 1];
    const st_type *t = v ? v->type : NULL;
    if (!t || t->kind != ST_TY_TENSOR || t->u.shaped.rank < 1 || t->u.shaped.dims[0] != 1) {
      st_diag_error(d, node->loc, "Scan node %s (Scan-8): input %u must be a tensor with batch size 1", node->name,
                    i + 1);
      return false;
    }
    if (!(ops[i] = st_drop_or_add_batch(im, node, v, false, d))) return false;
  }
  st_named_attr attrs[2];
  unsigned na = 0;
  attrs[na++] = (st_named_attr){"num_scan_inputs", st_attr_int(im->m, st_type_scalar(im->ctx, ST_TY_I64), m)};
  int64_t dirs[ST_CF_MAX_VALUES];
  int nd = st_onnx_attr_ints(node, "directions", dirs, ST_CF_MAX_VALUES);
  if (nd >= 0) attrs[na++] = (st_named_attr){"scan_input_directions", st_attr_int_array(im->m, (unsigned)nd, dirs)};
  st_value *res[ST_CF_MAX_VALUES] = {0};
  if (!st_build_scan(im, node, nops, ops, (unsigned)m, na, attrs, res, d)) return false;
  for (unsigned i = 0; i < node->num_outputs; i++)
    if (res[i] && !(outputs[i] = st_drop_or_add_batch(im, node, res[i], true, d))) return false;
  return true;
}

static const st_onnx_op_map st_control_rows[] = {
    {"If", "", 1, &st_graph_if_def, st_import_if},
    {"Loop", "", 1, &st_graph_loop_def, st_import_loop},
    {"Scan", "", 8, &st_graph_scan_def, st_import_scan8},
    {"Scan", "", 9, &st_graph_scan_def, st_import_scan},
};

const st_onnx_map_group st_onnx_map_control = ST_ONNX_MAP_GROUP(st_control_rows);
