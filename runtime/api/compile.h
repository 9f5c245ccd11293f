/* The compile driver shared by `strata compile` and the C API: load a model
 * (ONNX or textual IR) into the graph dialect, record its signature, run the
 * host pipeline down to loops, then hand the module to codegen/llvm.
 *
 * The host pipeline is ST_COMPILE_PIPELINE; tools may add the pass
 * manager's debugging flags (dumps, --pass-timing) through st_pass_options. */
#ifndef ST_RUNTIME_API_COMPILE_H
#define ST_RUNTIME_API_COMPILE_H

#include <stdbool.h>
#include <stddef.h>

#include "ir/ir.h"
#include "passes/pass.h"

#define ST_COMPILE_PIPELINE "canonicalize,fuse,lower-to-loops,cse,dce,memplan"

typedef enum st_compile_format { ST_COMPILE_AUTO, ST_COMPILE_ONNX, ST_COMPILE_IR } st_compile_format;

/* One input or output of func @main, as the caller sees it. */
typedef struct st_compile_io {
  char *name;          /* the graph's name, or "input0" / "output0" */
  const st_type *type; /* the tensor type (static shape) */
  size_t nbytes;
} st_compile_io;

typedef struct st_compile_signature {
  unsigned num_inputs, num_outputs;
  st_compile_io *io; /* inputs, then outputs */
} st_compile_signature;

/* Loads a model; the format follows the file name (.ir = text, else ONNX). */
st_module *st_compile_load_file(st_context *ctx, const char *path, st_diag *d);
/* AUTO reads text when the bytes start like IR ("module", "func.func", "//"). */
st_module *st_compile_load_buffer(st_context *ctx, const void *data, size_t len, st_compile_format fmt, st_diag *d);
/* Reads func @main's tensor arguments and results. */
bool st_compile_signature_of(st_module *m, st_compile_signature *sig, st_diag *d);
void st_compile_signature_free(st_compile_signature *sig);
/* The signature as the text a compiled library returns from
 * PREFIX_signature() (malloc'd; NULL on out of memory):
 *   strata-signature 1
 *   input<TAB>NAME<TAB>f32<TAB>1,3,224,224
 *   output<TAB>NAME<TAB>f32<TAB>1,1000
 * (codegen appends kernel<TAB>K<TAB>NAME lines; runtime/api/run_library.c
 * reads them all). */
char *st_compile_signature_text(const st_compile_signature *sig);
/* Runs `pipeline` (NULL = ST_COMPILE_PIPELINE) with `opts` (NULL = defaults). */
bool st_compile_lower(st_module *m, const char *pipeline, const st_pass_options *opts, st_diag *d);

#endif
