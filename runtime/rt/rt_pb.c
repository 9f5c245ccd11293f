/* ONNX TensorProto files read and written straight from the protobuf wire
 * format, so the runtime needs no protobuf library: a TensorProto is flat
 * (dims, data_type, name, raw_data and one typed field), and the few other
 * fields are skipped or refused (string data, external data).
 *
 * Values come from raw_data (packed little-endian; 2- and 4-bit types packed
 * four or two per byte, first element in the low bits) or from the typed
 * field the data type uses: float_data, double_data, int64_data,
 * uint64_data (u32, u64), else int32_data (the small integers; f16, bf16 and
 * the 8-bit floats as bit patterns; sub-byte types packed as in raw_data).
 * Every count read from the file is checked before it sizes anything. */
#include <stdlib.h>
#include <string.h>

#include "runtime/rt/rt.h"

enum { ST_RT_PB_MAX_FILE = 1 << 30 };

typedef struct st_pb_in {
  const uint8_t *p, *end;
} st_pb_in;

static bool st_pb_varint(st_pb_in *in, uint64_t *v) {
  *v = 0;
  for (unsigned shift = 0; shift < 64 && in->p < in->end; shift += 7) {
    uint8_t b = *in->p++;
    *v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

/* A growable array of 64-bit values (every typed field fits one). */
typedef struct st_pb_vals {
  uint64_t *v;
  size_t n, cap;
} st_pb_vals;

static bool st_pb_push(st_pb_vals *a, uint64_t x) {
  if (a->n == a->cap) {
    size_t cap = a->cap ? 2 * a->cap : 64;
    uint64_t *v = cap < ((size_t)1 << 40) ? realloc(a->v, cap * sizeof *v) : NULL;
    if (!v) return false;
    a->v = v;
    a->cap = cap;
  }
  a->v[a->n++] = x;
  return true;
}

/* One scalar of a repeated field: varint, or fixed 32/64-bit. */
static bool st_pb_scalar(st_pb_in *in, unsigned wire, uint64_t *x) {
  if (wire == 0) return st_pb_varint(in, x);
  unsigned size = wire == 5 ? 4 : wire == 1 ? 8 : 0;
  if (!size || (size_t)(in->end - in->p) < size) return false;
  *x = 0;
  for (unsigned k = 0; k < size; k++) *x |= (uint64_t)in->p[k] << (8 * k);
  in->p += size;
  return true;
}

/* A repeated field, packed (wire type 2) or one value; `scalar_wire` is the
 * wire type of one element (0 varint, 5 fixed32, 1 fixed64). */
static bool st_pb_repeated(st_pb_in *in, unsigned wire, unsigned scalar_wire, st_pb_vals *a) {
  uint64_t x;
  if (wire != 2) return wire == scalar_wire && st_pb_scalar(in, wire, &x) && st_pb_push(a, x);
  uint64_t len;
  if (!st_pb_varint(in, &len) || len > (uint64_t)(in->end - in->p)) return false;
  st_pb_in sub = {in->p, in->p + len};
  in->p += len;
  while (sub.p < sub.end)
    if (!st_pb_scalar(&sub, scalar_wire, &x) || !st_pb_push(a, x)) return false;
  return true;
}

static bool st_pb_skip(st_pb_in *in, unsigned wire) {
  uint64_t x;
  if (wire != 2) return st_pb_scalar(in, wire, &x);
  if (!st_pb_varint(in, &x) || x > (uint64_t)(in->end - in->p)) return false;
  in->p += x;
  return true;
}

typedef struct st_pb_tensor {
  st_pb_vals dims, f32, f64, i32, i64, u64;
  int data_type;
  const uint8_t *raw;
  size_t raw_len;
  bool has_raw, external, strings;
} st_pb_tensor;

static bool st_pb_decode(const uint8_t *bytes, size_t len, st_pb_tensor *t) {
  st_pb_in in = {bytes, bytes + len};
  while (in.p < in.end) {
    uint64_t key, v = 0;
    if (!st_pb_varint(&in, &key)) return false;
    unsigned field = (unsigned)(key >> 3), wire = key & 7;
    bool ok;
    switch (field) {
    case 1: ok = st_pb_repeated(&in, wire, 0, &t->dims); break;
    case 2: ok = wire == 0 && st_pb_varint(&in, &v), t->data_type = (int)v; break;
    case 4: ok = st_pb_repeated(&in, wire, 5, &t->f32); break;
    case 5: ok = st_pb_repeated(&in, wire, 0, &t->i32); break;
    case 7: ok = st_pb_repeated(&in, wire, 0, &t->i64); break;
    case 10: ok = st_pb_repeated(&in, wire, 1, &t->f64); break;
    case 11: ok = st_pb_repeated(&in, wire, 0, &t->u64); break;
    case 9:
      ok = wire == 2 && st_pb_varint(&in, &v) && v <= (uint64_t)(in.end - in.p);
      if (ok) t->raw = in.p, t->raw_len = (size_t)v, t->has_raw = true, in.p += v;
      break;
    case 14: ok = wire == 0 && st_pb_varint(&in, &v), t->external |= v == 1; break;
    default:
      t->strings |= field == 6;
      t->external |= field == 13;
      ok = st_pb_skip(&in, wire);
    }
    if (!ok) return false;
  }
  return true;
}

static void st_pb_tensor_free(st_pb_tensor *t) {
  free(t->dims.v), free(t->f32.v), free(t->f64.v), free(t->i32.v), free(t->i64.v), free(t->u64.v);
}

/* Element i of packed sub-byte data (first element in the low bits), one
 * per byte, sign-extended for the signed integer types. */
static uint8_t st_pb_unpack_one(st_rt_dtype t, uint8_t byte, size_t i, unsigned bits) {
  unsigned v = (unsigned)(byte >> (bits * i)) & ((1u << bits) - 1);
  bool sign = (t == ST_RT_I4 || t == ST_RT_I2) && (v >> (bits - 1));
  return (uint8_t)(sign ? v | (0xFFu << bits) : v);
}

static unsigned st_pb_sub_bits(st_rt_dtype t) { return t != ST_RT_I1 && st_rt_dtype_bits(t) < 8 ? st_rt_dtype_bits(t) : 0; }

static bool st_pb_from_raw(const st_pb_tensor *pt, st_rt_tensor *out, size_t n, st_rt_err *e) {
  unsigned sub = st_pb_sub_bits(out->dtype);
  size_t want = sub ? (n * sub + 7) / 8 : out->nbytes;
  if (pt->raw_len != want) return st_rt_fail(e, "%zu bytes of raw_data, the shape needs %zu", pt->raw_len, want);
  uint8_t *dst = out->data;
  if (sub)
    for (size_t i = 0; i < n; i++) dst[i] = st_pb_unpack_one(out->dtype, pt->raw[i * sub / 8], i % (8 / sub), sub);
  else if (n)
    memcpy(dst, pt->raw, want);
  if (out->dtype == ST_RT_I1)
    for (size_t i = 0; i < n; i++) dst[i] = dst[i] != 0;
  return true;
}

static bool st_pb_from_typed(const st_pb_tensor *pt, st_rt_tensor *out, size_t n, st_rt_err *e) {
  st_rt_dtype t = out->dtype;
  unsigned sub = st_pb_sub_bits(t);
  const st_pb_vals *src = t == ST_RT_F32 ? &pt->f32 : t == ST_RT_F64 ? &pt->f64 : t == ST_RT_I64 ? &pt->i64
                          : t == ST_RT_U32 || t == ST_RT_U64 ? &pt->u64 : &pt->i32;
  size_t per = sub ? 8 / sub : 1, have = src->n * per;
  if (n && (have < n || (!sub && have != n) || (sub && have - n >= per)))
    return st_rt_fail(e, "%zu values in the typed field, the shape needs %zu", have, n);
  uint8_t *dst = out->data;
  size_t size = st_rt_dtype_size(t);
  for (size_t i = 0; i < n; i++) {
    uint64_t v = src->v[i / per];
    if (t == ST_RT_F32) {
      uint32_t b = (uint32_t)v;
      memcpy(dst + 4 * i, &b, 4);
    } else if (sub) {
      dst[i] = st_pb_unpack_one(t, (uint8_t)v, i % per, sub);
    } else if (t == ST_RT_I1) {
      dst[i] = v != 0;
    } else {
      memcpy(dst + size * i, &v, size); /* little-endian: the low bytes */
    }
  }
  return true;
}

bool st_rt_pb_parse(const void *bytes, size_t len, st_rt_tensor *out, st_rt_err *e) {
  memset(out, 0, sizeof *out);
  st_pb_tensor pt = {0};
  bool ok = st_pb_decode(bytes, len, &pt);
  if (!ok) st_rt_fail(e, "not a valid TensorProto (truncated or corrupt)");
  else if (pt.external) ok = st_rt_fail(e, "tensor files with external data are not supported");
  else if (pt.strings) ok = st_rt_fail(e, "string tensors are not supported");
  st_rt_dtype dtype = st_rt_dtype_from_onnx(pt.data_type);
  if (ok && dtype == ST_RT_UNKNOWN) ok = st_rt_fail(e, "unsupported TensorProto data type %d", pt.data_type);
  if (ok && pt.dims.n > ST_RT_MAX_RANK) ok = st_rt_fail(e, "rank %zu is too large", pt.dims.n);
  int64_t dims[ST_RT_MAX_RANK];
  for (size_t i = 0; ok && i < pt.dims.n; i++) dims[i] = (int64_t)pt.dims.v[i];
  ok = ok && st_rt_tensor_alloc(out, dtype, (unsigned)pt.dims.n, dims, e);
  size_t n = ok ? (size_t)st_rt_num_elements(out) : 0;
  ok = ok && (pt.has_raw ? st_pb_from_raw(&pt, out, n, e) : st_pb_from_typed(&pt, out, n, e));
  if (!ok) st_rt_tensor_free(out);
  st_pb_tensor_free(&pt);
  return ok;
}

bool st_rt_read_file(const char *path, size_t max, uint8_t **data, size_t *len, st_rt_err *e) {
  FILE *f = fopen(path, "rb");
  if (!f) return st_rt_fail(e, "cannot open '%s'", path);
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap || cap > max) break;
    uint8_t *bigger = realloc(buf, cap * 2);
    if (!bigger) free(buf);
    buf = bigger;
    cap *= 2;
  }
  bool err = ferror(f);
  fclose(f);
  if (!buf || err || n > max) {
    free(buf);
    return st_rt_fail(e, "cannot read '%s'%s", path, n > max ? " (too large)" : "");
  }
  *data = buf;
  *len = n;
  return true;
}

