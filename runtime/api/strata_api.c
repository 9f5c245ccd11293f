/* The public C API (include/strata/strata.h) over the compile driver, the
 * LLVM JIT and libffi.
 *
 * A model owns its JIT instance, the signature (names, dtypes, shapes) read
 * before lowering, and a libffi call interface prepared once: PREFIX_run_ws
 * takes one pointer per input and output plus the workspace, an arity known
 * only at run time.  strata_run only reads the model, so concurrent runs are
 * safe; each brings its own workspace. */
#include <ffi.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/llvm/llvm.h"
#include "runtime/api/compile.h"
#include "strata/strata.h"

struct strata_error {
  char *message;
};

struct strata_model {
  st_llvm_jit *jit;
  unsigned num_inputs, num_outputs;
  strata_tensor_info *info; /* inputs, then outputs */
  ffi_cif cif;
  ffi_type **arg_types;
  size_t workspace;
};

static strata_error st_oom_error = {"out of memory"};

static void st_set_error(strata_error **err, const char *fmt, ...) {
  if (!err) return;
  va_list ap;
  va_start(ap, fmt);
  char buf[2048];
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  strata_error *e = malloc(sizeof *e);
  if (e && !(e->message = strdup(buf))) free(e), e = NULL;
  *err = e ? e : &st_oom_error;
}

static void st_set_diag_error(strata_error **err, const st_diag *d, const char *what) {
  char *where = NULL;
  const st_diag_msg *msg = d->head;
  while (msg && msg->severity != ST_SEV_ERROR) msg = msg->next;
  if (msg && msg->where) where = msg->where;
  st_set_error(err, "%s%s%s%s", what, where ? where : "", where ? ": " : "", msg ? msg->text : "failed");
}

static strata_dtype st_dtype(const st_type *t) {
  switch (t->kind) {
  case ST_TY_F32: return STRATA_DTYPE_F32;
  case ST_TY_F64: return STRATA_DTYPE_F64;
  case ST_TY_F16: return STRATA_DTYPE_F16;
  case ST_TY_BF16: return STRATA_DTYPE_BF16;
  case ST_TY_I8: return STRATA_DTYPE_I8;
  case ST_TY_I16: return STRATA_DTYPE_I16;
  case ST_TY_I32: return STRATA_DTYPE_I32;
  case ST_TY_I64: return STRATA_DTYPE_I64;
  case ST_TY_U8: return STRATA_DTYPE_U8;
  case ST_TY_U16: return STRATA_DTYPE_U16;
  case ST_TY_U32: return STRATA_DTYPE_U32;
  case ST_TY_U64: return STRATA_DTYPE_U64;
  case ST_TY_I1: return STRATA_DTYPE_BOOL;
  default: return STRATA_DTYPE_UNKNOWN;
  }
}

const char *strata_dtype_name(strata_dtype t) {
  static const char *const names[] = {"unknown", "f32", "f64", "f16", "bf16", "i8",  "i16",
                                      "i32",     "i64", "u8",  "u16", "u32",  "u64", "bool"};
  return (unsigned)t < sizeof names / sizeof *names ? names[t] : "unknown";
}

/* Copies the signature into the model's infos (names and dims owned). */
static bool st_model_set_info(strata_model *mod, const st_compile_signature *sig) {
  unsigned n = sig->num_inputs + sig->num_outputs;
  mod->num_inputs = sig->num_inputs;
  mod->num_outputs = sig->num_outputs;
  if (!(mod->info = calloc(n + 1, sizeof *mod->info))) return false;
  for (unsigned i = 0; i < n; i++) {
    const st_type *t = sig->io[i].type;
    strata_tensor_info *info = &mod->info[i];
    int64_t *dims = malloc((t->u.shaped.rank + 1) * sizeof *dims);
    info->name = strdup(sig->io[i].name);
    info->dims = dims;
    if (!dims || !info->name) return false;
    for (unsigned k = 0; k < t->u.shaped.rank; k++) dims[k] = t->u.shaped.dims[k];
    info->rank = t->u.shaped.rank;
    info->dtype = st_dtype(t->u.shaped.elem);
    info->nbytes = sig->io[i].nbytes;
  }
  return true;
}

/* Signature, lowering, codegen, JIT, libffi: the module is consumed. */
static strata_model *st_model_build(st_context *ctx, st_module *m, const strata_options *opts, strata_error **err) {
  st_diag d = {0};
  st_compile_signature sig = {0};
  strata_model *mod = calloc(1, sizeof *mod);
  st_llvm_options lo = {.target = opts ? opts->target : NULL, .prefix = "model", .opt_level = 3};
  if (opts && opts->opt_level) lo.opt_level = opts->opt_level < 0 ? 0 : opts->opt_level;
  bool ok = mod && m && st_compile_signature_of(m, &sig, &d) && st_model_set_info(mod, &sig) &&
            st_compile_lower(m, NULL, &d);
  if (ok && lo.target && strcmp(lo.target, "host") != 0) {
    st_diag_error(&d, st_loc_unknown(), "the JIT runs on the host only (target '%s')", lo.target);
    ok = false;
  }
  st_llvm_module *lm = ok ? st_llvm_compile(m, &lo, &d) : NULL;
  if (lm) {
    mod->workspace = st_llvm_workspace_size(lm);
    mod->jit = st_llvm_jit_create(lm, &d);
  }
  unsigned nargs = mod ? mod->num_inputs + mod->num_outputs + 1 : 0;
  ok = mod && mod->jit && (mod->arg_types = malloc(nargs * sizeof *mod->arg_types));
  for (unsigned i = 0; ok && i < nargs; i++) mod->arg_types[i] = &ffi_type_pointer;
  if (ok && ffi_prep_cif(&mod->cif, FFI_DEFAULT_ABI, nargs, &ffi_type_void, mod->arg_types) != FFI_OK) {
    st_diag_error(&d, st_loc_unknown(), "libffi cannot describe a call with %u pointer arguments", nargs);
    ok = false;
  }
  if (!ok) {
    if (st_diag_has_errors(&d)) st_set_diag_error(err, &d, "strata: ");
    else st_set_error(err, "strata: out of memory");
    strata_model_destroy(mod);
    mod = NULL;
  }
  st_compile_signature_free(&sig);
  st_diag_free(&d);
  if (m) st_module_destroy(m);
  st_context_destroy(ctx);
  return mod;
}

