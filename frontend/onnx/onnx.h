/* The ONNX frontend's public interface: import a ModelProto into a module
 * of the graph dialect (func @main, one block argument per graph input, one
 * result per graph output), read and write tensors as ONNX TensorProto
 * files, and the table of supported operators for the docs.
 *
 * A model is imported with static shapes only: a graph input with a dynamic
 * dimension must be fixed with an input-shape override.  Every error is a
 * diagnostic; a hostile or truncated file never crashes the importer. */
#ifndef ST_FRONTEND_ONNX_H
#define ST_FRONTEND_ONNX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ir/dialect.h"

enum { ST_ONNX_MAX_RANK = 8 };

/* --input-shape NAME=1x3x224x224 */
typedef struct st_onnx_input_shape {
  const char *name;
  unsigned rank;
  int64_t dims[ST_ONNX_MAX_RANK];
} st_onnx_input_shape;

typedef struct st_onnx_options {
  unsigned num_input_shapes;
  const st_onnx_input_shape *input_shapes;
  /* Initializers and folded constants above this many bytes become module
   * resources; smaller ones dense attributes.  0 = the default (1 KiB). */
  size_t resource_threshold;
  /* Shape specialisation: values known at compile time for some graph
   * inputs, by position among the inputs that are not initializers (NULL
   * entries and positions past the end stay runtime inputs).  The function
   * keeps its argument, but the graph reads the constant, so shape inputs
   * (Reshape's shape, Expand's shape...) fold to static shapes. */
  unsigned num_const_inputs;
  const st_tensor *const *const_inputs;
  /* Automatic shape specialisation: the values the model will run with, by
   * position as above.  When an operand that decides result types
   * (st_op_def.shape_operands, or Reshape's shape) is not constant, the
   * importer binds exactly the graph inputs that operand depends on to
   * these values, as const_inputs, and imports again.  Entry i is for input
   * i, or, when `input_value_names` gives it a name, for the input of that
   * name (named entries win).  Inputs past the 64th are never bound.
   * `specialised`, when not NULL, receives bit i for each input i bound. */
  unsigned num_input_values;
  const st_tensor *const *input_values;
  const char *const *input_value_names; /* NULL, or one name (or NULL) per entry */
  uint64_t *specialised;
} st_onnx_options;

/* Imports the model in `path`; external data is looked up beside it. */
st_module *st_onnx_import_file(st_context *ctx, const char *path, const st_onnx_options *opts, st_diag *d);
/* Imports a serialized ModelProto.  `dir` is the folder external data is
 * confined to (NULL forbids external data). */
st_module *st_onnx_import_bytes(st_context *ctx, const void *data, size_t len, const char *dir,
                                const st_onnx_options *opts, st_diag *d);
/* Parses "NAME=1x3x224x224" (NAME may hold '='; the last '=' splits).
 * `out->name` points into `text`. */
bool st_onnx_parse_input_shape(const char *text, st_onnx_input_shape *out);

/* Whether a model is outside what Strata imports by design (training ops,
 * ai.onnx.ml, sequences, optionals, maps, strings); writes the reason.  A
 * model that cannot be decoded is not "out of scope" (that is an error). */
bool st_onnx_out_of_scope(const void *data, size_t len, char *why, size_t why_len);

/* Tensors as ONNX TensorProto files.  The data is malloc'd (free it with
 * free(t->data)); the element type must be one Strata represents. */
bool st_onnx_tensor_read_file(st_context *ctx, const char *path, st_tensor *out, st_diag *d);
bool st_onnx_tensor_parse(st_context *ctx, const void *bytes, size_t len, st_tensor *out, st_diag *d);
bool st_onnx_tensor_write_file(const st_tensor *t, const char *name, const char *path, st_diag *d);

/* Writes the Markdown table of supported operators (docs/generated/onnx-ops.md). */
void st_onnx_print_ops_table(FILE *out);

#endif
