/* The host backend over dlopen'd libraries and JIT-compiled code, and
 * st_library on top (see library.h).  A library without PREFIX_signature
 * (or with another prefix) is reported with the symbol that was missing. */
#include <dlfcn.h>
#include <ffi.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/llvm/llvm.h"
#include "runtime/api/compile.h"
#include "runtime/api/library.h"
#include "runtime/interp/interp.h"

typedef struct st_host_lib {
  void *handle;     /* dlopen'd, or */
  st_llvm_jit *jit; /* compiled in process */
  void (*run_ws)(void);
  long (*workspace_size)(void);
  const char *(*signature)(void);
  void (**trace_hook)(int, int);
  ffi_cif cif;
  ffi_type **arg_types;
} st_host_lib;

static void st_host_unload(void *self) {
  st_host_lib *h = self;
  if (!h) return;
  free(h->arg_types);
  if (h->handle) dlclose(h->handle);
  st_llvm_jit_destroy(h->jit);
  free(h);
}

static void *st_host_sym(st_host_lib *h, const char *prefix, const char *suffix) {
  char sym[192];
  snprintf(sym, sizeof sym, "%s%s", prefix, suffix);
  return h->jit ? st_llvm_jit_lookup(h->jit, sym) : dlsym(h->handle, sym);
}

/* Resolves the entry points and prepares the call (its arity from the
 * signature's input and output lines). */
