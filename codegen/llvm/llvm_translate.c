/* Loop-level IR to LLVM IR: one LLVM function for func @main.
 *
 * Memrefs are plain pointers to contiguous row-major data (lower-to-loops
 * only makes identity layouts), so a load or store is a GEP over the
 * linearised index.  loop.for becomes a counted loop; loop.parallel too, or,
 * when heavy enough, a body the runtime's thread pool runs
 * (llvm_parallel.c);
 * mem.alloc is a slice of the caller's workspace at an offset given in
 * program order (memplan will reuse space later); mem.alloca is a stack slot
 * in the entry block that mem2reg turns into a register; mem.constant is a
 * private constant global holding the weight bytes.  The op table at the
 * bottom says which emitter handles which op. */
#include <stdlib.h>
#include <string.h>

#include "codegen/llvm/llvm_internal.h"
#include "ir/dialects/dialects.h"

LLVMTypeRef st_llvm_type(st_llvm_module *lm, const st_type *t) {
  switch (t->kind) {
  case ST_TY_F32: return LLVMFloatTypeInContext(lm->ctx);
  case ST_TY_F64: return LLVMDoubleTypeInContext(lm->ctx);
  /* narrow floats compute in f32, sub-byte integers in i8 (llvm_elem.c) */
  case ST_TY_F16: case ST_TY_BF16: case ST_TY_F8E4M3FN: case ST_TY_F8E4M3FNUZ: case ST_TY_F8E5M2:
  case ST_TY_F8E5M2FNUZ: case ST_TY_F8E8M0FNU: case ST_TY_F4E2M1FN: return LLVMFloatTypeInContext(lm->ctx);
  case ST_TY_I1: return LLVMInt1TypeInContext(lm->ctx);
  case ST_TY_I2: case ST_TY_I4: case ST_TY_U2: case ST_TY_U4:
  case ST_TY_I8: case ST_TY_U8: return LLVMInt8TypeInContext(lm->ctx);
  case ST_TY_I16: case ST_TY_U16: return LLVMInt16TypeInContext(lm->ctx);
  case ST_TY_I32: case ST_TY_U32: return LLVMInt32TypeInContext(lm->ctx);
  case ST_TY_I64: case ST_TY_U64: case ST_TY_INDEX: return LLVMInt64TypeInContext(lm->ctx);
  case ST_TY_MEMREF: return LLVMPointerTypeInContext(lm->ctx, 0);
  case ST_TY_VECTOR: {
    LLVMTypeRef e = t->u.shaped.rank == 1 && st_type_is_scalar(t->u.shaped.elem) ? st_llvm_type(lm, t->u.shaped.elem) : NULL;
    return e ? LLVMVectorType(e, (unsigned)t->u.shaped.dims[0]) : NULL;
  }
  default: return NULL;
  }
}

static bool st_fail(st_llvm_fn *f, const st_op *op, const char *what) {
  st_diag_error(f->d, op->loc, "llvm codegen: '%s' op %s", op->def->name, what);
  return false;
}

static LLVMValueRef st_get(st_llvm_fn *f, const st_value *v) { return st_ptrmap_get(&f->vals, v); }
static bool st_set(st_llvm_fn *f, const st_value *v, LLVMValueRef r) { return r && st_ptrmap_set(&f->vals, v, r); }

static const char *st_name(const st_value *v) { return v->name ? v->name : ""; }

/* ---- memory ---- */

/* A mem.alloca scratch slot keeps the register type (f32 for f16 ...), so
 * accumulators do not round at every step; other buffers hold the stored
 * form of their element type. */
static bool st_is_scratch(const st_value *buf) { return buf->def && buf->def->def == &st_mem_alloca_def; }
static LLVMTypeRef st_buffer_elem_type(st_llvm_fn *f, const st_value *buf) {
  const st_type *elem = buf->type->u.shaped.elem;
  return st_is_scratch(buf) ? st_llvm_type(f->lm, elem) : st_llvm_mem_type(f->lm, elem);
}

