/* The character-level cursor shared by the IR parser: position tracking
 * (line, column), whitespace and `//` comments, numbers, identifiers and
 * string literals.  The parser asks for what it expects next rather than
 * tokenising ahead, which keeps shapes like 1x3x224x224xf32 simple to read. */
#ifndef ST_IR_LEXER_H
#define ST_IR_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/arena.h"

typedef struct st_lexer {
  const char *file;
  const char *p, *end;
  unsigned line, col;
} st_lexer;

void st_lex_init(st_lexer *lx, const char *text, size_t len, const char *file);
void st_lex_skip_space(st_lexer *lx);
static inline int st_lex_peekc(const st_lexer *lx) { return lx->p < lx->end ? (unsigned char)*lx->p : -1; }
static inline int st_lex_peekc_at(const st_lexer *lx, size_t k) {
  return lx->p + k < lx->end ? (unsigned char)lx->p[k] : -1;
}
void st_lex_advance(st_lexer *lx, size_t n);
/* Punctuation: after skipping space, is the text `s` next? */
bool st_lex_at(st_lexer *lx, const char *s);
bool st_lex_accept(st_lexer *lx, const char *s);
/* An identifier [A-Za-z_][A-Za-z0-9_.$-]*; returns its length (0 if none)
 * without consuming it. */
size_t st_lex_ident_len(st_lexer *lx);
/* A keyword: identifier equal to kw (not a prefix of a longer one). */
bool st_lex_accept_keyword(st_lexer *lx, const char *kw);
/* A decimal integer with optional sign. */
bool st_lex_int(st_lexer *lx, int64_t *out);
/* A number: integer or float (also inf, nan, -inf); is_float tells which. */
bool st_lex_number(st_lexer *lx, double *f, int64_t *i, bool *is_float);
/* A "string" with escapes \" \\ \n \t \XX, stored in the arena. */
bool st_lex_string(st_lexer *lx, st_arena *a, char **out, size_t *len);

#endif
