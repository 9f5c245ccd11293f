/* Mapping rows of the core graph ops (ir/dialects/graph.c): elementwise
 * arithmetic, Relu, MatMul, Gemm, Conv, Reshape, Transpose.
 *
 * Hooks cover the ONNX forms that differ from the graph op: opset 1-6
 * binary ops with legacy `broadcast`/`axis` attributes, Conv's auto_pad
 * (turned into explicit pads, since the graph op knows only pads), and
 * Reshape, whose graph op takes the new shape as its result type. */
#include <string.h>

#include "frontend/onnx/onnx_hooks.h"
#include "ir/dialects/dialects.h"

enum { ST_CORE_MAX_RANK = 8 };

static const st_op_def *st_core_binary_def(const char *op_type) {
  if (strcmp(op_type, "Add") == 0) return &st_graph_add_def;
  if (strcmp(op_type, "Sub") == 0) return &st_graph_sub_def;
  if (strcmp(op_type, "Mul") == 0) return &st_graph_mul_def;
  return &st_graph_div_def;
}

static bool st_core_need(const st_onnx_node *node, unsigned n, st_diag *d) {
  for (unsigned i = 0; i < n; i++)
    if (i >= node->num_inputs || !node->inputs[i]) {
      st_diag_error(d, node->loc, "%s needs input %u", node->op_type, i);
      return false;
    }
  return true;
}

/* Opsets 1-6: with broadcast=1, B's dims line up with A's from `axis` on
 * (default: the trailing dims); reshaping B with trailing 1s gives numpy's
 * rule the same meaning. */
static bool st_core_legacy_binary(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  if (!st_core_need(node, 2, d)) return false;
  st_value *ops[2] = {node->inputs[0], node->inputs[1]};
  int64_t broadcast = 0, axis;
  st_onnx_attr_int(node, "broadcast", &broadcast);
  const st_type *a = ops[0]->type, *b = ops[1]->type;
  if (broadcast && a->kind == ST_TY_TENSOR && b->kind == ST_TY_TENSOR && b->u.shaped.rank < a->u.shaped.rank &&
      st_onnx_attr_int(node, "axis", &axis)) {
    unsigned ra = a->u.shaped.rank, rb = b->u.shaped.rank;
    if (axis < 0) axis += ra;
    if (axis < 0 || axis + rb > ra) {
      st_diag_error(d, node->loc, "%s: broadcast axis %lld out of range", node->op_type, (long long)axis);
      return false;
    }
    st_dim dims[ST_CORE_MAX_RANK];
    unsigned r = 0;
    for (unsigned i = 0; i < rb; i++) dims[r++] = b->u.shaped.dims[i];
    while (r < ra - (unsigned)axis) dims[r++] = 1;
    if (!(ops[1] = st_onnx_reshape(im, node, ops[1], r, dims, d))) return false;
  }
  const st_named_attr drop[] = {{"broadcast", NULL}, {"axis", NULL}, {"consumed_inputs", NULL}};
  st_op *op = st_onnx_build(im, node, st_core_binary_def(node->op_type), 2, ops, 3, drop, d);
  if (!op) return false;
  outputs[0] = st_op_result(op, 0);
  return true;
}

/* auto_pad SAME_UPPER / SAME_LOWER / VALID -> explicit pads. */
static bool st_core_conv(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  if (!st_core_need(node, 2, d)) return false;
  unsigned n = node->num_inputs >= 3 && node->inputs[2] ? 3 : 2;
  st_value *ops[3] = {node->inputs[0], node->inputs[1], n == 3 ? node->inputs[2] : NULL};
  const char *ap = st_onnx_attr_string(im, node, "auto_pad");
  st_named_attr extra[2];
  unsigned nextra = 0;
  if (ap && strcmp(ap, "NOTSET") != 0 && *ap) {
    const st_type *x = ops[0]->type, *w = ops[1]->type;
    if (x->kind != ST_TY_TENSOR || w->kind != ST_TY_TENSOR || x->u.shaped.rank < 3 ||
        x->u.shaped.rank != w->u.shaped.rank || x->u.shaped.rank > ST_CORE_MAX_RANK || !st_type_has_static_shape(x) ||
        !st_type_has_static_shape(w)) {
      st_diag_error(d, node->loc, "Conv with auto_pad needs static input and weight shapes of equal rank");
      return false;
    }
    if (strcmp(ap, "SAME_UPPER") != 0 && strcmp(ap, "SAME_LOWER") != 0 && strcmp(ap, "VALID") != 0) {
      st_diag_error(d, node->loc, "Conv auto_pad '%s' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", ap);
      return false;
    }
    unsigned s = x->u.shaped.rank - 2;
    int64_t strides[ST_CORE_MAX_RANK], dil[ST_CORE_MAX_RANK], pads[2 * ST_CORE_MAX_RANK];
    for (unsigned i = 0; i < s; i++) strides[i] = dil[i] = 1;
    if (st_onnx_attr_ints(node, "strides", strides, (int)s) > (int)s ||
        st_onnx_attr_ints(node, "dilations", dil, (int)s) > (int)s) {
      st_diag_error(d, node->loc, "Conv strides/dilations have too many entries");
      return false;
    }
    for (unsigned i = 0; i < s; i++) {
      int64_t in = x->u.shaped.dims[i + 2], k = w->u.shaped.dims[i + 2], total = 0;
      if (strides[i] <= 0 || dil[i] <= 0) {
        st_diag_error(d, node->loc, "Conv needs positive strides and dilations");
        return false;
      }
      if (strcmp(ap, "VALID") != 0) {
        int64_t out = (in + strides[i] - 1) / strides[i];
        total = (out - 1) * strides[i] + (k - 1) * dil[i] + 1 - in;
        if (total < 0) total = 0;
      }
      int64_t lo = strcmp(ap, "SAME_LOWER") == 0 ? total - total / 2 : total / 2;
      pads[i] = lo;
      pads[i + s] = total - lo;
    }
    extra[nextra++] = (st_named_attr){"pads", st_attr_int_array(st_onnx_module(im), 2 * s, pads)};
  }
  extra[nextra++] = (st_named_attr){"auto_pad", NULL};
  st_op *op = st_onnx_build(im, node, &st_graph_conv_def, n, ops, nextra, extra, d);
  if (!op) return false;
  outputs[0] = st_op_result(op, 0);
  return true;
}

