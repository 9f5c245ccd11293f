/* The shape family of the graph dialect: ops that read a tensor's shape or
 * rearrange its elements (Shape, Concat, Slice, Expand, Range, ...), after
 * the ONNX operators of the newest opset.
 *
 * This file holds the helpers the family shares, the type rules of the
 * shape and movement ops and the family's op table.  The region ops (Split,
 * Pad, Trilu, DepthToSpace, ...) are in graph_shape_region.c, the reference
 * semantics of both in graph_shape_interp.c, the indexing ops (gather,
 * scatter, cumulative) in graph_shape_index.c, TopK and ArgMax/ArgMin in
 * graph_shape_sort.c, resize in graph_shape_resize.c.  Result shapes that
 * depend on operand values (a Slice's starts, an Expand's shape) are
 * computed from constant operands; the importer folds constant subgraphs as
 * it goes, so shape arithmetic in ONNX graphs reaches these ops as constants. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_shape.h"
#include "ir/dialects/graph_lower.h"
#include "ir/elem.h"

/* ---- helpers ---- */

int64_t st_shape_operand_elems(const st_op *op, unsigned i) {
  return st_graph_has_operand(op, i) ? st_type_num_elements(st_op_operand(op, i)->type) : -1;
}

/* Where the elements of operand i are: the runtime tensor, or the constant
 * (whose splat stands for every element). */
bool st_shape_operand_data(st_op *op, const st_tensor *in, unsigned i, const char *what, const st_type **type,
                            const void **data, bool *splat, st_diag *d) {
  if (!st_graph_has_operand(op, i)) {
    st_diag_error(d, op->loc, "'%s' op is missing its %s operand", op->def->name, what);
    return false;
  }
  if (in) {
    *type = in[i].type;
    *data = in[i].data;
    *splat = false;
    return true;
  }
  const st_attr *a = st_value_const(st_op_operand(op, i));
  size_t nbytes = 0;
  *data = a && a->type ? st_attr_elements(a, &nbytes, splat) : NULL;
  int64_t n = a && a->type ? st_type_num_elements(a->type) : -1;
  if (!*data || n < 0) {
    st_diag_error(d, op->loc, "'%s' op needs a constant %s operand to know its result shape", op->def->name, what);
    return false;
  }
  *type = a->type;
  size_t esz = st_dense_elem_size(st_type_elem(a->type));
  if (nbytes < (*splat ? esz : (size_t)n * esz)) {
    st_diag_error(d, op->loc, "'%s' op %s constant holds too few bytes", op->def->name, what);
    return false;
  }
  return true;
}

bool st_shape_read_ints(st_op *op, const st_tensor *in, unsigned i, const char *what, st_shape_ints *out, st_diag *d) {
  const st_type *t;
  const void *data;
  bool splat;
  if (!st_shape_operand_data(op, in, i, what, &t, &data, &splat, d)) return false;
  int64_t n = st_type_num_elements(t);
  if (n < 0 || n > ST_SHAPE_MAX_INTS) {
    st_diag_error(d, op->loc, "'%s' op %s operand must have at most %d elements", op->def->name, what,
                  ST_SHAPE_MAX_INTS);
    return false;
  }
  out->n = (unsigned)n;
  for (int64_t k = 0; k < n; k++) out->v[k] = st_elem_load_i(st_type_elem(t), data, splat ? 0 : k);
  return true;
}

bool st_shape_read_f(st_op *op, const st_tensor *in, unsigned i, int64_t k, const char *what, double *out, st_diag *d) {
  const st_type *t;
  const void *data;
  bool splat;
  if (!st_shape_operand_data(op, in, i, what, &t, &data, &splat, d)) return false;
  if (k >= st_type_num_elements(t)) {
    st_diag_error(d, op->loc, "'%s' op %s operand has no element %" PRId64, op->def->name, what, k);
    return false;
  }
  *out = st_elem_load_f(st_type_elem(t), data, splat ? 0 : k);
  return true;
}

