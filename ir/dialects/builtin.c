/* The builtin and func dialects: the module, functions, calls and returns.
 *
 *   module @name {attrs} { ... }
 *   func.func @main(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {attrs} { ... }
 *   func.return %0 : tensor<4xf32>
 *   %r = func.call %a {callee = @f} : (tensor<4xf32>) -> tensor<4xf32> */
#include <stdlib.h>
#include <string.h>

#include "ir/dialect.h"
#include "ir/dialects/dialects.h"
#include "ir/parse.h"
#include "ir/print.h"

/* ---- builtin.module ---- */

static void st_module_print(st_printer *p, const st_op *op) {
  static const char *const skip[] = {"sym_name", NULL};
  st_printer_puts(p, "module");
  const char *name = st_op_attr_str(op, "sym_name");
  if (name) {
    st_printer_puts(p, " ");
    st_printer_symbol(p, name);
  }
  st_printer_attr_dict_kw(p, op, skip);
  st_printer_puts(p, " ");
  st_printer_region(p, &op->regions[0], false);
}

static st_op *st_module_parse(st_parser *p, const st_op_def *def, unsigned nres, st_loc loc) {
  st_module *m = st_parser_module(p);
  st_op_state s = {.def = def, .loc = loc, .num_regions = 1};
  st_op *op = st_op_create(m, &s);
  if (!op) return NULL;
  if (st_parser_peek(p, "@")) {
    const char *name = st_parser_symbol(p);
    if (!name) return NULL;
    st_op_set_attr(m, op, "sym_name", st_attr_string(m, name, strlen(name)));
  }
  if (!st_parser_attr_dict_kw(p, op) || !st_parser_region(p, op, 0, 0, NULL, NULL)) return NULL;
  return op;
}

static bool st_module_verify(st_op *op, st_diag *d) {
  const st_region *r = &op->regions[0];
  if (!r->first || r->first != r->last) {
    st_diag_error(d, op->loc, "'builtin.module' op expects one block in its region");
    return false;
  }
  return true;
}

const st_op_def st_builtin_module_def = {
    .name = "builtin.module", .summary = "top-level container of functions",
    .num_operands = 0, .num_results = 0, .num_regions = 1,
    .traits = ST_TRAIT_ISOLATED | ST_TRAIT_SYMBOL,
    .verify = st_module_verify, .print = st_module_print, .parse = st_module_parse,
};

/* ---- func.func ---- */

static void st_func_print(st_printer *p, const st_op *op) {
  static const char *const skip[] = {"sym_name", "function_type", NULL};
  const st_type *ft = st_func_type(op);
  const st_block *entry = st_func_body(op);
  st_printer_puts(p, "func.func ");
  st_printer_symbol(p, st_op_attr_str(op, "sym_name"));
  st_printer_puts(p, "(");
  for (unsigned i = 0; entry && i < entry->num_args; i++) {
    if (i) st_printer_puts(p, ", ");
    st_printer_value(p, entry->args[i]);
    st_printer_puts(p, ": ");
    st_printer_type(p, entry->args[i]->type);
  }
  st_printer_puts(p, ")");
  if (ft && ft->u.func.num_results) {
    st_printer_puts(p, " -> ");
    bool parens = ft->u.func.num_results != 1;
    if (parens) st_printer_puts(p, "(");
    for (unsigned i = 0; i < ft->u.func.num_results; i++) {
      if (i) st_printer_puts(p, ", ");
      st_printer_type(p, ft->u.func.results[i]);
    }
    if (parens) st_printer_puts(p, ")");
  }
  st_printer_attr_dict_kw(p, op, skip);
  st_printer_puts(p, " ");
  st_printer_region(p, &op->regions[0], false);
}

enum { ST_FUNC_MAX_ARGS = 1024 };

static st_op *st_func_parse(st_parser *p, const st_op_def *def, unsigned nres, st_loc loc) {
  st_module *m = st_parser_module(p);
  const char *names[ST_FUNC_MAX_ARGS];
  const st_type *types[ST_FUNC_MAX_ARGS], *results[ST_FUNC_MAX_ARGS];
  unsigned nargs = 0;
  int nresults = 0;
  const char *sym = st_parser_symbol(p);
  if (!sym || !st_parser_expect(p, "(")) return NULL;
  if (!st_parser_accept(p, ")")) {
    do {
      if (nargs == ST_FUNC_MAX_ARGS) return st_parser_error(p, "too many function arguments"), NULL;
      if (!(names[nargs] = st_parser_value_name(p)) || !st_parser_expect(p, ":") ||
          !(types[nargs] = st_parser_type(p)))
        return NULL;
      nargs++;
    } while (st_parser_accept(p, ","));
    if (!st_parser_expect(p, ")")) return NULL;
  }
  if (st_parser_accept(p, "->") && (nresults = st_parser_type_list(p, results, ST_FUNC_MAX_ARGS)) < 0) return NULL;
  st_op_state s = {.def = def, .loc = loc, .num_regions = 1};
  st_op *op = st_op_create(m, &s);
  if (!op) return NULL;
  st_op_set_attr(m, op, "sym_name", st_attr_string(m, sym, strlen(sym)));
  st_op_set_attr(m, op, "function_type",
                 st_attr_type(m, st_type_function(m->ctx, nargs, types, (unsigned)nresults, results)));
  if (!st_parser_attr_dict_kw(p, op) || !st_parser_region(p, op, 0, nargs, names, types)) return NULL;
  return op;
}

