/* The loop dialect: structured loops over index ranges.
 *
 *   loop.for %i = %lb to %ub step %s { ... loop.yield }
 *   loop.parallel %i = %lb to %ub step %s { ... loop.yield }
 * The body's one block argument is the induction variable (index). */
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

static const st_op_def *const st_loop_ops[] = {&st_loop_for_def, &st_loop_parallel_def, &st_loop_yield_def};
static const st_op_group st_loop_group = ST_OP_GROUP(st_loop_ops);
static const st_op_group *const st_loop_groups[] = {&st_loop_group};
const st_dialect st_loop_dialect = {"loop", "structured loops over index ranges", st_loop_groups, 1};
