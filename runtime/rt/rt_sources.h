/* The runtime's own source files as text (generated at build time), for
 * `strata compile --emit=exe`: it writes them under a temporary directory
 * at their paths and compiles them with the model's object and a generated
 * main into a standalone runner. */
#ifndef ST_RUNTIME_RT_SOURCES_H
#define ST_RUNTIME_RT_SOURCES_H

typedef struct st_rt_source {
  const char *path; /* relative to the source tree: "runtime/rt/rt.h" */
  const char *text;
} st_rt_source;

const st_rt_source *st_rt_sources(unsigned *count);

#endif
