/* Unit tests of the IR core: what text tests cannot reach directly —
 * interning, use lists, RAUW, clone, erase, walk, arena freeing, attribute
 * equality, the verifier on IR built in memory. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/ir.h"
#include "ir/parse.h"
#include "ir/print.h"
#include "ir/verify.h"

static st_context *ctx;
static st_module *m;

static void setup(void) {
  ctx = st_context_create();
  m = st_module_create(ctx, "t");
}

static void teardown(void) {
  st_module_destroy(m);
  st_context_destroy(ctx);
}

TestSuite(ir, .init = setup, .fini = teardown);

static const st_type *tensor1(st_type_kind k, st_dim n) {
  return st_type_tensor(ctx, st_type_scalar(ctx, k), 1, &n);
}

/* A func @f(%x: tensor<4xf32>) -> tensor<4xf32> with an empty body. */
static st_op *make_func(st_block **body) {
  const st_type *t = tensor1(ST_TY_F32, 4);
  st_op_state s = {.def = &st_func_func_def, .num_regions = 1};
  st_op *f = st_op_create(m, &s);
  st_op_set_attr(m, f, "sym_name", st_attr_string(m, "f", 1));
  st_op_set_attr(m, f, "function_type", st_attr_type(m, st_type_function(ctx, 1, &t, 1, &t)));
  *body = st_block_create(m);
  st_region_push_block(&f->regions[0], *body);
  st_block_add_arg(m, *body, t);
  st_block_append(st_module_body(m), f);
  return f;
}

static st_op *unary(st_builder *b, const st_op_def *def, st_value *x) {
  return st_builder_insert(b, st_op_create_simple(m, def, st_loc_unknown(), 1, &x, x->type));
}

static st_op *binary(st_builder *b, const st_op_def *def, st_value *x, st_value *y) {
  st_value *ops[2] = {x, y};
  return st_builder_insert(b, st_op_create_simple(m, def, st_loc_unknown(), 2, ops, x->type));
}

static st_op *ret(st_builder *b, st_value *v) {
  return st_builder_insert(b, st_op_create_simple(m, &st_func_return_def, st_loc_unknown(), 1, &v, NULL));
}

Test(ir, types_are_interned) {
  st_dim d[2] = {2, 3}, e[2] = {2, 3}, f[2] = {3, 2};
  const st_type *f32 = st_type_scalar(ctx, ST_TY_F32);
  cr_assert_eq(f32, st_type_scalar(ctx, ST_TY_F32));
  cr_assert_eq(st_type_tensor(ctx, f32, 2, d), st_type_tensor(ctx, f32, 2, e));
  cr_assert_neq(st_type_tensor(ctx, f32, 2, d), st_type_tensor(ctx, f32, 2, f));
  cr_assert_neq(st_type_tensor(ctx, f32, 2, d), st_type_vector(ctx, f32, 2, d));
  int64_t strides[2] = {3, 1};
  cr_assert_eq(st_type_memref(ctx, f32, 2, d, strides, 0, 1), st_type_memref(ctx, f32, 2, e, strides, 0, 1));
  cr_assert_neq(st_type_memref(ctx, f32, 2, d, strides, 0, 1), st_type_memref(ctx, f32, 2, d, NULL, 0, 1));
  double sc[2] = {0.5, 0.25};
  int64_t zp[2] = {1, 2};
  const st_type *i8 = st_type_scalar(ctx, ST_TY_I8);
  cr_assert_eq(st_type_quant(ctx, i8, f32, 0, 2, sc, zp), st_type_quant(ctx, i8, f32, 0, 2, sc, zp));
  cr_assert_neq(st_type_quant(ctx, i8, f32, 0, 2, sc, zp), st_type_quant(ctx, i8, f32, 1, 2, sc, zp));
  /* Many distinct types: the table grows and keeps them all distinct. */
  st_type_scalar(ctx, ST_TY_I32);
  size_t before = st_context_num_types(ctx);
  for (st_dim n = 1; n <= 1000; n++) cr_assert_not_null(tensor1(ST_TY_I32, n));
  cr_assert_eq(st_context_num_types(ctx), before + 1000);
  for (st_dim n = 1; n <= 1000; n++) cr_assert_eq(tensor1(ST_TY_I32, n)->u.shaped.dims[0], n);
}

