/* Internal to codegen/llvm: the compiled module and what the translation of
 * one function carries. */
#ifndef ST_CODEGEN_LLVM_INTERNAL_H
#define ST_CODEGEN_LLVM_INTERNAL_H

#include <llvm-c/Core.h>
#include <llvm-c/Orc.h>
#include <llvm-c/TargetMachine.h>

#include "codegen/llvm/llvm.h"
#include "ir/ptrmap.h"

struct st_llvm_module {
  /* A thread-safe context so the module can move into the JIT as is. */
  LLVMOrcThreadSafeContextRef tsctx;
  LLVMContextRef ctx;
  LLVMModuleRef mod;
  LLVMTargetMachineRef tm;
  char *triple;
  char prefix[128];
  uint64_t workspace;
  /* "kernel\tK\tNAME\n" per traced kernel (top-level loop nests of one
   * graph op), appended to PREFIX_signature's text; malloc'd */
  char *kernels;
  size_t kernels_len;
  unsigned num_kernels;
};

typedef struct st_llvm_fn {
  st_llvm_module *lm;
  LLVMBuilderRef b;
  LLVMValueRef fn;
  LLVMBasicBlockRef allocas; /* entry block: every mem.alloca, so mem2reg promotes them */
  LLVMValueRef ws;           /* the workspace argument */
  st_ptrmap vals;            /* st_value -> LLVMValueRef */
  unsigned num_globals;
  LLVMValueRef trace_hook;   /* global: void (*PREFIX_trace_hook)(int kernel, int end) */
  st_diag *d;
  bool in_parallel;          /* emitting an outlined parallel body (llvm_parallel.c) */
  unsigned num_outlined;
} st_llvm_fn;

/* llvm_translate.c: builds PREFIX_run_ws from func @main. */
bool st_llvm_translate_main(st_llvm_module *lm, const st_module *m, unsigned *num_args, st_diag *d);
LLVMTypeRef st_llvm_type(st_llvm_module *lm, const st_type *t);

/* llvm_elem.c: narrow floats are f32 and sub-byte integers i8 in
 * registers; these convert at loads, stores and casts. */
LLVMTypeRef st_llvm_mem_type(st_llvm_module *lm, const st_type *elem);
LLVMValueRef st_llvm_from_mem(st_llvm_fn *f, const st_type *elem, LLVMValueRef raw);
LLVMValueRef st_llvm_to_mem(st_llvm_fn *f, const st_type *elem, LLVMValueRef v);
LLVMValueRef st_llvm_convert(st_llvm_fn *f, const st_type *from, const st_type *to, LLVMValueRef x, bool saturate,
                             int round_mode);

/* llvm_translate.c: one block's ops; a counted loop over [lb, ub). */
bool st_llvm_emit_block(st_llvm_fn *f, st_block *blk);
bool st_llvm_emit_loop(st_llvm_fn *f, st_op *op);

/* llvm_parallel.c: loop.parallel, outlined into a body the runtime's
 * thread pool runs (strata_parallel_for) when it is worth it, else a
 * counted loop. */
bool st_llvm_emit_parallel(st_llvm_fn *f, st_op *op);

/* llvm_target.c: the host or a named target. */
bool st_llvm_init_targets(st_diag *d);

#endif