bool st_shape_expect_static(st_op *op, unsigned i, st_diag *d) {
  if (!st_graph_expect_tensor(op, i, d)) return false;
  const st_type *t = st_op_operand(op, i)->type;
  if (t->u.shaped.rank > ST_MAX_RANK) return st_graph_type_error(op, d, "supports rank up to 8", t);
  if (!st_type_has_static_shape(t)) return st_graph_type_error(op, d, "needs a static shape", t);
  return true;
}

int st_shape_compare(const st_type *elem, const void *a, int64_t i, const void *b, int64_t j) {
  if (st_type_is_float(elem)) {
    double x = st_elem_load_f(elem, a, i), y = st_elem_load_f(elem, b, j);
    bool nx = x != x, ny = y != y;
    if (nx || ny) return nx - ny;
    return (x > y) - (x < y);
  }
  int64_t x = st_elem_load_i(elem, a, i), y = st_elem_load_i(elem, b, j);
  if (elem->kind == ST_TY_U64) return ((uint64_t)x > (uint64_t)y) - ((uint64_t)x < (uint64_t)y);
  return (x > y) - (x < y);
}

static const st_type *st_shape_i64(st_context *ctx) { return st_type_scalar(ctx, ST_TY_I64); }

static const st_type *st_shape_operand_type(st_op *op, unsigned i) { return st_op_operand(op, i)->type; }

/* ---- graph.shape and graph.size: the operand's type answers them ---- */

static bool st_shape_range_of(st_op *op, unsigned rank, int64_t *lo, int64_t *hi) {
  int64_t s = st_op_attr_int(op, "start", 0), e = st_op_attr_int(op, "end", rank);
  if (s < 0) s += rank;
  if (e < 0) e += rank;
  *lo = s < 0 ? 0 : s > (int64_t)rank ? rank : s;
  *hi = e < 0 ? 0 : e > (int64_t)rank ? rank : e;
  if (*hi < *lo) *hi = *lo;
  return true;
}

static bool st_shape_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  int64_t lo, hi;
  st_shape_range_of(op, st_shape_operand_type(op, 0)->u.shaped.rank, &lo, &hi);
  st_dim n = hi - lo;
  results[0] = st_type_tensor(ctx, st_shape_i64(ctx), 1, &n);
  return true;
}

bool st_shape_interp_shape(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  (void)d;
  const st_type *t = in[0].type;
  int64_t lo, hi;
  st_shape_range_of(op, t->u.shaped.rank, &lo, &hi);
  for (int64_t i = lo; i < hi; i++) st_elem_store_i(st_type_elem(out[0].type), out[0].data, i - lo, t->u.shaped.dims[i]);
  return true;
}

static bool st_size_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  results[0] = st_type_tensor(ctx, st_shape_i64(ctx), 0, NULL);
  return true;
}

bool st_shape_interp_size(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  (void)op, (void)d;
  st_elem_store_i(st_type_elem(out[0].type), out[0].data, 0, st_type_num_elements(in[0].type));
  return true;
}

/* Shape, Size and EyeLike of a statically shaped value are constants
 * whatever its data: their fold hook runs the interpret hook on operand
 * types alone (no data), so shape arithmetic folds away.  Results above
 * 1 MiB stay ops, as in the interpret-based fold. */
bool st_shape_fold_from_types(st_op *op, const st_attr *const *consts, st_fold_result *out) {
  (void)consts;
  enum { MAX_BYTES = 1 << 20 };
  if (!out->m || op->num_operands != 1 || op->num_results != 1 || !op->def->interpret) return false;
  const st_type *t = st_shape_operand_type(op, 0), *rt = op->results[0].type;
  if (t->kind != ST_TY_TENSOR || !st_type_has_static_shape(t) || rt->kind != ST_TY_TENSOR ||
      !st_type_has_static_shape(rt))
    return false;
  size_t esz = st_dense_elem_size(st_type_elem(rt));
  int64_t n = st_type_num_elements(rt);
  if (n < 0 || (uint64_t)n > MAX_BYTES / esz) return false;
  size_t nbytes = (size_t)n * esz;
  st_tensor in = {t, NULL, 0}, res = {rt, calloc(1, nbytes ? nbytes : 1), nbytes};
  st_diag quiet = {0};
  bool ok = res.data && op->def->interpret(op, &in, &res, &quiet);
  st_diag_free(&quiet);
  out->attr = ok ? st_attr_dense(out->m, rt, res.data, nbytes, false) : NULL;
  free(res.data);
  return out->attr != NULL;
}

