/* The region ops of the shape family: Split, Pad, CenterCropPad, Trilu,
 * EyeLike, DepthToSpace and SpaceToDepth -- ops that cut a tensor into
 * parts, pad or crop it, mask a triangle or regroup blocks -- with their
 * type rules (their reference semantics are in graph_shape_interp.c).
 * Split sizes and pads come from constant operands, as in graph_shape.c. */
#include <inttypes.h>
#include <string.h>

#include "ir/dialects/graph_dtype.h"
#include "ir/dialects/graph_shape.h"
#include "ir/dialects/graph_lower.h"

#define ST_MOVE (ST_TRAIT_PURE | ST_TRAIT_MOVEMENT)

static const st_type *st_shape_operand_type(st_op *op, unsigned i) { return st_op_operand(op, i)->type; }

/* ---- graph.split (input, split?) {axis, num_outputs} ---- */

bool st_shape_split_plan(st_op *op, const st_tensor *in, int64_t *axis, st_shape_ints *sizes, st_diag *d) {
  const st_type *t = in ? in[0].type : st_shape_operand_type(op, 0);
  unsigned r = t->u.shaped.rank, n = op->num_results;
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", 0), r, axis, d)) return false;
  st_dim dim = t->u.shaped.dims[*axis];
  if (dim == ST_DIM_DYNAMIC) return st_graph_type_error(op, d, "needs a static split dim", t);
  if (st_graph_has_operand(op, 1)) {
    if (!st_shape_read_ints(op, in, 1, "split", sizes, d)) return false;
  } else {
    int64_t parts = st_op_attr_int(op, "num_outputs", n);
    if (parts != n || n == 0 || n > ST_SHAPE_MAX_INTS) {
      st_diag_error(d, op->loc, "'graph.split' op has %u results for %" PRId64 " outputs", n, parts);
      return false;
    }
    int64_t chunk = (dim + parts - 1) / parts;
    sizes->n = n;
    for (unsigned i = 0; i < n; i++) {
      int64_t left = dim - chunk * i;
      sizes->v[i] = left < 0 ? 0 : left < chunk ? left : chunk;
    }
  }
  int64_t sum = 0;
  for (unsigned i = 0; i < sizes->n; i++) {
    if (sizes->v[i] < 0) sum = -1 - dim;
    sum += sizes->v[i];
  }
  if (sizes->n != n || sum != dim) {
    st_diag_error(d, op->loc, "'graph.split' op splits do not cover dim %" PRId64 " in %u parts", dim, n);
    return false;
  }
  return true;
}

static bool st_split_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 1, d)) return false;
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *t = st_shape_operand_type(op, 0);
  if (t->u.shaped.rank > ST_MAX_RANK) return st_graph_type_error(op, d, "supports rank up to 8", t);
  int64_t axis;
  st_shape_ints sizes;
  if (!st_shape_split_plan(op, NULL, &axis, &sizes, d)) return false;
  st_dim dims[ST_MAX_RANK];
  memcpy(dims, t->u.shaped.dims, t->u.shaped.rank * sizeof *dims);
  for (unsigned i = 0; i < op->num_results; i++) {
    dims[axis] = sizes.v[i];
    results[i] = st_type_tensor(ctx, t->u.shaped.elem, t->u.shaped.rank, dims);
  }
  return true;
}

/* ---- graph.pad (data, pads, constant_value?, axes?) {mode} ---- */

bool st_shape_pad_plan(st_op *op, const st_tensor *in, st_pad_plan *p, st_diag *d) {
  const st_type *t = in ? in[0].type : st_shape_operand_type(op, 0);
  unsigned r = t->u.shaped.rank;
  st_shape_ints pads, axes;
  if (!st_shape_read_ints(op, in, 1, "pads", &pads, d)) return false;
  if (st_graph_has_operand(op, 3)) {
    if (!st_shape_read_ints(op, in, 3, "axes", &axes, d)) return false;
  } else {
    axes.n = r;
    for (unsigned k = 0; k < r; k++) axes.v[k] = k;
  }
  if (pads.n != 2 * axes.n) {
    st_diag_error(d, op->loc, "'graph.pad' op expects 2 pads per axis, got %u for %u axes", pads.n, axes.n);
    return false;
  }
  p->rank = r;
  memcpy(p->dims, t->u.shaped.dims, r * sizeof *p->dims);
  for (unsigned i = 0; i < r; i++) p->begin[i] = 0;
  for (unsigned k = 0; k < axes.n; k++) {
    int64_t a;
    if (!st_graph_axis(op, axes.v[k], r, &a, d)) return false;
    int64_t b = pads.v[k], e = pads.v[k + axes.n];
    if (p->dims[a] == ST_DIM_DYNAMIC) return st_graph_type_error(op, d, "needs static padded dims", t);
    p->begin[a] = b;
    p->dims[a] += b + e;
    if (p->dims[a] < 0 || b < -t->u.shaped.dims[a] || e < -t->u.shaped.dims[a]) {
      st_diag_error(d, op->loc, "'graph.pad' op pads of axis %" PRId64 " crop more than its extent", a);
      return false;
    }
  }
  return true;
}

