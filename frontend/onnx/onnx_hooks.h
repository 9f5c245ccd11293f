/* Helpers for import hooks beyond those of onnx_map.h: building ops whose
 * result type is not a function of their operands (graph.reshape), and
 * reading a constant operand.
 *
 * In st_onnx_build (onnx_map.h), an `extra` attribute replaces the node's
 * attribute of the same name, and one whose `attr` is NULL removes it (for
 * hooks that turn an ONNX attribute into another, such as auto_pad). */
#ifndef ST_FRONTEND_ONNX_HOOKS_H
#define ST_FRONTEND_ONNX_HOOKS_H

#include "frontend/onnx/onnx_map.h"

/* Like st_onnx_build but with explicit result types and without the node's
 * attributes (only `attrs`); folds when every operand is constant. */
st_op *st_onnx_build_typed(st_onnx_importer *im, const st_onnx_node *node, const st_op_def *def, unsigned num_operands,
                           st_value *const *operands, unsigned num_results, const st_type *const *types,
                           unsigned num_attrs, const st_named_attr *attrs, st_diag *d);
/* x reshaped to `dims` (a graph.reshape, folded when x is constant). */
st_value *st_onnx_reshape(st_onnx_importer *im, const st_onnx_node *node, st_value *x, unsigned rank,
                          const st_dim *dims, st_diag *d);
/* Reads the integer elements of a constant 0-D/1-D operand (at most max);
 * returns the count, or -1 after a diagnostic naming `what`. */
int st_onnx_const_ints(st_onnx_importer *im, const st_onnx_node *node, st_value *v, const char *what, int64_t *out,
                       int max, st_diag *d);

/* The static type the model declares for node output i (a top-level graph
 * output or value_info entry), or NULL when it declares none or a dynamic
 * one.  For ops whose result shapes depend on data (Unique, NonMaxSuppression). */
const st_type *st_onnx_declared_type(st_onnx_importer *im, const st_onnx_node *node, unsigned i);

/* A node's attribute read straight from the proto (defaults are the
 * caller's): true if present with that kind. */
bool st_onnx_attr_int(const st_onnx_node *node, const char *name, int64_t *out);
bool st_onnx_attr_float(const st_onnx_node *node, const char *name, float *out);
/* A copy in the module arena, NULL if absent. */
const char *st_onnx_attr_string(st_onnx_importer *im, const st_onnx_node *node, const char *name);
/* The INTS attribute `name`: its count (at most max are written), or -1 if absent. */
int st_onnx_attr_ints(const st_onnx_node *node, const char *name, int64_t *out, int max);

#endif
