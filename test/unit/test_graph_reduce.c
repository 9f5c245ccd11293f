/* Unit tests of the reduce op family: type rules and interpret hooks on
 * small hand-computed cases (axes and keepdims, empty sets, softmax rows,
 * normalisation statistics, loss reductions with ignore_index, quantisation
 * rounding and saturation, integer matrix products). */
#include <math.h>

#include "ir/dialects/graph_reduce.h"
#include "graph_test_util.h"

TestSuite(graph_reduce, .init = setup, .fini = teardown);

/* ---- reductions ---- */

Test(graph_reduce, sum_over_axis_keepdims) {
  st_dim dims[3] = {2, 2, 2};
  int64_t ax = -2;
  st_value *ops[2] = {arg(tensor(ST_TY_F32, 3, dims)), const_ints(1, &ax)};
  st_op *op = make(&st_graph_reduce_sum_def, 2, ops, 1, 0, NULL);
  cr_assert(op);
  const st_type *rt = op->results[0].type;
  cr_assert_eq(rt->u.shaped.rank, 3);
  cr_assert_eq(rt->u.shaped.dims[1], 1);
  float x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, y[4];
  cr_assert(run(op, (const void *[]){x, &ax}, (void *[]){y}));
  cr_assert_eq(y[0], 4);
  cr_assert_eq(y[1], 6);
  cr_assert_eq(y[2], 12);
  cr_assert_eq(y[3], 14);
}

Test(graph_reduce, mean_all_axes_no_keepdims) {
  st_dim dims[2] = {2, 3};
  st_value *x = arg(tensor(ST_TY_F32, 2, dims));
  st_named_attr a = *attr_int("keepdims", 0);
  st_op *op = make(&st_graph_reduce_mean_def, 1, &x, 1, 1, &a);
  cr_assert(op);
  cr_assert_eq(op->results[0].type->u.shaped.rank, 0);
  float in[6] = {1, 2, 3, 4, 5, 6}, y;
  cr_assert(run(op, (const void *[]){in}, (void *[]){&y}));
  cr_assert_float_eq(y, 3.5f, 1e-6);
}

Test(graph_reduce, empty_sets_give_identities) {
  st_dim dims[2] = {2, 0};
  int64_t ax = 1;
  st_value *ops[2] = {arg(tensor(ST_TY_F32, 2, dims)), const_ints(1, &ax)};
  float y[2];
  st_op *mx = make(&st_graph_reduce_max_def, 2, ops, 1, 0, NULL);
  cr_assert(run(mx, (const void *[]){NULL, &ax}, (void *[]){y}));
  cr_assert(isinf(y[0]) && y[0] < 0);
  st_op *pr = make(&st_graph_reduce_prod_def, 2, ops, 1, 0, NULL);
  cr_assert(run(pr, (const void *[]){NULL, &ax}, (void *[]){y}));
  cr_assert_eq(y[1], 1.0f);
  st_op *ls = make(&st_graph_reduce_log_sum_exp_def, 2, ops, 1, 0, NULL);
  cr_assert(run(ls, (const void *[]){NULL, &ax}, (void *[]){y}));
  cr_assert(isinf(y[0]) && y[0] < 0);
}

Test(graph_reduce, noop_with_empty_axes_reduces_each_element) {
  st_value *x = arg(vec(ST_TY_F32, 3));
  st_named_attr a = *attr_int("noop_with_empty_axes", 1);
  st_op *op = make(&st_graph_reduce_sum_square_def, 1, &x, 1, 1, &a);
  cr_assert(op);
  cr_assert_eq(op->results[0].type, x->type);
  float in[3] = {1, -2, 3}, y[3];
  cr_assert(run(op, (const void *[]){in}, (void *[]){y}));
  cr_assert_eq(y[1], 4);
  cr_assert_eq(y[2], 9);
}

