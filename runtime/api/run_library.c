/* Loading and calling a compiled model library (see library.h).  The
 * signature text is the one st_compile_signature_text writes; a library
 * without PREFIX_signature (or with another prefix) is reported with the
 * symbol that was missing. */
#include <dlfcn.h>
#include <ffi.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/llvm/llvm.h"
#include "runtime/api/compile.h"
#include "runtime/api/library.h"
#include "runtime/api/trace.h"

enum { ST_LIB_MAX_IO = 256, ST_LIB_MAX_RANK = 16 };

struct st_library {
  void *handle;       /* dlopen'd, or */
  st_llvm_jit *jit;   /* compiled in process */
  void (*run_ws)(void);
  void (**trace_hook)(int, int);
  size_t workspace;
  unsigned num_inputs, num_outputs, num_kernels;
  st_library_io *io;
  char **kernels;
  ffi_cif cif;
  ffi_type **arg_types;
};

static const struct { const char *name; st_type_kind kind; } st_lib_dtypes[] = {
    {"f32", ST_TY_F32}, {"f64", ST_TY_F64}, {"f16", ST_TY_F16}, {"bf16", ST_TY_BF16}, {"i1", ST_TY_I1},
    {"i8", ST_TY_I8},   {"i16", ST_TY_I16}, {"i32", ST_TY_I32}, {"i64", ST_TY_I64},   {"u8", ST_TY_U8},
    {"u16", ST_TY_U16}, {"u32", ST_TY_U32}, {"u64", ST_TY_U64},
    {"f8E4M3FN", ST_TY_F8E4M3FN}, {"f8E4M3FNUZ", ST_TY_F8E4M3FNUZ}, {"f8E5M2", ST_TY_F8E5M2},
    {"f8E5M2FNUZ", ST_TY_F8E5M2FNUZ}, {"f8E8M0FNU", ST_TY_F8E8M0FNU}, {"f4E2M1FN", ST_TY_F4E2M1FN},
    {"i2", ST_TY_I2}, {"i4", ST_TY_I4}, {"u2", ST_TY_U2}, {"u4", ST_TY_U4},
};

static void st_default_prefix(const char *path, char *buf, size_t n) {
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  size_t k = 0;
  for (; base[k] && base[k] != '.' && k + 1 < n; k++) {
    char c = base[k];
    buf[k] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ? c : '_';
  }
  buf[k] = 0;
  if (!k || (buf[0] >= '0' && buf[0] <= '9')) snprintf(buf, n, "model");
}

/* One "input|output NAME DTYPE DIMS" line into io. */
static bool st_parse_io(st_context *ctx, char *line, st_library_io *io) {
  char *name = strchr(line, '\t'), *dtype = name ? strchr(name + 1, '\t') : NULL;
  char *dims = dtype ? strchr(dtype + 1, '\t') : NULL;
  if (!dims) return false;
  *name++ = *dtype++ = *dims++ = 0;
  const st_type *elem = NULL;
  for (size_t i = 0; i < sizeof st_lib_dtypes / sizeof *st_lib_dtypes; i++)
    if (!strcmp(dtype, st_lib_dtypes[i].name)) elem = st_type_scalar(ctx, st_lib_dtypes[i].kind);
  st_dim d[ST_LIB_MAX_RANK];
  unsigned rank = 0;
  for (char *p = dims; *p && rank < ST_LIB_MAX_RANK; rank++) {
    d[rank] = strtoll(p, &p, 10);
    if (*p == ',') p++;
  }
  if (!elem) return false;
  io->name = strdup(name);
  io->type = st_type_tensor(ctx, elem, rank, d);
  io->nbytes = (size_t)st_type_num_elements(io->type) * st_dense_elem_size(elem);
  return io->name && io->type;
}

static bool st_parse_signature(st_context *ctx, st_library *lib, const char *text, st_diag *d) {
  char *copy = strdup(text), *save = NULL;
  bool ok = copy && !strncmp(copy, "strata-signature 1\n", 19);
  lib->io = calloc(ST_LIB_MAX_IO, sizeof *lib->io);
  lib->kernels = calloc(1, sizeof *lib->kernels);
  ok = ok && lib->io && lib->kernels;
  for (char *line = ok ? strtok_r(copy + 19, "\n", &save) : NULL; ok && line; line = strtok_r(NULL, "\n", &save)) {
    if (!strncmp(line, "kernel\t", 7)) {
      char *name = strchr(line + 7, '\t'), **k = realloc(lib->kernels, (lib->num_kernels + 1) * sizeof *k);
      ok = name && k;
      if (k) lib->kernels = k;
      if (ok) ok = (lib->kernels[lib->num_kernels] = strdup(name + 1)) != NULL, lib->num_kernels += ok;
      continue;
    }
    bool in = !strncmp(line, "input\t", 6);
    unsigned i = lib->num_inputs + lib->num_outputs;
    ok = (in || !strncmp(line, "output\t", 7)) && i < ST_LIB_MAX_IO && (in ? lib->num_outputs == 0 : true) &&
         st_parse_io(ctx, line, &lib->io[i]);
    if (ok) in ? lib->num_inputs++ : lib->num_outputs++;
  }
  free(copy);
  if (!ok) st_diag_error(d, st_loc_unknown(), "the model library's signature is malformed");
  return ok;
}

static void *st_lib_sym(st_library *lib, const char *prefix, const char *suffix) {
  char sym[192];
  snprintf(sym, sizeof sym, "%s%s", prefix, suffix);
  return lib->jit ? st_llvm_jit_lookup(lib->jit, sym) : dlsym(lib->handle, sym);
}

