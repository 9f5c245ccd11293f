/* libFuzzer target for the SNPU loader, verifier, simulator, assembler and
 * disassembler.
 *
 * An input that starts with the container magic "SNPU" is loaded as a .snpu
 * file; anything else is assembled as text.  Whatever loads is simulated
 * (inputs bound to zeros, work and DRAM capped so one input stays fast) and
 * disassembled; when the program's constant section is laid out the way the
 * assembler lays it out, the disassembly must re-assemble to the very same
 * bytes.  The sanitizers catch any access outside the machine's memories.
 *
 * Build and run (clang 14):
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang-14 -DSTRATA_FUZZ=ON
 *   cmake --build build-fuzz --target snpu_fuzz
 *   build-fuzz/bin/snpu_fuzz -max_total_time=600 CORPUS_DIR */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/snpu/snpu.h"

static bool canonical_consts(const st_snpu_program *p) {
  uint32_t off = 0;
  for (uint32_t i = 0; i < p->num_bufs; i++)
    if (p->bufs[i].kind == ST_SNPU_BUF_CONST) {
      if (p->bufs[i].const_offset != off) return false;
      off += p->bufs[i].size;
    }
  return off == p->const_bytes;
}

static void check_roundtrip(const st_snpu_program *p) {
  uint8_t *b1 = NULL, *b2 = NULL;
  size_t n1 = 0, n2 = 0;
  st_diag d = {0};
  if (!st_snpu_program_write(p, &b1, &n1, &d)) __builtin_trap();
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) __builtin_trap();
  st_snpu_disassemble(p, f);
  fclose(f);
  st_snpu_program q;
  if (!st_snpu_assemble(text, "fuzz.s", NULL, false, &q, &d)) {
    st_diag_print(&d, stderr);
    fputs(text, stderr);
    __builtin_trap(); /* a verified program must re-assemble */
  }
  if (!st_snpu_program_write(&q, &b2, &n2, &d) || n1 != n2 || memcmp(b1, b2, n1) != 0) __builtin_trap();
  st_snpu_program_free(&q);
  free(text);
  free(b1);
  free(b2);
  st_diag_free(&d);
}

static void simulate(const st_snpu_program *p) {
  uint64_t dram = 0;
  for (uint32_t i = 0; i < p->num_bufs; i++) dram += p->bufs[i].size;
  if (dram > (4u << 20) || st_snpu_program_work(p) > 4000000) return;
  st_diag d = {0};
  st_snpu_machine *m = st_snpu_machine_new(p, NULL, &d);
  if (!m) __builtin_trap(); /* the program verified already */
  for (uint32_t i = 0; i < p->num_bufs; i++)
    if (p->bufs[i].kind == ST_SNPU_BUF_INPUT) {
      uint8_t *zero = calloc(1, p->bufs[i].size);
      if (!zero || !st_snpu_machine_bind(m, p->bufs[i].name, zero, p->bufs[i].size, &d)) __builtin_trap();
      free(zero);
    }
  st_snpu_stats st;
  st_snpu_trace tr = {0};
  if (!st_snpu_machine_run(m, &st, &tr, &d)) __builtin_trap(); /* verified programs never fail to run */
  st_snpu_trace_free(&tr);
  st_snpu_machine_free(m);
  st_diag_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  st_snpu_program p;
  st_diag d = {0};
  bool ok;
  if (size >= 4 && memcmp(data, "SNPU", 4) == 0) {
    ok = st_snpu_program_read(data, size, &p, &d);
  } else {
    if (size > 1 << 16) return 0;
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    ok = st_snpu_assemble(text, "fuzz.s", NULL, false, &p, &d);
    free(text);
  }
  st_diag_free(&d);
  if (!ok) return 0;
  simulate(&p);
  if (canonical_consts(&p)) check_roundtrip(&p);
  st_snpu_program_free(&p);
  return 0;
}