Test(graph_reduce, bool_max_and_int_min) {
  st_dim dims[2] = {2, 2};
  int64_t ax = 1;
  st_value *ops[2] = {arg(tensor(ST_TY_I1, 2, dims)), const_ints(1, &ax)};
  st_op *op = make(&st_graph_reduce_max_def, 2, ops, 1, 0, NULL);
  uint8_t b[4] = {0, 1, 0, 0}, y[2];
  cr_assert(run(op, (const void *[]){b, &ax}, (void *[]){y}));
  cr_assert_eq(y[0], 1);
  cr_assert_eq(y[1], 0);
  st_value *iops[2] = {arg(tensor(ST_TY_I32, 2, dims)), ops[1]};
  st_op *mn = make(&st_graph_reduce_min_def, 2, iops, 1, 0, NULL);
  int32_t xi[4] = {5, -7, 3, 2}, yi[2];
  cr_assert(run(mn, (const void *[]){xi, &ax}, (void *[]){yi}));
  cr_assert_eq(yi[0], -7);
  cr_assert_eq(yi[1], 2);
}

Test(graph_reduce, non_constant_axes_are_rejected) {
  st_value *ops[2] = {arg(vec(ST_TY_F32, 3)), arg(vec(ST_TY_I64, 1))};
  cr_assert_null(make(&st_graph_reduce_sum_def, 2, ops, 1, 0, NULL));
  int64_t bad = 3;
  ops[1] = const_ints(1, &bad);
  cr_assert_null(make(&st_graph_reduce_sum_def, 2, ops, 1, 0, NULL));
}

/* ---- softmax family ---- */

Test(graph_reduce, softmax_log_softmax_hardmax_rows) {
  st_dim dims[2] = {2, 3};
  st_value *x = arg(tensor(ST_TY_F32, 2, dims));
  float in[6] = {1, 2, 3, 1000, 1000, 1000}, y[6];
  st_op *sm = make(&st_graph_softmax_def, 1, &x, 1, 0, NULL);
  cr_assert(run(sm, (const void *[]){in}, (void *[]){y}));
  cr_assert_float_eq(y[2], 0.66524096f, 1e-6);
  cr_assert_float_eq(y[4], 1.0f / 3, 1e-6);
  st_op *ls = make(&st_graph_log_softmax_def, 1, &x, 1, 0, NULL);
  cr_assert(run(ls, (const void *[]){in}, (void *[]){y}));
  cr_assert_float_eq(y[0], -2.40760596f, 1e-5);
  st_named_attr a = *attr_int("axis", 0);
  st_op *hm = make(&st_graph_hardmax_def, 1, &x, 1, 1, &a);
  cr_assert(run(hm, (const void *[]){in}, (void *[]){y}));
  cr_assert_eq(y[0], 0);
  cr_assert_eq(y[3], 1);
}

/* ---- normalisations ---- */

Test(graph_reduce, layer_norm_with_statistics) {
  st_dim dims[2] = {2, 2};
  st_value *ops[3] = {arg(tensor(ST_TY_F32, 2, dims)), arg(vec(ST_TY_F32, 2)), arg(vec(ST_TY_F32, 2))};
  st_named_attr a = *attr_float("epsilon", 0.0);
  st_op *op = make(&st_graph_layer_normalization_def, 3, ops, 3, 1, &a);
  cr_assert(op);
  cr_assert_eq(op->results[1].type->u.shaped.dims[1], 1);
  float x[4] = {1, 3, 2, 2}, s[2] = {2, 1}, b[2] = {0, 10}, y[4], mean[2], inv[2];
  cr_assert(run(op, (const void *[]){x, s, b}, (void *[]){y, mean, inv}));
  cr_assert_float_eq(y[0], -2.0f, 1e-6);
  cr_assert_float_eq(y[1], 11.0f, 1e-6);
  cr_assert_float_eq(mean[0], 2.0f, 1e-6);
  cr_assert_float_eq(inv[0], 1.0f, 1e-6);
}

