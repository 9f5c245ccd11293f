/* Unit tests of the extra op family (graph_extra*.c) and the detection ops
 * of the nn family on small hand-computed cases: BitCast's bit patterns,
 * TensorScatter's circular writes and its index check, TfIdfVectorizer's
 * skip-grams, Unique's groups and its check against the carried shape,
 * LinearAttention's recurrence, CausalConvWithState's carried state,
 * FlexAttention's halves, RoiAlign and NonMaxSuppression. */
#include <math.h>

#include "ir/dialects/graph_extra.h"
#include "ir/dialects/graph_nn.h"
#include "graph_test_util.h"

TestSuite(graph_extra, .init = setup, .fini = teardown);

static const st_type *f32(unsigned rank, const st_dim *dims) { return tensor(ST_TY_F32, rank, dims); }

Test(graph_extra, bitcast_float_bits_and_width_check) {
  const st_type *t = vec(ST_TY_F32, 2);
  st_op *op = make_of_types(&st_graph_bitcast_def, 1, &t, 1, 1, attr_int("to", 6));
  cr_assert(op);
  cr_expect_eq(st_type_elem(op->results[0].type)->kind, ST_TY_I32);
  float x[2] = {1.0f, -2.0f};
  int32_t y[2];
  cr_assert(run(op, (const void *[]){x}, (void *[]){y}));
  cr_expect_eq(y[0], 0x3F800000);
  cr_expect_eq((uint32_t)y[1], 0xC0000000u);
  /* float32 -> int64 changes the width */
  cr_expect_null(make_of_types(&st_graph_bitcast_def, 1, &t, 1, 1, attr_int("to", 7)));
  cr_expect(strstr(st_diag_first_error(&last_diag), "widths must match"));
}

Test(graph_extra, tensor_scatter_circular_and_bounds) {
  st_dim cd[3] = {1, 3, 1}, ud[3] = {1, 2, 1};
  int64_t wi = 2;
  st_value *ops[3] = {arg(f32(3, cd)), arg(f32(3, ud)), constant(vec(ST_TY_I64, 1), &wi)};
  st_named_attr attrs[2] = {*attr_int("axis", 1), *attr_str("mode", "circular")};
  st_op *op = make(&st_graph_tensor_scatter_def, 3, ops, 1, 2, attrs);
  cr_assert(op);
  float past[3] = {1, 2, 3}, upd[2] = {8, 9}, out[3];
  cr_assert(run(op, (const void *[]){past, upd, NULL}, (void *[]){out}));
  /* positions 2 and 3 mod 3 = 0 */
  cr_expect(out[0] == 9 && out[1] == 2 && out[2] == 8);
  st_op *lin = make(&st_graph_tensor_scatter_def, 3, ops, 1, 1, attr_int("axis", 1));
  cr_assert(lin);
  cr_expect_not(run(lin, (const void *[]){past, upd, NULL}, (void *[]){out}));
  cr_expect(strstr(st_diag_first_error(&last_diag), "outside the cache"));
}

Test(graph_extra, tfidf_skip_bigrams) {
  /* pool: unigram 7; bigram (1, 2); skips up to 1 */
  int64_t pool[3] = {7, 1, 2}, counts[2] = {0, 1}, idx[2] = {1, 0};
  st_named_attr attrs[7] = {*attr_int("min_gram_length", 1), *attr_int("max_gram_length", 2),
                            *attr_int("max_skip_count", 1), *attr_str("mode", "TF"),
                            {"pool_int64s", st_attr_int_array(mod, 3, pool)},
                            {"ngram_counts", st_attr_int_array(mod, 2, counts)},
                            {"ngram_indexes", st_attr_int_array(mod, 2, idx)}};
  const st_type *t = vec(ST_TY_I32, 5);
  st_op *op = make_of_types(&st_graph_tfidf_vectorizer_def, 1, &t, 1, 7, attrs);
  cr_assert(op);
  int32_t x[5] = {1, 2, 7, 2, 7};
  float y[2];
  cr_assert(run(op, (const void *[]){x}, (void *[]){y}));
  /* (1,2) at skip 0; (1,7) at skip 1 is not pooled -> 1; unigram 7 twice */
  cr_expect_eq(y[0], 1.0f);
  cr_expect_eq(y[1], 2.0f);
}

