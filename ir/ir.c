/* Operations, values, blocks and regions: creation, use lists, erasure and
 * movement.  Cloning and walking live in clone.c and walk.c. */
#include "ir/ir.h"

#include <stdlib.h>
#include <string.h>

#include "ir/dialect.h"

/* ---- use lists ---- */

static void st_use_link(st_use *u, st_value *v) {
  u->value = v;
  if (!v) return;
  u->next = v->first_use;
  if (u->next) u->next->prev_next = &u->next;
  u->prev_next = &v->first_use;
  v->first_use = u;
}

static void st_use_unlink(st_use *u) {
  if (!u->value) return;
  *u->prev_next = u->next;
  if (u->next) u->next->prev_next = u->prev_next;
  u->value = NULL;
  u->next = NULL;
  u->prev_next = NULL;
}

void st_op_set_operand(st_op *op, unsigned i, st_value *v) {
  st_use_unlink(&op->operands[i]);
  st_use_link(&op->operands[i], v);
}

bool st_op_set_operands(st_module *m, st_op *op, unsigned n, st_value *const *vals) {
  for (unsigned i = 0; i < op->num_operands; i++) st_use_unlink(&op->operands[i]);
  if (n > op->num_operands) {
    st_use *uses = ST_ARENA_ARRAY(&m->arena, st_use, n);
    if (!uses) return false;
    op->operands = uses;
  }
  op->num_operands = n;
  for (unsigned i = 0; i < n; i++) {
    op->operands[i].owner = op;
    op->operands[i].index = i;
    op->operands[i].value = NULL;
    st_use_link(&op->operands[i], vals[i]);
  }
  return true;
}

unsigned st_value_num_uses(const st_value *v) {
  unsigned n = 0;
  for (const st_use *u = v->first_use; u; u = u->next) n++;
  return n;
}

const st_attr *st_value_const(const st_value *v) {
  if (!v || !v->def || !st_op_has_trait(v->def, ST_TRAIT_CONSTANT)) return NULL;
  return st_op_get_attr(v->def, "value");
}

void st_value_replace_all_uses(st_value *from, st_value *to) {
  if (from == to) return;
  while (from->first_use) {
    st_use *u = from->first_use;
    st_use_unlink(u);
    st_use_link(u, to);
  }
}

bool st_op_results_unused(const st_op *op) {
  for (unsigned i = 0; i < op->num_results; i++)
    if (op->results[i].first_use) return false;
  return true;
}

/* ---- modules ---- */

st_module *st_module_create(st_context *ctx, const char *name) {
  st_module *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->ctx = ctx;
  st_arena_init(&m->arena);
  st_op_state s = {.def = &st_builtin_module_def, .num_regions = 1};
  m->op = st_op_create(m, &s);
  st_block *body = st_block_create(m);
  if (!m->op || !body) {
    st_module_destroy(m);
    return NULL;
  }
  st_region_push_block(&m->op->regions[0], body);
  if (name) st_op_set_attr(m, m->op, "sym_name", st_attr_string(m, name, strlen(name)));
  return m;
}

void st_module_destroy(st_module *m) {
  if (!m) return;
  for (st_resource *r = m->resources; r; r = r->next)
    if (r->release) r->release(r->cookie);
  st_arena_free(&m->arena);
  free(m);
}

st_block *st_module_body(const st_module *m) { return m->op->regions[0].first; }

const char *st_module_name(const st_module *m) { return st_op_attr_str(m->op, "sym_name"); }

st_op *st_module_lookup_func(const st_module *m, const char *name) {
  for (st_op *op = st_module_body(m)->first; op; op = op->next) {
    const char *n = op->def == &st_func_func_def ? st_op_attr_str(op, "sym_name") : NULL;
    if (n && strcmp(n, name) == 0) return op;
  }
  return NULL;
}

/* ---- ops ---- */

