/* MT19937 (graph_random.h): the reference generator's seeding, twist and
 * tempering, and numpy's 53-bit doubles. */
#include "ir/dialects/graph_random.h"

void st_mt_seed(st_mt19937 *mt, uint32_t seed) {
  mt->s[0] = seed;
  for (int i = 1; i < 624; i++) mt->s[i] = 1812433253u * (mt->s[i - 1] ^ (mt->s[i - 1] >> 30)) + (uint32_t)i;
  mt->pos = 624;
}

uint32_t st_mt_next(st_mt19937 *mt) {
  if (mt->pos >= 624) {
    for (int i = 0; i < 624; i++) {
      uint32_t y = (mt->s[i] & 0x80000000u) | (mt->s[(i + 1) % 624] & 0x7fffffffu);
      mt->s[i] = mt->s[(i + 397) % 624] ^ (y >> 1) ^ (y & 1 ? 0x9908b0dfu : 0);
    }
    mt->pos = 0;
  }
  uint32_t y = mt->s[mt->pos++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  return y ^ (y >> 18);
}

double st_mt_double(st_mt19937 *mt) {
  uint32_t a = st_mt_next(mt) >> 5, b = st_mt_next(mt) >> 6;
  return (a * 67108864.0 + b) / 9007199254740992.0;
}
