/* The loop dialect: structured loops over index ranges.
 *
 *   loop.for %i = %lb to %ub step %s { ... loop.yield }
 *   loop.parallel %i = %lb to %ub step %s { ... loop.yield }
 *   loop.if %cond { ... loop.yield } else { ... loop.yield }
 *   loop.while { ... loop.condition %continue }
 * A for/parallel body's one block argument is the induction variable
 * (index).  loop.if runs its first region when the i1 operand is true, else
 * its second (always present; printed only when it holds more than the
 * yield).  loop.while runs its body, then again while the i1 of its
 * terminator is true (a do-while: a while loop is a loop.if around it).
 * None of these ops has results: state lives in memory (mem.alloca). */
#include "ir/dialects/dialects.h"
#include "ir/parse.h"
#include "ir/print.h"

static void st_loop_print(st_printer *p, const st_op *op) {
  st_printer_puts(p, op->def->name);
  st_printer_puts(p, " ");
  st_printer_value(p, op->regions[0].first->args[0]);
  st_printer_puts(p, " = ");
  st_printer_value(p, st_op_operand(op, 0));
  st_printer_puts(p, " to ");
  st_printer_value(p, st_op_operand(op, 1));
  st_printer_puts(p, " step ");
  st_printer_value(p, st_op_operand(op, 2));
  st_printer_attr_dict_kw(p, op, NULL);
  st_printer_puts(p, " ");
  st_printer_region(p, &op->regions[0], false);
}

static st_op *st_loop_parse(st_parser *p, const st_op_def *def, unsigned nres, st_loc loc) {
  st_value *bounds[3];
  const char *iv = st_parser_value_name(p);
  if (!iv || !st_parser_expect(p, "=") || !(bounds[0] = st_parser_operand(p))) return NULL;
  if (!st_parser_accept_keyword(p, "to")) return st_parser_error(p, "expected 'to'"), NULL;
  if (!(bounds[1] = st_parser_operand(p))) return NULL;
  if (!st_parser_accept_keyword(p, "step")) return st_parser_error(p, "expected 'step'"), NULL;
  if (!(bounds[2] = st_parser_operand(p))) return NULL;
  st_op_state s = {.def = def, .loc = loc, .num_operands = 3, .operands = bounds, .num_regions = 1};
  st_op *op = st_op_create(st_parser_module(p), &s);
  const st_type *index = st_type_scalar(st_parser_module(p)->ctx, ST_TY_INDEX);
  if (!op || !st_parser_attr_dict_kw(p, op) || !st_parser_region(p, op, 0, 1, &iv, &index)) return NULL;
  (void)nres;
  return op;
}

static bool st_loop_verify(st_op *op, st_diag *d) {
  for (unsigned i = 0; i < 3; i++)
    if (st_op_operand(op, i)->type->kind != ST_TY_INDEX) {
      st_diag_error(d, op->loc, "'%s' op bounds and step must be of type index", op->def->name);
      return false;
    }
  st_block *body = op->regions[0].first;
  if (!body || body != op->regions[0].last || body->num_args != 1 || body->args[0]->type->kind != ST_TY_INDEX) {
    st_diag_error(d, op->loc, "'%s' op body must be one block with one index argument", op->def->name);
    return false;
  }
  st_op *term = st_block_terminator(body);
  if (!term || term->def != &st_loop_yield_def) {
    st_diag_error(d, op->loc, "'%s' op body must end with loop.yield", op->def->name);
    return false;
  }
  return true;
}

const st_op_def st_loop_for_def = {
    .name = "loop.for", .summary = "sequential loop from lb to ub (exclusive) by step",
    .num_operands = 3, .num_results = 0, .num_regions = 1,
    .verify = st_loop_verify, .print = st_loop_print, .parse = st_loop_parse,
};

const st_op_def st_loop_parallel_def = {
    .name = "loop.parallel", .summary = "loop whose iterations are independent (may run in any order)",
    .num_operands = 3, .num_results = 0, .num_regions = 1,
    .verify = st_loop_verify, .print = st_loop_print, .parse = st_loop_parse,
};

const st_op_def st_loop_yield_def = {
    .name = "loop.yield", .summary = "ends a loop body",
    .num_operands = 0, .num_results = 0, .traits = ST_TRAIT_TERMINATOR,
};

/* ---- loop.if ---- */

static bool st_loop_region_is_empty(const st_region *r) {
  return !r->first || (r->first == r->last && (!r->first->first || r->first->first->def == &st_loop_yield_def));
}

static void st_loop_if_print(st_printer *p, const st_op *op) {
  st_printer_puts(p, "loop.if ");
  st_printer_value(p, st_op_operand(op, 0));
  st_printer_attr_dict_kw(p, op, NULL);
  st_printer_puts(p, " ");
  st_printer_region(p, &op->regions[0], false);
  if (!st_loop_region_is_empty(&op->regions[1])) {
    st_printer_puts(p, " else ");
    st_printer_region(p, &op->regions[1], false);
  }
}