st_op *st_op_create(st_module *m, const st_op_state *s) {
  st_arena *a = &m->arena;
  st_op *op = ST_ARENA_NEW(a, st_op);
  if (!op) return NULL;
  op->def = s->def;
  op->loc = s->loc;
  op->num_results = s->num_results;
  op->results = ST_ARENA_ARRAY(a, st_value, s->num_results);
  op->num_regions = s->num_regions;
  op->regions = ST_ARENA_ARRAY(a, st_region, s->num_regions);
  op->operands = ST_ARENA_ARRAY(a, st_use, s->num_operands);
  if ((s->num_results && !op->results) || (s->num_regions && !op->regions) ||
      (s->num_operands && !op->operands))
    return NULL;
  for (unsigned i = 0; i < s->num_results; i++) {
    op->results[i].type = s->result_types[i];
    op->results[i].def = op;
    op->results[i].index = i;
  }
  for (unsigned i = 0; i < s->num_regions; i++) op->regions[i].parent = op;
  op->num_operands = s->num_operands;
  for (unsigned i = 0; i < s->num_operands; i++) {
    op->operands[i].owner = op;
    op->operands[i].index = i;
    st_use_link(&op->operands[i], s->operands[i]);
  }
  for (unsigned i = 0; i < s->num_attrs; i++)
    if (!st_op_set_attr(m, op, s->attrs[i].name, s->attrs[i].attr)) return NULL;
  return op;
}

st_op *st_op_create_simple(st_module *m, const st_op_def *def, st_loc loc, unsigned num_operands,
                           st_value *const *operands, const st_type *result_type) {
  st_op_state s = {.def = def, .loc = loc, .num_operands = num_operands, .operands = operands,
                   .num_results = result_type ? 1 : 0, .result_types = &result_type};
  return st_op_create(m, &s);
}

const char *st_op_name(const st_op *op) { return op->def->name; }

/* ---- attributes on ops (kept sorted by name) ---- */