Test(graph_reduce, batch_norm_inference_and_group_norm) {
  st_dim dims[3] = {1, 2, 2};
  st_value *x = arg(tensor(ST_TY_F32, 3, dims));
  st_value *ops[5] = {x, arg(vec(ST_TY_F32, 2)), arg(vec(ST_TY_F32, 2)), arg(vec(ST_TY_F32, 2)), arg(vec(ST_TY_F32, 2))};
  st_named_attr a = *attr_float("epsilon", 0.0);
  st_op *bn = make(&st_graph_batch_normalization_def, 5, ops, 1, 1, &a);
  cr_assert(bn);
  float in[4] = {1, 2, 3, 4}, sc[2] = {1, 2}, bi[2] = {0, 1}, mu[2] = {1, 3}, var[2] = {4, 1}, y[4];
  cr_assert(run(bn, (const void *[]){in, sc, bi, mu, var}, (void *[]){y}));
  cr_assert_float_eq(y[1], 0.5f, 1e-6);
  cr_assert_float_eq(y[3], 3.0f, 1e-6);
  /* One group over both channels: mean 2.5, variance 1.25. */
  st_named_attr g[2] = {*attr_int("num_groups", 1), *attr_float("epsilon", 0.0)};
  st_value *gops[3] = {x, arg(vec(ST_TY_F32, 1)), arg(vec(ST_TY_F32, 1))};
  st_op *gn = make(&st_graph_group_normalization_def, 3, gops, 1, 2, g);
  cr_assert(gn);
  float one = 1, zero = 0;
  cr_assert(run(gn, (const void *[]){in, &one, &zero}, (void *[]){y}));
  cr_assert_float_eq(y[0], (float)(-1.5 / sqrt(1.25)), 1e-6);
}

Test(graph_reduce, lrn_window) {
  st_dim dims[2] = {1, 3};
  st_value *x = arg(tensor(ST_TY_F32, 2, dims));
  st_named_attr a[4] = {*attr_int("size", 2), *attr_float("alpha", 2.0), *attr_float("beta", 1.0), *attr_float("bias", 1.0)};
  st_op *op = make(&st_graph_lrn_def, 1, &x, 1, 4, a);
  cr_assert(op);
  float in[3] = {1, 2, 3}, y[3];
  cr_assert(run(op, (const void *[]){in}, (void *[]){y}));
  /* size 2: channel c sums c and c + 1. */
  cr_assert_float_eq(y[0], 1.0f / (1 + 1.0f * 5), 1e-6);
  cr_assert_float_eq(y[2], 3.0f / (1 + 1.0f * 9), 1e-6);
}

/* ---- losses ---- */

Test(graph_reduce, nll_mean_with_weights_and_ignore_index) {
  st_dim xd[2] = {3, 2};
  st_value *ops[3] = {arg(tensor(ST_TY_F32, 2, xd)), arg(vec(ST_TY_I64, 3)), arg(vec(ST_TY_F32, 2))};
  st_named_attr a = *attr_int("ignore_index", 1);
  st_op *op = make(&st_graph_negative_log_likelihood_loss_def, 3, ops, 1, 1, &a);
  cr_assert(op);
  cr_assert_eq(op->results[0].type->u.shaped.rank, 0);
  float x[6] = {-1, -2, -3, -4, -5, -6}, w[2] = {2, 3}, y;
  int64_t t[3] = {0, 1, 0};
  cr_assert(run(op, (const void *[]){x, t, w}, (void *[]){&y}));
  cr_assert_float_eq(y, (2 * 1 + 2 * 5) / 4.0f, 1e-6);
  int64_t bad[3] = {0, 2, 2};
  cr_assert_not(run(op, (const void *[]){x, bad, w}, (void *[]){&y}));
}

Test(graph_reduce, sce_none_with_log_prob) {
  st_dim xd[2] = {1, 2};
  st_value *ops[2] = {arg(tensor(ST_TY_F32, 2, xd)), arg(vec(ST_TY_I64, 1))};
  st_named_attr a = *attr_str("reduction", "none");
  st_op *op = make(&st_graph_softmax_cross_entropy_loss_def, 2, ops, 2, 1, &a);
  cr_assert(op);
  float x[2] = {0, 0}, loss, lp[2];
  int64_t t = 1;
  cr_assert(run(op, (const void *[]){x, &t}, (void *[]){&loss, lp}));
  cr_assert_float_eq(loss, (float)log(2.0), 1e-6);
  cr_assert_float_eq(lp[0], (float)-log(2.0), 1e-6);
}

/* ---- quantisation ---- */