/* ---- graph.concat ---- */

static bool st_concat_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (op->num_operands == 0) {
    st_diag_error(d, op->loc, "'graph.concat' op needs at least one operand");
    return false;
  }
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *t0 = st_shape_operand_type(op, 0);
  unsigned r = t0->u.shaped.rank;
  int64_t axis;
  if (r == 0 || r > ST_MAX_RANK) return st_graph_type_error(op, d, "expects operands of rank 1 to 8", t0);
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", 0), r, &axis, d)) return false;
  st_dim dims[ST_MAX_RANK];
  memcpy(dims, t0->u.shaped.dims, r * sizeof *dims);
  dims[axis] = 0;
  for (unsigned i = 0; i < op->num_operands; i++) {
    if (!st_graph_expect_tensor(op, i, d)) return false;
    const st_type *t = st_shape_operand_type(op, i);
    if (t->u.shaped.elem != t0->u.shaped.elem || t->u.shaped.rank != r)
      return st_graph_type_error(op, d, "expects operands of one element type and rank", t);
    for (unsigned k = 0; k < r; k++)
      if (k != axis && t->u.shaped.dims[k] != dims[k])
        return st_graph_type_error(op, d, "expects operands whose dims agree off the axis", t);
    st_dim a = t->u.shaped.dims[axis];
    dims[axis] = a == ST_DIM_DYNAMIC || dims[axis] == ST_DIM_DYNAMIC ? ST_DIM_DYNAMIC : dims[axis] + a;
  }
  results[0] = st_type_tensor(ctx, t0->u.shaped.elem, r, dims);
  return true;
}

/* ---- graph.unsqueeze / graph.squeeze / graph.flatten: new shape, same data ---- */

static bool st_unsqueeze_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *t = st_shape_operand_type(op, 0);
  st_shape_ints axes;
  if (!st_shape_read_ints(op, NULL, 1, "axes", &axes, d)) return false;
  unsigned r = t->u.shaped.rank + axes.n;
  if (r > ST_MAX_RANK) return st_graph_type_error(op, d, "supports results up to rank 8", t);
  bool inserted[ST_MAX_RANK] = {0};
  for (unsigned k = 0; k < axes.n; k++) {
    int64_t a;
    if (!st_graph_axis(op, axes.v[k], r, &a, d)) return false;
    if (inserted[a]) {
      st_diag_error(d, op->loc, "'graph.unsqueeze' op repeats axis %" PRId64, a);
      return false;
    }
    inserted[a] = true;
  }
  st_dim dims[ST_MAX_RANK];
  for (unsigned i = 0, j = 0; i < r; i++) dims[i] = inserted[i] ? 1 : t->u.shaped.dims[j++];
  results[0] = st_type_tensor(ctx, t->u.shaped.elem, r, dims);
  return true;
}

