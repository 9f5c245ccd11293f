/* .npy files (NumPy's array format, versions 1 to 3): a magic string, a
 * header dict with 'descr', 'fortran_order' and 'shape', then the raw
 * little-endian elements in C order.  Fortran order and types NumPy has no
 * code for here (bfloat16, 8-bit floats, int4) are refused. */
#include <stdlib.h>
#include <string.h>

#include "runtime/rt/rt.h"

static const struct {
  const char *descr;
  st_rt_dtype dtype;
} st_npy_codes[] = {
    {"<f4", ST_RT_F32}, {"<f8", ST_RT_F64}, {"<f2", ST_RT_F16}, {"|i1", ST_RT_I8},  {"|u1", ST_RT_U8},
    {"<i2", ST_RT_I16}, {"<u2", ST_RT_U16}, {"<i4", ST_RT_I32}, {"<u4", ST_RT_U32}, {"<i8", ST_RT_I64},
    {"<u8", ST_RT_U64}, {"|b1", ST_RT_I1},  {"<i1", ST_RT_I8},  {"<u1", ST_RT_U8},  {"<b1", ST_RT_I1},
};

/* Finds the value text after 'key': in the header dict. */
static const char *st_npy_field(const char *h, const char *key) {
  char pat[32];
  snprintf(pat, sizeof pat, "'%s'", key);
  const char *p = strstr(h, pat);
  if (!p) return NULL;
  p = strchr(p + strlen(pat), ':');
  if (!p) return NULL;
  for (p++; *p == ' '; p++) {}
  return p;
}

static bool st_npy_parse_header(const char *h, const char *path, st_rt_dtype *dtype, unsigned *rank, int64_t *dims,
                                st_rt_err *e) {
  const char *descr = st_npy_field(h, "descr"), *fo = st_npy_field(h, "fortran_order"), *shape = st_npy_field(h, "shape");
  if (!descr || !fo || !shape || *descr != '\'' || *shape != '(') return st_rt_fail(e, "'%s': malformed .npy header", path);
  if (strncmp(fo, "False", 5) != 0) return st_rt_fail(e, "'%s': Fortran-order arrays are not supported", path);
  *dtype = ST_RT_UNKNOWN;
  for (size_t i = 0; i < sizeof st_npy_codes / sizeof *st_npy_codes; i++)
    if (strncmp(descr + 1, st_npy_codes[i].descr, 3) == 0 && descr[4] == '\'') *dtype = st_npy_codes[i].dtype;
  if (*dtype == ST_RT_UNKNOWN) return st_rt_fail(e, "'%s': unsupported .npy element type", path);
  *rank = 0;
  const char *p = shape + 1;
  for (;;) {
    while (*p == ' ' || *p == ',') p++;
    if (*p == ')') break;
    if (*p < '0' || *p > '9' || *rank == 8) return st_rt_fail(e, "'%s': malformed or too deep .npy shape", path);
    char *end;
    long long v = strtoll(p, &end, 10);
    if (v < 0 || v > (1ll << 40)) return st_rt_fail(e, "'%s': absurd .npy dimension", path);
    dims[(*rank)++] = v;
    p = end;
    if (*p == 'L') p++;
  }
  return true;
}

bool st_rt_npy_read(const char *path, st_rt_tensor *out, st_rt_err *e) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  if (!f) return st_rt_fail(e, "'%s': cannot open", path);
  unsigned char pre[12];
  bool ok = fread(pre, 1, 10, f) == 10 && memcmp(pre, "\x93NUMPY", 6) == 0;
  size_t hlen = 0;
  if (ok && pre[6] == 1) hlen = pre[8] | (size_t)pre[9] << 8;
  else if (ok && (pre[6] == 2 || pre[6] == 3) && fread(pre + 10, 1, 2, f) == 2)
    hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
  else ok = false;
  char *h = ok && hlen < (1u << 20) ? calloc(1, hlen + 1) : NULL;
  ok = h && fread(h, 1, hlen, f) == hlen;
  st_rt_dtype dtype = ST_RT_UNKNOWN;
  unsigned rank = 0;
  int64_t dims[8];
  if (!ok) st_rt_fail(e, "'%s': not a .npy file (bad magic or header)", path);
  else ok = st_npy_parse_header(h, path, &dtype, &rank, dims, e);
  free(h);
  ok = ok && st_rt_tensor_alloc(out, dtype, rank, dims, e);
  if (ok && fread(out->data, 1, out->nbytes, f) != out->nbytes) {
    ok = st_rt_fail(e, "'%s': truncated .npy data", path);
    st_rt_tensor_free(out);
  }
  fclose(f);
  return ok;
}

bool st_rt_npy_write(const st_rt_tensor *t, const char *path, st_rt_err *e) {
  const char *descr = NULL;
  for (size_t i = 0; i < sizeof st_npy_codes / sizeof *st_npy_codes && !descr; i++)
    if (st_npy_codes[i].dtype == t->dtype) descr = st_npy_codes[i].descr;
  if (!descr) return st_rt_fail(e, "'%s': no .npy code for element type %s", path, st_rt_dtype_name(t->dtype));
  char h[512];
  int n = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (unsigned i = 0; i < t->rank; i++)
    n += snprintf(h + n, sizeof h - (size_t)n, "%lld,%s", (long long)t->dims[i], i + 1 < t->rank ? " " : "");
  if (t->rank > 1) n--; /* numpy writes (2, 3) but (2,) */
  n += snprintf(h + n, sizeof h - (size_t)n, "), }");
  /* Pad with spaces so the data starts on a 64-byte boundary; end with \n. */
  size_t total = 10 + (size_t)n + 1, pad = (64 - total % 64) % 64;
  FILE *f = fopen(path, "wb");
  if (!f) return st_rt_fail(e, "'%s': cannot create", path);
  size_t hl = (size_t)n + pad + 1;
  unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hl & 255), (unsigned char)(hl >> 8)};
  bool ok = fwrite(pre, 1, 10, f) == 10 && fwrite(h, 1, (size_t)n, f) == (size_t)n;
  for (size_t i = 0; ok && i < pad; i++) ok = fputc(' ', f) != EOF;
  ok = ok && fputc('\n', f) != EOF && fwrite(t->data, 1, t->nbytes, f) == t->nbytes;
  ok = fclose(f) == 0 && ok;
  return ok || st_rt_fail(e, "'%s': write failed", path);
}

bool st_rt_tensor_read(const char *path, st_rt_tensor *out, st_rt_err *e) {
  size_t n = strlen(path);
  if (n >= 4 && !strcmp(path + n - 4, ".npy")) return st_rt_npy_read(path, out, e);
  return st_rt_pb_read(path, out, e);
}
