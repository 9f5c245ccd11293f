/* Parsing types, attributes and the resource section.
 *
 * Types:  f32 i8 index ...  tensor<1x?x4xf32>  vector<8xf32>
 *         memref<4x4xf32, strided<[4, 1], offset: 0>, 1>
 *         !quant.uniform<i8:f32, 0.5:3>  !quant.uniform<i8:f32:0, {0.5:3, 0.25:0}>
 *         (T, T) -> T
 * Attributes: 42 : i32, 1.5 : f32, "s", true, unit, [..], {k = v}, @sym,
 *         a type, dense<[[1, 2]]> : tensor<1x2xi32>, dense<"0x..."> : T,
 *         dense<splat "0x..."> : T, dense_resource<name> : T */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ir/parse_internal.h"

static const struct { const char *name; st_type_kind kind; } st_scalar_keywords[] = {
    {"f64", ST_TY_F64},   {"f32", ST_TY_F32},   {"f16", ST_TY_F16},   {"bf16", ST_TY_BF16},
    {"f8E4M3FN", ST_TY_F8E4M3FN}, {"f8E4M3FNUZ", ST_TY_F8E4M3FNUZ}, {"f8E5M2", ST_TY_F8E5M2},
    {"f8E5M2FNUZ", ST_TY_F8E5M2FNUZ}, {"f8E8M0FNU", ST_TY_F8E8M0FNU}, {"f4E2M1FN", ST_TY_F4E2M1FN},
    {"i1", ST_TY_I1}, {"i2", ST_TY_I2}, {"i4", ST_TY_I4}, {"u2", ST_TY_U2}, {"u4", ST_TY_U4},
    {"i8", ST_TY_I8},     {"i16", ST_TY_I16},   {"i32", ST_TY_I32},   {"i64", ST_TY_I64},
    {"u8", ST_TY_U8},     {"u16", ST_TY_U16},   {"u32", ST_TY_U32},   {"u64", ST_TY_U64},
    {"index", ST_TY_INDEX}, {"none", ST_TY_NONE},
};

/* Scalar keyword of exactly `n` characters at the cursor, or -1.  `n` lets
 * shapes ("4xf32") stop at the end of a dimension list. */
static int st_scalar_kind_at(const st_lexer *lx, size_t n) {
  for (size_t i = 0; i < sizeof st_scalar_keywords / sizeof *st_scalar_keywords; i++)
    if (strlen(st_scalar_keywords[i].name) == n && memcmp(lx->p, st_scalar_keywords[i].name, n) == 0)
      return (int)st_scalar_keywords[i].kind;
  return -1;
}

static bool st_starts_type(st_parser *p) {
  st_lexer *lx = &p->lx;
  size_t n = st_lex_ident_len(lx);
  if (n && st_scalar_kind_at(lx, n) >= 0) return true;
  return st_lex_at(lx, "tensor<") || st_lex_at(lx, "memref<") || st_lex_at(lx, "vector<") ||
         st_lex_at(lx, "!quant.") || st_lex_at(lx, "(");
}

/* dims then element type: "1x?x4xf32" or "f32" */
static bool st_parse_shape(st_parser *p, st_dim *dims, unsigned *rank, const st_type **elem) {
  st_lexer *lx = &p->lx;
  *rank = 0;
  st_lex_skip_space(lx);
  for (;;) {
    int c = st_lex_peekc(lx);
    if (c == '?' || (c >= '0' && c <= '9')) {
      st_dim d = ST_DIM_DYNAMIC;
      if (c == '?') {
        st_lex_advance(lx, 1);
      } else {
        int64_t v = 0;
        while (st_lex_peekc(lx) >= '0' && st_lex_peekc(lx) <= '9') {
          if (v > (INT64_MAX - 9) / 10) return st_parser_error(p, "dimension too large");
          v = v * 10 + (st_lex_peekc(lx) - '0');
          st_lex_advance(lx, 1);
        }
        d = v;
      }
      if (st_lex_peekc(lx) != 'x') return st_parser_error(p, "expected 'x' after dimension");
      st_lex_advance(lx, 1);
      if (*rank >= 32) return st_parser_error(p, "rank above 32 is not supported");
      dims[(*rank)++] = d;
      continue;
    }
    *elem = st_parser_type(p);
    return *elem != NULL;
  }
}

