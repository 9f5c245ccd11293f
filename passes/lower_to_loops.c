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
 * changes; the diagnostic names the first op that has none.
 *
 * A kernel.fused group (passes/fuse.c) is inlined first and its ops are
 * lowered one by one; then each member's loop nest is merged into its
 * producer's when both are perfect loop.parallel nests over the same
 * bounds, the producer's innermost body ends by storing the intermediate
 * at its induction variables and the consumer reads it only there: the
 * consumer's body moves after that store, its loads become the stored
 * value, and an intermediate that was a mem.alloc disappears, so it never
 * reaches memory.  Nests that do not agree stay apart (still correct). */
#include <stdlib.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_control.h"
#include "ir/dialects/graph_impl.h"
#include "ir/ptrmap.h"
#include "passes/lower.h"
#include "passes/pass.h"

/* ---- kernel.fused ---- */

/* Inlines every kernel.fused of the body before itself; each inlined op
 * after the first of its group is mapped to its producer in `producer`. */
static bool st_lower_inline_fused(st_module *m, st_block *body, st_ptrmap *producer, st_diag *d) {
  for (st_op *op = body->first, *next; op; op = next) {
    next = op->next;
    if (op->def != &st_kernel_fused_def) continue;
    st_block *inner = op->regions[0].first;
    st_value_map *map = st_value_map_create();
    if (!map) return false;
    for (unsigned i = 0; i < inner->num_args; i++) st_value_map_set(map, inner->args[i], st_op_operand(op, i));
    st_op *prev = NULL, *yield = st_block_terminator(inner);
    for (st_op *o = inner->first; o && o != yield; o = o->next) {
      st_op *c = st_op_clone(m, o, map);
      /* Only a chain link merges: c must be the single user of prev's one
       * result, or the merge would drop a buffer a later op still reads. */
      bool link = prev && c && prev->num_results == 1 && st_value_num_uses(&prev->results[0]) == 1 &&
                  prev->results[0].first_use->owner == c;
      if (!c || (link && !st_ptrmap_set(producer, c, prev))) return st_value_map_destroy(map), false;
      st_op_insert_before(op, c);
      prev = c;
    }
    for (unsigned r = 0; r < op->num_results; r++) {
      st_value *v = st_value_map_get(map, st_op_operand(yield, r));
      if (!v) {
        st_value_map_destroy(map);
        st_diag_error(d, op->loc, "lower-to-loops: 'kernel.fused' op yields a value its region does not define");
        return false;
      }
      st_value_replace_all_uses(&op->results[r], v);
    }
    st_value_map_destroy(map);
    st_op_erase(op);
  }
  return true;
}

/* The innermost block of a perfect nest of `depth` loop.parallel ops. */
static st_block *st_nest_inner(st_op *loop, unsigned depth, st_value **ivs) {
  for (unsigned k = 0; k < depth; k++) {
    if (!loop || loop->def != &st_loop_parallel_def) return NULL;
    st_block *b = loop->regions[0].first;
    ivs[k] = b->args[0];
    if (k + 1 == depth) return b;
    loop = b->first;
    if (!loop || !loop->next || loop->next->def != &st_loop_yield_def || loop->next->next) return NULL;
  }
  return NULL;
}

static bool st_same_ivs(const st_op *access, unsigned first, st_value *const *ivs, unsigned n) {
  if (access->num_operands != first + n) return false;
  for (unsigned k = 0; k < n; k++)
    if (st_op_operand(access, first + k) != ivs[k]) return false;
  return true;
}

static bool st_same_bounds(st_op *a, st_op *b, unsigned depth) {
  for (unsigned k = 0; k < depth; k++, a = a->regions[0].first->first, b = b->regions[0].first->first)
    for (unsigned i = 0; i < 3; i++)
      if (st_op_operand(a, i) != st_op_operand(b, i)) return false;
  return true;
}

/* Merges consumer nest cn (reading buffer buf) into producer nest pn;
 * false when they do not agree (nothing changed then). */
