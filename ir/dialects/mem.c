/* The mem dialect: buffers and element access.
 *   %buf = mem.alloc : memref<4x4xf32>
 *   %acc = mem.alloca : memref<f32>          (a scalar for one loop nest: stack, then a register)
 *   %w = mem.constant {value = dense_resource<w> : tensor<4x4xf32>} : memref<4x4xf32>
 *   %v = mem.view %buf : (memref<4x4xf32>) -> memref<16xf32>      (or memref<4x4xi32>: same size)
 *   %v = mem.load %buf, %i, %j : (memref<4x4xf32>, index, index) -> f32
 *   mem.store %v, %buf, %i, %j : (f32, memref<4x4xf32>, index, index) -> ()
 * A load or store of vector<Nxf32> from a memref of f32 moves the N elements
 * that follow one another in memory from buf[i, j] on (row-major order; they
 * must lie inside the buffer).  A rank-0 mem.alloca of a vector type is one
 * vector register. */
#include "ir/dialects/dialects.h"

static bool st_check_indices(st_op *op, unsigned first, const st_type *mr, st_diag *d) {
  if (mr->kind != ST_TY_MEMREF) {
    st_diag_error(d, op->loc, "'%s' op expects a memref operand", op->def->name);
    return false;
  }
  if (op->num_operands - first != mr->u.shaped.rank) {
    st_diag_error(d, op->loc, "'%s' op expects %u indices, got %u", op->def->name, mr->u.shaped.rank,
                  op->num_operands - first);
    return false;
  }
  for (unsigned i = first; i < op->num_operands; i++)
    if (st_op_operand(op, i)->type->kind != ST_TY_INDEX) {
      st_diag_error(d, op->loc, "'%s' op indices must be of type index", op->def->name);
      return false;
    }
  return true;
}

/* What a load or store may move: one element, or a rank-1 vector of the
 * (scalar) element type. */
static bool st_mem_access_type(const st_type *t, const st_type *mr) {
  const st_type *e = mr->u.shaped.elem;
  return t == e || (t->kind == ST_TY_VECTOR && t->u.shaped.rank == 1 && t->u.shaped.dims[0] > 0 &&
                    t->u.shaped.elem == e && st_type_is_scalar(e));
}

static bool st_alloc_verify(st_op *op, st_diag *d) {
  if (op->results[0].type->kind != ST_TY_MEMREF || !st_type_has_static_shape(op->results[0].type)) {
    st_diag_error(d, op->loc, "'%s' op result must be a statically shaped memref", op->def->name);
    return false;
  }
  return true;
}

static bool st_load_verify(st_op *op, st_diag *d) {
  if (op->num_operands < 1) {
    st_diag_error(d, op->loc, "'mem.load' op expects a memref operand");
    return false;
  }
  const st_type *mr = st_op_operand(op, 0)->type;
  if (!st_check_indices(op, 1, mr, d)) return false;
  if (!st_mem_access_type(op->results[0].type, mr)) {
    st_diag_error(d, op->loc, "'mem.load' op result type must be the memref's element type or a vector of it");
    return false;
  }
  return true;
}

static bool st_store_verify(st_op *op, st_diag *d) {
  if (op->num_operands < 2) {
    st_diag_error(d, op->loc, "'mem.store' op expects a value and a memref");
    return false;
  }
  const st_type *mr = st_op_operand(op, 1)->type;
  if (!st_check_indices(op, 2, mr, d)) return false;
  if (!st_mem_access_type(st_op_operand(op, 0)->type, mr)) {
    st_diag_error(d, op->loc, "'mem.store' op value type must be the memref's element type or a vector of it");
    return false;
  }
  return true;
}

/* A constant buffer is read-only data (weights); its element type and shape
 * are those of its dense or resource value. */
static bool st_constant_verify(st_op *op, st_diag *d) {
  const st_attr *v = st_op_get_attr(op, "value");
  const st_type *t = op->results[0].type;
  if (!v || (v->kind != ST_ATTR_DENSE && v->kind != ST_ATTR_RESOURCE) || t->kind != ST_TY_MEMREF ||
      t->u.shaped.strides || v->type->u.shaped.elem != t->u.shaped.elem ||
      st_type_num_elements(v->type) != st_type_num_elements(t) || !st_type_has_static_shape(t)) {
    st_diag_error(d, op->loc, "'mem.constant' op needs a dense or dense_resource 'value' of the memref's shape");
    return false;
  }
  return true;
}

/* A view reinterprets a contiguous buffer with another static shape of the
 * same element count (what reshape lowers to), and possibly another element
 * type of the same storage size (what bitcast lowers to: i32 as f32, i1 as
 * u8; st_dense_elem_size, one byte for i1 and the sub-byte types). */
static bool st_view_verify(st_op *op, st_diag *d) {
  const st_type *a = st_op_operand(op, 0)->type, *r = op->results[0].type;
  if (a->kind != ST_TY_MEMREF || r->kind != ST_TY_MEMREF || a->u.shaped.strides || r->u.shaped.strides ||
      st_dense_elem_size(a->u.shaped.elem) != st_dense_elem_size(r->u.shaped.elem) ||
      st_type_num_elements(a) != st_type_num_elements(r) || st_type_num_elements(a) < 0) {
    st_diag_error(d, op->loc, "'mem.view' op expects contiguous memrefs of one element count and element size");
    return false;
  }
  return true;
}

const st_op_def st_mem_alloca_def = {
    .name = "mem.alloca", .summary = "a small scratch buffer for one loop nest (stack; promoted to registers)",
    .num_operands = 0, .num_results = 1, .verify = st_alloc_verify,
};
const st_op_def st_mem_constant_def = {
    .name = "mem.constant", .summary = "a read-only buffer holding a dense or resource value (weights)",
    .num_operands = 0, .num_results = 1, .traits = ST_TRAIT_PURE, .verify = st_constant_verify,
};
const st_op_def st_mem_view_def = {
    .name = "mem.view", .summary = "the same contiguous buffer seen with another shape or same-size element type",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE, .verify = st_view_verify,
};

const st_op_def st_mem_alloc_def = {
    .name = "mem.alloc", .summary = "a buffer (memplan assigns it an arena offset)",
    .num_operands = 0, .num_results = 1, .verify = st_alloc_verify,
};
const st_op_def st_mem_load_def = {
    .name = "mem.load", .summary = "reads one element of a memref (or a vector of consecutive ones)",
    .num_operands = ST_VARIADIC, .num_results = 1, .verify = st_load_verify,
};
const st_op_def st_mem_store_def = {
    .name = "mem.store", .summary = "writes one element of a memref (or a vector of consecutive ones)",
    .num_operands = ST_VARIADIC, .num_results = 0, .verify = st_store_verify,
};

static const st_op_def *const st_mem_ops[] = {&st_mem_alloc_def, &st_mem_load_def,     &st_mem_store_def,
                                              &st_mem_alloca_def, &st_mem_constant_def, &st_mem_view_def};
static const st_op_group st_mem_group = ST_OP_GROUP(st_mem_ops);
static const st_op_group *const st_mem_groups[] = {&st_mem_group};
const st_dialect st_mem_dialect = {"mem", "buffers and element loads and stores", st_mem_groups, 1};
