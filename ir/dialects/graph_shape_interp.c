/* Reference semantics of the rearranging ops of the shape family (their type
 * rules are in graph_shape.c).
 *
 * Most of these ops only move elements, so they copy bytes of the element
 * size and serve every dtype with one loop.  Values that steer the copy
 * (starts, pads, repeats) are read again from the runtime tensors and checked
 * against the result type the caller allocated, so a disagreement is a
 * diagnostic, not an out-of-bounds write. */
#include <inttypes.h>
#include <string.h>

#include "ir/dialects/graph_shape.h"
#include "ir/elem.h"

static size_t st_esz(const st_tensor *t) { return st_dense_elem_size(st_type_elem(t->type)); }

static void st_copy_elem(st_tensor *dst, int64_t i, const st_tensor *src, int64_t j, size_t esz) {
  memcpy((char *)dst->data + (size_t)i * esz, (const char *)src->data + (size_t)j * esz, esz);
}

static bool st_shape_mismatch(st_op *op, st_diag *d) {
  st_diag_error(d, op->loc, "'%s' op operand values disagree with the result type", op->def->name);
  return false;
}

static bool st_same_dims(const st_type *t, unsigned rank, const st_dim *dims) {
  return t->u.shaped.rank == rank && memcmp(t->u.shaped.dims, dims, rank * sizeof *dims) == 0;
}

bool st_shape_interp_copy(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  (void)op, (void)d;
  size_t n = out[0].nbytes < in[0].nbytes ? out[0].nbytes : in[0].nbytes;
  if (n) memcpy(out[0].data, in[0].data, n);
  return true;
}

bool st_shape_interp_concat(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *ot = out[0].type;
  unsigned r = ot->u.shaped.rank;
  int64_t axis;
  if (!st_graph_axis(op, st_op_attr_int(op, "axis", 0), r, &axis, d)) return false;
  int64_t outer = st_graph_prod(ot->u.shaped.dims, 0, (unsigned)axis);
  int64_t inner = st_graph_prod(ot->u.shaped.dims, (unsigned)axis + 1, r);
  size_t esz = st_esz(&out[0]);
  char *dst = out[0].data;
  for (int64_t o = 0; o < outer; o++)
    for (unsigned i = 0; i < op->num_operands; i++) {
      size_t chunk = (size_t)(in[i].type->u.shaped.dims[axis] * inner) * esz;
      if (chunk) memcpy(dst, (const char *)in[i].data + (size_t)o * chunk, chunk);
      dst += chunk;
    }
  return true;
}

bool st_shape_interp_slice(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_slice_plan p;
  if (!st_shape_slice_plan(op, in, &p, d)) return false;
  const st_type *ot = out[0].type;
  if (!st_same_dims(ot, p.rank, p.count)) return st_shape_mismatch(op, d);
  int64_t strides[ST_MAX_RANK], idx[ST_MAX_RANK] = {0};
  st_graph_strides(p.rank, in[0].type->u.shaped.dims, strides);
  int64_t n = st_type_num_elements(ot);
  size_t esz = st_esz(&out[0]);
  for (int64_t i = 0; i < n; i++) {
    int64_t src = 0;
    for (unsigned k = 0; k < p.rank; k++) src += (p.start[k] + idx[k] * p.step[k]) * strides[k];
    st_copy_elem(&out[0], i, &in[0], src, esz);
    st_graph_next_index(p.rank, ot->u.shaped.dims, idx);
  }
  return true;
}

bool st_shape_interp_expand(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  (void)op, (void)d;
  const st_type *ot = out[0].type;
  unsigned r = ot->u.shaped.rank;
  int64_t strides[ST_MAX_RANK], idx[ST_MAX_RANK] = {0};
  st_graph_bcast_strides(in[0].type, r, ot->u.shaped.dims, strides);
  int64_t n = st_type_num_elements(ot);
  size_t esz = st_esz(&out[0]);
  for (int64_t i = 0; i < n; i++) {
    int64_t src = 0;
    for (unsigned k = 0; k < r; k++) src += idx[k] * strides[k];
    st_copy_elem(&out[0], i, &in[0], src, esz);
    st_graph_next_index(r, ot->u.shaped.dims, idx);
  }
  return true;
}

