/* Strata's public C API: compile a model in process (ORC JIT), ask about its
 * inputs and outputs, run it on caller-provided buffers, destroy it.
 *
 *   strata_error *err = NULL;
 *   strata_model *m = strata_compile_file("mlp.onnx", NULL, &err);
 *   if (!m) { fprintf(stderr, "%s\n", strata_error_message(err)); strata_error_free(err); }
 *   void *in[] = {x}, *out[] = {y};
 *   if (!strata_run(m, in, out, &err)) ...
 *   strata_model_destroy(m);
 *
 * Errors are values: a function that can fail returns false or NULL and, when
 * `err` is not NULL, stores a strata_error the caller frees.  Nothing here
 * exits or aborts.  A model may be run from many threads at once: each call
 * brings its own workspace.  Buffers are dense, row-major, of the element
 * type and shape the model reports; input and output buffers must not
 * overlap.  See docs/c-api.md. */
#ifndef STRATA_STRATA_H
#define STRATA_STRATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct strata_model strata_model;
typedef struct strata_error strata_error;

typedef enum strata_dtype {
  STRATA_DTYPE_UNKNOWN = 0,
  STRATA_DTYPE_F32, STRATA_DTYPE_F64, STRATA_DTYPE_F16, STRATA_DTYPE_BF16,
  STRATA_DTYPE_I8, STRATA_DTYPE_I16, STRATA_DTYPE_I32, STRATA_DTYPE_I64,
  STRATA_DTYPE_U8, STRATA_DTYPE_U16, STRATA_DTYPE_U32, STRATA_DTYPE_U64,
  STRATA_DTYPE_BOOL,
} strata_dtype;

typedef enum strata_format {
  STRATA_FORMAT_AUTO = 0, /* textual IR if the bytes start like it, else ONNX */
  STRATA_FORMAT_ONNX,
  STRATA_FORMAT_IR,
} strata_format;

/* Zero-initialised options are the defaults.  The pass options mean what
 * the pass manager's flags mean on the command line (docs/passes.md). */
typedef struct strata_options {
  const char *target;  /* NULL or "host": this machine's CPU (the only JIT target today) */
  int opt_level;       /* 0 = default (3); 1..3; -1 = no optimisation */
  strata_format format; /* for strata_compile_buffer */
  /* The pass pipeline run before codegen, replacing the default
   * "canonicalize,fuse,lower-to-loops,cse,dce,memplan" (--pipeline=); it must
   * leave loop-level IR.  An unknown pass name is an error. */
  const char *pipeline;
  /* --ir-dump-dir: DIR/00-input.ir, DIR/01-<pass>.ir, ... one file per pass
   * (the directory is created). */
  const char *dump_dir;
  /* --print-ir-after-all: the IR after every pass, to ir_callback when set,
   * else to ir_out (NULL: stderr). */
  bool print_ir_after_all;
  FILE *ir_out;
  void (*ir_callback)(void *user, const char *pass, const char *ir);
  void *ir_callback_user;
} strata_options;

typedef struct strata_tensor_info {
  const char *name;     /* owned by the model */
  strata_dtype dtype;
  unsigned rank;
  const int64_t *dims;  /* rank entries, owned by the model */
  size_t nbytes;        /* bytes of a dense buffer */
} strata_tensor_info;

strata_model *strata_compile_file(const char *path, const strata_options *opts, strata_error **err);
strata_model *strata_compile_buffer(const void *data, size_t len, const strata_options *opts, strata_error **err);

unsigned strata_model_num_inputs(const strata_model *m);
unsigned strata_model_num_outputs(const strata_model *m);
/* false when i is out of range. */
bool strata_model_input_info(const strata_model *m, unsigned i, strata_tensor_info *out);
bool strata_model_output_info(const strata_model *m, unsigned i, strata_tensor_info *out);
/* Bytes of scratch memory one run allocates. */
size_t strata_model_workspace_size(const strata_model *m);

/* Runs the model: inputs[i] and outputs[i] point to dense buffers as the
 * infos describe.  Thread-safe.  false (and *err) on a NULL buffer or when
 * the workspace cannot be allocated. */
bool strata_run(const strata_model *m, void *const *inputs, void *const *outputs, strata_error **err);
/* The same with a caller-provided workspace of strata_model_workspace_size()
 * bytes, 64-byte aligned (NULL when that size is 0); one per concurrent call. */
bool strata_run_with_workspace(const strata_model *m, void *const *inputs, void *const *outputs, void *workspace,
                               strata_error **err);
void strata_model_destroy(strata_model *m);

const char *strata_error_message(const strata_error *e);
void strata_error_free(strata_error *e);
const char *strata_dtype_name(strata_dtype t);

#ifdef __cplusplus
}
#endif

#endif
