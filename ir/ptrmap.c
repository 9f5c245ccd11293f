/* Open-addressing pointer map with linear probing; see ptrmap.h.  Keys are
 * never removed, which keeps probing simple: passes build a map, use it and
 * drop it. */
#include "ir/ptrmap.h"

#include <stdint.h>
#include <stdlib.h>

static size_t st_ptr_hash(const void *p) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return (size_t)x;
}

static bool st_ptrmap_grow(st_ptrmap *m) {
  size_t cap = m->cap ? m->cap * 2 : 64;
  const void **keys = calloc(cap, sizeof *keys);
  void **vals = calloc(cap, sizeof *vals);
  if (!keys || !vals) {
    free(keys);
    free(vals);
    return false;
  }
  for (size_t i = 0; i < m->cap; i++) {
    if (!m->keys[i]) continue;
    size_t j = st_ptr_hash(m->keys[i]) & (cap - 1);
    while (keys[j]) j = (j + 1) & (cap - 1);
    keys[j] = m->keys[i];
    vals[j] = m->vals[i];
  }
  free(m->keys);
  free(m->vals);
  m->keys = keys;
  m->vals = vals;
  m->cap = cap;
  return true;
}

static size_t st_ptrmap_slot(const st_ptrmap *m, const void *key) {
  size_t j = st_ptr_hash(key) & (m->cap - 1);
  while (m->keys[j] && m->keys[j] != key) j = (j + 1) & (m->cap - 1);
  return j;
}

bool st_ptrmap_set(st_ptrmap *m, const void *key, void *val) {
  if ((m->count + 1) * 2 > m->cap && !st_ptrmap_grow(m)) return false;
  size_t j = st_ptrmap_slot(m, key);
  if (!m->keys[j]) m->count++;
  m->keys[j] = key;
  m->vals[j] = val;
  return true;
}

void *st_ptrmap_get(const st_ptrmap *m, const void *key) {
  if (!m->cap) return NULL;
  size_t j = st_ptrmap_slot(m, key);
  return m->keys[j] ? m->vals[j] : NULL;
}

bool st_ptrmap_has(const st_ptrmap *m, const void *key) {
  return m->cap && m->keys[st_ptrmap_slot(m, key)] != NULL;
}

void st_ptrmap_free(st_ptrmap *m) {
  free(m->keys);
  free(m->vals);
  m->keys = NULL;
  m->vals = NULL;
  m->cap = m->count = 0;
}