Test(ir, type_properties) {
  st_dim d[3] = {2, ST_DIM_DYNAMIC, 4};
  const st_type *t = st_type_tensor(ctx, st_type_scalar(ctx, ST_TY_BF16), 3, d);
  cr_assert_eq(st_type_num_elements(t), -1);
  cr_assert_not(st_type_has_static_shape(t));
  cr_assert_eq(st_type_bit_width(t), 16);
  cr_assert(st_type_is_float(st_type_elem(t)));
  cr_assert_eq(st_type_num_elements(tensor1(ST_TY_I4, 10)), 10);
  char *s = st_type_to_string(t);
  cr_assert_str_eq(s, "tensor<2x?x4xbf16>");
  free(s);
  st_diag d2 = {0};
  cr_assert_eq(st_parse_type_string(ctx, "tensor<2x?x4xbf16>", &d2), t);
  cr_assert_null(st_parse_type_string(ctx, "tensor<2x", &d2));
  cr_assert(st_diag_has_errors(&d2));
  st_diag_free(&d2);
}

Test(ir, use_lists_and_rauw) {
  st_block *body;
  make_func(&body);
  st_builder b = st_builder_at_end(m, body);
  st_value *x = body->args[0];
  st_op *r1 = unary(&b, &st_graph_relu_def, x);
  st_op *add = binary(&b, &st_graph_add_def, st_op_result(r1, 0), st_op_result(r1, 0));
  st_op *r2 = unary(&b, &st_graph_relu_def, x);
  ret(&b, st_op_result(add, 0));
  cr_assert_eq(st_value_num_uses(x), 2);
  cr_assert_eq(st_value_num_uses(st_op_result(r1, 0)), 2);
  st_value_replace_all_uses(st_op_result(r1, 0), st_op_result(r2, 0));
  cr_assert_eq(st_value_num_uses(st_op_result(r1, 0)), 0);
  cr_assert_eq(st_value_num_uses(st_op_result(r2, 0)), 2);
  cr_assert_eq(st_op_operand(add, 0), st_op_result(r2, 0));
  cr_assert_eq(st_op_operand(add, 1), st_op_result(r2, 0));
  /* r2 is defined after add now: the verifier must say so. */
  st_diag d = {0};
  cr_assert_not(st_verify_module(m, &d));
  cr_assert(strstr(st_diag_first_error(&d), "is not defined before its use"));
  st_diag_free(&d);
  st_op_move_before(r2, add);
  d = (st_diag){0};
  cr_assert(st_verify_module(m, &d), "%s", st_diag_first_error(&d));
  /* An op with uses cannot be erased; without them it can. */
  cr_assert_not(st_op_erase(r2));
  cr_assert(st_op_erase(r1));
  cr_assert_eq(st_value_num_uses(x), 1);
  st_op_set_operand(add, 1, x);
  cr_assert_eq(st_value_num_uses(x), 2);
  cr_assert_eq(st_value_num_uses(st_op_result(r2, 0)), 1);
  st_diag_free(&d);
}

Test(ir, erase_drops_nested_uses) {
  st_block *body;
  st_op *f = make_func(&body);
  st_builder b = st_builder_at_end(m, body);
  st_value *x = body->args[0];
  unary(&b, &st_graph_relu_def, x);
  unary(&b, &st_graph_relu_def, x);
  ret(&b, x);
  cr_assert_eq(st_value_num_uses(x), 3);
  /* x belongs to f itself, so after erasing f no use of x remains. */
  cr_assert(st_op_erase(f));
  cr_assert_eq(st_value_num_uses(x), 0);
  cr_assert_null(st_module_body(m)->first);
}

static st_walk_result count_op(st_op *op, void *n) {
  (void)op;
  (*(int *)n)++;
  return ST_WALK_ADVANCE;
}

static st_walk_result erase_relus(st_op *op, void *n) {
  if (op->def == &st_graph_relu_def && st_op_results_unused(op) && st_op_erase(op)) (*(int *)n)++;
  return ST_WALK_ADVANCE;
}

