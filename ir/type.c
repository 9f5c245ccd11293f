/* Type interning.  A context owns an arena and an open-addressing hash set of
 * types keyed by structure; st_type_* constructors build a key on the stack,
 * look it up and copy it into the arena only when it is new. */
#include "ir/type.h"

#include <stdlib.h>
#include <string.h>

#include "ir/arena.h"
#include "ir/context.h"

static const char *const st_scalar_names[] = {
    [ST_TY_F64] = "f64",   [ST_TY_F32] = "f32",   [ST_TY_F16] = "f16",   [ST_TY_BF16] = "bf16",
    [ST_TY_F8E4M3FN] = "f8E4M3FN", [ST_TY_F8E4M3FNUZ] = "f8E4M3FNUZ", [ST_TY_F8E5M2] = "f8E5M2",
    [ST_TY_F8E5M2FNUZ] = "f8E5M2FNUZ", [ST_TY_F8E8M0FNU] = "f8E8M0FNU", [ST_TY_F4E2M1FN] = "f4E2M1FN",
    [ST_TY_I1] = "i1", [ST_TY_I2] = "i2", [ST_TY_I4] = "i4", [ST_TY_U2] = "u2", [ST_TY_U4] = "u4",
    [ST_TY_I8] = "i8",     [ST_TY_I16] = "i16",   [ST_TY_I32] = "i32",   [ST_TY_I64] = "i64",
    [ST_TY_U8] = "u8",     [ST_TY_U16] = "u16",   [ST_TY_U32] = "u32",   [ST_TY_U64] = "u64",
    [ST_TY_INDEX] = "index", [ST_TY_NONE] = "none",
};

const char *st_type_scalar_name(st_type_kind kind) {
  return kind <= ST_TY_NONE ? st_scalar_names[kind] : NULL;
}

st_context *st_context_create(void) {
  st_context *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return NULL;
  st_arena_init(&ctx->arena);
  return ctx;
}

void st_context_destroy(st_context *ctx) {
  if (!ctx) return;
  free(ctx->types);
  st_arena_free(&ctx->arena);
  free(ctx);
}

size_t st_context_num_types(const st_context *ctx) { return ctx->num_types; }

/* FNV-1a over the bytes that make a type what it is. */
static uint64_t st_hash_bytes(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}

static uint64_t st_type_hash(const st_type *t) {
  uint64_t h = st_hash_bytes(14695981039346656037ull, &t->kind, sizeof t->kind);
  switch (t->kind) {
  case ST_TY_TENSOR: case ST_TY_MEMREF: case ST_TY_VECTOR:
    h = st_hash_bytes(h, &t->u.shaped.elem, sizeof(void *));
    h = st_hash_bytes(h, t->u.shaped.dims, sizeof(st_dim) * t->u.shaped.rank);
    if (t->u.shaped.strides) h = st_hash_bytes(h, t->u.shaped.strides, sizeof(int64_t) * t->u.shaped.rank);
    h = st_hash_bytes(h, &t->u.shaped.offset, sizeof t->u.shaped.offset);
    h = st_hash_bytes(h, &t->u.shaped.memspace, sizeof t->u.shaped.memspace);
    break;
  case ST_TY_QUANT:
    h = st_hash_bytes(h, &t->u.quant.storage, sizeof(void *));
    h = st_hash_bytes(h, &t->u.quant.expressed, sizeof(void *));
    h = st_hash_bytes(h, &t->u.quant.axis, sizeof(int));
    h = st_hash_bytes(h, t->u.quant.scales, sizeof(double) * t->u.quant.num_scales);
    h = st_hash_bytes(h, t->u.quant.zero_points, sizeof(int64_t) * t->u.quant.num_scales);
    break;
  case ST_TY_FUNCTION:
    h = st_hash_bytes(h, t->u.func.inputs, sizeof(void *) * t->u.func.num_inputs);
    h = st_hash_bytes(h, &t->u.func.num_inputs, sizeof(unsigned));
    h = st_hash_bytes(h, t->u.func.results, sizeof(void *) * t->u.func.num_results);
    break;
  default:
    break;
  }
  return h;
}

static bool st_mem_eq(const void *a, const void *b, size_t n) { return n == 0 || memcmp(a, b, n) == 0; }

