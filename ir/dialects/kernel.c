/* The kernel dialect: kernel.fused holds the graph ops that run as one launch
 * (one host call, one GPU kernel or one SNPU program).  Its region is
 * isolated: the entry block's arguments stand for the operands, and
 * kernel.yield returns the results. */
#include <stdlib.h>

#include "ir/dialects/dialects.h"
#include "ir/print.h"

static bool st_types_match(st_op *op, st_diag *d, const char *what, unsigned n, const st_type *(*a)(st_op *, unsigned),
                           unsigned m, const st_type *(*b)(st_op *, unsigned)) {
  if (n != m) {
    st_diag_error(d, op->loc, "'%s' op %s: %u vs %u", op->def->name, what, n, m);
    return false;
  }
  for (unsigned i = 0; i < n; i++)
    if (a(op, i) != b(op, i)) {
      st_diag_error(d, op->loc, "'%s' op %s: types differ at position %u", op->def->name, what, i);
      return false;
    }
  return true;
}

static const st_type *st_operand_ty(st_op *op, unsigned i) { return st_op_operand(op, i)->type; }
static const st_type *st_entry_arg_ty(st_op *op, unsigned i) { return op->regions[0].first->args[i]->type; }
static const st_type *st_result_ty(st_op *op, unsigned i) { return op->results[i].type; }
static const st_type *st_yield_ty(st_op *op, unsigned i) {
  return st_op_operand(st_block_terminator(op->regions[0].first), i)->type;
}

static bool st_fused_verify(st_op *op, st_diag *d) {
  st_block *entry = op->regions[0].first;
  if (!entry || entry != op->regions[0].last) {
    st_diag_error(d, op->loc, "'kernel.fused' op expects one block");
    return false;
  }
  st_op *term = st_block_terminator(entry);
  if (!term || term->def != &st_kernel_yield_def) {
    st_diag_error(d, op->loc, "'kernel.fused' op body must end with kernel.yield");
    return false;
  }
  return st_types_match(op, d, "entry block arguments must match operands", op->num_operands, st_operand_ty,
                        entry->num_args, st_entry_arg_ty) &&
         st_types_match(op, d, "kernel.yield operands must match results", op->num_results, st_result_ty,
                        term->num_operands, st_yield_ty);
}

const st_op_def st_kernel_fused_def = {
    .name = "kernel.fused", .summary = "a group of graph ops executed as one kernel launch",
    .num_operands = ST_VARIADIC, .num_results = ST_VARIADIC, .num_regions = 1,
    .traits = ST_TRAIT_ISOLATED, .verify = st_fused_verify,
};

const st_op_def st_kernel_yield_def = {
    .name = "kernel.yield", .summary = "returns the results of a kernel.fused region",
    .num_operands = ST_VARIADIC, .num_results = 0, .traits = ST_TRAIT_TERMINATOR,
};

static const st_op_def *const st_kernel_ops[] = {&st_kernel_fused_def, &st_kernel_yield_def};
static const st_op_group st_kernel_group = ST_OP_GROUP(st_kernel_ops);
static const st_op_group *const st_kernel_groups[] = {&st_kernel_group};
const st_dialect st_kernel_dialect = {"kernel", "fusion groups: one region per launch", st_kernel_groups, 1};
