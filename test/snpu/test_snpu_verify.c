/* SNPU verifier and loader tests: each rule rejects what it should with a
 * message naming the instruction, and corrupt or truncated containers are
 * errors, never crashes (a small deterministic mutation loop runs every
 * mutant through the loader and, when it loads, the simulator). */
#include "test/snpu/snpu_test_util.h"

#define HDR ".buffer in 4096 input\n.buffer out 4096 output\n"

Test(snpu_verify, accumulator_range_message) {
  const char *e = st_test_verify_error(HDR "gemm inp=0 acc=1020 outer=1 inner=16 acc_si=1\nhalt\n");
  cr_assert_str_eq(e, "instruction 0 (GEMM): accumulator rows 1020..1035 out of range (1024)");
}

Test(snpu_verify, scratchpad_and_weight_ranges) {
  cr_assert_str_eq(st_test_verify_error(HDR "sync queue=load\ngemm preload wgt=16370\nhalt\n"),
                   "instruction 1 (GEMM): scratchpad (weight) rows 16370..16385 out of range (16384)");
  cr_assert_str_eq(st_test_verify_error(HDR "gemm inp=16000 outer=3 inner=4 inp_so=1000 inp_si=1\nhalt\n"),
                   "instruction 0 (GEMM): scratchpad rows 16000..18003 out of range (16384)");
  cr_assert_str_eq(st_test_verify_error(HDR "load buf=in row=16380 ysize=2 xsize=2 pad_top=1\nhalt\n"),
                   "instruction 0 (LOAD): scratchpad rows 16380..16385 out of range (16384)");
  cr_assert_str_eq(st_test_verify_error(HDR "alu op=add dst=0 src=1000 inner=30 src_si=1\nhalt\n"),
                   "instruction 0 (ALU): accumulator (source) rows 1000..1029 out of range (1024)");
}

Test(snpu_verify, dram_ranges_and_buffer_kinds) {
  cr_assert_str_eq(st_test_verify_error(HDR "load buf=in off=4000 ysize=7 ystride=16\nhalt\n"),
                   "instruction 0 (LOAD): DRAM bytes 4000..4111 of buffer 'in' out of range (4096)");
  cr_assert_str_eq(st_test_verify_error(HDR "load mem=acc buf=in off=4064 ysize=1\nhalt\n"),
                   "instruction 0 (LOAD): DRAM bytes 4064..4127 of buffer 'in' out of range (4096)");
  cr_assert_str_eq(st_test_verify_error(HDR "store mem=acc out=i32 buf=out off=4090\nhalt\n"),
                   "instruction 0 (STORE): DRAM bytes 4090..4153 of buffer 'out' out of range (4096)");
  cr_assert_str_eq(st_test_verify_error(HDR "store mem=acc buf=in\nhalt\n"),
                   "instruction 0 (STORE): writes to input buffer 'in'");
  cr_assert_str_eq(st_test_verify_error(".const w i8 1\nstore mem=sp buf=w cols=1\nhalt\n"),
                   "instruction 0 (STORE): writes to const buffer 'w'");
}

