/* The ONNX conformance runner: every test under the shared onnx-tests
 * folders (node, simple, pytorch-converted, pytorch-operator) on one target,
 * in parallel, each test in its own forked process with a time limit, so a
 * crash or a hang fails that test only.
 *
 * Writes a results table (test, status, reason) and compares the statuses
 * with a checked-in expectations file: a test expected to pass that does
 * not is a regression (exit 1); tests that newly pass are listed so the file
 * can be regenerated with --update.  Out-of-scope tests (training ops,
 * ai.onnx.ml, sequences, optionals, strings) are skipped with the reason. */
#define _DEFAULT_SOURCE /* scandir, alphasort */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frontend/onnx/onnx.h"
#include "runtime/interp/interp.h"
#include "test/onnx/conformance_host.h"

static const char *const st_folders[] = {"node", "simple", "pytorch-converted", "pytorch-operator"};
enum { ST_NUM_FOLDERS = 4, ST_REASON = 900 };

typedef struct st_test {
  char *name;   /* folder/test */
  char *dir;    /* full path */
  int folder;
  char status[8];
  char reason[ST_REASON];
  char expected[8];
  pid_t pid;
  int fd;
} st_test;

typedef struct st_conf {
  const char *target, *shared, *expected, *out, *filter;
  bool update, verbose;
  int jobs, timeout;
} st_conf;

/* Tolerances the ONNX project's own runner uses for a few tests. */
static void st_tolerances(const char *name, double *rtol, double *atol) {
  *rtol = 1e-3;
  *atol = 1e-7;
  if (strstr(name, "/test_dft")) *atol = 1e-6;
  if (strstr(name, "/test_celu_bfloat16_expanded")) *rtol = *atol = 1e-2;
}

/* ---- targets: how a test's module runs, one function per target ---- */

typedef bool (*st_target_fn)(st_context *ctx, st_module *m, unsigned nin, const st_tensor *ins, unsigned *nout,
                             st_tensor **outs, st_diag *d);

static bool st_target_interp(st_context *ctx, st_module *m, unsigned nin, const st_tensor *ins, unsigned *nout,
                             st_tensor **outs, st_diag *d) {
  return st_interp_run(m, "main", nin, ins, nout, outs, d);
}

static const struct { const char *name; st_target_fn run; } st_targets[] = {
    {"interp", st_target_interp},
    {"host", st_conformance_run_host}, /* test/onnx/conformance_host.c */
};
static st_target_fn st_target_run = st_target_interp;

/* ---- running one test (in the child) ---- */

static void st_sanitize(char *s) {
  for (; *s; s++)
    if (*s == '\t' || *s == '\n' || *s == '\r') *s = ' ';
}

static void st_result(char *out, size_t n, const char *status, const char *reason) {
  snprintf(out, n, "%s\t%s", status, reason);
  st_sanitize(out + strlen(status) + 1);
}

static void st_fail_diag(char *out, size_t n, const st_diag *d) {
  const char *e = st_diag_first_error(d);
  st_result(out, n, "fail", e ? e : "unknown error");
}

/* The test's input values, by position, for shape specialisation. */
static unsigned st_load_input_values(st_context *ctx, const char *dir, const st_tensor *const **out) {
  enum { MAX = 64 };
  static st_tensor vals[MAX];
  static const st_tensor *ptrs[MAX];
  unsigned n = 0;
  for (; n < MAX; n++) {
    char path[4096];
    st_diag d = {0};
    snprintf(path, sizeof path, "%s/test_data_set_0/input_%u.pb", dir, n);
    bool ok = st_onnx_tensor_read_file(ctx, path, &vals[n], &d);
    st_diag_free(&d);
    if (!ok) break;
    ptrs[n] = &vals[n];
  }
  *out = ptrs;
  return n;
}

/* "specialised on inputs: pads, axes" for the inputs bound by the importer. */
static void st_specialised_note(st_module *m, uint64_t bits, char *note, size_t len) {
  st_op *func = m && bits ? st_module_lookup_func(m, "main") : NULL;
  st_block *body = func ? st_func_body(func) : NULL;
  note[0] = 0;
  if (!body) return;
  size_t k = (size_t)snprintf(note, len, "specialised on inputs:");
  const char *sep = " ";
  for (unsigned i = 0; i < body->num_args && i < 64 && k < len; i++)
    if (bits >> i & 1) {
      k += (size_t)snprintf(note + k, len - k, "%s%s", sep, body->args[i]->name ? body->args[i]->name : "?");
      sep = ", ";
    }
}

