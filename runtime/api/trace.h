/* A Chrome trace of kernel launches (chrome://tracing, Perfetto): compiled
 * code calls PREFIX_trace_hook(kernel, end) around each kernel when the hook
 * is set; st_trace_hook records a timestamp into the calling thread's
 * current trace.  st_trace_write emits one complete ("X") event per kernel
 * launch, named after the kernel (the ONNX node), plus one per run. */
#ifndef ST_RUNTIME_API_TRACE_H
#define ST_RUNTIME_API_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "ir/diag.h"

typedef struct st_trace_event {
  int kernel; /* -1: a whole run */
  double begin_us, end_us;
} st_trace_event;

typedef struct st_trace {
  st_trace_event *events;
  size_t num_events, cap;
  double origin; /* seconds, CLOCK_MONOTONIC */
  bool out_of_memory;
} st_trace;

/* Makes t the calling thread's current trace (NULL: none); the first call
 * with a trace sets its time origin. */
void st_trace_activate(st_trace *t);
/* The hook compiled code calls: records begin (end == 0) or end of `kernel`. */
void st_trace_hook(int kernel, int end);
/* Brackets a whole run in the current trace. */
void st_trace_run(int end);
/* Writes the JSON; names[k] names kernel k (num_names of them). */
bool st_trace_write(const st_trace *t, const char *path, const char *const *names, unsigned num_names, st_diag *d);
void st_trace_free(st_trace *t);
/* Seconds on the monotonic clock. */
double st_trace_now(void);

#endif