static bool st_lower_merge(st_op *pn, st_op *cn, st_value *buf) {
  unsigned depth = buf->type->u.shaped.rank;
  st_value *piv[ST_MAX_RANK], *civ[ST_MAX_RANK];
  st_block *pb = depth ? st_nest_inner(pn, depth, piv) : NULL, *cb = pb ? st_nest_inner(cn, depth, civ) : NULL;
  if (!cb || !st_same_bounds(pn, cn, depth)) return false;
  st_op *pyield = st_block_terminator(pb), *store = pyield->prev;
  if (!store || store->def != &st_mem_store_def || st_op_operand(store, 1) != buf || !st_same_ivs(store, 2, piv, depth))
    return false;
  for (st_use *u = buf->first_use; u; u = u->next) {
    if (u->owner == store) continue;
    if (u->owner->def != &st_mem_load_def || u->owner->parent != cb || !st_same_ivs(u->owner, 1, civ, depth)) {
      /* another reader: only an outside one (a later op, a copy) is fine */
      for (st_op *o = u->owner; o; o = st_op_parent_op(o))
        if (o == cn) return false;
    }
  }
  /* What was made between the nests (the consumer's buffer) goes first. */
  while (pn->next != cn) st_op_move_before(pn->next, pn);
  for (unsigned k = 0; k < depth; k++) st_value_replace_all_uses(civ[k], piv[k]);
  st_value *v = st_op_operand(store, 0);
  st_op *cyield = st_block_terminator(cb);
  for (st_op *o = cb->first, *next; o && o != cyield; o = next) {
    next = o->next;
    if (o->def == &st_mem_load_def && st_op_operand(o, 0) == buf) {
      st_value_replace_all_uses(&o->results[0], v);
      st_op_erase(o);
    } else {
      st_op_move_before(o, pyield);
    }
  }
  st_op_erase(cn);
  st_op *alloc = buf->def;
  if (alloc && alloc->def == &st_mem_alloc_def && st_value_num_uses(buf) == 1) {
    st_op_erase(store);
    st_op_erase(alloc);
  }
  return true;
}

static bool st_inside(const st_op *op, const st_op *nest) {
  for (; op; op = st_op_parent_op(op))
    if (op == nest) return true;
  return false;
}

/* Whether op (or the top-level op holding it) comes after `top` in top's block. */
static bool st_after(const st_op *op, const st_op *top) {
  while (op && op->parent != top->parent) op = st_op_parent_op(op);
  for (const st_op *o = top->next; op && o; o = o->next)
    if (o == op) return true;
  return false;
}

static bool st_index_const(const st_value *v, int64_t want) {
  const st_attr *a = v->def && v->def->def == &st_arith_constant_def ? st_op_get_attr(v->def, "value") : NULL;
  return a && a->kind == ST_ATTR_INT && a->u.i == want;
}

enum { ST_MERGE_MAX_STORES = 4096 };

/* The other merge, for a producer whose nest is not a perfect one over
 * buf (the packed convolution's tiles store each element from registers):
 * the consumer nest cn, a perfect loop.parallel nest over all of buf's
 * shape whose flat innermost body reads buf only at its induction
 * variables, is re-applied at every store to buf inside pn: its body is
 * cloned after each store, with its induction variables replaced by the
 * store's indices and its loads of buf by the stored value.  Requires every
 * write of buf to be such a store inside pn and no read of buf in pn, so
 * each store holds an element's final value (a store repeated at one index
 * re-applies the body, which rewrites the same result).  false when they
 * do not agree (nothing changed then). */
static bool st_lower_merge_at_stores(st_module *m, st_op *pn, st_op *cn, st_value *buf) {
  unsigned depth = buf->type->u.shaped.rank, n = 0;
  st_value *civ[ST_MAX_RANK];
  st_block *cb = depth ? st_nest_inner(cn, depth, civ) : NULL;
  if (!cb || (buf->def && buf->def->def != &st_mem_alloc_def)) return false;
  st_op *loop = cn;
  for (unsigned k = 0; k < depth; k++, loop = loop->regions[0].first->first)
    if (!st_index_const(st_op_operand(loop, 0), 0) || !st_index_const(st_op_operand(loop, 1), buf->type->u.shaped.dims[k]) ||
        !st_index_const(st_op_operand(loop, 2), 1))
      return false;
  st_op *cyield = st_block_terminator(cb);
  /* flat; writes only at its induction variables, and reads nothing it writes */
  for (st_op *o = cb->first; o != cyield; o = o->next) {
    if (o->num_regions || o->def == &st_mem_alloc_def || o->def == &st_mem_alloca_def) return false;
    if (o->def != &st_mem_store_def) continue;
    if (st_op_operand(o, 1) == buf || !st_same_ivs(o, 2, civ, depth)) return false;
    for (st_op *r = cb->first; r != cyield; r = r->next)
      if (r->def == &st_mem_load_def && st_op_operand(r, 0) == st_op_operand(o, 1)) return false;
  }
  st_op **stores = malloc(ST_MERGE_MAX_STORES * sizeof *stores);
  if (!stores) return false;
  for (st_use *u = buf->first_use; u; u = u->next) {
    st_op *o = u->owner;
    bool ok = st_inside(o, pn) ? o->def == &st_mem_store_def && u->index == 1 && n < ST_MERGE_MAX_STORES
              : st_inside(o, cn) ? o->def == &st_mem_load_def && o->parent == cb && st_same_ivs(o, 1, civ, depth)
                                 : o->def != &st_mem_view_def && st_after(o, cn);
    if (!ok) return free(stores), false;
    if (st_inside(o, pn)) stores[n++] = o;
  }
  if (!n) return free(stores), false;
  while (pn->next != cn) st_op_move_before(pn->next, pn);
  for (unsigned i = 0; i < n; i++) {
    st_value_map *map = st_value_map_create();
    if (!map) return free(stores), false;
    for (unsigned k = 0; k < depth; k++) st_value_map_set(map, civ[k], st_op_operand(stores[i], 2 + k));
    st_op *at = stores[i]; /* the next clone goes after this op */
    for (st_op *o = cb->first; o != cyield; o = o->next) {
      if (o->def == &st_mem_load_def && st_op_operand(o, 0) == buf) {
        st_value_map_set(map, &o->results[0], st_op_operand(stores[i], 0));
        continue;
      }
      st_op *c = st_op_clone(m, o, map);
      if (!c) return st_value_map_destroy(map), free(stores), false;
      st_op_insert_before(at->next, c);
      at = c;
    }
    st_value_map_destroy(map);
  }
  st_op_erase(cn);
  /* buf read by nothing else: its stores and its buffer go */
  bool unused = true;
  for (st_use *u = buf->first_use; u && unused; u = u->next) unused = u->owner->def == &st_mem_store_def;
  if (unused && buf->def) {
    while (buf->first_use) st_op_erase(buf->first_use->owner);
    st_op_erase(buf->def);
  }
  free(stores);
  return true;
}

