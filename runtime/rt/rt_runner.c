/* The command-line run of a compiled model (see rt_runner.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/rt/rt_runner.h"

void st_rt_run_opts_init(st_rt_run_opts *o) {
  memset(o, 0, sizeof *o);
  o->repeat = 10;
  o->rtol = 1e-3;
  o->atol = 1e-4;
}

const char st_rt_run_flags_help[] =
    "  --data DIR                inputs DIR/input_N.pb; compares with DIR/output_N.pb when present\n"
    "  --input NAME=FILE         value of input NAME (or its number) from a .pb or .npy file\n"
    "  --output-dir DIR, -o DIR  write output_N.pb for each output (and output_N.npy with --npy)\n"
    "  --npy                     also write .npy files\n"
    "  --repeat N                timed runs after the first (default 10)\n"
    "  --trace FILE.json         Chrome trace of the timed runs, one event per kernel\n"
    "  --rtol X, --atol X        comparison tolerances (default 1e-3 and 1e-4)\n";

int st_rt_run_flag(st_rt_run_opts *o, int argc, char **argv, int *i, st_rt_err *e) {
  const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
  const char **dst = NULL;
  if (!strcmp(a, "--npy")) return o->npy = true, 1;
  if (!strncmp(a, "--trace=", 8)) return o->trace = a + 8, 1;
  if (!strcmp(a, "--data")) dst = &o->data;
  else if (!strcmp(a, "--output-dir") || !strcmp(a, "-o")) dst = &o->out_dir;
  else if (!strcmp(a, "--trace")) dst = &o->trace;
  else if (strcmp(a, "--input") && strcmp(a, "--repeat") && strcmp(a, "--rtol") && strcmp(a, "--atol")) return 0;
  if (!v) return st_rt_fail(e, "%s needs a value", a), -1;
  ++*i;
  if (dst) *dst = v;
  else if (!strcmp(a, "--repeat")) o->repeat = atoi(v) < 0 ? 0 : atoi(v);
  else if (!strcmp(a, "--rtol")) o->rtol = strtod(v, NULL);
  else if (!strcmp(a, "--atol")) o->atol = strtod(v, NULL);
  else if (!strchr(v, '=') || o->num_inputs == ST_RT_RUN_MAX_INPUTS)
    return st_rt_fail(e, "--input expects NAME=FILE, got '%s'", v), -1;
  else o->inputs[o->num_inputs++] = v;
  return 1;
}

static bool st_rt_file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Whether --input ARG (NAME=FILE) names input i called `name` (or its number). */
static bool st_rt_input_names(const char *arg, const char *name, unsigned i) {
  char num[16];
  snprintf(num, sizeof num, "%u", i);
  size_t len = (size_t)(strchr(arg, '=') - arg);
  return (strlen(name) == len && !strncmp(name, arg, len)) || (strlen(num) == len && !strncmp(num, arg, len));
}

/* The file for input i: the last --input naming it, else DIR/input_i.pb. */
static const char *st_rt_input_file(const st_rt_run_opts *o, const char *name, unsigned i, char *buf, size_t n) {
  for (unsigned k = o->num_inputs; k-- > 0;)
    if (st_rt_input_names(o->inputs[k], name, i)) return strchr(o->inputs[k], '=') + 1;
  if (!o->data) return NULL;
  snprintf(buf, n, "%s/input_%u.pb", o->data, i);
  return buf;
}

