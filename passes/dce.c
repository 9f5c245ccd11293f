/* Dead code elimination: erases pure ops whose results are unused, visiting
 * each block from its end so a chain of dead ops goes in one sweep (users
 * come after their producers), nested regions before the op that holds
 * them.  Then drops module resources no attribute refers to any more. */
#include "ir/dialect.h"
#include "ir/ptrmap.h"
#include "passes/pass.h"

static void st_dce_region(st_region *r, bool *changed);

static void st_dce_block(st_block *b, bool *changed) {
  for (st_op *op = b->last, *prev; op; op = prev) {
    prev = op->prev;
    for (unsigned r = 0; r < op->num_regions; r++) st_dce_region(&op->regions[r], changed);
    if (st_op_has_trait(op, ST_TRAIT_PURE) && st_op_results_unused(op) && st_op_erase(op)) *changed = true;
  }
}

static void st_dce_region(st_region *r, bool *changed) {
  for (st_block *b = r->last; b; b = b->prev) st_dce_block(b, changed);
}

static void st_mark_attr(st_ptrmap *used, const st_attr *a) {
  if (a->kind == ST_ATTR_RESOURCE) st_ptrmap_set(used, a->u.resource, (void *)a->u.resource);
  else if (a->kind == ST_ATTR_ARRAY)
    for (unsigned i = 0; i < a->u.array.n; i++) st_mark_attr(used, a->u.array.elems[i]);
  else if (a->kind == ST_ATTR_DICT)
    for (unsigned i = 0; i < a->u.dict.n; i++) st_mark_attr(used, a->u.dict.entries[i].attr);
}

static st_walk_result st_mark_op(st_op *op, void *used) {
  for (unsigned i = 0; i < op->num_attrs; i++) st_mark_attr(used, op->attrs[i].attr);
  return ST_WALK_ADVANCE;
}

static void st_drop_unused_resources(st_module *m, bool *changed) {
  st_ptrmap used = {0};
  st_op_walk(m->op, ST_WALK_PRE, st_mark_op, &used);
  st_resource **link = &m->resources, *last = NULL;
  while (*link) {
    st_resource *r = *link;
    if (st_ptrmap_has(&used, r)) {
      last = r;
      link = &r->next;
      continue;
    }
    *link = r->next;
    if (r->release) r->release(r->cookie);
    *changed = true;
  }
  m->resources_tail = last;
  st_ptrmap_free(&used);
}

bool st_pass_dce(st_module *m, bool *changed, st_diag *d) {
  *changed = false;
  st_dce_region(&m->op->regions[0], changed);
  st_drop_unused_resources(m, changed);
  return true;
}
