/* `strata opt FILE.ir`: parse, verify, run a pipeline, print.
 *
 * The pass developer's tool.  With --split-input-file each `// -----`
 * separated chunk is a separate module (diagnostics keep the file's line
 * numbers).  With --verify-diagnostics the errors produced must be exactly
 * those announced by `// expected-error {{text}}` comments (on the same line,
 * or `expected-error@+N` / `@-N` for a line nearby); the command then
 * succeeds when they match. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/parse.h"
#include "ir/print.h"
#include "ir/verify.h"
#include "tools/tool_common.h"
#include "tools/tools.h"

static const char st_opt_help[] =
    "usage: strata opt [options] [FILE.ir | -]\n"
    "Parse textual IR, verify it, run a pass pipeline and print the result.\n"
    "With no --pipeline the IR is parsed, verified and printed unchanged.\n\n"
    "Options:\n"
    "  -o FILE                   write the IR to FILE instead of stdout\n"
    "  --split-input-file        treat '// -----' separated chunks as separate inputs\n"
    "  --verify-diagnostics      check errors against 'expected-error {{...}}' comments\n"
    "  --print-debug-locs        also print file:line:col locations\n"
    "  --verify-roundtrip        check that the printed result parses and prints back identically\n";

typedef struct st_expected {
  unsigned line;
  char *text;
  bool seen;
} st_expected;

/* Collects `expected-error[@+N|@-N] {{text}}` annotations of a chunk. */
static size_t st_collect_expected(const char *text, st_expected **out) {
  size_t n = 0, cap = 0;
  unsigned line = 1;
  *out = NULL;
  for (const char *p = text; *p; p++) {
    if (*p == '\n') {
      line++;
      continue;
    }
    if (strncmp(p, "expected-error", 14) != 0) continue;
    const char *q = p + 14;
    long target = line;
    if (*q == '@') target += strtol(q + 1, (char **)&q, 10);
    while (*q == ' ') q++;
    if (strncmp(q, "{{", 2) != 0) continue;
    const char *end = strstr(q + 2, "}}");
    if (!end) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 8;
      st_expected *e = realloc(*out, cap * sizeof *e);
      if (!e) break;
      *out = e;
    }
    (*out)[n].line = target > 0 ? (unsigned)target : 0;
    (*out)[n].text = strndup(q + 2, (size_t)(end - q - 2));
    (*out)[n].seen = false;
    n++;
    p = end + 1;
  }
  return n;
}

