/* The scaffolding shared by the unit tests of the graph op families: a fresh
 * context, module and block per test, type helpers, constants, building an
 * op with its result types inferred, and running its interpret hook.
 *
 * Each test_*.c file is its own executable, so this header carries static
 * functions and the fixture state rather than a library; the functions are
 * `static inline` so a test that uses only some of them still builds under
 * -Werror. A test file includes it and declares its suite with
 *   TestSuite(name, .init = setup, .fini = teardown);
 * The last diagnostic of make() or run() stays in `last_diag` for tests that
 * check a message. */
#ifndef STRATA_TEST_GRAPH_TEST_UTIL_H
#define STRATA_TEST_GRAPH_TEST_UTIL_H

#include <criterion/criterion.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/elem.h"
#include "ir/ir.h"

/* Enough for every op under test (graph.qlinear_matmul takes 8 operands). */
#define GT_MAX_OPERANDS 9
#define GT_MAX_RESULTS 4
#define GT_ATTR_RING 8

static st_context *ctx;
static st_module *mod;
static st_block *blk;
static st_diag last_diag;

static inline void setup(void) {
  ctx = st_context_create();
  mod = st_module_create(ctx, "t");
  blk = st_block_create(mod);
}

static inline void teardown(void) {
  st_diag_free(&last_diag);
  st_module_destroy(mod);
  st_context_destroy(ctx);
}

/* ---- types ---- */

static inline const st_type *tensor(st_type_kind k, unsigned rank, const st_dim *dims) {
  return st_type_tensor(ctx, st_type_scalar(ctx, k), rank, dims);
}

static inline const st_type *vec(st_type_kind k, st_dim n) { return tensor(k, 1, &n); }

static inline const st_type *scalar(st_type_kind k) { return tensor(k, 0, NULL); }

/* ---- values ---- */

/* A block argument of type t. */
static inline st_value *arg(const st_type *t) { return st_block_add_arg(mod, blk, t); }

/* A graph.constant of type t holding `data`. */
static inline st_value *constant(const st_type *t, const void *data) {
  size_t nbytes = (size_t)st_type_num_elements(t) * st_dense_elem_size(st_type_elem(t));
  st_named_attr na = {"value", st_attr_dense(mod, t, data, nbytes, false)};
  st_op_state s = {.def = &st_graph_constant_def, .num_results = 1, .result_types = &t, .num_attrs = 1, .attrs = &na};
  st_op *op = st_op_create(mod, &s);
  st_block_append(blk, op);
  return st_op_result(op, 0);
}

/* A graph.constant of 1-D int64 values, for operands that must be constant
 * (axes, shapes, pads). */
static inline st_value *const_ints(unsigned n, const int64_t *v) { return constant(vec(ST_TY_I64, n), v); }

/* ---- attributes ---- */

/* Named attributes live in a small ring, so a test can pass one straight to
 * make() or copy several into an array: {*attr_int("a", 1), *attr_str("b", "x")}. */
static inline const st_named_attr *attr_ring(const char *name, const st_attr *value) {
  static st_named_attr ring[GT_ATTR_RING];
  static unsigned k;
  k = (k + 1) % GT_ATTR_RING;
  ring[k] = (st_named_attr){name, value};
  return &ring[k];
}

static inline const st_named_attr *attr_int(const char *name, int64_t v) {
  return attr_ring(name, st_attr_int(mod, NULL, v));
}

static inline const st_named_attr *attr_float(const char *name, double v) {
  return attr_ring(name, st_attr_float(mod, st_type_scalar(ctx, ST_TY_F32), v));
}

static inline const st_named_attr *attr_str(const char *name, const char *v) {
  return attr_ring(name, st_attr_string(mod, v, strlen(v)));
}

/* ---- ops ---- */

/* An op of `def` over `ops`, with its result types inferred; NULL when
 * inference fails (the diagnostic stays in last_diag). */
static inline st_op *make(const st_op_def *def, unsigned n, st_value *const *ops, unsigned nres, unsigned nattrs,
                          const st_named_attr *attrs) {
  cr_assert(n <= GT_MAX_OPERANDS && nres <= GT_MAX_RESULTS);
  const st_type *res[GT_MAX_RESULTS] = {ops[0]->type, ops[0]->type, ops[0]->type, ops[0]->type};
  st_op_state s = {.def = def, .num_operands = n, .operands = ops, .num_results = nres, .result_types = res,
                   .num_attrs = nattrs, .attrs = attrs};
  st_op *op = st_op_create(mod, &s);
  const st_type *inferred[GT_MAX_RESULTS];
  st_diag_free(&last_diag);
  if (!def->infer_types(op, ctx, inferred, &last_diag)) return NULL;
  for (unsigned i = 0; i < nres; i++) op->results[i].type = inferred[i];
  return op;
}

/* make() over fresh block arguments of the given types. */
static inline st_op *make_of_types(const st_op_def *def, unsigned n, const st_type *const *types, unsigned nres,
                                   unsigned nattrs, const st_named_attr *attrs) {
  cr_assert(n <= GT_MAX_OPERANDS);
  st_value *ops[GT_MAX_OPERANDS];
  for (unsigned i = 0; i < n; i++) ops[i] = arg(types[i]);
  return make(def, n, ops, nres, nattrs, attrs);
}

/* Runs op's interpret hook on inputs `in` (data pointers) into `out`; a NULL
 * input of a constant operand is read from the constant. */
static inline bool run(st_op *op, const void *const *in, void *const *out) {
  st_tensor ti[GT_MAX_OPERANDS], to[GT_MAX_RESULTS];
  cr_assert(op->num_operands <= GT_MAX_OPERANDS && op->num_results <= GT_MAX_RESULTS);
  for (unsigned i = 0; i < op->num_operands; i++) {
    ti[i] = (st_tensor){st_op_operand(op, i)->type, (void *)in[i], 0};
    const st_attr *c = st_value_const(st_op_operand(op, i));
    size_t nb;
    bool splat;
    if (!in[i] && c) ti[i].data = (void *)st_attr_elements(c, &nb, &splat);
  }
  for (unsigned i = 0; i < op->num_results; i++) {
    const st_type *t = op->results[i].type;
    to[i] = (st_tensor){t, out[i], (size_t)st_type_num_elements(t) * st_dense_elem_size(st_type_elem(t))};
  }
  st_diag_free(&last_diag);
  return op->def->interpret(op, ti, to, &last_diag);
}

#endif
