/* TensorProto <-> row-major buffers, for every ONNX data type Strata has an
 * element type for (the one table of ir/dialects/graph_dtype.h).
 *
 * Values come from raw_data (packed little-endian; 2- and 4-bit types packed
 * four or two per byte, first element in the low bits), from the typed
 * fields (float_data, int32_data holding the small types, packed the same way,
 * and the bit patterns of float16/bfloat16/float8, int64_data, double_data,
 * uint64_data) or from external data.  Buffers hold one element per
 * st_dense_elem_size() bytes: bool and the sub-byte types take a byte each.  Every
 * count read from the file is checked before it sizes an allocation. */
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx/onnx_internal.h"
#include "ir/dialects/graph_dtype.h"
#include "ir/elem.h"

const st_type *st_onnx_tensor_type(st_context *ctx, const Onnx__TensorProto *tp, st_loc loc, st_diag *d) {
  const char *name = st_onnx_str(tp->name);
  const st_type *elem = st_graph_dtype_type(ctx, tp->data_type);
  if (!elem) {
    st_diag_error(d, loc, "tensor '%s' has element type %s (%d), which Strata does not support", name,
                  st_graph_dtype_name(tp->data_type), (int)tp->data_type);
    return NULL;
  }
  if (tp->n_dims > ST_ONNX_MAX_RANK) {
    st_diag_error(d, loc, "tensor '%s' has rank %zu (limit %d)", name, tp->n_dims, ST_ONNX_MAX_RANK);
    return NULL;
  }
  st_dim dims[ST_ONNX_MAX_RANK];
  uint64_t n = 1;
  for (size_t i = 0; i < tp->n_dims; i++) {
    if (tp->dims[i] < 0 || (uint64_t)tp->dims[i] > ST_ONNX_MAX_TENSOR) {
      st_diag_error(d, loc, "tensor '%s' has an invalid dimension %lld", name, (long long)tp->dims[i]);
      return NULL;
    }
    dims[i] = tp->dims[i];
    n *= (uint64_t)tp->dims[i];
    if (n > ST_ONNX_MAX_TENSOR) {
      st_diag_error(d, loc, "tensor '%s' is too large", name);
      return NULL;
    }
  }
  return st_type_tensor(ctx, elem, (unsigned)tp->n_dims, dims);
}

/* Bits of a sub-byte element type (2 or 4), 0 for the others. */
static unsigned st_sub_bits(const st_type *elem) {
  unsigned b = st_type_bit_width(elem);
  return elem->kind != ST_TY_I1 && b < 8 ? b : 0;
}

/* Bytes of n elements as stored in raw_data (sub-byte types packed). */
static size_t st_raw_size(const st_type *elem, size_t n) {
  unsigned b = st_sub_bits(elem);
  if (b) return (n * b + 7) / 8;
  return n * st_dense_elem_size(elem);
}

/* Element i of packed sub-byte data (first element in the low bits), one
 * per byte, sign-extended for the signed integer types. */
static uint8_t st_unpack_one(const st_type *elem, uint8_t byte, size_t i, unsigned bits) {
  unsigned v = (unsigned)(byte >> (bits * i)) & ((1u << bits) - 1);
  bool sign = (elem->kind == ST_TY_I4 || elem->kind == ST_TY_I2) && (v >> (bits - 1));
  return (uint8_t)(sign ? v | (0xFFu << bits) : v);
}

static void st_unpack_raw(const st_type *elem, const uint8_t *raw, size_t n, void *dst) {
  unsigned b = st_sub_bits(elem);
  if (n == 0) return; /* raw may be NULL then */
  if (b) {
    for (size_t i = 0; i < n; i++) ((uint8_t *)dst)[i] = st_unpack_one(elem, raw[i * b / 8], i % (8 / b), b);
    return;
  }
  memcpy(dst, raw, n * st_dense_elem_size(elem));
  if (elem->kind == ST_TY_I1)
    for (size_t i = 0; i < n; i++) ((uint8_t *)dst)[i] = ((uint8_t *)dst)[i] != 0;
}

