/* st_rt_model over any backend (see rt_backend.h), and the host backend
 * whose entry points are linked into the program. */
#include <stdlib.h>
#include <string.h>

#include "runtime/rt/rt_backend.h"

struct st_rt_model {
  const st_rt_backend *be;
  void *self;
  size_t workspace;
  unsigned num_inputs, num_outputs, num_kernels;
  st_rt_io *io;
  char **kernels;
};

/* One "input|output NAME DTYPE DIMS" line (tabs already cut) into io. */
static bool st_rt_parse_io(char *name, char *dtype, char *dims, st_rt_io *io) {
  io->dtype = st_rt_dtype_from_name(dtype);
  io->rank = 0;
  for (char *p = dims; *p; io->rank++) {
    if (io->rank == ST_RT_MAX_RANK) return false;
    io->dims[io->rank] = strtoll(p, &p, 10);
    if (*p == ',') p++;
    else if (*p) return false;
  }
  int64_t n = 1;
  for (unsigned k = 0; k < io->rank; k++) n *= io->dims[k];
  io->nbytes = (size_t)n * st_rt_dtype_size(io->dtype);
  return io->dtype != ST_RT_UNKNOWN && (io->name = strdup(name)) != NULL;
}

static bool st_rt_parse_signature(st_rt_model *m, const char *text, st_rt_err *e) {
  char *copy = text ? strdup(text) : NULL, *save = NULL;
  bool ok = copy && !strncmp(copy, "strata-signature 1\n", 19);
  m->io = calloc(ST_RT_MAX_IO, sizeof *m->io);
  m->kernels = calloc(1, sizeof *m->kernels);
  ok = ok && m->io && m->kernels;
  for (char *line = ok ? strtok_r(copy + 19, "\n", &save) : NULL; ok && line; line = strtok_r(NULL, "\n", &save)) {
    char *f1 = strchr(line, '\t'), *f2 = f1 ? strchr(f1 + 1, '\t') : NULL, *f3 = f2 ? strchr(f2 + 1, '\t') : NULL;
    if (f1) *f1++ = 0;
    if (!strcmp(line, "kernel") && f2) {
      char **k = realloc(m->kernels, (m->num_kernels + 1) * sizeof *k);
      ok = k != NULL;
      if (k) m->kernels = k;
      if (ok) ok = (m->kernels[m->num_kernels] = strdup(f2 + 1)) != NULL, m->num_kernels += ok;
      continue;
    }
    bool in = !strcmp(line, "input");
    unsigned i = m->num_inputs + m->num_outputs;
    ok = (in || !strcmp(line, "output")) && f3 && i < ST_RT_MAX_IO && (!in || m->num_outputs == 0);
    if (ok) *f2++ = *f3++ = 0;
    ok = ok && st_rt_parse_io(f1, f2, f3, &m->io[i]);
    if (ok) in ? m->num_inputs++ : m->num_outputs++;
  }
  free(copy);
  return ok || st_rt_fail(e, "the model's signature is malformed (not made by this version of strata compile?)");
}

st_rt_model *st_rt_model_bind(const st_rt_backend *be, void *self, st_rt_err *e) {
  st_rt_model *m = calloc(1, sizeof *m);
  if (!m) {
    be->unload(self);
    st_rt_fail(e, "out of memory");
    return NULL;
  }
  m->be = be;
  m->self = self;
  m->workspace = be->workspace_size(self);
  if (!st_rt_parse_signature(m, be->signature(self), e)) {
    st_rt_model_close(m);
    return NULL;
  }
  return m;
}

st_rt_model *st_rt_model_open(const st_rt_backend *be, const char *path, const char *prefix, st_rt_err *e) {
  if (!be->load) {
    st_rt_fail(e, "the %s backend loads no files", be->name);
    return NULL;
  }
  void *self = be->load(path, prefix, e);
  return self ? st_rt_model_bind(be, self, e) : NULL;
}

unsigned st_rt_model_num_inputs(const st_rt_model *m) { return m->num_inputs; }
unsigned st_rt_model_num_outputs(const st_rt_model *m) { return m->num_outputs; }
const st_rt_io *st_rt_model_io(const st_rt_model *m, unsigned i) { return &m->io[i]; }
size_t st_rt_model_workspace_size(const st_rt_model *m) { return m->workspace; }
unsigned st_rt_model_num_kernels(const st_rt_model *m) { return m->num_kernels; }
const char *const *st_rt_model_kernel_names(const st_rt_model *m) { return (const char *const *)m->kernels; }

bool st_rt_model_run(const st_rt_model *m, void *const *ins, void *const *outs, void *workspace, bool trace,
                     st_rt_err *e) {
  void *args[ST_RT_MAX_IO];
  unsigned n = m->num_inputs + m->num_outputs;
  for (unsigned i = 0; i < n; i++) {
    bool in = i < m->num_inputs;
    args[i] = in ? (ins ? ins[i] : NULL) : (outs ? outs[i - m->num_inputs] : NULL);
    if (!args[i])
      return st_rt_fail(e, "%s %u ('%s') is NULL", in ? "input" : "output", in ? i : i - m->num_inputs, m->io[i].name);
  }
  if (m->workspace && !workspace) return st_rt_fail(e, "the model needs a workspace of %zu bytes", m->workspace);
  if (trace) m->be->set_trace_hook(m->self, st_rt_trace_hook), st_rt_trace_run(0);
  m->be->run(m->self, args, workspace);
  if (trace) st_rt_trace_run(1), m->be->set_trace_hook(m->self, NULL);
  return true;
}

void st_rt_model_close(st_rt_model *m) {
  if (!m) return;
  for (unsigned i = 0; m->io && i < m->num_inputs + m->num_outputs; i++) free(m->io[i].name);
  for (unsigned k = 0; k < m->num_kernels; k++) free(m->kernels[k]);
  free(m->io);
  free(m->kernels);
  m->be->unload(m->self);
  free(m);
}

static const char *st_linked_signature(void *self) { return ((const st_rt_host_entry *)self)->signature(); }
static size_t st_linked_workspace(void *self) { return (size_t)((const st_rt_host_entry *)self)->workspace_size(); }
static void st_linked_run(void *self, void *const *args, void *ws) { ((const st_rt_host_entry *)self)->call(args, ws); }
static void st_linked_trace(void *self, void (*hook)(int, int)) { *((const st_rt_host_entry *)self)->trace_hook = hook; }
static void st_linked_unload(void *self) { (void)self; }

const st_rt_backend st_rt_host_linked = {
    .name = "host (linked)",
    .signature = st_linked_signature,
    .workspace_size = st_linked_workspace,
    .run = st_linked_run,
    .set_trace_hook = st_linked_trace,
    .unload = st_linked_unload,
};
