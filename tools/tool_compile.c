/* `strata compile MODEL -o OUT`: ahead-of-time compilation for the host (or
 * a named target) through LLVM.
 *
 * The artifact follows --emit (or OUT's suffix): a shared library (.so,
 * the object linked by the system C compiler with `cc -shared`), an object
 * (.o), the LLVM module (.ll), or the loop-level IR (.ir).  A library or
 * object comes with OUT's stem + ".h", the generated header.  The pass
 * manager's flags apply to the host pipeline; --pass-timing adds the LLVM
 * stages to its table. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codegen/llvm/llvm.h"
#include "ir/print.h"
#include "runtime/parallel/parallel.h"
#include "tools/tool_common.h"
#include "tools/tool_compile.h"
#include "tools/tools.h"

extern char **environ;

static const char st_compile_help[] =
    "usage: strata compile MODEL.onnx|FILE.ir -o OUT [options]\n"
    "Compile a model ahead of time through LLVM.\n\n"
    "Options:\n"
    "  -o FILE                 the artifact; its suffix picks --emit when not given\n"
    "  --emit=so|obj|llvm|ir   shared library + header (default), object + header, LLVM IR, loop IR\n"
    "  -t, --target T          host (default: this CPU), x86_64, aarch64, or an LLVM triple\n"
    "  --name NAME             prefix of the exported symbols (default: OUT's stem, else 'model')\n"
    "  -O0 .. -O3              LLVM optimisation level (default -O3)\n"
    "  --cc CC                 the C compiler that links the library (default: cc)\n\n";

typedef struct st_compile_opts {
  const char *model, *out, *emit, *target, *name, *cc;
  int opt;
  st_tool_pass_flags passes;
} st_compile_opts;

static double st_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static bool st_has_suffix(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *st_emit_from_suffix(const char *out) {
  if (!out || st_has_suffix(out, ".so")) return "so";
  if (st_has_suffix(out, ".o")) return "obj";
  if (st_has_suffix(out, ".ll")) return "llvm";
  if (st_has_suffix(out, ".ir")) return "ir";
  return "so";
}

/* OUT without its suffix, for the header path and the default prefix. */
static void st_stem(const char *out, char *buf, size_t n) {
  snprintf(buf, n, "%s", out);
  char *slash = strrchr(buf, '/'), *dot = strrchr(buf, '.');
  if (dot && (!slash || dot > slash)) *dot = 0;
}

static int st_parse_args(int argc, char **argv, st_compile_opts *o) {
  st_tool_pass_flags_init(&o->passes);
  o->opt = 3;
  o->cc = "cc";
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int taken = st_tool_pass_flag(&o->passes, a);
    if (taken < 0) return 1;
    if (taken) continue;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      printf("%s%s", st_compile_help, st_tool_pass_flags_help);
      return -1;
    } else if (!strcmp(a, "-o") && i + 1 < argc) o->out = argv[++i];
    else if ((!strcmp(a, "-t") || !strcmp(a, "--target")) && i + 1 < argc) o->target = argv[++i];
    else if (!strncmp(a, "--target=", 9)) o->target = a + 9;
    else if (!strncmp(a, "--emit=", 7)) o->emit = a + 7;
    else if (!strcmp(a, "--name") && i + 1 < argc) o->name = argv[++i];
    else if (!strcmp(a, "--cc") && i + 1 < argc) o->cc = argv[++i];
    else if (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3' && !a[3]) o->opt = a[2] - '0';
    else if (a[0] != '-' && !o->model) o->model = a;
    else return st_tool_fail("compile", "unexpected argument '%s' (see strata compile --help)", a);
  }
  if (!o->model) return st_tool_fail("compile", "no model given (see strata compile --help)");
  if (!o->emit) o->emit = st_emit_from_suffix(o->out);
  if (strcmp(o->emit, "so") && strcmp(o->emit, "obj") && strcmp(o->emit, "llvm") && strcmp(o->emit, "ir"))
    return st_tool_fail("compile", "unknown --emit=%s (so, obj, llvm, ir)", o->emit);
  if (!o->out && (!strcmp(o->emit, "so") || !strcmp(o->emit, "obj")))
    return st_tool_fail("compile", "--emit=%s needs -o FILE", o->emit);
  return 0;
}

/* Runs CC -shared ... -o OUT OBJ POOL.c -lm: the library gets its own copy
 * of the runtime's thread pool (runtime/parallel/strata_parallel.c, hidden),
 * which its parallel loops call. */
static bool st_link(const char *cc, const char *obj, const char *pool, const char *out, st_diag *d) {
  char *args[] = {(char *)cc, "-shared", "-O2", "-fPIC", "-pthread", "-DSTRATA_PARALLEL_HIDDEN", "-o", (char *)out,
                  (char *)obj, (char *)pool, "-lm", NULL};
  pid_t pid;
  int status = 0;
  if (posix_spawnp(&pid, cc, NULL, NULL, args, environ) != 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    st_diag_error(d, st_loc_unknown(), "linking %s with '%s -shared' failed", out, cc);
    return false;
  }
  return true;
}