static bool st_rt_load_inputs(const st_rt_model *m, const st_rt_run_opts *o, st_rt_tensor *ins, st_rt_err *e) {
  unsigned nin = st_rt_model_num_inputs(m);
  for (unsigned k = 0; k < o->num_inputs; k++) {
    bool found = false;
    for (unsigned i = 0; i < nin && !found; i++) found = st_rt_input_names(o->inputs[k], st_rt_model_io(m, i)->name, i);
    if (!found) return st_rt_fail(e, "--input %s names no input of the model", o->inputs[k]);
  }
  for (unsigned i = 0; i < nin; i++) {
    const st_rt_io *io = st_rt_model_io(m, i);
    char buf[4096], want[256], got[256];
    const char *path = st_rt_input_file(o, io->name, i, buf, sizeof buf);
    if (!path) return st_rt_fail(e, "no value for input %u '%s' (give --input %s=FILE or --data DIR)", i, io->name, io->name);
    if (!st_rt_tensor_read(path, &ins[i], e)) return false;
    if (!st_rt_tensor_has_type(&ins[i], io->dtype, io->rank, io->dims)) {
      st_rt_tensor_type_str(io->dtype, io->rank, io->dims, want, sizeof want);
      st_rt_tensor_type_str(ins[i].dtype, ins[i].rank, ins[i].dims, got, sizeof got);
      return st_rt_fail(e, "input %u '%s' expects %s, %s holds %s", i, io->name, want, path, got);
    }
  }
  return true;
}

/* Prints each output, compared with DIR/output_N.pb when there is one. */
static bool st_rt_report(const st_rt_model *m, const st_rt_run_opts *o, const st_rt_tensor *outs, st_rt_err *e) {
  unsigned nin = st_rt_model_num_inputs(m), bad = 0;
  for (unsigned i = 0; i < st_rt_model_num_outputs(m); i++) {
    const st_rt_io *io = st_rt_model_io(m, nin + i);
    char ts[256], path[4096];
    st_rt_tensor_type_str(io->dtype, io->rank, io->dims, ts, sizeof ts);
    printf("output %u '%s' %s", i, io->name, ts);
    snprintf(path, sizeof path, "%s/output_%u.pb", o->data ? o->data : "", i);
    if (!o->data || !st_rt_file_exists(path)) {
      printf(" = ");
      st_rt_print_values(stdout, &outs[i], 16);
      printf("\n");
      continue;
    }
    st_rt_tensor ref;
    if (!st_rt_pb_read(path, &ref, e)) return false;
    st_rt_cmp c;
    bool ok = st_rt_compare(&outs[i], &ref, o->rtol, o->atol, &c);
    if (!c.type_ok) {
      st_rt_tensor_type_str(ref.dtype, ref.rank, ref.dims, ts, sizeof ts);
      printf(": MISMATCH: expected type %s\n", ts);
    } else {
      printf(": max abs err %.3g, max rel err %.3g: %s", c.max_abs, c.max_rel, ok ? "ok" : "MISMATCH");
      if (!ok) printf(" (%lld of %lld elements outside rtol %g, atol %g)", (long long)c.num_bad,
                      (long long)st_rt_num_elements(&ref), o->rtol, o->atol);
      printf("\n");
    }
    st_rt_tensor_free(&ref);
    bad += !ok;
  }
  return bad == 0 || st_rt_fail(e, "%u output%s did not match the reference", bad, bad == 1 ? "" : "s");
}

static int st_rt_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* o->repeat timed runs after the first, with the trace active if asked. */
static bool st_rt_time(const st_rt_model *m, const st_rt_run_opts *o, void *const *in, void *const *out, void *ws,
                       st_rt_err *e) {
  st_rt_trace trace = {0};
  double *t = malloc((size_t)(o->repeat > 0 ? o->repeat : 1) * sizeof *t);
  if (!t) return st_rt_fail(e, "out of memory");
  if (o->trace) st_rt_trace_activate(&trace);
  for (int r = 0; r < o->repeat; r++) {
    double t0 = st_rt_now();
    st_rt_model_run(m, in, out, ws, o->trace != NULL, NULL);
    t[r] = st_rt_now() - t0;
  }
  st_rt_trace_activate(NULL);
  bool ok = true;
  if (o->repeat > 0) {
    qsort(t, (size_t)o->repeat, sizeof *t, st_rt_cmp_double);
    printf("time per run: %.3f ms (median of %d runs, min %.3f ms); workspace %zu bytes, %u kernels\n",
           1e3 * t[o->repeat / 2], o->repeat, 1e3 * t[0], st_rt_model_workspace_size(m), st_rt_model_num_kernels(m));
  }
  if (o->trace) {
    ok = st_rt_trace_write(&trace, o->trace, st_rt_model_kernel_names(m), st_rt_model_num_kernels(m), e);
    if (ok) printf("trace: %s (%zu events)\n", o->trace, trace.num_events);
  }
  st_rt_trace_free(&trace);
  free(t);
  return ok;
}

