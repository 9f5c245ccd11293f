/* strata-onnx-ops [FILE]: writes the Markdown table of supported ONNX
 * operators (docs/onnx-ops.md) from the mapping rows, so it never drifts. */
#include <stdio.h>

#include "frontend/onnx/onnx.h"

int main(int argc, char **argv) {
  FILE *out = argc > 1 ? fopen(argv[1], "w") : stdout;
  if (!out) {
    fprintf(stderr, "strata-onnx-ops: cannot write '%s'\n", argv[1]);
    return 1;
  }
  st_onnx_print_ops_table(out);
  return (out != stdout ? fclose(out) : fflush(out)) == 0 ? 0 : 1;
}
