/* Host code generation through LLVM (st_codegen_llvm).
 *
 * Input: a module whose func @main has been through lower-to-loops — memref
 * arguments (inputs, then outputs), loop/arith/mem ops, no results.  Output:
 * an LLVM module, optimised with the new pass manager (default<O3>) for a
 * target machine, exporting three C functions named after `prefix`:
 *
 *   void PREFIX_run_ws(void *in0, ..., void *out0, ..., void *workspace);
 *   int  PREFIX_run(void *in0, ..., void *out0, ...);   (mallocs the workspace; 1 if that fails)
 *   long PREFIX_workspace_size(void);                    (bytes, 64-byte aligned)
 *   const char *PREFIX_signature(void);                  (inputs, outputs, kernels as text)
 *   void (*PREFIX_trace_hook)(int kernel, int end);      (NULL; when set, called around each kernel)
 *
 * Every mem.alloc becomes a slice of the workspace, so one compiled model is
 * reentrant: each call brings its own workspace.  Weights (mem.constant)
 * become private constant globals.  From there the module is printed
 * (--emit=llvm), written as an object file, or handed to the ORC JIT. */
#ifndef ST_CODEGEN_LLVM_H
#define ST_CODEGEN_LLVM_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/ir.h"

typedef struct st_llvm_options {
  const char *target; /* "host" (default, NULL), "x86_64" or "aarch64", or a full triple */
  const char *prefix; /* symbol prefix; NULL = "model" */
  int opt_level;      /* 0..3; -1 = 3 */
  /* Text returned by PREFIX_signature() (NULL: none), before the kernel
   * lines codegen adds; runtime/api/run_library.c reads it. */
  const char *signature;
} st_llvm_options;

typedef struct st_llvm_module st_llvm_module;

/* Translates func @main of a loop-level module and optimises it.  NULL after
 * a diagnostic (unsupported op or type, unknown target, LLVM error). */
st_llvm_module *st_llvm_compile(const st_module *m, const st_llvm_options *opts, st_diag *d);
void st_llvm_destroy(st_llvm_module *lm);
/* The textual LLVM module (malloc'd). */
char *st_llvm_print(const st_llvm_module *lm);
/* Writes a relocatable (PIC) object for the module's target. */
bool st_llvm_write_object(const st_llvm_module *lm, const char *path, st_diag *d);
/* Workspace bytes the model needs per call. */
uint64_t st_llvm_workspace_size(const st_llvm_module *lm);
/* The triple the module was compiled for. */
const char *st_llvm_triple(const st_llvm_module *lm);

/* ---- JIT (llvm_jit.c) ---- */
typedef struct st_llvm_jit st_llvm_jit;
/* Moves the module into a new LLJIT instance (lm is consumed, even on
 * failure) and resolves PREFIX_run_ws; host target only. */
st_llvm_jit *st_llvm_jit_create(st_llvm_module *lm, st_diag *d);
/* The address of PREFIX_run_ws: void f(void *...args, void *workspace). */
void *st_llvm_jit_entry(const st_llvm_jit *j);
uint64_t st_llvm_jit_workspace_size(const st_llvm_jit *j);
/* The address of any exported symbol (PREFIX_signature, PREFIX_trace_hook
 * ...); NULL when there is none.  Takes the JIT's session lock. */
void *st_llvm_jit_lookup(const st_llvm_jit *j, const char *name);
void st_llvm_jit_destroy(st_llvm_jit *j);

#endif
