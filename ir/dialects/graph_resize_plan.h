/* graph.resize's plan and 1-D coefficients, shared by its interpreter
 * (graph_shape_resize.c) and its lower hook (graph_lower_resize.c), so both
 * build the same taps bit for bit.
 *
 * The plan is the result shape and, per dim, the scale and roi taken from
 * the (roi?, scales?, sizes?) operands; the config is the op's attributes;
 * the taps of one dim map an output coordinate to a few input positions and
 * weights, built the way the ONNX reference builds its 1-D coefficients
 * (edge-clamped neighbours, a ratio of 1 rather than 0 on integer
 * coordinates). */
#ifndef ST_IR_GRAPH_RESIZE_PLAN_H
#define ST_IR_GRAPH_RESIZE_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/dialects/graph_impl.h"

typedef struct st_resize_plan {
  unsigned rank;
  st_dim out[ST_MAX_RANK];
  double scale[ST_MAX_RANK], roi_lo[ST_MAX_RANK], roi_hi[ST_MAX_RANK];
} st_resize_plan;

typedef enum st_resize_mode { ST_RS_NEAREST, ST_RS_LINEAR, ST_RS_CUBIC } st_resize_mode;

typedef struct st_resize_cfg {
  st_resize_mode mode;
  const char *coord, *nearest;
  double a, extrapolation;
  bool antialias, exclude_outside;
} st_resize_cfg;

/* The taps of one dim: for output coordinate o, cnt[o] (index, weight) pairs
 * from o * width, or cnt[o] == -1 when it extrapolates. */
typedef struct st_resize_taps {
  int64_t width, *cnt, *idx;
  double *w;
} st_resize_taps;

/* Builds the plan from operand 0's static shape and the roi / scales / sizes
 * read through st_shape_read_f (in == NULL: the operands' constants).  With
 * `report` a bad operand count, value or keep_aspect_ratio_policy is
 * diagnosed; without, only the readers' own diagnostics reach d. */
bool st_resize_make_plan(st_op *op, const st_tensor *in, bool report, st_resize_plan *p, st_diag *d);
/* The config from the op's attributes, with the ONNX defaults. */
void st_resize_make_cfg(st_op *op, st_resize_cfg *c);
/* One dim's taps; false when out of memory or the scale is too small for
 * antialiasing.  The caller frees t's arrays (st_resize_taps_free) either
 * way; t must start zeroed. */
bool st_resize_make_taps(const st_resize_cfg *c, double scale, int64_t len_in, int64_t len_out, double lo, double hi,
                         st_resize_taps *t);
void st_resize_taps_free(st_resize_taps *t);

#endif
