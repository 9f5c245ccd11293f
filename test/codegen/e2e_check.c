/* Differential test of host code generation: runs a model on the reference
 * interpreter and through the JIT (the public C API), and optionally a
 * library built by `strata compile` (dlopen + libffi), and compares every
 * output with the ONNX runner's rule (rtol 1e-3, atol 1e-4 by default).
 *
 *   codegen_e2e MODEL.onnx|FILE.ir [--data DIR] [--so LIB.so --name PREFIX] [--skip-unlowered]
 *
 * Inputs come from DIR/input_N.pb, else are drawn from a fixed seed in
 * [-1, 1].  With DIR/output_N.pb the reference outputs are checked too.
 * --skip-unlowered exits 77 (ctest's skip) when the model holds an op
 * without a lower hook yet. */
#include <dlfcn.h>
#include <ffi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx/onnx.h"
#include "ir/elem.h"
#include "runtime/api/compile.h"
#include "runtime/interp/interp.h"
#include "strata/strata.h"

enum { MAX_IO = 64 };

static const double st_rtol = 1e-3, st_atol = 1e-4;

static void fill_random(st_tensor *t, uint64_t seed) {
  const st_type *e = st_type_elem(t->type);
  int64_t n = st_type_num_elements(t->type);
  for (int64_t i = 0; i < n; i++) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    double u = (double)(seed >> 11) / 9007199254740992.0 * 2.0 - 1.0;
    if (st_type_is_float(e)) st_elem_store_f(e, t->data, i, u);
    else st_elem_store_i(e, t->data, i, (int64_t)(u * 8));
  }
}

static bool check(const char *what, unsigned i, const st_tensor *actual, const st_tensor *expected) {
  st_interp_cmp c;
  bool ok = st_interp_compare(actual, expected, st_rtol, st_atol, &c);
  printf("%-10s output %u: max abs err %.3g, max rel err %.3g: %s\n", what, i, c.max_abs, c.max_rel, ok ? "ok" : "MISMATCH");
  return ok;
}

/* Calls PREFIX_run(in..., out...) of a compiled library through libffi. */
static bool run_so(const char *path, const char *prefix, unsigned nin, st_tensor *ins, unsigned nout, st_tensor *outs) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  char sym[256];
  snprintf(sym, sizeof sym, "%s_run", prefix);
  void *fn = h ? dlsym(h, sym) : NULL;
  if (!fn) {
    fprintf(stderr, "codegen_e2e: %s: %s\n", path, dlerror());
    if (h) dlclose(h);
    return false;
  }
  ffi_cif cif;
  ffi_type *types[MAX_IO];
  void *ptrs[MAX_IO], *args[MAX_IO];
  unsigned n = nin + nout;
  for (unsigned i = 0; i < n; i++) {
    types[i] = &ffi_type_pointer;
    ptrs[i] = i < nin ? ins[i].data : outs[i - nin].data;
    args[i] = &ptrs[i];
  }
  ffi_arg rc = 1;
  bool ok = ffi_prep_cif(&cif, FFI_DEFAULT_ABI, n, &ffi_type_sint32, types) == FFI_OK;
  if (ok) ffi_call(&cif, FFI_FN(fn), &rc, args);
  dlclose(h);
  return ok && (int)rc == 0;
}

int main(int argc, char **argv) {
  const char *model = NULL, *data = NULL, *so = NULL, *prefix = "model";
  bool skip_unlowered = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--data") && i + 1 < argc) data = argv[++i];
    else if (!strcmp(argv[i], "--so") && i + 1 < argc) so = argv[++i];
    else if (!strcmp(argv[i], "--name") && i + 1 < argc) prefix = argv[++i];
    else if (!strcmp(argv[i], "--skip-unlowered")) skip_unlowered = true;
    else model = argv[i];
  }
  if (!model) {
    fprintf(stderr, "usage: codegen_e2e MODEL [--data DIR] [--so LIB --name PREFIX] [--skip-unlowered]\n");
    return 2;
  }
  st_context *ctx = st_context_create();
  st_diag d = {0};
  st_module *m = st_compile_load_file(ctx, model, &d);
  if (!m) return st_diag_print(&d, stderr), 1;
  st_block *body = st_func_body(st_module_lookup_func(m, "main"));
  unsigned nin = body->num_args, nref = 0;
  st_tensor ins[MAX_IO] = {{0}}, *ref = NULL;
  for (unsigned i = 0; i < nin; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/input_%u.pb", data ? data : "", i);
    if (data) {
      if (!st_onnx_tensor_read_file(ctx, path, &ins[i], &d)) return st_diag_print(&d, stderr), 1;
    } else if (st_interp_alloc(&ins[i], body->args[i]->type)) {
      fill_random(&ins[i], 1234 + i);
    }
  }
  /* The JIT first: a model with ops that have no lowering yet is skipped
   * before the (slow) interpreter runs. */
  strata_error *err = NULL;
  strata_model *jm = strata_compile_file(model, NULL, &err);
  if (!jm) {
    bool skip = skip_unlowered && strstr(strata_error_message(err), "has no lowering to loops");
    fprintf(stderr, "codegen_e2e: %s%s\n", strata_error_message(err), skip ? " (skipped)" : "");
    strata_error_free(err);
    return skip ? 77 : 1;
  }
  if (!st_interp_run(m, "main", nin, ins, &nref, &ref, &d)) return st_diag_print(&d, stderr), 1;
  bool ok = true;
  for (unsigned i = 0; data && i < nref; i++) {
    char path[4096];
    st_tensor want;
    snprintf(path, sizeof path, "%s/output_%u.pb", data, i);
    if (!st_onnx_tensor_read_file(ctx, path, &want, &d)) break;
    ok = check("interp", i, &ref[i], &want) && ok;
    free(want.data);
  }
  st_diag_clear(&d);

  st_tensor outs[MAX_IO] = {{0}};
  void *in_ptrs[MAX_IO], *out_ptrs[MAX_IO];
  for (unsigned i = 0; i < nin; i++) in_ptrs[i] = ins[i].data;
  for (unsigned i = 0; i < nref; i++) {
    st_interp_alloc(&outs[i], ref[i].type);
    out_ptrs[i] = outs[i].data;
  }
  if (!strata_run(jm, in_ptrs, out_ptrs, &err)) {
    fprintf(stderr, "codegen_e2e: %s\n", strata_error_message(err));
    strata_error_free(err);
    ok = false;
  }
  for (unsigned i = 0; i < nref; i++) ok = check("jit", i, &outs[i], &ref[i]) && ok;
  if (so) {
    for (unsigned i = 0; i < nref; i++) memset(outs[i].data, 0, outs[i].nbytes);
    ok = run_so(so, prefix, nin, ins, nref, outs) && ok;
    for (unsigned i = 0; i < nref; i++) ok = check("aot", i, &outs[i], &ref[i]) && ok;
  }
  strata_model_destroy(jm);
  for (unsigned i = 0; i < nin; i++) free(ins[i].data);
  for (unsigned i = 0; i < nref; i++) free(outs[i].data);
  st_interp_free(ref, nref);
  st_diag_free(&d);
  st_module_destroy(m);
  st_context_destroy(ctx);
  return ok ? 0 : 1;
}
