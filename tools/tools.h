/* The subcommands of the `strata` command; each takes argv with argv[0] set
 * to the subcommand's name and returns the exit status. */
#ifndef ST_TOOLS_TOOLS_H
#define ST_TOOLS_TOOLS_H

#include <stdbool.h>

int st_tool_opt(int argc, char **argv);
int st_tool_run(int argc, char **argv);
/* tool_run_native.c: `strata run MODEL.so` and `strata run MODEL -t host` */
bool st_tool_run_is_native(int argc, char **argv);
int st_tool_run_native(int argc, char **argv);
int st_tool_compile(int argc, char **argv);
int st_tool_docs(int argc, char **argv);
int st_tool_snpu(int argc, char **argv);

#endif
