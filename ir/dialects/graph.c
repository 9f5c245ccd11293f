/* The graph dialect: value-semantics tensor ops, close to ONNX.
 *
 * This file holds the op table and the type rules (verify / infer-types).
 * Folds and canonicalization patterns are in graph_fold.c, the reference
 * semantics in graph_interp.c.  Shapes are static for now; a dynamic dim
 * (ST_DIM_DYNAMIC) propagates as dynamic. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/parse.h"
#include "ir/print.h"

/* ---- diagnostics helpers ---- */

bool st_graph_type_error(st_op *op, st_diag *d, const char *what, const st_type *t) {
  char *s = st_type_to_string(t);
  st_diag_error(d, op->loc, "'%s' op %s, got %s", op->def->name, what, s ? s : "?");
  free(s);
  return false;
}

bool st_graph_expect_tensor(st_op *op, unsigned i, st_diag *d) {
  /* Variadic ops reach here with whatever operand count a file gave them. */
  if (i >= op->num_operands) {
    st_diag_error(d, op->loc, "'%s' op expects at least %u operands, got %u", op->def->name, i + 1, op->num_operands);
    return false;
  }
  const st_type *t = st_op_operand(op, i)->type;
  if (t->kind == ST_TY_TENSOR) return true;
  char what[64];
  snprintf(what, sizeof what, "expects operand %u to be a tensor", i);
  return st_graph_type_error(op, d, what, t);
}


/* ---- broadcasting ---- */

bool st_broadcast_dims(unsigned ra, const st_dim *a, unsigned rb, const st_dim *b, unsigned *rank, st_dim *out) {
  unsigned r = ra > rb ? ra : rb;
  for (unsigned i = 0; i < r; i++) {
    st_dim da = i < r - ra ? 1 : a[i - (r - ra)];
    st_dim db = i < r - rb ? 1 : b[i - (r - rb)];
    if (da == db || db == 1) out[i] = da;
    else if (da == 1) out[i] = db;
    else if (da == ST_DIM_DYNAMIC || db == ST_DIM_DYNAMIC) out[i] = da == ST_DIM_DYNAMIC ? db : da;
    else return false;
  }
  *rank = r;
  return true;
}

static bool st_infer_broadcast(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d) || !st_graph_expect_tensor(op, 1, d)) return false;
  const st_type *a = st_op_operand(op, 0)->type, *b = st_op_operand(op, 1)->type;
  if (a->u.shaped.elem != b->u.shaped.elem) {
    char *sa = st_type_to_string(a), *sb = st_type_to_string(b);
    st_diag_error(d, op->loc, "'%s' op operands have different element types: %s and %s", op->def->name,
                  sa ? sa : "?", sb ? sb : "?");
    free(sa);
    free(sb);
    return false;
  }
  st_dim dims[ST_MAX_RANK];
  unsigned rank;
  if (a->u.shaped.rank > ST_MAX_RANK || b->u.shaped.rank > ST_MAX_RANK ||
      !st_broadcast_dims(a->u.shaped.rank, a->u.shaped.dims, b->u.shaped.rank, b->u.shaped.dims, &rank, dims)) {
    char *sa = st_type_to_string(a), *sb = st_type_to_string(b);
    st_diag_error(d, op->loc, "'%s' op operands are not broadcastable: %s and %s", op->def->name, sa ? sa : "?",
                  sb ? sb : "?");
    free(sa);
    free(sb);
    return false;
  }
  results[0] = st_type_tensor(ctx, a->u.shaped.elem, rank, dims);
  return true;
}

static bool st_infer_same(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  results[0] = st_op_operand(op, 0)->type;
  return true;
}

/* ---- graph.constant ---- */

static bool st_constant_verify(st_op *op, st_diag *d) {
  const st_attr *v = st_op_get_attr(op, "value");
  if (!v || (v->kind != ST_ATTR_DENSE && v->kind != ST_ATTR_RESOURCE)) {
    st_diag_error(d, op->loc, "'graph.constant' op needs a dense or dense_resource 'value' attribute");
    return false;
  }
  if (v->type != op->results[0].type) return st_graph_type_error(op, d, "result type must equal the value's type", v->type);
  if (v->kind == ST_ATTR_RESOURCE) {
    int64_t n = st_type_num_elements(v->type);
    size_t want = n < 0 ? 0 : (size_t)n * st_dense_elem_size(st_type_elem(v->type));
    if (v->u.resource->nbytes != want) {
      st_diag_error(d, op->loc, "'graph.constant' op resource '%s' has %zu bytes, its type needs %zu",
                    v->u.resource->name, v->u.resource->nbytes, want);
      return false;
    }
  }
  return true;
}

