/* `strata snpu ...`: the SNPU assembler, disassembler and simulator as a
 * subcommand of the strata tool (tools/tool_snpu.c). */
#ifndef ST_TOOL_SNPU_H
#define ST_TOOL_SNPU_H

/* argv[0] is "snpu", argv[1] the subcommand (asm, disasm, sim).  Returns 0 on
 * success, 1 on a user error after printing a message to stderr. */
int st_tool_snpu(int argc, char **argv);

#endif