static bool st_type_struct_eq(const st_type *a, const st_type *b) {
  if (a->kind != b->kind) return false;
  switch (a->kind) {
  case ST_TY_TENSOR: case ST_TY_MEMREF: case ST_TY_VECTOR: {
    const unsigned r = a->u.shaped.rank;
    if (a->u.shaped.elem != b->u.shaped.elem || r != b->u.shaped.rank) return false;
    if (!st_mem_eq(a->u.shaped.dims, b->u.shaped.dims, sizeof(st_dim) * r)) return false;
    if (!a->u.shaped.strides != !b->u.shaped.strides) return false;
    if (a->u.shaped.strides && !st_mem_eq(a->u.shaped.strides, b->u.shaped.strides, sizeof(int64_t) * r))
      return false;
    return a->u.shaped.offset == b->u.shaped.offset && a->u.shaped.memspace == b->u.shaped.memspace;
  }
  case ST_TY_QUANT: {
    const unsigned n = a->u.quant.num_scales;
    return a->u.quant.storage == b->u.quant.storage && a->u.quant.expressed == b->u.quant.expressed &&
           a->u.quant.axis == b->u.quant.axis && n == b->u.quant.num_scales &&
           st_mem_eq(a->u.quant.scales, b->u.quant.scales, sizeof(double) * n) &&
           st_mem_eq(a->u.quant.zero_points, b->u.quant.zero_points, sizeof(int64_t) * n);
  }
  case ST_TY_FUNCTION:
    return a->u.func.num_inputs == b->u.func.num_inputs && a->u.func.num_results == b->u.func.num_results &&
           st_mem_eq(a->u.func.inputs, b->u.func.inputs, sizeof(void *) * a->u.func.num_inputs) &&
           st_mem_eq(a->u.func.results, b->u.func.results, sizeof(void *) * a->u.func.num_results);
  default:
    return true;
  }
}

static bool st_types_grow(st_context *ctx) {
  size_t cap = ctx->types_cap ? ctx->types_cap * 2 : 256;
  const st_type **tab = calloc(cap, sizeof *tab);
  if (!tab) return false;
  for (size_t i = 0; i < ctx->types_cap; i++) {
    const st_type *t = ctx->types[i];
    if (!t) continue;
    size_t j = st_type_hash(t) & (cap - 1);
    while (tab[j]) j = (j + 1) & (cap - 1);
    tab[j] = t;
  }
  free(ctx->types);
  ctx->types = tab;
  ctx->types_cap = cap;
  return true;
}

/* Copies the arrays a key points to into the context arena. */
static st_type *st_type_copy(st_context *ctx, const st_type *key) {
  st_arena *a = &ctx->arena;
  st_type *t = st_arena_memdup(a, key, sizeof *key);
  if (!t) return NULL;
  switch (key->kind) {
  case ST_TY_TENSOR: case ST_TY_MEMREF: case ST_TY_VECTOR:
    t->u.shaped.dims = st_arena_memdup(a, key->u.shaped.dims, sizeof(st_dim) * key->u.shaped.rank);
    if (key->u.shaped.strides)
      t->u.shaped.strides = st_arena_memdup(a, key->u.shaped.strides, sizeof(int64_t) * key->u.shaped.rank);
    break;
  case ST_TY_QUANT:
    t->u.quant.scales = st_arena_memdup(a, key->u.quant.scales, sizeof(double) * key->u.quant.num_scales);
    t->u.quant.zero_points =
        st_arena_memdup(a, key->u.quant.zero_points, sizeof(int64_t) * key->u.quant.num_scales);
    break;
  case ST_TY_FUNCTION:
    t->u.func.inputs = st_arena_memdup(a, key->u.func.inputs, sizeof(void *) * key->u.func.num_inputs);
    t->u.func.results = st_arena_memdup(a, key->u.func.results, sizeof(void *) * key->u.func.num_results);
    break;
  default:
    break;
  }
  return t;
}

static const st_type *st_type_intern(st_context *ctx, const st_type *key) {
  if ((ctx->num_types + 1) * 2 > ctx->types_cap && !st_types_grow(ctx)) return NULL;
  size_t mask = ctx->types_cap - 1, j = st_type_hash(key) & mask;
  for (; ctx->types[j]; j = (j + 1) & mask)
    if (st_type_struct_eq(ctx->types[j], key)) return ctx->types[j];
  st_type *t = st_type_copy(ctx, key);
  if (!t) return NULL;
  ctx->types[j] = t;
  ctx->num_types++;
  return t;
}

const st_type *st_type_scalar(st_context *ctx, st_type_kind kind) {
  if (kind > ST_TY_NONE) return NULL;
  st_type key = {.kind = kind};
  return st_type_intern(ctx, &key);
}

static const st_type *st_type_shaped(st_context *ctx, st_type_kind kind, const st_type *elem, unsigned rank,
                                     const st_dim *dims, const int64_t *strides, int64_t offset,
                                     unsigned memspace) {
  st_type key = {.kind = kind};
  key.u.shaped.elem = elem;
  key.u.shaped.rank = rank;
  key.u.shaped.dims = dims;
  key.u.shaped.strides = strides;
  key.u.shaped.offset = offset;
  key.u.shaped.memspace = memspace;
  return st_type_intern(ctx, &key);
}

