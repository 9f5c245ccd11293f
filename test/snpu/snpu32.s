// The same program text runs on the 32x32 configuration: rows are 32 lanes,
// the array drains in 2*32-1 cycles, a GEMM row is 1024 MACs.
//
// RUN: strata snpu asm --config snpu32 %s -o %t.snpu
// RUN: head -c 2048 /dev/zero > %t.A && head -c 1024 /dev/zero > %t.B
// RUN: strata snpu sim %t.snpu --bind A=%t.A --bind B=%t.B | FileCheck %s
// RUN: strata snpu disasm %t.snpu | FileCheck %s --check-prefix=DIS
// RUN: not strata snpu sim %t.snpu --config snpu16 --bind A=%t.A --bind B=%t.B 2>&1 | FileCheck %s --check-prefix=DIM
//
// load A 128 (64 + 2048/32), load B 96 (64 + 1024/32), gemm 159 (32 + 64 + 63),
// store 128 (64 + 2048/32), one after another: 511 cycles.
// CHECK: cycles: 511
// CHECK: time: 0.511 us at 1000 MHz
// CHECK: macs: 65536
// CHECK: mac utilisation: 12.52%
// CHECK: dma bytes: load 3072 store 2048
// DIS: .config name=snpu32 dim=32 sp_bytes=1048576 acc_bytes=262144 dram_bw=32 dma_latency=64 clock_mhz=1000
// DIM: error: program was built for dim=32 but the configuration 'snpu16' has dim=16

.config snpu16                     // replaced by --config snpu32 on the command line
.buffer A 2048 input               // int8 [64][32]
.buffer B 1024 input               // int8 [32][32]
.buffer C 2048 output              // int8 [64][32]
load mem=sp row=0 buf=A ysize=64 ystride=32
load mem=sp row=64 buf=B ysize=32 ystride=32 push_next
gemm preload wgt=64 inp=0 acc=0 outer=1 inner=64 inp_si=1 acc_si=1 pop_prev push_next
store mem=acc buf=C ysize=64 ystride=32 pop_prev
halt
