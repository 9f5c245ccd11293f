/* `strata run MODEL -t interp`: import a model (ONNX, or textual IR with a
 * func @main), feed it inputs, run it on a target and compare or write the
 * outputs.
 *
 * Inputs come from --data DIR (DIR/input_N.pb in argument order, the ONNX
 * test layout) and/or --input NAME=FILE (.pb TensorProto or .npy).  When DIR
 * holds output_N.pb files, each output is compared with the ONNX runner's
 * rule and the command exits 1 on any mismatch.  The input values also go
 * to the importer: an input that decides a result shape (Reshape's shape, a
 * Slice's starts...) is compiled in as a constant, with a note on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frontend/onnx/onnx.h"
#include "ir/parse.h"
#include "ir/print.h"
#include "ir/verify.h"
#include "runtime/interp/interp.h"
#include "tools/tool_common.h"
#include "tools/tools.h"

static const char st_run_help[] =
    "usage: strata run MODEL.onnx|FILE.ir [options]\n"
    "Run a model on a target and print, compare or write its outputs.\n\n"
    "Options:\n"
    "  -t, --target T            where to run: interp (the reference interpreter; default), or host\n"
    "                            (compiled in process; with a .so too: see strata run -t host --help)\n"
    "  --data DIR                inputs DIR/input_N.pb; compares with DIR/output_N.pb when present\n"
    "  --input NAME=FILE         value of input NAME (or its number) from a .pb or .npy file\n"
    "  --input-shape NAME=DIMS   fix a dynamic input shape, e.g. data=1x3x224x224\n"
    "  --output-dir DIR, -o DIR  write output_N.pb for each output (and output_N.npy with --npy)\n"
    "  --npy                     also write .npy files\n"
    "  --rtol X, --atol X        comparison tolerances (default 1e-3 and 1e-7)\n"
    "  --print-ir                print the imported IR to stdout before running\n\n"
    "Inputs that decide result shapes (Reshape's shape, Slice's starts, Resize's scales...)\n"
    "are compiled in as constants with the values given (a note on stderr names them).\n";

enum { ST_RUN_MAX_ARGS = 64 };

typedef struct st_run_opts {
  const char *model, *target, *data, *out_dir;
  const char *inputs[ST_RUN_MAX_ARGS];
  unsigned num_inputs;
  st_onnx_input_shape shapes[ST_RUN_MAX_ARGS];
  unsigned num_shapes;
  bool npy, print_ir;
  double rtol, atol;
} st_run_opts;

static bool st_ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool st_file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool st_read_tensor(st_context *ctx, const char *path, st_tensor *t, st_diag *d) {
  if (st_ends_with(path, ".npy")) return st_interp_npy_read(ctx, path, t, d);
  return st_onnx_tensor_read_file(ctx, path, t, d);
}

/* Says on stderr which inputs shape specialisation bound to their values. */
static void st_note_specialised(st_module *m, uint64_t bits) {
  st_op *func = m && bits ? st_module_lookup_func(m, "main") : NULL;
  st_block *body = func ? st_func_body(func) : NULL;
  if (!body) return;
  fprintf(stderr, "strata run: note: specialised on inputs:");
  const char *sep = " ";
  for (unsigned i = 0; i < body->num_args && i < 64; i++)
    if (bits >> i & 1) {
      fprintf(stderr, "%s%s", sep, body->args[i]->name ? body->args[i]->name : "?");
      sep = ", ";
    }
  fprintf(stderr, " (their values are compiled in)\n");
}

static st_module *st_run_load(st_context *ctx, const st_run_opts *o, st_diag *d) {
  if (st_ends_with(o->model, ".ir")) {
    size_t len;
    char *text = st_tool_read_file(o->model, &len, d);
    st_module *m = text ? st_parse_module(ctx, text, len, o->model, d) : NULL;
    free(text);
    if (m && !st_verify_module(m, d)) {
      st_module_destroy(m);
      m = NULL;
    }
    return m;
  }
  /* Shape specialisation: the importer binds the inputs that shape operands
   * depend on to the values given, so it needs them before it imports. */
  st_tensor vals[2 * ST_RUN_MAX_ARGS] = {{0}};
  const st_tensor *ptrs[2 * ST_RUN_MAX_ARGS] = {0};
  const char *names[2 * ST_RUN_MAX_ARGS] = {0};
  unsigned n = 0;
  bool ok = true;
  for (unsigned i = 0; ok && o->data && i < ST_RUN_MAX_ARGS; i++, n++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/input_%u.pb", o->data, i);
    if (!st_file_exists(path)) break;
    ok = st_onnx_tensor_read_file(ctx, path, &vals[i], d);
    ptrs[i] = &vals[i];
  }
  /* --input N=FILE takes the place of DIR/input_N.pb; --input NAME=FILE is
   * passed by name (named entries win in the importer). */
  unsigned named = ST_RUN_MAX_ARGS;
  for (unsigned k = 0; ok && k < o->num_inputs; k++) {
    const char *eq = strchr(o->inputs[k], '=');
    char *name = strndup(o->inputs[k], (size_t)(eq - o->inputs[k]));
    char *end = NULL;
    unsigned long pos = name ? strtoul(name, &end, 10) : 0;
    bool numeric = name && *name && !*end && pos < ST_RUN_MAX_ARGS;
    st_tensor t = {0};
    ok = name && st_read_tensor(ctx, eq + 1, &t, d);
    unsigned slot = numeric ? (unsigned)pos : named++;
    free(vals[slot].data);
    vals[slot] = t;
    ptrs[slot] = ok ? &vals[slot] : NULL;
    if (numeric) free(name);
    else names[slot] = name;
    if (numeric && slot >= n) n = slot + 1;
  }
  if (named > ST_RUN_MAX_ARGS) n = named;
  uint64_t specialised = 0;
  st_onnx_options opts = {.num_input_shapes = o->num_shapes, .input_shapes = o->shapes, .num_input_values = n,
                          .input_values = ptrs, .input_value_names = names, .specialised = &specialised};
  st_module *m = ok ? st_onnx_import_file(ctx, o->model, &opts, d) : NULL;
  st_note_specialised(m, specialised);
  for (unsigned i = 0; i < 2 * ST_RUN_MAX_ARGS; i++) {
    free(vals[i].data);
    free((char *)names[i]);
  }
  return m;
}

