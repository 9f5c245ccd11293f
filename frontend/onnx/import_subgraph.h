/* Importing ONNX subgraphs (the GRAPH attributes of If, Loop and Scan) as
 * regions of graph ops (frontend/onnx/import_subgraph.c).
 *
 * A subgraph's nodes may name values of the enclosing graphs (outer-scope
 * references); since the regions of graph.if/loop/scan are not isolated,
 * those names resolve through the importer's enclosing scopes to the outer
 * values themselves, which the region's ops then use directly. */
#ifndef ST_FRONTEND_ONNX_IMPORT_SUBGRAPH_H
#define ST_FRONTEND_ONNX_IMPORT_SUBGRAPH_H

#include "frontend/onnx/onnx_internal.h"

/* The GRAPH attribute `name` of the node, or NULL. */
const Onnx__GraphProto *st_onnx_attr_graph(const st_onnx_node *node, const char *name);

/* Imports subgraph g (the attribute `what` of node) into a new block of
 * region r: one block argument per subgraph input, of the given types (the
 * caller knows them from the node's operands; the subgraph's declared input
 * types are not trusted), its initializers and nodes in a scope nested in
 * the current one, and a graph.yield of its outputs.  The importer's
 * insertion point and scope are restored.  false after a diagnostic naming
 * the node. */
bool st_onnx_import_subgraph(st_onnx_importer *im, const st_onnx_node *node, const char *what,
                             const Onnx__GraphProto *g, st_region *r, unsigned num_args,
                             const st_type *const *arg_types, st_diag *d);

/* Imports g at the insertion point (no region): its inputs bound to
 * `inputs`, its nodes in a nested scope; writes its g->n_output output
 * values.  Loop unrolling uses it. */
bool st_onnx_import_inline(st_onnx_importer *im, const st_onnx_node *node, const char *what,
                           const Onnx__GraphProto *g, unsigned num_inputs, st_value *const *inputs,
                           st_value **outputs, st_diag *d);

#endif