/* Typed fields: which one holds the data type, and its element count. */
static bool st_decode_typed(const Onnx__TensorProto *tp, const st_type *elem, size_t n, void *dst, st_loc loc,
                            st_diag *d) {
  unsigned sub = st_sub_bits(elem);
  size_t have;
  const char *field;
  switch (elem->kind) {
  case ST_TY_F32: have = tp->n_float_data, field = "float_data"; break;
  case ST_TY_F64: have = tp->n_double_data, field = "double_data"; break;
  case ST_TY_I64: have = tp->n_int64_data, field = "int64_data"; break;
  case ST_TY_U32: case ST_TY_U64: have = tp->n_uint64_data, field = "uint64_data"; break;
  default: have = tp->n_int32_data * (sub ? 8 / sub : 1), field = "int32_data"; break;
  }
  if (n == 0) return true;
  if (have < n || (!sub && have != n) || (sub && have - n >= 8 / sub)) {
    st_diag_error(d, loc, "tensor '%s' has %zu values in %s, its shape needs %zu", st_onnx_str(tp->name), have, field,
                  n);
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    switch (elem->kind) {
    case ST_TY_F32: ((float *)dst)[i] = tp->float_data[i]; break;
    case ST_TY_F64: ((double *)dst)[i] = tp->double_data[i]; break;
    case ST_TY_I64: ((int64_t *)dst)[i] = tp->int64_data[i]; break;
    case ST_TY_U32: ((uint32_t *)dst)[i] = (uint32_t)tp->uint64_data[i]; break;
    case ST_TY_U64: ((uint64_t *)dst)[i] = tp->uint64_data[i]; break;
    case ST_TY_F16: case ST_TY_BF16: {
      uint16_t h = (uint16_t)tp->int32_data[i];
      memcpy((char *)dst + 2 * i, &h, 2);
      break;
    }
    case ST_TY_F8E4M3FN: case ST_TY_F8E4M3FNUZ: case ST_TY_F8E5M2: case ST_TY_F8E5M2FNUZ: case ST_TY_F8E8M0FNU:
      ((uint8_t *)dst)[i] = (uint8_t)tp->int32_data[i]; /* bit patterns */
      break;
    default:
      if (sub) {
        size_t per = 8 / sub;
        ((uint8_t *)dst)[i] = st_unpack_one(elem, (uint8_t)tp->int32_data[i / per], i % per, sub);
      } else {
        st_elem_store_i(elem, dst, (int64_t)i, tp->int32_data[i]);
      }
      break;
    }
  }
  return true;
}

bool st_onnx_tensor_decode(st_context *ctx, const Onnx__TensorProto *tp, const char *dir, st_tensor *out, st_loc loc,
                           st_diag *d) {
  memset(out, 0, sizeof *out);
  const st_type *t = st_onnx_tensor_type(ctx, tp, loc, d);
  if (!t) return false;
  const st_type *elem = t->u.shaped.elem;
  size_t n = (size_t)st_type_num_elements(t);
  size_t nbytes = n * st_dense_elem_size(elem), raw = st_raw_size(elem, n);
  if (nbytes > ST_ONNX_MAX_TENSOR) {
    st_diag_error(d, loc, "tensor '%s' is too large (%zu bytes)", st_onnx_str(tp->name), nbytes);
    return false;
  }
  void *buf = calloc(1, nbytes ? nbytes : 1);
  if (!buf) {
    st_diag_error(d, loc, "out of memory decoding tensor '%s'", st_onnx_str(tp->name));
    return false;
  }
  bool ok = true;
  if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
    uint8_t *tmp = st_sub_bits(elem) || elem->kind == ST_TY_I1 ? malloc(raw ? raw : 1) : NULL;
    ok = st_onnx_external_read(tp, dir, tmp ? tmp : buf, raw, loc, d);
    if (ok && tmp) st_unpack_raw(elem, tmp, n, buf);
    free(tmp);
  } else if (tp->has_raw_data) {
    if (tp->raw_data.len != raw) {
      st_diag_error(d, loc, "tensor '%s' has %zu bytes of raw_data, its type needs %zu", st_onnx_str(tp->name),
                    tp->raw_data.len, raw);
      ok = false;
    } else {
      st_unpack_raw(elem, tp->raw_data.data, n, buf);
    }
  } else {
    ok = st_decode_typed(tp, elem, n, buf, loc, d);
  }
  if (!ok) {
    free(buf);
    return false;
  }
  out->type = t;
  out->data = buf;
  out->nbytes = nbytes;
  return true;
}

