/* SNPU semantics tests: each instruction's effect on memory, bit for bit,
 * including saturation and rounding edge cases, and the timing formulas of
 * docs/snpu-isa.md for single instructions and token waits. */
#include "test/snpu/snpu_test_util.h"

/* ---- arithmetic helpers ---------------------------------------------- */

Test(snpu_sem, round_shift_ties_go_up) {
  cr_assert_eq(st_snpu_round_shift(5, 1), 3);   /* 2.5 -> 3 */
  cr_assert_eq(st_snpu_round_shift(-5, 1), -2); /* -2.5 -> -2 */
  cr_assert_eq(st_snpu_round_shift(-3, 1), -1); /* -1.5 -> -1 */
  cr_assert_eq(st_snpu_round_shift(-1, 1), 0);  /* -0.5 -> 0 */
  cr_assert_eq(st_snpu_round_shift(-6, 2), -1); /* -1.5 -> -1 */
  cr_assert_eq(st_snpu_round_shift(-7, 2), -2); /* -1.75 -> -2 */
  cr_assert_eq(st_snpu_round_shift(7, 0), 7);
  cr_assert_eq(st_snpu_round_shift(7, -4), 7, "negative shift clamps to 0");
  cr_assert_eq(st_snpu_round_shift(INT32_MAX, 31), 1);
  cr_assert_eq(st_snpu_round_shift(INT32_MIN, 31), -1);
  cr_assert_eq(st_snpu_round_shift(INT32_MAX, 99), 1, "shift clamps to 31");
  cr_assert_eq(st_snpu_round_shift(INT32_MAX, 1), 1073741824, "no overflow in the rounding add");
}

Test(snpu_sem, requant_rounding_and_saturation) {
  int32_t half = 1 << 30; /* multiplier 0.5 in Q31 */
  cr_assert_eq(st_snpu_requant(3, half, 0), 2);   /* 1.5 -> 2 */
  cr_assert_eq(st_snpu_requant(-3, half, 0), -1); /* -1.5 -> -1 */
  cr_assert_eq(st_snpu_requant(100, half, 2), 13); /* 12.5 -> 13 */
  cr_assert_eq(st_snpu_requant(-100, half, 2), -12);
  cr_assert_eq(st_snpu_requant(INT32_MIN, INT32_MIN, 0), INT32_MAX, "(-1)*(-1) saturates");
  cr_assert_eq(st_snpu_requant(INT32_MAX, INT32_MAX, 0), INT32_MAX - 1);
  cr_assert_eq(st_snpu_requant(1000, -half, 0), -500, "negative multipliers work");
  cr_assert_eq(st_snpu_requant(1000, half, 40), 0, "shift clamps to 31");
  cr_assert_eq(st_snpu_epilogue(1000, true, half, 0, 10, -128, 127), 127);
  cr_assert_eq(st_snpu_epilogue(-1000, true, half, 0, 10, -128, 127), -128);
  cr_assert_eq(st_snpu_epilogue(-20, true, half, 0, -3, -3, 127), -3, "ReLU at the zero point");
  cr_assert_eq(st_snpu_epilogue(INT32_MIN, true, INT32_MIN, 0, INT32_MAX, -128, 127), 127, "zp add cannot wrap");
  cr_assert_eq(st_snpu_epilogue(300, false, 0, 0, 0, -128, 127), 127, "no requant: plain saturation");
  cr_assert_eq(st_snpu_epilogue(5, false, 0, 0, 0, 0, 6), 5);
  cr_assert_eq(st_snpu_epilogue(9, false, 0, 0, 0, 0, 6), 6, "ReLU6-style clip");
}

