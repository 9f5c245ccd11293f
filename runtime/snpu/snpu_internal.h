/* Private to runtime/snpu: the machine state the simulator's functional
 * model (snpu_exec.c) and timing model (snpu_sim.c) share. */
#ifndef ST_SNPU_INTERNAL_H
#define ST_SNPU_INTERNAL_H

#include "runtime/snpu/snpu.h"

/* Fixed pipeline latencies of the timing model (docs/snpu-isa.md, "Timing"). */
#define ST_SNPU_ALU_LATENCY 4u

typedef struct st_snpu_dram {
  uint8_t *data;
  uint32_t size;
  bool bound;
} st_snpu_dram;

typedef struct st_snpu_state {
  uint32_t dim, sp_rows, acc_rows;
  int8_t *sp;   /* sp_rows * dim */
  int32_t *acc; /* acc_rows * dim */
  int8_t *wgt;  /* dim * dim, wgt[k * dim + n] */
  st_snpu_dram *dram;
  uint32_t num_dram;
} st_snpu_state;

typedef struct st_snpu_effect {
  uint64_t macs, load_bytes, store_bytes;
} st_snpu_effect;

/* Executes one instruction's data effects.  Re-checks every access; false
 * (with ERR filled) if one falls outside a memory. */
bool st_snpu_exec(st_snpu_state *s, const st_snpu_insn *in, st_snpu_effect *eff, char *err, size_t errlen);
/* The instruction's duration in cycles (at least 1) under CFG. */
uint64_t st_snpu_insn_cycles(const st_snpu_config *cfg, const st_snpu_insn *in);

#endif
