/* `strata run MODEL.so` and `strata run MODEL -t host`: run compiled code.
 *
 * A library made by `strata compile` describes itself (PREFIX_signature:
 * inputs, outputs, kernels), so no header is needed; `-t host` compiles an
 * ONNX or IR model in process (ORC JIT) into the same entry points.  Inputs
 * come from --data DIR / --input NAME=FILE as for the interpreter; outputs
 * are compared with DIR/output_N.pb when present, otherwise summarised.
 * Every run is timed (--repeat N after one warm-up run), and --trace writes
 * a Chrome trace with one event per kernel launch.  The loading and calling
 * live in runtime/api (library.h, trace.h); this file is the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frontend/onnx/onnx.h"
#include "ir/print.h"
#include "runtime/api/compile.h"
#include "runtime/api/library.h"
#include "runtime/api/trace.h"
#include "runtime/interp/interp.h"
#include "tools/tool_common.h"
#include "tools/tools.h"

enum { ST_NATIVE_MAX_IO = 64 };

static const char st_native_help[] =
    "usage: strata run MODEL.so [options]   (a library made by strata compile)\n"
    "       strata run MODEL.onnx|FILE.ir -t host [options]   (compiled in process)\n\n"
    "Options:\n"
    "  --data DIR                inputs DIR/input_N.pb; compares with DIR/output_N.pb when present\n"
    "  --input NAME=FILE         value of input NAME (or its number) from a .pb or .npy file\n"
    "  --output-dir DIR, -o DIR  write output_N.pb for each output\n"
    "  --repeat N                timed runs after one warm-up run (default 10)\n"
    "  --trace FILE.json         Chrome trace of the timed runs, one event per kernel\n"
    "  --name PREFIX             symbol prefix of the library (default: its file's stem)\n"
    "  --rtol X, --atol X        comparison tolerances (default 1e-3 and 1e-4)\n";

typedef struct st_native_opts {
  const char *model, *data, *out_dir, *trace, *name;
  const char *inputs[ST_NATIVE_MAX_IO];
  unsigned num_inputs;
  int repeat;
  double rtol, atol;
} st_native_opts;

static bool st_suffix(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool st_tool_run_is_native(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] != '-' && st_suffix(argv[i], ".so")) return true;
    if ((!strcmp(argv[i], "-t") || !strcmp(argv[i], "--target")) && i + 1 < argc && !strcmp(argv[i + 1], "host")) return true;
    if (!strcmp(argv[i], "--target=host")) return true;
  }
  return false;
}

/* The file for input i: an --input naming it (or its number), else DIR/input_i.pb. */
static const char *st_native_input_file(const st_native_opts *o, const char *name, unsigned i, char *buf, size_t n) {
  char num[16];
  snprintf(num, sizeof num, "%u", i);
  for (unsigned k = 0; k < o->num_inputs; k++) {
    const char *eq = strchr(o->inputs[k], '=');
    size_t len = (size_t)(eq - o->inputs[k]);
    if ((strlen(name) == len && !strncmp(name, o->inputs[k], len)) || (strlen(num) == len && !strncmp(num, o->inputs[k], len)))
      return eq + 1;
  }
  if (!o->data) return NULL;
  snprintf(buf, n, "%s/input_%u.pb", o->data, i);
  return buf;
}

static bool st_native_load_inputs(st_context *ctx, const st_native_opts *o, const st_library *lib, st_tensor *ins,
                                  st_diag *d) {
  for (unsigned i = 0; i < st_library_num_inputs(lib); i++) {
    const st_library_io *io = st_library_io_at(lib, i);
    char buf[4096];
    const char *path = st_native_input_file(o, io->name, i, buf, sizeof buf);
    if (!path) {
      st_diag_error(d, st_loc_unknown(), "no value for input %u '%s' (give --input %s=FILE or --data DIR)", i, io->name,
                    io->name);
      return false;
    }
    bool ok = st_suffix(path, ".npy") ? st_interp_npy_read(ctx, path, &ins[i], d) : st_onnx_tensor_read_file(ctx, path, &ins[i], d);
    if (!ok) return false;
    if (ins[i].type != io->type) {
      char *want = st_type_to_string(io->type), *got = st_type_to_string(ins[i].type);
      st_diag_error(d, st_loc_unknown(), "input %u '%s' expects %s, %s holds %s", i, io->name, want ? want : "?", path,
                    got ? got : "?");
      free(want);
      free(got);
      return false;
    }
  }
  return true;
}