Test(ir, clone_and_walk) {
  st_block *body;
  st_op *f = make_func(&body);
  st_builder b = st_builder_at_end(m, body);
  st_value *x = body->args[0];
  st_op *r = unary(&b, &st_graph_relu_def, x);
  st_op_result(r, 0)->name = "hidden";
  unary(&b, &st_graph_relu_def, x); /* dead */
  ret(&b, st_op_result(r, 0));
  st_value_map *map = st_value_map_create();
  st_op *g = st_op_clone(m, f, map);
  cr_assert_not_null(g);
  st_op_set_attr(m, g, "sym_name", st_attr_string(m, "g", 1));
  st_block_append(st_module_body(m), g);
  /* The copy has its own argument, results and uses. */
  st_block *gbody = st_func_body(g);
  cr_assert_neq(gbody->args[0], x);
  cr_assert_eq(st_value_map_get(map, x), gbody->args[0]);
  cr_assert_eq(st_value_num_uses(gbody->args[0]), 2);
  cr_assert_eq(st_value_num_uses(x), 2);
  cr_assert_str_eq(st_op_result(gbody->first, 0)->name, "hidden");
  cr_assert_eq(st_value_map_get(map, st_op_result(r, 0)), st_op_result(gbody->first, 0));
  st_value_map_destroy(map);
  st_diag d = {0};
  cr_assert(st_verify_module(m, &d), "%s", st_diag_first_error(&d));
  int n = 0;
  st_op_walk(m->op, ST_WALK_PRE, count_op, &n);
  cr_assert_eq(n, 1 + 2 * 4); /* module + two funcs of 3 ops each */
  /* Post-order walks may erase the op they visit. */
  int erased = 0;
  st_op_walk(m->op, ST_WALK_POST, erase_relus, &erased);
  cr_assert_eq(erased, 2);
  cr_assert(st_verify_module(m, &d));
  char *text = st_print_module(m, NULL);
  cr_assert(strstr(text, "func.func @g(%arg0: tensor<4xf32>) -> tensor<4xf32> {\n    %hidden = graph.relu %arg0"), "%s", text);
  free(text);
  st_diag_free(&d);
}

Test(ir, attributes_compare_by_structure) {
  const st_type *i32 = st_type_scalar(ctx, ST_TY_I32);
  cr_assert(st_attr_equal(st_attr_int(m, i32, 3), st_attr_int(m, i32, 3)));
  cr_assert_not(st_attr_equal(st_attr_int(m, i32, 3), st_attr_int(m, NULL, 3)));
  cr_assert(st_attr_equal(st_attr_float(m, NULL, NAN), st_attr_float(m, NULL, NAN)));
  cr_assert(st_attr_equal(st_attr_string(m, "ab", 2), st_attr_string(m, "ab", 2)));
  cr_assert_not(st_attr_equal(st_attr_string(m, "ab", 2), st_attr_symbol(m, "ab")));
  int64_t v1[3] = {1, 2, 3}, v2[3] = {1, 2, 4};
  cr_assert(st_attr_equal(st_attr_int_array(m, 3, v1), st_attr_int_array(m, 3, v1)));
  cr_assert_not(st_attr_equal(st_attr_int_array(m, 3, v1), st_attr_int_array(m, 3, v2)));
  st_named_attr e1[2] = {{"b", st_attr_bool(m, true)}, {"a", st_attr_unit(m)}};
  st_named_attr e2[2] = {{"a", st_attr_unit(m)}, {"b", st_attr_bool(m, true)}};
  cr_assert(st_attr_equal(st_attr_dict(m, 2, e1), st_attr_dict(m, 2, e2)));
  float data[4] = {1, 2, 3, 4};
  const st_type *t = tensor1(ST_TY_F32, 4);
  const st_attr *d1 = st_attr_dense(m, t, data, sizeof data, false), *d2 = st_attr_dense(m, t, data, sizeof data, false);
  cr_assert(st_attr_equal(d1, d2));
  double v;
  cr_assert(st_attr_elem_as_double(d1, 3, &v));
  cr_assert_eq(v, 4.0);
  cr_assert_not(st_attr_elem_as_double(d1, 4, &v)); /* out of range is refused */
  const st_attr *splat = st_attr_dense(m, t, data, 4, true);
  cr_assert(st_attr_elem_as_double(splat, 3, &v));
  cr_assert_eq(v, 1.0);
  cr_assert_not(st_attr_equal(d1, splat));
  st_resource *r = st_module_add_resource(m, "w", data, sizeof data);
  cr_assert_eq(st_module_find_resource(m, "w"), r);
  cr_assert(st_attr_elem_as_double(st_attr_resource(m, t, r), 2, &v));
  cr_assert_eq(v, 3.0);
}

