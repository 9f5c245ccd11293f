/* lower-to-loops: from value-semantics tensors to loops over buffers.
 *
 * Each function's tensors become memrefs in destination-passing style: the
 * arguments keep their order as input buffers, and one output buffer
 * argument per result is appended; the function then returns nothing.  Each
 * graph op is replaced through its op definition's `lower` hook
 * (passes/lower.h) with loop.parallel / loop.for nests of mem.load, arith.*
 * and mem.store.  A returned value is computed straight into its output
 * argument; the others get a mem.alloc (memplan places them later) unless
 * the hook answers with a view (reshape) or a constant buffer.  Requires
 * static shapes and a lower hook on every op, checked before anything
 * changes; the diagnostic names the first op that has none. */
#include <stdlib.h>

#include "ir/dialects/dialects.h"
#include "ir/ptrmap.h"
#include "passes/lower.h"
#include "passes/pass.h"

/* Checks that every op of the body can be lowered, before anything changes. */
static bool st_lower_check(st_op *func, st_diag *d) {
  st_block *body = st_func_body(func);
  for (unsigned i = 0; i < body->num_args; i++)
    if (body->args[i]->type->kind != ST_TY_TENSOR || !st_type_has_static_shape(body->args[i]->type)) {
      st_diag_error(d, func->loc, "lower-to-loops: argument %u of @%s is not a statically shaped tensor", i,
                    st_op_attr_str(func, "sym_name"));
      return false;
    }
  for (st_op *op = body->first; op; op = op->next) {
    if (op->def == &st_func_return_def || op->def == &st_graph_none_def) continue;
    if (!op->def->lower) {
      st_diag_error(d, op->loc, "'%s' op has no lowering to loops", op->def->name);
      return false;
    }
    for (unsigned r = 0; r < op->num_results; r++)
      if (op->results[r].type->kind != ST_TY_TENSOR || !st_type_has_static_shape(op->results[r].type)) {
        st_diag_error(d, op->loc, "'%s' op result %u is not a statically shaped tensor", op->def->name, r);
        return false;
      }
    if (op->num_regions) {
      st_diag_error(d, op->loc, "'%s' op has regions; lower-to-loops expects a flat graph", op->def->name);
      return false;
    }
  }
  return true;
}

/* Lowers one op: gathers its operand buffers and destinations, calls the
 * hook, records the result buffers. */
static bool st_lower_one(st_lower_ctx *lc, st_op *op, st_ptrmap *bufs, st_ptrmap *dests, st_diag *d) {
  st_value *ins[64] = {0}, *outs[8] = {0};
  if (op->num_operands > 64 || op->num_results > 8) {
    st_diag_error(d, op->loc, "'%s' op has too many operands or results to lower", op->def->name);
    return false;
  }
  for (unsigned i = 0; i < op->num_operands; i++) ins[i] = st_ptrmap_get(bufs, st_op_operand(op, i));
  for (unsigned r = 0; r < op->num_results; r++) outs[r] = st_ptrmap_get(dests, &op->results[r]);
  lc->b = st_builder_before(lc->b.module, op);
  lc->num_inputs = op->num_operands;
  lc->inputs = ins;
  lc->num_outputs = op->num_results;
  lc->outputs = outs;
  if (!op->def->lower(op, lc, d)) {
    if (!st_diag_has_errors(d)) st_diag_error(d, op->loc, "'%s' op failed to lower to loops", op->def->name);
    return false;
  }
  for (unsigned r = 0; r < op->num_results; r++)
    if (!outs[r] || !st_ptrmap_set(bufs, &op->results[r], outs[r])) {
      st_diag_error(d, op->loc, "'%s' op's lowering left result %u without a buffer", op->def->name, r);
      return false;
    }
  return !lc->out_of_memory;
}

static bool st_lower_func(st_module *m, st_op *func, st_diag *d) {
  st_block *body = st_func_body(func);
  st_op *ret = st_block_terminator(body);
  if (!ret || ret->def != &st_func_return_def) {
    st_diag_error(d, func->loc, "lower-to-loops: @%s does not end with func.return", st_op_attr_str(func, "sym_name"));
    return false;
  }
  if (!st_lower_check(func, d)) return false;
  st_context *ctx = m->ctx;
  st_ptrmap bufs = {0}, dests = {0};
  st_lower_ctx lc = {.b = st_builder_at_end(m, body), .entry = body};
  unsigned nin = body->num_args, nout = ret->num_operands;
  const st_type *types[1024];
  bool ok = nin + nout <= 1024;
  if (!ok) st_diag_error(d, func->loc, "lower-to-loops: too many arguments and results");
  /* Inputs: the arguments become buffers in place. */
  for (unsigned i = 0; ok && i < nin; i++) {
    st_value *a = body->args[i];
    a->type = types[i] = st_lower_memref_type(ctx, a->type);
    ok = st_ptrmap_set(&bufs, a, a);
  }
  /* Outputs: one argument each; a value defined by an op is computed into
   * the first output that returns it. */
  st_value *out_args[1024];
  for (unsigned i = 0; ok && i < nout; i++) {
    st_value *v = st_op_operand(ret, i);
    types[nin + i] = st_lower_memref_type(ctx, v->type);
    out_args[i] = st_block_add_arg(m, body, types[nin + i]);
    ok = out_args[i] != NULL;
    if (ok && v->name) out_args[i]->name = v->name;
    if (ok && v->def && !st_ptrmap_has(&dests, v)) ok = st_ptrmap_set(&dests, v, out_args[i]);
  }
  for (st_op *op = body->first; ok && op != ret; op = op->next)
    if (op->def != &st_graph_none_def) ok = st_lower_one(&lc, op, &bufs, &dests, d);
  /* Results that did not land in their output (arguments, repeated values,
   * views, constants) are copied there. */
  lc.b = st_builder_before(m, ret);
  for (unsigned i = 0; ok && i < nout; i++) {
    st_value *src = st_ptrmap_get(&bufs, st_op_operand(ret, i));
    if (src != out_args[i]) ok = st_lower_copy(&lc, src, out_args[i]) && !lc.out_of_memory;
  }
  if (ok) {
    /* The graph ops go last first, so each one's users are gone before it. */
    st_op_set_operands(m, ret, 0, NULL);
    for (st_op *op = ret->prev, *prev; op; op = prev) {
      prev = op->prev;
      if (op->def->lower || op->def == &st_graph_none_def) st_op_erase(op);
    }
    st_op_set_attr(m, func, "function_type", st_attr_type(m, st_type_function(ctx, nin + nout, types, 0, NULL)));
  }
  if (!ok && !st_diag_has_errors(d)) st_diag_error(d, func->loc, "lower-to-loops: out of memory");
  free(lc.consts);
  st_ptrmap_free(&bufs);
  st_ptrmap_free(&dests);
  return ok;
}

bool st_pass_lower_to_loops(st_module *m, bool *changed, st_diag *d) {
  *changed = false;
  for (st_op *op = st_module_body(m)->first; op; op = op->next) {
    if (op->def != &st_func_func_def || !st_func_body(op)) continue;
    st_block *body = st_func_body(op);
    bool has_tensors = false;
    for (st_op *o = body->first; o && !has_tensors; o = o->next) has_tensors = o->def->lower != NULL;
    for (unsigned i = 0; i < body->num_args && !has_tensors; i++) has_tensors = body->args[i]->type->kind == ST_TY_TENSOR;
    if (!has_tensors) continue; /* already lowered */
    if (!st_lower_func(m, op, d)) return false;
    *changed = true;
  }
  return true;
}
