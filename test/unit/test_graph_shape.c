/* Unit tests of the shape op family: type rules that read constant operands
 * (slice clamping, pads, splits, ranges), the diagnostics for non-constant
 * shape operands and out-of-range indices, and interpret hooks on small
 * hand-computed cases (negative steps, pad modes, tie order of TopK and
 * ArgMax, scatter reductions, running sums, depth-to-space, resize). */
#include "ir/dialects/graph_shape.h"
#include "graph_test_util.h"

TestSuite(graph_shape, .init = setup, .fini = teardown);

Test(graph_shape, shape_start_end_clamp) {
  st_dim dims[3] = {2, 3, 4};
  st_value *x = arg(tensor(ST_TY_F32, 3, dims));
  st_named_attr at[2] = {*attr_int("start", -2), *attr_int("end", 10)};
  st_op *op = make(&st_graph_shape_def, 1, &x, 1, 2, at);
  cr_assert(op);
  int64_t out[2] = {0};
  const void *in[1] = {NULL};
  void *o[1] = {out};
  cr_assert(run(op, in, o));
  cr_expect(out[0] == 3 && out[1] == 4);
}

Test(graph_shape, slice_negative_step_and_clamp) {
  st_dim dims[2] = {2, 5};
  st_value *x = arg(tensor(ST_TY_I32, 2, dims));
  int64_t starts[2] = {-1, 100}, ends[2] = {INT64_MIN, -100}, axes[2] = {0, 1}, steps[2] = {-1, -2};
  st_value *ops[5] = {x, const_ints(2, starts), const_ints(2, ends), const_ints(2, axes), const_ints(2, steps)};
  st_op *op = make(&st_graph_slice_def, 5, ops, 1, 0, NULL);
  cr_assert(op, "%s", st_diag_first_error(&last_diag));
  const st_type *t = op->results[0].type;
  cr_assert(t->u.shaped.dims[0] == 2 && t->u.shaped.dims[1] == 3);
  int32_t data[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, out[6];
  const void *in[5] = {data};
  void *o[1] = {out};
  cr_assert(run(op, in, o));
  int32_t want[6] = {9, 7, 5, 4, 2, 0};
  cr_expect(memcmp(out, want, sizeof want) == 0);
}

Test(graph_shape, non_constant_shape_operand_is_diagnosed) {
  st_dim two = 2;
  st_value *ops[2] = {arg(tensor(ST_TY_F32, 1, &two)), arg(tensor(ST_TY_I64, 1, &two))};
  cr_assert_null(make(&st_graph_expand_def, 2, ops, 1, 0, NULL));
  cr_expect(strstr(st_diag_first_error(&last_diag), "'graph.expand' op needs a constant shape operand"));
}

Test(graph_shape, pad_modes) {
  st_dim three = 3;
  st_value *x = arg(tensor(ST_TY_I64, 1, &three));
  int64_t pads[2] = {2, 3}, data[3] = {1, 2, 3}, out[8];
  st_value *ops[2] = {x, const_ints(2, pads)};
  const char *modes[3] = {"reflect", "edge", "wrap"};
  int64_t want[3][8] = {{3, 2, 1, 2, 3, 2, 1, 2}, {1, 1, 1, 2, 3, 3, 3, 3}, {2, 3, 1, 2, 3, 1, 2, 3}};
  for (int m = 0; m < 3; m++) {
    st_op *op = make(&st_graph_pad_def, 2, ops, 1, 1, attr_str("mode", modes[m]));
    cr_assert(op && op->results[0].type->u.shaped.dims[0] == 8);
    const void *in[2] = {data, NULL};
    void *o[1] = {out};
    cr_assert(run(op, in, o));
    cr_expect(memcmp(out, want[m], sizeof out) == 0, "mode %s", modes[m]);
  }
}

Test(graph_shape, split_uneven_num_outputs) {
  st_dim seven = 7;
  st_value *x = arg(tensor(ST_TY_F32, 1, &seven));
  st_op *op = make(&st_graph_split_def, 1, &x, 4, 1, attr_int("num_outputs", 4));
  cr_assert(op);
  cr_expect(op->results[0].type->u.shaped.dims[0] == 2 && op->results[3].type->u.shaped.dims[0] == 1);
}

Test(graph_shape, range_int_count_and_values) {
  const st_type *s = tensor(ST_TY_I32, 0, NULL);
  int32_t a = 10, b = 4, dl = -3;
  st_value *ops[3] = {constant(s, &a), constant(s, &b), constant(s, &dl)};
  st_op *op = make(&st_graph_range_def, 3, ops, 1, 0, NULL);
  cr_assert(op && op->results[0].type->u.shaped.dims[0] == 2);
  int32_t out[2];
  const void *in[3] = {NULL, NULL, NULL};
  void *o[1] = {out};
  cr_assert(run(op, in, o));
  cr_expect(out[0] == 10 && out[1] == 7);
}

Test(graph_shape, gather_checks_indices) {
  st_dim three = 3, two = 2;
  st_value *ops[2] = {arg(tensor(ST_TY_F32, 1, &three)), arg(tensor(ST_TY_I64, 1, &two))};
  st_op *op = make(&st_graph_gather_def, 2, ops, 1, 0, NULL);
  cr_assert(op);
  float data[3] = {1, 2, 3}, out[2];
  int64_t good[2] = {-1, 0}, bad[2] = {0, 3};
  const void *in[2] = {data, good};
  void *o[1] = {out};
  cr_assert(run(op, in, o));
  cr_expect(out[0] == 3 && out[1] == 1);
  in[1] = bad;
  cr_expect_not(run(op, in, o));
  cr_expect(strstr(st_diag_first_error(&last_diag), "index 3 is out of range"));
}

Test(graph_shape, top_k_ties_by_index) {
  st_dim five = 5;
  int64_t k = 3;
  st_value *ops[2] = {arg(tensor(ST_TY_I64, 1, &five)), const_ints(1, &k)};
  st_op *op = make(&st_graph_top_k_def, 2, ops, 2, 0, NULL);
  cr_assert(op);
  int64_t data[5] = {1, 3, 3, 0, 3}, vals[3], idx[3];
  const void *in[2] = {data, NULL};
  void *o[2] = {vals, idx};
  cr_assert(run(op, in, o));
  cr_expect(idx[0] == 1 && idx[1] == 2 && idx[2] == 4 && vals[2] == 3);
}

Test(graph_shape, arg_max_select_last) {
  st_dim four = 4;
  st_value *x = arg(tensor(ST_TY_F32, 1, &four));
  st_named_attr at[2] = {*attr_int("select_last_index", 1), *attr_int("keepdims", 0)};
  st_op *op = make(&st_graph_arg_max_def, 1, &x, 1, 2, at);
  cr_assert(op && op->results[0].type->u.shaped.rank == 0);
  float data[4] = {2, 5, 5, 1};
  int64_t out;
  const void *in[1] = {data};
  void *o[1] = {&out};
  cr_assert(run(op, in, o));
  cr_expect(out == 2);
}

Test(graph_shape, scatter_nd_add_duplicates) {
  st_dim four = 4, idims[2] = {2, 1}, two = 2;
  st_value *ops[3] = {arg(tensor(ST_TY_F32, 1, &four)), arg(tensor(ST_TY_I64, 2, idims)), arg(tensor(ST_TY_F32, 1, &two))};
  st_op *op = make(&st_graph_scatter_nd_def, 3, ops, 1, 1, attr_str("reduction", "add"));
  cr_assert(op);
  float data[4] = {1, 1, 1, 1}, upd[2] = {5, 7}, out[4];
  int64_t ind[2] = {2, -2};
  const void *in[3] = {data, ind, upd};
  void *o[1] = {out};
  cr_assert(run(op, in, o));
  cr_expect(out[2] == 13 && out[0] == 1);
}

Test(graph_shape, cum_sum_exclusive_reverse) {
  st_dim four = 4;
  int64_t axis = 0;
  st_value *ops[2] = {arg(tensor(ST_TY_I32, 1, &four)), const_ints(1, &axis)};
  st_named_attr at[2] = {*attr_int("exclusive", 1), *attr_int("reverse", 1)};
  st_op *op = make(&st_graph_cum_sum_def, 2, ops, 1, 2, at);
  cr_assert(op);
  int32_t data[4] = {1, 2, 3, 4}, out[4], want[4] = {9, 7, 4, 0};
  const void *in[2] = {data, NULL};
  void *o[1] = {out};
  cr_assert(run(op, in, o));
  cr_expect(memcmp(out, want, sizeof want) == 0);
}

Test(graph_shape, depth_to_space_crd) {
  st_dim dims[4] = {1, 4, 1, 1};
  st_value *x = arg(tensor(ST_TY_F32, 4, dims));
  st_named_attr at[2] = {*attr_int("blocksize", 2), *attr_str("mode", "CRD")};
  st_op *op = make(&st_graph_depth_to_space_def, 1, &x, 1, 2, at);
  cr_assert(op && op->results[0].type->u.shaped.dims[2] == 2);
  float data[4] = {0, 1, 2, 3}, out[4];
  const void *in[1] = {data};
  void *o[1] = {out};
  cr_assert(run(op, in, o));
  cr_expect(out[0] == 0 && out[1] == 1 && out[2] == 2 && out[3] == 3);
}

Test(graph_shape, resize_nearest_asymmetric_floor) {
  st_dim three = 3, one = 1;
  float scale = 2, none_roi = 0;
  st_dim zero = 0;
  st_value *ops[3] = {arg(tensor(ST_TY_F32, 1, &three)), constant(tensor(ST_TY_F32, 1, &zero), &none_roi),
                      constant(tensor(ST_TY_F32, 1, &one), &scale)};
  st_named_attr at[2] = {*attr_str("coordinate_transformation_mode", "asymmetric"), *attr_str("nearest_mode", "floor")};
  st_op *op = make(&st_graph_resize_def, 3, ops, 1, 2, at);
  cr_assert(op && op->results[0].type->u.shaped.dims[0] == 6, "%s", st_diag_first_error(&last_diag));
  float data[3] = {1, 2, 3}, out[6], want[6] = {1, 1, 2, 2, 3, 3};
  const void *in[3] = {data, NULL, NULL};
  void *o[1] = {out};
  cr_assert(run(op, in, o));
  cr_expect(memcmp(out, want, sizeof want) == 0);
}

Test(graph_shape, unsqueeze_and_squeeze_types) {
  st_dim dims[2] = {3, 1};
  st_value *x = arg(tensor(ST_TY_F32, 2, dims));
  int64_t ax[2] = {-1, 0};
  st_value *ops[2] = {x, const_ints(2, ax)};
  st_op *op = make(&st_graph_unsqueeze_def, 2, ops, 1, 0, NULL);
  cr_assert(op);
  const st_type *t = op->results[0].type;
  cr_expect(t->u.shaped.rank == 4 && t->u.shaped.dims[0] == 1 && t->u.shaped.dims[1] == 3 && t->u.shaped.dims[3] == 1);
  st_op *sq = make(&st_graph_squeeze_def, 1, &x, 1, 0, NULL);
  cr_assert(sq && sq->results[0].type->u.shaped.rank == 1);
}