/* The file for argument i: an --input naming it (or its number), else DIR/input_i.pb. */
static const char *st_input_file(const st_run_opts *o, const st_value *arg, unsigned i, char *buf, size_t n) {
  char num[16];
  snprintf(num, sizeof num, "%u", i);
  for (unsigned k = 0; k < o->num_inputs; k++) {
    const char *eq = strchr(o->inputs[k], '=');
    size_t len = (size_t)(eq - o->inputs[k]);
    if ((arg->name && strlen(arg->name) == len && strncmp(arg->name, o->inputs[k], len) == 0) ||
        (strlen(num) == len && strncmp(num, o->inputs[k], len) == 0))
      return eq + 1;
  }
  if (!o->data) return NULL;
  snprintf(buf, n, "%s/input_%u.pb", o->data, i);
  return buf;
}

static bool st_load_inputs(st_context *ctx, const st_run_opts *o, st_block *body, st_tensor *ins, st_diag *d) {
  for (unsigned k = 0; k < o->num_inputs; k++) {
    const char *eq = strchr(o->inputs[k], '=');
    bool found = false;
    for (unsigned i = 0; i < body->num_args && !found; i++) {
      char num[16];
      snprintf(num, sizeof num, "%u", i);
      size_t len = (size_t)(eq - o->inputs[k]);
      const char *nm = body->args[i]->name;
      found = (nm && strlen(nm) == len && !strncmp(nm, o->inputs[k], len)) ||
              (strlen(num) == len && !strncmp(num, o->inputs[k], len));
    }
    if (!found) {
      st_diag_error(d, st_loc_unknown(), "--input %s names no input of the model", o->inputs[k]);
      return false;
    }
  }
  for (unsigned i = 0; i < body->num_args; i++) {
    char buf[4096];
    const char *name = body->args[i]->name ? body->args[i]->name : "?";
    const char *path = st_input_file(o, body->args[i], i, buf, sizeof buf);
    if (!path) {
      st_diag_error(d, st_loc_unknown(), "no value for input %u '%s' (give --input %s=FILE or --data DIR)", i, name,
                    name);
      return false;
    }
    if (!st_read_tensor(ctx, path, &ins[i], d)) return false;
  }
  return true;
}

static unsigned st_count_outputs(const char *dir) {
  unsigned n = 0;
  char path[4096];
  for (;; n++) {
    snprintf(path, sizeof path, "%s/output_%u.pb", dir, n);
    if (!st_file_exists(path)) return n;
  }
}