static void st_constant_print(st_printer *p, const st_op *op) {
  static const char *const skip[] = {"value", NULL};
  st_printer_puts(p, "graph.constant ");
  st_printer_attr(p, st_op_get_attr(op, "value"));
  st_printer_attr_dict(p, op, skip);
}

static st_op *st_constant_parse(st_parser *p, const st_op_def *def, unsigned nres, st_loc loc) {
  const st_attr *v = st_parser_attr(p);
  if (!v) return NULL;
  if (!v->type || (v->kind != ST_ATTR_DENSE && v->kind != ST_ATTR_RESOURCE))
    return st_parser_error(p, "expected dense<...> or dense_resource<...> value"), NULL;
  st_op_state s = {.def = def, .loc = loc, .num_results = 1, .result_types = &v->type};
  st_op *op = st_op_create(st_parser_module(p), &s);
  if (!op || !st_op_set_attr(st_parser_module(p), op, "value", v) || !st_parser_attr_dict(p, op)) return NULL;
  (void)nres;
  return op;
}

/* ---- graph.matmul (numpy semantics) ---- */

static bool st_matmul_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d) || !st_graph_expect_tensor(op, 1, d)) return false;
  const st_type *a = st_op_operand(op, 0)->type, *b = st_op_operand(op, 1)->type;
  unsigned ra = a->u.shaped.rank, rb = b->u.shaped.rank;
  if (ra == 0 || rb == 0 || ra > ST_MAX_RANK || rb > ST_MAX_RANK)
    return st_graph_type_error(op, d, "expects operands of rank 1 to 8", ra == 0 ? a : b);
  if (a->u.shaped.elem != b->u.shaped.elem) return st_graph_type_error(op, d, "expects equal element types", b);
  st_dim k_a = a->u.shaped.dims[ra - 1], k_b = b->u.shaped.dims[rb == 1 ? 0 : rb - 2];
  if (k_a != k_b && k_a != ST_DIM_DYNAMIC && k_b != ST_DIM_DYNAMIC) {
    st_diag_error(d, op->loc, "'graph.matmul' op contraction dims differ: %" PRId64 " and %" PRId64, k_a, k_b);
    return false;
  }
  st_dim batch[ST_MAX_RANK], dims[ST_MAX_RANK];
  unsigned rbatch = 0;
  if (!st_broadcast_dims(ra > 2 ? ra - 2 : 0, a->u.shaped.dims, rb > 2 ? rb - 2 : 0, b->u.shaped.dims, &rbatch, batch)) {
    st_diag_error(d, op->loc, "'graph.matmul' op batch dims are not broadcastable");
    return false;
  }
  unsigned r = 0;
  for (unsigned i = 0; i < rbatch; i++) dims[r++] = batch[i];
  if (ra > 1) dims[r++] = a->u.shaped.dims[ra - 2];
  if (rb > 1) dims[r++] = b->u.shaped.dims[rb - 1];
  results[0] = st_type_tensor(ctx, a->u.shaped.elem, r, dims);
  return true;
}

/* ---- graph.gemm: alpha * op(A) * op(B) + beta * C ---- */

static bool st_gemm_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 2, d)) return false;
  if (op->num_operands < 2 || op->num_operands > 3) {
    st_diag_error(d, op->loc, "'graph.gemm' op expects 2 or 3 operands, got %u", op->num_operands);
    return false;
  }
  for (unsigned i = 0; i < op->num_operands; i++)
    if (!st_graph_expect_tensor(op, i, d)) return false;
  const st_type *a = st_op_operand(op, 0)->type, *b = st_op_operand(op, 1)->type;
  if (a->u.shaped.rank != 2 || b->u.shaped.rank != 2)
    return st_graph_type_error(op, d, "expects 2-D A and B", a->u.shaped.rank != 2 ? a : b);
  bool ta = st_op_attr_int(op, "transA", 0) != 0, tb = st_op_attr_int(op, "transB", 0) != 0;
  st_dim m = a->u.shaped.dims[ta ? 1 : 0], ka = a->u.shaped.dims[ta ? 0 : 1];
  st_dim kb = b->u.shaped.dims[tb ? 1 : 0], n = b->u.shaped.dims[tb ? 0 : 1];
  if (ka != kb && ka != ST_DIM_DYNAMIC && kb != ST_DIM_DYNAMIC) {
    st_diag_error(d, op->loc, "'graph.gemm' op contraction dims differ: %" PRId64 " and %" PRId64, ka, kb);
    return false;
  }
  st_dim dims[2] = {m, n};
  if (op->num_operands == 3) {
    const st_type *c = st_op_operand(op, 2)->type;
    st_dim out[ST_MAX_RANK];
    unsigned r;
    if (c->u.shaped.rank > 2 || !st_broadcast_dims(2, dims, c->u.shaped.rank, c->u.shaped.dims, &r, out) ||
        out[0] != m || out[1] != n)
      return st_graph_type_error(op, d, "expects C broadcastable to the M x N result", c);
  }
  results[0] = st_type_tensor(ctx, a->u.shaped.elem, 2, dims);
  return true;
}

