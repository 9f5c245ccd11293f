/* Growable strings; see strbuf.h. */
#include "ir/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool st_strbuf_reserve(st_strbuf *b, size_t extra) {
  if (b->oom) return false;
  if (b->len + extra + 1 <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra + 1) cap *= 2;
  char *d = realloc(b->data, cap);
  if (!d) {
    b->oom = true;
    return false;
  }
  b->data = d;
  b->cap = cap;
  return true;
}

void st_strbuf_putn(st_strbuf *b, const char *s, size_t n) {
  if (!st_strbuf_reserve(b, n)) return;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = 0;
}

void st_strbuf_puts(st_strbuf *b, const char *s) { st_strbuf_putn(b, s, strlen(s)); }

void st_strbuf_putc(st_strbuf *b, char c) { st_strbuf_putn(b, &c, 1); }

void st_strbuf_printf(st_strbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || !st_strbuf_reserve(b, (size_t)n)) return;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

char *st_strbuf_take(st_strbuf *b) {
  if (b->oom) {
    st_strbuf_free(b);
    return NULL;
  }
  char *s = b->data ? b->data : calloc(1, 1);
  b->data = NULL;
  b->len = b->cap = 0;
  return s;
}

void st_strbuf_free(st_strbuf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
  b->oom = false;
}
