/* Element loads and stores per scalar type; see elem.h. */
#include "ir/elem.h"

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

double st_elem_load_f(const st_type *elem, const void *base, int64_t i) {
  const unsigned char *p = base;
  switch (elem->kind) {
  case ST_TY_F64: { double v; memcpy(&v, p + 8 * i, 8); return v; }
  case ST_TY_F32: { float v; memcpy(&v, p + 4 * i, 4); return v; }
  case ST_TY_F16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return st_f16_to_f32(v); }
  case ST_TY_BF16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return st_bf16_to_f32(v); }
  case ST_TY_U64: return (double)(uint64_t)st_elem_load_i(elem, base, i);
  default: return (double)st_elem_load_i(elem, base, i);
  }
}

void st_elem_store_f(const st_type *elem, void *base, int64_t i, double v) {
  unsigned char *p = base;
  switch (elem->kind) {
  case ST_TY_F64: memcpy(p + 8 * i, &v, 8); return;
  case ST_TY_F32: { float f = (float)v; memcpy(p + 4 * i, &f, 4); return; }
  case ST_TY_F16: { uint16_t h = st_f32_to_f16((float)v); memcpy(p + 2 * i, &h, 2); return; }
  case ST_TY_BF16: { uint16_t h = st_f32_to_bf16((float)v); memcpy(p + 2 * i, &h, 2); return; }
  case ST_TY_I1: p[i] = v != 0; return;
  default:
    /* Out-of-range and NaN conversions are undefined in C; clamp first. */
    if (isnan(v)) v = 0;
    if (v > 9.2e18) v = 9.2e18;
    if (v < -9.2e18) v = -9.2e18;
    st_elem_store_i(elem, base, i, (int64_t)v);
  }
}

int64_t st_elem_load_i(const st_type *elem, const void *base, int64_t i) {
  const unsigned char *p = base;
  switch (elem->kind) {
  case ST_TY_I1: case ST_TY_U8: return p[i];
  case ST_TY_I4: case ST_TY_I8: return (int8_t)p[i];
  case ST_TY_I16: { int16_t v; memcpy(&v, p + 2 * i, 2); return v; }
  case ST_TY_U16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return v; }
  case ST_TY_I32: { int32_t v; memcpy(&v, p + 4 * i, 4); return v; }
  case ST_TY_U32: { uint32_t v; memcpy(&v, p + 4 * i, 4); return v; }
  case ST_TY_I64: case ST_TY_U64: case ST_TY_INDEX: { int64_t v; memcpy(&v, p + 8 * i, 8); return v; }
  default: {
    double d = st_elem_load_f(elem, base, i);
    return isnan(d) ? 0 : d > 9.2e18 ? INT64_MAX : d < -9.2e18 ? INT64_MIN : (int64_t)d;
  }
  }
}

void st_elem_store_i(const st_type *elem, void *base, int64_t i, int64_t v) {
  unsigned char *p = base;
  switch (elem->kind) {
  case ST_TY_I1: p[i] = v != 0; return;
  case ST_TY_I4: case ST_TY_I8: case ST_TY_U8: p[i] = (unsigned char)v; return;
  case ST_TY_I16: case ST_TY_U16: { uint16_t x = (uint16_t)v; memcpy(p + 2 * i, &x, 2); return; }
  case ST_TY_I32: case ST_TY_U32: { uint32_t x = (uint32_t)v; memcpy(p + 4 * i, &x, 4); return; }
  case ST_TY_I64: case ST_TY_U64: case ST_TY_INDEX: memcpy(p + 8 * i, &v, 8); return;
  default: st_elem_store_f(elem, base, i, (double)v);
  }
}
