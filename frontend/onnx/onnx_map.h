/* How ONNX operators map to graph ops: the contract between the importer
 * (frontend/onnx/import*.c) and the op families (ir/dialects/graph_*.c with
 * their mapping rows in frontend/onnx/map_*.c).
 *
 * Graph ops mirror ONNX operators of the newest opset: operands are the
 * node's inputs in order (an absent optional input in the middle becomes a
 * `graph.none` value; absent trailing inputs are dropped), attributes keep
 * their ONNX names and become IR attributes:
 *   INT -> int (i64)           INTS -> array of int
 *   FLOAT -> float (f32)       FLOATS -> array of float (f32)
 *   STRING -> string           STRINGS -> array of string
 *   TENSOR -> dense attribute  GRAPH -> handled by the op's import hook
 * Attributes the node leaves out are left out (the op's hooks apply the
 * ONNX defaults).  A row whose ONNX form of an older opset differs (an
 * attribute that later became an input, changed defaults) gives an import
 * hook that builds the newest form. */
#ifndef ST_FRONTEND_ONNX_MAP_H
#define ST_FRONTEND_ONNX_MAP_H

#include "ir/dialect.h"

typedef struct st_onnx_importer st_onnx_importer; /* opaque: the importer's state */

/* A node as the import hooks see it. */
typedef struct st_onnx_node {
  const char *op_type, *domain, *name; /* name: the node name, or a made-up "OpType_N" */
  int opset;                           /* the model's opset for the node's domain */
  unsigned num_inputs;
  st_value *const *inputs;             /* NULL for an absent optional input */
  unsigned num_outputs;                /* outputs the node names (including empty ones) */
  st_loc loc;                          /* st_loc_name(node name) */
  const void *proto;                   /* the Onnx__NodeProto, for hooks that need raw access */
} st_onnx_node;

/* Helpers for import hooks (implemented by the importer). */
st_module *st_onnx_module(st_onnx_importer *im);
/* The node's attributes converted as above, to put on an op. */
unsigned st_onnx_node_attrs(st_onnx_importer *im, const st_onnx_node *node, st_named_attr *out, unsigned max);
/* Creates `def` at the insertion point with the given operands and the
 * node's converted attributes (plus `extra` attributes), infers the result
 * types with the op's infer_types hook, folds it when every operand is
 * constant, and returns the op (NULL after a diagnostic naming the node). */
st_op *st_onnx_build(st_onnx_importer *im, const st_onnx_node *node, const st_op_def *def, unsigned num_operands,
                     st_value *const *operands, unsigned num_extra, const st_named_attr *extra, st_diag *d);
/* A graph.constant holding `a` (a dense attribute), at the insertion point. */
st_value *st_onnx_constant(st_onnx_importer *im, const st_attr *a);

typedef struct st_onnx_op_map {
  const char *op_type;   /* "Conv" */
  const char *domain;    /* "" for the default domain (ai.onnx) */
  int since_opset;       /* the row applies from this opset version on; the row with the largest
                            since_opset <= the model's opset wins */
  const st_op_def *def;  /* the graph op the generic import creates */
  /* Optional: builds the graph ops for nodes whose ONNX form differs from
   * the graph op.  Writes one value per node output (NULL for outputs it
   * does not produce).  false after a diagnostic. */
  bool (*import)(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d);
} st_onnx_op_map;

typedef struct st_onnx_map_group {
  const st_onnx_op_map *rows;
  unsigned num_rows;
} st_onnx_map_group;
#define ST_ONNX_MAP_GROUP(array) {(array), sizeof(array) / sizeof *(array)}

#endif