const st_type *st_type_tensor(st_context *ctx, const st_type *elem, unsigned rank, const st_dim *dims) {
  return st_type_shaped(ctx, ST_TY_TENSOR, elem, rank, dims, NULL, 0, 0);
}

const st_type *st_type_vector(st_context *ctx, const st_type *elem, unsigned rank, const st_dim *dims) {
  return st_type_shaped(ctx, ST_TY_VECTOR, elem, rank, dims, NULL, 0, 0);
}

const st_type *st_type_memref(st_context *ctx, const st_type *elem, unsigned rank, const st_dim *dims,
                              const int64_t *strides, int64_t offset, unsigned memspace) {
  return st_type_shaped(ctx, ST_TY_MEMREF, elem, rank, dims, strides, offset, memspace);
}

const st_type *st_type_quant(st_context *ctx, const st_type *storage, const st_type *expressed, int axis,
                             unsigned num_scales, const double *scales, const int64_t *zero_points) {
  st_type key = {.kind = ST_TY_QUANT};
  key.u.quant.storage = storage;
  key.u.quant.expressed = expressed;
  key.u.quant.axis = axis;
  key.u.quant.num_scales = num_scales;
  key.u.quant.scales = scales;
  key.u.quant.zero_points = zero_points;
  return st_type_intern(ctx, &key);
}

const st_type *st_type_function(st_context *ctx, unsigned num_inputs, const st_type *const *inputs,
                                unsigned num_results, const st_type *const *results) {
  st_type key = {.kind = ST_TY_FUNCTION};
  key.u.func.num_inputs = num_inputs;
  key.u.func.inputs = inputs;
  key.u.func.num_results = num_results;
  key.u.func.results = results;
  return st_type_intern(ctx, &key);
}

bool st_type_is_float(const st_type *t) { return t->kind <= ST_TY_F4E2M1FN; }
bool st_type_is_int(const st_type *t) { return t->kind >= ST_TY_I1 && t->kind <= ST_TY_U64; }
bool st_type_is_unsigned(const st_type *t) { return t->kind >= ST_TY_U2 && t->kind <= ST_TY_U64; }
bool st_type_is_scalar(const st_type *t) { return t->kind <= ST_TY_INDEX; }

unsigned st_type_bit_width(const st_type *t) {
  static const unsigned widths[] = {
      [ST_TY_F64] = 64, [ST_TY_F32] = 32, [ST_TY_F16] = 16, [ST_TY_BF16] = 16, [ST_TY_F8E4M3FN] = 8,
      [ST_TY_F8E5M2] = 8, [ST_TY_F8E4M3FNUZ] = 8, [ST_TY_F8E5M2FNUZ] = 8, [ST_TY_F8E8M0FNU] = 8,
      [ST_TY_F4E2M1FN] = 4, [ST_TY_I1] = 1, [ST_TY_I2] = 2, [ST_TY_U2] = 2, [ST_TY_U4] = 4, [ST_TY_I4] = 4, [ST_TY_I8] = 8, [ST_TY_I16] = 16,
      [ST_TY_I32] = 32, [ST_TY_I64] = 64, [ST_TY_U8] = 8, [ST_TY_U16] = 16, [ST_TY_U32] = 32,
      [ST_TY_U64] = 64, [ST_TY_INDEX] = 64, [ST_TY_NONE] = 0,
  };
  if (t->kind <= ST_TY_NONE) return widths[t->kind];
  if (t->kind == ST_TY_QUANT) return st_type_bit_width(t->u.quant.storage);
  if (st_type_is_shaped(t)) return st_type_bit_width(t->u.shaped.elem);
  return 0;
}

const st_type *st_type_elem(const st_type *t) { return st_type_is_shaped(t) ? t->u.shaped.elem : t; }

bool st_type_has_static_shape(const st_type *t) {
  if (!st_type_is_shaped(t)) return true;
  for (unsigned i = 0; i < t->u.shaped.rank; i++)
    if (t->u.shaped.dims[i] < 0) return false;
  return true;
}

int64_t st_type_num_elements(const st_type *t) {
  if (!st_type_is_shaped(t)) return 1;
  int64_t n = 1;
  for (unsigned i = 0; i < t->u.shaped.rank; i++) {
    if (t->u.shaped.dims[i] < 0) return -1;
    if (t->u.shaped.dims[i] && n > INT64_MAX / t->u.shaped.dims[i]) return -1;
    n *= t->u.shaped.dims[i];
  }
  return n;
}
