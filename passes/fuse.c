/* fuse: elementwise chains join their producer in one kernel.fused region.
 *
 * An anchor is any graph op with a lower hook and one tensor result (a
 * convolution, a matmul, an elementwise op ...).  Its result's only user,
 * when that user is an elementwise op of the same result shape, joins the
 * group, and so on down the chain: conv -> add -> relu becomes one
 * kernel.fused whose region holds the three ops and yields the relu.  The
 * region is isolated: its block arguments stand for the values the group
 * reads from outside, in order of first use, except constants, which are
 * copied in (a weight is a reference to a resource, not a copy of it).  The group is placed where its
 * last op was, so every outside value it reads is already defined, and as
 * each intermediate has one use, nothing outside needs it.  lower-to-loops
 * turns a group into one loop nest where the nests agree (see
 * passes/lower_to_loops.c).  Requires a flat graph (functions of graph ops);
 * ops already inside a kernel.fused are left alone. */
#include <stdlib.h>

#include "ir/dialects/dialects.h"
#include "passes/pass.h"

enum { ST_FUSE_MAX = 64 };

static bool st_fuse_anchor(const st_op *op) {
  return op->def->lower && op->def != &st_graph_constant_def && op->num_results == 1 && !op->num_regions &&
         op->results[0].type->kind == ST_TY_TENSOR;
}

/* The op that extends the chain ending at `last`, or NULL. */
static st_op *st_fuse_next(st_op *last) {
  st_value *v = &last->results[0];
  if (st_value_num_uses(v) != 1) return NULL;
  st_op *user = v->first_use->owner;
  if (user->parent != last->parent || !(user->def->traits & ST_TRAIT_ELEMENTWISE) || !st_fuse_anchor(user))
    return NULL;
  const st_type *a = v->type, *b = user->results[0].type;
  if (a->u.shaped.rank != b->u.shaped.rank) return NULL;
  for (unsigned k = 0; k < a->u.shaped.rank; k++)
    if (a->u.shaped.dims[k] != b->u.shaped.dims[k]) return NULL;
  return user;
}

/* Replaces ops[0..n) by one kernel.fused placed at ops[n-1]. */
static bool st_fuse_group(st_module *m, st_op **ops, unsigned n) {
  st_value *ext[ST_FUSE_MAX * 8];
  unsigned next = 0;
  for (unsigned i = 0; i < n; i++)
    for (unsigned j = 0; j < ops[i]->num_operands; j++) {
      st_value *v = st_op_operand(ops[i], j);
      bool inside = (i > 0 && v == &ops[i - 1]->results[0]) || (v->def && v->def->def == &st_graph_constant_def), seen = false;
      for (unsigned k = 0; k < next && !seen; k++) seen = ext[k] == v;
      if (inside || seen) continue;
      if (next == ST_FUSE_MAX * 8) return true; /* too wide: leave it */
      ext[next++] = v;
    }
  st_op_state s = {.def = &st_kernel_fused_def, .loc = ops[0]->loc, .num_operands = next, .operands = ext,
                   .num_results = 1, .result_types = &ops[n - 1]->results[0].type, .num_regions = 1};
  st_op *fused = st_op_create(m, &s);
  st_block *body = fused ? st_block_create(m) : NULL;
  st_value_map *map = body ? st_value_map_create() : NULL;
  if (!map) return false;
  st_region_push_block(&fused->regions[0], body);
  for (unsigned k = 0; k < next; k++) {
    st_value *arg = st_block_add_arg(m, body, ext[k]->type);
    if (!arg) return st_value_map_destroy(map), false;
    arg->name = ext[k]->name;
    st_value_map_set(map, ext[k], arg);
  }
  /* Constants are copied in: shape-deciding operands (axes, k) must stay
   * visible to the ops' type rules inside the isolated region. */
  for (unsigned i = 0; i < n; i++)
    for (unsigned j = 0; j < ops[i]->num_operands; j++) {
      st_value *v = st_op_operand(ops[i], j);
      if (!v->def || v->def->def != &st_graph_constant_def || st_value_map_get(map, v)) continue;
      st_op *c = st_op_clone(m, v->def, map);
      if (!c) return st_value_map_destroy(map), false;
      st_block_append(body, c);
    }
  for (unsigned i = 0; i < n; i++) {
    st_op *c = st_op_clone(m, ops[i], map);
    if (!c) return st_value_map_destroy(map), false;
    st_block_append(body, c);
  }
  st_value *yielded = st_value_map_get(map, &ops[n - 1]->results[0]);
  st_value_map_destroy(map);
  st_op *y = st_op_create_simple(m, &st_kernel_yield_def, ops[n - 1]->loc, 1, &yielded, NULL);
  if (!y) return false;
  st_block_append(body, y);
  st_op_insert_before(ops[n - 1], fused);
  fused->results[0].name = ops[n - 1]->results[0].name;
  st_value_replace_all_uses(&ops[n - 1]->results[0], &fused->results[0]);
  for (unsigned i = n; i-- > 0;) st_op_erase(ops[i]);
  return true;
}

bool st_pass_fuse(st_module *m, bool *changed, st_diag *d) {
  *changed = false;
  for (st_op *fn = st_module_body(m)->first; fn; fn = fn->next) {
    if (fn->def != &st_func_func_def || !st_func_body(fn)) continue;
    for (st_op *op = st_func_body(fn)->first, *nxt; op; op = nxt) {
      nxt = op->next;
      if (!st_fuse_anchor(op)) continue;
      st_op *group[ST_FUSE_MAX] = {op};
      unsigned n = 1;
      for (st_op *u; n < ST_FUSE_MAX && (u = st_fuse_next(group[n - 1]));) group[n++] = u;
      if (n < 2) continue;
      /* Go on from the first op after the anchor that is not in the group:
       * ops between the members stay where they are and are visited. */
      st_op *resume = op->next;
      for (unsigned i = 1; i < n; i++)
        if (resume == group[i]) resume = resume->next, i = 0;
      if (!st_fuse_group(m, group, n)) {
        st_diag_error(d, op->loc, "fuse: out of memory");
        return false;
      }
      *changed = true;
      nxt = resume;
    }
  }
  return true;
}
