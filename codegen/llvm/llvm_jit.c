/* In-process compilation through ORC LLJIT.
 *
 * The optimised module moves into its own LLJIT instance (one per compiled
 * model, so destroying a model frees exactly its code), which resolves
 * malloc, free and libm (expf) from the process.  After creation the JIT is
 * only read: the entry address is looked up once, so calls from many
 * threads need no lock.  strata_parallel_for (parallel loops) is bound to
 * the runtime's pool linked into this library. */
#include <stdlib.h>

#include <llvm-c/LLJIT.h>

#include "codegen/llvm/llvm_internal.h"
#include "runtime/parallel/parallel.h"

struct st_llvm_jit {
  LLVMOrcLLJITRef jit;
  void *entry;
  uint64_t workspace;
};

static bool st_jit_error(LLVMErrorRef e, const char *what, st_diag *d) {
  if (!e) return true;
  char *msg = LLVMGetErrorMessage(e);
  st_diag_error(d, st_loc_unknown(), "llvm jit: %s: %s", what, msg);
  LLVMDisposeErrorMessage(msg);
  return false;
}

st_llvm_jit *st_llvm_jit_create(st_llvm_module *lm, st_diag *d) {
  st_llvm_jit *j = calloc(1, sizeof *j);
  if (!j) {
    st_llvm_destroy(lm);
    return NULL;
  }
  j->workspace = lm->workspace;
  char entry[160];
  snprintf(entry, sizeof entry, "%s_run_ws", lm->prefix);
  bool ok = st_jit_error(LLVMOrcCreateLLJIT(&j->jit, LLVMOrcCreateLLJITBuilder()), "creating the JIT", d);
  LLVMOrcDefinitionGeneratorRef gen = NULL;
  if (ok)
    ok = st_jit_error(LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(&gen, LLVMOrcLLJITGetGlobalPrefix(j->jit),
                                                                            NULL, NULL),
                      "resolving process symbols", d);
  LLVMOrcJITDylibRef jd = ok ? LLVMOrcLLJITGetMainJITDylib(j->jit) : NULL;
  if (ok) LLVMOrcJITDylibAddGenerator(jd, gen);
  if (ok) {
    /* The thread pool parallel loops call, from this library (the process
     * need not export it). */
    LLVMOrcCSymbolMapPair pool = {
        LLVMOrcLLJITMangleAndIntern(j->jit, "strata_parallel_for"),
        {(LLVMOrcExecutorAddress)(uintptr_t)&strata_parallel_for, {LLVMJITSymbolGenericFlagsExported, 0}}};
    ok = st_jit_error(LLVMOrcJITDylibDefine(jd, LLVMOrcAbsoluteSymbols(&pool, 1)), "defining strata_parallel_for", d);
  }
  if (ok) {
    /* The thread-safe module takes the LLVM module; the context is shared. */
    LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(lm->mod, lm->tsctx);
    lm->mod = NULL;
    LLVMErrorRef e = LLVMOrcLLJITAddLLVMIRModule(j->jit, jd, tsm);
    if (e) LLVMOrcDisposeThreadSafeModule(tsm);
    ok = st_jit_error(e, "adding the module", d);
  }
  LLVMOrcExecutorAddress addr = 0;
  if (ok) ok = st_jit_error(LLVMOrcLLJITLookup(j->jit, &addr, entry), "looking up the entry point", d);
  st_llvm_destroy(lm);
  if (!ok) {
    st_llvm_jit_destroy(j);
    return NULL;
  }
  j->entry = (void *)(uintptr_t)addr;
  return j;
}

void *st_llvm_jit_entry(const st_llvm_jit *j) { return j->entry; }

void *st_llvm_jit_lookup(const st_llvm_jit *j, const char *name) {
  LLVMOrcExecutorAddress addr = 0;
  LLVMErrorRef e = LLVMOrcLLJITLookup(j->jit, &addr, name);
  if (e) {
    LLVMConsumeError(e);
    return NULL;
  }
  return (void *)(uintptr_t)addr;
}
uint64_t st_llvm_jit_workspace_size(const st_llvm_jit *j) { return j->workspace; }

void st_llvm_jit_destroy(st_llvm_jit *j) {
  if (!j) return;
  if (j->jit) {
    LLVMErrorRef e = LLVMOrcDisposeLLJIT(j->jit);
    if (e) LLVMConsumeError(e);
  }
  free(j);
}