static bool st_squeeze_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *t = st_shape_operand_type(op, 0);
  unsigned r = t->u.shaped.rank;
  if (r > ST_MAX_RANK) return st_graph_type_error(op, d, "supports rank up to 8", t);
  bool drop[ST_MAX_RANK] = {0};
  if (st_graph_has_operand(op, 1)) {
    st_shape_ints axes;
    if (!st_shape_read_ints(op, NULL, 1, "axes", &axes, d)) return false;
    for (unsigned k = 0; k < axes.n; k++) {
      int64_t a;
      if (!st_graph_axis(op, axes.v[k], r, &a, d)) return false;
      if (t->u.shaped.dims[a] != 1 && t->u.shaped.dims[a] != ST_DIM_DYNAMIC) {
        st_diag_error(d, op->loc, "'graph.squeeze' op dim %" PRId64 " has extent %" PRId64 ", not 1", a,
                      t->u.shaped.dims[a]);
        return false;
      }
      drop[a] = true;
    }
  } else {
    for (unsigned i = 0; i < r; i++) drop[i] = t->u.shaped.dims[i] == 1;
  }
  st_dim dims[ST_MAX_RANK];
  unsigned n = 0;
  for (unsigned i = 0; i < r; i++)
    if (!drop[i]) dims[n++] = t->u.shaped.dims[i];
  results[0] = st_type_tensor(ctx, t->u.shaped.elem, n, dims);
  return true;
}

static bool st_flatten_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_shape_expect_static(op, 0, d)) return false;
  const st_type *t = st_shape_operand_type(op, 0);
  unsigned r = t->u.shaped.rank;
  int64_t axis = st_op_attr_int(op, "axis", 1);
  if (axis < -(int64_t)r || axis > (int64_t)r) {
    st_diag_error(d, op->loc, "'graph.flatten' op axis %" PRId64 " is out of range for rank %u", axis, r);
    return false;
  }
  if (axis < 0) axis += r;
  st_dim dims[2] = {st_graph_prod(t->u.shaped.dims, 0, (unsigned)axis), st_graph_prod(t->u.shaped.dims, (unsigned)axis, r)};
  results[0] = st_type_tensor(ctx, t->u.shaped.elem, 2, dims);
  return true;
}

/* ---- graph.slice (data, starts, ends, axes?, steps?) ---- */

/* Clamps one axis the way ONNX does: negative positions count from the end,
 * then starts and ends are clamped to the valid range for the step's sign. */
static int64_t st_slice_count(int64_t dim, int64_t *start, int64_t end, int64_t step) {
  int64_t s = *start, e = end;
  if (s < 0) s += dim;
  if (e < 0) e += dim;
  if (step > 0) {
    s = s < 0 ? 0 : s > dim ? dim : s;
    e = e < 0 ? 0 : e > dim ? dim : e;
    *start = s;
    return e > s ? (e - s - 1) / step + 1 : 0;
  }
  s = s < 0 ? 0 : s > dim - 1 ? dim - 1 : s;
  e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
  *start = s;
  int64_t astep = step == INT64_MIN ? INT64_MAX : -step;
  return s > e ? (s - e - 1) / astep + 1 : 0;
}

bool st_shape_slice_plan(st_op *op, const st_tensor *in, st_slice_plan *p, st_diag *d) {
  const st_type *t = in ? in[0].type : st_shape_operand_type(op, 0);
  unsigned r = t->u.shaped.rank;
  p->rank = r;
  for (unsigned i = 0; i < r; i++) {
    p->start[i] = 0;
    p->step[i] = 1;
    p->count[i] = t->u.shaped.dims[i];
  }
  st_shape_ints starts, ends, axes, steps;
  if (!st_shape_read_ints(op, in, 1, "starts", &starts, d) || !st_shape_read_ints(op, in, 2, "ends", &ends, d))
    return false;
  if (st_graph_has_operand(op, 3)) {
    if (!st_shape_read_ints(op, in, 3, "axes", &axes, d)) return false;
  } else {
    axes.n = starts.n;
    for (unsigned k = 0; k < starts.n; k++) axes.v[k] = k;
  }
  if (st_graph_has_operand(op, 4)) {
    if (!st_shape_read_ints(op, in, 4, "steps", &steps, d)) return false;
  } else {
    steps.n = starts.n;
    for (unsigned k = 0; k < starts.n; k++) steps.v[k] = 1;
  }
  if (ends.n != starts.n || axes.n != starts.n || steps.n != starts.n) {
    st_diag_error(d, op->loc, "'graph.slice' op starts, ends, axes and steps differ in length");
    return false;
  }
  bool seen[ST_MAX_RANK] = {0};
  for (unsigned k = 0; k < starts.n; k++) {
    int64_t a;
    if (!st_graph_axis(op, axes.v[k], r, &a, d)) return false;
    if (seen[a] || steps.v[k] == 0) {
      st_diag_error(d, op->loc, "'graph.slice' op repeats axis %" PRId64 " or has a zero step", a);
      return false;
    }
    seen[a] = true;
    st_dim dim = t->u.shaped.dims[a];
    if (dim == ST_DIM_DYNAMIC) return st_graph_type_error(op, d, "needs static sliced dims", t);
    p->start[a] = starts.v[k];
    p->step[a] = steps.v[k];
    p->count[a] = st_slice_count(dim, &p->start[a], ends.v[k], steps.v[k]);
  }
  return true;
}

