/* ONNX data type numbers (TensorProto.DataType) as the graph dialect uses
 * them: graph ops mirror ONNX, so attributes such as Cast's `to`,
 * ConstantOfShape's value type or QuantizeLinear's `output_dtype` hold these
 * numbers.  This is the one table mapping them to Strata scalar types; the
 * ONNX frontend uses it too. */
#ifndef ST_IR_GRAPH_DTYPE_H
#define ST_IR_GRAPH_DTYPE_H

#include <stdint.h>

#include "ir/type.h"

/* The scalar type of data type `code`, or NULL when Strata has none
 * (strings, complex numbers, unknown numbers). */
const st_type *st_graph_dtype_type(st_context *ctx, int64_t code);
/* The data type number of a scalar type, 0 when ONNX has none (index, none). */
int64_t st_graph_dtype_code(const st_type *elem);
/* "float32", "int4", ... ("undefined" for unknown numbers). */
const char *st_graph_dtype_name(int64_t code);
/* The number for an upper-case TensorProto name ("FLOAT", "INT64": Cast-1
 * took names), 0 when unknown. */
int64_t st_graph_dtype_by_enum_name(const char *name);

#endif
