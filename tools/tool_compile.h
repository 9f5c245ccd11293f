/* Internal to `strata compile`: the generated header (tool_compile_header.c). */
#ifndef ST_TOOLS_COMPILE_H
#define ST_TOOLS_COMPILE_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/api/compile.h"

/* Writes PATH: the entry points of the model compiled with `prefix`. */
bool st_compile_write_header(const char *path, const char *prefix, const char *source, const char *triple,
                             const st_compile_signature *sig, uint64_t workspace, st_diag *d);
/* A C identifier from a tensor or file name. */
void st_compile_c_ident(const char *s, char *out, size_t n);

#endif
