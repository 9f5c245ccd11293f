/* Passes and the pass manager.
 *
 * A pass is a named function over a module, registered in one table
 * (passes/registry.c).  The registry's name is the name used in
 * --pipeline=, --print-ir-after= and the dump file names.  The pass manager
 * runs a pipeline, verifies after each pass when asked, times each pass and
 * serves the IR debugging flags shared by every tool. */
#ifndef ST_PASSES_PASS_H
#define ST_PASSES_PASS_H

#include <stdbool.h>
#include <stdio.h>

#include "ir/ir.h"

/* Runs the pass; sets *changed when the IR changed.  false after a diagnostic. */
typedef bool (*st_pass_fn)(st_module *m, bool *changed, st_diag *d);

typedef struct st_pass {
  const char *name;
  const char *summary;
  st_pass_fn run;
} st_pass;

const st_pass *st_pass_lookup(const char *name);
const st_pass *st_passes(unsigned *count);

enum { ST_PIPELINE_MAX = 64 };

typedef struct st_pipeline {
  const st_pass *passes[ST_PIPELINE_MAX];
  unsigned count;
} st_pipeline;

/* Parses "canonicalize,cse,dce" (spaces allowed; empty = no passes). */
bool st_pipeline_parse(const char *text, st_pipeline *out, st_diag *d);
/* Writes the pipeline back as text (for --print-pipeline). */
void st_pipeline_print(const st_pipeline *p, FILE *out);

typedef struct st_pass_options {
  const char *print_before;   /* pass name or "all" */
  const char *print_after;    /* pass name or "all" */
  bool print_after_all;
  bool print_after_change;
  bool print_after_failure;
  const char *dump_dir;       /* numbered file per pass */
  bool timing;                /* table of wall time per pass on `timing_out` */
  bool verify_each;
  bool print_generic;         /* dumps in generic form */
  bool print_resources;       /* dumps with resource data */
  FILE *dump_out;             /* where --print-ir-* goes (default stderr) */
  /* When set, --print-ir-* dumps go here instead of dump_out: `when` is
   * "Before" or "After", `ir` the printed module (NULL when out of memory). */
  void (*dump_fn)(void *ctx, const char *when, const char *pass, const char *ir);
  void *dump_ctx;
  FILE *timing_out;           /* default stderr */
} st_pass_options;

/* Default options: verify_each is on in debug builds (NDEBUG not defined). */
st_pass_options st_pass_options_default(void);

/* Runs the pipeline on m.  false after a diagnostic (pass failure, verifier
 * error, dump directory not writable). */
bool st_pipeline_run(const st_pipeline *p, st_module *m, const st_pass_options *opts, st_diag *d);

/* The passes, for tools and tests that call them directly. */
bool st_pass_canonicalize(st_module *m, bool *changed, st_diag *d);
bool st_pass_cse(st_module *m, bool *changed, st_diag *d);
bool st_pass_dce(st_module *m, bool *changed, st_diag *d);
bool st_pass_verify(st_module *m, bool *changed, st_diag *d);
bool st_pass_fuse(st_module *m, bool *changed, st_diag *d);
bool st_pass_lower_to_loops(st_module *m, bool *changed, st_diag *d);
bool st_pass_memplan(st_module *m, bool *changed, st_diag *d);

#endif
