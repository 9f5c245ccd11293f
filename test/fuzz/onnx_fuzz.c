/* libFuzzer target for the ONNX loader: protobuf decoding, tensors of every
 * data type, the importer (type inference and constant folding through the
 * op families' hooks) and the out-of-scope check; then, for a model that
 * imports, the host pipeline up to loop IR (canonicalize, fuse,
 * lower-to-loops with every op's lower hook, cse, dce, memplan), verified
 * after each pass.  Any byte string must be imported, lowered or rejected
 * with a diagnostic; nothing may crash, leak, read out of bounds or allocate
 * without bound.  External data is disabled (no model folder), so the
 * fuzzer cannot read files.  LLVM is not run (its cost per input would
 * starve the search; the IR it would get is verified).
 *
 * Build and run (clang):
 *   CC=clang cmake -S . -B build-fuzz -DSTRATA_FUZZ=ON
 *   cmake --build build-fuzz --target onnx_fuzz
 *   (seed corpus: copy the model.onnx files of SHARED/onnx-tests/node into corpus/)
 *   build-fuzz/bin/onnx_fuzz -max_total_time=600 -rss_limit_mb=4096 corpus */
#include <stdint.h>
#include <stdlib.h>

#include "frontend/onnx/onnx.h"
#include "passes/pass.h"
#include "runtime/api/compile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  st_context *ctx = st_context_create();
  st_diag d = {0};
  char why[256];
  st_onnx_out_of_scope(data, size, why, sizeof why);
  st_module *m = st_onnx_import_bytes(ctx, data, size, NULL, NULL, &d);
  st_pipeline p;
  st_pass_options opts = st_pass_options_default();
  opts.verify_each = true;
  if (m && st_pipeline_parse(ST_COMPILE_PIPELINE, &p, &d)) st_pipeline_run(&p, m, &opts, &d);
  st_module_destroy(m);
  st_tensor t;
  if (st_onnx_tensor_parse(ctx, data, size, &t, &d)) free(t.data);
  st_diag_free(&d);
  st_context_destroy(ctx);
  return 0;
}