/* The element pointer of buf[idx...] (row-major, identity layout). */
static LLVMValueRef st_element_ptr(st_llvm_fn *f, const st_op *op, unsigned first) {
  const st_value *buf = st_op_operand(op, first);
  const st_type *t = buf->type;
  LLVMTypeRef i64 = LLVMInt64TypeInContext(f->lm->ctx);
  LLVMValueRef lin = LLVMConstInt(i64, 0, 0);
  for (unsigned k = 0; k < t->u.shaped.rank; k++) {
    LLVMValueRef idx = st_get(f, st_op_operand(op, first + 1 + k));
    if (k == 0) {
      lin = idx;
      continue;
    }
    LLVMValueRef dim = LLVMConstInt(i64, (unsigned long long)t->u.shaped.dims[k], 0);
    lin = LLVMBuildNUWAdd(f->b, LLVMBuildNUWMul(f->b, lin, dim, ""), idx, "");
  }
  LLVMTypeRef elem = st_buffer_elem_type(f, buf);
  return LLVMBuildInBoundsGEP2(f->b, elem, st_get(f, buf), &lin, 1, "");
}

/* A vector access to a buffer of scalars: N consecutive elements, aligned
 * as one element; only where memory holds the register form (f32, f64, the
 * integers of 8 bits or more, or a scratch slot), else NULL. */
static LLVMTypeRef st_vector_access(st_llvm_fn *f, const st_value *buf, const st_type *vt, unsigned *align) {
  const st_type *elem = buf->type->u.shaped.elem;
  if (vt->kind != ST_TY_VECTOR || vt == elem) return NULL;
  LLVMTypeRef reg = st_llvm_type(f->lm, elem);
  if (!st_is_scratch(buf) && (st_llvm_mem_type(f->lm, elem) != reg || st_type_bit_width(elem) % 8)) return NULL;
  *align = st_type_bit_width(elem) / 8;
  return st_llvm_type(f->lm, vt);
}

static bool st_emit_load(st_llvm_fn *f, st_op *op) {
  const st_value *buf = st_op_operand(op, 0);
  unsigned align = 0;
  if (op->results[0].type->kind == ST_TY_VECTOR && op->results[0].type != buf->type->u.shaped.elem) {
    LLVMTypeRef vt = st_vector_access(f, buf, op->results[0].type, &align);
    if (!vt) return st_fail(f, op, "reads a vector of an element type stored in another form");
    LLVMValueRef l = LLVMBuildLoad2(f->b, vt, st_element_ptr(f, op, 0), "");
    LLVMSetAlignment(l, align);
    return st_set(f, &op->results[0], l);
  }
  LLVMValueRef raw = LLVMBuildLoad2(f->b, st_buffer_elem_type(f, buf), st_element_ptr(f, op, 0), "");
  return st_set(f, &op->results[0], st_is_scratch(buf) ? raw : st_llvm_from_mem(f, op->results[0].type, raw));
}

static bool st_emit_store(st_llvm_fn *f, st_op *op) {
  const st_value *buf = st_op_operand(op, 1);
  LLVMValueRef v = st_get(f, st_op_operand(op, 0));
  unsigned align = 0;
  const st_type *vt = st_op_operand(op, 0)->type;
  if (vt->kind == ST_TY_VECTOR && vt != buf->type->u.shaped.elem) {
    if (!st_vector_access(f, buf, vt, &align)) return st_fail(f, op, "writes a vector of an element type stored in another form");
    LLVMValueRef s = LLVMBuildStore(f->b, v, st_element_ptr(f, op, 1));
    LLVMSetAlignment(s, align);
    return true;
  }
  if (!st_is_scratch(buf)) v = st_llvm_to_mem(f, buf->type->u.shaped.elem, v);
  return LLVMBuildStore(f->b, v, st_element_ptr(f, op, 1)) != NULL;
}

static uint64_t st_buffer_bytes(const st_type *t) {
  return (uint64_t)st_type_num_elements(t) * st_dense_elem_size(t->u.shaped.elem);
}

static bool st_emit_alloc(st_llvm_fn *f, st_op *op) {
  LLVMTypeRef i8 = LLVMInt8TypeInContext(f->lm->ctx);
  /* memplan's offset when it ran, else the next slice in program order. */
  const st_attr *planned = st_op_get_attr(op, "offset");
  uint64_t size = (st_buffer_bytes(op->results[0].type) + 63) & ~(uint64_t)63;
  uint64_t at = planned && planned->kind == ST_ATTR_INT ? (uint64_t)planned->u.i : f->lm->workspace;
  LLVMValueRef off = LLVMConstInt(LLVMInt64TypeInContext(f->lm->ctx), at, 0);
  if (at + size > f->lm->workspace) f->lm->workspace = at + size;
  return st_set(f, &op->results[0], LLVMBuildInBoundsGEP2(f->b, i8, f->ws, &off, 1, st_name(&op->results[0])));
}

