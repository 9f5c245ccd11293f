/* Attribute construction, structural equality, element access and module
 * resources.  See attr.h. */
#include "ir/attr.h"

#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"

static st_attr *st_attr_new(st_module *m, st_attr_kind kind, const st_type *type) {
  st_attr *a = ST_ARENA_NEW(&m->arena, st_attr);
  if (!a) return NULL;
  a->kind = kind;
  a->type = type;
  return a;
}

const st_attr *st_attr_int(st_module *m, const st_type *type, int64_t v) {
  st_attr *a = st_attr_new(m, ST_ATTR_INT, type ? type : st_type_scalar(m->ctx, ST_TY_I64));
  if (a) a->u.i = v;
  return a;
}

const st_attr *st_attr_float(st_module *m, const st_type *type, double v) {
  st_attr *a = st_attr_new(m, ST_ATTR_FLOAT, type ? type : st_type_scalar(m->ctx, ST_TY_F64));
  if (a) a->u.f = v;
  return a;
}

static const st_attr *st_attr_text(st_module *m, st_attr_kind kind, const char *s, size_t len) {
  st_attr *a = st_attr_new(m, kind, NULL);
  if (!a) return NULL;
  a->u.str.data = st_arena_strndup(&m->arena, s, len);
  a->u.str.len = len;
  return a->u.str.data ? a : NULL;
}

const st_attr *st_attr_string(st_module *m, const char *s, size_t len) {
  return st_attr_text(m, ST_ATTR_STRING, s, len);
}

const st_attr *st_attr_symbol(st_module *m, const char *name) {
  return st_attr_text(m, ST_ATTR_SYMBOL, name, strlen(name));
}

const st_attr *st_attr_bool(st_module *m, bool v) {
  st_attr *a = st_attr_new(m, ST_ATTR_BOOL, NULL);
  if (a) a->u.b = v;
  return a;
}

const st_attr *st_attr_unit(st_module *m) { return st_attr_new(m, ST_ATTR_UNIT, NULL); }

const st_attr *st_attr_array(st_module *m, unsigned n, const st_attr *const *elems) {
  st_attr *a = st_attr_new(m, ST_ATTR_ARRAY, NULL);
  if (!a) return NULL;
  a->u.array.n = n;
  a->u.array.elems = st_arena_memdup(&m->arena, elems, sizeof *elems * n);
  return a;
}

const st_attr *st_attr_int_array(st_module *m, unsigned n, const int64_t *v) {
  const st_attr **elems = ST_ARENA_ARRAY(&m->arena, const st_attr *, n);
  if (n && !elems) return NULL;
  for (unsigned i = 0; i < n; i++)
    if (!(elems[i] = st_attr_int(m, NULL, v[i]))) return NULL;
  return st_attr_array(m, n, elems);
}

const st_attr *st_attr_type(st_module *m, const st_type *t) {
  st_attr *a = st_attr_new(m, ST_ATTR_TYPE, NULL);
  if (a) a->u.type_value = t;
  return a;
}

static int st_named_attr_cmp(const void *a, const void *b) {
  return strcmp(((const st_named_attr *)a)->name, ((const st_named_attr *)b)->name);
}

const st_attr *st_attr_dict(st_module *m, unsigned n, const st_named_attr *entries) {
  st_attr *a = st_attr_new(m, ST_ATTR_DICT, NULL);
  if (!a) return NULL;
  st_named_attr *copy = st_arena_memdup(&m->arena, entries, sizeof *entries * n);
  if (n && !copy) return NULL;
  for (unsigned i = 0; i < n; i++) copy[i].name = st_arena_strdup(&m->arena, entries[i].name);
  if (n > 1) qsort(copy, n, sizeof *copy, st_named_attr_cmp);
  a->u.dict.n = n;
  a->u.dict.entries = copy;
  return a;
}

const st_attr *st_attr_dense(st_module *m, const st_type *shaped, const void *data, size_t nbytes, bool splat) {
  st_attr *a = st_attr_new(m, ST_ATTR_DENSE, shaped);
  if (!a) return NULL;
  a->u.dense.data = st_arena_memdup(&m->arena, data, nbytes);
  a->u.dense.nbytes = nbytes;
  a->u.dense.splat = splat;
  return nbytes && !a->u.dense.data ? NULL : a;
}

const st_attr *st_attr_resource(st_module *m, const st_type *shaped, const st_resource *r) {
  st_attr *a = st_attr_new(m, ST_ATTR_RESOURCE, shaped);
  if (a) a->u.resource = r;
  return a;
}

bool st_attr_equal(const st_attr *a, const st_attr *b) {
  if (a == b) return true;
  if (!a || !b || a->kind != b->kind || a->type != b->type) return false;
  switch (a->kind) {
  case ST_ATTR_INT: return a->u.i == b->u.i;
  case ST_ATTR_FLOAT: return memcmp(&a->u.f, &b->u.f, sizeof(double)) == 0; /* bitwise: nan == nan */
  case ST_ATTR_BOOL: return a->u.b == b->u.b;
  case ST_ATTR_STRING:
  case ST_ATTR_SYMBOL:
    return a->u.str.len == b->u.str.len && memcmp(a->u.str.data, b->u.str.data, a->u.str.len) == 0;
  case ST_ATTR_TYPE: return a->u.type_value == b->u.type_value;
  case ST_ATTR_UNIT: return true;
  case ST_ATTR_ARRAY:
    if (a->u.array.n != b->u.array.n) return false;
    for (unsigned i = 0; i < a->u.array.n; i++)
      if (!st_attr_equal(a->u.array.elems[i], b->u.array.elems[i])) return false;
    return true;
  case ST_ATTR_DICT:
    if (a->u.dict.n != b->u.dict.n) return false;
    for (unsigned i = 0; i < a->u.dict.n; i++)
      if (strcmp(a->u.dict.entries[i].name, b->u.dict.entries[i].name) ||
          !st_attr_equal(a->u.dict.entries[i].attr, b->u.dict.entries[i].attr))
        return false;
    return true;
  case ST_ATTR_DENSE:
    return a->u.dense.splat == b->u.dense.splat && a->u.dense.nbytes == b->u.dense.nbytes &&
           (a->u.dense.nbytes == 0 || memcmp(a->u.dense.data, b->u.dense.data, a->u.dense.nbytes) == 0);
  case ST_ATTR_RESOURCE: return a->u.resource == b->u.resource;
  }
  return false;
}

