/* Internal to the graph dialect: hooks defined across graph*.c files and the
 * helpers they share. */
#ifndef ST_IR_GRAPH_IMPL_H
#define ST_IR_GRAPH_IMPL_H

#include "ir/dialect.h"

enum { ST_MAX_RANK = 8 };

typedef struct st_conv_geom {
  unsigned spatial;
  int64_t group;
  int64_t strides[ST_MAX_RANK], dilations[ST_MAX_RANK], pads[2 * ST_MAX_RANK];
} st_conv_geom;

/* ---- helpers shared by the op families ---- */
/* "'graph.x' op WHAT, got TYPE" */
bool st_graph_type_error(st_op *op, st_diag *d, const char *what, const st_type *t);
/* Checks that operand i exists and is a tensor (diagnostic otherwise). */
bool st_graph_expect_tensor(st_op *op, unsigned i, st_diag *d);
/* Reads int-array attribute `name` of exactly n entries into out (dflt for
 * each entry when absent).  false + diagnostic when malformed. */
bool st_graph_int_array(st_op *op, const char *name, unsigned n, int64_t dflt, int64_t *out, st_diag *d);
/* Element strides of tensor type t seen from an output of `rank` dims
 * under numpy broadcasting (0 for broadcast dims). */
void st_graph_bcast_strides(const st_type *t, unsigned rank, const st_dim *out_dims, int64_t *strides);
/* Advances a row-major multi-index; false when it wraps to all zeros. */
bool st_graph_next_index(unsigned rank, const st_dim *dims, int64_t *idx);
/* graph_util.c: */
/* True when operand i exists and is not an absent optional (graph.none). */
bool st_graph_has_operand(const st_op *op, unsigned i);
/* Checks that a variadic op has at least n operands (its infer hook reads
 * them before anything else); diagnostic otherwise. */
bool st_graph_min_operands(st_op *op, unsigned n, st_diag *d);
/* Normalises an axis in [-rank, rank) to [0, rank); diagnostic naming the op otherwise. */
bool st_graph_axis(st_op *op, int64_t axis, unsigned rank, int64_t *out, st_diag *d);
/* Product of dims[lo..hi). */
int64_t st_graph_prod(const st_dim *dims, unsigned lo, unsigned hi);
/* Views tensor type t as outer x dim x inner around `axis` (dim = dims[axis]). */
void st_graph_split_at(const st_type *t, unsigned axis, int64_t *outer, int64_t *dim, int64_t *inner);
/* Row-major element strides of dims. */
void st_graph_strides(unsigned rank, const st_dim *dims, int64_t *strides);
/* Reports "'graph.x' op out of memory" and returns false. */
bool st_graph_oom(st_op *op, st_diag *d);
/* A zeroed double scratch buffer of n entries (free with free()); NULL + diagnostic on failure. */
double *st_graph_scratch(st_op *op, int64_t n, st_diag *d);
bool st_broadcast_dims(unsigned ra, const st_dim *a, unsigned rb, const st_dim *b, unsigned *rank, st_dim *out);
bool st_conv_params(st_op *op, st_conv_geom *g, st_diag *d);
/* Reads group, strides, dilations and pads (ONNX defaults) for `spatial`
 * dims into g, without validating them; convolution-like ops whose weight
 * is not operand 1 (QLinearConv) share it. */
bool st_conv_read_attrs(st_op *op, unsigned spatial, st_conv_geom *g, st_diag *d);
/* The auto_pad attribute of conv- and pool-like ops; -1 (after a
 * diagnostic) for an unknown value. */
enum { ST_AUTO_PAD_NOTSET = 0, ST_AUTO_PAD_SAME_UPPER = 1, ST_AUTO_PAD_SAME_LOWER = 2, ST_AUTO_PAD_VALID = 3 };
int st_graph_auto_pad(st_op *op, st_diag *d);
bool st_transpose_perm(st_op *op, int64_t *perm, st_diag *d);

/* graph_fold.c */
bool st_graph_fold_add(st_op *op, const st_attr *const *consts, st_fold_result *out);
bool st_graph_fold_sub(st_op *op, const st_attr *const *consts, st_fold_result *out);
bool st_graph_fold_mul(st_op *op, const st_attr *const *consts, st_fold_result *out);
bool st_graph_fold_div(st_op *op, const st_attr *const *consts, st_fold_result *out);
bool st_graph_canonicalize_reshape(st_op *op, st_rewriter *rw);
bool st_graph_canonicalize_transpose(st_op *op, st_rewriter *rw);
/* graph_fold_bn.c: inference BatchNormalization into the convolution before it */
bool st_graph_canonicalize_batch_norm(st_op *op, st_rewriter *rw);

/* graph_interp.c */
bool st_graph_interp_binary(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_graph_interp_relu(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_graph_interp_copy(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_graph_interp_transpose(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_graph_interp_matmul(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_graph_interp_gemm(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_graph_interp_conv(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);

#endif
