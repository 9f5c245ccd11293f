/* The extra op family of the graph dialect: ONNX operators that belong to
 * no larger family (BitCast, TensorScatter, TfIdfVectorizer, Unique) and the
 * recurrent and flexible attention ops of recent opsets (LinearAttention,
 * CausalConvWithState, the two halves of FlexAttention).  Its op
 * definitions live in graph_extra*.c; this header names them for the ONNX
 * mapping rows (frontend/onnx/map_extra.c). */
#ifndef ST_IR_GRAPH_EXTRA_H
#define ST_IR_GRAPH_EXTRA_H

#include "ir/dialects/graph_impl.h"

/* graph_extra.c */
extern const st_op_def st_graph_bitcast_def, st_graph_tensor_scatter_def, st_graph_tfidf_vectorizer_def;
/* graph_extra_unique.c: result shapes depend on the data, so the op carries
 * them (see the file's opening comment). */
extern const st_op_def st_graph_unique_def;
/* graph_extra_attn.c */
extern const st_op_def st_graph_linear_attention_def, st_graph_causal_conv_with_state_def,
    st_graph_flex_scores_def, st_graph_flex_apply_def;

/* The number of distinct slices of x along `axis` (-1: of its elements),
 * for callers that must size Unique's results from a constant x. */
int64_t st_graph_unique_count(const st_tensor *x, bool has_axis, unsigned axis);

#endif