static bool st_emit_alloca(st_llvm_fn *f, st_op *op) {
  const st_type *t = op->results[0].type;
  LLVMTypeRef ty = LLVMArrayType(st_llvm_type(f->lm, t->u.shaped.elem), (unsigned)st_type_num_elements(t));
  LLVMBasicBlockRef here = LLVMGetInsertBlock(f->b);
  LLVMPositionBuilderAtEnd(f->b, f->allocas);
  LLVMValueRef slot = LLVMBuildAlloca(f->b, ty, "");
  LLVMPositionBuilderAtEnd(f->b, here);
  return st_set(f, &op->results[0], slot);
}

/* Weights: the bytes of the dense or resource value (splats expanded). */
static bool st_emit_constant_buffer(st_llvm_fn *f, st_op *op) {
  const st_attr *a = st_op_get_attr(op, "value");
  size_t have, esz = st_dense_elem_size(st_type_elem(a->type));
  bool splat;
  const void *data = st_attr_elements(a, &have, &splat);
  uint64_t nbytes = st_buffer_bytes(op->results[0].type);
  if (!data) return st_fail(f, op, "has no data (an elided resource?)");
  if (nbytes > UINT32_MAX) return st_fail(f, op, "holds more than 4 GiB");
  char *bytes = NULL;
  if (splat) {
    if (!(bytes = malloc(nbytes ? nbytes : 1))) return st_fail(f, op, "out of memory");
    for (uint64_t i = 0; i < nbytes; i += esz) memcpy(bytes + i, data, esz);
    data = bytes;
  } else if (have < nbytes) {
    return st_fail(f, op, "has fewer bytes than its type needs");
  }
  LLVMValueRef init = LLVMConstStringInContext(f->lm->ctx, data, (unsigned)nbytes, 1);
  free(bytes);
  char name[160];
  snprintf(name, sizeof name, "%s.w%u%s%s", f->lm->prefix, f->num_globals++, a->kind == ST_ATTR_RESOURCE ? "." : "",
           a->kind == ST_ATTR_RESOURCE ? a->u.resource->name : "");
  LLVMValueRef g = LLVMAddGlobal(f->lm->mod, LLVMTypeOf(init), name);
  LLVMSetInitializer(g, init);
  LLVMSetGlobalConstant(g, 1);
  LLVMSetLinkage(g, LLVMPrivateLinkage);
  LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
  LLVMSetAlignment(g, 64);
  return st_set(f, &op->results[0], g);
}

static bool st_emit_view(st_llvm_fn *f, st_op *op) { return st_set(f, &op->results[0], st_get(f, st_op_operand(op, 0))); }

/* ---- arithmetic ---- */

static bool st_emit_constant(st_llvm_fn *f, st_op *op) {
  const st_attr *a = st_op_get_attr(op, "value");
  LLVMTypeRef ty = st_llvm_type(f->lm, op->results[0].type);
  if (!ty || (a->kind != ST_ATTR_INT && a->kind != ST_ATTR_FLOAT)) return st_fail(f, op, "of this type is not supported yet");
  LLVMValueRef v = a->kind == ST_ATTR_FLOAT ? LLVMConstReal(ty, a->u.f) : LLVMConstInt(ty, (unsigned long long)a->u.i, 1);
  return st_set(f, &op->results[0], v);
}

static const struct { const char *name; LLVMRealPredicate p; } st_fpreds[] = {
    {"oeq", LLVMRealOEQ}, {"one", LLVMRealONE}, {"olt", LLVMRealOLT}, {"ole", LLVMRealOLE}, {"ogt", LLVMRealOGT},
    {"oge", LLVMRealOGE}, {"ueq", LLVMRealUEQ}, {"une", LLVMRealUNE}, {"ult", LLVMRealULT}, {"ule", LLVMRealULE},
    {"ugt", LLVMRealUGT}, {"uge", LLVMRealUGE}, {"ord", LLVMRealORD}, {"uno", LLVMRealUNO},
};
static const struct { const char *name; LLVMIntPredicate p; } st_ipreds[] = {
    {"eq", LLVMIntEQ},   {"ne", LLVMIntNE},   {"slt", LLVMIntSLT}, {"sle", LLVMIntSLE}, {"sgt", LLVMIntSGT},
    {"sge", LLVMIntSGE}, {"ult", LLVMIntULT}, {"ule", LLVMIntULE}, {"ugt", LLVMIntUGT}, {"uge", LLVMIntUGE},
};

