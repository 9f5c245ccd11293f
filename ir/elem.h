/* Element access for every scalar type: load and store element i of a
 * row-major buffer as a double or an int64, with the half-precision and
 * 8-bit float conversions.  The reference interpreter and constant folding
 * read and write data through these, so each op is written once. */
#ifndef ST_IR_ELEM_H
#define ST_IR_ELEM_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/float_codec.h"
#include "ir/type.h"

double st_elem_load_f(const st_type *elem, const void *base, int64_t i);
void st_elem_store_f(const st_type *elem, void *base, int64_t i, double v);
int64_t st_elem_load_i(const st_type *elem, const void *base, int64_t i);
void st_elem_store_i(const st_type *elem, void *base, int64_t i, int64_t v);

/* The 8- and 4-bit floats by element type (float_codec.h has the formats;
 * f16 and bf16 conversions are there too). */
double st_small_float_decode(st_type_kind kind, uint8_t code);
uint8_t st_small_float_encode(st_type_kind kind, double v, bool saturate);
bool st_is_small_float(st_type_kind kind);

#endif