/* ---- graph.conv: X (N, C, spatial...), W (M, C/group, kernel...), B (M) ---- */

bool st_graph_int_array(st_op *op, const char *name, unsigned n, int64_t dflt, int64_t *out, st_diag *d) {
  const st_attr *a = st_op_get_attr(op, name);
  for (unsigned i = 0; i < n; i++) out[i] = dflt;
  if (!a) return true;
  if (a->kind != ST_ATTR_ARRAY || a->u.array.n != n) {
    st_diag_error(d, op->loc, "'%s' op attribute '%s' must be an array of %u integers", op->def->name, name, n);
    return false;
  }
  for (unsigned i = 0; i < n; i++) {
    if (a->u.array.elems[i]->kind != ST_ATTR_INT) {
      st_diag_error(d, op->loc, "'%s' op attribute '%s' must hold integers", op->def->name, name);
      return false;
    }
    out[i] = a->u.array.elems[i]->u.i;
  }
  return true;
}

bool st_conv_read_attrs(st_op *op, unsigned spatial, st_conv_geom *g, st_diag *d) {
  g->spatial = spatial;
  g->group = st_op_attr_int(op, "group", 1);
  return st_graph_int_array(op, "strides", spatial, 1, g->strides, d) &&
         st_graph_int_array(op, "dilations", spatial, 1, g->dilations, d) &&
         st_graph_int_array(op, "pads", 2 * spatial, 0, g->pads, d);
}

bool st_conv_params(st_op *op, st_conv_geom *g, st_diag *d) {
  const st_type *x = st_op_operand(op, 0)->type, *w = st_op_operand(op, 1)->type;
  unsigned r = x->u.shaped.rank;
  if (r < 3 || r > ST_MAX_RANK || w->u.shaped.rank != r) {
    st_graph_type_error(op, d, "expects input and weight of equal rank 3 to 8", r < 3 ? x : w);
    return false;
  }
  if (!st_conv_read_attrs(op, r - 2, g, d)) return false;
  for (unsigned i = 0; i < g->spatial; i++)
    if (g->strides[i] <= 0 || g->dilations[i] <= 0 || g->pads[i] < 0 || g->pads[i + g->spatial] < 0) {
      st_diag_error(d, op->loc, "'graph.conv' op needs positive strides and dilations, non-negative pads");
      return false;
    }
  if (g->group <= 0) {
    st_diag_error(d, op->loc, "'graph.conv' op needs a positive group");
    return false;
  }
  return true;
}

