/* The runtime's one interface to compiled code: a backend loads an
 * artifact, describes it, tells its workspace size and runs it; st_rt_model
 * is the backend-neutral model on top (inputs and outputs parsed from the
 * artifact's signature, checks, tracing).  `strata run X.so`, `strata run
 * -t host` (JIT), the C API and the runners of `strata compile --emit=exe`
 * all run through st_rt_model; a CUDA or SNPU backend is one more table.
 *
 * The signature is the text compiled libraries return from
 * PREFIX_signature() (docs/runtime.md):
 *   strata-signature 1
 *   input<TAB>NAME<TAB>f32<TAB>1,3,224,224
 *   output<TAB>NAME<TAB>f32<TAB>1,1000
 *   kernel<TAB>0<TAB>ONNX_NODE_NAME
 * The arena (the workspace) belongs to the caller of a run, one per
 * concurrent run; a backend keeps no state per run, so a model runs from
 * many threads at once. */
#ifndef ST_RUNTIME_RT_BACKEND_H
#define ST_RUNTIME_RT_BACKEND_H

#include "runtime/rt/rt.h"

typedef struct st_rt_backend {
  const char *name;
  /* Loads an artifact file; NULL for backends whose artifacts are made in
   * process (handed to st_rt_model_bind instead).  prefix may be NULL. */
  void *(*load)(const char *path, const char *prefix, st_rt_err *e);
  const char *(*signature)(void *self);
  size_t (*workspace_size)(void *self);
  /* args: one pointer per input, then per output; never fails. */
  void (*run)(void *self, void *const *args, void *workspace);
  /* Sets the per-kernel hook (NULL: none).  Process-wide for the artifact. */
  void (*set_trace_hook)(void *self, void (*hook)(int kernel, int end));
  void (*unload)(void *self);
} st_rt_backend;

typedef struct st_rt_io {
  char *name;
  st_rt_dtype dtype;
  unsigned rank;
  int64_t dims[ST_RT_MAX_RANK];
  size_t nbytes;
} st_rt_io;

typedef struct st_rt_model st_rt_model;

enum { ST_RT_MAX_IO = 256 };

/* be->load(path, prefix), then st_rt_model_bind. */
st_rt_model *st_rt_model_open(const st_rt_backend *be, const char *path, const char *prefix, st_rt_err *e);
/* A model over a loaded artifact `self`, which it owns from now on (also
 * when binding fails: it is unloaded then). */
st_rt_model *st_rt_model_bind(const st_rt_backend *be, void *self, st_rt_err *e);
unsigned st_rt_model_num_inputs(const st_rt_model *m);
unsigned st_rt_model_num_outputs(const st_rt_model *m);
/* Inputs first, then outputs. */
const st_rt_io *st_rt_model_io(const st_rt_model *m, unsigned i);
size_t st_rt_model_workspace_size(const st_rt_model *m);
unsigned st_rt_model_num_kernels(const st_rt_model *m);
const char *const *st_rt_model_kernel_names(const st_rt_model *m);
/* One run on dense buffers; workspace holds st_rt_model_workspace_size()
 * bytes, 64-byte aligned (may be NULL when that is 0).  With `trace` the
 * kernels are recorded into the calling thread's trace (rt.h).  false on a
 * NULL buffer or a missing workspace. */
bool st_rt_model_run(const st_rt_model *m, void *const *ins, void *const *outs, void *workspace, bool trace,
                     st_rt_err *e);
void st_rt_model_close(st_rt_model *m);

/* ---- the host backend over entry points linked into the program ----
 * (a standalone runner: the generated main fills this in). */
typedef struct st_rt_host_entry {
  void (*call)(void *const *args, void *workspace); /* PREFIX_run_ws with the args spread */
  long (*workspace_size)(void);
  const char *(*signature)(void);
  void (**trace_hook)(int kernel, int end);
} st_rt_host_entry;

/* self: a const st_rt_host_entry * (not freed). */
extern const st_rt_backend st_rt_host_linked;

#endif