bool st_onnx_tensor_parse(st_context *ctx, const void *bytes, size_t len, st_tensor *out, st_diag *d) {
  Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, len, bytes);
  if (!tp) {
    st_diag_error(d, st_loc_unknown(), "not a valid TensorProto (truncated or corrupt)");
    return false;
  }
  if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
    st_diag_error(d, st_loc_unknown(), "tensor files with external data are not supported");
    onnx__tensor_proto__free_unpacked(tp, NULL);
    return false;
  }
  bool ok = st_onnx_tensor_decode(ctx, tp, NULL, out, st_loc_unknown(), d);
  onnx__tensor_proto__free_unpacked(tp, NULL);
  return ok;
}

bool st_onnx_tensor_read_file(st_context *ctx, const char *path, st_tensor *out, st_diag *d) {
  uint8_t *data;
  size_t len;
  if (!st_onnx_read_file(path, ST_ONNX_MAX_FILE, &data, &len, d)) return false;
  bool ok = st_onnx_tensor_parse(ctx, data, len, out, d);
  if (!ok) st_diag_note(d, st_loc_unknown(), "while reading '%s'", path);
  free(data);
  return ok;
}

bool st_onnx_tensor_write_file(const st_tensor *t, const char *name, const char *path, st_diag *d) {
  const st_type *elem = st_type_elem(t->type);
  int64_t dtype = st_graph_dtype_code(elem);
  if (!dtype || t->type->kind != ST_TY_TENSOR) {
    st_diag_error(d, st_loc_unknown(), "cannot write a tensor of this type as ONNX");
    return false;
  }
  Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
  int64_t dims[ST_ONNX_MAX_RANK];
  unsigned rank = t->type->u.shaped.rank;
  for (unsigned i = 0; i < rank && i < ST_ONNX_MAX_RANK; i++) dims[i] = t->type->u.shaped.dims[i];
  tp.n_dims = rank;
  tp.dims = dims;
  tp.has_data_type = 1;
  tp.data_type = (int32_t)dtype;
  tp.name = (char *)(name ? name : "");
  size_t n = (size_t)st_type_num_elements(t->type);
  uint8_t *packed = NULL;
  tp.has_raw_data = 1;
  unsigned sub = st_sub_bits(elem);
  if (sub) {
    size_t per = 8 / sub;
    packed = calloc(1, st_raw_size(elem, n) + 1);
    if (!packed) return false;
    for (size_t i = 0; i < n; i++)
      packed[i / per] |= (uint8_t)((((const uint8_t *)t->data)[i] & ((1u << sub) - 1)) << (sub * (i % per)));
    tp.raw_data.data = packed;
    tp.raw_data.len = st_raw_size(elem, n);
  } else {
    tp.raw_data.data = t->data;
    tp.raw_data.len = t->nbytes;
  }
  size_t size = onnx__tensor_proto__get_packed_size(&tp);
  uint8_t *buf = malloc(size ? size : 1);
  bool ok = buf != NULL;
  if (ok) onnx__tensor_proto__pack(&tp, buf);
  FILE *f = ok ? fopen(path, "wb") : NULL;
  if (!f || fwrite(buf, 1, size, f) != size) {
    st_diag_error(d, st_loc_unknown(), "cannot write '%s'", path);
    ok = false;
  }
  if (f && fclose(f) != 0) ok = false;
  free(buf);
  free(packed);
  return ok;
}