Test(snpu_sem, alu_lanes) {
  cr_assert_eq(st_snpu_alu_apply(ST_SNPU_ALU_ADD, INT32_MAX, 1), INT32_MAX);
  cr_assert_eq(st_snpu_alu_apply(ST_SNPU_ALU_ADD, INT32_MIN, -1), INT32_MIN);
  cr_assert_eq(st_snpu_alu_apply(ST_SNPU_ALU_SUB, INT32_MIN, 1), INT32_MIN);
  cr_assert_eq(st_snpu_alu_apply(ST_SNPU_ALU_SUB, 0, INT32_MIN), INT32_MAX);
  cr_assert_eq(st_snpu_alu_apply(ST_SNPU_ALU_MUL, 65536, 65536), INT32_MAX);
  cr_assert_eq(st_snpu_alu_apply(ST_SNPU_ALU_MUL, -65536, 65536), INT32_MIN);
  cr_assert_eq(st_snpu_alu_apply(ST_SNPU_ALU_MUL, -7, 6), -42);
  cr_assert_eq(st_snpu_alu_apply(ST_SNPU_ALU_MAX, -7, 6), 6);
  cr_assert_eq(st_snpu_alu_apply(ST_SNPU_ALU_MIN, -7, 6), -7);
  cr_assert_eq(st_snpu_alu_apply(ST_SNPU_ALU_SHR, -7, 1), -3);
  cr_assert_eq(st_snpu_alu_apply(ST_SNPU_ALU_MOV, -7, 6), 6);
  int32_t b = (int32_t)((uint32_t)100 << 16 | (uint16_t)-20); /* clip bounds -20:100 */
  cr_assert_eq(st_snpu_alu_apply(ST_SNPU_ALU_CLIP, -50, b), -20);
  cr_assert_eq(st_snpu_alu_apply(ST_SNPU_ALU_CLIP, 500, b), 100);
  cr_assert_eq(st_snpu_alu_apply(ST_SNPU_ALU_CLIP, 42, b), 42);
}

/* ---- instructions through the simulator -------------------------------- */

Test(snpu_sem, load_2d_strided_with_padding) {
  /* A 2x3 region of 2-byte pixels, padded by 1 on every side: 4x5 rows. */
  st_snpu_program p = st_test_asm(".config dim=4 sp_bytes=256 acc_bytes=256\n"
                                  ".buffer X 64 input\n.buffer Y 80 output\n"
                                  "load mem=sp row=1 buf=X off=1 ysize=2 xsize=3 ystride=10 xstride=3 cols=2 "
                                  "pad_top=1 pad_bottom=1 pad_left=1 pad_right=1 push_next\n"
                                  "sync queue=compute pop_prev push_next\n"
                                  "store mem=sp row=0 buf=Y ysize=20 ystride=4 cols=4 pop_prev\nhalt\n");
  uint8_t x[64];
  for (int i = 0; i < 64; i++) x[i] = (uint8_t)(i + 100);
  st_test_bind b[] = {{"X", x, 64}};
  st_snpu_machine *m = st_test_run(&p, b, 1, NULL);
  size_t n;
  const uint8_t *y = st_snpu_machine_buffer(m, "Y", &n);
  cr_assert_eq(n, 80u);
  /* Row 0 is untouched (zero), rows 1..20 are the padded image. */
  for (int r = 0; r < 20; r++) {
    int py = (r - 1) / 5, px = (r - 1) % 5;
    bool inside = r >= 1 && py >= 1 && py <= 2 && px >= 1 && px <= 3;
    for (int c = 0; c < 4; c++) {
      int want = 0;
      if (inside && c < 2) want = 100 + 1 + (py - 1) * 10 + (px - 1) * 3 + c;
      cr_assert_eq(y[r * 4 + c], want, "row %d lane %d", r, c);
    }
  }
  st_snpu_machine_free(m);
  st_snpu_program_free(&p);
}

Test(snpu_sem, load_acc_int32_and_broadcast) {
  st_snpu_program p = st_test_asm(".config dim=4 sp_bytes=256 acc_bytes=256\n"
                                  ".const bias i32 -1, 2147483647, -2147483648, 7\n"
                                  ".buffer Y 48 output\n"
                                  "load mem=acc row=0 buf=bias ysize=3 ystride=0 cols=3 push_next\n"
                                  "sync queue=compute pop_prev push_next\n"
                                  "store mem=acc out=i32 row=0 buf=Y ysize=3 ystride=16 pop_prev\nhalt\n");
  st_snpu_machine *m = st_test_run(&p, NULL, 0, NULL);
  const uint8_t *y = st_snpu_machine_buffer(m, "Y", NULL);
  for (int r = 0; r < 3; r++) {
    cr_assert_eq(st_test_i32(y + 16 * r + 0), -1);
    cr_assert_eq(st_test_i32(y + 16 * r + 4), INT32_MAX);
    cr_assert_eq(st_test_i32(y + 16 * r + 8), INT32_MIN);
    cr_assert_eq(st_test_i32(y + 16 * r + 12), 0, "lanes past cols are zeroed");
  }
  st_snpu_machine_free(m);
  st_snpu_program_free(&p);
}

