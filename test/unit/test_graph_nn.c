/* Unit tests of the nn op family: window geometry of pooling (ceil mode,
 * auto_pad, count_include_pad, argmax indices), transposed convolution,
 * Einsum, Attention (GQA, causal mask, KV cache) and the recurrent cells on
 * small hand-computed cases. */
#include <math.h>

#include "ir/dialects/graph_nn.h"
#include "graph_test_util.h"

TestSuite(graph_nn, .init = setup, .fini = teardown);

static const st_type *f32(unsigned rank, const st_dim *dims) { return tensor(ST_TY_F32, rank, dims); }

static const st_attr *ints(unsigned n, const int64_t *v) { return st_attr_int_array(mod, n, v); }
static const st_attr *i64(int64_t v) { return st_attr_int(mod, NULL, v); }

static void expect_close(const float *got, const float *want, int n) {
  for (int i = 0; i < n; i++) cr_expect(fabsf(got[i] - want[i]) < 1e-5f, "element %d: got %g, want %g", i, got[i], want[i]);
}

Test(graph_nn, max_pool_ceil_and_indices) {
  /* 1x1x4x4, kernel 3, stride 2, ceil mode: out 2x2 (the last windows are
   * clipped at the border). */
  st_dim dims[4] = {1, 1, 4, 4};
  const st_type *t = f32(4, dims);
  int64_t k[2] = {3, 3}, s[2] = {2, 2};
  st_named_attr attrs[3] = {{"ceil_mode", i64(1)}, {"kernel_shape", ints(2, k)}, {"strides", ints(2, s)}};
  st_op *op = make_of_types(&st_graph_max_pool_def, 1, &t, 2, 3, attrs);
  cr_assert(op);
  cr_expect_eq(op->results[0].type->u.shaped.dims[2], 2);
  cr_expect_eq(st_type_elem(op->results[1].type)->kind, ST_TY_I64);
  float x[16], y[4];
  int64_t idx[4];
  for (int i = 0; i < 16; i++) x[i] = (float)((i * 7) % 16);
  cr_assert(run(op, (const void *[]){x}, (void *[]){y, idx}));
  /* window (0..2, 0..2): values 0,7,14,12,3,10,8,15,6 -> 15 at (2,1) = 9 */
  cr_expect_eq(y[0], 15.0f);
  cr_expect_eq(idx[0], 9);
  /* window (2..3, 2..3): 6,13,2,9 -> 13 at (2,3) = 11 */
  cr_expect_eq(y[3], 13.0f);
  cr_expect_eq(idx[3], 11);
}

Test(graph_nn, average_pool_pads_count_include_pad) {
  st_dim dims[3] = {1, 1, 3};
  const st_type *t = f32(3, dims);
  int64_t k[1] = {2}, p[2] = {1, 1};
  st_named_attr attrs[3] = {{"count_include_pad", i64(1)}, {"kernel_shape", ints(1, k)}, {"pads", ints(2, p)}};
  st_op *op = make_of_types(&st_graph_average_pool_def, 1, &t, 1, 3, attrs);
  cr_assert(op);
  cr_expect_eq(op->results[0].type->u.shaped.dims[2], 4);
  float x[3] = {2, 4, 6}, y[4], want[4] = {1, 3, 5, 3};
  cr_assert(run(op, (const void *[]){x}, (void *[]){y}));
  expect_close(y, want, 4);
  st_named_attr excl[2] = {{"kernel_shape", ints(1, k)}, {"pads", ints(2, p)}};
  op = make_of_types(&st_graph_average_pool_def, 1, &t, 1, 2, excl);
  float want2[4] = {2, 3, 5, 6};
  cr_assert(run(op, (const void *[]){x}, (void *[]){y}));
  expect_close(y, want2, 4);
}