Test(graph_reduce, quantize_rounds_half_to_even_and_saturates) {
  st_value *ops[3] = {arg(vec(ST_TY_F32, 5)), arg(scalar(ST_TY_F32)), arg(scalar(ST_TY_U8))};
  st_op *op = make(&st_graph_quantize_linear_def, 3, ops, 1, 0, NULL);
  cr_assert(op);
  cr_assert_eq(op->results[0].type->u.shaped.elem->kind, ST_TY_U8);
  float x[5] = {1, 3, 5, -100, 1000}, s = 2;
  uint8_t zp = 10, y[5];
  cr_assert(run(op, (const void *[]){x, &s, &zp}, (void *[]){y}));
  cr_assert_eq(y[0], 10); /* 0.5 -> 0 */
  cr_assert_eq(y[1], 12); /* 1.5 -> 2 */
  cr_assert_eq(y[2], 12); /* 2.5 -> 2 */
  cr_assert_eq(y[3], 0);
  cr_assert_eq(y[4], 255);
}

Test(graph_reduce, quantize_float8_and_int4) {
  st_value *ops[3] = {arg(vec(ST_TY_F32, 4)), arg(scalar(ST_TY_F32)), arg(scalar(ST_TY_F8E4M3FN))};
  st_op *op = make(&st_graph_quantize_linear_def, 3, ops, 1, 0, NULL);
  cr_assert(op);
  float x[4] = {448, 1000, 0.3f, -INFINITY}, s = 1;
  uint8_t zp = 0, y[4];
  cr_assert(run(op, (const void *[]){x, &s, &zp}, (void *[]){y}));
  cr_assert_eq(y[0], 0x7E);
  cr_assert_eq(y[1], 0x7E);
  cr_assert_eq(y[2], 0x2A); /* 0.3 -> 0.3125 = 1.25 * 2^-2 */
  cr_assert_eq(y[3], 0xFE);
  st_value *iops[3] = {ops[0], ops[1], arg(scalar(ST_TY_I4))};
  st_op *q4 = make(&st_graph_quantize_linear_def, 3, iops, 1, 0, NULL);
  float x4[4] = {-20, 7.5f, 6.5f, 1};
  int8_t zp4 = 0, y4[4];
  cr_assert(run(q4, (const void *[]){x4, &s, &zp4}, (void *[]){y4}));
  cr_assert_eq(y4[0], -8);
  cr_assert_eq(y4[1], 7);
  cr_assert_eq(y4[2], 6);
}

/* The inputs and expected bytes of ONNX's test_quantizelinear_e4m3fn / _e5m2. */
Test(graph_reduce, quantize_float8_onnx_cases) {
  const st_type_kind kinds[2] = {ST_TY_F8E4M3FN, ST_TY_F8E5M2};
  const uint8_t want[2][5] = {{0x00, 0x30, 0x38, 0x7E, 0x6C}, {0x00, 0x38, 0x3C, 0x7A, 0x56}};
  float x[5] = {0, 1, 2, 100000, 200}, s = 2;
  for (int k = 0; k < 2; k++) {
    st_value *ops[3] = {arg(vec(ST_TY_F32, 5)), arg(scalar(ST_TY_F32)), arg(scalar(kinds[k]))};
    st_op *op = make(&st_graph_quantize_linear_def, 3, ops, 1, 0, NULL);
    cr_assert(op);
    uint8_t zp = 0, y[5];
    cr_assert(run(op, (const void *[]){x, &s, &zp}, (void *[]){y}));
    cr_assert_arr_eq(y, want[k], 5);
  }
}

Test(graph_reduce, dequantize_blocked) {
  st_dim xd[2] = {1, 4}, sd[2] = {1, 2};
  st_value *ops[3] = {arg(tensor(ST_TY_U8, 2, xd)), arg(tensor(ST_TY_F32, 2, sd)), arg(tensor(ST_TY_U8, 2, sd))};
  st_named_attr a[2] = {*attr_int("block_size", 2), *attr_int("axis", 1)};
  st_op *op = make(&st_graph_dequantize_linear_def, 3, ops, 1, 2, a);
  cr_assert(op);
  uint8_t x[4] = {1, 2, 3, 4}, zp[2] = {1, 0};
  float s[2] = {0.5f, 2}, y[4];
  cr_assert(run(op, (const void *[]){x, s, zp}, (void *[]){y}));
  cr_assert_float_eq(y[1], 0.5f, 1e-6);
  cr_assert_float_eq(y[3], 8.0f, 1e-6);
}

