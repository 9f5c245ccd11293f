/* The rewriter: how patterns and folds change IR under the greedy driver.
 *
 * Every change goes through these calls so the driver learns which ops to
 * revisit: created ops and the users of replaced values go on its worklist. */
#ifndef ST_IR_REWRITE_H
#define ST_IR_REWRITE_H

#include "ir/ir.h"
#include "ir/ptrmap.h"

struct st_rewriter {
  st_module *m;
  st_op **worklist;
  size_t count, cap;
  st_ptrmap queued; /* op -> (void *)1 while on the worklist */
  bool changed;
};

st_module *st_rewriter_module(st_rewriter *rw);
/* Creates an op from `s` and inserts it before `before`. */
st_op *st_rewriter_create(st_rewriter *rw, st_op *before, const st_op_state *s);
/* Replaces every result of op with vals[i], then erases op. */
void st_rewriter_replace(st_rewriter *rw, st_op *op, st_value *const *vals);
/* Erases op (its results must be unused); its operands' producers are revisited. */
bool st_rewriter_erase(st_rewriter *rw, st_op *op);
/* Queues op (again) for the driver. */
void st_rewriter_push(st_rewriter *rw, st_op *op);
void st_rewriter_push_users(st_rewriter *rw, const st_value *v);
/* Pops the next live op, or NULL when the worklist is empty. */
st_op *st_rewriter_pop(st_rewriter *rw);
void st_rewriter_fini(st_rewriter *rw);

#endif
