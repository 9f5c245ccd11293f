/* The compile driver (see compile.h). */
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx/onnx.h"
#include "ir/parse.h"
#include "ir/verify.h"
#include "ir/print.h"
#include "runtime/api/compile.h"

static bool st_ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static st_module *st_parse_verified(st_context *ctx, const char *text, size_t len, const char *file, st_diag *d) {
  st_module *m = st_parse_module(ctx, text, len, file, d);
  if (m && !st_verify_module(m, d)) {
    st_module_destroy(m);
    return NULL;
  }
  return m;
}

st_module *st_compile_load_file(st_context *ctx, const char *path, st_diag *d) {
  if (!st_ends_with(path, ".ir")) return st_onnx_import_file(ctx, path, NULL, d);
  FILE *f = fopen(path, "rb");
  if (!f) {
    st_diag_error(d, st_loc_unknown(), "cannot open %s", path);
    return NULL;
  }
  size_t cap = 1 << 16, len = 0, n;
  char *text = malloc(cap);
  while (text && (n = fread(text + len, 1, cap - len, f)) > 0)
    if ((len += n) == cap) {
      char *t = realloc(text, cap *= 2);
      if (!t) free(text);
      text = t;
    }
  fclose(f);
  if (!text) {
    st_diag_error(d, st_loc_unknown(), "out of memory reading %s", path);
    return NULL;
  }
  st_module *m = st_parse_verified(ctx, text, len, path, d);
  free(text);
  return m;
}

static bool st_looks_like_ir(const char *s, size_t len) {
  while (len && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')) s++, len--;
  return (len >= 6 && !strncmp(s, "module", 6)) || (len >= 9 && !strncmp(s, "func.func", 9)) ||
         (len >= 2 && !strncmp(s, "//", 2));
}

st_module *st_compile_load_buffer(st_context *ctx, const void *data, size_t len, st_compile_format fmt, st_diag *d) {
  if (fmt == ST_COMPILE_AUTO) fmt = st_looks_like_ir(data, len) ? ST_COMPILE_IR : ST_COMPILE_ONNX;
  if (fmt == ST_COMPILE_ONNX) return st_onnx_import_bytes(ctx, data, len, NULL, NULL, d);
  return st_parse_verified(ctx, data, len, "<buffer>", d);
}

static bool st_io_set(st_compile_io *io, const char *name, const char *dflt, unsigned i, const st_type *t, st_diag *d) {
  char buf[32];
  snprintf(buf, sizeof buf, "%s%u", dflt, i);
  if (t->kind != ST_TY_TENSOR || !st_type_has_static_shape(t)) {
    st_diag_error(d, st_loc_unknown(), "%s %u of @main is not a statically shaped tensor", dflt, i);
    return false;
  }
  io->name = strdup(name ? name : buf);
  io->type = t;
  io->nbytes = (size_t)st_type_num_elements(t) * st_dense_elem_size(t->u.shaped.elem);
  return io->name != NULL;
}

bool st_compile_signature_of(st_module *m, st_compile_signature *sig, st_diag *d) {
  memset(sig, 0, sizeof *sig);
  st_op *f = st_module_lookup_func(m, "main");
  st_block *body = f ? st_func_body(f) : NULL;
  st_op *ret = body ? st_block_terminator(body) : NULL;
  if (!ret) {
    st_diag_error(d, st_loc_unknown(), "the model has no func @main");
    return false;
  }
  sig->num_inputs = body->num_args;
  sig->num_outputs = ret->num_operands;
  sig->io = calloc(sig->num_inputs + sig->num_outputs + 1, sizeof *sig->io);
  bool ok = sig->io != NULL;
  for (unsigned i = 0; ok && i < sig->num_inputs; i++)
    ok = st_io_set(&sig->io[i], body->args[i]->name, "input", i, body->args[i]->type, d);
  for (unsigned i = 0; ok && i < sig->num_outputs; i++) {
    const st_value *v = st_op_operand(ret, i);
    ok = st_io_set(&sig->io[sig->num_inputs + i], v->name, "output", i, v->type, d);
  }
  if (!ok) st_compile_signature_free(sig);
  return ok;
}

void st_compile_signature_free(st_compile_signature *sig) {
  for (unsigned i = 0; sig->io && i < sig->num_inputs + sig->num_outputs; i++) free(sig->io[i].name);
  free(sig->io);
  memset(sig, 0, sizeof *sig);
}

char *st_compile_signature_text(const st_compile_signature *sig) {
  size_t cap = 256, len = 0;
  char *text = malloc(cap);
  if (!text) return NULL;
  len = (size_t)snprintf(text, cap, "strata-signature 1\n");
  for (unsigned i = 0; i < sig->num_inputs + sig->num_outputs; i++) {
    const st_compile_io *io = &sig->io[i];
    char *elem = st_type_to_string(io->type->u.shaped.elem);
    char line[1024];
    int n = snprintf(line, sizeof line, "%s\t%s\t%s\t", i < sig->num_inputs ? "input" : "output", io->name,
                     elem ? elem : "?");
    free(elem);
    for (unsigned k = 0; k < io->type->u.shaped.rank && n > 0 && (size_t)n < sizeof line; k++)
      n += snprintf(line + n, sizeof line - (size_t)n, "%s%lld", k ? "," : "", (long long)io->type->u.shaped.dims[k]);
    if (n < 0 || (size_t)n + 2 > sizeof line) {
      free(text);
      return NULL;
    }
    line[n++] = '\n';
    line[n] = 0;
    if (len + (size_t)n + 1 > cap) {
      char *t = realloc(text, cap = 2 * (len + (size_t)n + 1));
      if (!t) return free(text), NULL;
      text = t;
    }
    memcpy(text + len, line, (size_t)n + 1);
    len += (size_t)n;
  }
  return text;
}

bool st_compile_lower(st_module *m, const char *pipeline, const st_pass_options *opts, st_diag *d) {
  st_pipeline p;
  st_pass_options o = opts ? *opts : st_pass_options_default();
  return st_pipeline_parse(pipeline ? pipeline : ST_COMPILE_PIPELINE, &p, d) && st_pipeline_run(&p, m, &o, d);
}