static int st_attr_find(const st_op *op, const char *name, bool *found) {
  unsigned lo = 0, hi = op->num_attrs;
  while (lo < hi) {
    unsigned mid = (lo + hi) / 2;
    int c = strcmp(op->attrs[mid].name, name);
    if (c == 0) {
      *found = true;
      return (int)mid;
    }
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  *found = false;
  return (int)lo;
}

const st_attr *st_op_get_attr(const st_op *op, const char *name) {
  bool found;
  int i = st_attr_find(op, name, &found);
  return found ? op->attrs[i].attr : NULL;
}

bool st_op_set_attr(st_module *m, st_op *op, const char *name, const st_attr *attr) {
  if (!attr) return false;
  bool found;
  int i = st_attr_find(op, name, &found);
  if (found) {
    op->attrs[i].attr = attr;
    return true;
  }
  st_named_attr *attrs = ST_ARENA_ARRAY(&m->arena, st_named_attr, op->num_attrs + 1);
  const char *copy = st_arena_strdup(&m->arena, name);
  if (!attrs || !copy) return false;
  if (op->num_attrs) {
    memcpy(attrs, op->attrs, sizeof *attrs * (size_t)i);
    memcpy(attrs + i + 1, op->attrs + i, sizeof *attrs * (op->num_attrs - (unsigned)i));
  }
  attrs[i].name = copy;
  attrs[i].attr = attr;
  op->attrs = attrs;
  op->num_attrs++;
  return true;
}

bool st_op_remove_attr(st_op *op, const char *name) {
  bool found;
  int i = st_attr_find(op, name, &found);
  if (!found) return false;
  memmove(op->attrs + i, op->attrs + i + 1, sizeof *op->attrs * (op->num_attrs - (unsigned)i - 1));
  op->num_attrs--;
  return true;
}

int64_t st_op_attr_int(const st_op *op, const char *name, int64_t dflt) {
  const st_attr *a = st_op_get_attr(op, name);
  if (a && a->kind == ST_ATTR_INT) return a->u.i;
  if (a && a->kind == ST_ATTR_BOOL) return a->u.b;
  return dflt;
}

double st_op_attr_float(const st_op *op, const char *name, double dflt) {
  const st_attr *a = st_op_get_attr(op, name);
  if (a && a->kind == ST_ATTR_FLOAT) return a->u.f;
  if (a && a->kind == ST_ATTR_INT) return (double)a->u.i;
  return dflt;
}

const char *st_op_attr_str(const st_op *op, const char *name) {
  const st_attr *a = st_op_get_attr(op, name);
  return a && a->kind == ST_ATTR_STRING ? a->u.str.data : NULL;
}

/* ---- blocks and regions ---- */

st_block *st_block_create(st_module *m) { return ST_ARENA_NEW(&m->arena, st_block); }

st_value *st_block_add_arg(st_module *m, st_block *b, const st_type *t) {
  st_value **args = ST_ARENA_ARRAY(&m->arena, st_value *, b->num_args + 1);
  st_value *v = ST_ARENA_NEW(&m->arena, st_value);
  if (!args || !v) return NULL;
  if (b->num_args) memcpy(args, b->args, sizeof *args * b->num_args);
  v->type = t;
  v->block = b;
  v->index = b->num_args;
  args[b->num_args] = v;
  b->args = args;
  b->num_args++;
  return v;
}

void st_region_push_block(st_region *r, st_block *b) {
  b->parent = r;
  b->prev = r->last;
  b->next = NULL;
  if (r->last) r->last->next = b;
  else r->first = b;
  r->last = b;
}

st_block *st_region_entry(const st_region *r) { return r->first; }

st_op *st_block_terminator(const st_block *b) {
  return b->last && st_op_has_trait(b->last, ST_TRAIT_TERMINATOR) ? b->last : NULL;
}

st_op *st_block_parent_op(const st_block *b) { return b->parent ? b->parent->parent : NULL; }

st_op *st_op_parent_op(const st_op *op) { return op->parent ? st_block_parent_op(op->parent) : NULL; }

/* ---- moving ops ---- */

void st_op_unlink(st_op *op) {
  st_block *b = op->parent;
  if (!b) return;
  if (op->prev) op->prev->next = op->next;
  else b->first = op->next;
  if (op->next) op->next->prev = op->prev;
  else b->last = op->prev;
  op->parent = NULL;
  op->prev = op->next = NULL;
}

void st_block_append(st_block *b, st_op *op) {
  st_op_unlink(op);
  op->parent = b;
  op->prev = b->last;
  op->next = NULL;
  if (b->last) b->last->next = op;
  else b->first = op;
  b->last = op;
}

void st_op_insert_before(st_op *anchor, st_op *op) {
  st_op_unlink(op);
  st_block *b = anchor->parent;
  op->parent = b;
  op->next = anchor;
  op->prev = anchor->prev;
  if (anchor->prev) anchor->prev->next = op;
  else b->first = op;
  anchor->prev = op;
}

void st_op_insert_after(st_op *anchor, st_op *op) {
  if (anchor->next) st_op_insert_before(anchor->next, op);
  else st_block_append(anchor->parent, op);
}

void st_op_move_before(st_op *op, st_op *anchor) { st_op_insert_before(anchor, op); }

/* ---- erasure ---- */

static void st_op_drop_uses(st_op *op) {
  for (unsigned i = 0; i < op->num_operands; i++) st_use_unlink(&op->operands[i]);
  for (unsigned r = 0; r < op->num_regions; r++)
    for (st_block *b = op->regions[r].first; b; b = b->next)
      for (st_op *o = b->first; o; o = o->next) st_op_drop_uses(o);
}

bool st_op_erase(st_op *op) {
  if (!st_op_results_unused(op)) return false;
  st_op_drop_uses(op);
  st_op_unlink(op);
  return true;
}

void st_op_replace(st_op *op, st_value *const *vals) {
  for (unsigned i = 0; i < op->num_results; i++) st_value_replace_all_uses(&op->results[i], vals[i]);
  st_op_erase(op);
}

/* ---- builder ---- */

st_builder st_builder_at_end(st_module *m, st_block *b) {
  st_builder bl = {.module = m, .block = b, .before = NULL, .loc = st_loc_unknown()};
  return bl;
}

st_builder st_builder_before(st_module *m, st_op *op) {
  st_builder bl = {.module = m, .block = op->parent, .before = op, .loc = op->loc};
  return bl;
}

st_op *st_builder_insert(st_builder *b, st_op *op) {
  if (!op) return NULL;
  if (b->before) st_op_insert_before(b->before, op);
  else st_block_append(b->block, op);
  return op;
}

st_op *st_builder_create(st_builder *b, const st_op_state *s) {
  st_op_state copy = *s;
  if (copy.loc.kind == ST_LOC_UNKNOWN) copy.loc = b->loc;
  return st_builder_insert(b, st_op_create(b->module, &copy));
}

/* ---- func helpers ---- */

const st_type *st_func_type(const st_op *func) {
  const st_attr *a = st_op_get_attr(func, "function_type");
  return a && a->kind == ST_ATTR_TYPE ? a->u.type_value : NULL;
}

st_block *st_func_body(const st_op *func) { return func->num_regions ? func->regions[0].first : NULL; }