static bool st_emit_cmp(st_llvm_fn *f, st_op *op) {
  const char *pred = st_op_attr_str(op, "predicate");
  LLVMValueRef a = st_get(f, st_op_operand(op, 0)), b = st_get(f, st_op_operand(op, 1));
  if (op->def == &st_arith_cmpf_def) {
    for (size_t i = 0; i < sizeof st_fpreds / sizeof *st_fpreds; i++)
      if (strcmp(pred, st_fpreds[i].name) == 0) return st_set(f, &op->results[0], LLVMBuildFCmp(f->b, st_fpreds[i].p, a, b, ""));
  } else {
    for (size_t i = 0; i < sizeof st_ipreds / sizeof *st_ipreds; i++)
      if (strcmp(pred, st_ipreds[i].name) == 0) return st_set(f, &op->results[0], LLVMBuildICmp(f->b, st_ipreds[i].p, a, b, ""));
  }
  return st_fail(f, op, "has an unknown predicate");
}

static bool st_emit_select(st_llvm_fn *f, st_op *op) {
  return st_set(f, &op->results[0], LLVMBuildSelect(f->b, st_get(f, st_op_operand(op, 0)), st_get(f, st_op_operand(op, 1)),
                                                   st_get(f, st_op_operand(op, 2)), ""));
}

/* insertelement into lane 0, then a shuffle with an all-zero mask */
static bool st_emit_splat(st_llvm_fn *f, st_op *op) {
  LLVMTypeRef vt = st_llvm_type(f->lm, op->results[0].type), i32 = LLVMInt32TypeInContext(f->lm->ctx);
  LLVMValueRef zero = LLVMConstInt(i32, 0, 0);
  LLVMValueRef one = LLVMBuildInsertElement(f->b, LLVMGetUndef(vt), st_get(f, st_op_operand(op, 0)), zero, "");
  LLVMValueRef mask = LLVMConstNull(LLVMVectorType(i32, LLVMGetVectorSize(vt)));
  return st_set(f, &op->results[0], LLVMBuildShuffleVector(f->b, one, LLVMGetUndef(vt), mask, ""));
}

static bool st_emit_maxf(st_llvm_fn *f, st_op *op) {
  LLVMValueRef a = st_get(f, st_op_operand(op, 0)), b = st_get(f, st_op_operand(op, 1));
  return st_set(f, &op->results[0], LLVMBuildSelect(f->b, LLVMBuildFCmp(f->b, LLVMRealOGT, a, b, ""), a, b, ""));
}

static bool st_emit_expf(st_llvm_fn *f, st_op *op) {
  LLVMTypeRef ty = st_llvm_type(f->lm, op->results[0].type);
  unsigned id = LLVMLookupIntrinsicID("llvm.exp", 8);
  LLVMValueRef fn = LLVMGetIntrinsicDeclaration(f->lm->mod, id, &ty, 1);
  LLVMValueRef arg = st_get(f, st_op_operand(op, 0));
  return st_set(f, &op->results[0], LLVMBuildCall2(f->b, LLVMIntrinsicGetType(f->lm->ctx, id, &ty, 1), fn, &arg, 1, ""));
}

/* x * y + z with the product used once becomes llvm.fmuladd, which the
 * backend fuses into one FMA where the target has it (as C compilers do
 * under -ffp-contract=on); the fmul left behind is dead. */
static bool st_emit_addf(st_llvm_fn *f, st_op *op) {
  LLVMValueRef a = st_get(f, st_op_operand(op, 0)), b = st_get(f, st_op_operand(op, 1));
  for (unsigned i = 0; i < 2; i++) {
    const st_value *v = st_op_operand(op, i);
    if (!v->def || v->def->def != &st_arith_mulf_def || st_value_num_uses(v) != 1) continue;
    LLVMTypeRef ty = LLVMTypeOf(a);
    unsigned id = LLVMLookupIntrinsicID("llvm.fmuladd", 12);
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(f->lm->mod, id, &ty, 1);
    LLVMValueRef args[3] = {st_get(f, st_op_operand(v->def, 0)), st_get(f, st_op_operand(v->def, 1)), i ? a : b};
    return st_set(f, &op->results[0], LLVMBuildCall2(f->b, LLVMIntrinsicGetType(f->lm->ctx, id, &ty, 1), fn, args, 3, ""));
  }
  return st_set(f, &op->results[0], LLVMBuildFAdd(f->b, a, b, ""));
}

/* arith.math: an LLVM intrinsic where one exists (LLVM folds and vectorises
 * those), else the C library function (tanhf, erff, ...; the JIT resolves
 * libm from the process, a library links -lm). */
