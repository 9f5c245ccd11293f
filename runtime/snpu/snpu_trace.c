/* Chrome trace-event output for the SNPU simulator (chrome://tracing,
 * Perfetto): one track per queue, one complete event ("ph":"X") per
 * instruction.  Timestamps are cycles written where the format expects
 * microseconds, so one "us" in the viewer is one cycle. */
#include "runtime/snpu/snpu.h"

void st_snpu_trace_write_json(const st_snpu_trace *t, const st_snpu_program *p, FILE *out) {
  fprintf(out, "{\"displayTimeUnit\":\"ns\",\"otherData\":{\"time_unit\":\"cycles\",\"dim\":%u},\n", p->config.dim);
  fprintf(out, "\"traceEvents\":[\n");
  fprintf(out, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":0,\"tid\":0,\"args\":{\"name\":\"snpu\"}}");
  for (int q = 0; q < 3; q++)
    fprintf(out, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":0,\"tid\":%d,\"args\":{\"name\":\"%s\"}}", q,
            st_snpu_queue_name((st_snpu_queue)q));
  for (size_t i = 0; i < t->n; i++) {
    const st_snpu_event *e = &t->ev[i];
    const st_snpu_opinfo *info = st_snpu_opinfo_get(e->op);
    fprintf(out,
            ",\n{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":0,\"tid\":%u,\"ts\":%llu,\"dur\":%llu,"
            "\"args\":{\"index\":%u}}",
            info ? info->upper : "?", st_snpu_queue_name((st_snpu_queue)e->queue), e->queue,
            (unsigned long long)e->start, (unsigned long long)(e->end - e->start), e->index);
  }
  fprintf(out, "\n]}\n");
}
