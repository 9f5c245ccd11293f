/* Kernel trace recording and Chrome trace JSON (see rt.h). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "runtime/rt/rt.h"

static _Thread_local st_rt_trace *st_current;

double st_rt_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void st_rt_trace_activate(st_rt_trace *t) {
  if (t && !t->origin) t->origin = st_rt_now();
  st_current = t;
}

static void st_rt_trace_mark(int kernel, int end) {
  st_rt_trace *t = st_current;
  if (!t) return;
  double us = (st_rt_now() - t->origin) * 1e6;
  if (end) {
    /* The innermost open event of this kernel ends now. */
    for (size_t i = t->num_events; i-- > 0;)
      if (t->events[i].kernel == kernel && t->events[i].end_us < 0) {
        t->events[i].end_us = us;
        return;
      }
    return;
  }
  if (t->num_events == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 1024;
    st_rt_trace_event *e = realloc(t->events, cap * sizeof *e);
    if (!e) {
      t->out_of_memory = true;
      return;
    }
    t->events = e;
    t->cap = cap;
  }
  t->events[t->num_events++] = (st_rt_trace_event){kernel, us, -1};
}

void st_rt_trace_hook(int kernel, int end) { st_rt_trace_mark(kernel, end); }
void st_rt_trace_run(int end) { st_rt_trace_mark(-1, end); }

static void st_rt_json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') fprintf(f, "\\%c", *s);
    else if ((unsigned char)*s < 0x20) fprintf(f, "\\u%04x", *s);
    else fputc(*s, f);
  }
  fputc('"', f);
}

bool st_rt_trace_write(const st_rt_trace *t, const char *path, const char *const *names, unsigned num_names, st_rt_err *e) {
  FILE *f = fopen(path, "w");
  if (!f) return st_rt_fail(e, "cannot write the trace %s", path);
  fprintf(f, "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n");
  for (size_t i = 0; i < t->num_events; i++) {
    const st_rt_trace_event *e = &t->events[i];
    int k = e->kernel;
    fprintf(f, "  {\"name\": ");
    if (k < 0) st_rt_json_string(f, "run");
    else if ((unsigned)k < num_names) st_rt_json_string(f, names[k]);
    else fprintf(f, "\"kernel%d\"", k);
    fprintf(f, ", \"cat\": \"%s\", \"ph\": \"X\", \"ts\": %.3f, \"dur\": %.3f, \"pid\": 1, \"tid\": 1, \"args\": {\"kernel\": %d}}%s\n",
            k < 0 ? "run" : "kernel", e->begin_us, (e->end_us < 0 ? e->begin_us : e->end_us) - e->begin_us, k,
            i + 1 < t->num_events ? "," : "");
  }
  fprintf(f, "]}\n");
  if (fclose(f) != 0 || t->out_of_memory)
    return st_rt_fail(e, "writing the trace %s failed%s", path, t->out_of_memory ? " (out of memory)" : "");
  return true;
}

void st_rt_trace_free(st_rt_trace *t) {
  free(t->events);
  *t = (st_rt_trace){0};
}
