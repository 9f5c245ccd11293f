/* Helpers that more than one op family of the graph dialect needs
 * (elementwise, reduce, shape, nn): optional operands, axis attributes,
 * dim products and strides, and scratch buffers for the reference
 * interpreters.  Declared in graph_impl.h. */
#include <inttypes.h>
#include <stdlib.h>

#include <string.h>

#include "ir/dialects/graph_impl.h"

bool st_graph_has_operand(const st_op *op, unsigned i) {
  return i < op->num_operands && st_op_operand(op, i)->type->kind != ST_TY_NONE;
}

bool st_graph_min_operands(st_op *op, unsigned n, st_diag *d) {
  if (op->num_operands >= n) return true;
  st_diag_error(d, op->loc, "'%s' op expects at least %u operands, got %u", op->def->name, n, op->num_operands);
  return false;
}

bool st_graph_axis(st_op *op, int64_t axis, unsigned rank, int64_t *out, st_diag *d) {
  if (axis < -(int64_t)rank || axis >= (int64_t)rank) {
    st_diag_error(d, op->loc, "'%s' op axis %" PRId64 " is out of range for rank %u", op->def->name, axis, rank);
    return false;
  }
  *out = axis < 0 ? axis + rank : axis;
  return true;
}

int64_t st_graph_prod(const st_dim *dims, unsigned lo, unsigned hi) {
  int64_t p = 1;
  for (unsigned i = lo; i < hi; i++) p *= dims[i];
  return p;
}

void st_graph_split_at(const st_type *t, unsigned axis, int64_t *outer, int64_t *dim, int64_t *inner) {
  *outer = st_graph_prod(t->u.shaped.dims, 0, axis);
  *dim = t->u.shaped.dims[axis];
  *inner = st_graph_prod(t->u.shaped.dims, axis + 1, t->u.shaped.rank);
}

void st_graph_strides(unsigned rank, const st_dim *dims, int64_t *strides) {
  int64_t s = 1;
  for (unsigned i = rank; i-- > 0;) {
    strides[i] = s;
    s *= dims[i];
  }
}

bool st_graph_oom(st_op *op, st_diag *d) {
  st_diag_error(d, op->loc, "'%s' op out of memory", op->def->name);
  return false;
}

double *st_graph_scratch(st_op *op, int64_t n, st_diag *d) {
  double *p = n >= 0 ? calloc((size_t)(n ? n : 1), sizeof *p) : NULL;
  if (!p) st_graph_oom(op, d);
  return p;
}

int st_graph_auto_pad(st_op *op, st_diag *d) {
  const char *s = st_op_attr_str(op, "auto_pad");
  if (!s || !*s || !strcmp(s, "NOTSET")) return ST_AUTO_PAD_NOTSET;
  if (!strcmp(s, "SAME_UPPER")) return ST_AUTO_PAD_SAME_UPPER;
  if (!strcmp(s, "SAME_LOWER")) return ST_AUTO_PAD_SAME_LOWER;
  if (!strcmp(s, "VALID")) return ST_AUTO_PAD_VALID;
  st_diag_error(d, op->loc, "'%s' op has an unknown auto_pad '%s'", op->def->name, s);
  return -1;
}
