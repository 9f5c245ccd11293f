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
} st_llvm_fn;

/* llvm_translate.c: builds PREFIX_run_ws from func @main. */
bool st_llvm_translate_main(st_llvm_module *lm, const st_module *m, unsigned *num_args, st_diag *d);
LLVMTypeRef st_llvm_type(st_llvm_module *lm, const st_type *t);

/* llvm_target.c: the host or a named target. */
bool st_llvm_init_targets(st_diag *d);

#endif
