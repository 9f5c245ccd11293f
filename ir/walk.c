/* Walking nested ops in pre or post order.  The next op is read before the
 * current one is visited, so a post-order callback may erase what it visits. */
#include "ir/ir.h"

static bool st_walk_regions(st_op *op, st_walk_order order, st_walk_fn fn, void *ctx) {
  for (unsigned r = 0; r < op->num_regions; r++)
    for (st_block *b = op->regions[r].first; b; b = b->next)
      for (st_op *o = b->first, *next; o; o = next) {
        next = o->next;
        if (!st_op_walk(o, order, fn, ctx)) return false;
      }
  return true;
}

bool st_op_walk(st_op *op, st_walk_order order, st_walk_fn fn, void *ctx) {
  if (order == ST_WALK_PRE) {
    st_walk_result r = fn(op, ctx);
    if (r == ST_WALK_INTERRUPT) return false;
    if (r == ST_WALK_SKIP) return true;
    return st_walk_regions(op, order, fn, ctx);
  }
  if (!st_walk_regions(op, order, fn, ctx)) return false;
  return fn(op, ctx) != ST_WALK_INTERRUPT;
}
