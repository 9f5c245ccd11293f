/* Arena allocation: every object of a module (ops, values, attributes,
 * strings) lives in the module's arena and is freed with it in one call.
 * Memory is taken from malloc'd chunks and never returned one object at a
 * time; erasing an op unlinks it, and the arena reclaims it at the end. */
#ifndef ST_IR_ARENA_H
#define ST_IR_ARENA_H

#include <stddef.h>

typedef struct st_arena_chunk st_arena_chunk;

typedef struct st_arena {
  st_arena_chunk *chunks;
  size_t bytes_used; /* payload bytes handed out, for statistics */
} st_arena;

void st_arena_init(st_arena *a);
/* Zeroed memory aligned for any scalar type; NULL only when malloc fails. */
void *st_arena_alloc(st_arena *a, size_t size);
void *st_arena_memdup(st_arena *a, const void *p, size_t size);
char *st_arena_strdup(st_arena *a, const char *s);
char *st_arena_strndup(st_arena *a, const char *s, size_t n);
/* Frees every chunk; the arena may be reused after st_arena_init(). */
void st_arena_free(st_arena *a);

#define ST_ARENA_NEW(a, T) ((T *)st_arena_alloc((a), sizeof(T)))
#define ST_ARENA_ARRAY(a, T, n) ((T *)st_arena_alloc((a), sizeof(T) * (size_t)(n)))

#endif
