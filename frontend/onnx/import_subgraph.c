/* Importing an ONNX subgraph (a GRAPH attribute) as the body of a region of
 * graph.if, graph.loop or graph.scan (see import_subgraph.h).
 *
 * The subgraph gets a scope whose parent is the scope of the graph holding
 * the node, so a name the subgraph does not define resolves to the outer
 * value, which the region's ops use directly (the regions are not
 * isolated).  Its inputs become block arguments typed by the caller from the
 * node's operands, its initializers constants inside the region, its nodes
 * ops inside the region, and its outputs the operands of graph.yield. */
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx/import_subgraph.h"
#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_control.h"

const Onnx__GraphProto *st_onnx_attr_graph(const st_onnx_node *node, const char *name) {
  const Onnx__NodeProto *np = node->proto;
  for (size_t i = 0; i < np->n_attribute; i++)
    if (strcmp(st_onnx_str(np->attribute[i]->name), name) == 0) return np->attribute[i]->g;
  return NULL;
}

/* Binds g's inputs to vals (in the current scope) and imports its initializers. */
static bool st_bind_inputs(st_onnx_importer *im, const st_onnx_node *node, const char *what,
                           const Onnx__GraphProto *g, unsigned n, st_value *const *vals, st_diag *d) {
  if (g->n_input != n) {
    st_diag_error(d, node->loc, "%s node %s: its %s graph has %zu inputs, expected %u", node->op_type, node->name,
                  what, g->n_input, n);
    return false;
  }
  for (unsigned i = 0; i < n; i++)
    if (!st_onnx_scope_bind(im->scope, st_arena_strdup(&im->m->arena, st_onnx_str(g->input[i]->name)), vals[i]))
      return false;
  for (size_t i = 0; i < g->n_initializer; i++) {
    const Onnx__TensorProto *tp = g->initializer[i];
    st_tensor t;
    if (!st_onnx_tensor_decode(im->ctx, tp, im->dir, &t, node->loc, d)) return false;
    st_value *v = st_onnx_const_tensor(im, &t, st_onnx_str(tp->name), node->loc);
    if (!v || !st_onnx_scope_bind(im->scope, v->name, v)) return false;
  }
  if (g->n_sparse_initializer) {
    st_diag_error(d, node->loc, "%s node %s: sparse initializers are not supported", node->op_type, node->name);
    return false;
  }
  return true;
}

/* Block arguments of the given types, named after g's inputs. */
static st_value **st_block_args(st_onnx_importer *im, const Onnx__GraphProto *g, st_block *b, unsigned n,
                                const st_type *const *types) {
  st_value **args = calloc(n + 1, sizeof *args);
  for (unsigned i = 0; args && i < n; i++) {
    if (!(args[i] = st_block_add_arg(im->m, b, types[i]))) {
      free(args);
      return NULL;
    }
    if (i < g->n_input) args[i]->name = st_arena_strdup(&im->m->arena, st_onnx_str(g->input[i]->name));
  }
  return args;
}

/* g's outputs as values (into vals), found by name in the current scope. */
static bool st_find_outputs(st_onnx_importer *im, const st_onnx_node *node, const char *what,
                            const Onnx__GraphProto *g, st_value **vals, st_diag *d) {
  bool ok = true;
  for (size_t i = 0; ok && i < g->n_output; i++) {
    const char *name = st_onnx_str(g->output[i]->name);
    if (!st_onnx_scope_find(im->scope, name, &vals[i]) || !vals[i]) {
      st_diag_error(d, node->loc, "%s node %s: output '%s' of its %s graph is not produced by any node",
                    node->op_type, node->name, name, what);
      ok = false;
    }
  }
  return ok;
}

static bool st_yield_outputs(st_onnx_importer *im, const st_onnx_node *node, const char *what,
                             const Onnx__GraphProto *g, st_diag *d) {
  st_value **vals = calloc(g->n_output + 1, sizeof *vals);
  bool ok = vals && st_find_outputs(im, node, what, g, vals, d);
  st_op_state s = {.def = &st_graph_yield_def, .loc = node->loc, .num_operands = (unsigned)g->n_output,
                   .operands = vals};
  ok = ok && st_builder_create(&im->b, &s) != NULL;
  free(vals);
  return ok;
}

bool st_onnx_import_subgraph(st_onnx_importer *im, const st_onnx_node *node, const char *what,
                             const Onnx__GraphProto *g, st_region *r, unsigned num_args,
                             const st_type *const *arg_types, st_diag *d) {
  if (!g) {
    st_diag_error(d, node->loc, "%s node %s has no '%s' graph attribute", node->op_type, node->name, what);
    return false;
  }
  st_block *b = st_block_create(im->m);
  if (!b) return false;
  st_region_push_block(r, b);
  st_builder saved_b = im->b;
  st_onnx_scope *saved_scope = im->scope;
  st_onnx_scope sc = {.parent = im->scope};
  im->scope = &sc;
  im->b = st_builder_at_end(im->m, b);
  im->b.loc = node->loc;
  st_value **args = st_block_args(im, g, b, num_args, arg_types);
  bool ok = args && st_bind_inputs(im, node, what, g, num_args, args, d);
  free(args);
  for (size_t i = 0; ok && i < g->n_node; i++) ok = st_onnx_import_node(im, g->node[i], d);
  im->b.loc = node->loc;
  ok = ok && st_yield_outputs(im, node, what, g, d);
  im->scope = saved_scope;
  im->b = saved_b;
  st_onnx_scope_free(&sc);
  return ok;
}

bool st_onnx_import_inline(st_onnx_importer *im, const st_onnx_node *node, const char *what,
                           const Onnx__GraphProto *g, unsigned num_inputs, st_value *const *inputs,
                           st_value **outputs, st_diag *d) {
  st_onnx_scope *saved_scope = im->scope;
  st_onnx_scope sc = {.parent = im->scope};
  im->scope = &sc;
  bool ok = st_bind_inputs(im, node, what, g, num_inputs, inputs, d);
  for (size_t i = 0; ok && i < g->n_node; i++) ok = st_onnx_import_node(im, g->node[i], d);
  im->b.loc = node->loc;
  ok = ok && st_find_outputs(im, node, what, g, outputs, d);
  im->scope = saved_scope;
  st_onnx_scope_free(&sc);
  return ok;
}
