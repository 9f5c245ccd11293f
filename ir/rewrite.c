/* The rewriter's worklist and change notifications; see rewrite.h. */
#include "ir/rewrite.h"

#include <stdlib.h>

#include "ir/dialect.h"

st_module *st_rewriter_module(st_rewriter *rw) { return rw->m; }

void st_rewriter_push(st_rewriter *rw, st_op *op) {
  if (!op || st_ptrmap_get(&rw->queued, op)) return;
  if (rw->count == rw->cap) {
    size_t cap = rw->cap ? rw->cap * 2 : 256;
    st_op **w = realloc(rw->worklist, cap * sizeof *w);
    if (!w) return;
    rw->worklist = w;
    rw->cap = cap;
  }
  rw->worklist[rw->count++] = op;
  st_ptrmap_set(&rw->queued, op, (void *)1);
}

void st_rewriter_push_users(st_rewriter *rw, const st_value *v) {
  for (st_use *u = v->first_use; u; u = u->next) st_rewriter_push(rw, u->owner);
}

st_op *st_rewriter_pop(st_rewriter *rw) {
  while (rw->count) {
    st_op *op = rw->worklist[--rw->count];
    st_ptrmap_set(&rw->queued, op, NULL);
    if (op->parent) return op; /* erased ops are unlinked */
  }
  return NULL;
}

st_op *st_rewriter_create(st_rewriter *rw, st_op *before, const st_op_state *s) {
  st_op *op = st_op_create(rw->m, s);
  if (!op) return NULL;
  st_op_insert_before(before, op);
  st_rewriter_push(rw, op);
  rw->changed = true;
  return op;
}

static void st_push_operand_producers(st_rewriter *rw, st_op *op) {
  for (unsigned i = 0; i < op->num_operands; i++) {
    st_value *v = op->operands[i].value;
    if (v && v->def) st_rewriter_push(rw, v->def);
  }
}

void st_rewriter_replace(st_rewriter *rw, st_op *op, st_value *const *vals) {
  for (unsigned i = 0; i < op->num_results; i++) {
    st_rewriter_push_users(rw, &op->results[i]);
    st_value_replace_all_uses(&op->results[i], vals[i]);
  }
  st_rewriter_erase(rw, op);
}

bool st_rewriter_erase(st_rewriter *rw, st_op *op) {
  st_push_operand_producers(rw, op);
  if (!st_op_erase(op)) return false;
  rw->changed = true;
  return true;
}

void st_rewriter_fini(st_rewriter *rw) {
  free(rw->worklist);
  st_ptrmap_free(&rw->queued);
  rw->worklist = NULL;
  rw->count = rw->cap = 0;
}
