/* Diagnostics: errors travel as values.
 *
 * Library code never exits or aborts on bad input.  A function that can fail
 * takes an `st_diag *` and returns false (or NULL) after recording one or more
 * messages with st_diag_error().  Each message carries a location: either a
 * textual position (file:line:col), an ONNX node name, or nothing.  Only the
 * tools turn diagnostics into exit codes. */
#ifndef ST_IR_DIAG_H
#define ST_IR_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

typedef enum st_loc_kind {
  ST_LOC_UNKNOWN = 0,
  ST_LOC_FILE, /* file:line:col of textual IR, or of an assembly file */
  ST_LOC_NAME, /* a name, such as the ONNX node name */
} st_loc_kind;

/* Locations are small values; their strings must outlive the location (they
 * live in a module arena or are static). */
typedef struct st_loc {
  st_loc_kind kind;
  const char *file_or_name;
  unsigned line, col;
} st_loc;

static inline st_loc st_loc_unknown(void) { st_loc l = {ST_LOC_UNKNOWN, 0, 0, 0}; return l; }
static inline st_loc st_loc_file(const char *file, unsigned line, unsigned col) {
  st_loc l = {ST_LOC_FILE, file, line, col};
  return l;
}
static inline st_loc st_loc_name(const char *name) { st_loc l = {ST_LOC_NAME, name, 0, 0}; return l; }

typedef enum st_severity { ST_SEV_ERROR, ST_SEV_WARNING, ST_SEV_NOTE } st_severity;

typedef struct st_diag_msg {
  st_severity severity;
  char *where;   /* rendered location ("f.ir:3:7", "node \"conv1\"") or NULL */
  char *text;    /* the message, without location or severity */
  unsigned line, col; /* copied from a file location, 0 otherwise */
  struct st_diag_msg *next;
} st_diag_msg;

/* A sink of messages.  Zero-initialise it (`st_diag d = {0};`), pass it down,
 * print it with st_diag_print(), free it with st_diag_free(). */
typedef struct st_diag {
  st_diag_msg *head, *tail;
  unsigned num_errors;
} st_diag;

void st_diag_report(st_diag *d, st_severity sev, st_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void st_diag_vreport(st_diag *d, st_severity sev, st_loc loc, const char *fmt, va_list ap);
#define st_diag_error(d, loc, ...) st_diag_report((d), ST_SEV_ERROR, (loc), __VA_ARGS__)
#define st_diag_note(d, loc, ...) st_diag_report((d), ST_SEV_NOTE, (loc), __VA_ARGS__)

/* Prints every message as "where: error: text" (one line each). */
void st_diag_print(const st_diag *d, FILE *out);
/* Renders a location the way messages show it; returns a malloc'd string or NULL. */
char *st_loc_render(st_loc loc);
bool st_diag_has_errors(const st_diag *d);
/* The text of the first error, or NULL. */
const char *st_diag_first_error(const st_diag *d);
void st_diag_clear(st_diag *d);
void st_diag_free(st_diag *d);

#endif
