/* Common subexpression elimination.
 *
 * Two pure ops without regions compute the same value when they have the
 * same definition, the same operands (in order), equal attributes and the
 * same result types.  Walking each block in order with a table of the ops
 * seen so far — inherited by nested regions, reset at isolated ones — the
 * later op of such a pair is replaced by the earlier one, which dominates
 * it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialect.h"
#include "passes/pass.h"

typedef struct st_cse_table st_cse_table;
struct st_cse_table {
  st_cse_table *parent; /* enclosing region's table, NULL at an isolated op */
  st_op **slots;
  uint64_t *hashes;
  size_t cap, count;
};

static uint64_t st_mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h;
}

static uint64_t st_op_hash(const st_op *op) {
  uint64_t h = st_mix(0, (uint64_t)(uintptr_t)op->def);
  for (unsigned i = 0; i < op->num_operands; i++) h = st_mix(h, (uint64_t)(uintptr_t)op->operands[i].value);
  for (unsigned i = 0; i < op->num_results; i++) h = st_mix(h, (uint64_t)(uintptr_t)op->results[i].type);
  h = st_mix(h, op->num_attrs);
  return h;
}

static bool st_op_equivalent(const st_op *a, const st_op *b) {
  if (a->def != b->def || a->num_operands != b->num_operands || a->num_results != b->num_results ||
      a->num_attrs != b->num_attrs)
    return false;
  for (unsigned i = 0; i < a->num_operands; i++)
    if (a->operands[i].value != b->operands[i].value) return false;
  for (unsigned i = 0; i < a->num_results; i++)
    if (a->results[i].type != b->results[i].type) return false;
  for (unsigned i = 0; i < a->num_attrs; i++)
    if (strcmp(a->attrs[i].name, b->attrs[i].name) || !st_attr_equal(a->attrs[i].attr, b->attrs[i].attr)) return false;
  return true;
}

static bool st_table_insert(st_cse_table *t, st_op *op, uint64_t h) {
  if ((t->count + 1) * 2 > t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 64;
    st_op **slots = calloc(cap, sizeof *slots);
    uint64_t *hashes = calloc(cap, sizeof *hashes);
    if (!slots || !hashes) {
      free(slots);
      free(hashes);
      return false;
    }
    for (size_t i = 0; i < t->cap; i++) {
      if (!t->slots[i]) continue;
      size_t j = t->hashes[i] & (cap - 1);
      while (slots[j]) j = (j + 1) & (cap - 1);
      slots[j] = t->slots[i];
      hashes[j] = t->hashes[i];
    }
    free(t->slots);
    free(t->hashes);
    t->slots = slots;
    t->hashes = hashes;
    t->cap = cap;
  }
  size_t j = h & (t->cap - 1);
  while (t->slots[j]) j = (j + 1) & (t->cap - 1);
  t->slots[j] = op;
  t->hashes[j] = h;
  t->count++;
  return true;
}

static st_op *st_table_find(const st_cse_table *t, const st_op *op, uint64_t h) {
  for (; t; t = t->parent) {
    if (!t->cap) continue;
    for (size_t j = h & (t->cap - 1); t->slots[j]; j = (j + 1) & (t->cap - 1))
      if (t->hashes[j] == h && st_op_equivalent(t->slots[j], op)) return t->slots[j];
  }
  return NULL;
}

static void st_cse_region(st_region *r, st_cse_table *parent, bool isolated, bool *changed);

static void st_cse_block(st_block *b, st_cse_table *parent, bool isolated, bool *changed) {
  st_cse_table t = {.parent = isolated ? NULL : parent};
  for (st_op *op = b->first, *next; op; op = next) {
    next = op->next;
    for (unsigned r = 0; r < op->num_regions; r++)
      st_cse_region(&op->regions[r], &t, st_op_has_trait(op, ST_TRAIT_ISOLATED), changed);
    if (!st_op_has_trait(op, ST_TRAIT_PURE) || op->num_regions) continue;
    uint64_t h = st_op_hash(op);
    st_op *same = st_table_find(&t, op, h);
    if (same) {
      /* Keep the earlier op's location only; names stay with it too. */
      for (unsigned i = 0; i < op->num_results; i++) st_value_replace_all_uses(&op->results[i], &same->results[i]);
      st_op_erase(op);
      *changed = true;
    } else {
      st_table_insert(&t, op, h);
    }
  }
  free(t.slots);
  free(t.hashes);
}

static void st_cse_region(st_region *r, st_cse_table *parent, bool isolated, bool *changed) {
  for (st_block *b = r->first; b; b = b->next) st_cse_block(b, parent, isolated, changed);
}

bool st_pass_cse(st_module *m, bool *changed, st_diag *d) {
  *changed = false;
  st_cse_region(&m->op->regions[0], NULL, true, changed);
  return true;
}