static const struct { const char *fn, *intrinsic; } st_math_intrinsics[] = {
    {"sqrt", "llvm.sqrt"}, {"log", "llvm.log"},     {"exp", "llvm.exp"},         {"abs", "llvm.fabs"},
    {"floor", "llvm.floor"}, {"ceil", "llvm.ceil"}, {"round", "llvm.roundeven"}, {"sin", "llvm.sin"},
    {"cos", "llvm.cos"},   {"pow", "llvm.pow"},
};

static bool st_emit_math(st_llvm_fn *f, st_op *op) {
  const char *fn = st_op_attr_str(op, "fn");
  LLVMTypeRef ty = st_llvm_type(f->lm, op->results[0].type);
  LLVMValueRef args[2] = {st_get(f, st_op_operand(op, 0)), op->num_operands > 1 ? st_get(f, st_op_operand(op, 1)) : NULL};
  unsigned n = op->num_operands;
  if (!strcmp(fn, "neg")) return st_set(f, &op->results[0], LLVMBuildFNeg(f->b, args[0], ""));
  if (!strcmp(fn, "fmod")) return st_set(f, &op->results[0], LLVMBuildFRem(f->b, args[0], args[1], ""));
  for (size_t i = 0; i < sizeof st_math_intrinsics / sizeof *st_math_intrinsics; i++) {
    if (strcmp(fn, st_math_intrinsics[i].fn)) continue;
    const char *iname = st_math_intrinsics[i].intrinsic;
    unsigned id = LLVMLookupIntrinsicID(iname, strlen(iname));
    LLVMValueRef decl = LLVMGetIntrinsicDeclaration(f->lm->mod, id, &ty, 1);
    return st_set(f, &op->results[0], LLVMBuildCall2(f->b, LLVMIntrinsicGetType(f->lm->ctx, id, &ty, 1), decl, args, n, ""));
  }
  char name[32];
  snprintf(name, sizeof name, "%s%s", fn, ty == LLVMFloatTypeInContext(f->lm->ctx) ? "f" : "");
  LLVMTypeRef params[2] = {ty, ty}, fty = LLVMFunctionType(ty, params, n, 0);
  LLVMValueRef callee = LLVMGetNamedFunction(f->lm->mod, name);
  if (!callee) callee = LLVMAddFunction(f->lm->mod, name, fty);
  return st_set(f, &op->results[0], LLVMBuildCall2(f->b, fty, callee, args, n, ""));
}

/* arith.cast: the LLVM conversion the two scalar types call for; a narrow
 * target rounds (llvm_elem.c; attrs saturate and round_mode as Cast's). */
static bool st_emit_cast(st_llvm_fn *f, st_op *op) {
  const char *mode = st_op_attr_str(op, "round_mode");
  int m = mode && !strcmp(mode, "down") ? 1 : mode && !strcmp(mode, "nearest") ? 2 : 0;
  LLVMValueRef r = st_llvm_convert(f, st_op_operand(op, 0)->type, op->results[0].type, st_get(f, st_op_operand(op, 0)),
                                   st_op_attr_int(op, "saturate", 1) != 0, m);
  return st_set(f, &op->results[0], r);
}

/* ---- control flow ---- */


/* header: iv = phi [lb, pre], [iv + step, latch]; iv < ub ? body : exit */
bool st_llvm_emit_loop(st_llvm_fn *f, st_op *op) {
  LLVMTypeRef i64 = LLVMInt64TypeInContext(f->lm->ctx);
  LLVMBasicBlockRef pre = LLVMGetInsertBlock(f->b);
  LLVMBasicBlockRef header = LLVMAppendBasicBlockInContext(f->lm->ctx, f->fn, "loop");
  LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(f->lm->ctx, f->fn, "body");
  LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(f->lm->ctx, f->fn, "exit");
  LLVMBuildBr(f->b, header);
  LLVMPositionBuilderAtEnd(f->b, header);
  LLVMValueRef iv = LLVMBuildPhi(f->b, i64, "i");
  LLVMValueRef lb = st_get(f, st_op_operand(op, 0));
  LLVMAddIncoming(iv, &lb, &pre, 1);
  LLVMBuildCondBr(f->b, LLVMBuildICmp(f->b, LLVMIntSLT, iv, st_get(f, st_op_operand(op, 1)), ""), body, exit);
  LLVMPositionBuilderAtEnd(f->b, body);
  st_block *blk = op->regions[0].first;
  if (!st_set(f, blk->args[0], iv) || !st_llvm_emit_block(f, blk)) return false;
  LLVMValueRef next = LLVMBuildNSWAdd(f->b, iv, st_get(f, st_op_operand(op, 2)), "");
  LLVMBasicBlockRef latch = LLVMGetInsertBlock(f->b);
  LLVMAddIncoming(iv, &next, &latch, 1);
  LLVMBuildBr(f->b, header);
  LLVMPositionBuilderAtEnd(f->b, exit);
  return true;
}

