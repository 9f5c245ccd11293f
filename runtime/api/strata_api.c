/* The public C API (include/strata/strata.h) over the compile driver and
 * the runtime's host backend (runtime/api/library.h): a model is an
 * st_rt_model bound to JIT-compiled code, the same model `strata run -t
 * host` and `strata run X.so` run.  A run only reads the model, so
 * concurrent runs are safe; each brings its own workspace. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/api/compile.h"
#include "runtime/api/library.h"
#include "strata/strata.h"

struct strata_error {
  char *message;
};

struct strata_model {
  st_rt_model *rt;
  unsigned num_inputs, num_outputs;
  strata_tensor_info *info; /* inputs, then outputs; names and dims are the rt model's */
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

static strata_dtype st_dtype(st_rt_dtype t) {
  switch (t) {
  case ST_RT_F32: return STRATA_DTYPE_F32;
  case ST_RT_F64: return STRATA_DTYPE_F64;
  case ST_RT_F16: return STRATA_DTYPE_F16;
  case ST_RT_BF16: return STRATA_DTYPE_BF16;
  case ST_RT_I8: return STRATA_DTYPE_I8;
  case ST_RT_I16: return STRATA_DTYPE_I16;
  case ST_RT_I32: return STRATA_DTYPE_I32;
  case ST_RT_I64: return STRATA_DTYPE_I64;
  case ST_RT_U8: return STRATA_DTYPE_U8;
  case ST_RT_U16: return STRATA_DTYPE_U16;
  case ST_RT_U32: return STRATA_DTYPE_U32;
  case ST_RT_U64: return STRATA_DTYPE_U64;
  case ST_RT_I1: return STRATA_DTYPE_BOOL;
  default: return STRATA_DTYPE_UNKNOWN;
  }
}

const char *strata_dtype_name(strata_dtype t) {
  static const char *const names[] = {"unknown", "f32", "f64", "f16", "bf16", "i8",  "i16",
                                      "i32",     "i64", "u8",  "u16", "u32",  "u64", "bool"};
  return (unsigned)t < sizeof names / sizeof *names ? names[t] : "unknown";
}

/* The infos point into the runtime model's inputs and outputs. */
static bool st_model_set_info(strata_model *mod) {
  mod->num_inputs = st_rt_model_num_inputs(mod->rt);
  mod->num_outputs = st_rt_model_num_outputs(mod->rt);
  unsigned n = mod->num_inputs + mod->num_outputs;
  if (!(mod->info = calloc(n + 1, sizeof *mod->info))) return false;
  for (unsigned i = 0; i < n; i++) {
    const st_rt_io *io = st_rt_model_io(mod->rt, i);
    mod->info[i] = (strata_tensor_info){io->name, st_dtype(io->dtype), io->rank, io->dims, io->nbytes};
  }
  return true;
}

static void st_ir_to_callback(void *ctx, const char *when, const char *pass, const char *ir) {
  const strata_options *o = ctx;
  (void)when;
  o->ir_callback(o->ir_callback_user, pass, ir ? ir : "(out of memory)\n");
}

/* Lowering (the options' pipeline and dumps), codegen, JIT, binding to the
 * runtime: the module is consumed. */
static strata_model *st_model_build(st_context *ctx, st_module *m, const strata_options *opts, strata_error **err) {
  st_diag d = {0};
  strata_model *mod = calloc(1, sizeof *mod);
  int opt_level = 3;
  if (opts && opts->opt_level) opt_level = opts->opt_level < 0 ? 0 : opts->opt_level;
  st_pass_options po = st_pass_options_default();
  if (opts) {
    po.dump_dir = opts->dump_dir;
    po.print_after_all = opts->print_ir_after_all;
    po.dump_out = opts->ir_out;
    if (opts->ir_callback) po.dump_fn = st_ir_to_callback, po.dump_ctx = (void *)opts;
  }
  const char *target = opts ? opts->target : NULL;
  if (target && strcmp(target, "host") != 0)
    st_diag_error(&d, st_loc_unknown(), "the JIT runs on the host only (target '%s')", target);
  else if (mod)
    mod->rt = st_host_jit_model(m, opts ? opts->pipeline : NULL, &po, opt_level, &d);
  bool ok = mod && mod->rt && st_model_set_info(mod);
  if (!ok) {
    if (st_diag_has_errors(&d)) st_set_diag_error(err, &d, "strata: ");
    else st_set_error(err, "strata: out of memory");
    strata_model_destroy(mod);
    mod = NULL;
  }
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
size_t strata_model_workspace_size(const strata_model *m) { return m ? st_rt_model_workspace_size(m->rt) : 0; }

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

bool strata_run_with_workspace(const strata_model *m, void *const *inputs, void *const *outputs, void *workspace,
                               strata_error **err) {
  if (err) *err = NULL;
  st_rt_err e;
  if (!m) {
    st_set_error(err, "strata_run: no model");
    return false;
  }
  if (!st_rt_model_run(m->rt, inputs, outputs, workspace, false, &e)) {
    st_set_error(err, "strata_run: %s", e.msg);
    return false;
  }
  return true;
}

bool strata_run(const strata_model *m, void *const *inputs, void *const *outputs, strata_error **err) {
  size_t size = m ? (st_rt_model_workspace_size(m->rt) + 63) & ~(size_t)63 : 0;
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
  st_rt_model_close(m->rt);
  free(m->info);
  free(m);
}

const char *strata_error_message(const strata_error *e) { return e ? e->message : ""; }

void strata_error_free(strata_error *e) {
  if (!e || e == &st_oom_error) return;
  free(e->message);
  free(e);
}
