/* `strata run MODEL.so` and `strata run MODEL -t host`: run compiled code.
 *
 * A library made by `strata compile` describes itself (PREFIX_signature:
 * inputs, outputs, kernels), so no header is needed; `-t host` compiles an
 * ONNX or IR model in process (ORC JIT) into the same entry points.  Both
 * become a runtime model (runtime/rt/rt_backend.h) over the host backend,
 * and the runtime's runner (rt_runner.h) does the rest — inputs, the
 * comparison, timing, --trace, output files — exactly as in the
 * standalone runners of `strata compile --emit=exe`.  This file is the
 * command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/api/compile.h"
#include "runtime/api/library.h"
#include "runtime/rt/rt_runner.h"
#include "tools/tool_common.h"
#include "tools/tools.h"

static const char st_native_help[] =
    "usage: strata run MODEL.so [options]   (a library made by strata compile)\n"
    "       strata run MODEL.onnx|FILE.ir -t host [options]   (compiled in process)\n\n"
    "Options:\n"
    "  --name PREFIX             symbol prefix of the library (default: its file's stem)\n";

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

static st_rt_model *st_native_open(st_context *ctx, const char *model, const char *name, st_diag *d) {
  if (st_suffix(model, ".so")) {
    st_rt_err e;
    st_rt_model *m = st_rt_model_open(&st_host_backend, model, name, &e);
    if (!m) st_diag_error(d, st_loc_unknown(), "%s", e.msg);
    return m;
  }
  double t0 = st_rt_now();
  st_module *mod = st_compile_load_file(ctx, model, d);
  st_rt_model *m = mod ? st_host_jit_model(mod, NULL, NULL, 3, d) : NULL;
  if (m) printf("compiled %s in process in %.3f s\n", model, st_rt_now() - t0);
  st_module_destroy(mod);
  return m;
}

int st_tool_run_native(int argc, char **argv) {
  st_rt_run_opts o;
  st_rt_run_opts_init(&o);
  st_rt_err e;
  const char *model = NULL, *name = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int taken = st_rt_run_flag(&o, argc, argv, &i, &e);
    if (taken < 0) return st_tool_fail("run", "%s", e.msg);
    if (taken) continue;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      printf("%s%s", st_native_help, st_rt_run_flags_help);
      return 0;
    } else if ((!strcmp(a, "-t") || !strcmp(a, "--target")) && v) {
      if (strcmp(argv[++i], "host")) return st_tool_fail("run", "a library runs on the host only (-t host)");
    } else if (!strcmp(a, "--target=host")) continue;
    else if (!strcmp(a, "--name") && v) name = argv[++i];
    else if (a[0] == '-' && a[1]) return st_tool_fail("run", "unknown option '%s' for compiled models (see strata run --help)", a);
    else if (model) return st_tool_fail("run", "more than one model ('%s' and '%s')", model, a);
    else model = a;
  }
  if (!model) return st_tool_fail("run", "no model given (see strata run --help)");
  st_context *ctx = st_context_create();
  st_diag d = {0};
  st_rt_model *m = ctx ? st_native_open(ctx, model, name, &d) : NULL;
  bool ok = m && st_rt_run_model(m, &o, &e);
  if (m && !ok) st_diag_error(&d, st_loc_unknown(), "%s", e.msg);
  st_rt_model_close(m);
  fflush(stdout);
  st_diag_print(&d, stderr);
  st_diag_free(&d);
  st_context_destroy(ctx);
  return ok ? 0 : 1;
}