bool st_shape_interp_constant_of_shape(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  (void)in, (void)d;
  const st_attr *v = st_op_get_attr(op, "value");
  size_t esz = st_esz(&out[0]), nbytes = 0;
  bool splat;
  const void *data = v ? st_attr_elements(v, &nbytes, &splat) : NULL;
  if (!data || nbytes < esz) {
    if (out[0].nbytes) memset(out[0].data, 0, out[0].nbytes);
    return true;
  }
  int64_t n = st_type_num_elements(out[0].type);
  for (int64_t i = 0; i < n; i++) memcpy((char *)out[0].data + (size_t)i * esz, data, esz);
  return true;
}

bool st_shape_interp_range(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  int64_t n;
  if (!st_shape_range_count(op, in, &n, d)) return false;
  if (n != st_type_num_elements(out[0].type)) return st_shape_mismatch(op, d);
  const st_type *elem = st_type_elem(out[0].type);
  if (st_type_is_float(elem)) {
    double s = st_elem_load_f(elem, in[0].data, 0), dl = st_elem_load_f(elem, in[2].data, 0);
    for (int64_t i = 0; i < n; i++) st_elem_store_f(elem, out[0].data, i, s + (double)i * dl);
  } else {
    uint64_t s = (uint64_t)st_elem_load_i(elem, in[0].data, 0), dl = (uint64_t)st_elem_load_i(elem, in[2].data, 0);
    for (int64_t i = 0; i < n; i++) st_elem_store_i(elem, out[0].data, i, (int64_t)(s + (uint64_t)i * dl));
  }
  return true;
}

bool st_shape_interp_tile(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *it = in[0].type, *ot = out[0].type;
  unsigned r = it->u.shaped.rank;
  st_shape_ints reps;
  if (!st_shape_read_ints(op, in, 1, "repeats", &reps, d)) return false;
  for (unsigned k = 0; k < r; k++)
    if (reps.n != r || ot->u.shaped.dims[k] != it->u.shaped.dims[k] * reps.v[k]) return st_shape_mismatch(op, d);
  int64_t strides[ST_MAX_RANK], idx[ST_MAX_RANK] = {0};
  st_graph_strides(r, it->u.shaped.dims, strides);
  int64_t n = st_type_num_elements(ot);
  size_t esz = st_esz(&out[0]);
  for (int64_t i = 0; i < n; i++) {
    int64_t src = 0;
    for (unsigned k = 0; k < r; k++) src += idx[k] % it->u.shaped.dims[k] * strides[k];
    st_copy_elem(&out[0], i, &in[0], src, esz);
    st_graph_next_index(r, ot->u.shaped.dims, idx);
  }
  return true;
}

bool st_shape_interp_split(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  int64_t axis;
  st_shape_ints sizes;
  if (!st_shape_split_plan(op, in, &axis, &sizes, d)) return false;
  const st_type *it = in[0].type;
  unsigned r = it->u.shaped.rank;
  int64_t outer = st_graph_prod(it->u.shaped.dims, 0, (unsigned)axis);
  int64_t inner = st_graph_prod(it->u.shaped.dims, (unsigned)axis + 1, r);
  size_t esz = st_esz(&in[0]);
  int64_t offset = 0, dim = it->u.shaped.dims[axis];
  for (unsigned j = 0; j < op->num_results; j++) {
    if (out[j].type->u.shaped.dims[axis] != sizes.v[j]) return st_shape_mismatch(op, d);
    size_t chunk = (size_t)(sizes.v[j] * inner) * esz;
    for (int64_t o = 0; o < outer && chunk; o++)
      memcpy((char *)out[j].data + (size_t)o * chunk,
             (const char *)in[0].data + ((size_t)(o * dim + offset) * (size_t)inner) * esz, chunk);
    offset += sizes.v[j];
  }
  return true;
}