static bool st_write_text(const char *path, const char *text, st_diag *d) {
  FILE *f = path && strcmp(path, "-") ? fopen(path, "w") : stdout;
  if (!f || fputs(text, f) < 0 || (f != stdout && fclose(f) != 0)) {
    st_diag_error(d, st_loc_unknown(), "cannot write %s", path);
    return false;
  }
  return true;
}

/* The LLVM stages: codegen + O3, then the object and the link. */
static bool st_emit_native(const st_compile_opts *o, st_module *m, const st_compile_signature *sig, st_diag *d) {
  char stem[4096], prefix[128], header[4200], obj[4200];
  st_stem(o->out ? o->out : "model", stem, sizeof stem);
  const char *base = strrchr(stem, '/') ? strrchr(stem, '/') + 1 : stem;
  st_compile_c_ident(o->name ? o->name : base, prefix, sizeof prefix);
  double t0 = st_now();
  char *signature = st_compile_signature_text(sig);
  st_llvm_options lo = {.target = o->target, .prefix = prefix, .opt_level = o->opt, .signature = signature};
  st_llvm_module *lm = signature ? st_llvm_compile(m, &lo, d) : NULL;
  free(signature);
  double t1 = st_now(), t2 = t1, t3 = t1;
  bool ok = lm != NULL;
  if (ok && !strcmp(o->emit, "llvm")) {
    char *text = st_llvm_print(lm);
    ok = text && st_write_text(o->out, text, d);
    free(text);
  } else if (ok) {
    snprintf(header, sizeof header, "%s.h", stem);
    bool so = !strcmp(o->emit, "so");
    char tmpdir[64] = "";
    if (so) {
      snprintf(tmpdir, sizeof tmpdir, "/tmp/strata-XXXXXX");
      ok = mkdtemp(tmpdir) != NULL;
      if (!ok) st_diag_error(d, st_loc_unknown(), "cannot create a temporary directory");
      snprintf(obj, sizeof obj, "%s/%s.o", tmpdir, prefix);
    } else {
      snprintf(obj, sizeof obj, "%s", o->out);
    }
    ok = ok && st_llvm_write_object(lm, obj, d);
    t2 = st_now();
    char pool[4200];
    snprintf(pool, sizeof pool, "%s/strata_parallel.c", tmpdir);
    if (so && ok) ok = st_write_text(pool, st_parallel_source(), d) && st_link(o->cc, obj, pool, o->out, d);
    if (tmpdir[0]) unlink(obj), unlink(pool), rmdir(tmpdir);
    t3 = st_now();
    ok = ok && st_compile_write_header(header, prefix, o->model, st_llvm_triple(lm), sig, st_llvm_workspace_size(lm), d);
  }
  if (o->passes.opts.timing) {
    FILE *tf = o->passes.opts.timing_out ? o->passes.opts.timing_out : stderr;
    fprintf(tf, "   %.6f  llvm: translate + %s\n   %.6f  llvm: object file\n   %.6f  link (%s -shared)\n",
            t1 - t0, o->opt ? "default<O3>" : "no optimisation", t2 - t1, t3 - t2, o->cc);
  }
  st_llvm_destroy(lm);
  return ok;
}

int st_tool_compile(int argc, char **argv) {
  st_compile_opts o = {0};
  int rc = st_parse_args(argc, argv, &o);
  if (rc) return rc < 0 ? 0 : rc;
  st_context *ctx = st_context_create();
  st_diag d = {0};
  st_compile_signature sig = {0};
  double t0 = st_now();
  st_module *m = st_compile_load_file(ctx, o.model, &d);
  double t1 = st_now();
  if (o.passes.opts.timing) fprintf(stderr, "   %.6f  import %s\n", t1 - t0, o.model);
  bool ok = m && st_compile_signature_of(m, &sig, &d) && st_compile_lower(m, &o.passes.opts, &d);
  st_op *main_fn = ok ? st_module_lookup_func(m, "main") : NULL;
  if (ok && o.passes.opts.timing && main_fn && st_op_get_attr(main_fn, "memplan.arena"))
    fprintf(stderr, "   memplan: arena %lld bytes, lower bound %lld bytes (the most bytes live at once)\n",
            (long long)st_op_attr_int(main_fn, "memplan.arena", 0), (long long)st_op_attr_int(main_fn, "memplan.lower_bound", 0));
  if (ok && !strcmp(o.emit, "ir")) {
    st_print_options po = {.generic = o.passes.opts.print_generic, .resources = o.passes.opts.print_resources};
    char *text = st_print_module(m, &po);
    ok = text && st_write_text(o.out, text, &d);
    free(text);
  } else if (ok) {
    ok = st_emit_native(&o, m, &sig, &d);
  }
  if (o.passes.opts.timing) fprintf(stderr, "   %.6f  total\n", st_now() - t0);
  st_diag_print(&d, stderr);
  st_diag_free(&d);
  st_compile_signature_free(&sig);
  if (m) st_module_destroy(m);
  st_context_destroy(ctx);
  return ok ? 0 : 1;
}