Test(graph_nn, pool_same_upper) {
  st_dim dims[3] = {1, 1, 5};
  const st_type *t = f32(3, dims);
  int64_t k[1] = {2}, s[1] = {2};
  st_named_attr attrs[3] = {{"auto_pad", st_attr_string(mod, "SAME_UPPER", 10)}, {"kernel_shape", ints(1, k)},
                            {"strides", ints(1, s)}};
  st_op *op = make_of_types(&st_graph_max_pool_def, 1, &t, 1, 3, attrs);
  cr_assert(op);
  cr_expect_eq(op->results[0].type->u.shaped.dims[2], 3);
  float x[5] = {1, 5, 2, 3, 4}, y[3], want[3] = {5, 3, 4};
  cr_assert(run(op, (const void *[]){x}, (void *[]){y}));
  expect_close(y, want, 3);
}

Test(graph_nn, conv_transpose_stride) {
  /* 1-D: x = [1, 2], w = [1, 1, 1], stride 2 -> [1, 1, 3, 2, 2] */
  st_dim xd[3] = {1, 1, 2}, wd[3] = {1, 1, 3};
  const st_type *types[2] = {f32(3, xd), f32(3, wd)};
  int64_t s[1] = {2};
  st_named_attr attrs[1] = {{"strides", ints(1, s)}};
  st_op *op = make_of_types(&st_graph_conv_transpose_def, 2, types, 1, 1, attrs);
  cr_assert(op);
  cr_assert_eq(op->results[0].type->u.shaped.dims[2], 5);
  float x[2] = {1, 2}, w[3] = {1, 1, 1}, y[5], want[5] = {1, 1, 3, 2, 2};
  cr_assert(run(op, (const void *[]){x, w}, (void *[]){y}));
  expect_close(y, want, 5);
}

Test(graph_nn, einsum_batch_diagonal_and_matmul) {
  st_dim ad[2] = {2, 3}, bd[2] = {3, 2};
  const st_type *types[2] = {f32(2, ad), f32(2, bd)};
  st_named_attr eq = {"equation", st_attr_string(mod, "ij, jk -> ik", 12)};
  st_op *op = make_of_types(&st_graph_einsum_def, 2, types, 1, 1, &eq);
  cr_assert(op);
  float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 1, 1}, y[4], want[4] = {4, 5, 10, 11};
  cr_assert(run(op, (const void *[]){a, b}, (void *[]){y}));
  expect_close(y, want, 4);
  st_dim sd[3] = {2, 2, 2};
  const st_type *st = f32(3, sd);
  st_named_attr diag = {"equation", st_attr_string(mod, "...ii->...i", 11)};
  op = make_of_types(&st_graph_einsum_def, 1, &st, 1, 1, &diag);
  cr_assert(op);
  cr_assert_eq(op->results[0].type->u.shaped.rank, 2);
  float x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, z[4], wz[4] = {1, 4, 5, 8};
  cr_assert(run(op, (const void *[]){x}, (void *[]){z}));
  expect_close(z, wz, 4);
}

Test(graph_nn, attention_causal_gqa) {
  /* B=1, Hq=2, Hkv=1, S=2, D=1: q = k = 0 so scores tie; causal row 0 sees
   * key 0 only, row 1 averages both keys. */
  st_dim qd[4] = {1, 2, 2, 1}, kd[4] = {1, 1, 2, 1};
  const st_type *types[3] = {f32(4, qd), f32(4, kd), f32(4, kd)};
  st_named_attr attrs[1] = {{"is_causal", i64(1)}};
  st_op *op = make_of_types(&st_graph_attention_def, 3, types, 1, 1, attrs);
  cr_assert(op);
  float q[4] = {0}, k[2] = {0}, v[2] = {2, 4}, y[4], want[4] = {2, 3, 2, 3};
  cr_assert(run(op, (const void *[]){q, k, v}, (void *[]){y}));
  expect_close(y, want, 4);
}