static bool st_conv_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 2, d)) return false;
  if (op->num_operands < 2 || op->num_operands > 3) {
    st_diag_error(d, op->loc, "'graph.conv' op expects 2 or 3 operands, got %u", op->num_operands);
    return false;
  }
  for (unsigned i = 0; i < op->num_operands; i++)
    if (!st_graph_expect_tensor(op, i, d)) return false;
  st_conv_geom g;
  if (!st_conv_params(op, &g, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type, *w = st_op_operand(op, 1)->type;
  const st_dim *xd = x->u.shaped.dims, *wd = w->u.shaped.dims;
  if (xd[1] != ST_DIM_DYNAMIC && wd[1] * g.group != xd[1]) {
    st_diag_error(d, op->loc, "'graph.conv' op input has %" PRId64 " channels, weight expects %" PRId64 " x group %" PRId64,
                  xd[1], wd[1], g.group);
    return false;
  }
  if (wd[0] % g.group) {
    st_diag_error(d, op->loc, "'graph.conv' op output channels %" PRId64 " not divisible by group %" PRId64, wd[0], g.group);
    return false;
  }
  if (op->num_operands == 3) {
    const st_type *b = st_op_operand(op, 2)->type;
    if (b->u.shaped.rank != 1 || b->u.shaped.dims[0] != wd[0])
      return st_graph_type_error(op, d, "expects a bias of shape [M]", b);
  }
  st_dim dims[ST_MAX_RANK] = {xd[0], wd[0]};
  for (unsigned i = 0; i < g.spatial; i++) {
    if (xd[i + 2] == ST_DIM_DYNAMIC) {
      dims[i + 2] = ST_DIM_DYNAMIC;
      continue;
    }
    int64_t span = g.dilations[i] * (wd[i + 2] - 1) + 1;
    int64_t in = xd[i + 2] + g.pads[i] + g.pads[i + g.spatial];
    if (in < span) {
      st_diag_error(d, op->loc, "'graph.conv' op kernel (%" PRId64 ") larger than padded input (%" PRId64 ") in spatial dim %u",
                    span, in, i);
      return false;
    }
    dims[i + 2] = (in - span) / g.strides[i] + 1;
  }
  results[0] = st_type_tensor(ctx, x->u.shaped.elem, x->u.shaped.rank, dims);
  return true;
}

/* ---- graph.reshape: the result type is the new shape ---- */

static bool st_reshape_verify(st_op *op, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *in = st_op_operand(op, 0)->type, *out = op->results[0].type;
  if (out->kind != ST_TY_TENSOR || out->u.shaped.elem != in->u.shaped.elem)
    return st_graph_type_error(op, d, "expects a tensor result of the operand's element type", out);
  int64_t a = st_type_num_elements(in), b = st_type_num_elements(out);
  if (a >= 0 && b >= 0 && a != b) {
    st_diag_error(d, op->loc, "'graph.reshape' op changes the element count from %" PRId64 " to %" PRId64, a, b);
    return false;
  }
  return true;
}

/* ---- graph.transpose {perm = [...]} ---- */

bool st_transpose_perm(st_op *op, int64_t *perm, st_diag *d) {
  const st_type *t = st_op_operand(op, 0)->type;
  unsigned r = t->u.shaped.rank;
  if (r > ST_MAX_RANK) return st_graph_type_error(op, d, "supports rank up to 8", t);
  const st_attr *a = st_op_get_attr(op, "perm");
  if (!a) {
    for (unsigned i = 0; i < r; i++) perm[i] = r - 1 - i;
    return true;
  }
  if (!st_graph_int_array(op, "perm", r, 0, perm, d)) return false;
  bool seen[ST_MAX_RANK] = {0};
  for (unsigned i = 0; i < r; i++) {
    if (perm[i] < 0 || perm[i] >= (int64_t)r || seen[perm[i]]) {
      st_diag_error(d, op->loc, "'graph.transpose' op perm is not a permutation of 0..%u", r - 1);
      return false;
    }
    seen[perm[i]] = true;
  }
  return true;
}

static bool st_transpose_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  int64_t perm[ST_MAX_RANK];
  if (!st_transpose_perm(op, perm, d)) return false;
  const st_type *t = st_op_operand(op, 0)->type;
  st_dim dims[ST_MAX_RANK];
  for (unsigned i = 0; i < t->u.shaped.rank; i++) dims[i] = t->u.shaped.dims[perm[i]];
  results[0] = st_type_tensor(ctx, t->u.shaped.elem, t->u.shaped.rank, dims);
  return true;
}

/* ---- graph.none: the absent optional input of an ONNX node ---- */

static bool st_none_verify(st_op *op, st_diag *d) {
  if (op->results[0].type->kind != ST_TY_NONE) return st_graph_type_error(op, d, "result must be of type none", op->results[0].type);
  return true;
}

/* ---- the table ---- */

#define ST_ELEMENTWISE_BINARY (ST_TRAIT_PURE | ST_TRAIT_ELEMENTWISE | ST_TRAIT_BROADCAST)