static st_host_lib *st_host_bind(st_host_lib *h, const char *what, const char *pre, st_rt_err *e) {
  const char *missing = NULL;
  if (!(*(void **)&h->signature = st_host_sym(h, pre, "_signature"))) missing = "_signature";
  else if (!(*(void **)&h->workspace_size = st_host_sym(h, pre, "_workspace_size"))) missing = "_workspace_size";
  else if (!(*(void **)&h->run_ws = st_host_sym(h, pre, "_run_ws"))) missing = "_run_ws";
  else if (!(*(void **)&h->trace_hook = st_host_sym(h, pre, "_trace_hook"))) missing = "_trace_hook";
  if (missing) {
    st_rt_fail(e, "%s has no symbol %s%s (not made by strata compile, or give --name PREFIX)", what, pre, missing);
    st_host_unload(h);
    return NULL;
  }
  unsigned n = 1;
  for (const char *p = h->signature(); p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
    n += !strncmp(p, "input\t", 6) || !strncmp(p, "output\t", 7);
  if (n > ST_RT_MAX_IO + 1 || !(h->arg_types = malloc(n * sizeof *h->arg_types))) {
    st_rt_fail(e, "%s: too many inputs and outputs, or out of memory", what);
    st_host_unload(h);
    return NULL;
  }
  for (unsigned i = 0; i < n; i++) h->arg_types[i] = &ffi_type_pointer;
  if (ffi_prep_cif(&h->cif, FFI_DEFAULT_ABI, n, &ffi_type_void, h->arg_types) != FFI_OK) {
    st_rt_fail(e, "libffi cannot call %s_run_ws", pre);
    st_host_unload(h);
    return NULL;
  }
  return h;
}

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

static void *st_host_load(const char *path, const char *prefix, st_rt_err *e) {
  char pre[128], full[4096];
  if (prefix) snprintf(pre, sizeof pre, "%s", prefix);
  else st_default_prefix(path, pre, sizeof pre);
  st_host_lib *h = calloc(1, sizeof *h);
  if (!h) return st_rt_fail(e, "out of memory"), NULL;
  /* A path without a slash would make dlopen search the library path. */
  snprintf(full, sizeof full, "%s%s", strchr(path, '/') ? "" : "./", path);
  if (!(h->handle = dlopen(full, RTLD_NOW | RTLD_LOCAL))) {
    st_rt_fail(e, "cannot load %s: %s", path, dlerror());
    free(h);
    return NULL;
  }
  return st_host_bind(h, path, pre, e);
}

static const char *st_host_signature(void *self) { return ((st_host_lib *)self)->signature(); }
static size_t st_host_workspace(void *self) { return (size_t)((st_host_lib *)self)->workspace_size(); }
static void st_host_trace(void *self, void (*hook)(int, int)) { *((st_host_lib *)self)->trace_hook = hook; }

static void st_host_run(void *self, void *const *args, void *workspace) {
  st_host_lib *h = self;
  void *ptrs[ST_RT_MAX_IO + 1], *argp[ST_RT_MAX_IO + 1];
  unsigned n = h->cif.nargs - 1;
  for (unsigned i = 0; i < n; i++) ptrs[i] = args[i], argp[i] = &ptrs[i];
  ptrs[n] = workspace;
  argp[n] = &ptrs[n];
  /* The cif is only read by ffi_call, so one serves every thread. */
  ffi_arg unused;
  ffi_call(&h->cif, h->run_ws, &unused, argp);
}

const st_rt_backend st_host_backend = {
    .name = "host",
    .load = st_host_load,
    .signature = st_host_signature,
    .workspace_size = st_host_workspace,
    .run = st_host_run,
    .set_trace_hook = st_host_trace,
    .unload = st_host_unload,
};

st_rt_model *st_host_jit_model(st_module *m, const char *pipeline, const st_pass_options *passes, int opt_level,
                               st_diag *d) {
  st_compile_signature sig;
  if (!st_compile_signature_of(m, &sig, d)) return NULL;
  char *text = st_compile_signature_text(&sig);
  st_compile_signature_free(&sig);
  st_llvm_options lo = {.prefix = "model", .opt_level = opt_level, .signature = text};
  st_llvm_module *lm = text && st_compile_lower(m, pipeline, passes, d) ? st_llvm_compile(m, &lo, d) : NULL;
  free(text);
  st_host_lib *h = lm ? calloc(1, sizeof *h) : NULL;
  if (!h) {
    st_llvm_destroy(lm);
    return NULL;
  }
  if (!(h->jit = st_llvm_jit_create(lm, d))) {
    free(h);
    return NULL;
  }
  st_rt_err e;
  st_rt_model *model = st_host_bind(h, "the JIT-compiled model", "model", &e)
                           ? st_rt_model_bind(&st_host_backend, h, &e) : NULL;
  if (!model) st_diag_error(d, st_loc_unknown(), "%s", e.msg);
  return model;
}

/* ---- st_library: the model with IR types ---- */

struct st_library {
  st_rt_model *model;
  st_library_io *io;
};

static st_library *st_library_wrap(st_context *ctx, st_rt_model *model, st_diag *d) {
  st_library *lib = model ? calloc(1, sizeof *lib) : NULL;
  unsigned n = model ? st_rt_model_num_inputs(model) + st_rt_model_num_outputs(model) : 0;
  if (lib && !(lib->io = calloc(n + 1, sizeof *lib->io))) free(lib), lib = NULL;
  for (unsigned i = 0; lib && i < n; i++) {
    const st_rt_io *io = st_rt_model_io(model, i);
    const st_type *elem = st_interp_rt_elem(ctx, io->dtype);
    st_dim dims[ST_RT_MAX_RANK];
    for (unsigned k = 0; k < io->rank; k++) dims[k] = io->dims[k];
    lib->io[i] = (st_library_io){io->name, elem ? st_type_tensor(ctx, elem, io->rank, dims) : NULL, io->nbytes};
    if (!lib->io[i].type) {
      st_diag_error(d, st_loc_unknown(), "the model's element type %s has no IR type", st_rt_dtype_name(io->dtype));
      free(lib->io), free(lib), lib = NULL;
    }
  }
  if (lib) lib->model = model;
  else st_rt_model_close(model);
  return lib;
}

st_library *st_library_open(st_context *ctx, const char *path, const char *prefix, st_diag *d) {
  st_rt_err e;
  st_rt_model *model = st_rt_model_open(&st_host_backend, path, prefix, &e);
  if (!model) st_diag_error(d, st_loc_unknown(), "%s", e.msg);
  return st_library_wrap(ctx, model, d);
}

st_library *st_library_jit(st_context *ctx, st_module *m, const st_pass_options *passes, int opt_level, st_diag *d) {
  return st_library_wrap(ctx, st_host_jit_model(m, NULL, passes, opt_level, d), d);
}

unsigned st_library_num_inputs(const st_library *lib) { return st_rt_model_num_inputs(lib->model); }
unsigned st_library_num_outputs(const st_library *lib) { return st_rt_model_num_outputs(lib->model); }
const st_library_io *st_library_io_at(const st_library *lib, unsigned i) { return &lib->io[i]; }
size_t st_library_workspace_size(const st_library *lib) { return st_rt_model_workspace_size(lib->model); }
const st_rt_model *st_library_model(const st_library *lib) { return lib->model; }

void st_library_run(const st_library *lib, void *const *ins, void *const *outs, void *workspace, bool trace) {
  st_rt_model_run(lib->model, ins, outs, workspace, trace, NULL);
}

void st_library_close(st_library *lib) {
  if (!lib) return;
  st_rt_model_close(lib->model);
  free(lib->io);
  free(lib);
}