/* Checks that every op of block b (and of the regions of its ops) can be
 * lowered, before anything changes. */
static bool st_lower_check_block(st_block *b, st_diag *d) {
  for (st_op *op = b->first; op; op = op->next) {
    if (op->def == &st_func_return_def || op->def == &st_graph_none_def || op->def == &st_graph_yield_def) continue;
    if (!op->def->lower) {
      st_diag_error(d, op->loc, "'%s' op has no lowering to loops", op->def->name);
      return false;
    }
    for (unsigned r = 0; r < op->num_results; r++)
      if (op->results[r].type->kind != ST_TY_TENSOR || !st_type_has_static_shape(op->results[r].type)) {
        st_diag_error(d, op->loc, "'%s' op result %u is not a statically shaped tensor", op->def->name, r);
        return false;
      }
    for (unsigned r = 0; r < op->num_regions; r++)
      for (st_block *inner = op->regions[r].first; inner; inner = inner->next)
        if (!st_lower_check_block(inner, d)) return false;
  }
  return true;
}

static bool st_lower_check(st_op *func, st_diag *d) {
  st_block *body = st_func_body(func);
  for (unsigned i = 0; i < body->num_args; i++)
    if (body->args[i]->type->kind != ST_TY_TENSOR || !st_type_has_static_shape(body->args[i]->type)) {
      st_diag_error(d, func->loc, "lower-to-loops: argument %u of @%s is not a statically shaped tensor", i,
                    st_op_attr_str(func, "sym_name"));
      return false;
    }
  return st_lower_check_block(body, d);
}

/* Lowers one op: gathers its operand buffers and destinations, calls the
 * hook, records the result buffers. */
static bool st_lower_one(st_lower_ctx *lc, st_op *op, st_ptrmap *bufs, st_ptrmap *dests, st_ptrmap *producer,
                         st_ptrmap *nests, st_diag *d) {
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
  /* A member of a fused group: its nest joins its producer's when they agree. */
  st_op *nest = op->prev && op->prev->def == &st_loop_parallel_def ? op->prev : NULL;
  if (nest && !st_ptrmap_set(nests, op, nest)) return false;
  st_op *prod = st_ptrmap_get(producer, op), *pnest = prod ? st_ptrmap_get(nests, prod) : NULL;
  if (nest && pnest) {
    st_value *buf = st_ptrmap_get(bufs, &prod->results[0]);
    /* merged: the chain goes on in the producer's nest */
    if (buf && (st_lower_merge(pnest, nest, buf) || st_lower_merge_at_stores(lc->b.module, pnest, nest, buf)) &&
        !st_ptrmap_set(nests, op, pnest))
      return false;
  }
  return !lc->out_of_memory;
}

/* The maps of one function's lowering, for lower_block. */
typedef struct st_lower_state {
  st_ptrmap bufs, dests, producer, nests;
} st_lower_state;

/* st_lower_ctx.lower_block: moves body's ops before at's insertion point,
 * lowers them there, copies the yielded buffers into dests, erases them. */
