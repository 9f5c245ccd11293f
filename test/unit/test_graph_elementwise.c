/* Unit tests of the elementwise op family: type rules and interpret hooks on
 * small hand-computed cases (rounding, broadcasting, integer corner cases,
 * float8 and int4 conversions, seeded Dropout). */
#include <math.h>

#include "ir/dialects/graph_elementwise.h"
#include "graph_test_util.h"

TestSuite(graph_elementwise, .init = setup, .fini = teardown);

Test(graph_elementwise, round_halves_to_even) {
  const st_type *t = vec(ST_TY_F32, 6);
  st_op *op = make_of_types(&st_graph_round_def, 1, &t, 1, 0, NULL);
  cr_assert(op);
  float x[6] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 2.4f}, y[6];
  cr_assert(run(op, (const void *[]){x}, (void *[]){y}));
  float want[6] = {0.0f, 2.0f, 2.0f, -0.0f, -2.0f, 2.0f};
  for (int i = 0; i < 6; i++) cr_expect_eq(y[i], want[i], "round(%g) = %g", x[i], y[i]);
}

Test(graph_elementwise, float_only_ops_reject_ints) {
  const st_type *t = vec(ST_TY_I32, 2);
  cr_expect_null(make_of_types(&st_graph_sqrt_def, 1, &t, 1, 0, NULL));
  cr_expect_not_null(make_of_types(&st_graph_abs_def, 1, &t, 1, 0, NULL));
}

Test(graph_elementwise, abs_of_int_min_wraps) {
  const st_type *t = vec(ST_TY_I8, 3);
  st_op *op = make_of_types(&st_graph_abs_def, 1, &t, 1, 0, NULL);
  int8_t x[3] = {-128, -5, 7}, y[3];
  cr_assert(run(op, (const void *[]){x}, (void *[]){y}));
  cr_expect_eq(y[0], -128);
  cr_expect_eq(y[1], 5);
  cr_expect_eq(y[2], 7);
}

Test(graph_elementwise, is_inf_respects_detect_flags) {
  const st_type *t = vec(ST_TY_F32, 3);
  st_op *op = make_of_types(&st_graph_is_inf_def, 1, &t, 1, 1, attr_int("detect_positive", 0));
  cr_assert(op);
  cr_expect_eq(st_type_elem(op->results[0].type)->kind, ST_TY_I1);
  float x[3] = {INFINITY, -INFINITY, NAN};
  uint8_t y[3];
  cr_assert(run(op, (const void *[]){x}, (void *[]){y}));
  cr_expect(y[0] == 0 && y[1] == 1 && y[2] == 0);
}

Test(graph_elementwise, gelu_tanh_differs_from_erf) {
  const st_type *t = vec(ST_TY_F64, 1);
  st_op *exact = make_of_types(&st_graph_gelu_def, 1, &t, 1, 0, NULL);
  st_op *approx = make_of_types(&st_graph_gelu_def, 1, &t, 1, 1, attr_str("approximate", "tanh"));
  double x = 1.0, a, b;
  cr_assert(run(exact, (const void *[]){&x}, (void *[]){&a}));
  cr_assert(run(approx, (const void *[]){&x}, (void *[]){&b}));
  cr_expect(fabs(a - 0.8413447460685429) < 1e-12);
  cr_expect(fabs(b - 0.8411919906082768) < 1e-12);
}

Test(graph_elementwise, mod_sign_follows_divisor) {
  const st_type *t = vec(ST_TY_I32, 4);
  const st_type *types[2] = {t, t};
  st_op *op = make_of_types(&st_graph_mod_def, 2, types, 1, 0, NULL);
  st_op *fop = make_of_types(&st_graph_mod_def, 2, types, 1, 1, attr_int("fmod", 1));
  int32_t a[4] = {-7, 7, -7, 5}, b[4] = {3, -3, -3, 0}, y[4], z[4];
  cr_assert(run(op, (const void *[]){a, b}, (void *[]){y}));
  cr_assert(run(fop, (const void *[]){a, b}, (void *[]){z}));
  int32_t want[4] = {2, -2, -1, 0}, fwant[4] = {-1, 1, -1, 0};
  for (int i = 0; i < 4; i++) {
    cr_expect_eq(y[i], want[i], "%d mod %d = %d", a[i], b[i], y[i]);
    cr_expect_eq(z[i], fwant[i], "%d fmod %d = %d", a[i], b[i], z[i]);
  }
}

