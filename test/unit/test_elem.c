/* Element codecs: half precision and the 8- and 4-bit float formats, and
 * sub-byte integers, against values worked out from the format tables. */
#include <criterion/criterion.h>
#include <math.h>

#include "ir/elem.h"

static double dec(st_type_kind k, unsigned code) { return st_small_float_decode(k, (uint8_t)code); }
static unsigned enc(st_type_kind k, double v, bool sat) { return st_small_float_encode(k, v, sat); }

Test(elem, f8e4m3fn) {
  cr_assert_eq(dec(ST_TY_F8E4M3FN, 0x7e), 448.0);
  cr_assert_eq(dec(ST_TY_F8E4M3FN, 0x01), ldexp(1, -9)); /* smallest subnormal */
  cr_assert_eq(dec(ST_TY_F8E4M3FN, 0x38), 1.0);
  cr_assert(isnan(dec(ST_TY_F8E4M3FN, 0x7f)));
  cr_assert(isnan(dec(ST_TY_F8E4M3FN, 0xff)));
  cr_assert_eq(enc(ST_TY_F8E4M3FN, 448.0, true), 0x7e);
  cr_assert_eq(enc(ST_TY_F8E4M3FN, 1000.0, true), 0x7e);
  cr_assert_eq(enc(ST_TY_F8E4M3FN, 1000.0, false), 0x7f);
  cr_assert_eq(enc(ST_TY_F8E4M3FN, -INFINITY, true), 0xfe);
  cr_assert_eq(enc(ST_TY_F8E4M3FN, -0.0, true), 0x80);
  cr_assert_eq(enc(ST_TY_F8E4M3FN, 1.0625, true), 0x38); /* tie between 1 and 1.125: to even */
  cr_assert_eq(enc(ST_TY_F8E4M3FN, 1.1875, true), 0x3a); /* tie between 1.125 and 1.25: to even */
}

Test(elem, f8_uz_and_e5m2) {
  cr_assert_eq(dec(ST_TY_F8E4M3FNUZ, 0x7f), 240.0);
  cr_assert(isnan(dec(ST_TY_F8E4M3FNUZ, 0x80)));
  cr_assert_eq(enc(ST_TY_F8E4M3FNUZ, -0.0, true), 0x00);
  cr_assert_eq(enc(ST_TY_F8E4M3FNUZ, -1.0, true), 0xc0); /* bias 8: 1.0 is exponent 8 */
  cr_assert_eq(enc(ST_TY_F8E4M3FNUZ, INFINITY, false), 0x80);
  cr_assert_eq(dec(ST_TY_F8E5M2, 0x7b), 57344.0);
  cr_assert(isinf(dec(ST_TY_F8E5M2, 0x7c)));
  cr_assert(isnan(dec(ST_TY_F8E5M2, 0x7d)));
  cr_assert_eq(enc(ST_TY_F8E5M2, INFINITY, false), 0x7c);
  cr_assert_eq(enc(ST_TY_F8E5M2, 1e6, true), 0x7b);
  cr_assert_eq(enc(ST_TY_F8E5M2, -1e6, false), 0xfc);
  cr_assert_eq(dec(ST_TY_F8E5M2FNUZ, 0x7f), 57344.0);
  cr_assert(isnan(dec(ST_TY_F8E5M2FNUZ, 0x80)));
}

Test(elem, e8m0_and_fp4) {
  cr_assert_eq(dec(ST_TY_F8E8M0FNU, 0x7f), 1.0);
  cr_assert_eq(dec(ST_TY_F8E8M0FNU, 0x00), ldexp(1, -127));
  cr_assert(isnan(dec(ST_TY_F8E8M0FNU, 0xff)));
  cr_assert_eq(enc(ST_TY_F8E8M0FNU, 4.0, true), 0x81);
  cr_assert_eq(enc(ST_TY_F8E8M0FNU, 3.5, true), 0x81); /* nearer 4 than 2 */
  cr_assert_eq(dec(ST_TY_F4E2M1FN, 0x7), 6.0);
  cr_assert_eq(dec(ST_TY_F4E2M1FN, 0x1), 0.5);
  cr_assert_eq(dec(ST_TY_F4E2M1FN, 0xb), -1.5);
  cr_assert_eq(enc(ST_TY_F4E2M1FN, 5.0, true), 0x6); /* tie between 4 and 6: to even */
  cr_assert_eq(enc(ST_TY_F4E2M1FN, -100.0, false), 0xf); /* no Inf or NaN: saturates */
  cr_assert_eq(enc(ST_TY_F4E2M1FN, NAN, true), 0x8);     /* no NaN: -0, as ml_dtypes */
  /* Every code decodes and encodes back to itself. */
  const st_type_kind kinds[] = {ST_TY_F8E4M3FN, ST_TY_F8E4M3FNUZ, ST_TY_F8E5M2, ST_TY_F8E5M2FNUZ, ST_TY_F8E8M0FNU};
  for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++)
    for (unsigned c = 0; c < 256; c++) {
      double v = dec(kinds[k], c);
      if (isnan(v) || ((kinds[k] == ST_TY_F8E4M3FNUZ || kinds[k] == ST_TY_F8E5M2FNUZ) && c == 0x80)) continue;
      cr_assert_eq(enc(kinds[k], v, false), c, "kind %d code 0x%02x -> %g", kinds[k], c, v);
    }
  for (unsigned c = 0; c < 16; c++) cr_assert_eq(enc(ST_TY_F4E2M1FN, dec(ST_TY_F4E2M1FN, c), true), c);
}

Test(elem, loads_and_stores) {
  st_type t8 = {.kind = ST_TY_F8E4M3FN}, i4 = {.kind = ST_TY_I4}, u2 = {.kind = ST_TY_U2}, f16 = {.kind = ST_TY_F16};
  uint8_t buf[4] = {0};
  st_elem_store_f(&t8, buf, 1, 3.0);
  cr_assert_eq(st_elem_load_f(&t8, buf, 1), 3.0);
  st_elem_store_i(&i4, buf, 0, 8); /* wraps to -8 */
  cr_assert_eq(st_elem_load_i(&i4, buf, 0), -8);
  st_elem_store_i(&u2, buf, 2, 7);
  cr_assert_eq(st_elem_load_i(&u2, buf, 2), 3);
  uint16_t h[2];
  st_elem_store_f(&f16, h, 0, 65520.0); /* rounds up past the largest half: infinity */
  cr_assert(isinf(st_elem_load_f(&f16, h, 0)));
  st_elem_store_f(&f16, h, 1, ldexp(1, -24)); /* smallest subnormal half */
  cr_assert_eq(st_elem_load_f(&f16, h, 1), ldexp(1, -24));
}