static bool st_pad_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 2, d)) return false;
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *t = st_shape_operand_type(op, 0);
  if (t->u.shaped.rank > ST_MAX_RANK) return st_graph_type_error(op, d, "supports rank up to 8", t);
  const char *mode = st_op_attr_str(op, "mode");
  if (mode && strcmp(mode, "constant") && strcmp(mode, "reflect") && strcmp(mode, "edge") && strcmp(mode, "wrap")) {
    st_diag_error(d, op->loc, "'graph.pad' op unknown mode '%s'", mode);
    return false;
  }
  st_pad_plan p;
  if (!st_shape_pad_plan(op, NULL, &p, d)) return false;
  results[0] = st_type_tensor(ctx, t->u.shaped.elem, p.rank, p.dims);
  return true;
}

/* ---- graph.center_crop_pad (input, shape) {axes} ---- */

bool st_shape_crop_pad_plan(st_op *op, const st_tensor *in, st_pad_plan *p, st_diag *d) {
  const st_type *t = in ? in[0].type : st_shape_operand_type(op, 0);
  unsigned r = t->u.shaped.rank;
  st_shape_ints shape;
  if (!st_shape_read_ints(op, in, 1, "shape", &shape, d)) return false;
  int64_t axes[ST_MAX_RANK];
  unsigned n = shape.n;
  const st_attr *aa = st_op_get_attr(op, "axes");
  if (n > r || (aa && aa->kind == ST_ATTR_ARRAY && aa->u.array.n != n)) {
    st_diag_error(d, op->loc, "'graph.center_crop_pad' op shape has %u entries for rank %u", n, r);
    return false;
  }
  if (!st_graph_int_array(op, "axes", n, 0, axes, d)) return false;
  if (!aa)
    for (unsigned k = 0; k < n; k++) axes[k] = k;
  p->rank = r;
  memcpy(p->dims, t->u.shaped.dims, r * sizeof *p->dims);
  for (unsigned i = 0; i < r; i++) p->begin[i] = 0;
  for (unsigned k = 0; k < n; k++) {
    int64_t a;
    if (!st_graph_axis(op, axes[k], r, &a, d)) return false;
    st_dim dim = t->u.shaped.dims[a], want = shape.v[k];
    if (dim == ST_DIM_DYNAMIC || want < 0) return st_graph_type_error(op, d, "needs static dims and a valid shape", t);
    /* Centred: crops start at floor((dim - want) / 2), pads likewise. */
    p->begin[a] = want >= dim ? (want - dim) / 2 : -((dim - want) / 2);
    p->dims[a] = want;
  }
  return true;
}

static bool st_center_crop_pad_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *t = st_shape_operand_type(op, 0);
  if (t->u.shaped.rank > ST_MAX_RANK) return st_graph_type_error(op, d, "supports rank up to 8", t);
  st_pad_plan p;
  if (!st_shape_crop_pad_plan(op, NULL, &p, d)) return false;
  results[0] = st_type_tensor(ctx, t->u.shaped.elem, p.rank, p.dims);
  return true;
}

/* ---- graph.trilu / graph.eye_like ---- */

static bool st_trilu_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 1, d)) return false;
  (void)ctx;
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *t = st_shape_operand_type(op, 0);
  if (t->u.shaped.rank < 2) return st_graph_type_error(op, d, "expects rank 2 or more", t);
  results[0] = t;
  return true;
}

static bool st_eye_like_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *t = st_shape_operand_type(op, 0), *elem = t->u.shaped.elem;
  if (t->u.shaped.rank != 2) return st_graph_type_error(op, d, "expects a 2-D operand", t);
  if (st_op_get_attr(op, "dtype") && !(elem = st_graph_dtype_type(ctx, st_op_attr_int(op, "dtype", 0)))) {
    st_diag_error(d, op->loc, "'graph.eye_like' op unsupported dtype %" PRId64, st_op_attr_int(op, "dtype", 0));
    return false;
  }
  results[0] = st_type_tensor(ctx, elem, 2, t->u.shaped.dims);
  return true;
}