static void st_run_test(const st_test *t, char *out, size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/model.onnx", t->dir);
  if (strstr(t->name, "/test_bernoulli")) return st_result(out, n, "skip", "random outputs (bernoulli)");
  FILE *f = fopen(path, "rb");
  if (!f) return st_result(out, n, "fail", "no model.onnx");
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc(len > 0 ? (size_t)len : 1);
  bool read_ok = buf && fread(buf, 1, (size_t)len, f) == (size_t)len;
  fclose(f);
  char why[512];
  if (read_ok && st_onnx_out_of_scope(buf, (size_t)len, why, sizeof why)) {
    free(buf);
    return st_result(out, n, "skip", why);
  }
  free(buf);
  st_context *ctx = st_context_create();
  st_diag d = {0};
  /* Static shapes only: the importer binds the inputs that decide result
   * shapes to the test's values, as `strata run --data` does. */
  const st_tensor *const *vals = NULL;
  uint64_t specialised = 0;
  st_onnx_options opts = {.num_input_values = st_load_input_values(ctx, t->dir, &vals), .input_values = vals,
                          .specialised = &specialised};
  st_module *m = st_onnx_import_file(ctx, path, &opts, &d);
  char note[ST_REASON];
  st_specialised_note(m, specialised, note, sizeof note);
  st_op *func = m ? st_module_lookup_func(m, "main") : NULL;
  st_block *body = func ? st_func_body(func) : NULL;
  if (!body) return st_fail_diag(out, n, &d);
  unsigned nin = body->num_args, nout = 0;
  st_tensor *ins = calloc(nin + 1, sizeof *ins), *outs = NULL;
  for (unsigned i = 0; i < nin; i++) {
    snprintf(path, sizeof path, "%s/test_data_set_0/input_%u.pb", t->dir, i);
    if (!st_onnx_tensor_read_file(ctx, path, &ins[i], &d)) return st_fail_diag(out, n, &d);
  }
  if (!st_target_run(ctx, m, nin, ins, &nout, &outs, &d)) return st_fail_diag(out, n, &d);
  unsigned nref = 0;
  for (;; nref++) {
    struct stat st;
    snprintf(path, sizeof path, "%s/test_data_set_0/output_%u.pb", t->dir, nref);
    if (stat(path, &st) != 0) break;
  }
  if (nref != nout) {
    snprintf(why, sizeof why, "the model has %u outputs, the test %u", nout, nref);
    return st_result(out, n, "fail", why);
  }
  double rtol, atol;
  st_tolerances(t->name, &rtol, &atol);
  for (unsigned i = 0; i < nout; i++) {
    st_tensor ref;
    snprintf(path, sizeof path, "%s/test_data_set_0/output_%u.pb", t->dir, i);
    if (!st_onnx_tensor_read_file(ctx, path, &ref, &d)) return st_fail_diag(out, n, &d);
    st_interp_cmp c;
    if (!st_interp_compare(&outs[i], &ref, rtol, atol, &c)) {
      if (!c.type_ok) snprintf(why, sizeof why, "mismatch: output %u has the wrong type or shape", i);
      else
        snprintf(why, sizeof why, "mismatch: output %u max abs err %.3g, max rel err %.3g (%lld elements off)", i,
                 c.max_abs, c.max_rel, (long long)c.num_bad);
      return st_result(out, n, "fail", why);
    }
  }
  /* The process exits right after; the OS reclaims the rest. */
  st_result(out, n, "pass", note);
}

/* ---- the process pool ---- */

static bool st_spawn(st_test *t, const st_conf *c) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return false;
  }
  if (pid == 0) {
    close(fds[0]);
    alarm((unsigned)c->timeout);
    /* Diagnostics of the test go to the result line, not the terminal. */
    if (!c->verbose) freopen("/dev/null", "w", stderr);
    char line[ST_REASON + 16];
    st_run_test(t, line, sizeof line);
    size_t len = strlen(line);
    if (write(fds[1], line, len) != (ssize_t)len) _exit(3);
    _exit(0);
  }
  close(fds[1]);
  t->pid = pid;
  t->fd = fds[0];
  return true;
}

