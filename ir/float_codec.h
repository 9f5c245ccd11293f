/* Conversions between float and the narrow float formats: IEEE half,
 * bfloat16, and the 8- and 4-bit floats of ONNX (f8E4M3FN, f8E4M3FNUZ,
 * f8E5M2, f8E5M2FNUZ, f8E8M0FNU, f4E2M1FN; a 4-bit value sits in the low
 * bits of its byte).  Self-contained (no other Strata header): ir/elem.c
 * builds element access on it, and the runtime (runtime/rt), which must not
 * depend on the IR, compiles it as well. */
#ifndef ST_IR_FLOAT_CODEC_H
#define ST_IR_FLOAT_CODEC_H

#include <stdbool.h>
#include <stdint.h>

typedef enum st_float_format {
  ST_FLOAT_E4M3FN, ST_FLOAT_E4M3FNUZ, ST_FLOAT_E5M2, ST_FLOAT_E5M2FNUZ, ST_FLOAT_E8M0FNU, ST_FLOAT_E2M1FN,
} st_float_format;

float st_f16_to_f32(uint16_t h);
uint16_t st_f32_to_f16(float f);      /* round to nearest even */
float st_bf16_to_f32(uint16_t h);
uint16_t st_f32_to_bf16(float f);     /* round to nearest even */

/* Encoding rounds to nearest even; out-of-range values and infinities
 * become the largest finite value when `saturate` is set, else infinity
 * where the format has one and NaN otherwise (the ONNX Cast rules). */
double st_float_decode(st_float_format fmt, uint8_t code);
uint8_t st_float_encode(st_float_format fmt, double v, bool saturate);

#endif