strata_model *strata_compile_file(const char *path, const strata_options *opts, strata_error **err) {
  if (err) *err = NULL;
  st_context *ctx = st_context_create();
  st_diag d = {0};
  st_module *m = ctx && path ? st_compile_load_file(ctx, path, &d) : NULL;
  if (!m) {
    st_set_diag_error(err, &d, "strata: ");
    st_diag_free(&d);
    st_context_destroy(ctx);
    return NULL;
  }
  st_diag_free(&d);
  return st_model_build(ctx, m, opts, err);
}

strata_model *strata_compile_buffer(const void *data, size_t len, const strata_options *opts, strata_error **err) {
  if (err) *err = NULL;
  st_context *ctx = st_context_create();
  st_diag d = {0};
  st_compile_format fmt = !opts ? ST_COMPILE_AUTO : opts->format == STRATA_FORMAT_ONNX ? ST_COMPILE_ONNX
                          : opts->format == STRATA_FORMAT_IR                          ? ST_COMPILE_IR
                                                                                      : ST_COMPILE_AUTO;
  st_module *m = ctx && data ? st_compile_load_buffer(ctx, data, len, fmt, &d) : NULL;
  if (!m) {
    st_set_diag_error(err, &d, "strata: ");
    st_diag_free(&d);
    st_context_destroy(ctx);
    return NULL;
  }
  st_diag_free(&d);
  return st_model_build(ctx, m, opts, err);
}

unsigned strata_model_num_inputs(const strata_model *m) { return m ? m->num_inputs : 0; }
unsigned strata_model_num_outputs(const strata_model *m) { return m ? m->num_outputs : 0; }
size_t strata_model_workspace_size(const strata_model *m) { return m ? m->workspace : 0; }

bool strata_model_input_info(const strata_model *m, unsigned i, strata_tensor_info *out) {
  if (!m || i >= m->num_inputs || !out) return false;
  *out = m->info[i];
  return true;
}

bool strata_model_output_info(const strata_model *m, unsigned i, strata_tensor_info *out) {
  if (!m || i >= m->num_outputs || !out) return false;
  *out = m->info[m->num_inputs + i];
  return true;
}

enum { ST_API_MAX_ARGS = 256 };

bool strata_run_with_workspace(const strata_model *m, void *const *inputs, void *const *outputs, void *workspace,
                               strata_error **err) {
  if (err) *err = NULL;
  unsigned n = m ? m->num_inputs + m->num_outputs : 0;
  if (!m || n + 1 > ST_API_MAX_ARGS) {
    st_set_error(err, "strata_run: %s", m ? "too many inputs and outputs" : "no model");
    return false;
  }
  void *ptrs[ST_API_MAX_ARGS], *args[ST_API_MAX_ARGS];
  for (unsigned i = 0; i < n; i++) {
    ptrs[i] = i < m->num_inputs ? (inputs ? inputs[i] : NULL) : (outputs ? outputs[i - m->num_inputs] : NULL);
    if (!ptrs[i]) {
      st_set_error(err, "strata_run: %s %u ('%s') is NULL", i < m->num_inputs ? "input" : "output",
                   i < m->num_inputs ? i : i - m->num_inputs, m->info[i].name);
      return false;
    }
  }
  if (m->workspace && !workspace) {
    st_set_error(err, "strata_run: the model needs a workspace of %zu bytes", m->workspace);
    return false;
  }
  ptrs[n] = workspace;
  for (unsigned i = 0; i <= n; i++) args[i] = &ptrs[i];
  /* The cif is only read by ffi_call, so one serves every thread. */
  ffi_call((ffi_cif *)&m->cif, FFI_FN(st_llvm_jit_entry(m->jit)), NULL, args);
  return true;
}

bool strata_run(const strata_model *m, void *const *inputs, void *const *outputs, strata_error **err) {
  size_t size = m ? (m->workspace + 63) & ~(size_t)63 : 0;
  void *ws = size ? aligned_alloc(64, size) : NULL;
  if (size && !ws) {
    st_set_error(err, "strata_run: cannot allocate a workspace of %zu bytes", size);
    return false;
  }
  bool ok = strata_run_with_workspace(m, inputs, outputs, ws, err);
  free(ws);
  return ok;
}

void strata_model_destroy(strata_model *m) {
  if (!m) return;
  st_llvm_jit_destroy(m->jit);
  for (unsigned i = 0; m->info && i < m->num_inputs + m->num_outputs; i++) {
    free((void *)m->info[i].name);
    free((void *)m->info[i].dims);
  }
  free(m->info);
  free(m->arg_types);
  free(m);
}

const char *strata_error_message(const strata_error *e) { return e ? e->message : ""; }

void strata_error_free(strata_error *e) {
  if (!e || e == &st_oom_error) return;
  free(e->message);
  free(e);
}
