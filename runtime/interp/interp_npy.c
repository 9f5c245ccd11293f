/* .npy files (NumPy's array format, versions 1 to 3): a magic string, a
 * header dict with 'descr', 'fortran_order' and 'shape', then the raw
 * little-endian elements in C order.  Fortran order and types NumPy has no
 * code for here (bfloat16, 8-bit floats, int4) are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/interp/interp.h"

typedef struct st_npy_code {
  const char *descr;
  st_type_kind kind;
} st_npy_code;

static const st_npy_code st_npy_codes[] = {
    {"<f4", ST_TY_F32}, {"<f8", ST_TY_F64}, {"<f2", ST_TY_F16}, {"|i1", ST_TY_I8},  {"|u1", ST_TY_U8},
    {"<i2", ST_TY_I16}, {"<u2", ST_TY_U16}, {"<i4", ST_TY_I32}, {"<u4", ST_TY_U32}, {"<i8", ST_TY_I64},
    {"<u8", ST_TY_U64}, {"|b1", ST_TY_I1},  {"<i1", ST_TY_I8},  {"<u1", ST_TY_U8},  {"<b1", ST_TY_I1},
};

static bool st_npy_fail(st_diag *d, const char *path, const char *why) {
  st_diag_error(d, st_loc_unknown(), "'%s': %s", path, why);
  return false;
}

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

static bool st_npy_parse_header(st_context *ctx, const char *h, const char *path, const st_type **type, st_diag *d) {
  const char *descr = st_npy_field(h, "descr"), *fo = st_npy_field(h, "fortran_order"), *shape = st_npy_field(h, "shape");
  if (!descr || !fo || !shape || *descr != '\'' || *shape != '(') return st_npy_fail(d, path, "malformed .npy header");
  if (strncmp(fo, "False", 5) != 0) return st_npy_fail(d, path, "Fortran-order arrays are not supported");
  const st_type *elem = NULL;
  for (size_t i = 0; i < sizeof st_npy_codes / sizeof *st_npy_codes; i++)
    if (strncmp(descr + 1, st_npy_codes[i].descr, 3) == 0 && descr[4] == '\'')
      elem = st_type_scalar(ctx, st_npy_codes[i].kind);
  if (!elem) return st_npy_fail(d, path, "unsupported .npy element type");
  st_dim dims[8];
  unsigned rank = 0;
  const char *p = shape + 1;
  for (;;) {
    while (*p == ' ' || *p == ',') p++;
    if (*p == ')') break;
    if (*p < '0' || *p > '9' || rank == 8) return st_npy_fail(d, path, "malformed or too deep .npy shape");
    char *end;
    long long v = strtoll(p, &end, 10);
    if (v < 0 || v > (1ll << 40)) return st_npy_fail(d, path, "absurd .npy dimension");
    dims[rank++] = v;
    p = end;
    if (*p == 'L') p++;
  }
  *type = st_type_tensor(ctx, elem, rank, dims);
  return true;
}

bool st_interp_npy_read(st_context *ctx, const char *path, st_tensor *out, st_diag *d) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  if (!f) return st_npy_fail(d, path, "cannot open");
  unsigned char pre[12];
  bool ok = fread(pre, 1, 10, f) == 10 && memcmp(pre, "\x93NUMPY", 6) == 0;
  size_t hlen = 0;
  if (ok && pre[6] == 1) hlen = pre[8] | (size_t)pre[9] << 8;
  else if (ok && (pre[6] == 2 || pre[6] == 3) && fread(pre + 10, 1, 2, f) == 2)
    hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
  else ok = false;
  char *h = ok && hlen < (1u << 20) ? calloc(1, hlen + 1) : NULL;
  ok = h && fread(h, 1, hlen, f) == hlen;
  const st_type *t = NULL;
  if (!ok) st_npy_fail(d, path, "not a .npy file (bad magic or header)");
  else ok = st_npy_parse_header(ctx, h, path, &t, d);
  free(h);
  if (ok && !st_interp_alloc(out, t)) ok = st_npy_fail(d, path, "array too large");
  if (ok && fread(out->data, 1, out->nbytes, f) != out->nbytes) {
    ok = st_npy_fail(d, path, "truncated .npy data");
    free(out->data);
    out->data = NULL;
  }
  fclose(f);
  return ok;
}

bool st_interp_npy_write(const st_tensor *t, const char *path, st_diag *d) {
  const st_type *elem = st_type_elem(t->type);
  const char *descr = NULL;
  for (size_t i = 0; i < sizeof st_npy_codes / sizeof *st_npy_codes && !descr; i++)
    if (st_npy_codes[i].kind == elem->kind) descr = st_npy_codes[i].descr;
  if (!descr || t->type->kind != ST_TY_TENSOR) return st_npy_fail(d, path, "no .npy code for this element type");
  char h[256];
  int n = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (unsigned i = 0; i < t->type->u.shaped.rank; i++)
    n += snprintf(h + n, sizeof h - (size_t)n, "%lld,%s", (long long)t->type->u.shaped.dims[i],
                  i + 1 < t->type->u.shaped.rank ? " " : "");
  if (t->type->u.shaped.rank > 1) n--; /* numpy writes (2, 3) but (2,) */
  n += snprintf(h + n, sizeof h - (size_t)n, "), }");
  /* Pad with spaces so the data starts on a 64-byte boundary; end with \n. */
  size_t total = 10 + (size_t)n + 1, pad = (64 - total % 64) % 64;
  FILE *f = fopen(path, "wb");
  if (!f) return st_npy_fail(d, path, "cannot create");
  size_t hl = (size_t)n + pad + 1;
  unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hl & 255), (unsigned char)(hl >> 8)};
  bool ok = fwrite(pre, 1, 10, f) == 10 && fwrite(h, 1, (size_t)n, f) == (size_t)n;
  for (size_t i = 0; ok && i < pad; i++) ok = fputc(' ', f) != EOF;
  ok = ok && fputc('\n', f) != EOF && fwrite(t->data, 1, t->nbytes, f) == t->nbytes;
  ok = fclose(f) == 0 && ok;
  if (!ok) st_npy_fail(d, path, "write failed");
  return ok;
}
