/* Element types, dense tensors and errors of the runtime (see rt.h).  One
 * table describes each element type: its IR spelling (the one compiled
 * libraries' signatures use), its ONNX code and its sizes. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ir/float_codec.h"
#include "runtime/rt/rt.h"

typedef struct st_rt_dtype_row {
  const char *name;
  int onnx;
  unsigned size, bits;
  bool is_int;
  int small_float; /* st_float_format, -1 for none */
} st_rt_dtype_row;

static const st_rt_dtype_row st_rt_dtypes[ST_RT_NUM_DTYPES] = {
    [ST_RT_UNKNOWN] = {"?", 0, 0, 0, false, -1},
    [ST_RT_F32] = {"f32", 1, 4, 32, false, -1},
    [ST_RT_F64] = {"f64", 11, 8, 64, false, -1},
    [ST_RT_F16] = {"f16", 10, 2, 16, false, -1},
    [ST_RT_BF16] = {"bf16", 16, 2, 16, false, -1},
    [ST_RT_I1] = {"i1", 9, 1, 8, true, -1},
    [ST_RT_I8] = {"i8", 3, 1, 8, true, -1},
    [ST_RT_I16] = {"i16", 5, 2, 16, true, -1},
    [ST_RT_I32] = {"i32", 6, 4, 32, true, -1},
    [ST_RT_I64] = {"i64", 7, 8, 64, true, -1},
    [ST_RT_U8] = {"u8", 2, 1, 8, true, -1},
    [ST_RT_U16] = {"u16", 4, 2, 16, true, -1},
    [ST_RT_U32] = {"u32", 12, 4, 32, true, -1},
    [ST_RT_U64] = {"u64", 13, 8, 64, true, -1},
    [ST_RT_F8E4M3FN] = {"f8E4M3FN", 17, 1, 8, false, ST_FLOAT_E4M3FN},
    [ST_RT_F8E4M3FNUZ] = {"f8E4M3FNUZ", 18, 1, 8, false, ST_FLOAT_E4M3FNUZ},
    [ST_RT_F8E5M2] = {"f8E5M2", 19, 1, 8, false, ST_FLOAT_E5M2},
    [ST_RT_F8E5M2FNUZ] = {"f8E5M2FNUZ", 20, 1, 8, false, ST_FLOAT_E5M2FNUZ},
    [ST_RT_F8E8M0FNU] = {"f8E8M0FNU", 24, 1, 8, false, ST_FLOAT_E8M0FNU},
    [ST_RT_F4E2M1FN] = {"f4E2M1FN", 23, 1, 4, false, ST_FLOAT_E2M1FN},
    [ST_RT_I2] = {"i2", 26, 1, 2, true, -1},
    [ST_RT_I4] = {"i4", 22, 1, 4, true, -1},
    [ST_RT_U2] = {"u2", 25, 1, 2, true, -1},
    [ST_RT_U4] = {"u4", 21, 1, 4, true, -1},
};

bool st_rt_fail(st_rt_err *e, const char *fmt, ...) {
  if (!e) return false;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return false;
}

st_rt_dtype st_rt_dtype_from_name(const char *name) {
  for (int t = 1; t < ST_RT_NUM_DTYPES; t++)
    if (!strcmp(name, st_rt_dtypes[t].name)) return (st_rt_dtype)t;
  return ST_RT_UNKNOWN;
}

st_rt_dtype st_rt_dtype_from_onnx(int code) {
  for (int t = 1; t < ST_RT_NUM_DTYPES; t++)
    if (code == st_rt_dtypes[t].onnx) return (st_rt_dtype)t;
  return ST_RT_UNKNOWN;
}

static const st_rt_dtype_row *st_rt_row(st_rt_dtype t) {
  return &st_rt_dtypes[(unsigned)t < ST_RT_NUM_DTYPES ? t : ST_RT_UNKNOWN];
}

const char *st_rt_dtype_name(st_rt_dtype t) { return st_rt_row(t)->name; }
int st_rt_dtype_onnx(st_rt_dtype t) { return st_rt_row(t)->onnx; }
size_t st_rt_dtype_size(st_rt_dtype t) { return st_rt_row(t)->size; }
unsigned st_rt_dtype_bits(st_rt_dtype t) { return st_rt_row(t)->bits; }
bool st_rt_dtype_is_int(st_rt_dtype t) { return st_rt_row(t)->is_int; }