Test(graph_nn, attention_past_and_fully_masked_row) {
  st_dim qd[4] = {1, 1, 1, 1}, pd[4] = {1, 1, 1, 1}, md[2] = {1, 2};
  const st_type *types[6] = {f32(4, qd), f32(4, qd), f32(4, qd),
                             tensor(ST_TY_I1, 2, md), f32(4, pd), f32(4, pd)};
  st_op *op = make_of_types(&st_graph_attention_def, 6, types, 3, 0, NULL);
  cr_assert(op);
  cr_expect_eq(op->results[1].type->u.shaped.dims[2], 2);
  float q[1] = {1}, k[1] = {1}, v[1] = {5}, pk[1] = {1}, pv[1] = {7}, y[1], prk[2], prv[2];
  unsigned char none[2] = {0, 0};
  cr_assert(run(op, (const void *[]){q, k, v, none, pk, pv}, (void *[]){y, prk, prv}));
  cr_expect_eq(y[0], 0.0f); /* every key masked: zeros, not NaN */
  cr_expect_eq(prv[0], 7.0f);
  cr_expect_eq(prv[1], 5.0f);
}

Test(graph_nn, rnn_single_step) {
  /* RNN, hidden 1, input 1: h = tanh(w x + r h0 + wb + rb) */
  st_dim xd[3] = {1, 1, 1}, wd[3] = {1, 1, 1}, bd[2] = {1, 2};
  const st_type *types[4] = {f32(3, xd), f32(3, wd), f32(3, wd), f32(2, bd)};
  st_named_attr attrs[1] = {{"hidden_size", i64(1)}};
  st_op *op = make_of_types(&st_graph_rnn_def, 4, types, 2, 1, attrs);
  cr_assert(op);
  float x[1] = {0.5f}, w[1] = {2}, r[1] = {3}, b[2] = {0.25f, 0.25f}, y[1], yh[1];
  cr_assert(run(op, (const void *[]){x, w, r, b}, (void *[]){y, yh}));
  cr_expect(fabsf(y[0] - tanhf(1.5f)) < 1e-6f);
  cr_expect_eq(y[0], yh[0]);
}

Test(graph_nn, det_2x2) {
  st_dim dims[3] = {2, 2, 2};
  const st_type *t = f32(3, dims);
  st_op *op = make_of_types(&st_graph_det_def, 1, &t, 1, 0, NULL);
  cr_assert(op);
  float x[8] = {1, 2, 3, 4, 0, 1, 1, 0}, y[2], want[2] = {-2, -1};
  cr_assert(run(op, (const void *[]){x}, (void *[]){y}));
  expect_close(y, want, 2);
}

Test(graph_nn, col2im_needs_constant_shapes) {
  /* 1 channel, 2x2 blocks over a 2x3 image: 2 blocks, overlapping column 1 */
  st_dim xd[3] = {1, 4, 2};
  int64_t image[2] = {2, 3}, block[2] = {2, 2};
  st_value *ops[3] = {arg(f32(3, xd)), const_ints(2, image), const_ints(2, block)};
  st_op *op = make(&st_graph_col2im_def, 3, ops, 1, 0, NULL);
  cr_assert(op);
  const st_type *res = op->results[0].type;
  cr_assert_eq(res->u.shaped.rank, 4);
  cr_assert_eq(res->u.shaped.dims[3], 3);
  float x[8] = {1, 10, 2, 20, 3, 30, 4, 40}, y[6], want[6] = {1, 12, 20, 3, 34, 40};
  cr_assert(run(op, (const void *[]){x, image, block}, (void *[]){y}));
  expect_close(y, want, 6);
  /* a non-constant image_shape is refused with the operand named */
  st_value *var[3] = {ops[0], arg(ops[1]->type), ops[2]};
  cr_assert_null(make(&st_graph_col2im_def, 3, var, 1, 0, NULL));
  cr_expect(strstr(st_diag_first_error(&last_diag), "image_shape") != NULL);
}