enum st_pad_mode { ST_PAD_CONSTANT, ST_PAD_REFLECT, ST_PAD_EDGE, ST_PAD_WRAP };

/* Fills out from in under a pad plan: negative begin/end pads crop first,
 * then the kept window is padded by the mode (as the ONNX reference does). */
static bool st_pad_fill(st_op *op, const st_pad_plan *p, enum st_pad_mode mode, const void *value, const st_tensor *in,
                        st_tensor *out, st_diag *d) {
  const st_type *it = in[0].type, *ot = out[0].type;
  unsigned r = p->rank;
  if (!st_same_dims(ot, r, p->dims)) return st_shape_mismatch(op, d);
  int64_t lead[ST_MAX_RANK], crop[ST_MAX_RANK], keep[ST_MAX_RANK], strides[ST_MAX_RANK], idx[ST_MAX_RANK] = {0};
  for (unsigned k = 0; k < r; k++) {
    int64_t dim = it->u.shaped.dims[k], end = p->dims[k] - dim - p->begin[k];
    lead[k] = p->begin[k] > 0 ? p->begin[k] : 0;
    crop[k] = p->begin[k] < 0 ? -p->begin[k] : 0;
    keep[k] = dim - crop[k] - (end < 0 ? -end : 0);
    if (keep[k] <= 0 && mode != ST_PAD_CONSTANT && p->dims[k] > 0) {
      st_diag_error(d, op->loc, "'%s' op cannot pad an empty dim in this mode", op->def->name);
      return false;
    }
  }
  st_graph_strides(r, it->u.shaped.dims, strides);
  int64_t n = st_type_num_elements(ot);
  size_t esz = st_esz(&out[0]);
  for (int64_t i = 0; i < n; i++) {
    int64_t src = 0;
    bool inside = true;
    for (unsigned k = 0; k < r; k++) {
      int64_t x = idx[k] - lead[k], m = keep[k];
      if (x < 0 || x >= m) {
        if (mode == ST_PAD_CONSTANT) inside = false;
        else if (mode == ST_PAD_EDGE) x = x < 0 ? 0 : m - 1;
        else if (mode == ST_PAD_WRAP) x = (x % m + m) % m;
        else if (m == 1) x = 0;
        else {
          int64_t period = 2 * (m - 1);
          x = (x % period + period) % period;
          if (x >= m) x = period - x;
        }
      }
      src += (crop[k] + x) * strides[k];
    }
    if (inside) st_copy_elem(&out[0], i, &in[0], src, esz);
    else memcpy((char *)out[0].data + (size_t)i * esz, value, esz);
    st_graph_next_index(r, ot->u.shaped.dims, idx);
  }
  return true;
}

bool st_shape_interp_pad(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_pad_plan p;
  if (!st_shape_pad_plan(op, in, &p, d)) return false;
  const char *m = st_op_attr_str(op, "mode");
  enum st_pad_mode mode = !m || !strcmp(m, "constant") ? ST_PAD_CONSTANT
                          : !strcmp(m, "reflect")      ? ST_PAD_REFLECT
                          : !strcmp(m, "edge")         ? ST_PAD_EDGE
                                                       : ST_PAD_WRAP;
  unsigned char zero[16] = {0};
  const void *value = zero;
  if (st_graph_has_operand(op, 2) && st_type_num_elements(in[2].type) > 0) {
    if (st_type_elem(in[2].type) != st_type_elem(in[0].type)) {
      st_diag_error(d, op->loc, "'graph.pad' op constant_value must have the data's element type");
      return false;
    }
    value = in[2].data;
  }
  return st_pad_fill(op, &p, mode, value, in, out, d);
}

bool st_shape_interp_center_crop_pad(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_pad_plan p;
  if (!st_shape_crop_pad_plan(op, in, &p, d)) return false;
  unsigned char zero[16] = {0};
  return st_pad_fill(op, &p, ST_PAD_CONSTANT, zero, in, out, d);
}

