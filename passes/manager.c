/* The pass manager: parses pipelines, runs passes in order, and serves the
 * debugging flags (print before/after, after change, dump directory, timing,
 * verify after each pass). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ir/print.h"
#include "ir/verify.h"
#include "passes/pass.h"

st_pass_options st_pass_options_default(void) {
  st_pass_options o = {0};
#ifndef NDEBUG
  o.verify_each = true;
#endif
  return o;
}

bool st_pipeline_parse(const char *text, st_pipeline *out, st_diag *d) {
  out->count = 0;
  const char *p = text;
  while (*p) {
    while (*p == ' ' || *p == ',') p++;
    if (!*p) break;
    const char *start = p;
    while (*p && *p != ',' && *p != ' ') p++;
    char name[64];
    size_t n = (size_t)(p - start);
    if (n >= sizeof name) n = sizeof name - 1;
    memcpy(name, start, n);
    name[n] = 0;
    const st_pass *pass = st_pass_lookup(name);
    if (!pass) {
      st_diag_error(d, st_loc_unknown(), "unknown pass '%s' in pipeline (see --list-passes)", name);
      return false;
    }
    if (out->count == ST_PIPELINE_MAX) {
      st_diag_error(d, st_loc_unknown(), "pipeline longer than %d passes", ST_PIPELINE_MAX);
      return false;
    }
    out->passes[out->count++] = pass;
  }
  return true;
}

void st_pipeline_print(const st_pipeline *p, FILE *out) {
  for (unsigned i = 0; i < p->count; i++) fprintf(out, "%s%s", i ? "," : "", p->passes[i]->name);
  fputc('\n', out);
}

static bool st_name_matches(const char *pattern, const char *name) {
  return pattern && (strcmp(pattern, "all") == 0 || strcmp(pattern, name) == 0);
}

static char *st_print_for_dump(const st_module *m, const st_pass_options *o) {
  st_print_options po = {.generic = o->print_generic, .resources = o->print_resources};
  return st_print_module(m, &po);
}

static void st_dump(const st_pass_options *o, const char *when, const char *pass, const char *text) {
  if (o->dump_fn) {
    o->dump_fn(o->dump_ctx, when, pass, text);
    return;
  }
  FILE *out = o->dump_out ? o->dump_out : stderr;
  fprintf(out, "// -----// IR Dump %s %s //----- //\n%s\n", when, pass, text ? text : "(out of memory)\n");
  fflush(out);
}

static bool st_make_dir(const char *dir, st_diag *d) {
  char path[4096];
  size_t n = strlen(dir);
  if (n >= sizeof path) {
    st_diag_error(d, st_loc_unknown(), "dump directory path too long");
    return false;
  }
  memcpy(path, dir, n + 1);
  /* mkdir -p */
  for (char *c = path + 1; *c; c++) {
    if (*c != '/') continue;
    *c = 0;
    if (mkdir(path, 0777) != 0 && errno != EEXIST) break;
    *c = '/';
  }
  if (mkdir(path, 0777) != 0 && errno != EEXIST) {
    st_diag_error(d, st_loc_unknown(), "cannot create dump directory '%s': %s", dir, strerror(errno));
    return false;
  }
  return true;
}

static bool st_write_dump_file(const char *dir, unsigned index, const char *name, const char *text, st_diag *d) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%02u-%s.ir", dir, index, name);
  FILE *f = fopen(path, "w");
  if (!f) {
    st_diag_error(d, st_loc_unknown(), "cannot write '%s': %s", path, strerror(errno));
    return false;
  }
  bool ok = fputs(text ? text : "", f) >= 0;
  ok = fclose(f) == 0 && ok;
  if (!ok) st_diag_error(d, st_loc_unknown(), "cannot write '%s'", path);
  return ok;
}

static double st_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void st_print_timing(const st_pipeline *p, const double *secs, double total, FILE *out) {
  fprintf(out, "===-------------------------------------------------------------------------===\n");
  fprintf(out, "                         ... Pass execution timing report ...\n");
  fprintf(out, "===-------------------------------------------------------------------------===\n");
  fprintf(out, "  Total Execution Time: %.6f seconds\n\n", total);
  fprintf(out, "   ---Wall Time---  --- Name ---\n");
  for (unsigned i = 0; i < p->count; i++)
    fprintf(out, "   %.6f (%5.1f%%)  %s\n", secs[i], total > 0 ? 100.0 * secs[i] / total : 0.0, p->passes[i]->name);
  fprintf(out, "   %.6f (100.0%%)  Total\n", total);
}

bool st_pipeline_run(const st_pipeline *p, st_module *m, const st_pass_options *opts, st_diag *d) {
  st_pass_options o = opts ? *opts : st_pass_options_default();
  double secs[ST_PIPELINE_MAX] = {0}, total = 0;
  if (o.dump_dir) {
    if (!st_make_dir(o.dump_dir, d)) return false;
    char *text = st_print_for_dump(m, &o);
    bool ok = st_write_dump_file(o.dump_dir, 0, "input", text, d);
    free(text);
    if (!ok) return false;
  }
  bool ok = true;
  for (unsigned i = 0; i < p->count && ok; i++) {
    const st_pass *pass = p->passes[i];
    char *before = NULL;
    if (st_name_matches(o.print_before, pass->name)) {
      before = st_print_for_dump(m, &o);
      st_dump(&o, "Before", pass->name, before);
    }
    if (o.print_after_change && !before) before = st_print_for_dump(m, &o);
    bool changed = false;
    double t0 = st_now();
    ok = pass->run(m, &changed, d);
    secs[i] = st_now() - t0;
    total += secs[i];
    if (!ok) {
      st_diag_note(d, st_loc_unknown(), "pass '%s' failed", pass->name);
      if (o.print_after_failure) {
        char *text = st_print_for_dump(m, &o);
        st_dump(&o, "After Failure", pass->name, text);
        free(text);
      }
      free(before);
      break;
    }
    if (o.verify_each && !st_verify_module(m, d)) {
      st_diag_note(d, st_loc_unknown(), "the IR is invalid after pass '%s'", pass->name);
      ok = false;
    }
    bool want_print = o.print_after_all || st_name_matches(o.print_after, pass->name) || o.print_after_change ||
                      o.dump_dir;
    if (want_print) {
      char *text = st_print_for_dump(m, &o);
      bool differs = !before || !text || strcmp(before, text) != 0;
      if (o.print_after_all || st_name_matches(o.print_after, pass->name) || (o.print_after_change && differs))
        st_dump(&o, "After", pass->name, text);
      if (o.dump_dir && !st_write_dump_file(o.dump_dir, i + 1, pass->name, text, d)) ok = false;
      free(text);
    }
    free(before);
  }
  if (o.timing) st_print_timing(p, secs, total, o.timing_out ? o.timing_out : stderr);
  return ok;
}
