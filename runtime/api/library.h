/* The host backend of the runtime (runtime/rt/rt_backend.h) for code the
 * compiler made: a shared library from `strata compile` (dlopen'd) or the
 * same entry points compiled in process (ORC JIT).  It reads
 * PREFIX_signature() (inputs, outputs, kernels) and calls PREFIX_run_ws
 * through libffi with one pointer per input and output plus the
 * workspace, an arity known only at run time.
 *
 * st_library is the same model with IR types, for tools and tests that
 * compare against the interpreter. */
#ifndef ST_RUNTIME_API_LIBRARY_H
#define ST_RUNTIME_API_LIBRARY_H

#include <stdbool.h>
#include <stddef.h>

#include "ir/ir.h"
#include "passes/pass.h"
#include "runtime/rt/rt_backend.h"

/* load(path, prefix): dlopen; prefix NULL = the file's stem as a C
 * identifier (what `strata compile` uses by default). */
extern const st_rt_backend st_host_backend;

/* Lowers a graph-level module in place (`pipeline` NULL = the host
 * pipeline; `passes` may be NULL), compiles it with the JIT and binds it to
 * st_host_backend.  Diagnostics of the compiler go to d, the runtime's to d
 * as well. */
st_rt_model *st_host_jit_model(st_module *m, const char *pipeline, const st_pass_options *passes, int opt_level,
                               st_diag *d);

typedef struct st_library_io {
  char *name;
  const st_type *type; /* tensor type, interned in the context given to open */
  size_t nbytes;
} st_library_io;

typedef struct st_library st_library;

st_library *st_library_open(st_context *ctx, const char *path, const char *prefix, st_diag *d);
st_library *st_library_jit(st_context *ctx, st_module *m, const st_pass_options *passes, int opt_level, st_diag *d);
unsigned st_library_num_inputs(const st_library *lib);
unsigned st_library_num_outputs(const st_library *lib);
/* Inputs first, then outputs. */
const st_library_io *st_library_io_at(const st_library *lib, unsigned i);
size_t st_library_workspace_size(const st_library *lib);
/* The runtime's model underneath. */
const st_rt_model *st_library_model(const st_library *lib);
/* One run; workspace holds st_library_workspace_size() bytes (64-byte
 * aligned).  Records the kernels into the calling thread's trace with `trace`. */
void st_library_run(const st_library *lib, void *const *ins, void *const *outs, void *workspace, bool trace);
void st_library_close(st_library *lib);

#endif
