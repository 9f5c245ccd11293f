/* A hash map from pointers to pointers (open addressing, malloc'd).  Used for
 * value maps, printer names, op numbering and pass worklists. */
#ifndef ST_IR_PTRMAP_H
#define ST_IR_PTRMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct st_ptrmap {
  const void **keys;
  void **vals;
  size_t cap, count;
} st_ptrmap;

/* Zero-initialised maps are empty and valid. */
bool st_ptrmap_set(st_ptrmap *m, const void *key, void *val);
/* The value for key, or NULL (also when key maps to NULL). */
void *st_ptrmap_get(const st_ptrmap *m, const void *key);
bool st_ptrmap_has(const st_ptrmap *m, const void *key);
void st_ptrmap_free(st_ptrmap *m);

#endif