/* GEMM on a 4x4 array: weights W (K x N) and inputs with -128 extremes, two
 * nested loops, overwrite then accumulate. */
Test(snpu_sem, gemm_loops_accumulate_and_extremes) {
  st_snpu_program p = st_test_asm(".config dim=4 sp_bytes=256 acc_bytes=512\n"
                                  ".buffer W 16 input\n.buffer A 24 input\n.buffer Y 96 output\n"
                                  "load mem=sp row=0 buf=W ysize=4 ystride=4 cols=4\n"
                                  "load mem=sp row=4 buf=A ysize=6 ystride=4 cols=4 push_next\n"
                                  /* rows: inp 4 + 3i + j, acc 10i + j, for i < 2, j < 3 */
                                  "gemm preload wgt=0 inp=4 acc=0 outer=2 inner=3 inp_so=3 inp_si=1 acc_so=10 "
                                  "acc_si=1 pop_prev\n"
                                  "gemm inp=4 acc=10 outer=1 inner=3 inp_si=1 acc_si=1 accum push_next\n"
                                  "store mem=acc out=i32 row=0 buf=Y ysize=3 ystride=16 pop_prev\n"
                                  "store mem=acc out=i32 row=10 buf=Y off=48 ysize=3 ystride=16\nhalt\n");
  int8_t w[16], a[24];
  for (int i = 0; i < 16; i++) w[i] = (int8_t)(i * 37 - 128);
  for (int i = 0; i < 24; i++) a[i] = (int8_t)(i % 3 == 0 ? -128 : i * 11 - 100);
  w[0] = -128;
  st_test_bind b[] = {{"W", w, 16}, {"A", a, 24}};
  st_snpu_stats st;
  st_snpu_machine *m = st_test_run(&p, b, 2, &st);
  const uint8_t *y = st_snpu_machine_buffer(m, "Y", NULL);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int n = 0; n < 4; n++) {
        int32_t want = 0;
        for (int k = 0; k < 4; k++) want += a[(3 * i + j) * 4 + k] * w[k * 4 + n];
        if (i == 1) { /* row 10+j: first pass wrote row i=1, then accumulated inputs j of i=0 */
          int32_t add = 0;
          for (int k = 0; k < 4; k++) add += a[j * 4 + k] * w[k * 4 + n];
          want += add;
        }
        cr_assert_eq(st_test_i32(y + 48 * i + 16 * j + 4 * n), want, "i %d j %d n %d", i, j, n);
      }
  cr_assert_eq(st.macs, 9u * 16u);
  st_snpu_machine_free(m);
  st_snpu_program_free(&p);
}

Test(snpu_sem, alu_register_and_immediate_forms) {
  st_snpu_program p = st_test_asm(".config dim=4 sp_bytes=256 acc_bytes=256\n"
                                  ".const X i32 2147483647, -2147483648, 5, -5, 1, 1, 1, 1\n"
                                  ".buffer Y 64 output\n"
                                  "load mem=acc row=0 buf=X ysize=2 ystride=16 push_next\n"
                                  "alu op=mov dst=2 src=0 pop_prev\n"            /* row2 = row0 */
                                  "alu op=add dst=2 src=1\n"                      /* row2 += (1,1,1,1): sat */
                                  "alu op=shr dst=3 use_imm imm=1\n"              /* row3 = 0 >> 1 */
                                  "alu op=sub dst=3 src=0\n"                      /* row3 = 0 - row0 */
                                  "alu op=clip dst=3 use_imm imm=-100:3 push_next\n"
                                  "store mem=acc out=i32 row=0 buf=Y ysize=4 ystride=16 pop_prev\nhalt\n");
  st_snpu_machine *m = st_test_run(&p, NULL, 0, NULL);
  const uint8_t *y = st_snpu_machine_buffer(m, "Y", NULL);
  int32_t want2[4] = {INT32_MAX, INT32_MIN + 1, 6, -4};
  int32_t want3[4] = {-100, 3, -5, 3};
  for (int n = 0; n < 4; n++) {
    cr_assert_eq(st_test_i32(y + 32 + 4 * n), want2[n], "lane %d", n);
    cr_assert_eq(st_test_i32(y + 48 + 4 * n), want3[n], "lane %d", n);
  }
  st_snpu_machine_free(m);
  st_snpu_program_free(&p);
}

