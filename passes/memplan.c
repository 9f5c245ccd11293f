/* memplan: liveness-based placement of every intermediate buffer in one
 * workspace arena.
 *
 * Input: loop-level IR (after lower-to-loops), where each intermediate
 * tensor of a function is a top-level mem.alloc.  A buffer is live from its
 * mem.alloc to the last top-level op that uses it, directly, inside a loop
 * nest, or through a mem.view of it.  Buffers are placed largest first at
 * the lowest 64-byte-aligned offset that overlaps no placed buffer live at
 * the same time (greedy by size, as TFLite's arena planner).  Each
 * mem.alloc gets an `offset` attribute, which codegen uses; the function
 * gets `memplan.arena` (the arena's size, the peak) and
 * `memplan.lower_bound` (the largest total of buffers live at one point,
 * which no placement can beat).  A function without allocations is left
 * alone; one whose allocs already carry offsets is re-planned. */
#include <stdlib.h>

#include "ir/dialects/dialects.h"
#include "passes/pass.h"

typedef struct st_buf {
  st_op *alloc;
  unsigned first, last; /* top-level op positions */
  uint64_t size, offset;
} st_buf;

static uint64_t st_align64(uint64_t n) { return (n + 63) & ~(uint64_t)63; }

/* The position of the top-level op (a child of `body`) that holds op. */
static unsigned st_top_position(st_op *op, st_block *body, const st_op *const *order, unsigned n) {
  while (op && op->parent != body) op = st_op_parent_op(op);
  if (!op) return n;
  for (unsigned i = 0; i < n; i++)
    if (order[i] == op) return i;
  return n;
}

/* Extends last over the uses of v, following views. */
static void st_last_use(st_value *v, st_block *body, const st_op *const *order, unsigned n, unsigned *last) {
  for (st_use *u = v->first_use; u; u = u->next) {
    unsigned p = st_top_position(u->owner, body, order, n);
    if (p < n && p > *last) *last = p;
    if (u->owner->def == &st_mem_view_def) st_last_use(&u->owner->results[0], body, order, n, last);
  }
}

static int st_by_size(const void *a, const void *b) {
  const st_buf *x = a, *y = b;
  if (x->size != y->size) return x->size < y->size ? 1 : -1;
  return x->first < y->first ? -1 : x->first > y->first;
}

/* Lowest offset where b fits beside the placed buffers live with it. */
static uint64_t st_place(const st_buf *bufs, unsigned placed, const st_buf *b) {
  uint64_t off = 0;
  for (bool moved = true; moved;) {
    moved = false;
    for (unsigned i = 0; i < placed; i++) {
      const st_buf *o = &bufs[i];
      bool live = o->first <= b->last && b->first <= o->last;
      if (live && o->offset < off + b->size && off < o->offset + o->size) {
        off = st_align64(o->offset + o->size);
        moved = true;
      }
    }
  }
  return off;
}

static bool st_plan_func(st_module *m, st_op *func, bool *changed, st_diag *d) {
  st_block *body = st_func_body(func);
  unsigned n = 0, nbuf = 0;
  for (st_op *op = body->first; op; op = op->next) n++, nbuf += op->def == &st_mem_alloc_def;
  if (!nbuf) return true;
  const st_op **order = malloc(n * sizeof *order);
  st_buf *bufs = calloc(nbuf, sizeof *bufs);
  uint64_t *live = calloc(n, sizeof *live);
  if (!order || !bufs || !live) {
    free(order), free(bufs), free(live);
    st_diag_error(d, func->loc, "memplan: out of memory");
    return false;
  }
  unsigned i = 0, k = 0;
  for (st_op *op = body->first; op; op = op->next, i++) {
    order[i] = op;
    if (op->def != &st_mem_alloc_def) continue;
    const st_type *t = op->results[0].type;
    bufs[k] = (st_buf){.alloc = op, .first = i, .last = i,
                       .size = st_align64((uint64_t)st_type_num_elements(t) * st_dense_elem_size(t->u.shaped.elem))};
    k++;
  }
  uint64_t bound = 0, arena = 0;
  for (k = 0; k < nbuf; k++) {
    st_last_use(&bufs[k].alloc->results[0], body, order, n, &bufs[k].last);
    for (i = bufs[k].first; i <= bufs[k].last; i++) live[i] += bufs[k].size;
  }
  for (i = 0; i < n; i++) bound = live[i] > bound ? live[i] : bound;
  qsort(bufs, nbuf, sizeof *bufs, st_by_size);
  const st_type *i64 = st_type_scalar(m->ctx, ST_TY_I64);
  bool ok = true;
  for (k = 0; ok && k < nbuf; k++) {
    bufs[k].offset = st_place(bufs, k, &bufs[k]);
    if (bufs[k].offset + bufs[k].size > arena) arena = bufs[k].offset + bufs[k].size;
    ok = st_op_set_attr(m, bufs[k].alloc, "offset", st_attr_int(m, i64, (int64_t)bufs[k].offset));
  }
  ok = ok && st_op_set_attr(m, func, "memplan.arena", st_attr_int(m, i64, (int64_t)arena)) &&
       st_op_set_attr(m, func, "memplan.lower_bound", st_attr_int(m, i64, (int64_t)bound));
  if (!ok) st_diag_error(d, func->loc, "memplan: out of memory");
  *changed = ok;
  free(order), free(bufs), free(live);
  return ok;
}

bool st_pass_memplan(st_module *m, bool *changed, st_diag *d) {
  *changed = false;
  for (st_op *op = st_module_body(m)->first; op; op = op->next) {
    bool c = false;
    if (op->def == &st_func_func_def && st_func_body(op) && !st_plan_func(m, op, &c, d)) return false;
    *changed |= c;
  }
  return true;
}
