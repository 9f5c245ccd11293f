/* Shared tool helpers; see tool_common.h. */
#include "tools/tool_common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *st_tool_read_file(const char *path, size_t *len, st_diag *d) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (!f) {
    st_diag_error(d, st_loc_unknown(), "cannot open '%s': %s", path, strerror(errno));
    return NULL;
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (n + 1 < cap) break;
    char *bigger = realloc(buf, cap * 2);
    if (!bigger) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = bigger;
    cap *= 2;
  }
  bool err = ferror(f);
  if (f != stdin) fclose(f);
  if (!buf || err) {
    free(buf);
    st_diag_error(d, st_loc_unknown(), "cannot read '%s'", path);
    return NULL;
  }
  buf[n] = 0;
  *len = n;
  return buf;
}

void st_tool_pass_flags_init(st_tool_pass_flags *f) {
  memset(f, 0, sizeof *f);
  f->opts = st_pass_options_default();
}

static const char *st_flag_value(const char *arg, const char *name) {
  size_t n = strlen(name);
  return strncmp(arg, name, n) == 0 && arg[n] == '=' ? arg + n + 1 : NULL;
}

int st_tool_pass_flag(st_tool_pass_flags *f, const char *arg) {
  const char *v;
  if ((v = st_flag_value(arg, "--pipeline"))) f->pipeline = v;
  else if ((v = st_flag_value(arg, "--print-ir-before"))) f->opts.print_before = v;
  else if ((v = st_flag_value(arg, "--print-ir-after"))) f->opts.print_after = v;
  else if ((v = st_flag_value(arg, "--ir-dump-dir"))) f->opts.dump_dir = v;
  else if (strcmp(arg, "--print-ir-after-all") == 0) f->opts.print_after_all = true;
  else if (strcmp(arg, "--print-ir-after-change") == 0) f->opts.print_after_change = true;
  else if (strcmp(arg, "--print-ir-after-failure") == 0) f->opts.print_after_failure = true;
  else if (strcmp(arg, "--pass-timing") == 0) f->opts.timing = true;
  else if (strcmp(arg, "--verify-each") == 0) f->opts.verify_each = true;
  else if (strcmp(arg, "--no-verify-each") == 0) f->opts.verify_each = false;
  else if (strcmp(arg, "--print-pipeline") == 0) f->print_pipeline = true;
  else if (strcmp(arg, "--list-passes") == 0) f->list_passes = true;
  else if (strcmp(arg, "--print-generic") == 0) f->opts.print_generic = true;
  else if (strcmp(arg, "--print-resources") == 0) f->opts.print_resources = true;
  else if (strcmp(arg, "--pipeline") == 0 || strcmp(arg, "--print-ir-before") == 0 ||
           strcmp(arg, "--print-ir-after") == 0 || strcmp(arg, "--ir-dump-dir") == 0) {
    fprintf(stderr, "strata: %s needs a value: %s=...\n", arg, arg);
    return -1;
  } else return 0;
  return 1;
}

const char st_tool_pass_flags_help[] =
    "Pass manager:\n"
    "  --pipeline=P1,P2,...      passes to run, in order (see --list-passes)\n"
    "  --print-pipeline          print the pipeline that will run\n"
    "  --list-passes             list the registered passes and exit\n"
    "  --verify-each             verify the IR after every pass (default in debug builds)\n"
    "  --no-verify-each          do not verify after every pass\n"
    "  --pass-timing             print the wall time of each pass\n"
    "IR dumps (to stderr):\n"
    "  --print-ir-before=P       print the IR before pass P ('all' for every pass)\n"
    "  --print-ir-after=P        print the IR after pass P ('all' for every pass)\n"
    "  --print-ir-after-all      print the IR after every pass\n"
    "  --print-ir-after-change   print the IR after every pass that changed it\n"
    "  --print-ir-after-failure  print the IR after a pass that failed\n"
    "  --ir-dump-dir=DIR         write DIR/00-input.ir, DIR/01-<pass>.ir, ... one file per pass\n"
    "  --print-generic           print ops in the generic form\n"
    "  --print-resources         print resource (weight) data in full instead of eliding it\n";

void st_tool_list_passes(void) {
  unsigned n;
  const st_pass *passes = st_passes(&n);
  for (unsigned i = 0; i < n; i++) printf("  %-14s %s\n", passes[i].name, passes[i].summary);
}

int st_tool_fail(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "strata %s: ", cmd);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 1;
}
