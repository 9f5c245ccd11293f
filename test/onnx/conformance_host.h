/* The host target of the conformance runner: the test's graph-level module
 * compiled in process (host pipeline, LLVM, ORC JIT) and run once. */
#ifndef ST_TEST_ONNX_CONFORMANCE_HOST_H
#define ST_TEST_ONNX_CONFORMANCE_HOST_H

#include "ir/dialect.h"

/* Same contract as st_interp_run on func @main: *outs gets nout malloc'd tensors. */
bool st_conformance_run_host(st_context *ctx, st_module *m, unsigned nin, const st_tensor *ins, unsigned *nout,
                             st_tensor **outs, st_diag *d);

#endif
