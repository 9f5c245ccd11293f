/* `strata compile MODEL -o OUT`: ahead-of-time compilation for the host (or
 * a named target) through LLVM.
 *
 * The artifact follows --emit (or OUT's suffix): a shared library (.so,
 * the object linked by the system C compiler with `cc -shared`), an object
 * (.o), a standalone runner (exe: the object, the runtime's sources and a
 * generated main compiled together), the LLVM module (.ll), or the
 * loop-level IR (.ir).  A library or object comes with OUT's stem + ".h",
 * the generated header.  The pass manager's flags apply to the host
 * pipeline (--pipeline replaces it); --pass-timing adds the LLVM stages to
 * its table. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "codegen/llvm/llvm.h"
#include "ir/print.h"
#include "runtime/parallel/parallel.h"
#include "runtime/rt/rt_sources.h"
#include "tools/tool_common.h"
#include "tools/tool_compile.h"
#include "tools/tools.h"

extern char **environ;

static const char st_compile_help[] =
    "usage: strata compile MODEL.onnx|FILE.ir -o OUT [options]\n"
    "Compile a model ahead of time through LLVM.\n\n"
    "Options:\n"
    "  -o FILE                 the artifact; its suffix picks --emit when not given\n"
    "  --emit=so|obj|exe|llvm|ir  shared library + header (default), object + header,\n"
    "                          standalone runner (takes strata run's --data/--input/-o flags), LLVM IR, loop IR\n"
    "  -t, --target T          host (default: this CPU), x86_64, aarch64, or an LLVM triple\n"
    "  --name NAME             prefix of the exported symbols (default: OUT's stem, else 'model')\n"
    "  -O0 .. -O3              LLVM optimisation level (default -O3)\n"
    "  --cc CC                 the C compiler that links the library or runner (default: cc)\n\n";

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
  if (strcmp(o->emit, "so") && strcmp(o->emit, "obj") && strcmp(o->emit, "exe") && strcmp(o->emit, "llvm") &&
      strcmp(o->emit, "ir"))
    return st_tool_fail("compile", "unknown --emit=%s (so, obj, exe, llvm, ir)", o->emit);
  if (!o->out && (!strcmp(o->emit, "so") || !strcmp(o->emit, "obj") || !strcmp(o->emit, "exe")))
    return st_tool_fail("compile", "--emit=%s needs -o FILE", o->emit);
  return 0;
}

static bool st_spawn(char **args, st_diag *d) {
  pid_t pid;
  int status = 0;
  if (posix_spawnp(&pid, args[0], NULL, NULL, args, environ) != 0 || waitpid(pid, &status, 0) < 0 ||
      !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    st_diag_error(d, st_loc_unknown(), "'%s' failed making %s", args[0], args[7]);
    return false;
  }
  return true;
}

/* Runs CC -shared ... -o OUT OBJ POOL.c -lm: the library gets its own copy
 * of the runtime's thread pool (runtime/parallel/strata_parallel.c, hidden),
 * which its parallel loops call. */
static bool st_link(const char *cc, const char *obj, const char *pool, const char *out, st_diag *d) {
  char *args[] = {(char *)cc, "-shared", "-O2", "-fPIC", "-pthread", "-DSTRATA_PARALLEL_HIDDEN", "-o", (char *)out,
                  (char *)obj, (char *)pool, "-lm", NULL};
  return st_spawn(args, d);
}

static bool st_write_text(const char *path, const char *text, st_diag *d) {
  FILE *f = path && strcmp(path, "-") ? fopen(path, "w") : stdout;
  if (!f || fputs(text, f) < 0 || (f != stdout && fclose(f) != 0)) {
    st_diag_error(d, st_loc_unknown(), "cannot write %s", path);
    return false;
  }
  return true;
}

static int st_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(path), 0;
}

/* Writes the runtime's sources under DIR/src (at their paths in the tree). */
static bool st_write_runtime_sources(const char *dir, st_diag *d) {
  unsigned n;
  const st_rt_source *src = st_rt_sources(&n);
  for (unsigned i = 0; i < n; i++) {
    char path[4400];
    snprintf(path, sizeof path, "%s/src/%s", dir, src[i].path);
    for (char *p = strchr(path + strlen(dir) + 1, '/'); p; p = strchr(p + 1, '/')) {
      *p = 0;
      mkdir(path, 0777);
      *p = '/';
    }
    if (!st_write_text(path, src[i].text, d)) return false;
  }
  return true;
}

