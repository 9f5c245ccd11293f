/* Character-level lexing helpers for the IR parser; see lexer.h. */
#include "ir/lexer.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void st_lex_init(st_lexer *lx, const char *text, size_t len, const char *file) {
  lx->file = file;
  lx->p = text;
  lx->end = text + len;
  lx->line = 1;
  lx->col = 1;
}

void st_lex_advance(st_lexer *lx, size_t n) {
  for (size_t i = 0; i < n && lx->p < lx->end; i++, lx->p++) {
    if (*lx->p == '\n') {
      lx->line++;
      lx->col = 1;
    } else {
      lx->col++;
    }
  }
}

void st_lex_skip_space(st_lexer *lx) {
  for (;;) {
    int c = st_lex_peekc(lx);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      st_lex_advance(lx, 1);
    } else if (c == '/' && st_lex_peekc_at(lx, 1) == '/') {
      while (lx->p < lx->end && *lx->p != '\n') st_lex_advance(lx, 1);
    } else {
      return;
    }
  }
}

bool st_lex_at(st_lexer *lx, const char *s) {
  st_lex_skip_space(lx);
  size_t n = strlen(s);
  return (size_t)(lx->end - lx->p) >= n && memcmp(lx->p, s, n) == 0;
}

bool st_lex_accept(st_lexer *lx, const char *s) {
  if (!st_lex_at(lx, s)) return false;
  st_lex_advance(lx, strlen(s));
  return true;
}

static bool st_ident_start(int c) { return isalpha(c) || c == '_'; }
static bool st_ident_char(int c) { return isalnum(c) || c == '_' || c == '.' || c == '$' || c == '-'; }

size_t st_lex_ident_len(st_lexer *lx) {
  st_lex_skip_space(lx);
  if (!st_ident_start(st_lex_peekc(lx))) return 0;
  size_t n = 1;
  while (lx->p + n < lx->end && st_ident_char((unsigned char)lx->p[n])) n++;
  return n;
}

bool st_lex_accept_keyword(st_lexer *lx, const char *kw) {
  size_t n = st_lex_ident_len(lx);
  if (n != strlen(kw) || memcmp(lx->p, kw, n) != 0) return false;
  st_lex_advance(lx, n);
  return true;
}

bool st_lex_int(st_lexer *lx, int64_t *out) {
  st_lex_skip_space(lx);
  size_t n = 0;
  if (st_lex_peekc(lx) == '-' || st_lex_peekc(lx) == '+') n++;
  if (!isdigit(st_lex_peekc_at(lx, n))) return false;
  while (isdigit(st_lex_peekc_at(lx, n))) n++;
  char buf[32];
  if (n >= sizeof buf) return false;
  memcpy(buf, lx->p, n);
  buf[n] = 0;
  errno = 0;
  long long v = strtoll(buf, NULL, 10);
  if (errno == ERANGE) {
    /* Unsigned 64-bit values beyond INT64_MAX are kept by their bits. */
    errno = 0;
    unsigned long long u = strtoull(buf, NULL, 10);
    if (errno == ERANGE || buf[0] == '-') return false;
    v = (long long)u;
  }
  *out = v;
  st_lex_advance(lx, n);
  return true;
}

bool st_lex_number(st_lexer *lx, double *f, int64_t *i, bool *is_float) {
  st_lex_skip_space(lx);
  size_t n = 0;
  bool neg = st_lex_peekc(lx) == '-';
  if (neg || st_lex_peekc(lx) == '+') n++;
  if ((size_t)(lx->end - lx->p) >= n + 3 && (memcmp(lx->p + n, "inf", 3) == 0 || memcmp(lx->p + n, "nan", 3) == 0) &&
      !st_ident_char(st_lex_peekc_at(lx, n + 3))) {
    *f = lx->p[n] == 'i' ? (neg ? -INFINITY : INFINITY) : (neg ? -NAN : NAN);
    *is_float = true;
    st_lex_advance(lx, n + 3);
    return true;
  }
  if (!isdigit(st_lex_peekc_at(lx, n))) return false;
  size_t start = n;
  while (isdigit(st_lex_peekc_at(lx, n))) n++;
  bool flt = false;
  if (st_lex_peekc_at(lx, n) == '.') {
    flt = true;
    n++;
    while (isdigit(st_lex_peekc_at(lx, n))) n++;
  }
  int c = st_lex_peekc_at(lx, n);
  if ((c == 'e' || c == 'E') && (isdigit(st_lex_peekc_at(lx, n + 1)) ||
                                 ((st_lex_peekc_at(lx, n + 1) == '-' || st_lex_peekc_at(lx, n + 1) == '+') &&
                                  isdigit(st_lex_peekc_at(lx, n + 2))))) {
    flt = true;
    n += 2;
    while (isdigit(st_lex_peekc_at(lx, n))) n++;
  }
  (void)start;
  if (!flt) return st_lex_int(lx, i) && ((*is_float = false), true);
  char buf[64];
  if (n >= sizeof buf) return false;
  memcpy(buf, lx->p, n);
  buf[n] = 0;
  *f = strtod(buf, NULL);
  *is_float = true;
  st_lex_advance(lx, n);
  return true;
}

static int st_hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool st_lex_string(st_lexer *lx, st_arena *a, char **out, size_t *len) {
  st_lex_skip_space(lx);
  if (st_lex_peekc(lx) != '"') return false;
  /* Measure first, then copy with escapes decoded. */
  size_t n = 1, cap = 0;
  for (;;) {
    int c = st_lex_peekc_at(lx, n);
    if (c < 0 || c == '\n') return false;
    if (c == '"') break;
    if (c == '\\') n++;
    n++;
    cap++;
  }
  char *s = st_arena_alloc(a, cap + 1);
  if (!s) return false;
  size_t k = 0;
  st_lex_advance(lx, 1);
  while (st_lex_peekc(lx) != '"') {
    int c = st_lex_peekc(lx);
    if (c == '\\') {
      int e = st_lex_peekc_at(lx, 1);
      if (e == 'n') c = '\n';
      else if (e == 't') c = '\t';
      else if (e == '"' || e == '\\') c = e;
      else if (st_hexval(e) >= 0 && st_hexval(st_lex_peekc_at(lx, 2)) >= 0) {
        c = st_hexval(e) * 16 + st_hexval(st_lex_peekc_at(lx, 2));
        st_lex_advance(lx, 1);
      } else {
        return false;
      }
      st_lex_advance(lx, 1);
    }
    s[k++] = (char)c;
    st_lex_advance(lx, 1);
  }
  st_lex_advance(lx, 1);
  s[k] = 0;
  *out = s;
  *len = k;
  return true;
}