static const st_type *st_parse_quant(st_parser *p) {
  st_lexer *lx = &p->lx;
  if (!st_lex_accept(lx, "!quant.uniform") || !st_parser_expect(p, "<")) return NULL;
  const st_type *storage = st_parser_type(p);
  if (!storage || !st_parser_expect(p, ":")) return NULL;
  const st_type *expressed = st_parser_type(p);
  if (!expressed) return NULL;
  int64_t axis = -1;
  if (st_lex_accept(lx, ":") && !st_lex_int(lx, &axis)) return st_parser_error(p, "expected quantization axis"), NULL;
  if (!st_parser_expect(p, ",")) return NULL;
  bool per_axis = axis >= 0;
  if (per_axis && !st_parser_expect(p, "{")) return NULL;
  double scales[1024];
  int64_t zps[1024];
  unsigned n = 0;
  do {
    double f = 0;
    int64_t i = 0;
    bool is_float;
    if (n == 1024) return st_parser_error(p, "too many quantization scales"), NULL;
    if (!st_lex_number(lx, &f, &i, &is_float)) return st_parser_error(p, "expected scale"), NULL;
    scales[n] = is_float ? f : (double)i;
    zps[n] = 0;
    if (st_lex_accept(lx, ":") && !st_lex_int(lx, &zps[n])) return st_parser_error(p, "expected zero point"), NULL;
    n++;
  } while (per_axis && st_lex_accept(lx, ","));
  if (per_axis && !st_parser_expect(p, "}")) return NULL;
  if (!st_parser_expect(p, ">")) return NULL;
  return st_type_quant(p->ctx, storage, expressed, (int)axis, n, scales, zps);
}

static const st_type *st_parse_memref_tail(st_parser *p, const st_type *elem, unsigned rank, const st_dim *dims) {
  st_lexer *lx = &p->lx;
  int64_t strides[32], offset = 0, memspace = 0;
  bool strided = false;
  while (st_lex_accept(lx, ",")) {
    if (st_lex_accept_keyword(lx, "strided")) {
      if (!st_parser_expect(p, "<") || !st_parser_expect(p, "[")) return NULL;
      for (unsigned i = 0; i < rank; i++)
        if ((i && !st_parser_expect(p, ",")) || !st_lex_int(lx, &strides[i]))
          return st_parser_error(p, "expected %u strides", rank), NULL;
      if (!st_parser_expect(p, "]") || !st_parser_expect(p, ",") || !st_lex_accept_keyword(lx, "offset") ||
          !st_parser_expect(p, ":") || !st_lex_int(lx, &offset) || !st_parser_expect(p, ">"))
        return st_parser_error(p, "expected strided<[...], offset: N>"), NULL;
      strided = true;
    } else if (!st_lex_int(lx, &memspace) || memspace < 0 || memspace > 255) {
      return st_parser_error(p, "expected strided<...> or a memory space number"), NULL;
    }
  }
  if (!st_parser_expect(p, ">")) return NULL;
  return st_type_memref(p->ctx, elem, rank, dims, strided ? strides : NULL, offset, (unsigned)memspace);
}

static const st_type *st_parse_function_type(st_parser *p) {
  const st_type *ins[256], *outs[256];
  int ni = 0, no;
  if (!st_parser_expect(p, "(")) return NULL;
  if (!st_lex_accept(&p->lx, ")")) {
    do {
      if (ni == 256) return st_parser_error(p, "too many inputs"), NULL;
      if (!(ins[ni++] = st_parser_type(p))) return NULL;
    } while (st_lex_accept(&p->lx, ","));
    if (!st_parser_expect(p, ")")) return NULL;
  }
  if (!st_parser_expect(p, "->")) return NULL;
  if ((no = st_parser_type_list(p, outs, 256)) < 0) return NULL;
  return st_type_function(p->ctx, (unsigned)ni, ins, (unsigned)no, outs);
}

