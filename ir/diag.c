/* Diagnostics: a linked list of rendered messages, see diag.h. */
#include "ir/diag.h"

#include <stdlib.h>
#include <string.h>

static char *st_vformat(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) n = 0;
  char *s = malloc((size_t)n + 1);
  if (!s) return NULL;
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

static char *st_format(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = st_vformat(fmt, ap);
  va_end(ap);
  return s;
}

char *st_loc_render(st_loc loc) {
  switch (loc.kind) {
  case ST_LOC_FILE:
    return st_format("%s:%u:%u", loc.file_or_name ? loc.file_or_name : "<input>", loc.line, loc.col);
  case ST_LOC_NAME:
    return st_format("node \"%s\"", loc.file_or_name ? loc.file_or_name : "");
  case ST_LOC_UNKNOWN:
    break;
  }
  return NULL;
}

void st_diag_vreport(st_diag *d, st_severity sev, st_loc loc, const char *fmt, va_list ap) {
  if (!d) return;
  st_diag_msg *m = calloc(1, sizeof *m);
  if (!m) return;
  m->severity = sev;
  m->where = st_loc_render(loc);
  m->text = st_vformat(fmt, ap);
  if (loc.kind == ST_LOC_FILE) {
    m->line = loc.line;
    m->col = loc.col;
  }
  if (d->tail) d->tail->next = m;
  else d->head = m;
  d->tail = m;
  if (sev == ST_SEV_ERROR) d->num_errors++;
}

void st_diag_report(st_diag *d, st_severity sev, st_loc loc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  st_diag_vreport(d, sev, loc, fmt, ap);
  va_end(ap);
}

static const char *st_severity_name(st_severity s) {
  switch (s) {
  case ST_SEV_ERROR: return "error";
  case ST_SEV_WARNING: return "warning";
  case ST_SEV_NOTE: return "note";
  }
  return "error";
}

void st_diag_print(const st_diag *d, FILE *out) {
  for (const st_diag_msg *m = d->head; m; m = m->next) {
    if (m->where) fprintf(out, "%s: ", m->where);
    fprintf(out, "%s: %s\n", st_severity_name(m->severity), m->text ? m->text : "(out of memory)");
  }
}

bool st_diag_has_errors(const st_diag *d) { return d->num_errors > 0; }

const char *st_diag_first_error(const st_diag *d) {
  for (const st_diag_msg *m = d->head; m; m = m->next)
    if (m->severity == ST_SEV_ERROR) return m->text;
  return NULL;
}

void st_diag_clear(st_diag *d) {
  st_diag_msg *m = d->head;
  while (m) {
    st_diag_msg *next = m->next;
    free(m->where);
    free(m->text);
    free(m);
    m = next;
  }
  d->head = d->tail = NULL;
  d->num_errors = 0;
}

void st_diag_free(st_diag *d) { st_diag_clear(d); }
