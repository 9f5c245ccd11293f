/* The IR printer: MLIR-like text, in a pretty form per op (the default
 * "name operands attrs : types" form or the op's custom hook) or in the
 * generic form ("dialect.op"(operands) ({regions}) {attrs} : (...) -> ...).
 * The parser reads both; print -> parse -> print is a fixed point. */
#ifndef ST_IR_PRINT_H
#define ST_IR_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "ir/ir.h"
#include "ir/strbuf.h"

typedef struct st_print_options {
  bool generic;         /* every op in the generic form */
  bool resources;       /* print resource data in full (else "elided<N>") */
  bool debug_locs;      /* also print file:line:col locations */
} st_print_options;

/* Prints a module (and its resource section); returns a malloc'd string. */
char *st_print_module(const st_module *m, const st_print_options *opts);
bool st_print_module_to_file(const st_module *m, const st_print_options *opts, FILE *out);
/* Prints one op (names are assigned within it). */
char *st_print_op_to_string(const st_op *op, const st_print_options *opts);
/* Prints types and attributes on their own (for diagnostics). */
char *st_type_to_string(const st_type *t);
void st_print_type_to(st_strbuf *b, const st_type *t);

/* ---- helpers for custom op printers ---- */
void st_printer_puts(st_printer *p, const char *s);
void st_printer_printf(st_printer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void st_printer_value(st_printer *p, const st_value *v);
void st_printer_type(st_printer *p, const st_type *t);
void st_printer_attr(st_printer *p, const st_attr *a);
void st_printer_symbol(st_printer *p, const char *name);
/* Operands as "%a, %b". */
void st_printer_operands(st_printer *p, const st_op *op);
/* " {a = 1, b = 2}" for the op's attributes except those named in `skip`
 * (a NULL-terminated list, may be NULL); nothing when none remain. */
void st_printer_attr_dict(st_printer *p, const st_op *op, const char *const *skip);
/* The same dictionary introduced by the keyword: " attributes {...}", for
 * custom forms where a bare "{" would read as a region. */
void st_printer_attr_dict_kw(st_printer *p, const st_op *op, const char *const *skip);
/* " : T" when every operand and result has type T, else " : (A, B) -> C". */
void st_printer_functional_types(st_printer *p, const st_op *op);
/* A region in braces; the entry block label (with its arguments) is left out
 * when `print_entry_args` is false. */
void st_printer_region(st_printer *p, const st_region *r, bool print_entry_args);

#endif
