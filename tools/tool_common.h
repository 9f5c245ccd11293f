/* Pieces shared by the strata subcommands: reading input files and the
 * pass-manager flags that every command running passes accepts. */
#ifndef ST_TOOLS_COMMON_H
#define ST_TOOLS_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "ir/diag.h"
#include "passes/pass.h"

/* Reads a whole file ("-" = stdin) into a malloc'd, NUL-terminated buffer. */
char *st_tool_read_file(const char *path, size_t *len, st_diag *d);

typedef struct st_tool_pass_flags {
  st_pass_options opts;
  const char *pipeline;   /* --pipeline=... */
  bool print_pipeline;
  bool list_passes;
} st_tool_pass_flags;

void st_tool_pass_flags_init(st_tool_pass_flags *f);
/* Consumes `arg` if it is a pass-manager flag: returns 1 if taken, 0 if not
 * a pass flag, -1 on a malformed flag (message printed). */
int st_tool_pass_flag(st_tool_pass_flags *f, const char *arg);
/* Help text for these flags. */
extern const char st_tool_pass_flags_help[];
void st_tool_list_passes(void);

/* Prints "strata CMD: message" to stderr and returns 1. */
int st_tool_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