static void st_collect(st_test *t, int wstatus, const st_conf *c) {
  char line[ST_REASON + 16] = {0};
  ssize_t got = 0, r;
  while (got < (ssize_t)sizeof line - 1 && (r = read(t->fd, line + got, sizeof line - 1 - (size_t)got)) > 0) got += r;
  close(t->fd);
  char *tab = strchr(line, '\t');
  if (WIFSIGNALED(wstatus)) {
    int sig = WTERMSIG(wstatus);
    strcpy(t->status, "fail");
    if (sig == SIGALRM) snprintf(t->reason, sizeof t->reason, "timeout after %d s", c->timeout);
    else snprintf(t->reason, sizeof t->reason, "crash (signal %d, %s)", sig, strsignal(sig));
  } else if (!tab) {
    strcpy(t->status, "fail");
    snprintf(t->reason, sizeof t->reason, "crash (exit status %d, no result)", WEXITSTATUS(wstatus));
  } else {
    *tab = 0;
    memcpy(t->status, line, strnlen(line, sizeof t->status - 1));
    snprintf(t->reason, sizeof t->reason, "%s", tab + 1);
  }
}

static void st_run_all(st_test *tests, size_t n, const st_conf *c) {
  size_t next = 0, running = 0;
  while (next < n || running) {
    while (running < (size_t)c->jobs && next < n) {
      if (!st_spawn(&tests[next], c)) {
        strcpy(tests[next].status, "fail");
        snprintf(tests[next].reason, sizeof tests[next].reason, "cannot fork: %s", strerror(errno));
      } else {
        running++;
      }
      next++;
    }
    int ws;
    pid_t pid = wait(&ws);
    if (pid < 0) break;
    for (size_t i = 0; i < next; i++)
      if (tests[i].pid == pid) {
        st_collect(&tests[i], ws, c);
        tests[i].pid = 0;
        running--;
        break;
      }
  }
}

/* ---- finding tests, expectations, the report ---- */

static int st_dirs_only(const struct dirent *e) { return e->d_name[0] != '.'; }

static size_t st_find_tests(const st_conf *c, st_test **out) {
  size_t n = 0, cap = 0;
  *out = NULL;
  for (int f = 0; f < ST_NUM_FOLDERS; f++) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/onnx-tests/%s", c->shared, st_folders[f]);
    struct dirent **list;
    int k = scandir(dir, &list, st_dirs_only, alphasort);
    for (int i = 0; i < k; i++) {
      char name[1024], path[8192];
      snprintf(name, sizeof name, "%s/%s", st_folders[f], list[i]->d_name);
      snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
      struct stat st;
      bool ok = stat(path, &st) == 0 && S_ISDIR(st.st_mode) && (!c->filter || strstr(name, c->filter));
      free(list[i]);
      if (!ok) continue;
      if (n == cap) {
        cap = cap ? 2 * cap : 256;
        *out = realloc(*out, cap * sizeof **out);
      }
      (*out)[n++] = (st_test){.name = strdup(name), .dir = strdup(path), .folder = f};
    }
    if (k > 0) free(list);
  }
  return n;
}

static void st_load_expected(const char *path, st_test *tests, size_t n) {
  FILE *f = path ? fopen(path, "r") : NULL;
  if (!f) return;
  char line[2048];
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#') continue;
    char *tab = strchr(line, '\t');
    if (!tab) continue;
    *tab = 0;
    char *st = tab + 1;
    st[strcspn(st, "\t\r\n")] = 0;
    for (size_t i = 0; i < n; i++)
      if (strcmp(tests[i].name, line) == 0) snprintf(tests[i].expected, sizeof tests[i].expected, "%s", st);
  }
  fclose(f);
}

static bool st_write_expected(const char *path, const st_conf *c, const st_test *tests, size_t n) {
  FILE *f = fopen(path, "w");
  if (!f) return false;
  fprintf(f, "# Expected ONNX conformance results on target '%s' (test -> pass/fail/skip).\n"
             "# Regenerate with strata-conformance --target %s --update (see test/onnx/CMakeLists.txt).\n",
          c->target, c->target);
  /* A test that does not pass carries its reason as a third column. */
  for (size_t i = 0; i < n; i++)
    fprintf(f, "%s\t%s%s%s\n", tests[i].name, tests[i].status, strcmp(tests[i].status, "pass") ? "\t" : "",
            strcmp(tests[i].status, "pass") ? tests[i].reason : "");
  return fclose(f) == 0;
}