/* cond ? then : else, both falling through to the join block. */
static bool st_emit_if(st_llvm_fn *f, st_op *op) {
  LLVMContextRef c = f->lm->ctx;
  LLVMBasicBlockRef then = LLVMAppendBasicBlockInContext(c, f->fn, "then");
  LLVMBasicBlockRef other = LLVMAppendBasicBlockInContext(c, f->fn, "else");
  LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(c, f->fn, "endif");
  LLVMBuildCondBr(f->b, st_get(f, st_op_operand(op, 0)), then, other);
  LLVMPositionBuilderAtEnd(f->b, then);
  if (!st_llvm_emit_block(f, op->regions[0].first)) return false;
  LLVMBuildBr(f->b, join);
  LLVMPositionBuilderAtEnd(f->b, other);
  if (!st_llvm_emit_block(f, op->regions[1].first)) return false;
  LLVMBuildBr(f->b, join);
  LLVMPositionBuilderAtEnd(f->b, join);
  return true;
}

/* body: ...; condition ? body : exit */
static bool st_emit_while(st_llvm_fn *f, st_op *op) {
  LLVMContextRef c = f->lm->ctx;
  LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(c, f->fn, "while");
  LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(c, f->fn, "endwhile");
  LLVMBuildBr(f->b, body);
  LLVMPositionBuilderAtEnd(f->b, body);
  st_block *blk = op->regions[0].first;
  if (!st_llvm_emit_block(f, blk)) return false;
  LLVMBuildCondBr(f->b, st_get(f, st_op_operand(st_block_terminator(blk), 0)), body, exit);
  LLVMPositionBuilderAtEnd(f->b, exit);
  return true;
}

static bool st_emit_nothing(st_llvm_fn *f, st_op *op) { return true; }

static bool st_emit_return(st_llvm_fn *f, st_op *op) { return LLVMBuildRetVoid(f->b) != NULL; }

/* ---- the table ---- */

typedef struct st_llvm_emitter {
  const st_op_def *def;
  bool (*emit)(st_llvm_fn *f, st_op *op);
  LLVMOpcode opcode; /* for binary ops (emit == NULL) */
} st_llvm_emitter;

static const st_llvm_emitter st_emitters[] = {
    {&st_arith_constant_def, st_emit_constant, 0},
    {&st_arith_addf_def, st_emit_addf, 0},
    {&st_arith_subf_def, NULL, LLVMFSub},
    {&st_arith_mulf_def, NULL, LLVMFMul},
    {&st_arith_divf_def, NULL, LLVMFDiv},
    {&st_arith_maxf_def, st_emit_maxf, 0},
    {&st_arith_addi_def, NULL, LLVMAdd},
    {&st_arith_subi_def, NULL, LLVMSub},
    {&st_arith_muli_def, NULL, LLVMMul},
    {&st_arith_divsi_def, NULL, LLVMSDiv},
    {&st_arith_divui_def, NULL, LLVMUDiv},
    {&st_arith_remsi_def, NULL, LLVMSRem},
    {&st_arith_remui_def, NULL, LLVMURem},
    {&st_arith_shli_def, NULL, LLVMShl},
    {&st_arith_shrui_def, NULL, LLVMLShr},
    {&st_arith_andi_def, NULL, LLVMAnd},
    {&st_arith_ori_def, NULL, LLVMOr},
    {&st_arith_xori_def, NULL, LLVMXor},
    {&st_arith_math_def, st_emit_math, 0},
    {&st_arith_cast_def, st_emit_cast, 0},
    {&st_arith_cmpf_def, st_emit_cmp, 0},
    {&st_arith_cmpi_def, st_emit_cmp, 0},
    {&st_arith_select_def, st_emit_select, 0},
    {&st_arith_splat_def, st_emit_splat, 0},
    {&st_arith_expf_def, st_emit_expf, 0},
    {&st_mem_load_def, st_emit_load, 0},
    {&st_mem_store_def, st_emit_store, 0},
    {&st_mem_alloc_def, st_emit_alloc, 0},
    {&st_mem_alloca_def, st_emit_alloca, 0},
    {&st_mem_constant_def, st_emit_constant_buffer, 0},
    {&st_mem_view_def, st_emit_view, 0},
    {&st_loop_for_def, st_llvm_emit_loop, 0},
    {&st_loop_parallel_def, st_llvm_emit_parallel, 0},
    {&st_loop_yield_def, st_emit_nothing, 0},
    {&st_loop_if_def, st_emit_if, 0},
    {&st_loop_while_def, st_emit_while, 0},
    {&st_loop_condition_def, st_emit_nothing, 0},
    {&st_func_return_def, st_emit_return, 0},
};