static bool st_slice_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 3, d)) return false;
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *t = st_shape_operand_type(op, 0);
  if (t->u.shaped.rank > ST_MAX_RANK) return st_graph_type_error(op, d, "supports rank up to 8", t);
  st_slice_plan p;
  if (!st_shape_slice_plan(op, NULL, &p, d)) return false;
  results[0] = st_type_tensor(ctx, t->u.shaped.elem, p.rank, p.count);
  return true;
}

/* ---- graph.expand / graph.tile / graph.constant_of_shape / graph.range ---- */

static bool st_expand_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *t = st_shape_operand_type(op, 0);
  st_shape_ints shape;
  if (!st_shape_read_ints(op, NULL, 1, "shape", &shape, d)) return false;
  for (unsigned i = 0; i < shape.n; i++)
    if (shape.v[i] < 0) return st_graph_type_error(op, d, "expects a shape operand without negative dims", t);
  st_dim dims[ST_MAX_RANK];
  unsigned r;
  if (shape.n > ST_MAX_RANK || t->u.shaped.rank > ST_MAX_RANK ||
      !st_broadcast_dims(t->u.shaped.rank, t->u.shaped.dims, shape.n, shape.v, &r, dims))
    return st_graph_type_error(op, d, "operand does not broadcast to the shape operand", t);
  results[0] = st_type_tensor(ctx, t->u.shaped.elem, r, dims);
  return true;
}

static bool st_tile_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_expect_tensor(op, 0, d)) return false;
  const st_type *t = st_shape_operand_type(op, 0);
  st_shape_ints reps;
  if (!st_shape_read_ints(op, NULL, 1, "repeats", &reps, d)) return false;
  unsigned r = t->u.shaped.rank;
  if (reps.n != r || r > ST_MAX_RANK) return st_graph_type_error(op, d, "expects one repeat per dim", t);
  st_dim dims[ST_MAX_RANK];
  for (unsigned i = 0; i < r; i++) {
    if (reps.v[i] < 0) return st_graph_type_error(op, d, "expects non-negative repeats", t);
    dims[i] = ST_DIM_DYNAMIC;
    if (t->u.shaped.dims[i] != ST_DIM_DYNAMIC && __builtin_mul_overflow(t->u.shaped.dims[i], reps.v[i], &dims[i]))
      return st_graph_type_error(op, d, "expects repeats that keep the dims in range", t);
  }
  results[0] = st_type_tensor(ctx, t->u.shaped.elem, r, dims);
  return true;
}

static bool st_constant_of_shape_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  st_shape_ints shape;
  if (!st_shape_read_ints(op, NULL, 0, "shape", &shape, d)) return false;
  if (shape.n > ST_MAX_RANK) {
    st_diag_error(d, op->loc, "'graph.constant_of_shape' op supports rank up to 8");
    return false;
  }
  for (unsigned i = 0; i < shape.n; i++)
    if (shape.v[i] < 0) {
      st_diag_error(d, op->loc, "'graph.constant_of_shape' op shape has a negative dim");
      return false;
    }
  const st_attr *v = st_op_get_attr(op, "value");
  const st_type *elem = st_type_scalar(ctx, ST_TY_F32);
  if (v) {
    if ((v->kind != ST_ATTR_DENSE && v->kind != ST_ATTR_RESOURCE) || st_type_num_elements(v->type) != 1) {
      st_diag_error(d, op->loc, "'graph.constant_of_shape' op 'value' must be a one-element tensor");
      return false;
    }
    elem = st_type_elem(v->type);
  }
  results[0] = st_type_tensor(ctx, elem, shape.n, shape.v);
  return true;
}