size_t st_dense_elem_size(const st_type *elem) {
  if (elem->kind == ST_TY_QUANT) elem = elem->u.quant.storage;
  unsigned bits = st_type_bit_width(elem);
  return bits < 8 ? 1 : bits / 8;
}

const void *st_attr_elements(const st_attr *a, size_t *nbytes, bool *splat) {
  if (a->kind == ST_ATTR_DENSE) {
    *nbytes = a->u.dense.nbytes;
    *splat = a->u.dense.splat;
    return a->u.dense.data;
  }
  if (a->kind == ST_ATTR_RESOURCE) {
    *nbytes = a->u.resource->nbytes;
    *splat = false;
    return a->u.resource->data;
  }
  *nbytes = 0;
  *splat = false;
  return NULL;
}

/* Locates element i, or NULL when the attribute has no such element. */
static const unsigned char *st_attr_elem_ptr(const st_attr *a, int64_t i, const st_type **elem) {
  size_t nbytes;
  bool splat;
  const unsigned char *data = st_attr_elements(a, &nbytes, &splat);
  if (!data || !a->type || i < 0) return NULL;
  *elem = st_type_elem(a->type);
  size_t esz = st_dense_elem_size(*elem);
  size_t off = splat ? 0 : (size_t)i * esz;
  return off + esz <= nbytes ? data + off : NULL;
}

bool st_attr_elem_as_int(const st_attr *a, int64_t i, int64_t *out) {
  const st_type *e;
  const unsigned char *p = st_attr_elem_ptr(a, i, &e);
  if (!p) return false;
  switch (e->kind) {
  case ST_TY_I1: case ST_TY_U8: *out = *p; return true;
  case ST_TY_I8: *out = (int8_t)*p; return true;
  case ST_TY_I2: *out = (int8_t)(uint8_t)(*p << 6) >> 6; return true;
  case ST_TY_I4: *out = (int8_t)(uint8_t)(*p << 4) >> 4; return true;
  case ST_TY_U2: *out = *p & 3; return true;
  case ST_TY_U4: *out = *p & 15; return true;
  case ST_TY_I16: { int16_t v; memcpy(&v, p, 2); *out = v; return true; }
  case ST_TY_U16: { uint16_t v; memcpy(&v, p, 2); *out = v; return true; }
  case ST_TY_I32: { int32_t v; memcpy(&v, p, 4); *out = v; return true; }
  case ST_TY_U32: { uint32_t v; memcpy(&v, p, 4); *out = v; return true; }
  case ST_TY_I64: case ST_TY_INDEX: case ST_TY_U64: { int64_t v; memcpy(&v, p, 8); *out = v; return true; }
  default: return false;
  }
}

bool st_attr_elem_as_double(const st_attr *a, int64_t i, double *out) {
  const st_type *e;
  const unsigned char *p = st_attr_elem_ptr(a, i, &e);
  if (!p) return false;
  if (e->kind == ST_TY_F32) {
    float v;
    memcpy(&v, p, 4);
    *out = v;
    return true;
  }
  if (e->kind == ST_TY_F64) {
    memcpy(out, p, 8);
    return true;
  }
  int64_t v;
  if (!st_attr_elem_as_int(a, i, &v)) return false;
  *out = e->kind == ST_TY_U64 ? (double)(uint64_t)v : (double)v;
  return true;
}

/* ---- resources ---- */

static void st_resource_free_owned(void *cookie) { free(cookie); }

st_resource *st_module_add_resource_borrowed(st_module *m, const char *name, const void *data, size_t nbytes,
                                             void (*release)(void *), void *cookie) {
  st_resource *r = ST_ARENA_NEW(&m->arena, st_resource);
  if (!r || !(r->name = st_arena_strdup(&m->arena, name))) {
    if (release) release(cookie);
    return NULL;
  }
  r->data = data;
  r->nbytes = nbytes;
  r->release = release;
  r->cookie = cookie;
  if (m->resources_tail) m->resources_tail->next = r;
  else m->resources = r;
  m->resources_tail = r;
  return r;
}

st_resource *st_module_add_resource(st_module *m, const char *name, const void *data, size_t nbytes) {
  if (!data) return st_module_add_resource_borrowed(m, name, NULL, nbytes, NULL, NULL);
  void *copy = malloc(nbytes ? nbytes : 1);
  if (!copy) return NULL;
  if (nbytes) memcpy(copy, data, nbytes);
  return st_module_add_resource_borrowed(m, name, copy, nbytes, st_resource_free_owned, copy);
}

st_resource *st_module_find_resource(const st_module *m, const char *name) {
  for (st_resource *r = m->resources; r; r = r->next)
    if (strcmp(r->name, name) == 0) return r;
  return NULL;
}
