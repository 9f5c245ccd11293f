/* Embedding Strata: compile a model in process, list its inputs and
 * outputs, run it on buffers we own, print the first results.
 *
 *   embed MODEL.onnx|FILE.ir      (without an argument: a small model from memory)
 *
 * Build against include/strata/strata.h and the strata_api library.  Every
 * call that can fail returns false or NULL and hands back an error value. */
#include <stdio.h>
#include <stdlib.h>

#include "strata/strata.h"

static const char tiny_model[] =
    "func.func @main(%x: tensor<2x3xf32>, %w: tensor<3x2xf32>) -> tensor<2x2xf32> {\n"
    "  %0 = graph.matmul %x, %w : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>\n"
    "  %y = graph.relu %0 : tensor<2x2xf32>\n"
    "  func.return %y : tensor<2x2xf32>\n"
    "}\n";

static void print_info(const char *kind, unsigned i, const strata_tensor_info *t) {
  printf("%s %u '%s' %s [", kind, i, t->name, strata_dtype_name(t->dtype));
  for (unsigned k = 0; k < t->rank; k++) printf("%s%lld", k ? ", " : "", (long long)t->dims[k]);
  printf("] %zu bytes\n", t->nbytes);
}

int main(int argc, char **argv) {
  strata_error *err = NULL;
  strata_model *m = argc > 1 ? strata_compile_file(argv[1], NULL, &err)
                             : strata_compile_buffer(tiny_model, sizeof tiny_model - 1, NULL, &err);
  if (!m) {
    fprintf(stderr, "embed: %s\n", strata_error_message(err));
    strata_error_free(err);
    return 1;
  }
  unsigned nin = strata_model_num_inputs(m), nout = strata_model_num_outputs(m);
  void **in = calloc(nin + 1, sizeof *in), **out = calloc(nout + 1, sizeof *out);
  strata_tensor_info t;
  int rc = 0;
  for (unsigned i = 0; i < nin && strata_model_input_info(m, i, &t); i++) {
    print_info("input ", i, &t);
    in[i] = calloc(1, t.nbytes + 1);
    for (size_t k = 0; t.dtype == STRATA_DTYPE_F32 && k < t.nbytes / 4; k++) ((float *)in[i])[k] = (float)(k % 7) - 3.0f;
  }
  for (unsigned i = 0; i < nout && strata_model_output_info(m, i, &t); i++) {
    print_info("output", i, &t);
    out[i] = calloc(1, t.nbytes + 1);
  }
  if (!strata_run(m, in, out, &err)) {
    fprintf(stderr, "embed: %s\n", strata_error_message(err));
    strata_error_free(err);
    rc = 1;
  }
  for (unsigned i = 0; rc == 0 && i < nout && strata_model_output_info(m, i, &t); i++) {
    printf("output %u =", i);
    for (size_t k = 0; t.dtype == STRATA_DTYPE_F32 && k < t.nbytes / 4 && k < 8; k++) printf(" %g", ((float *)out[i])[k]);
    printf("\n");
  }
  for (unsigned i = 0; i < nin; i++) free(in[i]);
  for (unsigned i = 0; i < nout; i++) free(out[i]);
  free(in);
  free(out);
  strata_model_destroy(m);
  return rc;
}
