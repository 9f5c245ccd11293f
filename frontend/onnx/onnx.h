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
