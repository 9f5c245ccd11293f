/* The conformance runner's host target (see conformance_host.h): compiles
 * the module through runtime/api's JIT driver (st_library_jit, the same
 * code path as `strata run -t host`), checks the inputs against the
 * compiled signature, allocates the outputs and the workspace, runs once.
 * A model with an op that has no lowering fails here with the lowering's
 * diagnostic ("'graph.x' op has no lowering to loops"), which becomes the
 * test's reason in the results and in expected-host.tsv. */
#include <stdlib.h>

#include "runtime/api/library.h"
#include "test/onnx/conformance_host.h"

bool st_conformance_run_host(st_context *ctx, st_module *m, unsigned nin, const st_tensor *ins, unsigned *nout,
                             st_tensor **outs, st_diag *d) {
  st_library *lib = st_library_jit(ctx, m, NULL, 3, d);
  if (!lib) return false;
  unsigned no = st_library_num_outputs(lib);
  void *in[256], *out[256], *ws = NULL;
  st_tensor *o = calloc(no + 1, sizeof *o);
  bool ok = o && nin == st_library_num_inputs(lib) && nin <= 256 && no <= 256;
  if (o && !ok) st_diag_error(d, st_loc_unknown(), "host: the compiled model's inputs do not match the test's");
  for (unsigned i = 0; ok && i < nin; i++) {
    in[i] = ins[i].data;
    if (ins[i].type != st_library_io_at(lib, i)->type) {
      st_diag_error(d, st_loc_unknown(), "host: input %u has another type than the compiled model's", i);
      ok = false;
    }
  }
  for (unsigned i = 0; ok && i < no; i++) {
    const st_library_io *io = st_library_io_at(lib, nin + i);
    o[i] = (st_tensor){io->type, calloc(io->nbytes ? io->nbytes : 1, 1), io->nbytes};
    ok = (out[i] = o[i].data) != NULL;
  }
  size_t wsz = (st_library_workspace_size(lib) + 63) & ~(size_t)63;
  if (ok && wsz) ok = (ws = aligned_alloc(64, wsz)) != NULL;
  if (ok) st_library_run(lib, in, out, ws, false);
  free(ws);
  st_library_close(lib);
  *outs = o;
  *nout = ok ? no : 0;
  return ok;
}