/* ---- graph.depth_to_space / graph.space_to_depth {blocksize, mode} ---- */

static bool st_block_params(st_op *op, int64_t *b, st_diag *d) {
  if (!st_shape_expect_static(op, 0, d)) return false;
  const st_type *t = st_shape_operand_type(op, 0);
  if (t->u.shaped.rank != 4) return st_graph_type_error(op, d, "expects a 4-D operand", t);
  *b = st_op_attr_int(op, "blocksize", 0);
  if (*b <= 0) {
    st_diag_error(d, op->loc, "'%s' op needs a positive blocksize", op->def->name);
    return false;
  }
  const char *mode = st_op_attr_str(op, "mode");
  if (mode && strcmp(mode, "DCR") && strcmp(mode, "CRD")) {
    st_diag_error(d, op->loc, "'%s' op unknown mode '%s'", op->def->name, mode);
    return false;
  }
  return true;
}

static bool st_depth_to_space_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  int64_t b;
  if (!st_block_params(op, &b, d)) return false;
  const st_type *t = st_shape_operand_type(op, 0);
  const st_dim *x = t->u.shaped.dims;
  if (x[1] % (b * b)) return st_graph_type_error(op, d, "expects channels divisible by blocksize^2", t);
  st_dim dims[4] = {x[0], x[1] / (b * b), x[2] * b, x[3] * b};
  results[0] = st_type_tensor(ctx, t->u.shaped.elem, 4, dims);
  return true;
}

static bool st_space_to_depth_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  int64_t b;
  if (!st_block_params(op, &b, d)) return false;
  const st_type *t = st_shape_operand_type(op, 0);
  const st_dim *x = t->u.shaped.dims;
  if (x[2] % b || x[3] % b) return st_graph_type_error(op, d, "expects spatial dims divisible by blocksize", t);
  st_dim dims[4] = {x[0], x[1] * b * b, x[2] / b, x[3] / b};
  results[0] = st_type_tensor(ctx, t->u.shaped.elem, 4, dims);
  return true;
}

const st_op_def st_graph_split_def = {
    .name = "graph.split", .summary = "splits along attr axis by the split operand or into num_outputs parts",
    .num_operands = ST_VARIADIC, .num_results = ST_VARIADIC, .traits = ST_MOVE,
    .shape_operands = 1u << 1,
    .infer_types = st_split_infer, .interpret = st_shape_interp_split,
    .lower = st_graph_lower_split,
};
const st_op_def st_graph_pad_def = {
    .name = "graph.pad", .summary = "pads (data, pads, constant_value?, axes?) in mode constant/reflect/edge/wrap",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_MOVE,
    .shape_operands = 1u << 1 | 1u << 3,
    .infer_types = st_pad_infer, .interpret = st_shape_interp_pad,
    .lower = st_graph_lower_pad,
};
const st_op_def st_graph_center_crop_pad_def = {
    .name = "graph.center_crop_pad", .summary = "crops or zero-pads around the centre to the shape operand",
    .num_operands = 2, .num_results = 1, .traits = ST_MOVE,
    .shape_operands = 1u << 1,
    .infer_types = st_center_crop_pad_infer, .interpret = st_shape_interp_center_crop_pad,
    .lower = st_graph_lower_center_crop_pad,
};
const st_op_def st_graph_trilu_def = {
    .name = "graph.trilu", .summary = "keeps the upper (attr upper) or lower triangle from diagonal k",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_ZERO_PRESERVING,
    .infer_types = st_trilu_infer, .interpret = st_shape_interp_trilu,
    .lower = st_graph_lower_trilu,
};
const st_op_def st_graph_eye_like_def = {
    .name = "graph.eye_like", .summary = "ones on diagonal k of a 2-D tensor shaped like the operand",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_eye_like_infer, .fold = st_shape_fold_from_types, .interpret = st_shape_interp_eye_like,
};
const st_op_def st_graph_depth_to_space_def = {
    .name = "graph.depth_to_space", .summary = "moves channel blocks into space (attrs blocksize, mode DCR/CRD)",
    .num_operands = 1, .num_results = 1, .traits = ST_MOVE,
    .infer_types = st_depth_to_space_infer, .interpret = st_shape_interp_depth_to_space,
    .lower = st_graph_lower_space_depth,
};
const st_op_def st_graph_space_to_depth_def = {
    .name = "graph.space_to_depth", .summary = "moves spatial blocks into channels (attr blocksize)",
    .num_operands = 1, .num_results = 1, .traits = ST_MOVE,
    .infer_types = st_space_to_depth_infer, .interpret = st_shape_interp_space_to_depth,
    .lower = st_graph_lower_space_depth,
};

