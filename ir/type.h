/* Types: interned in a context, so pointer equality is type equality.
 *
 * Scalars (f64 ... index), tensor<...> (value semantics), memref<...>
 * (buffers with strides, offset and memory space), vector<...>, quantized
 * element types (!quant.uniform, per tensor and per axis) and function types.
 * A dimension is a non-negative extent or ST_DIM_DYNAMIC ('?'); symbolic
 * dimensions can later extend st_dim without changing the users of the API. */
#ifndef ST_IR_TYPE_H
#define ST_IR_TYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct st_context st_context;

typedef enum st_type_kind {
  /* scalars: keep floats, then signless/signed ints, then unsigned (the
   * st_type_is_* tests compare ranges).  The 8- and 4-bit floats follow the
   * OCP/ONNX formats: FN = finite (no infinities), UZ = unsigned zero (one
   * NaN, no -0), E8M0FNU = exponent only, unsigned. */
  ST_TY_F64, ST_TY_F32, ST_TY_F16, ST_TY_BF16, ST_TY_F8E4M3FN, ST_TY_F8E4M3FNUZ, ST_TY_F8E5M2,
  ST_TY_F8E5M2FNUZ, ST_TY_F8E8M0FNU, ST_TY_F4E2M1FN,
  ST_TY_I1, ST_TY_I2, ST_TY_I4, ST_TY_I8, ST_TY_I16, ST_TY_I32, ST_TY_I64,
  ST_TY_U2, ST_TY_U4, ST_TY_U8, ST_TY_U16, ST_TY_U32, ST_TY_U64,
  ST_TY_INDEX,
  ST_TY_NONE,
  /* composites */
  ST_TY_TENSOR, ST_TY_MEMREF, ST_TY_VECTOR, ST_TY_QUANT, ST_TY_FUNCTION,
  ST_TY_NUM_KINDS
} st_type_kind;

#define ST_DIM_DYNAMIC INT64_MIN
typedef int64_t st_dim;

typedef struct st_type st_type;

struct st_type {
  st_type_kind kind;
  union {
    struct { /* tensor, memref, vector */
      const st_type *elem;
      unsigned rank;
      const st_dim *dims;
      const int64_t *strides; /* memref only; NULL means row-major identity */
      int64_t offset;         /* memref only */
      unsigned memspace;      /* memref only; 0 = host DRAM */
    } shaped;
    struct { /* !quant.uniform<storage:expressed, scale(s), zero point(s)> */
      const st_type *storage, *expressed;
      int axis; /* -1 per tensor */
      unsigned num_scales;
      const double *scales;
      const int64_t *zero_points;
    } quant;
    struct {
      unsigned num_inputs, num_results;
      const st_type *const *inputs;
      const st_type *const *results;
    } func;
  } u;
};

st_context *st_context_create(void);
void st_context_destroy(st_context *ctx);

const st_type *st_type_scalar(st_context *ctx, st_type_kind kind);
const st_type *st_type_tensor(st_context *ctx, const st_type *elem, unsigned rank, const st_dim *dims);
const st_type *st_type_vector(st_context *ctx, const st_type *elem, unsigned rank, const st_dim *dims);
/* strides may be NULL (identity layout) */
const st_type *st_type_memref(st_context *ctx, const st_type *elem, unsigned rank, const st_dim *dims,
                              const int64_t *strides, int64_t offset, unsigned memspace);
const st_type *st_type_quant(st_context *ctx, const st_type *storage, const st_type *expressed, int axis,
                             unsigned num_scales, const double *scales, const int64_t *zero_points);
const st_type *st_type_function(st_context *ctx, unsigned num_inputs, const st_type *const *inputs,
                                unsigned num_results, const st_type *const *results);

static inline bool st_type_is_shaped(const st_type *t) {
  return t->kind == ST_TY_TENSOR || t->kind == ST_TY_MEMREF || t->kind == ST_TY_VECTOR;
}
bool st_type_is_float(const st_type *t);
bool st_type_is_int(const st_type *t);       /* any integer kind, i1 included */
bool st_type_is_unsigned(const st_type *t);
bool st_type_is_scalar(const st_type *t);
/* Bits of one element (i4 = 4, index = 64, quant = its storage type). */
unsigned st_type_bit_width(const st_type *t);
/* The element type of a shaped type, or the type itself. */
const st_type *st_type_elem(const st_type *t);
/* Number of elements of a static shaped type; -1 if any dim is dynamic. */
int64_t st_type_num_elements(const st_type *t);
bool st_type_has_static_shape(const st_type *t);
/* Name of a scalar kind as printed ("f32"), or NULL for composites. */
const char *st_type_scalar_name(st_type_kind kind);
/* Number of distinct types interned (for tests and statistics). */
size_t st_context_num_types(const st_context *ctx);

#endif
