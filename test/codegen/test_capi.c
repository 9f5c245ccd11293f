/* The public C API: queries, errors as values, runs from 8 threads giving
 * identical results, and 200 create/run/destroy cycles (leaks show under
 * -DSTRATA_SANITIZE=ON, where LeakSanitizer fails the test), and the pass
 * options (a custom pipeline, a dump directory, IR after every pass to a
 * FILE or a callback, an unknown pass). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strata/strata.h"

static const char tiny[] =
    "func.func @main(%x: tensor<2x3xf32>, %w: tensor<3x2xf32>) -> tensor<2x2xf32> {\n"
    "  %0 = graph.matmul %x, %w : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>\n"
    "  %y = graph.relu %0 : tensor<2x2xf32>\n"
    "  func.return %y : tensor<2x2xf32>\n"
    "}\n";

Test(capi, compile_buffer_and_query) {
  strata_error *err = NULL;
  strata_model *m = strata_compile_buffer(tiny, sizeof tiny - 1, NULL, &err);
  cr_assert_not_null(m, "%s", strata_error_message(err));
  cr_assert_eq(strata_model_num_inputs(m), 2);
  cr_assert_eq(strata_model_num_outputs(m), 1);
  strata_tensor_info t;
  cr_assert(strata_model_input_info(m, 1, &t));
  cr_assert_str_eq(t.name, "w");
  cr_assert_eq(t.dtype, STRATA_DTYPE_F32);
  cr_assert_eq(t.rank, 2);
  cr_assert_eq(t.dims[0], 3);
  cr_assert_eq(t.nbytes, 24);
  cr_assert(strata_model_output_info(m, 0, &t));
  cr_assert_str_eq(t.name, "y");
  cr_assert_not(strata_model_input_info(m, 2, &t));
  float x[6] = {1, 2, 3, 4, 5, 6}, w[6] = {1, -1, 0, 1, 1, 0}, y[4];
  void *in[] = {x, w}, *out[] = {y};
  cr_assert(strata_run(m, in, out, &err));
  /* [1 2 3; 4 5 6] x [1 -1; 0 1; 1 0] = [4 1; 10 1] */
  cr_assert_float_eq(y[0], 4.0f, 1e-6);
  cr_assert_float_eq(y[1], 1.0f, 1e-6);
  cr_assert_float_eq(y[2], 10.0f, 1e-6);
  cr_assert_float_eq(y[3], 1.0f, 1e-6);
  strata_model_destroy(m);
}

Test(capi, errors_are_values) {
  strata_error *err = NULL;
  cr_assert_null(strata_compile_file("/nonexistent/model.onnx", NULL, &err));
  cr_assert_not_null(err);
  cr_assert(strlen(strata_error_message(err)) > 0);
  strata_error_free(err);
  static const char bad[] = "func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {\n  func.return %y : tensor<2xf32>\n}\n";
  cr_assert_null(strata_compile_buffer(bad, sizeof bad - 1, NULL, &err));
  cr_assert_not_null(strstr(strata_error_message(err), "<buffer>:2"), "%s", strata_error_message(err));
  strata_error_free(err);
  cr_assert_null(strata_compile_buffer(tiny, sizeof tiny - 1, &(strata_options){.target = "aarch64"}, &err));
  strata_error_free(err);
  strata_model *m = strata_compile_buffer(tiny, sizeof tiny - 1, NULL, NULL);
  cr_assert_not_null(m);
  float x[6] = {0}, y[4];
  void *in[] = {x, NULL}, *out[] = {y};
  cr_assert_not(strata_run(m, in, out, &err));
  cr_assert_not_null(strstr(strata_error_message(err), "input 1 ('w') is NULL"), "%s", strata_error_message(err));
  strata_error_free(err);
  strata_model_destroy(m);
}

/* ---- 8 threads x 100 runs ---- */

enum { THREADS = 8, RUNS = 100 };

typedef struct job {
  const strata_model *m;
  unsigned nin, nout;
  void **in;
  float *want[8];
  size_t nbytes[8];
  bool ok;
} job;