Test(ir, op_attributes_sorted_and_replaced) {
  st_op *op = st_op_create_simple(m, &st_graph_transpose_def, st_loc_unknown(), 0, NULL, NULL);
  st_op_set_attr(m, op, "zeta", st_attr_int(m, NULL, 1));
  st_op_set_attr(m, op, "alpha", st_attr_int(m, NULL, 2));
  st_op_set_attr(m, op, "mid", st_attr_int(m, NULL, 3));
  cr_assert_str_eq(op->attrs[0].name, "alpha");
  cr_assert_str_eq(op->attrs[2].name, "zeta");
  st_op_set_attr(m, op, "mid", st_attr_int(m, NULL, 9));
  cr_assert_eq(op->num_attrs, 3);
  cr_assert_eq(st_op_attr_int(op, "mid", 0), 9);
  cr_assert(st_op_remove_attr(op, "alpha"));
  cr_assert_eq(st_op_attr_int(op, "alpha", -1), -1);
  cr_assert_eq(op->num_attrs, 2);
}

/* Verifier rules that text cannot express: the parser already rejects these
 * forms, so build them in memory. */
Test(ir, verifier_catches_isolation) {
  st_block *body;
  make_func(&body);
  st_builder b = st_builder_at_end(m, body);
  st_value *x = body->args[0];
  st_op_state s = {.def = &st_kernel_fused_def, .num_operands = 1, .operands = &x, .num_results = 1,
                   .result_types = &x->type, .num_regions = 1};
  st_op *fused = st_builder_create(&b, &s);
  st_block *kb = st_block_create(m);
  st_region_push_block(&fused->regions[0], kb);
  st_value *p = st_block_add_arg(m, kb, x->type);
  st_builder kbld = st_builder_at_end(m, kb);
  st_op *add = binary(&kbld, &st_graph_add_def, p, x); /* x is outside the isolated region */
  st_value *sum = st_op_result(add, 0);
  st_builder_insert(&kbld, st_op_create_simple(m, &st_kernel_yield_def, st_loc_name("k"), 1, &sum, NULL));
  ret(&b, st_op_result(fused, 0));
  st_diag d = {0};
  cr_assert_not(st_verify_module(m, &d));
  cr_assert(strstr(st_diag_first_error(&d), "defined outside of the isolated region"), "%s", st_diag_first_error(&d));
  st_diag_free(&d);
}

/* A module holding many ops is freed in one call (ASan/LSan checks it). */
Test(ir, arena_frees_everything) {
  st_context *c = st_context_create();
  for (int round = 0; round < 20; round++) {
    st_module *mm = st_module_create(c, "big");
    const char *src = "func.func @f(%x: tensor<64xf32>) -> tensor<64xf32> {\n"
                      "  %0 = graph.relu %x : tensor<64xf32>\n"
                      "  %1 = graph.add %0, %x : tensor<64xf32>\n"
                      "  func.return %1 : tensor<64xf32>\n}\n";
    st_diag d = {0};
    st_module *parsed = st_parse_module(c, src, strlen(src), "mem", &d);
    cr_assert_not_null(parsed);
    for (int i = 0; i < 2000; i++) st_module_add_resource(mm, "r", src, 64);
    st_module_destroy(parsed);
    st_module_destroy(mm);
    st_diag_free(&d);
  }
  st_context_destroy(c);
}

Test(ir, parse_errors_are_values) {
  /* Hostile inputs: deep nesting, truncated input, huge dims. */
  char deep[4096];
  size_t n = 0;
  n += (size_t)snprintf(deep, sizeof deep, "func.func @f() attributes {a = ");
  for (int i = 0; i < 1000; i++) deep[n++] = '[';
  deep[n] = 0;
  const char *bad[] = {deep, "func.func @f(", "module {", "%0 = ", "func.func @f(%x: tensor<99999999999999999999xf32>) {",
                       "\"graph.add\"(", "{-# resources: { x: \"0xZZ\" } #-}", "func.func @f() { %0 = graph.constant dense<"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    st_diag d = {0};
    cr_assert_null(st_parse_module(ctx, bad[i], strlen(bad[i]), "bad", &d), "input %zu parsed", i);
    cr_assert(st_diag_has_errors(&d), "input %zu gave no error", i);
    st_diag_free(&d);
  }
}
