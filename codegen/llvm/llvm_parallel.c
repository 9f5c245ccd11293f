/* loop.parallel on threads: the loop is outlined into a function the
 * runtime's pool (runtime/parallel, strata_parallel_for) runs in chunks.
 *
 *   PREFIX_parK_impl(roots..., i64 begin, i64 end)   the loop over [begin, end)
 *   PREFIX_parK(ptr ctx, i64 begin, i64 end)         loads the roots, calls impl
 *   caller: ctx = {roots...}; strata_parallel_for(PREFIX_parK, ctx, n)
 *
 * The roots are the values the loop uses from outside that are not
 * constants: @main's buffer arguments (a workspace slice is rebuilt inside
 * from the workspace pointer and its constant offset) and enclosing
 * induction variables.  Pointer roots stay `noalias`, as on @main, so the
 * body vectorises as it would inline.  Only the outermost parallel loop
 * that has at least two iterations and enough work is outlined; the loops
 * inside it, and light loops, stay counted loops.  A loop that uses a
 * scratch slot (mem.alloca) made outside it stays sequential: threads
 * would share the slot. */
#include <stdlib.h>

#include "codegen/llvm/llvm_internal.h"
#include "ir/dialects/dialects.h"

/* Below this many ops executed, a dispatch (about a microsecond) costs more
 * than it saves. */
enum { ST_PAR_MIN_WORK = 1 << 15, ST_PAR_MAX_ROOTS = 64 };

static bool st_const_int(const st_value *v, int64_t *out) {
  if (!v->def || v->def->def != &st_arith_constant_def) return false;
  const st_attr *a = st_op_get_attr(v->def, "value");
  if (!a || a->kind != ST_ATTR_INT) return false;
  *out = a->u.i;
  return true;
}

/* Iterations of a loop with constant bounds (lb 0, step 1), else -1. */
static int64_t st_trip(const st_op *op) {
  int64_t lb, ub, step;
  if (!st_const_int(st_op_operand(op, 0), &lb) || !st_const_int(st_op_operand(op, 1), &ub) ||
      !st_const_int(st_op_operand(op, 2), &step) || lb != 0 || step != 1)
    return -1;
  return ub;
}

/* Ops executed by one pass over blk (loops with unknown trips, loop.while
 * bodies and both arms of a loop.if count once). */
static double st_work(const st_block *blk) {
  double w = 0;
  for (const st_op *op = blk->first; op; op = op->next) {
    w += 1;
    if (op->def == &st_loop_for_def || op->def == &st_loop_parallel_def) {
      int64_t t = st_trip(op);
      w += (t > 0 ? (double)t : 1.0) * st_work(op->regions[0].first);
    } else {
      for (unsigned r = 0; r < op->num_regions; r++) /* loop.if's both arms, loop.while's body once */
        w += st_work(op->regions[r].first);
    }
  }
  return w;
}

typedef struct st_capture {
  st_ptrmap inside;        /* values defined in the loop */
  st_ptrmap seen;
  st_value *uses[1024];    /* live-ins */
  unsigned n;
  bool too_many, scratch;
} st_capture;

static void st_mark_inside(st_capture *c, const st_op *op) {
  for (unsigned r = 0; r < op->num_results; r++) st_ptrmap_set(&c->inside, &op->results[r], (void *)1);
  for (unsigned i = 0; i < op->num_regions; i++)
    for (st_block *b = op->regions[i].first; b; b = b->next) {
      for (unsigned a = 0; a < b->num_args; a++) st_ptrmap_set(&c->inside, b->args[a], (void *)1);
      for (st_op *o = b->first; o; o = o->next) st_mark_inside(c, o);
    }
}

static void st_collect_uses(st_capture *c, const st_op *op) {
  for (unsigned i = 0; i < op->num_operands; i++) {
    st_value *v = st_op_operand(op, i);
    if (st_ptrmap_has(&c->inside, v) || st_ptrmap_has(&c->seen, v)) continue;
    st_ptrmap_set(&c->seen, v, (void *)1);
    if (v->def && v->def->def == &st_mem_alloca_def) c->scratch = true;
    if (c->n == sizeof c->uses / sizeof *c->uses) c->too_many = true;
    else c->uses[c->n++] = v;
  }
  for (unsigned i = 0; i < op->num_regions; i++)
    for (st_block *b = op->regions[i].first; b; b = b->next)
      for (st_op *o = b->first; o; o = o->next) st_collect_uses(c, o);
}

/* A workspace slice: gep i8, %workspace, OFFSET. */
static bool st_is_ws_slice(st_llvm_fn *f, LLVMValueRef v) {
  return LLVMIsAGetElementPtrInst(v) && LLVMGetNumOperands(v) == 2 && LLVMGetOperand(v, 0) == f->ws &&
         LLVMIsConstant(LLVMGetOperand(v, 1));
}