/* The runner's main(): the model's entry points for the runtime's host
 * backend, with a call that spreads the argument array over PREFIX_run_ws
 * (its arity is known here, so the runner needs no libffi). */
static char *st_runner_main_text(const char *p, const st_compile_signature *sig) {
  unsigned n = sig->num_inputs + sig->num_outputs;
  size_t cap = 2048 + 32 * (size_t)n + 8 * strlen(p);
  char *s = malloc(cap);
  if (!s) return NULL;
  size_t k = (size_t)snprintf(s, cap, "/* generated by strata compile --emit=exe */\n#include \"runtime/rt/rt_runner.h\"\n\nvoid %s_run_ws(", p);
  for (unsigned i = 0; i <= n; i++) k += (size_t)snprintf(s + k, cap - k, "void *%s", i < n ? ", " : ");\n");
  k += (size_t)snprintf(s + k, cap - k,
                        "long %s_workspace_size(void);\nconst char *%s_signature(void);\nextern void (*%s_trace_hook)(int, int);\n\n"
                        "static void st_call(void *const *a, void *ws) { %s_run_ws(", p, p, p, p);
  for (unsigned i = 0; i < n; i++) k += (size_t)snprintf(s + k, cap - k, "a[%u], ", i);
  snprintf(s + k, cap - k,
           "ws); }\n\nint main(int argc, char **argv) {\n"
           "  static const st_rt_host_entry entry = {st_call, %s_workspace_size, %s_signature, &%s_trace_hook};\n"
           "  return st_rt_runner_main(argc, argv, &entry);\n}\n", p, p, p);
  return s;
}

/* CC -O2 -o OUT DIR/PREFIX.o DIR/main.c DIR/strata_parallel.c + the runtime's sources. */
static bool st_link_runner(const char *cc, const char *dir, const char *prefix, const st_compile_signature *sig,
                           const char *out, st_diag *d) {
  char main_c[4200], obj[4200], pool[4200], inc[4200];
  snprintf(main_c, sizeof main_c, "%s/main.c", dir);
  snprintf(obj, sizeof obj, "%s/%s.o", dir, prefix);
  snprintf(pool, sizeof pool, "%s/strata_parallel.c", dir);
  snprintf(inc, sizeof inc, "-I%s/src", dir);
  char *text = st_runner_main_text(prefix, sig);
  bool ok = text && st_write_text(main_c, text, d) && st_write_runtime_sources(dir, d);
  free(text);
  unsigned n;
  const st_rt_source *src = st_rt_sources(&n);
  char **args = calloc(n + 16, sizeof *args), paths[32][4400];
  unsigned k = 0;
  if (!ok || !args || n > 32) {
    free(args);
    return false;
  }
  const char *fixed[] = {cc, "-O2", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-pthread", "-w", "-o", out, inc,
                         obj, main_c, pool};
  for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) args[k++] = (char *)fixed[i];
  for (unsigned i = 0; i < n; i++)
    if (st_has_suffix(src[i].path, ".c")) {
      snprintf(paths[i], sizeof paths[i], "%s/src/%s", dir, src[i].path);
      args[k++] = paths[i];
    }
  args[k++] = "-lm";
  ok = st_spawn(args, d);
  free(args);
  return ok;
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
    bool so = !strcmp(o->emit, "so"), exe = !strcmp(o->emit, "exe");
    char tmpdir[64] = "";
    if (so || exe) {
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
    if ((so || exe) && ok) ok = st_write_text(pool, st_parallel_source(), d);
    if (so && ok) ok = st_link(o->cc, obj, pool, o->out, d);
    if (exe && ok) ok = st_link_runner(o->cc, tmpdir, prefix, sig, o->out, d);
    if (tmpdir[0]) nftw(tmpdir, st_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    t3 = st_now();
    if (!exe)
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
  /* A named target gets the vector width every CPU of it has (SSE2 / NEON:
   * 128 bits) rather than this host's (passes/lower.h, st_lower_vector_bits). */
  bool cross = o.target && strcmp(o.target, "host") != 0;
  bool ok = m && (!cross || st_op_set_attr(m, m->op, "strata.vector_bits", st_attr_int(m, st_type_scalar(ctx, ST_TY_I64), 128)));
  ok = ok && st_compile_signature_of(m, &sig, &d) && st_compile_lower(m, o.passes.pipeline, &o.passes.opts, &d);
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