/* The new shape: 0 copies the input dim (unless allowzero), -1 is inferred. */
static bool st_core_reshape_to(st_onnx_importer *im, const st_onnx_node *node, const int64_t *shape, int n,
                               st_value **outputs, st_diag *d) {
  st_value *x = node->inputs[0];
  const st_type *t = x->type;
  if (t->kind != ST_TY_TENSOR || !st_type_has_static_shape(t) || n > ST_CORE_MAX_RANK) {
    st_diag_error(d, node->loc, "Reshape needs a static input shape and a new rank of at most 8");
    return false;
  }
  int64_t allowzero = 0;
  st_onnx_attr_int(node, "allowzero", &allowzero);
  st_dim dims[ST_CORE_MAX_RANK];
  int infer = -1;
  int64_t known = 1, total = st_type_num_elements(t);
  for (int i = 0; i < n; i++) {
    if (shape[i] == -1) {
      if (infer >= 0) {
        st_diag_error(d, node->loc, "Reshape shape has more than one -1");
        return false;
      }
      infer = i;
      continue;
    }
    if (shape[i] == 0 && !allowzero) {
      if ((unsigned)i >= t->u.shaped.rank) {
        st_diag_error(d, node->loc, "Reshape shape copies dim %d, the input has rank %u", i, t->u.shaped.rank);
        return false;
      }
      dims[i] = t->u.shaped.dims[i];
    } else if (shape[i] < 0 || shape[i] > ((int64_t)1 << 40)) {
      st_diag_error(d, node->loc, "Reshape shape has an invalid entry %lld", (long long)shape[i]);
      return false;
    } else {
      dims[i] = shape[i];
    }
    if (dims[i] && known > ((int64_t)1 << 50) / dims[i]) {
      st_diag_error(d, node->loc, "Reshape shape has too many elements");
      return false;
    }
    known *= dims[i];
  }
  if (infer >= 0) {
    if (known == 0 || total % known) {
      st_diag_error(d, node->loc, "Reshape cannot infer the -1 dim: %lld elements into blocks of %lld",
                    (long long)total, (long long)known);
      return false;
    }
    dims[infer] = total / known;
  }
  return (outputs[0] = st_onnx_reshape(im, node, x, (unsigned)n, dims, d)) != NULL;
}

static bool st_core_reshape(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  int64_t shape[ST_CORE_MAX_RANK + 1];
  if (!st_core_need(node, 2, d)) return false;
  int n = st_onnx_const_ints(im, node, node->inputs[1], "shape", shape, ST_CORE_MAX_RANK, d);
  return n >= 0 && st_core_reshape_to(im, node, shape, n, outputs, d);
}

/* Reshape-1: the shape is an attribute. */
static bool st_core_reshape_v1(st_onnx_importer *im, const st_onnx_node *node, st_value **outputs, st_diag *d) {
  int64_t shape[ST_CORE_MAX_RANK + 1];
  if (!st_core_need(node, 1, d)) return false;
  int n = st_onnx_attr_ints(node, "shape", shape, ST_CORE_MAX_RANK);
  if (n < 0 || n > ST_CORE_MAX_RANK) {
    st_diag_error(d, node->loc, "Reshape-1 needs a 'shape' attribute of at most 8 entries");
    return false;
  }
  return st_core_reshape_to(im, node, shape, n, outputs, d);
}

static const st_onnx_op_map st_core_rows[] = {
    {"Add", "", 1, &st_graph_add_def, st_core_legacy_binary},
    {"Add", "", 7, &st_graph_add_def, NULL},
    {"Sub", "", 1, &st_graph_sub_def, st_core_legacy_binary},
    {"Sub", "", 7, &st_graph_sub_def, NULL},
    {"Mul", "", 1, &st_graph_mul_def, st_core_legacy_binary},
    {"Mul", "", 7, &st_graph_mul_def, NULL},
    {"Div", "", 1, &st_graph_div_def, st_core_legacy_binary},
    {"Div", "", 7, &st_graph_div_def, NULL},
    {"Relu", "", 1, &st_graph_relu_def, NULL},
    {"MatMul", "", 1, &st_graph_matmul_def, NULL},
    {"Gemm", "", 1, &st_graph_gemm_def, NULL},
    {"Conv", "", 1, &st_graph_conv_def, st_core_conv},
    {"Reshape", "", 1, &st_graph_reshape_def, st_core_reshape_v1},
    {"Reshape", "", 5, &st_graph_reshape_def, st_core_reshape},
    {"Transpose", "", 1, &st_graph_transpose_def, NULL},
};

const st_onnx_map_group st_onnx_map_core = ST_ONNX_MAP_GROUP(st_core_rows);