static bool st_emit_op(st_llvm_fn *f, st_op *op) {
  for (size_t i = 0; i < sizeof st_emitters / sizeof *st_emitters; i++) {
    if (st_emitters[i].def != op->def) continue;
    for (unsigned r = 0; r < op->num_results; r++)
      if (!st_llvm_type(f->lm, st_type_elem(op->results[r].type)))
        return st_fail(f, op, "has a result type codegen does not support yet");
    if (st_emitters[i].emit) return st_emitters[i].emit(f, op);
    LLVMValueRef r = LLVMBuildBinOp(f->b, st_emitters[i].opcode, st_get(f, st_op_operand(op, 0)),
                                    st_get(f, st_op_operand(op, 1)), "");
    return st_set(f, &op->results[0], r);
  }
  return st_fail(f, op, "is not supported by codegen (run lower-to-loops first?)");
}

bool st_llvm_emit_block(st_llvm_fn *f, st_block *blk) {
  for (st_op *op = blk->first; op; op = op->next)
    if (!st_emit_op(f, op)) return false;
  return true;
}

/* ---- kernels and the trace hook ---- */

/* if (PREFIX_trace_hook) PREFIX_trace_hook(kernel, end); */
static void st_emit_trace(st_llvm_fn *f, unsigned kernel, int end) {
  LLVMContextRef c = f->lm->ctx;
  LLVMTypeRef ptr = LLVMPointerTypeInContext(c, 0), i32 = LLVMInt32TypeInContext(c);
  LLVMTypeRef params[2] = {i32, i32}, fty = LLVMFunctionType(LLVMVoidTypeInContext(c), params, 2, 0);
  LLVMValueRef hook = LLVMBuildLoad2(f->b, ptr, f->trace_hook, "hook");
  LLVMBasicBlockRef call = LLVMAppendBasicBlockInContext(c, f->fn, "trace");
  LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(c, f->fn, "traced");
  LLVMBuildCondBr(f->b, LLVMBuildIsNull(f->b, hook, ""), next, call);
  LLVMPositionBuilderAtEnd(f->b, call);
  LLVMValueRef args[2] = {LLVMConstInt(i32, kernel, 0), LLVMConstInt(i32, (unsigned long long)end, 0)};
  LLVMBuildCall2(f->b, fty, hook, args, 2, "");
  LLVMBuildBr(f->b, next);
  LLVMPositionBuilderAtEnd(f->b, next);
}

static bool st_same_loc(st_loc a, st_loc b) {
  return a.kind == b.kind && a.line == b.line && a.col == b.col &&
         (a.file_or_name == b.file_or_name || (a.file_or_name && b.file_or_name && !strcmp(a.file_or_name, b.file_or_name)));
}

static bool st_add_kernel(st_llvm_module *lm, st_loc loc) {
  char line[512];
  int n = loc.kind == ST_LOC_NAME ? snprintf(line, sizeof line, "kernel\t%u\t%s\n", lm->num_kernels, loc.file_or_name)
          : loc.kind == ST_LOC_FILE ? snprintf(line, sizeof line, "kernel\t%u\t%s:%u\n", lm->num_kernels, loc.file_or_name, loc.line)
                                    : snprintf(line, sizeof line, "kernel\t%u\tkernel%u\n", lm->num_kernels, lm->num_kernels);
  if (n < 0 || (size_t)n >= sizeof line) n = snprintf(line, sizeof line, "kernel\t%u\tkernel%u\n", lm->num_kernels, lm->num_kernels);
  char *k = realloc(lm->kernels, lm->kernels_len + (size_t)n + 1);
  if (!k) return false;
  memcpy(k + lm->kernels_len, line, (size_t)n + 1);
  lm->kernels = k;
  lm->kernels_len += (size_t)n;
  lm->num_kernels++;
  return true;
}