static st_op *unique_op(st_value *x, st_dim U, bool sorted) {
  st_dim n = st_type_num_elements(x->type);
  const st_type *types[4] = {vec(ST_TY_F32, U), vec(ST_TY_I64, U), vec(ST_TY_I64, n), vec(ST_TY_I64, U)};
  st_op_state s = {.def = &st_graph_unique_def, .num_operands = 1, .operands = &x, .num_results = 4,
                   .result_types = types, .num_attrs = 1, .attrs = attr_int("sorted", sorted)};
  return st_op_create(mod, &s);
}

Test(graph_extra, unique_unsorted_and_count_check) {
  st_value *x = arg(vec(ST_TY_F32, 6));
  st_op *op = unique_op(x, 4, false);
  cr_assert(st_graph_unique_def.verify(op, &last_diag));
  float in[6] = {2, 1, 1, 3, 4, 3}, y[4];
  int64_t first[4], inv[6], cnt[4];
  cr_assert(run(op, (const void *[]){in}, (void *[]){y, first, inv, cnt}));
  cr_expect(y[0] == 2 && y[1] == 1 && y[2] == 3 && y[3] == 4);
  cr_expect(first[1] == 1 && first[2] == 3 && inv[5] == 2 && cnt[1] == 2 && cnt[3] == 1);
  st_op *sorted = unique_op(x, 4, true);
  cr_assert(run(sorted, (const void *[]){in}, (void *[]){y, first, inv, cnt}));
  cr_expect(y[0] == 1 && y[3] == 4 && inv[0] == 1);
  st_op *wrong = unique_op(x, 3, true);
  cr_expect_not(run(wrong, (const void *[]){in}, (void *[]){y, first, inv, cnt}));
  cr_expect(strstr(st_diag_first_error(&last_diag), "finds 4 unique values"));
}

Test(graph_extra, linear_attention_linear_rule) {
  /* B=1, T=2, one head, d_k = d_v = 1, scale 1: S1 = k1 v1, S2 = S1 + k2 v2 */
  st_dim d3[3] = {1, 2, 1};
  const st_type *t = f32(3, d3), *types[3] = {t, t, t};
  st_named_attr attrs[4] = {*attr_int("q_num_heads", 1), *attr_int("kv_num_heads", 1),
                            *attr_str("update_rule", "linear"), *attr_float("scale", 1.0)};
  st_op *op = make_of_types(&st_graph_linear_attention_def, 3, types, 2, 4, attrs);
  cr_assert(op);
  float q[2] = {1, 2}, k[2] = {3, 4}, v[2] = {5, 6}, o[2], s[1];
  cr_assert(run(op, (const void *[]){q, k, v}, (void *[]){o, s}));
  cr_expect_eq(o[0], 15.0f);
  cr_expect_eq(s[0], 39.0f);
  cr_expect_eq(o[1], 78.0f);
  /* the delta rule needs beta */
  st_named_attr delta[3] = {attrs[0], attrs[1], *attr_str("update_rule", "delta")};
  cr_expect_null(make_of_types(&st_graph_linear_attention_def, 3, types, 2, 3, delta));
}

Test(graph_extra, causal_conv_carries_state) {
  st_dim xd[3] = {1, 1, 2}, wd[3] = {1, 1, 3}, pd[3] = {1, 1, 2};
  st_value *ops[4] = {arg(f32(3, xd)), arg(f32(3, wd)), NULL, arg(f32(3, pd))};
  const st_type *none = st_type_scalar(ctx, ST_TY_NONE);
  st_op_state ns = {.def = &st_graph_none_def, .num_results = 1, .result_types = &none};
  ops[2] = &st_op_create(mod, &ns)->results[0];
  st_op *op = make(&st_graph_causal_conv_with_state_def, 4, ops, 2, 0, NULL);
  cr_assert(op);
  float x[2] = {3, 4}, w[3] = {1, 10, 100}, past[2] = {1, 2}, y[2], st[2];
  cr_assert(run(op, (const void *[]){x, w, NULL, past}, (void *[]){y, st}));
  cr_expect_eq(y[0], 1 + 20 + 300.0f);
  cr_expect_eq(y[1], 2 + 30 + 400.0f);
  cr_expect(st[0] == 3 && st[1] == 4);
}