Test(graph_elementwise, pow_mixed_types_keep_base_type) {
  const st_type *types[2] = {vec(ST_TY_I32, 3), vec(ST_TY_F32, 3)};
  st_op *op = make_of_types(&st_graph_pow_def, 2, types, 1, 0, NULL);
  cr_assert(op);
  cr_expect_eq(op->results[0].type, types[0]);
  int32_t a[3] = {1, 2, 3}, y[3];
  float b[3] = {4, 5, 6};
  cr_assert(run(op, (const void *[]){a, b}, (void *[]){y}));
  cr_expect(y[0] == 1 && y[1] == 32 && y[2] == 729);
}

Test(graph_elementwise, compare_broadcasts_to_i1) {
  st_dim d23[2] = {2, 3};
  const st_type *types[2] = {tensor(ST_TY_U64, 2, d23), vec(ST_TY_U64, 3)};
  st_op *op = make_of_types(&st_graph_less_def, 2, types, 1, 0, NULL);
  cr_assert(op);
  cr_expect_eq(op->results[0].type, tensor(ST_TY_I1, 2, d23));
  uint64_t a[6] = {1, UINT64_MAX, 3, 0, 5, 9}, b[3] = {2, 2, 2};
  uint8_t y[6];
  cr_assert(run(op, (const void *[]){a, b}, (void *[]){y}));
  uint8_t want[6] = {1, 0, 0, 1, 0, 0};
  for (int i = 0; i < 6; i++) cr_expect_eq(y[i], want[i], "element %d", i);
}

Test(graph_elementwise, bit_shift_full_width_is_zero) {
  const st_type *t = vec(ST_TY_U8, 3);
  const st_type *types[2] = {t, t};
  st_op *op = make_of_types(&st_graph_bit_shift_def, 2, types, 1, 1, attr_str("direction", "LEFT"));
  uint8_t a[3] = {1, 0x81, 1}, b[3] = {3, 1, 8}, y[3];
  cr_assert(run(op, (const void *[]){a, b}, (void *[]){y}));
  cr_expect(y[0] == 8 && y[1] == 2 && y[2] == 0);
}

Test(graph_elementwise, variadic_max_and_mean) {
  st_dim d21[2] = {2, 1};
  const st_type *types[3] = {vec(ST_TY_F32, 3), tensor(ST_TY_F32, 2, d21), vec(ST_TY_F32, 1)};
  st_op *mx = make_of_types(&st_graph_max_def, 3, types, 1, 0, NULL);
  st_op *mean = make_of_types(&st_graph_mean_def, 3, types, 1, 0, NULL);
  cr_assert(mx && mean);
  st_dim d23[2] = {2, 3};
  cr_expect_eq(mx->results[0].type, tensor(ST_TY_F32, 2, d23));
  float a[3] = {1, 5, NAN}, b[2] = {2, 6}, c[1] = {3}, y[6], z[6];
  cr_assert(run(mx, (const void *[]){a, b, c}, (void *[]){y}));
  cr_assert(run(mean, (const void *[]){a, b, c}, (void *[]){z}));
  cr_expect(y[0] == 3 && y[1] == 5 && isnan(y[2]) && y[3] == 6 && y[4] == 6);
  cr_expect(z[0] == 2 && fabsf(z[4] - 14.0f / 3) < 1e-6f);
}

Test(graph_elementwise, where_broadcasts_three_ways) {
  st_dim d21[2] = {2, 1};
  const st_type *types[3] = {tensor(ST_TY_I1, 2, d21), vec(ST_TY_I64, 2), vec(ST_TY_I64, 1)};
  st_op *op = make_of_types(&st_graph_where_def, 3, types, 1, 0, NULL);
  cr_assert(op);
  uint8_t c[2] = {1, 0};
  int64_t x[2] = {10, 20}, y[1] = {-1}, out[4];
  cr_assert(run(op, (const void *[]){c, x, y}, (void *[]){out}));
  cr_expect(out[0] == 10 && out[1] == 20 && out[2] == -1 && out[3] == -1);
}