const st_op_def st_graph_constant_def = {
    .name = "graph.constant", .summary = "a constant tensor (dense data or a module resource)",
    .num_operands = 0, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_CONSTANT,
    .verify = st_constant_verify, .print = st_constant_print, .parse = st_constant_parse,
    .lower = st_graph_lower_constant,
};
const st_op_def st_graph_add_def = {
    .name = "graph.add", .summary = "elementwise a + b with broadcasting",
    .num_operands = 2, .num_results = 1,
    .traits = ST_ELEMENTWISE_BINARY | ST_TRAIT_COMMUTATIVE | ST_TRAIT_ZERO_PRESERVING,
    .infer_types = st_infer_broadcast, .fold = st_graph_fold_add, .interpret = st_graph_interp_binary,
    .lower = st_graph_lower_binary,
};
const st_op_def st_graph_sub_def = {
    .name = "graph.sub", .summary = "elementwise a - b with broadcasting",
    .num_operands = 2, .num_results = 1, .traits = ST_ELEMENTWISE_BINARY | ST_TRAIT_ZERO_PRESERVING,
    .infer_types = st_infer_broadcast, .fold = st_graph_fold_sub, .interpret = st_graph_interp_binary,
    .lower = st_graph_lower_binary,
};
const st_op_def st_graph_mul_def = {
    .name = "graph.mul", .summary = "elementwise a * b with broadcasting",
    .num_operands = 2, .num_results = 1,
    .traits = ST_ELEMENTWISE_BINARY | ST_TRAIT_COMMUTATIVE | ST_TRAIT_ZERO_PRESERVING,
    .infer_types = st_infer_broadcast, .fold = st_graph_fold_mul, .interpret = st_graph_interp_binary,
    .lower = st_graph_lower_binary,
};
const st_op_def st_graph_div_def = {
    .name = "graph.div", .summary = "elementwise a / b with broadcasting (integer division truncates)",
    .num_operands = 2, .num_results = 1, .traits = ST_ELEMENTWISE_BINARY,
    .infer_types = st_infer_broadcast, .fold = st_graph_fold_div, .interpret = st_graph_interp_binary,
    .lower = st_graph_lower_binary,
};
const st_op_def st_graph_relu_def = {
    .name = "graph.relu", .summary = "max(x, 0)",
    .num_operands = 1, .num_results = 1,
    .traits = ST_TRAIT_PURE | ST_TRAIT_ELEMENTWISE | ST_TRAIT_SAME_TYPE | ST_TRAIT_ZERO_PRESERVING,
    .infer_types = st_infer_same, .interpret = st_graph_interp_relu,
    .lower = st_graph_lower_relu,
};
const st_op_def st_graph_matmul_def = {
    .name = "graph.matmul", .summary = "matrix product with numpy batching rules",
    .num_operands = 2, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_matmul_infer, .interpret = st_graph_interp_matmul,
    .lower = st_graph_lower_matmul,
};
const st_op_def st_graph_gemm_def = {
    .name = "graph.gemm", .summary = "alpha * op(A) * op(B) + beta * C (attrs alpha, beta, transA, transB)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_gemm_infer, .interpret = st_graph_interp_gemm,
    .lower = st_graph_lower_gemm,
};
const st_op_def st_graph_conv_def = {
    .name = "graph.conv", .summary = "N-D convolution (attrs strides, pads, dilations, group)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_conv_infer, .interpret = st_graph_interp_conv,
    .lower = st_graph_lower_conv,
};
const st_op_def st_graph_reshape_def = {
    .name = "graph.reshape", .summary = "same elements, new shape (the result type)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_MOVEMENT,
    .verify = st_reshape_verify, .canonicalize = st_graph_canonicalize_reshape, .interpret = st_graph_interp_copy,
    .lower = st_graph_lower_reshape,
};
const st_op_def st_graph_transpose_def = {
    .name = "graph.transpose", .summary = "permutes dimensions (attr perm; default reverses them)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_MOVEMENT,
    .infer_types = st_transpose_infer, .canonicalize = st_graph_canonicalize_transpose,
    .interpret = st_graph_interp_transpose,
    .lower = st_graph_lower_transpose,
};

const st_op_def st_graph_none_def = {
    .name = "graph.none", .summary = "stands for an absent optional operand (ONNX empty input name)",
    .num_operands = 0, .num_results = 1, .traits = ST_TRAIT_PURE, .verify = st_none_verify,
};

static const st_op_def *const st_graph_ops[] = {
    &st_graph_none_def,
    &st_graph_constant_def, &st_graph_add_def,  &st_graph_sub_def,  &st_graph_mul_def,
    &st_graph_div_def,      &st_graph_relu_def, &st_graph_matmul_def, &st_graph_gemm_def,
    &st_graph_conv_def,     &st_graph_reshape_def, &st_graph_transpose_def,
};

const st_op_group st_graph_core_ops = ST_OP_GROUP(st_graph_ops);

extern const st_op_group st_graph_nn_ops;
extern const st_op_group st_graph_elementwise_ops;
extern const st_op_group st_graph_reduce_ops;
extern const st_op_group st_graph_shape_ops;
extern const st_op_group st_graph_control_ops;
extern const st_op_group st_graph_extra_ops;
/* One group per op family file; a new family adds one line here. */
static const st_op_group *const st_graph_groups[] = {
    &st_graph_core_ops,
    &st_graph_nn_ops,
    &st_graph_elementwise_ops,
    &st_graph_reduce_ops,
    &st_graph_shape_ops,
    &st_graph_control_ops,
    &st_graph_extra_ops,
};

const st_dialect st_graph_dialect = {"graph", "value-semantics tensor ops imported from ONNX", st_graph_groups,
                                     sizeof st_graph_groups / sizeof *st_graph_groups};
