/* The IR parser: reads what the printer writes (pretty and generic forms,
 * the resource section) and reports the first error as file:line:col with
 * what was expected.  Custom op parsers use the helpers below. */
#ifndef ST_IR_PARSE_H
#define ST_IR_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "ir/ir.h"

/* Parses a whole module.  `file` names the buffer in diagnostics.  The text
 * may be a `module ... { }` op or a list of ops, which are wrapped in an
 * unnamed module.  NULL after a diagnostic. */
st_module *st_parse_module(st_context *ctx, const char *text, size_t len, const char *file, st_diag *d);
/* Parses a type from a string (whole string); NULL after a diagnostic. */
const st_type *st_parse_type_string(st_context *ctx, const char *text, st_diag *d);

/* ---- helpers for custom op parsers (all report their own errors) ---- */
st_module *st_parser_module(st_parser *p);
/* The location of the next token (whitespace and comments skipped). */
st_loc st_parser_loc(st_parser *p);
/* Skips whitespace and comments; then tests/consumes punctuation. */
bool st_parser_peek(st_parser *p, const char *punct);
bool st_parser_accept(st_parser *p, const char *punct);
bool st_parser_expect(st_parser *p, const char *punct);
/* Consumes keyword `kw` if it is the next identifier. */
bool st_parser_accept_keyword(st_parser *p, const char *kw);
bool st_parser_error(st_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, at a location remembered earlier with st_parser_loc(). */
bool st_parser_error_at(st_parser *p, st_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* @name -> arena string */
const char *st_parser_symbol(st_parser *p);
const st_type *st_parser_type(st_parser *p);
const st_attr *st_parser_attr(st_parser *p);
/* Parses an optional "{name = attr, ...}" and sets the attrs on op. */
bool st_parser_attr_dict(st_parser *p, st_op *op);
/* Parses an optional "attributes {...}" (see st_printer_attr_dict_kw). */
bool st_parser_attr_dict_kw(st_parser *p, st_op *op);
/* A use of an already defined value: %name */
st_value *st_parser_operand(st_parser *p);
/* "%name" being defined, returned as an arena string (no lookup). */
const char *st_parser_value_name(st_parser *p);
/* Parses "{ ... }" into region.  When entry_args != 0 the entry block is
 * created with those arguments (names and types given) before the body. */
bool st_parser_region(st_parser *p, st_op *op, unsigned region, unsigned num_entry_args,
                      const char *const *arg_names, const st_type *const *arg_types);
/* A type list in parentheses "(T, T)" or a single type; returns count or -1. */
int st_parser_type_list(st_parser *p, const st_type **out, int max);

#endif