/* Prints each output, compared with DIR/output_N.pb when there is one. */
static bool st_native_report(st_context *ctx, const st_native_opts *o, const st_library *lib, const st_tensor *outs,
                             st_diag *d) {
  bool all_ok = true;
  unsigned nin = st_library_num_inputs(lib);
  for (unsigned i = 0; i < st_library_num_outputs(lib); i++) {
    const st_library_io *io = st_library_io_at(lib, nin + i);
    char *ts = st_type_to_string(io->type), path[4096];
    printf("output %u '%s' %s", i, io->name, ts ? ts : "?");
    free(ts);
    snprintf(path, sizeof path, "%s/output_%u.pb", o->data ? o->data : "", i);
    struct stat st;
    if (!o->data || stat(path, &st) != 0) {
      printf(" = ");
      st_interp_print_values(stdout, &outs[i], 16);
      printf("\n");
      continue;
    }
    st_tensor ref;
    if (!st_onnx_tensor_read_file(ctx, path, &ref, d)) return false;
    st_interp_cmp c;
    bool ok = st_interp_compare(&outs[i], &ref, o->rtol, o->atol, &c);
    if (!c.type_ok) printf(": MISMATCH: reference has another type\n");
    else printf(": max abs err %.3g, max rel err %.3g: %s\n", c.max_abs, c.max_rel, ok ? "ok" : "MISMATCH");
    free(ref.data);
    all_ok &= ok;
  }
  return all_ok;
}

static int st_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* One warm-up run (whose outputs are reported), then o->repeat timed runs. */
static bool st_native_time(const st_native_opts *o, const st_library *lib, void *const *in, void *const *out, void *ws,
                           st_diag *d) {
  st_trace trace = {0};
  double *t = malloc((size_t)(o->repeat > 0 ? o->repeat : 1) * sizeof *t);
  if (!t) return false;
  if (o->trace) st_trace_activate(&trace);
  for (int r = 0; r < o->repeat; r++) {
    double t0 = st_trace_now();
    st_library_run(lib, in, out, ws, o->trace != NULL);
    t[r] = st_trace_now() - t0;
  }
  st_trace_activate(NULL);
  bool ok = true;
  if (o->repeat > 0) {
    qsort(t, (size_t)o->repeat, sizeof *t, st_cmp_double);
    printf("time per run: %.3f ms (median of %d runs, min %.3f ms); workspace %zu bytes, %u kernels\n",
           1e3 * t[o->repeat / 2], o->repeat, 1e3 * t[0], st_library_workspace_size(lib), st_library_num_kernels(lib));
  }
  if (o->trace) {
    ok = st_trace_write(&trace, o->trace, st_library_kernel_names(lib), st_library_num_kernels(lib), d);
    if (ok) printf("trace: %s (%zu events)\n", o->trace, trace.num_events);
  }
  st_trace_free(&trace);
  free(t);
  return ok;
}

static bool st_native_write(const st_native_opts *o, const st_library *lib, const st_tensor *outs, st_diag *d) {
  mkdir(o->out_dir, 0777);
  unsigned nin = st_library_num_inputs(lib);
  for (unsigned i = 0; i < st_library_num_outputs(lib); i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/output_%u.pb", o->out_dir, i);
    if (!st_onnx_tensor_write_file(&outs[i], st_library_io_at(lib, nin + i)->name, path, d)) return false;
  }
  return true;
}

