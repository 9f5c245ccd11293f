/* The verifier; see verify.h.  Dominance is checked in one walk: a map from
 * value to the isolation level where it is visible (plus one) is filled as
 * definitions are passed and cleared when their block is left, so a use is
 * valid exactly when its value is in the map at the user's level. */
#include "ir/verify.h"

#include <stdint.h>
#include <stdlib.h>

#include "ir/dialect.h"
#include "ir/print.h"
#include "ir/ptrmap.h"

typedef struct st_verifier {
  st_context *ctx;
  st_diag *d;
  st_ptrmap visible;
  unsigned errors;
} st_verifier;

enum { ST_VERIFY_MAX_ERRORS = 20 };

static bool st_fail(st_verifier *v) {
  v->errors++;
  return false;
}

static bool st_check_arity(st_verifier *v, st_op *op) {
  const st_op_def *def = op->def;
  if (def->num_operands != ST_VARIADIC && op->num_operands != (unsigned)def->num_operands) {
    st_diag_error(v->d, op->loc, "'%s' op expects %d operands, got %u", def->name, def->num_operands, op->num_operands);
    return st_fail(v);
  }
  if (def->num_results != ST_VARIADIC && op->num_results != (unsigned)def->num_results) {
    st_diag_error(v->d, op->loc, "'%s' op expects %d results, got %u", def->name, def->num_results, op->num_results);
    return st_fail(v);
  }
  if (op->num_regions != (unsigned)def->num_regions) {
    st_diag_error(v->d, op->loc, "'%s' op expects %d regions, got %u", def->name, def->num_regions, op->num_regions);
    return st_fail(v);
  }
  return true;
}

static bool st_check_operands(st_verifier *v, st_op *op, uintptr_t level) {
  for (unsigned i = 0; i < op->num_operands; i++) {
    st_value *val = op->operands[i].value;
    if (!val) {
      st_diag_error(v->d, op->loc, "'%s' op operand %u is null", op->def->name, i);
      return st_fail(v);
    }
    uintptr_t at = (uintptr_t)st_ptrmap_get(&v->visible, val);
    if (at == level + 1) continue;
    if (at) st_diag_error(v->d, op->loc, "'%s' op operand %u is defined outside of the isolated region that uses it",
                          op->def->name, i);
    else st_diag_error(v->d, op->loc, "'%s' op operand %u is not defined before its use", op->def->name, i);
    return st_fail(v);
  }
  return true;
}

static bool st_check_inferred(st_verifier *v, st_op *op) {
  if (!op->def->infer_types || op->num_results > 16) return true;
  const st_type *inferred[16] = {0};
  if (!op->def->infer_types(op, v->ctx, inferred, v->d)) return st_fail(v);
  for (unsigned i = 0; i < op->num_results; i++) {
    if (inferred[i] == op->results[i].type) continue;
    char *have = st_type_to_string(op->results[i].type), *want = inferred[i] ? st_type_to_string(inferred[i]) : NULL;
    st_diag_error(v->d, op->loc, "'%s' op result %u has type %s, but its operands give %s", op->def->name, i,
                  have ? have : "?", want ? want : "?");
    free(have);
    free(want);
    return st_fail(v);
  }
  return true;
}

static bool st_verify_rec(st_verifier *v, st_op *op, uintptr_t level);

static bool st_verify_block(st_verifier *v, st_op *parent, st_block *b, uintptr_t level) {
  bool ok = true;
  for (unsigned a = 0; a < b->num_args; a++) st_ptrmap_set(&v->visible, b->args[a], (void *)(level + 1));
  bool needs_terminator = parent->def != &st_builtin_module_def;
  if (needs_terminator && !st_block_terminator(b)) {
    st_diag_error(v->d, b->last ? b->last->loc : parent->loc, "block in '%s' op must end with a terminator",
                  parent->def->name);
    ok = st_fail(v);
  }
  for (st_op *o = b->first; o && v->errors < ST_VERIFY_MAX_ERRORS; o = o->next) {
    if (o->parent != b) {
      st_diag_error(v->d, o->loc, "'%s' op has a broken parent link", o->def->name);
      return st_fail(v);
    }
    if (st_op_has_trait(o, ST_TRAIT_TERMINATOR) && o->next) {
      st_diag_error(v->d, o->loc, "'%s' op is a terminator and must be last in its block", o->def->name);
      ok = st_fail(v);
    }
    ok = st_verify_rec(v, o, level) && ok;
    for (unsigned r = 0; r < o->num_results; r++) st_ptrmap_set(&v->visible, &o->results[r], (void *)(level + 1));
  }
  for (unsigned a = 0; a < b->num_args; a++) st_ptrmap_set(&v->visible, b->args[a], NULL);
  for (st_op *o = b->first; o; o = o->next)
    for (unsigned r = 0; r < o->num_results; r++) st_ptrmap_set(&v->visible, &o->results[r], NULL);
  return ok;
}

static bool st_verify_rec(st_verifier *v, st_op *op, uintptr_t level) {
  if (!st_check_arity(v, op) || !st_check_operands(v, op, level)) return false;
  bool ok = st_check_inferred(v, op);
  if (ok && op->def->verify && !op->def->verify(op, v->d)) ok = st_fail(v);
  uintptr_t inner = st_op_has_trait(op, ST_TRAIT_ISOLATED) ? level + 1 : level;
  for (unsigned r = 0; r < op->num_regions; r++)
    for (st_block *b = op->regions[r].first; b; b = b->next) ok = st_verify_block(v, op, b, inner) && ok;
  return ok;
}

bool st_verify_op(st_context *ctx, st_op *op, st_diag *d) {
  st_verifier v = {.ctx = ctx, .d = d};
  bool ok = st_verify_rec(&v, op, 0);
  st_ptrmap_free(&v.visible);
  return ok && v.errors == 0;
}

bool st_verify_module(st_module *m, st_diag *d) { return st_verify_op(m->ctx, m->op, d); }