Test(snpu_sem, store_requant_per_lane) {
  /* Row 0: values; rows 1..3: multiplier, shift, zero point per lane. */
  st_snpu_program p = st_test_asm(".config dim=4 sp_bytes=256 acc_bytes=256\n"
                                  ".const X i32 3, -3, 1000, -20, 1073741824, 1073741824, 1073741824, 1073741824,"
                                  " 0, 0, 0, 0, 0, 0, 0, -3\n"
                                  ".buffer Y 8 output\n"
                                  "load mem=acc row=0 buf=X ysize=4 ystride=16 push_next\n"
                                  "sync queue=compute pop_prev push_next\n"
                                  "store mem=acc row=0 buf=Y cols=4 requant param=1 lo=-3 pop_prev\n"
                                  "store mem=acc row=0 buf=Y off=4 cols=3 lo=-2 hi=4\nhalt\n");
  st_snpu_machine *m = st_test_run(&p, NULL, 0, NULL);
  const int8_t *y = (const int8_t *)st_snpu_machine_buffer(m, "Y", NULL);
  cr_assert_eq(y[0], 2);   /* 1.5 -> 2 */
  cr_assert_eq(y[1], -1);  /* -1.5 -> -1 */
  cr_assert_eq(y[2], 127); /* 500 saturates */
  cr_assert_eq(y[3], -3);  /* -10 + zp -3 = -13, ReLU at lo=-3 */
  cr_assert_eq(y[4], 3);   /* plain clamp to [-2, 4] */
  cr_assert_eq(y[5], -2);
  cr_assert_eq(y[6], 4);
  cr_assert_eq(y[7], 0, "cols=3 leaves the fourth byte alone");
  st_snpu_machine_free(m);
  st_snpu_program_free(&p);
}

/* ---- timing ------------------------------------------------------------ */

Test(snpu_sem, timing_formulas) {
  st_snpu_program p = st_test_asm(".buffer X 8192 output\n"
                                  "load buf=X ysize=64 ystride=64\n"
                                  "load buf=X ysize=64 ystride=16\n"
                                  "load buf=X ysize=2 ystride=16 pad_top=1 pad_left=2\n"
                                  "gemm preload inp=0 outer=4 inner=16\n"
                                  "gemm inp=0 outer=1 inner=1\n"
                                  "alu op=add dst=0 use_imm inner=10\n"
                                  "store mem=acc out=i32 buf=X ysize=4 ystride=64\n"
                                  "store mem=acc buf=X ysize=4 ystride=64\n"
                                  "halt\n");
  st_snpu_trace tr = {0};
  st_diag d = {0};
  st_snpu_machine *m = st_snpu_machine_new(&p, NULL, &d);
  st_snpu_stats st;
  cr_assert(st_snpu_machine_run(m, &st, &tr, &d));
  uint64_t dur[9] = {0};
  for (size_t i = 0; i < tr.n; i++) dur[tr.ev[i].index] = tr.ev[i].end - tr.ev[i].start;
  cr_assert_eq(dur[0], 64u + 64u);           /* latency + 64 bursts x 1 cycle */
  cr_assert_eq(dur[1], 64u + 64u);           /* latency + 1024 B / 16 B per cycle */
  cr_assert_eq(dur[2], 64u + 2u + (3 * 3 - 2)); /* 2 data rows in one burst, 7 padding rows */
  cr_assert_eq(dur[3], 16u + 64u + 31u);     /* preload + rows + 2*DIM-1 */
  cr_assert_eq(dur[4], 1u + 31u);
  cr_assert_eq(dur[5], 10u + 4u);
  cr_assert_eq(dur[6], 64u + 4u * 4u);       /* 4 rows of 64 bytes at 16 B/cycle */
  cr_assert_eq(dur[7], 64u + 4u);
  /* No tokens: the three queues run from cycle 0 side by side. */
  cr_assert_eq(st.cycles, 64u * 3 + 128 + 2 + 7);
  cr_assert_eq(st.busy[ST_SNPU_Q_COMPUTE], 111u + 32u + 14u);
  cr_assert_eq(st.stall[ST_SNPU_Q_COMPUTE], 0u);
  st_snpu_trace_free(&tr);
  st_snpu_machine_free(m);
  st_snpu_program_free(&p);
  st_diag_free(&d);
}

