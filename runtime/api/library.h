/* Running a shared library made by `strata compile` (or the same code
 * compiled in process by the JIT) without its header:
 * dlopen it, read PREFIX_signature() (inputs, outputs with names, dtypes and
 * shapes; the kernels' names), and call PREFIX_run_ws through libffi with
 * one pointer per input and output plus a workspace of
 * PREFIX_workspace_size() bytes.  With a trace active (trace.h), the
 * library's PREFIX_trace_hook is set for the run, so every kernel launch is
 * recorded. */
#ifndef ST_RUNTIME_API_LIBRARY_H
#define ST_RUNTIME_API_LIBRARY_H

#include <stdbool.h>
#include <stddef.h>

#include "ir/ir.h"
#include "passes/pass.h"

typedef struct st_library_io {
  char *name;
  const st_type *type; /* tensor type, interned in the context given to open */
  size_t nbytes;
} st_library_io;

typedef struct st_library st_library;

/* prefix NULL: the file's stem as a C identifier (what `strata compile`
 * uses by default). */
st_library *st_library_open(st_context *ctx, const char *path, const char *prefix, st_diag *d);
/* The same entry points compiled in process (ORC JIT) from a graph-level
 * module, which is lowered in place (host pipeline, `passes` may be NULL). */
st_library *st_library_jit(st_context *ctx, st_module *m, const st_pass_options *passes, int opt_level, st_diag *d);
unsigned st_library_num_inputs(const st_library *lib);
unsigned st_library_num_outputs(const st_library *lib);
/* Inputs first, then outputs. */
const st_library_io *st_library_io_at(const st_library *lib, unsigned i);
size_t st_library_workspace_size(const st_library *lib);
unsigned st_library_num_kernels(const st_library *lib);
const char *const *st_library_kernel_names(const st_library *lib);
/* One run; workspace holds st_library_workspace_size() bytes (64-byte
 * aligned).  Sets the trace hook while the calling thread has a trace. */
void st_library_run(const st_library *lib, void *const *ins, void *const *outs, void *workspace, bool trace);
void st_library_close(st_library *lib);

#endif