static bool st_rt_write(const st_rt_model *m, const st_rt_run_opts *o, const st_rt_tensor *outs, st_rt_err *e) {
  mkdir(o->out_dir, 0777);
  unsigned nin = st_rt_model_num_inputs(m);
  for (unsigned i = 0; i < st_rt_model_num_outputs(m); i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/output_%u.pb", o->out_dir, i);
    if (!st_rt_pb_write(&outs[i], st_rt_model_io(m, nin + i)->name, path, e)) return false;
    snprintf(path, sizeof path, "%s/output_%u.npy", o->out_dir, i);
    if (o->npy && !st_rt_npy_write(&outs[i], path, e)) return false;
  }
  return true;
}

bool st_rt_run_model(const st_rt_model *m, const st_rt_run_opts *o, st_rt_err *e) {
  unsigned nin = st_rt_model_num_inputs(m), nout = st_rt_model_num_outputs(m);
  if (nin > ST_RT_RUN_MAX_INPUTS || nout > ST_RT_MAX_IO) return st_rt_fail(e, "too many inputs or outputs");
  st_rt_tensor ins[ST_RT_RUN_MAX_INPUTS] = {{0}}, *outs = calloc(nout + 1, sizeof *outs);
  void *in[ST_RT_RUN_MAX_INPUTS + 1], *out[ST_RT_MAX_IO + 1], *ws = NULL;
  bool ok = outs && st_rt_load_inputs(m, o, ins, e);
  if (!outs) st_rt_fail(e, "out of memory");
  for (unsigned i = 0; ok && i < nout; i++) {
    const st_rt_io *io = st_rt_model_io(m, nin + i);
    ok = st_rt_tensor_alloc(&outs[i], io->dtype, io->rank, io->dims, e);
    out[i] = outs[i].data;
  }
  for (unsigned i = 0; ok && i < nin; i++) in[i] = ins[i].data;
  size_t wsz = (st_rt_model_workspace_size(m) + 63) & ~(size_t)63;
  if (ok && wsz && !(ws = aligned_alloc(64, wsz))) ok = st_rt_fail(e, "cannot allocate a workspace of %zu bytes", wsz);
  if (ok) ok = st_rt_model_run(m, in, out, ws, false, e);
  if (ok) {
    ok = st_rt_report(m, o, outs, e);
    st_rt_err e2;
    if (!st_rt_time(m, o, in, out, ws, &e2) || (o->out_dir && !st_rt_write(m, o, outs, &e2)))
      ok = st_rt_fail(e, "%s", e2.msg);
  }
  for (unsigned i = 0; i < nin; i++) st_rt_tensor_free(&ins[i]);
  for (unsigned i = 0; outs && i < nout; i++) st_rt_tensor_free(&outs[i]);
  free(outs);
  free(ws);
  return ok;
}

int st_rt_runner_main(int argc, char **argv, const st_rt_host_entry *entry) {
  const char *prog = argc > 0 ? argv[0] : "runner";
  st_rt_run_opts o;
  st_rt_run_opts_init(&o);
  st_rt_err e = {{0}};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      printf("usage: %s [options]\nRun the compiled model it holds.\n\nOptions:\n%s", prog, st_rt_run_flags_help);
      return 0;
    }
    int taken = st_rt_run_flag(&o, argc, argv, &i, &e);
    if (taken <= 0) {
      fprintf(stderr, "%s: %s\n", prog, taken < 0 ? e.msg : "unknown argument (see --help)");
      if (!taken) fprintf(stderr, "%s: the argument was '%s'\n", prog, argv[i]);
      return 1;
    }
  }
  st_rt_model *m = st_rt_model_bind(&st_rt_host_linked, (void *)entry, &e);
  bool ok = m && st_rt_run_model(m, &o, &e);
  fflush(stdout); /* the report first, then the error */
  if (!ok) fprintf(stderr, "%s: %s\n", prog, e.msg);
  st_rt_model_close(m);
  return ok ? 0 : 1;
}