/* Matches produced errors against expectations; prints mismatches. */
static bool st_check_diagnostics(const char *file, const char *chunk, const st_diag *d) {
  st_expected *exp;
  size_t n = st_collect_expected(chunk, &exp);
  bool ok = true;
  for (const st_diag_msg *m = d->head; m; m = m->next) {
    if (m->severity != ST_SEV_ERROR) continue;
    bool matched = false;
    for (size_t i = 0; i < n && !matched; i++)
      if (!exp[i].seen && exp[i].line == m->line && m->text && strstr(m->text, exp[i].text)) matched = exp[i].seen = true;
    if (!matched) {
      fprintf(stderr, "%s:%u: unexpected error: %s\n", file, m->line, m->text ? m->text : "");
      ok = false;
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (!exp[i].seen) {
      fprintf(stderr, "%s:%u: expected error not produced: %s\n", file, exp[i].line, exp[i].text);
      ok = false;
    }
    free(exp[i].text);
  }
  free(exp);
  return ok;
}

typedef struct st_opt_run {
  st_tool_pass_flags flags;
  st_pipeline pipeline;
  const char *file;
  bool verify_diagnostics;
  bool debug_locs;
  bool verify_roundtrip;
  FILE *out;
} st_opt_run;

/* print -> parse -> print must give the same text; reports where it differs. */
static bool st_check_roundtrip(st_opt_run *r, const char *printed, st_context *ctx, st_diag *d) {
  st_module *again = st_parse_module(ctx, printed, strlen(printed), "<printed IR>", d);
  if (!again) {
    st_diag_error(d, st_loc_unknown(), "round-trip: the printed IR does not parse back");
    return false;
  }
  st_print_options po = {.generic = r->flags.opts.print_generic, .resources = r->flags.opts.print_resources,
                         .debug_locs = r->debug_locs};
  char *second = st_print_module(again, &po);
  bool same = second && strcmp(printed, second) == 0;
  if (!same && second) {
    size_t i = 0;
    unsigned line = 1;
    for (; printed[i] && printed[i] == second[i]; i++) line += printed[i] == '\n';
    st_diag_error(d, st_loc_unknown(), "round-trip: printing the parsed IR differs at line %u", line);
  }
  free(second);
  st_module_destroy(again);
  return same;
}

/* Processes one module's text (padded with newlines so lines match the file). */
static bool st_opt_chunk(st_opt_run *r, const char *chunk, size_t len, st_context *ctx) {
  st_diag d = {0};
  st_module *m = st_parse_module(ctx, chunk, len, r->file, &d);
  bool ok = m && st_verify_module(m, &d) && st_pipeline_run(&r->pipeline, m, &r->flags.opts, &d);
  if (ok) {
    st_print_options po = {.generic = r->flags.opts.print_generic, .resources = r->flags.opts.print_resources,
                           .debug_locs = r->debug_locs};
    char *text = st_print_module(m, &po);
    ok = text && fputs(text, r->out) >= 0;
    if (ok && r->verify_roundtrip) ok = st_check_roundtrip(r, text, ctx, &d);
    free(text);
  }
  if (r->verify_diagnostics) ok = st_check_diagnostics(r->file, chunk, &d);
  else st_diag_print(&d, stderr);
  st_diag_free(&d);
  st_module_destroy(m);
  return ok;
}

static bool st_opt_split(st_opt_run *r, const char *text, st_context *ctx) {
  bool ok = true;
  unsigned line = 1;
  const char *start = text;
  for (;;) {
    const char *sep = strstr(start, "// -----");
    while (sep && sep != text && sep[-1] != '\n') sep = strstr(sep + 1, "// -----");
    const char *end = sep ? sep : start + strlen(start);
    size_t pad = line - 1, n = (size_t)(end - start);
    char *chunk = malloc(pad + n + 1);
    if (!chunk) return false;
    memset(chunk, '\n', pad);
    memcpy(chunk + pad, start, n);
    chunk[pad + n] = 0;
    ok = st_opt_chunk(r, chunk, pad + n, ctx) && ok;
    free(chunk);
    if (!sep) break;
    for (const char *c = start; c < sep; c++) line += *c == '\n';
    start = strchr(sep, '\n');
    if (!start) break;
    start++;
    line++;
    fputs("// -----\n", r->out);
  }
  return ok;
}

int st_tool_opt(int argc, char **argv) {
  st_opt_run r = {.out = stdout};
  st_tool_pass_flags_init(&r.flags);
  const char *output = NULL;
  bool split = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int taken = st_tool_pass_flag(&r.flags, a);
    if (taken < 0) return 1;
    if (taken) continue;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      printf("%s\n%s", st_opt_help, st_tool_pass_flags_help);
      return 0;
    } else if (strcmp(a, "-o") == 0 && i + 1 < argc) output = argv[++i];
    else if (strcmp(a, "--split-input-file") == 0) split = true;
    else if (strcmp(a, "--verify-diagnostics") == 0) r.verify_diagnostics = true;
    else if (strcmp(a, "--print-debug-locs") == 0) r.debug_locs = true;
    else if (strcmp(a, "--verify-roundtrip") == 0) r.verify_roundtrip = true;
    else if (a[0] == '-' && a[1]) return st_tool_fail("opt", "unknown option '%s' (see strata opt --help)", a);
    else if (r.file) return st_tool_fail("opt", "more than one input file ('%s' and '%s')", r.file, a);
    else r.file = a;
  }
  if (r.flags.list_passes) {
    st_tool_list_passes();
    return 0;
  }
  st_diag d = {0};
  if (!st_pipeline_parse(r.flags.pipeline ? r.flags.pipeline : "", &r.pipeline, &d)) {
    int rc = st_tool_fail("opt", "%s", st_diag_first_error(&d));
    st_diag_free(&d);
    return rc;
  }
  if (r.flags.print_pipeline) st_pipeline_print(&r.pipeline, stderr);
  if (!r.file) r.file = "-"; /* read standard input, as a filter */
  size_t len;
  char *text = st_tool_read_file(r.file, &len, &d);
  if (!text) {
    int rc = st_tool_fail("opt", "%s", st_diag_first_error(&d));
    st_diag_free(&d);
    return rc;
  }
  if (output && !(r.out = fopen(output, "w"))) {
    free(text);
    return st_tool_fail("opt", "cannot write '%s'", output);
  }
  st_context *ctx = st_context_create();
  bool ok = ctx && (split ? st_opt_split(&r, text, ctx) : st_opt_chunk(&r, text, len, ctx));
  st_context_destroy(ctx);
  free(text);
  if (r.out != stdout && fclose(r.out) != 0) ok = false;
  return ok ? 0 : 1;
}