/* An empty region: one block holding loop.yield. */
static bool st_loop_fill_empty(st_module *m, st_op *op, unsigned region) {
  st_block *b = st_block_create(m);
  st_op *y = b ? st_op_create_simple(m, &st_loop_yield_def, op->loc, 0, NULL, NULL) : NULL;
  if (!y) return false;
  st_region_push_block(&op->regions[region], b);
  st_block_append(b, y);
  return true;
}

static st_op *st_loop_if_parse(st_parser *p, const st_op_def *def, unsigned nres, st_loc loc) {
  st_value *cond = st_parser_operand(p);
  if (!cond) return NULL;
  st_op_state s = {.def = def, .loc = loc, .num_operands = 1, .operands = &cond, .num_regions = 2};
  st_op *op = st_op_create(st_parser_module(p), &s);
  if (!op || !st_parser_attr_dict_kw(p, op) || !st_parser_region(p, op, 0, 0, NULL, NULL)) return NULL;
  bool ok = st_parser_accept_keyword(p, "else") ? st_parser_region(p, op, 1, 0, NULL, NULL)
                                                : st_loop_fill_empty(st_parser_module(p), op, 1);
  (void)nres;
  return ok ? op : NULL;
}

/* Each region one block without arguments ending with `term`. */
static bool st_loop_check_regions(st_op *op, const st_op_def *term, st_diag *d) {
  for (unsigned r = 0; r < op->num_regions; r++) {
    st_block *b = op->regions[r].first;
    st_op *t = b ? st_block_terminator(b) : NULL;
    if (!b || b != op->regions[r].last || b->num_args || !t || t->def != term) {
      st_diag_error(d, op->loc, "'%s' op region %u must be one block without arguments ending with %s", op->def->name,
                    r, term->name);
      return false;
    }
  }
  return true;
}

static bool st_loop_is_i1(const st_value *v) { return v->type->kind == ST_TY_I1; }

static bool st_loop_if_verify(st_op *op, st_diag *d) {
  if (!st_loop_is_i1(st_op_operand(op, 0))) {
    st_diag_error(d, op->loc, "'loop.if' op condition must be of type i1");
    return false;
  }
  return st_loop_check_regions(op, &st_loop_yield_def, d);
}

/* ---- loop.while ---- */

static void st_loop_while_print(st_printer *p, const st_op *op) {
  st_printer_puts(p, "loop.while");
  st_printer_attr_dict_kw(p, op, NULL);
  st_printer_puts(p, " ");
  st_printer_region(p, &op->regions[0], false);
}

static st_op *st_loop_while_parse(st_parser *p, const st_op_def *def, unsigned nres, st_loc loc) {
  st_op_state s = {.def = def, .loc = loc, .num_regions = 1};
  st_op *op = st_op_create(st_parser_module(p), &s);
  if (!op || !st_parser_attr_dict_kw(p, op) || !st_parser_region(p, op, 0, 0, NULL, NULL)) return NULL;
  (void)nres;
  return op;
}

static bool st_loop_while_verify(st_op *op, st_diag *d) {
  return st_loop_check_regions(op, &st_loop_condition_def, d);
}

static bool st_loop_condition_verify(st_op *op, st_diag *d) {
  if (!st_loop_is_i1(st_op_operand(op, 0))) {
    st_diag_error(d, op->loc, "'loop.condition' op operand must be of type i1");
    return false;
  }
  st_op *parent = st_op_parent_op(op);
  if (!parent || parent->def != &st_loop_while_def) {
    st_diag_error(d, op->loc, "'loop.condition' op must end a loop.while body");
    return false;
  }
  return true;
}

const st_op_def st_loop_if_def = {
    .name = "loop.if", .summary = "runs its first region when the i1 condition holds, else its second",
    .num_operands = 1, .num_results = 0, .num_regions = 2,
    .verify = st_loop_if_verify, .print = st_loop_if_print, .parse = st_loop_if_parse,
};

const st_op_def st_loop_while_def = {
    .name = "loop.while", .summary = "runs its body, again while the body's loop.condition is true (do-while)",
    .num_operands = 0, .num_results = 0, .num_regions = 1,
    .verify = st_loop_while_verify, .print = st_loop_while_print, .parse = st_loop_while_parse,
};

const st_op_def st_loop_condition_def = {
    .name = "loop.condition", .summary = "ends a loop.while body: i1, true to run the body again",
    .num_operands = 1, .num_results = 0, .traits = ST_TRAIT_TERMINATOR,
    .verify = st_loop_condition_verify,
};

static const st_op_def *const st_loop_ops[] = {&st_loop_for_def,   &st_loop_parallel_def, &st_loop_yield_def,
                                               &st_loop_if_def,    &st_loop_while_def,    &st_loop_condition_def};
static const st_op_group st_loop_group = ST_OP_GROUP(st_loop_ops);
static const st_op_group *const st_loop_groups[] = {&st_loop_group};
const st_dialect st_loop_dialect = {"loop", "structured loops over index ranges", st_loop_groups, 1};