/* Prints each output; compares it with DIR/output_N.pb when there is one. */
static bool st_report(st_context *ctx, const st_run_opts *o, st_op *ret, const st_tensor *outs, unsigned n,
                      st_diag *d) {
  unsigned expected = o->data ? st_count_outputs(o->data) : 0;
  if (expected && expected != n) {
    st_diag_error(d, st_loc_unknown(), "the model has %u outputs, %s holds %u reference outputs", n, o->data,
                  expected);
    return false;
  }
  bool all_ok = true;
  for (unsigned i = 0; i < n; i++) {
    const char *name = st_op_operand(ret, i)->name;
    char *ts = st_type_to_string(outs[i].type);
    printf("output %u '%s' %s", i, name ? name : "", ts ? ts : "?");
    free(ts);
    if (!expected) {
      printf(" = ");
      st_interp_print_values(stdout, &outs[i], 16);
      printf("\n");
      continue;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/output_%u.pb", o->data, i);
    st_tensor ref;
    if (!st_onnx_tensor_read_file(ctx, path, &ref, d)) return false;
    st_interp_cmp c;
    bool ok = st_interp_compare(&outs[i], &ref, o->rtol, o->atol, &c);
    if (!c.type_ok) {
      char *rs = st_type_to_string(ref.type);
      printf(": MISMATCH: expected type %s\n", rs ? rs : "?");
      free(rs);
    } else {
      printf(": max abs err %.3g, max rel err %.3g: %s", c.max_abs, c.max_rel, ok ? "ok" : "MISMATCH");
      if (!ok) printf(" (%lld of %lld elements outside rtol %g, atol %g)", (long long)c.num_bad,
                      (long long)st_type_num_elements(ref.type), o->rtol, o->atol);
      printf("\n");
    }
    free(ref.data);
    all_ok &= ok;
  }
  return all_ok;
}

static bool st_write_outputs(const st_run_opts *o, st_op *ret, const st_tensor *outs, unsigned n, st_diag *d) {
  mkdir(o->out_dir, 0777);
  for (unsigned i = 0; i < n; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/output_%u.pb", o->out_dir, i);
    if (!st_onnx_tensor_write_file(&outs[i], st_op_operand(ret, i)->name, path, d)) return false;
    if (!o->npy) continue;
    snprintf(path, sizeof path, "%s/output_%u.npy", o->out_dir, i);
    if (!st_interp_npy_write(&outs[i], path, d)) return false;
  }
  return true;
}

static int st_run(st_context *ctx, const st_run_opts *o) {
  st_diag d = {0};
  int rc = 1;
  st_tensor ins[ST_RUN_MAX_ARGS] = {{0}}, *outs = NULL;
  unsigned nout = 0;
  st_module *m = st_run_load(ctx, o, &d);
  st_op *func = m ? st_module_lookup_func(m, "main") : NULL;
  st_block *body = func ? st_func_body(func) : NULL;
  if (m && !body) st_diag_error(&d, st_loc_unknown(), "'%s' has no func @main", o->model);
  else if (body && body->num_args > ST_RUN_MAX_ARGS) st_diag_error(&d, st_loc_unknown(), "too many inputs");
  else if (body) {
    if (o->print_ir) st_print_module_to_file(m, &(st_print_options){0}, stdout);
    if (st_load_inputs(ctx, o, body, ins, &d) &&
        st_interp_run(m, "main", body->num_args, ins, &nout, &outs, &d)) {
      st_op *ret = st_block_terminator(body);
      bool ok = st_report(ctx, o, ret, outs, nout, &d);
      if (o->out_dir && !st_write_outputs(o, ret, outs, nout, &d)) ok = false;
      rc = ok ? 0 : 1;
    }
  }
  for (unsigned i = 0; i < ST_RUN_MAX_ARGS; i++) free(ins[i].data);
  st_interp_free(outs, nout);
  st_diag_print(&d, stderr);
  st_diag_free(&d);
  st_module_destroy(m);
  return rc;
}

int st_tool_run(int argc, char **argv) {
  if (st_tool_run_is_native(argc, argv)) return st_tool_run_native(argc, argv); /* .so or -t host */
  st_run_opts o = {.target = "interp", .rtol = 1e-3, .atol = 1e-7};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(st_run_help, stdout);
      return 0;
    } else if ((!strcmp(a, "-t") || !strcmp(a, "--target")) && v) o.target = argv[++i];
    else if (!strncmp(a, "--target=", 9)) o.target = a + 9;
    else if (!strcmp(a, "--data") && v) o.data = argv[++i];
    else if ((!strcmp(a, "--output-dir") || !strcmp(a, "-o")) && v) o.out_dir = argv[++i];
    else if (!strcmp(a, "--npy")) o.npy = true;
    else if (!strcmp(a, "--print-ir")) o.print_ir = true;
    else if (!strcmp(a, "--rtol") && v) o.rtol = strtod(argv[++i], NULL);
    else if (!strcmp(a, "--atol") && v) o.atol = strtod(argv[++i], NULL);
    else if (!strcmp(a, "--input") && v) {
      if (!strchr(v, '=') || o.num_inputs == ST_RUN_MAX_ARGS)
        return st_tool_fail("run", "--input expects NAME=FILE, got '%s'", v);
      o.inputs[o.num_inputs++] = argv[++i];
    } else if (!strcmp(a, "--input-shape") && v) {
      if (o.num_shapes == ST_RUN_MAX_ARGS || !st_onnx_parse_input_shape(v, &o.shapes[o.num_shapes]))
        return st_tool_fail("run", "--input-shape expects NAME=DIMS such as x=1x3x224x224, got '%s'", v);
      o.num_shapes++;
      i++;
    } else if (a[0] == '-' && a[1]) return st_tool_fail("run", "unknown option '%s' (see strata run --help)", a);
    else if (o.model) return st_tool_fail("run", "more than one model ('%s' and '%s')", o.model, a);
    else o.model = a;
  }
  if (!o.model) return st_tool_fail("run", "no model given (see strata run --help)");
  if (strcmp(o.target, "interp") != 0)
    return st_tool_fail("run", "unknown target '%s' (available: interp)", o.target);
  st_context *ctx = st_context_create();
  if (!ctx) return 1;
  int rc = st_run(ctx, &o);
  st_context_destroy(ctx);
  return rc;
}
