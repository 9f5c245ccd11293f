// A program whose queues wait on each other: compute waits for a token the
// store queue pushes only after it has received one from compute.  The
// verifier rejects it when assembling, and again when a .snpu file built
// without verification is loaded by the simulator.
//
// RUN: not strata snpu asm %s -o %t.snpu 2>&1 | FileCheck %s --check-prefix=ASM
// RUN: strata snpu asm --no-verify %s -o %t.snpu
// RUN: not strata snpu sim %t.snpu 2>&1 | FileCheck %s --check-prefix=SIM
// RUN: not strata snpu disasm %t.snpu 2>&1 | FileCheck %s --check-prefix=SIM
// RUN: strata snpu disasm --no-verify %t.snpu | FileCheck %s --check-prefix=DIS
//
// SIM: error: instruction 2 (GEMM): deadlock: waits for a store->compute token that is never pushed; the store queue which is itself blocked at instruction 4
// SIM-NOT: error
// DIS: gemm preload wgt=16 outer=1 inner=16 inp_si=1 acc_si=1 pop_prev pop_next push_next  // 2
// DIS: store mem=acc out=i8 buf=Y ysize=16 pop_prev push_prev  // 4

.config snpu16
.buffer X 256 input
.buffer Y 256 output
load mem=sp row=0 buf=X ysize=16 push_next
load mem=sp row=16 buf=X ysize=16
// The GEMM pops store->compute before anything was pushed on that channel,
// and the only STORE that could push it first waits for this GEMM.
// ASM: deadlock.s:[[@LINE+1]]:1: error: instruction 2 (GEMM): deadlock: waits for a store->compute token that is never pushed; the store queue which is itself blocked at instruction 4
gemm preload wgt=16 inp=0 acc=0 outer=1 inner=16 inp_si=1 acc_si=1 pop_prev pop_next push_next
alu op=max dst=0 use_imm imm=0 inner=16 dst_si=1
store mem=acc out=i8 row=0 buf=Y ysize=16 pop_prev push_prev
halt