static const st_type *st_parse_type_inner(st_parser *p);

const st_type *st_parser_type(st_parser *p) {
  if (p->failed || !st_parser_enter(p)) return NULL;
  const st_type *t = st_parse_type_inner(p);
  st_parser_leave(p);
  return t;
}

static const st_type *st_parse_type_inner(st_parser *p) {
  st_lexer *lx = &p->lx;
  size_t n = st_lex_ident_len(lx);
  int kind = n ? st_scalar_kind_at(lx, n) : -1;
  if (kind >= 0) {
    st_lex_advance(lx, n);
    return st_type_scalar(p->ctx, (st_type_kind)kind);
  }
  if (st_lex_at(lx, "!quant.")) return st_parse_quant(p);
  if (st_lex_at(lx, "(")) return st_parse_function_type(p);
  st_type_kind shaped;
  if (st_lex_accept(lx, "tensor<")) shaped = ST_TY_TENSOR;
  else if (st_lex_accept(lx, "vector<")) shaped = ST_TY_VECTOR;
  else if (st_lex_accept(lx, "memref<")) shaped = ST_TY_MEMREF;
  else return st_parser_error(p, "expected a type"), NULL;
  st_dim dims[32];
  unsigned rank;
  const st_type *elem;
  if (!st_parse_shape(p, dims, &rank, &elem)) return NULL;
  if (shaped == ST_TY_MEMREF) return st_parse_memref_tail(p, elem, rank, dims);
  if (!st_parser_expect(p, ">")) return NULL;
  return shaped == ST_TY_TENSOR ? st_type_tensor(p->ctx, elem, rank, dims) : st_type_vector(p->ctx, elem, rank, dims);
}

int st_parser_type_list(st_parser *p, const st_type **out, int max) {
  if (!st_lex_accept(&p->lx, "(")) {
    if (max < 1 || !(out[0] = st_parser_type(p))) return -1;
    return 1;
  }
  int n = 0;
  if (st_lex_accept(&p->lx, ")")) return 0;
  do {
    if (n == max) return st_parser_error(p, "too many types in list"), -1;
    if (!(out[n++] = st_parser_type(p))) return -1;
  } while (st_lex_accept(&p->lx, ","));
  return st_parser_expect(p, ")") ? n : -1;
}

/* ---- dense elements ---- */

typedef struct st_dense_builder {
  unsigned char *data;
  size_t len, cap;
  int64_t count;
} st_dense_builder;

static bool st_dense_push(st_dense_builder *db, const void *v, size_t n) {
  if (db->len + n > db->cap) {
    size_t cap = db->cap ? db->cap * 2 : 64;
    while (cap < db->len + n) cap *= 2;
    unsigned char *d = realloc(db->data, cap);
    if (!d) return false;
    db->data = d;
    db->cap = cap;
  }
  memcpy(db->data + db->len, v, n);
  db->len += n;
  db->count++;
  return true;
}

static bool st_dense_elem(st_parser *p, st_dense_builder *db, const st_type *elem) {
  double f = 0;
  int64_t i = 0;
  bool is_float;
  if (st_lex_accept_keyword(&p->lx, "true")) i = 1, is_float = false;
  else if (st_lex_accept_keyword(&p->lx, "false")) i = 0, is_float = false;
  else if (!st_lex_number(&p->lx, &f, &i, &is_float)) return st_parser_error(p, "expected a number");
  if (!is_float) f = (double)i;
  else if (!st_type_is_float(elem)) return st_parser_error(p, "expected an integer element");
  switch (elem->kind) {
  case ST_TY_F32: { float v = (float)f; return st_dense_push(db, &v, 4); }
  case ST_TY_F64: return st_dense_push(db, &f, 8);
  case ST_TY_I1: case ST_TY_I2: case ST_TY_I4: case ST_TY_I8: case ST_TY_U2: case ST_TY_U4: case ST_TY_U8: {
    uint8_t v = (uint8_t)i;
    return st_dense_push(db, &v, 1);
  }
  case ST_TY_I16: case ST_TY_U16: { uint16_t v = (uint16_t)i; return st_dense_push(db, &v, 2); }
  case ST_TY_I32: case ST_TY_U32: { uint32_t v = (uint32_t)i; return st_dense_push(db, &v, 4); }
  case ST_TY_I64: case ST_TY_U64: case ST_TY_INDEX: return st_dense_push(db, &i, 8);
  default: return st_parser_error(p, "numeric dense elements need f32, f64 or an integer type; use a hex string");
  }
}