int64_t st_rt_load_i(st_rt_dtype t, const void *base, int64_t i) {
  const unsigned char *p = base;
  switch (t) {
  case ST_RT_I1: case ST_RT_U8: return p[i];
  case ST_RT_I8: return (int8_t)p[i];
  case ST_RT_I2: return (int64_t)((uint64_t)p[i] << 62) >> 62;
  case ST_RT_I4: return (int64_t)((uint64_t)p[i] << 60) >> 60;
  case ST_RT_U2: return p[i] & 3;
  case ST_RT_U4: return p[i] & 15;
  case ST_RT_I16: { int16_t v; memcpy(&v, p + 2 * i, 2); return v; }
  case ST_RT_U16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return v; }
  case ST_RT_I32: { int32_t v; memcpy(&v, p + 4 * i, 4); return v; }
  case ST_RT_U32: { uint32_t v; memcpy(&v, p + 4 * i, 4); return v; }
  case ST_RT_I64: case ST_RT_U64: { int64_t v; memcpy(&v, p + 8 * i, 8); return v; }
  default: {
    double d = st_rt_load_f(t, base, i);
    return isnan(d) ? 0 : d > 9.2e18 ? INT64_MAX : d < -9.2e18 ? INT64_MIN : (int64_t)d;
  }
  }
}

double st_rt_load_f(st_rt_dtype t, const void *base, int64_t i) {
  const unsigned char *p = base;
  switch (t) {
  case ST_RT_F64: { double v; memcpy(&v, p + 8 * i, 8); return v; }
  case ST_RT_F32: { float v; memcpy(&v, p + 4 * i, 4); return v; }
  case ST_RT_F16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return st_f16_to_f32(v); }
  case ST_RT_BF16: { uint16_t v; memcpy(&v, p + 2 * i, 2); return st_bf16_to_f32(v); }
  case ST_RT_U64: return (double)(uint64_t)st_rt_load_i(t, base, i);
  default:
    if (st_rt_row(t)->small_float >= 0) return st_float_decode((st_float_format)st_rt_row(t)->small_float, p[i]);
    return st_rt_row(t)->is_int ? (double)st_rt_load_i(t, base, i) : NAN;
  }
}

int64_t st_rt_num_elements(const st_rt_tensor *t) {
  int64_t n = 1;
  for (unsigned i = 0; i < t->rank; i++) n *= t->dims[i];
  return n;
}

bool st_rt_tensor_alloc(st_rt_tensor *t, st_rt_dtype dtype, unsigned rank, const int64_t *dims, st_rt_err *e) {
  memset(t, 0, sizeof *t);
  if (rank > ST_RT_MAX_RANK || dtype == ST_RT_UNKNOWN) return st_rt_fail(e, "unsupported tensor type or rank");
  uint64_t n = 1;
  for (unsigned i = 0; i < rank; i++) {
    if (dims[i] < 0 || (uint64_t)dims[i] > (1ull << 40)) return st_rt_fail(e, "invalid dimension %lld", (long long)dims[i]);
    t->dims[i] = dims[i];
    n *= (uint64_t)dims[i];
    if (n > (1ull << 40)) return st_rt_fail(e, "tensor too large");
  }
  t->dtype = dtype;
  t->rank = rank;
  t->nbytes = (size_t)n * st_rt_dtype_size(dtype);
  if (!(t->data = calloc(1, t->nbytes ? t->nbytes : 1))) return st_rt_fail(e, "out of memory (%zu bytes)", t->nbytes);
  return true;
}

void st_rt_tensor_free(st_rt_tensor *t) {
  free(t->data);
  t->data = NULL;
}

bool st_rt_tensor_has_type(const st_rt_tensor *t, st_rt_dtype dtype, unsigned rank, const int64_t *dims) {
  bool same = t->dtype == dtype && t->rank == rank;
  for (unsigned i = 0; same && i < rank; i++) same = t->dims[i] == dims[i];
  return same;
}

void st_rt_tensor_type_str(st_rt_dtype dtype, unsigned rank, const int64_t *dims, char *buf, size_t n) {
  size_t k = (size_t)snprintf(buf, n, "tensor<");
  for (unsigned i = 0; i < rank && k < n; i++) k += (size_t)snprintf(buf + k, n - k, "%lldx", (long long)dims[i]);
  if (k < n) snprintf(buf + k, n - k, "%s>", st_rt_dtype_name(dtype));
}