Test(graph_elementwise, clip_min_above_max_gives_max) {
  const st_type *types[3] = {vec(ST_TY_F32, 3), tensor(ST_TY_F32, 0, NULL), tensor(ST_TY_F32, 0, NULL)};
  st_op *op = make_of_types(&st_graph_clip_def, 3, types, 1, 0, NULL);
  cr_assert(op);
  float x[3] = {-5, 0, 5}, lo = 2, hi = 1, y[3];
  cr_assert(run(op, (const void *[]){x, &lo, &hi}, (void *[]){y}));
  cr_expect(y[0] == 1 && y[1] == 1 && y[2] == 1);
}

Test(graph_elementwise, cast_to_float8_saturates) {
  const st_type *t = vec(ST_TY_F32, 6);
  st_named_attr to = {"to", st_attr_int(mod, NULL, 17)};
  st_op *op = make_of_types(&st_graph_cast_def, 1, &t, 1, 1, &to);
  cr_assert(op);
  cr_expect_eq(st_type_elem(op->results[0].type)->kind, ST_TY_F8E4M3FN);
  /* Values and codes from the ONNX Cast conformance test. */
  float x[6] = {0.4789254665374756f, 0.4996848702430725f, 1e6f, NAN, -INFINITY, -1e-7f};
  uint8_t y[6], want[6] = {0x2f, 0x30, 0x7e, 0x7f, 0xfe, 0x80};
  cr_assert(run(op, (const void *[]){x}, (void *[]){y}));
  for (int i = 0; i < 6; i++) cr_expect_eq(y[i], want[i], "element %d: %02x", i, y[i]);
  cr_expect_eq(st_small_float_decode(ST_TY_F8E4M3FN, 0x2f), 0.46875);
  cr_expect_eq(st_small_float_decode(ST_TY_F8E5M2, 0x7b), 57344.0);
  cr_expect_eq(st_small_float_encode(ST_TY_F8E5M2, 1e6, false), 0x7c);
}

Test(graph_elementwise, cast_float_to_int4_wraps) {
  const st_type *t = vec(ST_TY_F32, 4);
  st_named_attr to = {"to", st_attr_int(mod, NULL, 22)};
  st_op *op = make_of_types(&st_graph_cast_def, 1, &t, 1, 1, &to);
  float x[4] = {-9, -8, 7, 8};
  int8_t y[4];
  cr_assert(run(op, (const void *[]){x}, (void *[]){y}));
  cr_expect(y[0] == 7 && y[1] == -8 && y[2] == 7 && y[3] == -8);
}

Test(graph_elementwise, cast_double_to_half_rounds_once) {
  const st_type *t = vec(ST_TY_F64, 1);
  st_named_attr to = {"to", st_attr_int(mod, NULL, 10)};
  st_op *op = make_of_types(&st_graph_cast_def, 1, &t, 1, 1, &to);
  /* Halfway between halves 1 and 1+2^-10, plus a hair below float precision:
   * rounding through float first would land on the tie and round to even. */
  double x = 1.0 + 0x1p-11 + 0x1p-40;
  uint16_t y;
  cr_assert(run(op, (const void *[]){&x}, (void *[]){&y}));
  cr_expect_eq(y, 0x3c01);
}

Test(graph_elementwise, dropout_training_is_seeded) {
  const st_type *types[3] = {vec(ST_TY_F32, 4), tensor(ST_TY_F32, 0, NULL), tensor(ST_TY_I1, 0, NULL)};
  st_op *op = make_of_types(&st_graph_dropout_def, 3, types, 2, 1, attr_int("seed", 0));
  cr_assert(op);
  cr_expect_eq(op->results[1].type, vec(ST_TY_I1, 4));
  /* numpy.random.RandomState(0).uniform(size=4) = 0.5488, 0.7152, 0.6028, 0.5449 */
  float x[4] = {1, 2, 3, 4}, ratio = 0.6f, y[4];
  uint8_t train = 1, mask[4];
  cr_assert(run(op, (const void *[]){x, &ratio, &train}, (void *[]){y, mask}));
  cr_expect(mask[0] == 0 && mask[1] == 1 && mask[2] == 1 && mask[3] == 0);
  cr_expect(y[0] == 0 && fabsf(y[1] - 5.0f) < 1e-5f);
  train = 0;
  cr_assert(run(op, (const void *[]){x, &ratio, &train}, (void *[]){y, mask}));
  cr_expect(y[3] == 4 && mask[0] == 1);
}