static bool st_lower_block_cb(st_lower_ctx *lc, st_block *body, st_builder at, st_value *const *args,
                              st_value *const *dests, st_diag *d) {
  st_lower_state *s = lc->pass;
  st_module *m = at.module;
  /* st_lower_one points these at the op it lowers; the hook that called us
   * still needs its own afterwards */
  st_builder saved_b = lc->b;
  unsigned saved_nin = lc->num_inputs, saved_nout = lc->num_outputs;
  st_value *const *saved_in = lc->inputs;
  st_value **saved_out = lc->outputs;
  st_op *term = st_block_terminator(body);
  if (!at.before || !term) {
    st_diag_error(d, term ? term->loc : at.loc, "lower-to-loops: a region body needs a terminator and an anchor");
    return false;
  }
  bool ok = true;
  for (unsigned i = 0; ok && i < body->num_args; i++) ok = st_ptrmap_set(&s->bufs, body->args[i], args[i]);
  st_op *first = body->first == term ? NULL : body->first;
  for (st_op *op = first, *next; op && op != term; op = next) {
    next = op->next;
    st_op_move_before(op, at.before);
  }
  for (st_op *op = first; ok && op && op != at.before; op = op->next)
    if (op->def != &st_graph_none_def) ok = st_lower_one(lc, op, &s->bufs, &s->dests, &s->producer, &s->nests, d);
  lc->b = at;
  for (unsigned i = 0; ok && i < term->num_operands; i++) {
    st_value *src = st_ptrmap_get(&s->bufs, st_op_operand(term, i));
    ok = src && st_lower_copy(lc, src, dests[i]) && !lc->out_of_memory;
    if (!src) st_diag_error(d, term->loc, "lower-to-loops: yielded value %u has no buffer", i);
  }
  if (ok) {
    /* The moved graph ops go last first, so each one's users are gone before it. */
    st_op_set_operands(m, term, 0, NULL);
    st_op *stop = first ? first->prev : NULL;
    for (st_op *op = at.before->prev, *prev; first && op && op != stop; op = prev) {
      prev = op->prev;
      if (op->def->lower || op->def == &st_graph_none_def) st_op_erase(op);
    }
  }
  lc->b = saved_b;
  lc->num_inputs = saved_nin, lc->inputs = saved_in;
  lc->num_outputs = saved_nout, lc->outputs = saved_out;
  return ok;
}

static bool st_lower_func(st_module *m, st_op *func, st_diag *d) {
  st_block *body = st_func_body(func);
  st_op *ret = st_block_terminator(body);
  if (!ret || ret->def != &st_func_return_def) {
    st_diag_error(d, func->loc, "lower-to-loops: @%s does not end with func.return", st_op_attr_str(func, "sym_name"));
    return false;
  }
  st_lower_state s = {0};
  st_ptrmap *bufs = &s.bufs, *dests = &s.dests, *producer = &s.producer, *nests = &s.nests;
  if (!st_lower_inline_fused(m, body, producer, d) || !st_lower_check(func, d)) {
    if (!st_diag_has_errors(d)) st_diag_error(d, func->loc, "lower-to-loops: out of memory");
    st_ptrmap_free(producer);
    return false;
  }
  st_context *ctx = m->ctx;
  st_lower_ctx lc = {.b = st_builder_at_end(m, body), .entry = body, .lower_block = st_lower_block_cb, .pass = &s};
  unsigned nin = body->num_args, nout = ret->num_operands;
  const st_type *types[1024];
  bool ok = nin + nout <= 1024;
  if (!ok) st_diag_error(d, func->loc, "lower-to-loops: too many arguments and results");
  /* Inputs: the arguments become buffers in place. */
  for (unsigned i = 0; ok && i < nin; i++) {
    st_value *a = body->args[i];
    a->type = types[i] = st_lower_memref_type(ctx, a->type);
    ok = st_ptrmap_set(bufs, a, a);
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
    if (ok && v->def && !st_ptrmap_has(dests, v)) ok = st_ptrmap_set(dests, v, out_args[i]);
  }
  for (st_op *op = body->first; ok && op != ret; op = op->next)
    if (op->def != &st_graph_none_def) ok = st_lower_one(&lc, op, bufs, dests, producer, nests, d);
  /* Results that did not land in their output (arguments, repeated values,
   * views, constants) are copied there. */
  lc.b = st_builder_before(m, ret);
  for (unsigned i = 0; ok && i < nout; i++) {
    st_value *src = st_ptrmap_get(bufs, st_op_operand(ret, i));
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
  st_ptrmap_free(bufs);
  st_ptrmap_free(dests);
  st_ptrmap_free(producer);
  st_ptrmap_free(nests);
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
