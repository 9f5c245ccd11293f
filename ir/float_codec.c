/* Half, bfloat16 and the 8- and 4-bit float formats (see float_codec.h).
 * No other Strata header is included: the runtime's standalone runners
 * compile this file too. */
#include "ir/float_codec.h"

#include <math.h>
#include <string.h>

float st_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 31, man = h & 1023, bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { /* subnormal: normalise */
      exp = 127 - 15 + 1;
      while (!(man & 1024)) {
        man <<= 1;
        exp--;
      }
      bits = sign | (exp << 23) | ((man & 1023) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

uint16_t st_f32_to_f16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  int32_t exp = (int32_t)((x >> 23) & 255) - 127 + 15;
  uint32_t man = x & 0x7fffffu;
  if (((x >> 23) & 255) == 255) return (uint16_t)(sign | 0x7c00u | (man ? 0x200u : 0));
  if (exp >= 31) return (uint16_t)(sign | 0x7c00u);
  if (exp <= 0) {
    if (exp < -10) return (uint16_t)sign;
    man |= 0x800000u;
    uint32_t shift = (uint32_t)(14 - exp);
    uint32_t half = man >> shift, rem = man & ((1u << shift) - 1), mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1))) half++;
    return (uint16_t)(sign | half);
  }
  uint32_t h = sign | ((uint32_t)exp << 10) | (man >> 13), rem = man & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1))) h++; /* may carry into the exponent: correct */
  return (uint16_t)h;
}

float st_bf16_to_f32(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

uint16_t st_f32_to_bf16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  if (isnan(f)) return (uint16_t)((x >> 16) | 0x40);
  x += 0x7fffu + ((x >> 16) & 1);
  return (uint16_t)(x >> 16);
}

/* ---- 8- and 4-bit floats ---- */

typedef struct st_small_float {
  int ebits, mbits, bias;
  int sign_bit;      /* bit position of the sign, -1 when unsigned */
  bool ieee_special; /* all-ones exponent is Inf (mantissa 0) or NaN (E5M2) */
  int nan_code;      /* the NaN code (sign cleared), -1 when none */
  bool uz;           /* "unsigned zero": 0x80 is NaN, there is no -0 */
} st_small_float;

static const st_small_float *st_small_float_format(st_float_format fmt) {
  static const st_small_float e4m3fn = {4, 3, 7, 7, false, 0x7f, false};
  static const st_small_float e4m3fnuz = {4, 3, 8, 7, false, 0x80, true};
  static const st_small_float e5m2 = {5, 2, 15, 7, true, 0x7e, false};
  static const st_small_float e5m2fnuz = {5, 2, 16, 7, false, 0x80, true};
  static const st_small_float e8m0 = {8, 0, 127, -1, false, 0xff, false};
  static const st_small_float e2m1 = {2, 1, 1, 3, false, -1, false};
  switch (fmt) {
  case ST_FLOAT_E4M3FN: return &e4m3fn;
  case ST_FLOAT_E4M3FNUZ: return &e4m3fnuz;
  case ST_FLOAT_E5M2: return &e5m2;
  case ST_FLOAT_E5M2FNUZ: return &e5m2fnuz;
  case ST_FLOAT_E8M0FNU: return &e8m0;
  case ST_FLOAT_E2M1FN: return &e2m1;
  default: return NULL;
  }
}


/* The largest finite magnitude's code (sign cleared). */
static unsigned st_small_float_max_code(const st_small_float *f) {
  unsigned all = (1u << (f->ebits + f->mbits)) - 1;
  if (f->ieee_special) return all - (1u << f->mbits); /* exponent all-ones is special */
  if (f->nan_code >= 0 && !f->uz && (unsigned)f->nan_code == all) return all - 1;
  if (f->nan_code >= 0 && !f->uz && f->sign_bit < 0) return all - 1; /* E8M0: 0xff is NaN */
  return all;
}

double st_float_decode(st_float_format fmt, uint8_t code) {
  const st_small_float *f = st_small_float_format(fmt);
  if (!f) return NAN;
  unsigned bits = (unsigned)(f->ebits + f->mbits);
  code &= (uint8_t)((1u << (bits + (f->sign_bit >= 0))) - 1);
  if (f->nan_code >= 0 && code == (unsigned)f->nan_code) return NAN;
  bool neg = f->sign_bit >= 0 && (code >> f->sign_bit) & 1;
  unsigned mag = code & ((1u << bits) - 1);
  if (!f->uz && f->nan_code >= 0 && f->sign_bit >= 0 && mag == (unsigned)f->nan_code) return NAN;
  unsigned exp = mag >> f->mbits, man = mag & ((1u << f->mbits) - 1);
  double v;
  if (f->ieee_special && exp == (1u << f->ebits) - 1) v = man ? NAN : INFINITY;
  else if (exp == 0 && f->mbits > 0) v = ldexp(man, 1 - f->bias - f->mbits);
  else v = ldexp(man + (1u << f->mbits), (int)exp - f->bias - f->mbits);
  return neg ? -v : v;
}

uint8_t st_float_encode(st_float_format fmt, double v, bool saturate) {
  const st_small_float *f = st_small_float_format(fmt);
  if (!f) return 0;
  unsigned max_code = st_small_float_max_code(f);
  double max = st_float_decode(fmt, (uint8_t)max_code);
  uint8_t sign = f->sign_bit >= 0 && signbit(v) ? (uint8_t)(1u << f->sign_bit) : 0;
  uint8_t nan = f->nan_code >= 0 ? (uint8_t)f->nan_code : (uint8_t)max_code;
  /* A format without NaN (f4E2M1FN) takes NaN to -0, as ml_dtypes (and so
   * the ONNX reference) does. */
  if (isnan(v)) return f->nan_code >= 0 ? nan : (uint8_t)(1u << f->sign_bit);
  double a = fabs(v);
  if (f->sign_bit < 0 && signbit(v) && a != 0) return nan; /* no negative values at all */
  unsigned inf_code = f->ieee_special ? (((1u << f->ebits) - 1) << f->mbits) : 0;
  uint8_t overflow = saturate || f->nan_code < 0 ? (uint8_t)(sign | max_code)
                     : f->ieee_special ? (uint8_t)(sign | inf_code) : nan;
  if (isinf(a)) return overflow;
  if (f->mbits == 0) { /* E8M0: powers of two, round to the nearer one */
    if (a == 0) return 0;
    int e;
    double m = frexp(a, &e); /* a = m * 2^e, m in [0.5, 1) */
    int p = m > 0.75 ? e : e - 1;
    if (p + f->bias > (int)max_code) return overflow;
    if (p + f->bias < 0) return 0;
    return (uint8_t)(p + f->bias);
  }
  /* Round to the grid of the target: the spacing is 2^(e - mbits) for a
   * normal value of exponent e, and fixed below the smallest normal. */
  int emin = 1 - f->bias, e;
  frexp(a, &e);
  e -= 1;
  if (e < emin) e = emin;
  double q = ldexp(1.0, e - f->mbits);
  double r = nearbyint(a / q) * q; /* a / q is exact: q is a power of two */
  if (r > max) return overflow;
  if (r == 0) return f->uz ? 0 : sign; /* UZ formats have no -0 (0x80 is NaN) */
  frexp(r, &e);
  e -= 1;
  if (e < emin) return (uint8_t)(sign | (unsigned)(r / ldexp(1.0, emin - f->mbits)));
  unsigned man = (unsigned)(r / ldexp(1.0, e - f->mbits)) - (1u << f->mbits);
  return (uint8_t)(sign | ((unsigned)(e + f->bias) << f->mbits) | man);
}
