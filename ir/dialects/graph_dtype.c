/* The ONNX data type table; see graph_dtype.h. */
#include "ir/dialects/graph_dtype.h"

#include <string.h>

typedef struct st_dtype_row {
  int64_t code;
  const char *name, *enum_name;
  st_type_kind kind; /* ST_TY_NONE: Strata has no such element type */
} st_dtype_row;

static const st_dtype_row st_dtypes[] = {
    {1, "float32", "FLOAT", ST_TY_F32},          {2, "uint8", "UINT8", ST_TY_U8},
    {3, "int8", "INT8", ST_TY_I8},               {4, "uint16", "UINT16", ST_TY_U16},
    {5, "int16", "INT16", ST_TY_I16},            {6, "int32", "INT32", ST_TY_I32},
    {7, "int64", "INT64", ST_TY_I64},            {8, "string", "STRING", ST_TY_NONE},
    {9, "bool", "BOOL", ST_TY_I1},               {10, "float16", "FLOAT16", ST_TY_F16},
    {11, "float64", "DOUBLE", ST_TY_F64},        {12, "uint32", "UINT32", ST_TY_U32},
    {13, "uint64", "UINT64", ST_TY_U64},         {14, "complex64", "COMPLEX64", ST_TY_NONE},
    {15, "complex128", "COMPLEX128", ST_TY_NONE}, {16, "bfloat16", "BFLOAT16", ST_TY_BF16},
    {17, "float8e4m3fn", "FLOAT8E4M3FN", ST_TY_F8E4M3FN},
    {18, "float8e4m3fnuz", "FLOAT8E4M3FNUZ", ST_TY_F8E4M3FNUZ},
    {19, "float8e5m2", "FLOAT8E5M2", ST_TY_F8E5M2},
    {20, "float8e5m2fnuz", "FLOAT8E5M2FNUZ", ST_TY_F8E5M2FNUZ},
    {21, "uint4", "UINT4", ST_TY_U4},            {22, "int4", "INT4", ST_TY_I4},
    {23, "float4e2m1", "FLOAT4E2M1", ST_TY_F4E2M1FN},
    {24, "float8e8m0", "FLOAT8E8M0", ST_TY_F8E8M0FNU},
    {25, "uint2", "UINT2", ST_TY_U2},            {26, "int2", "INT2", ST_TY_I2},
};

static const st_dtype_row *st_dtype_find(int64_t code) {
  for (size_t i = 0; i < sizeof st_dtypes / sizeof *st_dtypes; i++)
    if (st_dtypes[i].code == code) return &st_dtypes[i];
  return NULL;
}

const st_type *st_graph_dtype_type(st_context *ctx, int64_t code) {
  const st_dtype_row *r = st_dtype_find(code);
  return r && r->kind != ST_TY_NONE ? st_type_scalar(ctx, r->kind) : NULL;
}

int64_t st_graph_dtype_code(const st_type *elem) {
  for (size_t i = 0; i < sizeof st_dtypes / sizeof *st_dtypes; i++)
    if (st_dtypes[i].kind == elem->kind && st_dtypes[i].kind != ST_TY_NONE) return st_dtypes[i].code;
  return 0;
}

const char *st_graph_dtype_name(int64_t code) {
  const st_dtype_row *r = st_dtype_find(code);
  return r ? r->name : "undefined";
}

int64_t st_graph_dtype_by_enum_name(const char *name) {
  for (size_t i = 0; i < sizeof st_dtypes / sizeof *st_dtypes; i++)
    if (strcmp(st_dtypes[i].enum_name, name) == 0) return st_dtypes[i].code;
  return 0;
}