static bool st_native_go(st_context *ctx, const st_native_opts *o, st_diag *d) {
  st_library *lib = NULL;
  if (st_suffix(o->model, ".so")) {
    lib = st_library_open(ctx, o->model, o->name, d);
  } else {
    double t0 = st_trace_now();
    st_module *m = st_compile_load_file(ctx, o->model, d);
    lib = m ? st_library_jit(ctx, m, NULL, 3, d) : NULL;
    if (lib) printf("compiled %s in process in %.3f s\n", o->model, st_trace_now() - t0);
    st_module_destroy(m);
  }
  if (!lib) return false;
  unsigned nin = st_library_num_inputs(lib), nout = st_library_num_outputs(lib);
  st_tensor ins[ST_NATIVE_MAX_IO] = {{0}}, outs[ST_NATIVE_MAX_IO] = {{0}};
  void *in[ST_NATIVE_MAX_IO], *out[ST_NATIVE_MAX_IO], *ws = NULL;
  bool ok = nin <= ST_NATIVE_MAX_IO && nout <= ST_NATIVE_MAX_IO;
  if (!ok) st_diag_error(d, st_loc_unknown(), "too many inputs or outputs");
  ok = ok && st_native_load_inputs(ctx, o, lib, ins, d);
  for (unsigned i = 0; ok && i < nout; i++) {
    const st_library_io *io = st_library_io_at(lib, nin + i);
    outs[i] = (st_tensor){io->type, calloc(io->nbytes ? io->nbytes : 1, 1), io->nbytes};
    ok = (out[i] = outs[i].data) != NULL;
  }
  for (unsigned i = 0; ok && i < nin; i++) in[i] = ins[i].data;
  size_t wsz = (st_library_workspace_size(lib) + 63) & ~(size_t)63;
  if (ok && wsz) ok = (ws = aligned_alloc(64, wsz)) != NULL;
  if (ok) {
    st_library_run(lib, in, out, ws, false);
    ok = st_native_report(ctx, o, lib, outs, d);
    ok = st_native_time(o, lib, in, out, ws, d) && ok;
    if (o->out_dir) ok = st_native_write(o, lib, outs, d) && ok;
  }
  for (unsigned i = 0; i < ST_NATIVE_MAX_IO; i++) free(ins[i].data), free(outs[i].data);
  free(ws);
  st_library_close(lib);
  return ok;
}

int st_tool_run_native(int argc, char **argv) {
  st_native_opts o = {.repeat = 10, .rtol = 1e-3, .atol = 1e-4};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(st_native_help, stdout);
      return 0;
    } else if ((!strcmp(a, "-t") || !strcmp(a, "--target")) && v) {
      if (strcmp(argv[++i], "host")) return st_tool_fail("run", "a library runs on the host only (-t host)");
    } else if (!strcmp(a, "--target=host")) continue;
    else if (!strcmp(a, "--data") && v) o.data = argv[++i];
    else if ((!strcmp(a, "--output-dir") || !strcmp(a, "-o")) && v) o.out_dir = argv[++i];
    else if (!strcmp(a, "--repeat") && v) o.repeat = atoi(argv[++i]);
    else if (!strcmp(a, "--trace") && v) o.trace = argv[++i];
    else if (!strncmp(a, "--trace=", 8)) o.trace = a + 8;
    else if (!strcmp(a, "--name") && v) o.name = argv[++i];
    else if (!strcmp(a, "--rtol") && v) o.rtol = strtod(argv[++i], NULL);
    else if (!strcmp(a, "--atol") && v) o.atol = strtod(argv[++i], NULL);
    else if (!strcmp(a, "--input") && v) {
      if (!strchr(v, '=') || o.num_inputs == ST_NATIVE_MAX_IO)
        return st_tool_fail("run", "--input expects NAME=FILE, got '%s'", v);
      o.inputs[o.num_inputs++] = argv[++i];
    } else if (a[0] == '-' && a[1]) return st_tool_fail("run", "unknown option '%s' for compiled models (see strata run --help)", a);
    else if (o.model) return st_tool_fail("run", "more than one model ('%s' and '%s')", o.model, a);
    else o.model = a;
  }
  if (!o.model) return st_tool_fail("run", "no model given (see strata run --help)");
  if (o.repeat < 0) o.repeat = 0;
  st_context *ctx = st_context_create();
  st_diag d = {0};
  bool ok = ctx && st_native_go(ctx, &o, &d);
  st_diag_print(&d, stderr);
  st_diag_free(&d);
  st_context_destroy(ctx);
  return ok ? 0 : 1;
}
