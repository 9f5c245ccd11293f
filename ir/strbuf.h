/* A growable string, for building text in memory (printer, dumps). */
#ifndef ST_IR_STRBUF_H
#define ST_IR_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct st_strbuf {
  char *data; /* NUL-terminated when non-NULL */
  size_t len, cap;
  bool oom;   /* set once an allocation failed; later appends are dropped */
} st_strbuf;

void st_strbuf_putn(st_strbuf *b, const char *s, size_t n);
void st_strbuf_puts(st_strbuf *b, const char *s);
void st_strbuf_putc(st_strbuf *b, char c);
void st_strbuf_printf(st_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the string to the caller (never NULL unless out of memory). */
char *st_strbuf_take(st_strbuf *b);
void st_strbuf_free(st_strbuf *b);

#endif