static void *run_many(void *arg) {
  job *j = arg;
  void *out[8];
  for (unsigned i = 0; i < j->nout; i++) out[i] = malloc(j->nbytes[i]);
  j->ok = true;
  for (int r = 0; r < RUNS && j->ok; r++) {
    for (unsigned i = 0; i < j->nout; i++) memset(out[i], 0xff, j->nbytes[i]);
    j->ok = strata_run(j->m, j->in, out, NULL);
    for (unsigned i = 0; j->ok && i < j->nout; i++) j->ok = memcmp(out[i], j->want[i], j->nbytes[i]) == 0;
  }
  for (unsigned i = 0; i < j->nout; i++) free(out[i]);
  return NULL;
}

Test(capi, threads_identical) {
  strata_error *err = NULL;
  strata_model *m = strata_compile_file(ST_E2E_DIR "/core_conv.ir", NULL, &err);
  cr_assert_not_null(m, "%s", strata_error_message(err));
  job base = {.m = m, .nin = strata_model_num_inputs(m), .nout = strata_model_num_outputs(m)};
  base.in = calloc(base.nin, sizeof *base.in);
  strata_tensor_info t;
  for (unsigned i = 0; i < base.nin; i++) {
    strata_model_input_info(m, i, &t);
    float *p = base.in[i] = malloc(t.nbytes);
    for (size_t k = 0; k < t.nbytes / 4; k++) p[k] = (float)((k * 37 + i) % 19) / 7.0f - 1.3f;
  }
  for (unsigned i = 0; i < base.nout; i++) {
    strata_model_output_info(m, i, &t);
    base.nbytes[i] = t.nbytes;
    base.want[i] = malloc(t.nbytes);
  }
  cr_assert(strata_run(m, base.in, (void *const *)base.want, NULL));
  job jobs[THREADS];
  pthread_t th[THREADS];
  for (int k = 0; k < THREADS; k++) {
    jobs[k] = base;
    cr_assert_eq(pthread_create(&th[k], NULL, run_many, &jobs[k]), 0);
  }
  for (int k = 0; k < THREADS; k++) {
    pthread_join(th[k], NULL);
    cr_expect(jobs[k].ok, "thread %d saw a different result", k);
  }
  for (unsigned i = 0; i < base.nin; i++) free(base.in[i]);
  for (unsigned i = 0; i < base.nout; i++) free(base.want[i]);
  free(base.in);
  strata_model_destroy(m);
}

Test(capi, create_run_destroy_200, .timeout = 300) {
  for (int r = 0; r < 200; r++) {
    strata_error *err = NULL;
    strata_model *m = strata_compile_buffer(tiny, sizeof tiny - 1, &(strata_options){.opt_level = 1}, &err);
    cr_assert_not_null(m, "%s", strata_error_message(err));
    float x[6] = {1, 2, 3, 4, 5, 6}, w[6] = {1, -1, 0, 1, 1, 0}, y[4];
    void *in[] = {x, w}, *out[] = {y};
    cr_assert(strata_run(m, in, out, &err));
    cr_assert_float_eq(y[2], 10.0f, 1e-6);
    strata_model_destroy(m);
  }
}

/* Runs tiny on known values and checks the result [4 1; 10 1]. */
static void check_tiny(strata_model *m) {
  float x[6] = {1, 2, 3, 4, 5, 6}, w[6] = {1, -1, 0, 1, 1, 0}, y[4];
  void *in[] = {x, w}, *out[] = {y};
  strata_error *err = NULL;
  cr_assert(strata_run(m, in, out, &err), "%s", strata_error_message(err));
  cr_assert_float_eq(y[0], 4.0f, 1e-6);
  cr_assert_float_eq(y[2], 10.0f, 1e-6);
}

