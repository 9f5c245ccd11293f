/* Folds and canonicalization patterns of the graph dialect.
 *
 * Folds return an existing value (x + 0 -> x, x * 1 -> x, x - 0, x / 1, an
 * identity reshape or transpose); constant operands are folded generically
 * by the greedy driver through the interpret hooks.  Patterns merge chains:
 * reshape(reshape(x)) -> reshape(x), transpose(transpose(x)) -> transpose(x)
 * with the composed permutation (or x when it is the identity). */
#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/rewrite.h"

/* True if every element of a constant equals v. */
static bool st_const_all_equal(const st_attr *c, double v) {
  if (!c || !c->type) return false;
  int64_t n = st_type_num_elements(c->type);
  size_t nbytes;
  bool splat;
  if (n < 0 || !st_attr_elements(c, &nbytes, &splat)) return false;
  if (splat) n = 1;
  for (int64_t i = 0; i < n; i++) {
    double x;
    if (!st_attr_elem_as_double(c, i, &x) || x != v) return false;
  }
  return true;
}

/* x op c -> x when c is the identity element and broadcasting c does not
 * change x's type. */
static bool st_fold_identity(st_op *op, unsigned keep, const st_attr *c, double identity, st_fold_result *out) {
  st_value *x = st_op_operand(op, keep);
  if (x->type != op->results[0].type || !st_const_all_equal(c, identity)) return false;
  out->value = x;
  return true;
}

bool st_graph_fold_add(st_op *op, const st_attr *const *consts, st_fold_result *out) {
  return st_fold_identity(op, 0, consts[1], 0.0, out) || st_fold_identity(op, 1, consts[0], 0.0, out);
}

bool st_graph_fold_sub(st_op *op, const st_attr *const *consts, st_fold_result *out) {
  return st_fold_identity(op, 0, consts[1], 0.0, out);
}

bool st_graph_fold_mul(st_op *op, const st_attr *const *consts, st_fold_result *out) {
  return st_fold_identity(op, 0, consts[1], 1.0, out) || st_fold_identity(op, 1, consts[0], 1.0, out);
}

bool st_graph_fold_div(st_op *op, const st_attr *const *consts, st_fold_result *out) {
  return st_fold_identity(op, 0, consts[1], 1.0, out);
}

bool st_graph_canonicalize_reshape(st_op *op, st_rewriter *rw) {
  st_value *in = st_op_operand(op, 0);
  if (in->type == op->results[0].type) {
    st_rewriter_replace(rw, op, &in);
    return true;
  }
  if (in->def && in->def->def == &st_graph_reshape_def) {
    st_op_set_operand(op, 0, st_op_operand(in->def, 0));
    st_rewriter_push(rw, op);
    if (!st_value_has_uses(in)) st_rewriter_erase(rw, in->def);
    else st_rewriter_push(rw, in->def);
    rw->changed = true;
    return true;
  }
  return false;
}

bool st_graph_canonicalize_transpose(st_op *op, st_rewriter *rw) {
  int64_t outer[ST_MAX_RANK], inner[ST_MAX_RANK];
  st_value *in = st_op_operand(op, 0);
  unsigned rank = in->type->u.shaped.rank;
  if (in->type->kind != ST_TY_TENSOR || !st_transpose_perm(op, outer, NULL)) return false;
  bool identity = true;
  for (unsigned i = 0; i < rank; i++) identity = identity && outer[i] == (int64_t)i;
  if (identity) {
    st_rewriter_replace(rw, op, &in);
    return true;
  }
  if (!in->def || in->def->def != &st_graph_transpose_def || !st_transpose_perm(in->def, inner, NULL)) return false;
  /* y = transpose(transpose(x, inner), outer): y[i] = x[inner[outer[i]]] */
  int64_t composed[ST_MAX_RANK];
  for (unsigned i = 0; i < rank; i++) composed[i] = inner[outer[i]];
  st_module *m = st_rewriter_module(rw);
  st_op_set_attr(m, op, "perm", st_attr_int_array(m, rank, composed));
  st_op_set_operand(op, 0, st_op_operand(in->def, 0));
  st_rewriter_push(rw, op);
  if (!st_value_has_uses(in)) st_rewriter_erase(rw, in->def);
  rw->changed = true;
  return true;
}