/* Resolves the entry points, reads the signature, prepares the call. */
static st_library *st_lib_bind(st_context *ctx, st_library *lib, const char *what, const char *pre, st_diag *d) {
  const char *(*signature)(void) = NULL;
  long (*ws)(void) = NULL;
  const char *missing = NULL;
  if (!(*(void **)&signature = st_lib_sym(lib, pre, "_signature"))) missing = "_signature";
  else if (!(*(void **)&ws = st_lib_sym(lib, pre, "_workspace_size"))) missing = "_workspace_size";
  else if (!(*(void **)&lib->run_ws = st_lib_sym(lib, pre, "_run_ws"))) missing = "_run_ws";
  else if (!(*(void **)&lib->trace_hook = st_lib_sym(lib, pre, "_trace_hook"))) missing = "_trace_hook";
  if (missing) {
    st_diag_error(d, st_loc_unknown(), "%s has no symbol %s%s (not made by strata compile, or give --name PREFIX)", what,
                  pre, missing);
    st_library_close(lib);
    return NULL;
  }
  lib->workspace = (size_t)ws();
  if (!st_parse_signature(ctx, lib, signature(), d)) {
    st_library_close(lib);
    return NULL;
  }
  unsigned n = lib->num_inputs + lib->num_outputs + 1;
  lib->arg_types = malloc(n * sizeof *lib->arg_types);
  if (!lib->arg_types) {
    st_library_close(lib);
    return NULL;
  }
  for (unsigned i = 0; i < n; i++) lib->arg_types[i] = &ffi_type_pointer;
  if (ffi_prep_cif(&lib->cif, FFI_DEFAULT_ABI, n, &ffi_type_void, lib->arg_types) != FFI_OK) {
    st_diag_error(d, st_loc_unknown(), "libffi cannot call %s_run_ws", pre);
    st_library_close(lib);
    return NULL;
  }
  return lib;
}

st_library *st_library_open(st_context *ctx, const char *path, const char *prefix, st_diag *d) {
  char pre[128];
  if (prefix) snprintf(pre, sizeof pre, "%s", prefix);
  else st_default_prefix(path, pre, sizeof pre);
  st_library *lib = calloc(1, sizeof *lib);
  if (!lib) return NULL;
  /* A path without a slash would make dlopen search the library path. */
  char full[4096];
  snprintf(full, sizeof full, "%s%s", strchr(path, '/') ? "" : "./", path);
  lib->handle = dlopen(full, RTLD_NOW | RTLD_LOCAL);
  if (!lib->handle) {
    st_diag_error(d, st_loc_unknown(), "cannot load %s: %s", path, dlerror());
    free(lib);
    return NULL;
  }
  return st_lib_bind(ctx, lib, path, pre, d);
}

st_library *st_library_jit(st_context *ctx, st_module *m, const st_pass_options *passes, int opt_level, st_diag *d) {
  st_compile_signature sig;
  if (!st_compile_signature_of(m, &sig, d)) return NULL;
  char *text = st_compile_signature_text(&sig);
  st_compile_signature_free(&sig);
  st_llvm_options lo = {.prefix = "model", .opt_level = opt_level, .signature = text};
  st_llvm_module *lm = text && st_compile_lower(m, passes, d) ? st_llvm_compile(m, &lo, d) : NULL;
  free(text);
  st_library *lib = lm ? calloc(1, sizeof *lib) : NULL;
  if (!lib) {
    st_llvm_destroy(lm);
    return NULL;
  }
  if (!(lib->jit = st_llvm_jit_create(lm, d))) {
    free(lib);
    return NULL;
  }
  return st_lib_bind(ctx, lib, "the JIT-compiled model", "model", d);
}

unsigned st_library_num_inputs(const st_library *lib) { return lib->num_inputs; }
unsigned st_library_num_outputs(const st_library *lib) { return lib->num_outputs; }
const st_library_io *st_library_io_at(const st_library *lib, unsigned i) { return &lib->io[i]; }
size_t st_library_workspace_size(const st_library *lib) { return lib->workspace; }
unsigned st_library_num_kernels(const st_library *lib) { return lib->num_kernels; }
const char *const *st_library_kernel_names(const st_library *lib) { return (const char *const *)lib->kernels; }

void st_library_run(const st_library *lib, void *const *ins, void *const *outs, void *workspace, bool trace) {
  void *ptrs[ST_LIB_MAX_IO + 1], *args[ST_LIB_MAX_IO + 1];
  unsigned n = lib->num_inputs + lib->num_outputs;
  for (unsigned i = 0; i < n; i++) {
    ptrs[i] = i < lib->num_inputs ? ins[i] : outs[i - lib->num_inputs];
    args[i] = &ptrs[i];
  }
  ptrs[n] = workspace;
  args[n] = &ptrs[n];
  if (trace) *lib->trace_hook = st_trace_hook, st_trace_run(0);
  ffi_arg unused;
  ffi_call((ffi_cif *)&lib->cif, lib->run_ws, &unused, args);
  if (trace) st_trace_run(1), *lib->trace_hook = NULL;
}

void st_library_close(st_library *lib) {
  if (!lib) return;
  for (unsigned i = 0; lib->io && i < lib->num_inputs + lib->num_outputs; i++) free(lib->io[i].name);
  for (unsigned k = 0; k < lib->num_kernels; k++) free(lib->kernels[k]);
  free(lib->io);
  free(lib->kernels);
  free(lib->arg_types);
  if (lib->handle) dlclose(lib->handle);
  st_llvm_jit_destroy(lib->jit);
  free(lib);
}
