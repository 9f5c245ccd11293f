// Every opcode and operand form survives asm -> disasm -> asm unchanged, and
// the disassembly is readable: defaults are omitted, enums and buffers named.
//
// RUN: strata snpu asm %s -o %t.snpu
// RUN: strata snpu disasm %t.snpu -o %t.dis.s
// RUN: FileCheck %s < %t.dis.s
// RUN: strata snpu asm %t.dis.s -o %t.re.snpu
// RUN: cmp %t.snpu %t.re.snpu
//
// CHECK: // SNPU program: 12 instructions, 4 buffers, 12 bytes of constants
// CHECK-NEXT: .config name=snpu32 dim=32 sp_bytes=1048576 acc_bytes=262144 dram_bw=32 dma_latency=64 clock_mhz=1000
// CHECK-NEXT: .buffer in 4096 input
// CHECK-NEXT: .buffer out 4096 output
// CHECK-NEXT: .const w i8 -128, 127, 0, 5
// CHECK-NEXT: .const b i8 0, 0, 0, -128, 7, 0, 0, 0
// CHECK-NEXT: sync queue=compute push_prev  // 0
// CHECK-NEXT: load mem=sp row=7 buf=in off=3 ysize=2 xsize=3 ystride=100 xstride=9 cols=5 pad_top=1 pad_bottom=2 pad_left=3 pad_right=4 pop_next push_next  // 1
// CHECK-NEXT: load mem=acc row=1 buf=b cols=2  // 2
// CHECK-NEXT: gemm preload wgt=32 inp=3 acc=2 outer=2 inner=3 inp_so=8 inp_si=2 acc_so=5 acc_si=1 pop_prev  // 3
// CHECK-NEXT: alu op=clip use_imm dst=4 imm=-5:99 outer=3 inner=2 dst_so=2 dst_si=1  // 4
// CHECK-NEXT: alu op=shr dst=1 src=2 outer=2 src_so=1 push_next  // 5
// CHECK-NEXT: alu op=add use_imm imm=-2147483648  // 6
// CHECK-NEXT: store mem=acc out=i8 buf=out off=10 ysize=4 ystride=32 cols=3 requant param=100 lo=-3 hi=100 pop_prev  // 7
// CHECK-NEXT: store mem=acc out=i32 buf=out off=128  // 8
// CHECK-NEXT: store mem=sp out=i8 buf=out cols=1  // 9
// CHECK-NEXT: sync queue=store  // 10
// CHECK-NEXT: halt  // 11

.config snpu32
.buffer in 4096 input
.buffer out 4096 output
.const w i8 -128, 127, 0, 5
.const b i32 -2147483648, 7      # two int32 words, stored little-endian
sync queue=compute push_prev
load mem=sp row=7 buf=in off=3 ysize=2 xsize=3 ystride=100 xstride=9 cols=5, pad_top=1 pad_bottom=2 pad_left=3 pad_right=4 pop_next push_next
load mem=acc row=1 buf=b cols=2 ; the row is written back as row=1
gemm preload wgt=32 inp=3 acc=2 outer=2 inner=3 inp_so=8 inp_si=2 acc_so=5 acc_si=1 pop_prev
alu op=clip use_imm imm=-5:99 dst=4 outer=3 inner=2 dst_so=2 dst_si=1
alu op=shr dst=1 src=2 src_so=1 outer=2 push_next
alu op=add use_imm imm=-2147483648 dst=0
store mem=acc out=i8 row=0 buf=out off=10 ysize=4 ystride=32 cols=3 requant param=100 lo=-3 hi=100 pop_prev
store mem=acc out=i32 buf=out off=128
store mem=sp buf=out cols=1
sync queue=store
halt
