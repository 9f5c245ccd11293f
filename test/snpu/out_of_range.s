// Accesses outside the machine's memories are rejected with the index of the
// offending instruction, both by the assembler and by the loader in `sim`.
//
// RUN: not strata snpu asm %s -o %t.snpu 2>&1 | FileCheck %s --check-prefix=ASM
// RUN: strata snpu asm --no-verify %s -o %t.snpu
// RUN: not strata snpu sim %t.snpu 2>&1 | FileCheck %s
//
// ASM: out_of_range.s:[[@LINE+12]]:1: error: instruction 1 (GEMM): accumulator rows 1015..1030 out of range (1024)
// CHECK: error: instruction 1 (GEMM): accumulator rows 1015..1030 out of range (1024)
// CHECK: error: instruction 2 (LOAD): DRAM bytes 200..263 of buffer 'X' out of range (256)
// CHECK: error: instruction 3 (STORE): scratchpad rows 16380..16387 out of range (16384)
// CHECK: error: instruction 4 (STORE): writes to input buffer 'X'
// CHECK: error: instruction 5 (ALU): accumulator rows 0..1274 out of range (1024)
// CHECK-NOT: error

.config snpu16
.buffer X 256 input
.buffer Y 256 output
load buf=X ysize=16 push_next
gemm preload inp=0 acc=1015 outer=1 inner=16 inp_si=1 acc_si=1 pop_prev
load mem=acc buf=X off=200
store mem=sp row=16380 buf=Y ysize=8 cols=1
store mem=sp buf=X
alu op=add dst=0 use_imm imm=1 outer=5 inner=255 dst_so=255 dst_si=1
halt