static int st_report(const st_conf *c, st_test *tests, size_t n) {
  FILE *out = c->out ? fopen(c->out, "w") : NULL;
  if (out) fprintf(out, "test\tstatus\treason\n");
  size_t per[ST_NUM_FOLDERS][3] = {{0}}, regressions = 0, newly = 0, total[3] = {0};
  for (size_t i = 0; i < n; i++) {
    st_test *t = &tests[i];
    int k = !strcmp(t->status, "pass") ? 0 : !strcmp(t->status, "skip") ? 2 : 1;
    per[t->folder][k]++;
    total[k]++;
    if (out) fprintf(out, "%s\t%s\t%s\n", t->name, t->status, t->reason);
    if (c->verbose) printf("%-60s %s %s\n", t->name, t->status, t->reason);
    if (!strcmp(t->expected, "pass") && k != 0) {
      printf("REGRESSION %s: %s %s\n", t->name, t->status, t->reason);
      regressions++;
    } else if (k == 0 && strcmp(t->expected, "pass") != 0) {
      printf("newly passes: %s\n", t->name);
      newly++;
    }
  }
  if (out) fclose(out);
  for (int f = 0; f < ST_NUM_FOLDERS; f++)
    printf("%-18s %4zu passed, %4zu failed, %4zu skipped\n", st_folders[f], per[f][0], per[f][1], per[f][2]);
  if (newly && !c->update)
    printf("%zu tests newly pass: regenerate the expectations with --update\n", newly);
  if (regressions) printf("%zu regressions against %s\n", regressions, c->expected);
  printf("%zu skipped\n", total[2]);
  printf("%zu passed, %zu failed\n", total[0], total[1]);
  return regressions && !c->update ? 1 : 0;
}

static const char st_help[] =
    "usage: strata-conformance [options]\n"
    "  --target T        target to run on: interp, host (JIT-compiled through LLVM)\n"
    "  --shared DIR      the shared folder holding onnx-tests/\n"
    "  --expected FILE   expectations (test<TAB>pass|fail|skip); regressions fail the run\n"
    "  --update          rewrite FILE from this run's results\n"
    "  --out FILE        write the results table (test, status, reason)\n"
    "  --filter TEXT     only tests whose name contains TEXT\n"
    "  -j N              parallel jobs (default: online cores)\n"
    "  --timeout S       per-test time limit in seconds (default 60)\n"
    "  -v                print every result and the tests' diagnostics\n";

int main(int argc, char **argv) {
  st_conf c = {.target = "interp", .shared = NULL, .timeout = 60};
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  c.jobs = cores > 0 ? (int)cores : 2;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--target") && v) c.target = argv[++i];
    else if (!strcmp(a, "--shared") && v) c.shared = argv[++i];
    else if (!strcmp(a, "--expected") && v) c.expected = argv[++i];
    else if (!strcmp(a, "--out") && v) c.out = argv[++i];
    else if (!strcmp(a, "--filter") && v) c.filter = argv[++i];
    else if (!strcmp(a, "-j") && v) c.jobs = atoi(argv[++i]);
    else if (!strcmp(a, "--timeout") && v) c.timeout = atoi(argv[++i]);
    else if (!strcmp(a, "--update")) c.update = true;
    else if (!strcmp(a, "-v")) c.verbose = true;
    else {
      fputs(st_help, strcmp(a, "--help") ? stderr : stdout);
      return strcmp(a, "--help") ? 2 : 0;
    }
  }
  bool known = false;
  for (size_t i = 0; i < sizeof st_targets / sizeof *st_targets; i++)
    if (!strcmp(c.target, st_targets[i].name)) st_target_run = st_targets[i].run, known = true;
  if (!c.shared || !known || c.jobs < 1 || c.timeout < 1) {
    fprintf(stderr, "strata-conformance: need --shared DIR and --target interp|host\n");
    return 2;
  }
  st_test *tests;
  size_t n = st_find_tests(&c, &tests);
  if (!n) {
    fprintf(stderr, "strata-conformance: no tests under %s/onnx-tests\n", c.shared);
    return 2;
  }
  st_load_expected(c.expected, tests, n);
  st_run_all(tests, n, &c);
  int rc = st_report(&c, tests, n);
  if (c.update && c.expected && !st_write_expected(c.expected, &c, tests, n)) {
    fprintf(stderr, "strata-conformance: cannot write %s\n", c.expected);
    rc = 1;
  }
  for (size_t i = 0; i < n; i++) {
    free(tests[i].name);
    free(tests[i].dir);
  }
  free(tests);
  return rc;
}
