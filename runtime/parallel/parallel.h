/* The runtime thread pool (strata_parallel.c) as the compiler sees it:
 * the entry point the JIT binds generated code to, and the pool's source,
 * which `strata compile` builds into every shared library it links. */
#ifndef ST_RUNTIME_PARALLEL_H
#define ST_RUNTIME_PARALLEL_H

#include <stdint.h>

typedef void (*strata_parallel_body)(void *ctx, int64_t begin, int64_t end);

/* Runs body(ctx, begin, end) over [0, n) cut into one chunk per thread. */
void strata_parallel_for(strata_parallel_body body, void *ctx, int64_t n);
/* The pool's size (STRATA_NUM_THREADS, default the online CPUs). */
int strata_parallel_num_threads(void);

/* The text of strata_parallel.c (generated at build time). */
const char *st_parallel_source(void);

#endif
