/* Element loads and stores per scalar type; see elem.h. */
#include "ir/elem.h"

#include <math.h>
#include <string.h>

/* The 8- and 4-bit float formats of the element types (float_codec.h). */
static int st_float_format_of(st_type_kind kind) {
  switch (kind) {
  case ST_TY_F8E4M3FN: return ST_FLOAT_E4M3FN;
  case ST_TY_F8E4M3FNUZ: return ST_FLOAT_E4M3FNUZ;
  case ST_TY_F8E5M2: return ST_FLOAT_E5M2;
  case ST_TY_F8E5M2FNUZ: return ST_FLOAT_E5M2FNUZ;
  case ST_TY_F8E8M0FNU: return ST_FLOAT_E8M0FNU;
  case ST_TY_F4E2M1FN: return ST_FLOAT_E2M1FN;
  default: return -1;
  }
}

bool st_is_small_float(st_type_kind kind) { return st_float_format_of(kind) >= 0; }

double st_small_float_decode(st_type_kind kind, uint8_t code) {
  int f = st_float_format_of(kind);
  return f < 0 ? NAN : st_float_decode((st_float_format)f, code);
}

uint8_t st_small_float_encode(st_type_kind kind, double v, bool saturate) {
  int f = st_float_format_of(kind);
  return f < 0 ? 0 : st_float_encode((st_float_format)f, v, saturate);
}

/* ---- loads and stores ---- */

/* Sub-byte integers live one per byte, sign- or zero-extended. */
static int64_t st_narrow_int(st_type_kind kind, int64_t v) {
  switch (kind) {
  case ST_TY_I2: return (int64_t)((uint64_t)v << 62) >> 62;
  case ST_TY_I4: return (int64_t)((uint64_t)v << 60) >> 60;
  case ST_TY_U2: return v & 3;
  case ST_TY_U4: return v & 15;
  default: return v;
  }
}

double st_elem_load_f(const st_type *elem, const void *base, int64_t i) {
  const unsigned char *p = base;
  switch (elem->kind) {
  case ST_TY_F64: { double v; memcpy(&v, p + 8 * i, 8); return v; }
  case ST_TY_F32: { float v; memcpy(&v, p + 4 * i, 4); return v; }
  case ST_TY_F16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return st_f16_to_f32(v); }
  case ST_TY_BF16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return st_bf16_to_f32(v); }
  case ST_TY_U64: return (double)(uint64_t)st_elem_load_i(elem, base, i);
  default:
    if (st_is_small_float(elem->kind)) return st_small_float_decode(elem->kind, p[i]);
    return (double)st_elem_load_i(elem, base, i);
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
    if (st_is_small_float(elem->kind)) {
      p[i] = st_small_float_encode(elem->kind, v, true);
      return;
    }
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
  case ST_TY_I8: return (int8_t)p[i];
  case ST_TY_I2: case ST_TY_I4: case ST_TY_U2: case ST_TY_U4: return st_narrow_int(elem->kind, p[i]);
  case ST_TY_I16: { int16_t v; memcpy(&v, p + 2 * i, 2); return v; }
  case ST_TY_U16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return v; }
  case ST_TY_I32: { int32_t v; memcpy(&v, p + 4 * i, 4); return v; }
  case ST_TY_U32: { uint32_t v; memcpy(&v, p + 4 * i, 4); return v; }
  case ST_TY_I64: case ST_TY_U64: case ST_TY_INDEX: { int64_t v; memcpy(&v, p + 8 * i, 8); return v; }
  default: {
    if (!st_type_is_float(elem)) return 0;
    double d = st_elem_load_f(elem, base, i);
    return isnan(d) ? 0 : d > 9.2e18 ? INT64_MAX : d < -9.2e18 ? INT64_MIN : (int64_t)d;
  }
  }
}

void st_elem_store_i(const st_type *elem, void *base, int64_t i, int64_t v) {
  unsigned char *p = base;
  switch (elem->kind) {
  case ST_TY_I1: p[i] = v != 0; return;
  case ST_TY_I8: case ST_TY_U8: p[i] = (unsigned char)v; return;
  case ST_TY_I2: case ST_TY_I4: case ST_TY_U2: case ST_TY_U4:
    p[i] = (unsigned char)st_narrow_int(elem->kind, v);
    return;
  case ST_TY_I16: case ST_TY_U16: { uint16_t x = (uint16_t)v; memcpy(p + 2 * i, &x, 2); return; }
  case ST_TY_I32: case ST_TY_U32: { uint32_t x = (uint32_t)v; memcpy(p + 4 * i, &x, 4); return; }
  case ST_TY_I64: case ST_TY_U64: case ST_TY_INDEX: memcpy(p + 8 * i, &v, 8); return;
  default:
    if (st_type_is_float(elem)) st_elem_store_f(elem, base, i, (double)v);
  }
}