static unsigned st_root_index(LLVMValueRef *roots, unsigned *n, LLVMValueRef v) {
  for (unsigned i = 0; i < *n; i++)
    if (roots[i] == v) return i;
  roots[*n] = v;
  return (*n)++;
}

/* Emits impl's body: a counted loop over [begin, end) of op's block. */
static bool st_emit_impl(st_llvm_fn *f, st_op *op, LLVMValueRef impl, st_value **uses, unsigned nuses,
                         const LLVMValueRef *lv, const LLVMValueRef *roots, unsigned nroots) {
  LLVMContextRef c = f->lm->ctx;
  LLVMTypeRef i64 = LLVMInt64TypeInContext(c), i8 = LLVMInt8TypeInContext(c);
  f->fn = impl;
  f->allocas = LLVMAppendBasicBlockInContext(c, impl, "entry");
  LLVMBasicBlockRef start = LLVMAppendBasicBlockInContext(c, impl, "start");
  LLVMPositionBuilderAtEnd(f->b, start);
  for (unsigned i = 0; i < nuses; i++) {
    LLVMValueRef v = lv[i], inner = NULL;
    if (LLVMIsConstant(v)) continue;
    if (st_is_ws_slice(f, v)) {
      LLVMValueRef off = LLVMGetOperand(v, 1);
      for (unsigned r = 0; r < nroots; r++)
        if (roots[r] == f->ws) inner = LLVMBuildInBoundsGEP2(f->b, i8, LLVMGetParam(impl, r), &off, 1, "");
    } else {
      for (unsigned r = 0; r < nroots; r++)
        if (roots[r] == v) inner = LLVMGetParam(impl, r);
    }
    if (!inner || !st_ptrmap_set(&f->vals, uses[i], inner)) return false;
  }
  for (unsigned r = 0; r < nroots; r++)
    if (roots[r] == f->ws) f->ws = LLVMGetParam(impl, r); /* for any mem.alloc inside */
  LLVMValueRef begin = LLVMGetParam(impl, nroots), end = LLVMGetParam(impl, nroots + 1);
  LLVMBasicBlockRef header = LLVMAppendBasicBlockInContext(c, impl, "loop");
  LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(c, impl, "body");
  LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(c, impl, "exit");
  LLVMBuildBr(f->b, header);
  LLVMPositionBuilderAtEnd(f->b, header);
  LLVMValueRef iv = LLVMBuildPhi(f->b, i64, "i");
  LLVMAddIncoming(iv, &begin, &start, 1);
  LLVMBuildCondBr(f->b, LLVMBuildICmp(f->b, LLVMIntSLT, iv, end, ""), body, exit);
  LLVMPositionBuilderAtEnd(f->b, body);
  st_block *blk = op->regions[0].first;
  if (!st_ptrmap_set(&f->vals, blk->args[0], iv) || !st_llvm_emit_block(f, blk)) return false;
  LLVMValueRef next = LLVMBuildNSWAdd(f->b, iv, LLVMConstInt(i64, 1, 0), "");
  LLVMBasicBlockRef latch = LLVMGetInsertBlock(f->b);
  LLVMAddIncoming(iv, &next, &latch, 1);
  LLVMBuildBr(f->b, header);
  LLVMPositionBuilderAtEnd(f->b, exit);
  LLVMBuildRetVoid(f->b);
  LLVMPositionBuilderAtEnd(f->b, f->allocas);
  LLVMBuildBr(f->b, start);
  return true;
}

/* PREFIX_parK(ctx, begin, end): impl(ctx->roots..., begin, end). */
static LLVMValueRef st_emit_trampoline(st_llvm_fn *f, LLVMValueRef impl, LLVMTypeRef impl_ty, LLVMTypeRef ctx_ty,
                                       unsigned nroots, const char *name) {
  LLVMContextRef c = f->lm->ctx;
  LLVMTypeRef ptr = LLVMPointerTypeInContext(c, 0), i64 = LLVMInt64TypeInContext(c);
  LLVMTypeRef params[3] = {ptr, i64, i64};
  LLVMValueRef fn = LLVMAddFunction(f->lm->mod, name, LLVMFunctionType(LLVMVoidTypeInContext(c), params, 3, 0));
  LLVMSetLinkage(fn, LLVMInternalLinkage);
  LLVMBuilderRef b = LLVMCreateBuilderInContext(c);
  LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(c, fn, "entry"));
  LLVMValueRef args[ST_PAR_MAX_ROOTS + 2];
  for (unsigned r = 0; r < nroots; r++) {
    LLVMValueRef p = LLVMBuildStructGEP2(b, ctx_ty, LLVMGetParam(fn, 0), r, "");
    args[r] = LLVMBuildLoad2(b, LLVMStructGetTypeAtIndex(ctx_ty, r), p, "");
  }
  args[nroots] = LLVMGetParam(fn, 1);
  args[nroots + 1] = LLVMGetParam(fn, 2);
  LLVMBuildCall2(b, impl_ty, impl, args, nroots + 2, "");
  LLVMBuildRetVoid(b);
  LLVMDisposeBuilder(b);
  return fn;
}