/* ceil((limit - start) / delta), at least 0; integers exactly. */
bool st_shape_range_count(st_op *op, const st_tensor *in, int64_t *count, st_diag *d) {
  const st_type *t = in ? in[0].type : st_shape_operand_type(op, 0);
  double n;
  if (st_type_is_float(st_type_elem(t))) {
    double s, l, dl;
    if (!st_shape_read_f(op, in, 0, 0, "start", &s, d) || !st_shape_read_f(op, in, 1, 0, "limit", &l, d) ||
        !st_shape_read_f(op, in, 2, 0, "delta", &dl, d))
      return false;
    n = dl == 0 ? -1 : ceil((l - s) / dl);
    if (n != n) n = -1;
  } else {
    st_shape_ints s, l, dl;
    if (!st_shape_read_ints(op, in, 0, "start", &s, d) || !st_shape_read_ints(op, in, 1, "limit", &l, d) ||
        !st_shape_read_ints(op, in, 2, "delta", &dl, d) || s.n != 1 || l.n != 1 || dl.n != 1) {
      if (!st_diag_has_errors(d)) st_diag_error(d, op->loc, "'graph.range' op expects scalar operands");
      return false;
    }
    int64_t a = s.v[0], b = l.v[0], k = dl.v[0];
    if (k == 0) n = -1;
    else if (k > 0) n = b > a ? (double)(((uint64_t)b - (uint64_t)a - 1) / (uint64_t)k + 1) : 0;
    else n = a > b ? (double)(((uint64_t)a - (uint64_t)b - 1) / (0 - (uint64_t)k) + 1) : 0;
  }
  if (n < 0 || n > (double)(INT64_C(1) << 40)) {
    st_diag_error(d, op->loc, "'graph.range' op has a zero delta or too many elements");
    return false;
  }
  *count = (int64_t)n;
  return true;
}

static bool st_range_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  for (unsigned i = 0; i < 3; i++)
    if (!st_graph_expect_tensor(op, i, d)) return false;
  const st_type *t = st_shape_operand_type(op, 0);
  int64_t n;
  if (!st_shape_range_count(op, NULL, &n, d)) return false;
  results[0] = st_type_tensor(ctx, t->u.shaped.elem, 1, &n);
  return true;
}

/* ---- the table ---- */

#define ST_MOVE (ST_TRAIT_PURE | ST_TRAIT_MOVEMENT)