static bool st_dense_nested(st_parser *p, st_dense_builder *db, const st_type *elem) {
  if (!st_lex_accept(&p->lx, "[")) return st_dense_elem(p, db, elem);
  if (!st_parser_enter(p)) return false;
  bool ok = true;
  if (!st_lex_accept(&p->lx, "]")) {
    do ok = st_dense_nested(p, db, elem);
    while (ok && st_lex_accept(&p->lx, ","));
    ok = ok && st_parser_expect(p, "]");
  }
  st_parser_leave(p);
  return ok;
}

static int st_hex(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* "0xABCD..." -> bytes (malloc'd) */
static bool st_parse_hex_blob(st_parser *p, unsigned char **out, size_t *n) {
  char *s;
  size_t len;
  if (!st_lex_string(&p->lx, &p->m->arena, &s, &len)) return st_parser_error(p, "expected a hex string");
  if (len < 2 || s[0] != '0' || s[1] != 'x' || len % 2) return st_parser_error(p, "expected \"0x\" and an even number of hex digits");
  *n = (len - 2) / 2;
  *out = malloc(*n ? *n : 1);
  if (!*out) return st_parser_error(p, "out of memory");
  for (size_t i = 0; i < *n; i++) {
    int hi = st_hex(s[2 + 2 * i]), lo = st_hex(s[3 + 2 * i]);
    if (hi < 0 || lo < 0) {
      free(*out);
      return st_parser_error(p, "bad hex digit in string");
    }
    (*out)[i] = (unsigned char)(hi * 16 + lo);
  }
  return true;
}

static const st_attr *st_parse_dense(st_parser *p, st_loc at) {
  st_dense_builder db = {0};
  bool hex = false, splat = false;
  unsigned char *blob = NULL;
  size_t blob_len = 0;
  const st_attr *result = NULL;
  if (!st_parser_expect(p, "<")) return NULL;
  if (st_lex_accept_keyword(&p->lx, "splat")) splat = true;
  if (st_lex_at(&p->lx, "\"")) {
    hex = true;
    if (!st_parse_hex_blob(p, &blob, &blob_len)) return NULL;
  }
  /* Elements are read after the type is known, so remember where they are. */
  st_lexer saved = p->lx;
  if (!hex) {
    int depth = 0;
    while (st_lex_peekc(&p->lx) >= 0 && !(depth == 0 && st_lex_peekc(&p->lx) == '>')) {
      int c = st_lex_peekc(&p->lx);
      depth += c == '[' ? 1 : c == ']' ? -1 : 0;
      st_lex_advance(&p->lx, 1);
    }
  }
  const st_type *t = NULL;
  if (!st_parser_expect(p, ">") || !st_parser_expect(p, ":") || !(t = st_parser_type(p))) goto out;
  if (!st_type_is_shaped(t) || !st_type_has_static_shape(t)) {
    st_parser_error(p, "dense elements need a statically shaped type");
    goto out;
  }
  int64_t count = st_type_num_elements(t);
  size_t esz = st_dense_elem_size(st_type_elem(t));
  if (hex) {
    size_t want = splat ? esz : (size_t)count * esz;
    if (blob_len != want) {
      st_parser_error_at(p, at, "hex data has %zu bytes, type needs %zu", blob_len, want);
      goto out;
    }
    result = st_attr_dense(p->m, t, blob, blob_len, splat);
    goto out;
  }
  st_lexer after = p->lx;
  p->lx = saved;
  if (!st_dense_nested(p, &db, st_type_elem(t))) goto out;
  p->lx = after;
  if (db.count == 1 && count != 1) splat = true;
  else if (db.count != count) {
    st_parser_error_at(p, at, "dense literal has %" PRId64 " elements, type needs %" PRId64, db.count, count);
    goto out;
  }
  result = st_attr_dense(p->m, t, db.data, db.len, splat);
out:
  free(db.data);
  free(blob);
  return result;
}

st_resource *st_parser_resource_ref(st_parser *p, const char *name, st_loc at) {
  st_resource *r = st_module_find_resource(p->m, name);
  if (!r) r = st_module_add_resource_borrowed(p->m, name, NULL, 0, NULL, NULL);
  if (r && !st_ptrmap_has(&p->resources_used, r)) {
    st_loc *where = ST_ARENA_NEW(&p->m->arena, st_loc);
    if (where) *where = at;
    st_ptrmap_set(&p->resources_used, r, where);
  }
  return r;
}

static const st_attr *st_parse_dense_resource(st_parser *p, st_loc at) {
  if (!st_parser_expect(p, "<")) return NULL;
  size_t n = st_lex_ident_len(&p->lx);
  if (!n) return st_parser_error(p, "expected a resource name"), NULL;
  char *name = st_arena_strndup(&p->m->arena, p->lx.p, n);
  st_lex_advance(&p->lx, n);
  const st_type *t;
  if (!st_parser_expect(p, ">") || !st_parser_expect(p, ":") || !(t = st_parser_type(p))) return NULL;
  st_resource *r = st_parser_resource_ref(p, name, at);
  return r ? st_attr_resource(p->m, t, r) : NULL;
}

static const st_attr *st_parse_dict(st_parser *p) {
  st_named_attr entries[256];
  unsigned n = 0;
  if (!st_parser_expect(p, "{")) return NULL;
  if (!st_lex_accept(&p->lx, "}")) {
    do {
      size_t len = st_lex_ident_len(&p->lx);
      if (!len) return st_parser_error(p, "expected an attribute name"), NULL;
      if (n == 256) return st_parser_error(p, "too many dictionary entries"), NULL;
      entries[n].name = st_arena_strndup(&p->m->arena, p->lx.p, len);
      st_lex_advance(&p->lx, len);
      if (!st_parser_expect(p, "=") || !(entries[n].attr = st_parser_attr(p))) return NULL;
      n++;
    } while (st_lex_accept(&p->lx, ","));
    if (!st_parser_expect(p, "}")) return NULL;
  }
  return st_attr_dict(p->m, n, entries);
}

static const st_attr *st_parse_array(st_parser *p) {
  const st_attr **elems = NULL;
  unsigned n = 0, cap = 0;
  const st_attr *result = NULL;
  if (!st_parser_expect(p, "[")) return NULL;
  if (!st_lex_accept(&p->lx, "]")) {
    do {
      if (n == cap) {
        cap = cap ? cap * 2 : 8;
        const st_attr **e = realloc(elems, cap * sizeof *e);
        if (!e) goto out;
        elems = e;
      }
      if (!(elems[n++] = st_parser_attr(p))) goto out;
    } while (st_lex_accept(&p->lx, ","));
    if (!st_parser_expect(p, "]")) goto out;
  }
  result = st_attr_array(p->m, n, elems);
out:
  free(elems);
  return result;
}

static const st_attr *st_parse_number_attr(st_parser *p) {
  double f = 0;
  int64_t i = 0;
  bool is_float;
  if (!st_lex_number(&p->lx, &f, &i, &is_float)) return st_parser_error(p, "expected an attribute value"), NULL;
  const st_type *t = NULL;
  if (st_lex_accept(&p->lx, ":") && !(t = st_parser_type(p))) return NULL;
  if (t && st_type_is_float(t)) return st_attr_float(p->m, t, is_float ? f : (double)i);
  if (is_float) {
    if (t) return st_parser_error(p, "a float literal needs a float type"), NULL;
    return st_attr_float(p->m, NULL, f);
  }
  if (t && !st_type_is_int(t) && t->kind != ST_TY_INDEX) return st_parser_error(p, "an integer literal needs an integer type"), NULL;
  return st_attr_int(p->m, t, i);
}

static const st_attr *st_parse_attr_inner(st_parser *p);

const st_attr *st_parser_attr(st_parser *p) {
  if (p->failed || !st_parser_enter(p)) return NULL;
  const st_attr *a = st_parse_attr_inner(p);
  st_parser_leave(p);
  return a;
}

static const st_attr *st_parse_attr_inner(st_parser *p) {
  st_lexer *lx = &p->lx;
  st_lex_skip_space(lx);
  if (st_lex_accept_keyword(lx, "true")) return st_attr_bool(p->m, true);
  if (st_lex_accept_keyword(lx, "false")) return st_attr_bool(p->m, false);
  if (st_lex_accept_keyword(lx, "unit")) return st_attr_unit(p->m);
  st_loc at = st_parser_loc(p);
  if (st_lex_accept_keyword(lx, "dense")) return st_parse_dense(p, at);
  if (st_lex_accept_keyword(lx, "dense_resource")) return st_parse_dense_resource(p, at);
  if (st_lex_at(lx, "\"")) {
    char *s;
    size_t len;
    if (!st_lex_string(lx, &p->m->arena, &s, &len)) return st_parser_error(p, "bad string literal"), NULL;
    return st_attr_string(p->m, s, len);
  }
  if (st_lex_at(lx, "@")) {
    const char *sym = st_parser_symbol(p);
    return sym ? st_attr_symbol(p->m, sym) : NULL;
  }
  if (st_lex_at(lx, "[")) return st_parse_array(p);
  if (st_lex_at(lx, "{")) return st_parse_dict(p);
  if (st_starts_type(p)) {
    const st_type *t = st_parser_type(p);
    return t ? st_attr_type(p->m, t) : NULL;
  }
  return st_parse_number_attr(p);
}

/* {-# resources: { name: "0x..." | elided<N>, ... } #-} */
bool st_parse_resource_section(st_parser *p) {
  st_lexer *lx = &p->lx;
  if (!st_lex_accept(lx, "{-#")) return true;
  if (!st_lex_accept_keyword(lx, "resources") || !st_parser_expect(p, ":") || !st_parser_expect(p, "{"))
    return st_parser_error(p, "expected 'resources: {'");
  if (!st_lex_accept(lx, "}")) {
    do {
      size_t n = st_lex_ident_len(lx);
      if (!n) return st_parser_error(p, "expected a resource name");
      char *name = st_arena_strndup(&p->m->arena, lx->p, n);
      st_lex_advance(lx, n);
      if (!st_parser_expect(p, ":")) return false;
      st_resource *r = st_module_find_resource(p->m, name);
      if (!r) return st_parser_error(p, "resource '%s' is not used by any attribute", name);
      if (st_ptrmap_has(&p->resources_defined, r)) return st_parser_error(p, "resource '%s' defined twice", name);
      if (st_lex_accept_keyword(lx, "elided")) {
        int64_t size;
        if (!st_parser_expect(p, "<") || !st_lex_int(lx, &size) || size < 0 || !st_parser_expect(p, ">"))
          return st_parser_error(p, "expected elided<N>");
        r->nbytes = (size_t)size;
      } else {
        unsigned char *blob;
        size_t len;
        if (!st_parse_hex_blob(p, &blob, &len)) return false;
        r->data = blob;
        r->nbytes = len;
        r->release = free;
        r->cookie = blob;
      }
      st_ptrmap_set(&p->resources_defined, r, r);
    } while (st_lex_accept(lx, ","));
    if (!st_parser_expect(p, "}")) return false;
  }
  return st_parser_expect(p, "#-}");
}
