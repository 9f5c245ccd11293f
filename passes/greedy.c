/* The greedy pattern driver and the canonicalize pass built on it.
 *
 * Every op goes on a worklist.  For each op taken off it: erase it if it is
 * pure and unused; otherwise fold it (its fold hook with the constant values
 * of its operands, NULL for the others; then, if every operand is
 * constant, its interpret hook, materialising the result as a constant);
 * otherwise run its canonicalize pattern.  Whatever a change touches goes
 * back on the worklist, until none is left or the rewrite budget is spent
 * (which is reported as an error: patterns that never converge are bugs). */
#include <stdlib.h>
#include <string.h>

#include "ir/dialect.h"
#include "ir/dialects/dialects.h"
#include "ir/rewrite.h"
#include "passes/greedy.h"
#include "passes/pass.h"


/* A constant op producing attr `a` before `before`. */
static st_op *st_materialize(st_rewriter *rw, st_op *before, const st_attr *a) {
  const st_op_def *def = a->type && a->type->kind == ST_TY_TENSOR ? &st_graph_constant_def : &st_arith_constant_def;
  st_named_attr value = {"value", a};
  st_op_state s = {.def = def, .loc = before->loc, .num_results = 1, .result_types = &a->type,
                   .num_attrs = 1, .attrs = &value};
  return st_rewriter_create(rw, before, &s);
}

/* Expands a constant's elements to a full buffer (splats are broadcast). */
static void *st_const_buffer(const st_attr *a, size_t *nbytes) {
  size_t have;
  bool splat;
  const void *data = st_attr_elements(a, &have, &splat);
  int64_t n = st_type_num_elements(a->type);
  if (!data || n < 0) return NULL;
  size_t esz = st_dense_elem_size(st_type_elem(a->type));
  *nbytes = (size_t)n * esz;
  if ((splat && have < esz) || (!splat && have < *nbytes)) return NULL;
  unsigned char *buf = malloc(*nbytes ? *nbytes : 1);
  if (!buf) return NULL;
  if (!splat) memcpy(buf, data, *nbytes);
  else for (int64_t i = 0; i < n; i++) memcpy(buf + (size_t)i * esz, data, esz);
  return buf;
}

enum { ST_FOLD_MAX_OPERANDS = 8, ST_FOLD_MAX_BYTES = 1 << 20 };

/* Folds an op whose operands are all constant through its interpret hook.
 * Results larger than ST_FOLD_MAX_BYTES are left alone: folding would copy
 * weights into attributes. */
static bool st_fold_by_interpreting(st_rewriter *rw, st_op *op, const st_attr *const *consts) {
  if (!op->def->interpret || !st_op_has_trait(op, ST_TRAIT_PURE) || op->num_results != 1 ||
      op->num_operands > ST_FOLD_MAX_OPERANDS || op->num_regions)
    return false;
  const st_type *rt = op->results[0].type;
  int64_t n = st_type_num_elements(rt);
  if (rt->kind != ST_TY_TENSOR || n < 0 || (uint64_t)n > ST_FOLD_MAX_BYTES / st_dense_elem_size(st_type_elem(rt)))
    return false;
  size_t out_bytes = (size_t)n * st_dense_elem_size(st_type_elem(rt));
  st_tensor in[ST_FOLD_MAX_OPERANDS] = {{0}}, out = {rt, NULL, out_bytes};
  bool ok = true;
  for (unsigned i = 0; i < op->num_operands && ok; i++) {
    in[i].type = consts[i]->type;
    ok = (in[i].data = st_const_buffer(consts[i], &in[i].nbytes)) != NULL;
  }
  out.data = ok ? calloc(1, out_bytes ? out_bytes : 1) : NULL;
  st_diag quiet = {0}; /* a fold that cannot be done (e.g. division by zero) is no error */
  ok = out.data && op->def->interpret(op, in, &out, &quiet);
  st_diag_free(&quiet);
  if (ok) {
    const st_attr *a = st_attr_dense(rw->m, rt, out.data, out_bytes, false);
    st_op *c = a ? st_materialize(rw, op, a) : NULL;
    st_value *v = c ? &c->results[0] : NULL;
    if (v) v->name = op->results[0].name; /* the folded value keeps its name in dumps */
    if (v) st_rewriter_replace(rw, op, &v);
    ok = v != NULL;
  }
  for (unsigned i = 0; i < op->num_operands; i++) free(in[i].data);
  free(out.data);
  return ok;
}

static bool st_try_fold(st_rewriter *rw, st_op *op) {
  const st_attr *consts[ST_FOLD_MAX_OPERANDS];
  if (op->num_operands > ST_FOLD_MAX_OPERANDS || st_op_has_trait(op, ST_TRAIT_CONSTANT)) return false;
  bool all_const = op->num_operands > 0;
  for (unsigned i = 0; i < op->num_operands; i++) all_const = (consts[i] = st_value_const(op->operands[i].value)) && all_const;
  /* The fold hook sees every op, not only those with constant operands: some
   * results follow from operand types alone (graph.shape of a static tensor). */
  st_fold_result r = {.m = rw->m};
  if (op->def->fold && op->num_results == 1 && op->def->fold(op, consts, &r)) {
    st_value *v = r.value;
    if (!v && r.attr) {
      st_op *c = st_materialize(rw, op, r.attr);
      v = c ? &c->results[0] : NULL;
      if (v) v->name = op->results[0].name;
    }
    if (v) {
      st_rewriter_replace(rw, op, &v);
      return true;
    }
  }
  return all_const && st_fold_by_interpreting(rw, op, consts);
}

static st_walk_result st_push_op(st_op *op, void *rw) {
  st_rewriter_push(rw, op);
  return ST_WALK_ADVANCE;
}

bool st_greedy_rewrite(st_module *m, st_op *root, bool *changed, st_diag *d) {
  st_rewriter rw = {.m = m};
  /* Post order, pushed on a stack: producers come off before their users. */
  st_op_walk(root, ST_WALK_POST, st_push_op, &rw);
  size_t budget = 16 * rw.count + 1024, steps = 0;
  /* Reverse so the first op in program order is popped first. */
  for (size_t i = 0; i < rw.count / 2; i++) {
    st_op *t = rw.worklist[i];
    rw.worklist[i] = rw.worklist[rw.count - 1 - i];
    rw.worklist[rw.count - 1 - i] = t;
  }
  st_op *op;
  bool ok = true;
  while ((op = st_rewriter_pop(&rw))) {
    if (++steps > budget) {
      st_diag_error(d, op->loc, "canonicalize did not converge after %zu rewrites (last at '%s')", budget,
                    op->def->name);
      ok = false;
      break;
    }
    if (op == root) continue;
    if (st_op_has_trait(op, ST_TRAIT_PURE) && !op->num_regions && st_op_results_unused(op)) {
      st_rewriter_erase(&rw, op);
      continue;
    }
    if (st_try_fold(&rw, op)) continue;
    if (op->def->canonicalize) op->def->canonicalize(op, &rw);
  }
  *changed = rw.changed;
  st_rewriter_fini(&rw);
  return ok;
}

bool st_pass_canonicalize(st_module *m, bool *changed, st_diag *d) { return st_greedy_rewrite(m, m->op, changed, d); }
