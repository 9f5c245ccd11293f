/* Internal to the shape family of the graph dialect (graph_shape*.c): the
 * op definitions, the hooks defined across its files and the helpers they
 * share.
 *
 * Many of these ops take shapes, axes, pads or counts as operands; their
 * result types depend on those values, so type inference reads them from
 * constant operands, and the reference semantics read the same values from
 * the runtime tensors.  One reader serves both: given `in == NULL` it reads
 * the operand's constant, otherwise the tensor in[i]. */
#ifndef ST_IR_GRAPH_SHAPE_H
#define ST_IR_GRAPH_SHAPE_H

#include "ir/dialects/graph_impl.h"

enum { ST_SHAPE_MAX_INTS = 64 };

typedef struct st_shape_ints {
  unsigned n;
  int64_t v[ST_SHAPE_MAX_INTS];
} st_shape_ints;

/* The elements of operand i: in[i]'s data, or (in == NULL) the operand's
 * constant, whose splat stands for every element (read index 0 then). */
bool st_shape_operand_data(st_op *op, const st_tensor *in, unsigned i, const char *what, const st_type **type,
                           const void **data, bool *splat, st_diag *d);
/* Reads every element of operand i as an integer (floats truncate).  With
 * in == NULL the operand must be constant; `what` names it in diagnostics. */
bool st_shape_read_ints(st_op *op, const st_tensor *in, unsigned i, const char *what, st_shape_ints *out, st_diag *d);
/* Reads element k of operand i as a double (same sources as above). */
bool st_shape_read_f(st_op *op, const st_tensor *in, unsigned i, int64_t k, const char *what, double *out, st_diag *d);
/* Number of elements of operand i (static shape), or -1. */
int64_t st_shape_operand_elems(const st_op *op, unsigned i);
/* Fails with "'graph.x' op needs a static shape" unless operand i is static. */
bool st_shape_expect_static(st_op *op, unsigned i, st_diag *d);
/* The scalar type for an ONNX TensorProto data type number, or NULL. */
/* Orders two elements of one scalar type: <0, 0, >0 (floats by value with
 * NaN above everything, unsigned types as unsigned). */
int st_shape_compare(const st_type *elem, const void *a, int64_t i, const void *b, int64_t j);

/* The fold hook of ops whose result follows from their (single) operand's
 * static type alone (shape, size, eye_like): runs the interpret hook
 * without operand data. */
bool st_shape_fold_from_types(st_op *op, const st_attr *const *consts, st_fold_result *out);

/* graph_shape.c: shape queries and movement */
extern const st_op_def st_graph_shape_def, st_graph_size_def, st_graph_concat_def, st_graph_unsqueeze_def,
    st_graph_squeeze_def, st_graph_flatten_def, st_graph_slice_def, st_graph_expand_def,
    st_graph_constant_of_shape_def, st_graph_range_def, st_graph_tile_def;
/* graph_shape_region.c: split, pad, crop, triangles, blocks */
extern const st_op_def st_graph_split_def, st_graph_pad_def, st_graph_trilu_def, st_graph_depth_to_space_def,
    st_graph_space_to_depth_def, st_graph_eye_like_def, st_graph_center_crop_pad_def;
/* graph_shape_index.c: ops that index with data (gather, scatter, one-hot,
 * cumulative, compress, non-zero) */
extern const st_op_def st_graph_gather_def, st_graph_gather_elements_def, st_graph_gather_nd_def,
    st_graph_scatter_nd_def, st_graph_scatter_elements_def, st_graph_one_hot_def, st_graph_cum_sum_def,
    st_graph_cum_prod_def, st_graph_reverse_sequence_def, st_graph_compress_def, st_graph_non_zero_def;
/* graph_shape_sort.c */
extern const st_op_def st_graph_top_k_def, st_graph_arg_max_def, st_graph_arg_min_def;
/* graph_shape_resize.c */
extern const st_op_def st_graph_resize_def;

/* graph_shape_interp.c: reference semantics of the graph_shape.c and
 * graph_shape_region.c ops */
bool st_shape_interp_shape(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_shape_interp_size(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_shape_interp_concat(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_shape_interp_copy(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_shape_interp_slice(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_shape_interp_expand(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_shape_interp_constant_of_shape(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_shape_interp_range(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_shape_interp_tile(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_shape_interp_split(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_shape_interp_pad(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_shape_interp_trilu(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_shape_interp_depth_to_space(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_shape_interp_space_to_depth(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_shape_interp_eye_like(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);
bool st_shape_interp_center_crop_pad(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d);

/* Plans shared by type inference and interpretation (graph_shape.c,
 * graph_shape_region.c). */
typedef struct st_slice_plan {
  unsigned rank;
  int64_t start[ST_MAX_RANK], step[ST_MAX_RANK];
  st_dim count[ST_MAX_RANK];
} st_slice_plan;
bool st_shape_slice_plan(st_op *op, const st_tensor *in, st_slice_plan *p, st_diag *d);

/* Per-dim begin pads and result dims of graph.pad / graph.center_crop_pad
 * (a negative begin pad crops). */
typedef struct st_pad_plan {
  unsigned rank;
  int64_t begin[ST_MAX_RANK];
  st_dim dims[ST_MAX_RANK];
} st_pad_plan;
bool st_shape_pad_plan(st_op *op, const st_tensor *in, st_pad_plan *p, st_diag *d);
bool st_shape_crop_pad_plan(st_op *op, const st_tensor *in, st_pad_plan *p, st_diag *d);
/* Sizes along the axis of each result of graph.split. */
bool st_shape_split_plan(st_op *op, const st_tensor *in, int64_t *axis, st_shape_ints *sizes, st_diag *d);
/* Number of elements of graph.range. */
bool st_shape_range_count(st_op *op, const st_tensor *in, int64_t *count, st_diag *d);

#endif
