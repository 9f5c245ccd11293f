/* The dialects Strata defines, and the op definitions other layers name.
 * Each dialect's file holds its table; ir/dialect.c lists the dialects. */
#ifndef ST_IR_DIALECTS_H
#define ST_IR_DIALECTS_H

#include "ir/dialect.h"

extern const st_dialect st_builtin_dialect;
extern const st_dialect st_func_dialect;
extern const st_dialect st_graph_dialect;
extern const st_dialect st_kernel_dialect;
extern const st_dialect st_loop_dialect;
extern const st_dialect st_arith_dialect;
extern const st_dialect st_mem_dialect;

/* graph: value-semantics tensor ops (one per ONNX operator family) */
extern const st_op_def st_graph_none_def, st_graph_constant_def, st_graph_add_def, st_graph_sub_def, st_graph_mul_def,
    st_graph_div_def, st_graph_relu_def, st_graph_matmul_def, st_graph_gemm_def, st_graph_conv_def,
    st_graph_reshape_def, st_graph_transpose_def;
/* kernel: one fused region = one launch */
extern const st_op_def st_kernel_fused_def, st_kernel_yield_def;
/* loop / arith / mem: loops over buffers */
extern const st_op_def st_loop_for_def, st_loop_parallel_def, st_loop_yield_def;
extern const st_op_def st_loop_if_def, st_loop_while_def, st_loop_condition_def;
extern const st_op_def st_arith_constant_def, st_arith_addf_def, st_arith_subf_def, st_arith_mulf_def,
    st_arith_divf_def, st_arith_maxf_def, st_arith_addi_def, st_arith_muli_def, st_arith_subi_def,
    st_arith_divsi_def, st_arith_divui_def, st_arith_remsi_def, st_arith_remui_def, st_arith_shli_def,
    st_arith_shrui_def, st_arith_andi_def, st_arith_cmpf_def, st_arith_cmpi_def, st_arith_select_def, st_arith_splat_def,
    st_arith_expf_def, st_arith_ori_def, st_arith_xori_def, st_arith_math_def, st_arith_cast_def;
/* The arity of arith.math's function `fn`; false when it is not one. */
bool st_arith_math_arity(const char *fn, unsigned *arity);
extern const st_op_def st_mem_alloc_def, st_mem_load_def, st_mem_store_def, st_mem_alloca_def,
    st_mem_constant_def, st_mem_view_def;

#endif
