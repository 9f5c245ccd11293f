/* `strata`: one command, a subcommand per job.  This file only dispatches;
 * the work is in the library, the flags in tool_*.c. */
#include <stdio.h>
#include <string.h>

#include "tools/tools.h"

typedef struct st_subcommand {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv);
} st_subcommand;

static const st_subcommand st_subcommands[] = {
    {"opt", "parse textual IR (.ir), run passes, print the result", st_tool_opt},
    {"compile", "compile a model ahead of time through LLVM (.so + header, object, LLVM IR)", st_tool_compile},
    {"run", "run a model (.onnx or .ir) on a target, compare or write its outputs", st_tool_run},
    {"docs", "print reference tables generated from the registries (passes, ops)", st_tool_docs},
#ifdef STRATA_HAVE_SNPU
    {"snpu", "SNPU tools: asm, disasm, sim", st_tool_snpu},
#endif
};

static void st_usage(FILE *out) {
  fprintf(out, "usage: strata <command> [options]\n\nCommands:\n");
  for (size_t i = 0; i < sizeof st_subcommands / sizeof *st_subcommands; i++)
    fprintf(out, "  %-8s %s\n", st_subcommands[i].name, st_subcommands[i].summary);
  fprintf(out, "\nRun 'strata <command> --help' for the options of a command.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    st_usage(stderr);
    return 1;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
    st_usage(stdout);
    return 0;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("strata 0.1.0\n");
    return 0;
  }
  for (size_t i = 0; i < sizeof st_subcommands / sizeof *st_subcommands; i++)
    if (strcmp(argv[1], st_subcommands[i].name) == 0) return st_subcommands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "strata: unknown command '%s' (see strata --help)\n", argv[1]);
  return 1;
}