Test(snpu_verify, field_rules) {
  cr_assert_str_eq(st_test_verify_error(HDR "load buf=in cols=17\nhalt\n"),
                   "instruction 0 (LOAD): cols 17 must be in 1..16");
  cr_assert_str_eq(st_test_verify_error(HDR "gemm accum\nhalt\n"),
                   "instruction 0 (GEMM): neither preloads weights nor computes a row");
  cr_assert_str_eq(st_test_verify_error(HDR "alu op=clip dst=0 src=1\nhalt\n"),
                   "instruction 0 (ALU): clip needs an immediate (imm=lo:hi)");
  cr_assert_str_eq(st_test_verify_error(HDR "alu op=clip dst=0 use_imm imm=5:-5\nhalt\n"),
                   "instruction 0 (ALU): clip bounds 5:-5 are reversed");
  cr_assert_str_eq(st_test_verify_error(HDR "store mem=sp out=i32 buf=out\nhalt\n"),
                   "instruction 0 (STORE): a scratchpad store copies int8 rows: no out=i32, no requant");
  cr_assert_str_eq(st_test_verify_error(HDR "store mem=acc out=i32 requant buf=out\nhalt\n"),
                   "instruction 0 (STORE): requant produces int8; it cannot be combined with out=i32");
  cr_assert_str_eq(st_test_verify_error(HDR "store mem=acc requant param=1022 buf=out\nhalt\n"),
                   "instruction 0 (STORE): accumulator (requant parameter) rows 1022..1024 out of range (1024)");
  cr_assert_str_eq(st_test_verify_error(HDR "store mem=acc lo=5 hi=4 buf=out\nhalt\n"),
                   "instruction 0 (STORE): clamp bounds lo=5 > hi=4");
  cr_assert_str_eq(st_test_verify_error(HDR "load buf=in pop_prev\nhalt\n"),
                   "instruction 0 (LOAD): pop_prev is not possible on the load queue");
  cr_assert_str_eq(st_test_verify_error(HDR "store mem=acc buf=out push_next\nhalt\n"),
                   "instruction 0 (STORE): push_next is not possible on the store queue");
  cr_assert_str_eq(st_test_verify_error(HDR "halt\nhalt\n"), "instruction 0 (HALT): HALT must be the last instruction");
  cr_assert_str_eq(st_test_verify_error(HDR "sync queue=load\n"), "program must end with HALT");
}

Test(snpu_verify, deadlock_and_unbalanced_tokens) {
  /* compute waits for store, store waits for compute. */
  cr_assert_str_eq(st_test_verify_error(HDR "gemm preload pop_next push_next\nstore mem=acc buf=out pop_prev push_prev\n"
                                            "halt\n"),
                   "instruction 0 (GEMM): deadlock: waits for a store->compute token that is never pushed; the store "
                   "queue which is itself blocked at instruction 1");
  cr_assert_str_eq(st_test_verify_error(HDR "gemm preload pop_prev\nhalt\n"),
                   "instruction 0 (GEMM): deadlock: waits for a load->compute token that is never pushed; the load "
                   "queue which has no instruction left to push it");
  cr_assert_str_eq(st_test_verify_error(HDR "load buf=in push_next\nload buf=in push_next\ngemm preload pop_prev\n"
                                            "halt\n"),
                   "instruction 1 (LOAD): unbalanced tokens: 1 load->compute token(s) are pushed but never popped");
  /* The order that works: initial tokens pushed by SYNC, as double buffering does. */
  cr_assert_str_eq(st_test_verify_error(HDR "sync queue=compute push_prev\nload buf=in pop_next push_next\n"
                                            "gemm preload pop_prev\nhalt\n"),
                   "");
}

Test(snpu_verify, dim_must_match_configuration) {
  st_snpu_program p = st_test_asm(".buffer in 64 input\nload buf=in\nhalt\n");
  st_snpu_config c;
  st_snpu_config_builtin("snpu32", &c);
  st_diag d = {0};
  cr_assert_not(st_snpu_verify(&p, &c, &d));
  cr_assert(strstr(st_diag_first_error(&d), "dim=16"));
  st_diag_free(&d);
  st_snpu_program_free(&p);
}

static void st_test_bytes(const char *text, uint8_t **b, size_t *n) {
  st_snpu_program p = st_test_asm(text);
  st_diag d = {0};
  cr_assert(st_snpu_program_write(&p, b, n, &d));
  st_snpu_program_free(&p);
}