Test(graph_extra, flex_halves_with_grouped_heads) {
  /* two query heads share one kv head; E = 1, S = 2 */
  st_dim qd[4] = {1, 2, 1, 1}, kd[4] = {1, 1, 2, 1};
  const st_type *qk[2] = {f32(4, qd), f32(4, kd)};
  st_op *sc = make_of_types(&st_graph_flex_scores_def, 2, qk, 1, 1, attr_float("scale", 0.5));
  cr_assert(sc);
  float q[2] = {1, 2}, k[2] = {3, 4}, s[4];
  cr_assert(run(sc, (const void *[]){q, k}, (void *[]){s}));
  cr_expect(s[0] == 1.5f && s[1] == 2.0f && s[2] == 3.0f && s[3] == 4.0f);
  st_value *ops[2] = {&sc->results[0], arg(f32(4, kd))};
  st_op *ap = make(&st_graph_flex_apply_def, 2, ops, 1, 0, NULL);
  cr_assert(ap);
  float p[4] = {0.25f, 0.75f, 1, 0}, v[2] = {4, 8}, o[2];
  cr_assert(run(ap, (const void *[]){p, v}, (void *[]){o}));
  cr_expect(o[0] == 7.0f && o[1] == 4.0f);
}

Test(graph_extra, roi_align_checks_batch_index) {
  st_dim xd[4] = {1, 1, 2, 2}, rd[2] = {1, 4};
  const st_type *types[3] = {f32(4, xd), f32(2, rd), vec(ST_TY_I64, 1)};
  st_op *op = make_of_types(&st_graph_roi_align_def, 3, types, 1, 1, attr_str("coordinate_transformation_mode", "output_half_pixel"));
  cr_assert(op);
  float x[4] = {1, 2, 3, 4}, roi[4] = {0, 0, 1, 1}, y[1];
  int64_t bi = 0;
  cr_assert(run(op, (const void *[]){x, roi, &bi}, (void *[]){y}));
  /* one sample at (0.5, 0.5): the mean of the four pixels */
  cr_expect(fabsf(y[0] - 2.5f) < 1e-6f);
  bi = 3;
  cr_expect_not(run(op, (const void *[]){x, roi, &bi}, (void *[]){y}));
  cr_expect(strstr(st_diag_first_error(&last_diag), "batch index 3"));
}

Test(graph_extra, nms_suppresses_overlaps) {
  st_dim bd[3] = {1, 3, 4}, sd[3] = {1, 1, 3}, rd[2] = {2, 3};
  int64_t max_out = 3;
  float iou = 0.5f;
  st_value *ops[4] = {arg(f32(3, bd)), arg(f32(3, sd)), constant(vec(ST_TY_I64, 1), &max_out),
                      constant(vec(ST_TY_F32, 1), &iou)};
  const st_type *rt = tensor(ST_TY_I64, 2, rd);
  st_op_state s = {.def = &st_graph_non_max_suppression_def, .num_operands = 4, .operands = ops, .num_results = 1,
                   .result_types = &rt};
  st_op *op = st_op_create(mod, &s);
  cr_assert(st_graph_non_max_suppression_def.verify(op, &last_diag));
  /* box 1 overlaps box 0 (IoU 0.9), box 2 is apart */
  float boxes[12] = {0, 0, 1, 1, 0, 0, 1, 0.9f, 5, 5, 6, 6}, scores[3] = {0.9f, 0.8f, 0.7f};
  int64_t sel[6];
  cr_assert(run(op, (const void *[]){boxes, scores, NULL, NULL}, (void *[]){sel}));
  cr_expect(sel[2] == 0 && sel[5] == 2);
}
