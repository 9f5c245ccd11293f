/* Element access for every scalar type: load and store element i of a
 * row-major buffer as a double or an int64, with the half-precision and
 * 8-bit float conversions.  The reference interpreter and constant folding
 * read and write data through these, so each op is written once. */
#ifndef ST_IR_ELEM_H
#define ST_IR_ELEM_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/type.h"

double st_elem_load_f(const st_type *elem, const void *base, int64_t i);
void st_elem_store_f(const st_type *elem, void *base, int64_t i, double v);
int64_t st_elem_load_i(const st_type *elem, const void *base, int64_t i);
void st_elem_store_i(const st_type *elem, void *base, int64_t i, int64_t v);

float st_f16_to_f32(uint16_t h);
uint16_t st_f32_to_f16(float f);      /* round to nearest even */
float st_bf16_to_f32(uint16_t h);
uint16_t st_f32_to_bf16(float f);     /* round to nearest even */

/* The 8- and 4-bit floats (f8E4M3FN, f8E4M3FNUZ, f8E5M2, f8E5M2FNUZ,
 * f8E8M0FNU, f4E2M1FN; a 4-bit value sits in the low bits of its byte).
 * Encoding rounds to nearest even; out-of-range values and infinities
 * become the largest finite value when `saturate` is set, else infinity
 * where the format has one and NaN otherwise (the ONNX Cast rules). */
double st_small_float_decode(st_type_kind kind, uint8_t code);
uint8_t st_small_float_encode(st_type_kind kind, double v, bool saturate);
bool st_is_small_float(st_type_kind kind);

#endif