const st_op_def st_graph_shape_def = {
    .name = "graph.shape", .summary = "the operand's dims as a 1-D i64 tensor (attrs start, end)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_shape_infer, .fold = st_shape_fold_from_types, .interpret = st_shape_interp_shape,
};
const st_op_def st_graph_size_def = {
    .name = "graph.size", .summary = "the operand's element count as an i64 scalar",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_size_infer, .fold = st_shape_fold_from_types, .interpret = st_shape_interp_size,
};
const st_op_def st_graph_concat_def = {
    .name = "graph.concat", .summary = "joins operands along an axis (attr axis)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_MOVE,
    .infer_types = st_concat_infer, .interpret = st_shape_interp_concat,
    .lower = st_graph_lower_concat,
};
const st_op_def st_graph_unsqueeze_def = {
    .name = "graph.unsqueeze", .summary = "inserts dims of extent 1 at the axes operand's positions",
    .num_operands = 2, .num_results = 1, .traits = ST_MOVE,
    .shape_operands = 1u << 1,
    .infer_types = st_unsqueeze_infer, .interpret = st_shape_interp_copy,
    .lower = st_graph_lower_reshape,
};
const st_op_def st_graph_squeeze_def = {
    .name = "graph.squeeze", .summary = "removes dims of extent 1 (those of the optional axes operand)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_MOVE,
    .shape_operands = 1u << 1,
    .infer_types = st_squeeze_infer, .interpret = st_shape_interp_copy,
    .lower = st_graph_lower_reshape,
};
const st_op_def st_graph_flatten_def = {
    .name = "graph.flatten", .summary = "reshapes to 2-D, splitting the dims at attr axis (default 1)",
    .num_operands = 1, .num_results = 1, .traits = ST_MOVE,
    .infer_types = st_flatten_infer, .interpret = st_shape_interp_copy,
    .lower = st_graph_lower_reshape,
};
const st_op_def st_graph_slice_def = {
    .name = "graph.slice", .summary = "strided slice (data, starts, ends, axes?, steps?)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_MOVE,
    .shape_operands = 0xFu << 1, /* starts, ends, axes, steps */
    .infer_types = st_slice_infer, .interpret = st_shape_interp_slice,
    .lower = st_graph_lower_slice,
};
const st_op_def st_graph_expand_def = {
    .name = "graph.expand", .summary = "broadcasts the operand with the shape operand",
    .num_operands = 2, .num_results = 1, .traits = ST_MOVE,
    .shape_operands = 1u << 1,
    .infer_types = st_expand_infer, .interpret = st_shape_interp_expand,
    .lower = st_graph_lower_expand,
};
const st_op_def st_graph_constant_of_shape_def = {
    .name = "graph.constant_of_shape", .summary = "a tensor of the shape operand filled with attr value (f32 0)",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE,
    .shape_operands = 1u << 0,
    .infer_types = st_constant_of_shape_infer, .interpret = st_shape_interp_constant_of_shape,
};
const st_op_def st_graph_range_def = {
    .name = "graph.range", .summary = "start, start + delta, ... below limit (scalar operands)",
    .num_operands = 3, .num_results = 1, .traits = ST_TRAIT_PURE,
    .shape_operands = 0x7u,
    .infer_types = st_range_infer, .interpret = st_shape_interp_range,
};
const st_op_def st_graph_tile_def = {
    .name = "graph.tile", .summary = "repeats the operand along each dim (repeats operand)",
    .num_operands = 2, .num_results = 1, .traits = ST_MOVE,
    .shape_operands = 1u << 1,
    .infer_types = st_tile_infer, .interpret = st_shape_interp_tile,
    .lower = st_graph_lower_tile,
};
static const st_op_def *const st_graph_shape_list[] = {
    &st_graph_shape_def,          &st_graph_size_def,           &st_graph_concat_def,
    &st_graph_unsqueeze_def,      &st_graph_squeeze_def,        &st_graph_flatten_def,
    &st_graph_slice_def,          &st_graph_expand_def,         &st_graph_constant_of_shape_def,
    &st_graph_range_def,          &st_graph_tile_def,           &st_graph_split_def,
    &st_graph_pad_def,            &st_graph_center_crop_pad_def, &st_graph_trilu_def,
    &st_graph_eye_like_def,       &st_graph_depth_to_space_def, &st_graph_space_to_depth_def,
    &st_graph_gather_def,         &st_graph_gather_elements_def, &st_graph_gather_nd_def,
    &st_graph_scatter_nd_def,     &st_graph_scatter_elements_def, &st_graph_one_hot_def,
    &st_graph_cum_sum_def,        &st_graph_cum_prod_def,       &st_graph_reverse_sequence_def,
    &st_graph_compress_def,       &st_graph_top_k_def,          &st_graph_arg_max_def,
    &st_graph_arg_min_def,        &st_graph_non_zero_def,       &st_graph_resize_def,
};

const st_op_group st_graph_shape_ops = ST_OP_GROUP(st_graph_shape_list);
