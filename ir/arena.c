/* Bump allocator over a list of chunks; see arena.h. */
#include "ir/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct st_arena_chunk {
  st_arena_chunk *next;
  size_t size, used;
  max_align_t data[];
};

enum { ST_ARENA_CHUNK = 64 * 1024 };

void st_arena_init(st_arena *a) {
  a->chunks = NULL;
  a->bytes_used = 0;
}

void *st_arena_alloc(st_arena *a, size_t size) {
  const size_t align = _Alignof(max_align_t);
  size = (size + align - 1) & ~(align - 1);
  if (size == 0) size = align;
  st_arena_chunk *c = a->chunks;
  if (!c || c->size - c->used < size) {
    size_t cap = size > ST_ARENA_CHUNK ? size : ST_ARENA_CHUNK;
    c = malloc(sizeof *c + cap);
    if (!c) return NULL;
    c->size = cap;
    c->used = 0;
    /* A big request gets its own chunk behind the current one, so the
     * current chunk's free space is not thrown away. */
    if (a->chunks && cap == size) {
      c->next = a->chunks->next;
      a->chunks->next = c;
    } else {
      c->next = a->chunks;
      a->chunks = c;
    }
  }
  void *p = (char *)c->data + c->used;
  c->used += size;
  a->bytes_used += size;
  memset(p, 0, size);
  return p;
}

void *st_arena_memdup(st_arena *a, const void *p, size_t size) {
  void *q = st_arena_alloc(a, size);
  if (q && size) memcpy(q, p, size);
  return q;
}

char *st_arena_strndup(st_arena *a, const char *s, size_t n) {
  char *q = st_arena_alloc(a, n + 1);
  if (!q) return NULL;
  memcpy(q, s, n);
  q[n] = 0;
  return q;
}

char *st_arena_strdup(st_arena *a, const char *s) { return st_arena_strndup(a, s, strlen(s)); }

void st_arena_free(st_arena *a) {
  st_arena_chunk *c = a->chunks;
  while (c) {
    st_arena_chunk *next = c->next;
    free(c);
    c = next;
  }
  a->chunks = NULL;
  a->bytes_used = 0;
}