bool st_rt_pb_read(const char *path, st_rt_tensor *out, st_rt_err *e) {
  uint8_t *data;
  size_t len;
  if (!st_rt_read_file(path, ST_RT_PB_MAX_FILE, &data, &len, e)) return false;
  bool ok = st_rt_pb_parse(data, len, out, e);
  free(data);
  if (!ok && e) {
    char msg[sizeof e->msg];
    snprintf(msg, sizeof msg, "%s", e->msg);
    st_rt_fail(e, "'%s': %s", path, msg);
  }
  return ok;
}

static void st_pb_put_varint(FILE *f, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    fputc(b | (v ? 0x80 : 0), f);
  } while (v);
}

static void st_pb_put_bytes(FILE *f, unsigned field, const void *data, size_t len) {
  st_pb_put_varint(f, (uint64_t)field << 3 | 2);
  st_pb_put_varint(f, len);
  if (len) fwrite(data, 1, len, f);
}

bool st_rt_pb_write(const st_rt_tensor *t, const char *name, const char *path, st_rt_err *e) {
  if (t->dtype == ST_RT_UNKNOWN) return st_rt_fail(e, "cannot write a tensor of unknown type to '%s'", path);
  size_t n = (size_t)st_rt_num_elements(t);
  unsigned sub = st_pb_sub_bits(t->dtype);
  uint8_t *packed = NULL;
  if (sub) {
    size_t per = 8 / sub;
    if (!(packed = calloc(1, (n * sub + 7) / 8 + 1))) return st_rt_fail(e, "out of memory");
    for (size_t i = 0; i < n; i++)
      packed[i / per] |= (uint8_t)((((const uint8_t *)t->data)[i] & ((1u << sub) - 1)) << (sub * (i % per)));
  }
  FILE *f = fopen(path, "wb");
  if (!f) {
    free(packed);
    return st_rt_fail(e, "cannot write '%s'", path);
  }
  for (unsigned i = 0; i < t->rank; i++) {
    st_pb_put_varint(f, 1 << 3);
    st_pb_put_varint(f, (uint64_t)t->dims[i]);
  }
  st_pb_put_varint(f, 2 << 3);
  st_pb_put_varint(f, (uint64_t)st_rt_dtype_onnx(t->dtype));
  if (name) st_pb_put_bytes(f, 8, name, strlen(name));
  if (sub) st_pb_put_bytes(f, 9, packed, (n * sub + 7) / 8);
  else st_pb_put_bytes(f, 9, t->data, t->nbytes);
  bool ok = !ferror(f);
  ok = fclose(f) == 0 && ok;
  free(packed);
  return ok || st_rt_fail(e, "cannot write '%s'", path);
}