static bool st_func_verify(st_op *op, st_diag *d) {
  const st_type *ft = st_func_type(op);
  const char *name = st_op_attr_str(op, "sym_name");
  if (!name || !ft || ft->kind != ST_TY_FUNCTION) {
    st_diag_error(d, op->loc, "'func.func' op needs sym_name and a function_type");
    return false;
  }
  const st_block *entry = st_func_body(op);
  if (!entry) {
    st_diag_error(d, op->loc, "'func.func' op @%s has no body", name);
    return false;
  }
  if (entry->num_args != ft->u.func.num_inputs) {
    st_diag_error(d, op->loc, "'func.func' op @%s has %u arguments but its type has %u inputs", name,
                  entry->num_args, ft->u.func.num_inputs);
    return false;
  }
  for (unsigned i = 0; i < entry->num_args; i++)
    if (entry->args[i]->type != ft->u.func.inputs[i]) {
      st_diag_error(d, op->loc, "'func.func' op @%s argument %u type differs from its function type", name, i);
      return false;
    }
  return true;
}

const st_op_def st_func_func_def = {
    .name = "func.func", .summary = "a function: named, typed, with one body region",
    .num_operands = 0, .num_results = 0, .num_regions = 1,
    .traits = ST_TRAIT_ISOLATED | ST_TRAIT_SYMBOL,
    .verify = st_func_verify, .print = st_func_print, .parse = st_func_parse,
};

/* ---- func.return ---- */

static bool st_return_verify(st_op *op, st_diag *d) {
  st_op *func = st_op_parent_op(op);
  if (!func || func->def != &st_func_func_def) {
    st_diag_error(d, op->loc, "'func.return' op must be inside a func.func");
    return false;
  }
  const st_type *ft = st_func_type(func);
  if (!ft) return true; /* reported by the func's verifier */
  if (op->num_operands != ft->u.func.num_results) {
    st_diag_error(d, op->loc, "'func.return' op returns %u values but the function has %u results",
                  op->num_operands, ft->u.func.num_results);
    return false;
  }
  for (unsigned i = 0; i < op->num_operands; i++)
    if (st_op_operand(op, i)->type != ft->u.func.results[i]) {
      char *have = st_type_to_string(st_op_operand(op, i)->type), *want = st_type_to_string(ft->u.func.results[i]);
      st_diag_error(d, op->loc, "'func.return' op operand %u has type %s, the function returns %s", i,
                    have ? have : "?", want ? want : "?");
      free(have);
      free(want);
      return false;
    }
  return true;
}

const st_op_def st_func_return_def = {
    .name = "func.return", .summary = "returns values from a function",
    .num_operands = ST_VARIADIC, .num_results = 0, .num_regions = 0,
    .traits = ST_TRAIT_TERMINATOR,
    .verify = st_return_verify,
};

/* ---- func.call ---- */

static bool st_call_verify(st_op *op, st_diag *d) {
  const st_attr *callee = st_op_get_attr(op, "callee");
  if (!callee || callee->kind != ST_ATTR_SYMBOL) {
    st_diag_error(d, op->loc, "'func.call' op needs a callee = @symbol attribute");
    return false;
  }
  return true;
}

const st_op_def st_func_call_def = {
    .name = "func.call", .summary = "calls a function of the module by symbol",
    .num_operands = ST_VARIADIC, .num_results = ST_VARIADIC, .num_regions = 0,
    .verify = st_call_verify,
};

static const st_op_def *const st_builtin_ops_list[] = {&st_builtin_module_def};
static const st_op_def *const st_func_ops_list[] = {&st_func_func_def, &st_func_return_def, &st_func_call_def};

static const st_op_group st_builtin_group = ST_OP_GROUP(st_builtin_ops_list);
static const st_op_group *const st_builtin_groups[] = {&st_builtin_group};
const st_dialect st_builtin_dialect = {"builtin", "the module container", st_builtin_groups, 1};
static const st_op_group st_func_group = ST_OP_GROUP(st_func_ops_list);
static const st_op_group *const st_func_groups[] = {&st_func_group};
const st_dialect st_func_dialect = {"func", "functions, calls and returns", st_func_groups, 1};