Test(snpu_sem, tokens_order_the_queues) {
  /* compute waits for the load; store waits for compute; the second load waits
   * for compute to hand its slot back. */
  st_snpu_program p = st_test_asm(".buffer X 256 input\n.buffer Y 256 output\n"
                                  "load buf=X push_next\n"
                                  "gemm preload inp=0 outer=1 inner=1 pop_prev push_prev push_next\n"
                                  "load buf=X pop_next\n"
                                  "store mem=acc buf=Y pop_prev\n"
                                  "halt\n");
  uint8_t x[256] = {0};
  st_test_bind b[] = {{"X", x, 256}};
  st_snpu_stats st;
  st_snpu_machine *m = st_test_run(&p, b, 1, &st);
  uint64_t load = 64 + 1, gemm = 16 + 1 + 31, store = 64 + 1;
  cr_assert_eq(st.cycles, load + gemm + (load > store ? load : store));
  cr_assert_eq(st.stall[ST_SNPU_Q_COMPUTE], load);
  cr_assert_eq(st.stall[ST_SNPU_Q_LOAD], gemm);
  cr_assert_eq(st.stall[ST_SNPU_Q_STORE], load + gemm);
  cr_assert_eq(st.dma_load_bytes, 32u);
  cr_assert_eq(st.dma_store_bytes, 16u);
  st_snpu_machine_free(m);
  st_snpu_program_free(&p);
}

Test(snpu_sem, sync_hands_out_tokens_and_takes_one_cycle) {
  /* compute gives the load queue one token up front; the load may then run. */
  st_snpu_program p = st_test_asm(".buffer X 16 input\n"
                                  "sync queue=compute push_prev\n"
                                  "load buf=X pop_next push_next\n"
                                  "sync queue=compute pop_prev push_next\n"
                                  "sync queue=store pop_prev\n"
                                  "halt\n");
  uint8_t x[16] = {0};
  st_test_bind b[] = {{"X", x, 16}};
  st_snpu_stats st;
  st_snpu_trace tr = {0};
  st_diag d = {0};
  st_snpu_machine *m = st_snpu_machine_new(&p, NULL, &d);
  cr_assert(st_snpu_machine_bind(m, "X", b[0].data, b[0].size, &d));
  cr_assert(st_snpu_machine_run(m, &st, &tr, &d));
  cr_assert_eq(tr.n, 4u, "HALT is not executed on any queue");
  cr_assert_eq(tr.ev[0].index, 0u);
  cr_assert_eq(tr.ev[0].end, 1u);
  cr_assert_eq(tr.ev[1].start, 1u, "the load waits for the SYNC's token");
  cr_assert_eq(st.cycles, 1u + (64 + 1) + 1 + 1);
  cr_assert_eq(st.insns[ST_SNPU_Q_COMPUTE], 2u);
  cr_assert_eq(st.insns[ST_SNPU_Q_STORE], 1u);
  st_snpu_trace_free(&tr);
  st_snpu_machine_free(m);
  st_snpu_program_free(&p);
  st_diag_free(&d);
}