bool st_shape_interp_trilu(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  int64_t k = 0;
  if (st_graph_has_operand(op, 1)) {
    st_shape_ints kv;
    if (!st_shape_read_ints(op, in, 1, "k", &kv, d)) return false;
    if (kv.n != 1) {
      st_diag_error(d, op->loc, "'graph.trilu' op k must hold one value");
      return false;
    }
    k = kv.v[0];
  }
  bool upper = st_op_attr_int(op, "upper", 1) != 0;
  const st_type *t = out[0].type;
  unsigned r = t->u.shaped.rank;
  int64_t rows = t->u.shaped.dims[r - 2], cols = t->u.shaped.dims[r - 1];
  int64_t n = st_type_num_elements(t);
  size_t esz = st_esz(&out[0]);
  for (int64_t i = 0; i < n; i++) {
    int64_t row = i / cols % rows, col = i % cols;
    /* col - row compared without overflow: both are small. */
    bool keep = upper ? col - row >= k : col - row <= k;
    if (keep) st_copy_elem(&out[0], i, &in[0], i, esz);
    else memset((char *)out[0].data + (size_t)i * esz, 0, esz);
  }
  return true;
}

bool st_shape_interp_eye_like(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  (void)in, (void)d;
  int64_t k = st_op_attr_int(op, "k", 0);
  const st_type *t = out[0].type, *elem = t->u.shaped.elem;
  int64_t rows = t->u.shaped.dims[0], cols = t->u.shaped.dims[1];
  if (out[0].nbytes) memset(out[0].data, 0, out[0].nbytes);
  for (int64_t i = 0; i < rows; i++) {
    if (k > cols || k < -rows) break;
    int64_t j = i + k;
    if (j >= 0 && j < cols) st_elem_store_f(elem, out[0].data, i * cols + j, 1.0);
  }
  return true;
}

/* DCR: out[n, c, h*b + i, w*b + j] = in[n, (i*b + j)*C' + c, h, w];
 * CRD: out[n, c, h*b + i, w*b + j] = in[n, c*b*b + i*b + j, h, w]. */
bool st_shape_interp_depth_to_space(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  (void)d;
  int64_t b = st_op_attr_int(op, "blocksize", 1);
  const char *mode = st_op_attr_str(op, "mode");
  bool crd = mode && !strcmp(mode, "CRD");
  const st_dim *o = out[0].type->u.shaped.dims, *x = in[0].type->u.shaped.dims;
  size_t esz = st_esz(&out[0]);
  int64_t i = 0;
  for (int64_t n = 0; n < o[0]; n++)
    for (int64_t c = 0; c < o[1]; c++)
      for (int64_t h = 0; h < o[2]; h++)
        for (int64_t w = 0; w < o[3]; w++, i++) {
          int64_t bi = h % b, bj = w % b;
          int64_t ic = crd ? c * b * b + bi * b + bj : (bi * b + bj) * o[1] + c;
          st_copy_elem(&out[0], i, &in[0], ((n * x[1] + ic) * x[2] + h / b) * x[3] + w / b, esz);
        }
  return true;
}

bool st_shape_interp_space_to_depth(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  (void)d;
  int64_t b = st_op_attr_int(op, "blocksize", 1);
  const st_dim *o = out[0].type->u.shaped.dims, *x = in[0].type->u.shaped.dims;
  size_t esz = st_esz(&out[0]);
  int64_t i = 0;
  for (int64_t n = 0; n < o[0]; n++)
    for (int64_t c = 0; c < o[1]; c++)
      for (int64_t h = 0; h < o[2]; h++)
        for (int64_t w = 0; w < o[3]; w++, i++) {
          int64_t blk = c / x[1], ic = c % x[1], bi = blk / b, bj = blk % b;
          st_copy_elem(&out[0], i, &in[0], ((n * x[1] + ic) * x[2] + h * b + bi) * x[3] + w * b + bj, esz);
        }
  return true;
}
