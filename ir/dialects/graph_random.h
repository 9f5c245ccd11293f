/* The random stream of the graph dialect's seeded ops (Dropout in training
 * mode): MT19937 seeded with a 32-bit seed, its draws turned into doubles
 * in [0, 1) as numpy's RandomState does (53 bits from two draws).  The
 * interpreter draws from it element by element; the lowering tabulates the
 * same draws at compile time (the stream depends only on the seed). */
#ifndef ST_IR_GRAPH_RANDOM_H
#define ST_IR_GRAPH_RANDOM_H

#include <stdint.h>

typedef struct st_mt19937 {
  uint32_t s[624];
  int pos;
} st_mt19937;

void st_mt_seed(st_mt19937 *mt, uint32_t seed);
uint32_t st_mt_next(st_mt19937 *mt);
/* A uniform double in [0, 1) from two draws. */
double st_mt_double(st_mt19937 *mt);

#endif