static bool st_outline(st_llvm_fn *f, st_op *op, int64_t n, st_capture *cap) {
  LLVMContextRef c = f->lm->ctx;
  LLVMTypeRef ptr = LLVMPointerTypeInContext(c, 0), i64 = LLVMInt64TypeInContext(c);
  LLVMValueRef roots[ST_PAR_MAX_ROOTS], *lv = malloc(cap->n * sizeof *lv);
  LLVMTypeRef types[ST_PAR_MAX_ROOTS + 2];
  unsigned nroots = 0;
  if (!lv) return false;
  for (unsigned i = 0; i < cap->n; i++) {
    LLVMValueRef v = lv[i] = st_ptrmap_get(&f->vals, cap->uses[i]);
    if (!v) return free(lv), false;
    if (LLVMIsConstant(v)) continue;
    if (nroots + 1 >= ST_PAR_MAX_ROOTS) return free(lv), st_llvm_emit_loop(f, op);
    st_root_index(roots, &nroots, st_is_ws_slice(f, v) ? f->ws : v);
  }
  for (unsigned r = 0; r < nroots; r++) types[r] = LLVMTypeOf(roots[r]);
  types[nroots] = types[nroots + 1] = i64;
  char name[192];
  snprintf(name, sizeof name, "%s_par%u_impl", f->lm->prefix, f->num_outlined);
  LLVMTypeRef impl_ty = LLVMFunctionType(LLVMVoidTypeInContext(c), types, nroots + 2, 0);
  LLVMValueRef impl = LLVMAddFunction(f->lm->mod, name, impl_ty);
  LLVMSetLinkage(impl, LLVMInternalLinkage);
  unsigned noalias = LLVMGetEnumAttributeKindForName("noalias", 7);
  for (unsigned r = 0; r < nroots; r++)
    if (LLVMGetTypeKind(types[r]) == LLVMPointerTypeKind)
      LLVMAddAttributeAtIndex(impl, r + 1, LLVMCreateEnumAttribute(c, noalias, 0));
  LLVMTypeRef ctx_ty = LLVMStructTypeInContext(c, types, nroots, 0);
  snprintf(name, sizeof name, "%s_par%u", f->lm->prefix, f->num_outlined++);
  LLVMValueRef tramp = st_emit_trampoline(f, impl, impl_ty, ctx_ty, nroots, name);

  /* The caller: fill the context, dispatch. */
  LLVMBasicBlockRef here = LLVMGetInsertBlock(f->b);
  LLVMPositionBuilderAtEnd(f->b, f->allocas);
  LLVMValueRef ctx = LLVMBuildAlloca(f->b, ctx_ty, "par.ctx");
  LLVMPositionBuilderAtEnd(f->b, here);
  for (unsigned r = 0; r < nroots; r++) LLVMBuildStore(f->b, roots[r], LLVMBuildStructGEP2(f->b, ctx_ty, ctx, r, ""));
  LLVMTypeRef pf_params[3] = {ptr, ptr, i64}, pf_ty = LLVMFunctionType(LLVMVoidTypeInContext(c), pf_params, 3, 0);
  LLVMValueRef pf = LLVMGetNamedFunction(f->lm->mod, "strata_parallel_for");
  if (!pf) pf = LLVMAddFunction(f->lm->mod, "strata_parallel_for", pf_ty);
  LLVMValueRef args[3] = {tramp, ctx, LLVMConstInt(i64, (unsigned long long)n, 0)};
  LLVMBuildCall2(f->b, pf_ty, pf, args, 3, "");

  /* The body, in impl; the caller's state comes back afterwards. */
  LLVMValueRef fn = f->fn, ws = f->ws;
  LLVMBasicBlockRef allocas = f->allocas;
  f->in_parallel = true;
  bool ok = st_emit_impl(f, op, impl, cap->uses, cap->n, lv, roots, nroots);
  f->in_parallel = false;
  for (unsigned i = 0; i < cap->n; i++) ok = st_ptrmap_set(&f->vals, cap->uses[i], lv[i]) && ok;
  f->fn = fn;
  f->ws = ws;
  f->allocas = allocas;
  LLVMPositionBuilderAtEnd(f->b, here);
  free(lv);
  return ok;
}

bool st_llvm_emit_parallel(st_llvm_fn *f, st_op *op) {
  int64_t n = st_trip(op);
  if (f->in_parallel || n < 2 || (double)n * st_work(op->regions[0].first) < ST_PAR_MIN_WORK)
    return st_llvm_emit_loop(f, op);
  st_capture *cap = calloc(1, sizeof *cap);
  if (!cap) return false;
  st_mark_inside(cap, op);
  st_collect_uses(cap, op);
  bool ok = cap->scratch || cap->too_many ? st_llvm_emit_loop(f, op) : st_outline(f, op, n, cap);
  st_ptrmap_free(&cap->inside);
  st_ptrmap_free(&cap->seen);
  free(cap);
  return ok;
}