Test(snpu_verify, container_rejects_truncation_and_corruption) {
  uint8_t *b;
  size_t n;
  st_test_bytes(HDR ".const w i8 1, 2, 3\nload buf=in push_next\ngemm preload pop_prev\nhalt\n", &b, &n);
  st_snpu_program p;
  st_diag d = {0};
  cr_assert(st_snpu_program_read(b, n, &p, &d));
  st_snpu_program_free(&p);
  for (size_t len = 0; len < n; len++) {
    cr_assert_not(st_snpu_program_read(b, len, &p, &d), "accepted a file truncated to %zu bytes", len);
    st_diag_free(&d);
  }
  cr_assert_not(st_snpu_program_read(b, 10, &p, &d));
  cr_assert(strstr(st_diag_first_error(&d), "truncated"));
  st_diag_free(&d);
  /* Unknown opcode in the second instruction (header 64 + 3 buffers x 48). */
  size_t insn1 = 64 + 3 * 48 + 16;
  uint8_t save = b[insn1];
  b[insn1] = 0x0e;
  cr_assert_not(st_snpu_program_read(b, n, &p, &d));
  cr_assert_str_eq(st_diag_first_error(&d), "instruction 1 (?): unknown opcode 14");
  st_diag_free(&d);
  b[insn1] = save;
  b[0] = 'X';
  cr_assert_not(st_snpu_program_read(b, n, &p, &d));
  cr_assert(strstr(st_diag_first_error(&d), "bad magic"));
  st_diag_free(&d);
  free(b);
}

/* Deterministic mutation fuzzing in miniature: flip bytes of a valid program
 * and run whatever still loads.  The libFuzzer target does this for real. */
Test(snpu_verify, mutants_never_escape) {
  uint8_t *b;
  size_t n;
  st_test_bytes(".config dim=4 sp_bytes=256 acc_bytes=256\n" HDR ".const w i8 1, 2, 3, 4\n"
                "load buf=in ysize=3 ystride=4 push_next\n"
                "gemm preload wgt=0 inp=0 outer=1 inner=3 inp_si=1 acc_si=1 pop_prev push_next\n"
                "alu op=shr dst=0 use_imm imm=1 inner=3 dst_si=1\n"
                "store mem=acc buf=out ysize=3 ystride=4 requant param=4 pop_prev\nhalt\n",
                &b, &n);
  uint32_t seed = 12345;
  unsigned loaded = 0;
  uint8_t *m = malloc(n);
  for (int iter = 0; iter < 3000; iter++) {
    memcpy(m, b, n);
    for (int k = 0; k < 1 + iter % 4; k++) {
      seed = seed * 1103515245u + 12345u;
      size_t at = (seed >> 8) % n;
      seed = seed * 1103515245u + 12345u;
      m[at] ^= (uint8_t)(1u << ((seed >> 16) % 8));
    }
    st_snpu_program p;
    st_diag d = {0};
    bool ok = st_snpu_program_read(m, n, &p, &d);
    uint64_t dram = 0;
    for (uint32_t i = 0; ok && i < p.num_bufs; i++) dram += p.bufs[i].size;
    if (ok && (dram > (1u << 20) || st_snpu_program_work(&p) > 1000000)) st_snpu_program_free(&p), ok = false;
    if (ok) {
      loaded++;
      st_snpu_machine *mc = st_snpu_machine_new(&p, NULL, &d);
      if (mc) {
        for (uint32_t i = 0; i < p.num_bufs; i++)
          if (p.bufs[i].kind == ST_SNPU_BUF_INPUT) {
            uint8_t *zero = calloc(1, p.bufs[i].size);
            st_snpu_machine_bind(mc, p.bufs[i].name, zero, p.bufs[i].size, &d);
            free(zero);
          }
        st_snpu_stats st;
        cr_assert(st_snpu_machine_run(mc, &st, NULL, &d), "a verified program failed to run: %s",
                  st_diag_first_error(&d));
        st_snpu_machine_free(mc);
      }
      st_snpu_program_free(&p);
    }
    st_diag_free(&d);
  }
  cr_assert_gt(loaded, 10u, "too few mutants loaded to mean anything");
  free(m);
  free(b);
}