/* The body of @main: each run of top-level loop nests from one graph op
 * (one location) is a kernel, bracketed by trace-hook calls. */
static bool st_emit_main_body(st_llvm_fn *f, st_block *body) {
  bool open = false;
  st_loc cur = st_loc_unknown();
  for (st_op *op = body->first; op; op = op->next) {
    bool loop = op->num_regions > 0; /* loop.for / parallel / if / while */
    bool ends = op->def == &st_func_return_def || (loop && open && !st_same_loc(op->loc, cur));
    if (open && ends) st_emit_trace(f, f->lm->num_kernels - 1, 1), open = false;
    if (loop && !open) {
      if (!st_add_kernel(f->lm, op->loc)) return false;
      st_emit_trace(f, f->lm->num_kernels - 1, 0);
      open = true;
      cur = op->loc;
    }
    if (!st_emit_op(f, op)) return false;
  }
  return true;
}

bool st_llvm_translate_main(st_llvm_module *lm, const st_module *m, unsigned *num_args, st_diag *d) {
  st_op *main_fn = st_module_lookup_func(m, "main");
  st_block *body = main_fn ? st_func_body(main_fn) : NULL;
  const st_type *ft = main_fn ? st_func_type(main_fn) : NULL;
  if (!body || !ft || ft->u.func.num_results) {
    st_diag_error(d, main_fn ? main_fn->loc : st_loc_unknown(),
                  "llvm codegen: expects func @main over buffers without results (run lower-to-loops first)");
    return false;
  }
  unsigned n = body->num_args;
  LLVMTypeRef ptr = LLVMPointerTypeInContext(lm->ctx, 0);
  LLVMTypeRef *params = malloc((n + 1) * sizeof *params);
  if (!params) return false;
  for (unsigned i = 0; i <= n; i++) params[i] = ptr;
  for (unsigned i = 0; i < n; i++)
    if (body->args[i]->type->kind != ST_TY_MEMREF || body->args[i]->type->u.shaped.strides) {
      st_diag_error(d, main_fn->loc, "llvm codegen: argument %u of @main is not a contiguous memref", i);
      free(params);
      return false;
    }
  char name[160];
  snprintf(name, sizeof name, "%s_run_ws", lm->prefix);
  st_llvm_fn f = {.lm = lm, .d = d};
  f.fn = LLVMAddFunction(lm->mod, name, LLVMFunctionType(LLVMVoidTypeInContext(lm->ctx), params, n + 1, 0));
  free(params);
  /* Callers pass distinct buffers (documented in c-api.md); saying so lets
   * LLVM keep values in registers across stores. */
  unsigned noalias = LLVMGetEnumAttributeKindForName("noalias", 7), nocapture = LLVMGetEnumAttributeKindForName("nocapture", 9);
  for (unsigned i = 0; i <= n; i++) {
    LLVMAddAttributeAtIndex(f.fn, i + 1, LLVMCreateEnumAttribute(lm->ctx, noalias, 0));
    LLVMAddAttributeAtIndex(f.fn, i + 1, LLVMCreateEnumAttribute(lm->ctx, nocapture, 0));
    LLVMValueRef p = LLVMGetParam(f.fn, i);
    const char *pname = i == n ? "workspace" : body->args[i]->name ? body->args[i]->name : "";
    LLVMSetValueName2(p, pname, strlen(pname));
    if (i < n && !st_ptrmap_set(&f.vals, body->args[i], p)) {
      st_ptrmap_free(&f.vals);
      return false;
    }
  }
  f.ws = LLVMGetParam(f.fn, n);
  snprintf(name, sizeof name, "%s_trace_hook", lm->prefix);
  f.trace_hook = LLVMAddGlobal(lm->mod, ptr, name);
  LLVMSetInitializer(f.trace_hook, LLVMConstPointerNull(ptr));
  f.b = LLVMCreateBuilderInContext(lm->ctx);
  f.allocas = LLVMAppendBasicBlockInContext(lm->ctx, f.fn, "entry");
  LLVMBasicBlockRef start = LLVMAppendBasicBlockInContext(lm->ctx, f.fn, "start");
  LLVMPositionBuilderAtEnd(f.b, start);
  bool ok = st_emit_main_body(&f, body);
  if (ok) {
    LLVMPositionBuilderAtEnd(f.b, f.allocas);
    LLVMBuildBr(f.b, start);
  }
  LLVMDisposeBuilder(f.b);
  st_ptrmap_free(&f.vals);
  *num_args = n;
  return ok;
}
