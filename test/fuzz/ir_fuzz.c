/* libFuzzer target for the textual IR: parser, verifier, printer and the
 * canonicalize/cse/dce pipeline.  Whatever parses must verify or be rejected
 * with a diagnostic, print, parse back and print identically, and survive
 * the passes; no input may crash, leak or trip a sanitizer.
 *
 * Build and run (clang 14):
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang-14 -DSTRATA_FUZZ=ON
 *   cmake --build build-fuzz --target ir_fuzz
 *   build-fuzz/bin/ir_fuzz -max_total_time=600 -dict=test/fuzz/ir.dict CORPUS_DIR test/ir test/passes */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ir/parse.h"
#include "ir/print.h"
#include "ir/verify.h"
#include "passes/pass.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  st_context *ctx = st_context_create();
  st_diag d = {0};
  st_module *m = st_parse_module(ctx, (const char *)data, size, "fuzz", &d);
  if (m && st_verify_module(m, &d)) {
    char *first = st_print_module(m, NULL);
    st_module *again = first ? st_parse_module(ctx, first, strlen(first), "printed", &d) : NULL;
    if (!again) abort(); /* printed IR must parse */
    char *second = st_print_module(again, NULL);
    if (!second || strcmp(first, second) != 0) abort(); /* and print back identically */
    free(first);
    free(second);
    st_module_destroy(again);
    st_pipeline pl;
    st_pass_options opts = st_pass_options_default();
    opts.verify_each = true;
    if (st_pipeline_parse("canonicalize,cse,dce", &pl, &d)) st_pipeline_run(&pl, m, &opts, &d);
  }
  st_module_destroy(m);
  st_diag_free(&d);
  st_context_destroy(ctx);
  return 0;
}
