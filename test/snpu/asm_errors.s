// Assembly errors carry file:line:col and say what was expected; the
// assembler reports every bad line, not just the first.
//
// RUN: not strata snpu asm %s -o %t.snpu 2>&1 | FileCheck %s
// CHECK: asm_errors.s:[[@LINE+8]]:1: error: unknown instruction or directive 'lod'
// CHECK: asm_errors.s:[[@LINE+8]]:12: error: unknown operand 'rows'
// CHECK: asm_errors.s:[[@LINE+8]]:17: error: unknown buffer 'Z' (declare it first)
// CHECK: asm_errors.s:[[@LINE+8]]:10: error: value '70000' does not fit the field
// CHECK: asm_errors.s:[[@LINE+8]]:8: error: unknown value 'div'
// CHECK: asm_errors.s:[[@LINE+8]]:14: error: 'accum' is a flag and takes no value
// CHECK: asm_errors.s:[[@LINE+9]]:1: error: .config must come before the first instruction
.buffer X 64 input
lod buf=X
load buf=X rows=2
load mem=sp buf=Z
gemm inp=70000
alu op=div dst=0
gemm preload accum=1
sync queue=load
.config snpu32
halt
