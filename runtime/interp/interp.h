/* The reference-interpreter executor: runs a function of a graph-dialect
 * module op by op through each op's interpret hook.
 *
 * Every result gets a buffer sized from its static type; graph.constant
 * values are read from their dense or resource attributes (splats expanded),
 * graph.none is an empty tensor.  An intermediate is freed once its last use
 * has run, so peak memory follows liveness, not model size.  It is the
 * oracle other backends are checked against, so it favours plain code. */
#ifndef ST_RUNTIME_INTERP_H
#define ST_RUNTIME_INTERP_H

#include <stdbool.h>
#include <stdio.h>

#include "ir/dialect.h"
#include "runtime/rt/rt.h"

/* Runs func `func` (NULL = "main") on inputs whose types must equal the
 * function's argument types.  On success *outputs is a malloc'd array of
 * *num_outputs tensors owning malloc'd data (free with st_interp_free). */
bool st_interp_run(st_module *m, const char *func, unsigned num_inputs, const st_tensor *inputs,
                   unsigned *num_outputs, st_tensor **outputs, st_diag *d);
void st_interp_free(st_tensor *tensors, unsigned n);
/* Allocates zeroed data for a static tensor type; false if the type is not
 * static or memory runs out. */
bool st_interp_alloc(st_tensor *t, const st_type *type);

/* ---- comparing results (interp_compare.c) ---- */
typedef struct st_interp_cmp {
  bool type_ok;        /* same element type and shape */
  double max_abs, max_rel;
  int64_t num_bad;     /* elements outside the tolerance */
  int64_t first_bad;   /* index of the first, or -1 */
} st_interp_cmp;
/* The ONNX test runner's rule: |a - e| <= atol + rtol * |e| element-wise,
 * NaN equals NaN, infinities must match in sign; types must match exactly.
 * Returns whether `actual` passes. */
bool st_interp_compare(const st_tensor *actual, const st_tensor *expected, double rtol, double atol,
                       st_interp_cmp *out);
/* Prints up to `max` elements of t as "[1, 2, 3, ...]". */
void st_interp_print_values(FILE *out, const st_tensor *t, int64_t max);

/* ---- the runtime's tensors (interp_rt.c; runtime/rt does the file
 * formats and the comparison for every runner) ---- */
/* The element type of a runtime dtype (NULL for ST_RT_UNKNOWN), and back. */
const st_type *st_interp_rt_elem(st_context *ctx, st_rt_dtype t);
st_rt_dtype st_interp_rt_dtype(const st_type *elem);
/* Moves rt's data into out (rt is left empty). */
bool st_interp_from_rt(st_context *ctx, st_rt_tensor *rt, st_tensor *out, st_diag *d);
/* A view of t (data borrowed); dtype ST_RT_UNKNOWN when rt cannot hold it. */
st_rt_tensor st_interp_to_rt(const st_tensor *t);

/* ---- .npy files ---- */
bool st_interp_npy_read(st_context *ctx, const char *path, st_tensor *out, st_diag *d);
bool st_interp_npy_write(const st_tensor *t, const char *path, st_diag *d);

#endif