Test(graph_reduce, dynamic_quantize) {
  st_value *x = arg(vec(ST_TY_F32, 3));
  st_op *op = make(&st_graph_dynamic_quantize_linear_def, 1, &x, 3, 0, NULL);
  cr_assert(op);
  float in[3] = {0, 2, -0.55f}, scale;
  uint8_t y[3], zp;
  cr_assert(run(op, (const void *[]){in}, (void *[]){y, &scale, &zp}));
  cr_assert_float_eq(scale, 2.55f / 255, 1e-7);
  cr_assert_eq(zp, 55);
  cr_assert_eq(y[1], 255);
  cr_assert_eq(y[2], 0);
}

Test(graph_reduce, matmul_integer_and_qlinear_matmul) {
  st_dim ad[2] = {2, 2};
  st_value *ops[4] = {arg(tensor(ST_TY_U8, 2, ad)), arg(tensor(ST_TY_U8, 2, ad)), arg(scalar(ST_TY_U8)),
                      arg(vec(ST_TY_U8, 2))};
  st_op *op = make(&st_graph_matmul_integer_def, 4, ops, 1, 0, NULL);
  cr_assert(op);
  cr_assert_eq(op->results[0].type->u.shaped.elem->kind, ST_TY_I32);
  uint8_t a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, azp = 1, bzp[2] = {5, 0};
  int32_t y[4];
  cr_assert(run(op, (const void *[]){a, b, &azp, bzp}, (void *[]){y}));
  /* (A - 1) = [[0, 1], [2, 3]]; (B - [5, 0]) = [[0, 6], [2, 8]]. */
  cr_assert_eq(y[0], 2);
  cr_assert_eq(y[1], 8);
  cr_assert_eq(y[3], 36);
  st_value *q[8] = {ops[0], arg(scalar(ST_TY_F32)), ops[2], ops[1], arg(scalar(ST_TY_F32)), arg(scalar(ST_TY_U8)),
                    arg(scalar(ST_TY_F32)), arg(scalar(ST_TY_U8))};
  st_op *qm = make(&st_graph_qlinear_matmul_def, 8, q, 1, 0, NULL);
  cr_assert(qm);
  float as = 0.5f, bs = 1, ys = 2;
  uint8_t bz = 5, yz = 100, out[4];
  cr_assert(run(qm, (const void *[]){a, &as, &azp, b, &bs, &bz, &ys, &yz}, (void *[]){out}));
  /* acc = (A - 1)(B - 5) = [[2, 3], [6, 11]], times 0.25, rounded, + 100. */
  cr_assert_eq(out[0], 100); /* 0.5 -> 0 */
  cr_assert_eq(out[1], 101);
  cr_assert_eq(out[2], 102); /* 1.5 -> 2 */
  cr_assert_eq(out[3], 103);
}

Test(graph_reduce, conv_integer_with_padding) {
  st_dim xd[4] = {1, 1, 2, 2}, wd[4] = {1, 1, 2, 2};
  st_value *ops[3] = {arg(tensor(ST_TY_U8, 4, xd)), arg(tensor(ST_TY_U8, 4, wd)), arg(scalar(ST_TY_U8))};
  const st_attr *one[4] = {st_attr_int(mod, NULL, 1), st_attr_int(mod, NULL, 1), st_attr_int(mod, NULL, 1),
                           st_attr_int(mod, NULL, 1)};
  st_named_attr a = {"pads", st_attr_array(mod, 4, one)};
  st_op *op = make(&st_graph_conv_integer_def, 3, ops, 1, 1, &a);
  cr_assert(op);
  cr_assert_eq(op->results[0].type->u.shaped.dims[2], 3);
  uint8_t x[4] = {2, 3, 4, 5}, w[4] = {1, 1, 1, 1}, xzp = 1;
  int32_t y[9];
  cr_assert(run(op, (const void *[]){x, w, &xzp}, (void *[]){y}));
  cr_assert_eq(y[0], 1);
  cr_assert_eq(y[4], 10);
  cr_assert_eq(y[8], 4);
}