static bool file_exists(const char *dir, const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

Test(capi, custom_pipeline_and_dump_dir) {
  char dir[] = "/tmp/strata-capi-XXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  char dumps[64];
  snprintf(dumps, sizeof dumps, "%s/dumps", dir);
  strata_error *err = NULL;
  strata_options o = {.pipeline = "lower-to-loops,memplan", .dump_dir = dumps};
  strata_model *m = strata_compile_buffer(tiny, sizeof tiny - 1, &o, &err);
  cr_assert_not_null(m, "%s", strata_error_message(err));
  check_tiny(m);
  strata_model_destroy(m);
  cr_assert(file_exists(dumps, "00-input.ir"));
  cr_assert(file_exists(dumps, "01-lower-to-loops.ir"));
  cr_assert(file_exists(dumps, "02-memplan.ir"));
  cr_assert_not(file_exists(dumps, "01-canonicalize.ir"), "the custom pipeline replaces the default one");
  const char *names[] = {"00-input.ir", "01-lower-to-loops.ir", "02-memplan.ir"};
  for (unsigned i = 0; i < 3; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dumps, names[i]);
    unlink(path);
  }
  rmdir(dumps);
  rmdir(dir);
}

typedef struct seen_passes {
  char names[16][32];
  unsigned n;
  bool loops_after_lowering;
} seen_passes;

static void on_ir(void *user, const char *pass, const char *ir) {
  seen_passes *s = user;
  if (s->n < 16) snprintf(s->names[s->n++], sizeof s->names[0], "%s", pass);
  if (!strcmp(pass, "lower-to-loops")) s->loops_after_lowering = strstr(ir, "loop.") != NULL;
}

Test(capi, print_ir_after_all_to_callback_and_file) {
  seen_passes s = {0};
  strata_error *err = NULL;
  strata_options o = {.print_ir_after_all = true, .ir_callback = on_ir, .ir_callback_user = &s};
  strata_model *m = strata_compile_buffer(tiny, sizeof tiny - 1, &o, &err);
  cr_assert_not_null(m, "%s", strata_error_message(err));
  strata_model_destroy(m);
  /* The default pipeline, one call per pass. */
  cr_assert_eq(s.n, 6);
  cr_assert_str_eq(s.names[0], "canonicalize");
  cr_assert_str_eq(s.names[5], "memplan");
  cr_assert(s.loops_after_lowering);

  FILE *f = tmpfile();
  cr_assert_not_null(f);
  o = (strata_options){.pipeline = "lower-to-loops", .print_ir_after_all = true, .ir_out = f};
  m = strata_compile_buffer(tiny, sizeof tiny - 1, &o, &err);
  cr_assert_not_null(m, "%s", strata_error_message(err));
  check_tiny(m);
  strata_model_destroy(m);
  char text[8192] = {0};
  rewind(f);
  cr_assert(fread(text, 1, sizeof text - 1, f) > 0);
  fclose(f);
  cr_assert_not_null(strstr(text, "IR Dump After lower-to-loops"), "%s", text);
  cr_assert_null(strstr(text, "IR Dump After canonicalize"));
}

Test(capi, bad_pipeline_is_an_error) {
  strata_error *err = NULL;
  strata_options o = {.pipeline = "canonicalize,no-such-pass"};
  cr_assert_null(strata_compile_buffer(tiny, sizeof tiny - 1, &o, &err));
  cr_assert_not_null(strstr(strata_error_message(err), "unknown pass 'no-such-pass'"), "%s", strata_error_message(err));
  strata_error_free(err);
  /* A pipeline that stops above the loops cannot be compiled: an error, not a crash. */
  o.pipeline = "canonicalize";
  cr_assert_null(strata_compile_buffer(tiny, sizeof tiny - 1, &o, &err));
  cr_assert(strlen(strata_error_message(err)) > 0);
  strata_error_free(err);
  o = (strata_options){.dump_dir = "/dev/null/dumps"} /* under a file: cannot be created */;
  cr_assert_null(strata_compile_buffer(tiny, sizeof tiny - 1, &o, &err));
  cr_assert_not_null(strstr(strata_error_message(err), "dump directory"), "%s", strata_error_message(err));
  strata_error_free(err);
}
