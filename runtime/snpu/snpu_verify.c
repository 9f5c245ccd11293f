/* The SNPU program verifier: the gate every program passes before it runs.
 *
 * Every address an SNPU instruction touches is a function of its immediate
 * fields, so the verifier can check all of them statically: scratchpad and
 * accumulator row ranges, DRAM byte ranges against the buffer table, field
 * values (enums, counts, clip bounds), dependency flags the instruction's
 * queue may use, and the token protocol as a whole (no deadlock, no token left
 * unpopped).  Ranges are computed in 64-bit arithmetic from fields of at most
 * 28 bits, so nothing overflows.  The simulator re-checks each access anyway;
 * this pass exists to give the author a message naming the instruction. */
#include "runtime/snpu/snpu.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct st_snpu_vctx {
  const st_snpu_program *p;
  const st_snpu_config *cfg;
  st_diag *d;
  uint32_t index;
  const st_snpu_insn *in;
} st_snpu_vctx;

__attribute__((format(printf, 2, 3))) static bool st_snpu_fail(st_snpu_vctx *v, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const st_snpu_opinfo *info = st_snpu_opinfo_get(v->in->op);
  st_diag_error(v->d, st_loc_unknown(), "instruction %u (%s): %s", v->index, info ? info->upper : "?", msg);
  return false;
}

#define F(name) (v->in->f[ST_SNPU_F_##name])

/* Rows base .. base + (outer-1)*so + (inner-1)*si + extra - 1 must lie in [0, limit). */
static bool st_snpu_rows_ok(st_snpu_vctx *v, const char *what, int64_t base, int64_t outer, int64_t so,
                            int64_t inner, int64_t si, int64_t extra, uint32_t limit) {
  int64_t last = base + (outer - 1) * so + (inner - 1) * si + extra - 1;
  if (last >= (int64_t)limit)
    return st_snpu_fail(v, "%s rows %lld..%lld out of range (%u)", what, (long long)base, (long long)last, limit);
  return true;
}

static bool st_snpu_dram_ok(st_snpu_vctx *v, bool writes, int64_t end) {
  int64_t b = F(BUF);
  if (b >= (int64_t)v->p->num_bufs)
    return st_snpu_fail(v, "buffer %lld does not exist (%u buffers)", (long long)b, v->p->num_bufs);
  const st_snpu_buffer *bf = &v->p->bufs[b];
  if (writes && bf->kind != ST_SNPU_BUF_OUTPUT && bf->kind != ST_SNPU_BUF_SCRATCH)
    return st_snpu_fail(v, "writes to %s buffer '%s'", st_snpu_buf_kind_name(bf->kind), bf->name);
  if (end > (int64_t)bf->size)
    return st_snpu_fail(v, "DRAM bytes %lld..%lld of buffer '%s' out of range (%u)", (long long)F(OFF),
                        (long long)end - 1, bf->name, bf->size);
  return true;
}

static bool st_snpu_cols_ok(st_snpu_vctx *v) {
  if (F(COLS) < 1 || F(COLS) > (int64_t)v->cfg->dim)
    return st_snpu_fail(v, "cols %lld must be in 1..%u", (long long)F(COLS), v->cfg->dim);
  return true;
}

static bool st_snpu_verify_load(st_snpu_vctx *v) {
  if (!st_snpu_cols_ok(v)) return false;
  if (F(YSIZE) < 1 || F(XSIZE) < 1) return st_snpu_fail(v, "ysize and xsize must be at least 1");
  int64_t rows = (F(PAD_TOP) + F(YSIZE) + F(PAD_BOTTOM)) * (F(PAD_LEFT) + F(XSIZE) + F(PAD_RIGHT));
  bool acc = F(MEM) == ST_SNPU_MEM_ACC;
  uint32_t limit = acc ? st_snpu_acc_rows(v->cfg) : st_snpu_sp_rows(v->cfg);
  if (!st_snpu_rows_ok(v, acc ? "accumulator" : "scratchpad", F(ROW), 1, 0, 1, 0, rows, limit)) return false;
  int64_t esize = acc ? 4 : 1;
  int64_t end = F(OFF) + (F(YSIZE) - 1) * F(YSTRIDE) + (F(XSIZE) - 1) * F(XSTRIDE) + F(COLS) * esize;
  return st_snpu_dram_ok(v, false, end);
}

static bool st_snpu_verify_gemm(st_snpu_vctx *v) {
  int64_t rows = F(OUTER) * F(INNER);
  if (!F(PRELOAD) && rows == 0) return st_snpu_fail(v, "neither preloads weights nor computes a row");
  uint32_t sp = st_snpu_sp_rows(v->cfg), acc = st_snpu_acc_rows(v->cfg);
  if (F(PRELOAD) && !st_snpu_rows_ok(v, "scratchpad (weight)", F(WGT), 1, 0, 1, 0, v->cfg->dim, sp)) return false;
  if (rows == 0) return true;
  return st_snpu_rows_ok(v, "scratchpad", F(INP), F(OUTER), F(INP_SO), F(INNER), F(INP_SI), 1, sp) &&
         st_snpu_rows_ok(v, "accumulator", F(ACC), F(OUTER), F(ACC_SO), F(INNER), F(ACC_SI), 1, acc);
}

static bool st_snpu_verify_alu(st_snpu_vctx *v) {
  if (F(ALUOP) >= ST_SNPU_NUM_ALUOPS) return st_snpu_fail(v, "unknown ALU operation %lld", (long long)F(ALUOP));
  if (F(OUTER) * F(INNER) == 0) return st_snpu_fail(v, "outer and inner counts must be at least 1");
  if (F(ALUOP) == ST_SNPU_ALU_CLIP) {
    if (!F(USE_IMM)) return st_snpu_fail(v, "clip needs an immediate (imm=lo:hi)");
    int32_t lo = (int16_t)(uint16_t)((uint32_t)F(IMM) & 0xffffu), hi = (int16_t)(uint16_t)((uint32_t)F(IMM) >> 16);
    if (lo > hi) return st_snpu_fail(v, "clip bounds %d:%d are reversed", lo, hi);
  }
  uint32_t acc = st_snpu_acc_rows(v->cfg);
  if (!st_snpu_rows_ok(v, "accumulator", F(DST), F(OUTER), F(DST_SO), F(INNER), F(DST_SI), 1, acc)) return false;
  if (F(USE_IMM)) return true;
  return st_snpu_rows_ok(v, "accumulator (source)", F(SRC), F(OUTER), F(SRC_SO), F(INNER), F(SRC_SI), 1, acc);
}

static bool st_snpu_verify_store(st_snpu_vctx *v) {
  if (!st_snpu_cols_ok(v)) return false;
  if (F(YSIZE) < 1) return st_snpu_fail(v, "ysize must be at least 1");
  bool acc = F(MEM) == ST_SNPU_MEM_ACC, i32 = F(OUT) == ST_SNPU_OUT_I32;
  if (!acc && (i32 || F(REQUANT))) return st_snpu_fail(v, "a scratchpad store copies int8 rows: no out=i32, no requant");
  if (i32 && F(REQUANT)) return st_snpu_fail(v, "requant produces int8; it cannot be combined with out=i32");
  if (F(LO) > F(HI)) return st_snpu_fail(v, "clamp bounds lo=%lld > hi=%lld", (long long)F(LO), (long long)F(HI));
  uint32_t limit = acc ? st_snpu_acc_rows(v->cfg) : st_snpu_sp_rows(v->cfg);
  if (!st_snpu_rows_ok(v, acc ? "accumulator" : "scratchpad", F(ROW), 1, 0, 1, 0, F(YSIZE), limit)) return false;
  if (F(REQUANT) && !st_snpu_rows_ok(v, "accumulator (requant parameter)", F(PARAM), 1, 0, 1, 0, 3, limit))
    return false;
  int64_t end = F(OFF) + (F(YSIZE) - 1) * F(YSTRIDE) + F(COLS) * (i32 ? 4 : 1);
  return st_snpu_dram_ok(v, true, end);
}

static bool st_snpu_verify_deps(st_snpu_vctx *v) {
  st_snpu_queue q = st_snpu_insn_queue(v->in);
  static const st_snpu_field flags[] = {ST_SNPU_F_POP_PREV, ST_SNPU_F_POP_NEXT, ST_SNPU_F_PUSH_PREV,
                                        ST_SNPU_F_PUSH_NEXT};
  for (int i = 0; i < 4; i++)
    if (v->in->f[flags[i]] && st_snpu_dep_channel(q, flags[i]) < 0)
      return st_snpu_fail(v, "%s is not possible on the %s queue", st_snpu_field_name(flags[i]),
                          st_snpu_queue_name(q));
  return true;
}

static bool st_snpu_verify_one(st_snpu_vctx *v) {
  if (!st_snpu_opinfo_get(v->in->op)) return st_snpu_fail(v, "unknown opcode %d", (int)v->in->op);
  if (v->in->op == ST_SNPU_OP_HALT)
    return v->index + 1 == v->p->num_insns ? true : st_snpu_fail(v, "HALT must be the last instruction");
  if (v->in->op == ST_SNPU_OP_SYNC && F(QUEUE) > ST_SNPU_Q_STORE)
    return st_snpu_fail(v, "unknown queue %lld", (long long)F(QUEUE));
  if (!st_snpu_verify_deps(v)) return false;
  switch (v->in->op) {
  case ST_SNPU_OP_LOAD: return st_snpu_verify_load(v);
  case ST_SNPU_OP_GEMM: return st_snpu_verify_gemm(v);
  case ST_SNPU_OP_ALU: return st_snpu_verify_alu(v);
  case ST_SNPU_OP_STORE: return st_snpu_verify_store(v);
  default: return true;
  }
}

/* Runs the token protocol abstractly: each queue advances while its head's
 * pops can be served.  Each channel has one consumer, so the order in which
 * queues advance does not change whether all of them finish. */
static bool st_snpu_verify_tokens(const st_snpu_program *p, st_diag *d) {
  uint32_t *idx[3], len[3] = {0}, pos[3] = {0};
  uint64_t count[ST_SNPU_NUM_CHANNELS] = {0};
  uint32_t last_push[ST_SNPU_NUM_CHANNELS] = {0};
  for (int q = 0; q < 3; q++) idx[q] = malloc(sizeof(uint32_t) * (p->num_insns + 1));
  bool ok = idx[0] && idx[1] && idx[2];
  if (!ok) st_diag_error(d, st_loc_unknown(), "out of memory verifying SNPU program");
  for (uint32_t i = 0; ok && i < p->num_insns; i++) {
    st_snpu_queue q = st_snpu_insn_queue(&p->insns[i]);
    if (q != ST_SNPU_Q_NONE) idx[q][len[q]++] = i;
  }
  static const st_snpu_field pops[] = {ST_SNPU_F_POP_PREV, ST_SNPU_F_POP_NEXT};
  static const st_snpu_field pushes[] = {ST_SNPU_F_PUSH_PREV, ST_SNPU_F_PUSH_NEXT};
  for (bool progress = ok; progress;) {
    progress = false;
    for (int q = 0; q < 3; q++)
      while (pos[q] < len[q]) {
        const st_snpu_insn *in = &p->insns[idx[q][pos[q]]];
        bool ready = true;
        for (int k = 0; k < 2; k++)
          if (in->f[pops[k]] && count[st_snpu_dep_channel((st_snpu_queue)q, pops[k])] == 0) ready = false;
        if (!ready) break;
        for (int k = 0; k < 2; k++)
          if (in->f[pops[k]]) count[st_snpu_dep_channel((st_snpu_queue)q, pops[k])]--;
        for (int k = 0; k < 2; k++)
          if (in->f[pushes[k]]) {
            int ch = st_snpu_dep_channel((st_snpu_queue)q, pushes[k]);
            count[ch]++;
            last_push[ch] = idx[q][pos[q]];
          }
        pos[q]++;
        progress = true;
      }
  }
  /* Report the stuck head with the lowest index: the earliest place to look. */
  int stuck = -1;
  for (int q = 0; ok && q < 3; q++)
    if (pos[q] < len[q] && (stuck < 0 || idx[q][pos[q]] < idx[stuck][pos[stuck]])) stuck = q;
  if (stuck >= 0) {
    uint32_t i = idx[stuck][pos[stuck]];
    const st_snpu_insn *in = &p->insns[i];
    int ch = in->f[ST_SNPU_F_POP_PREV] && count[st_snpu_dep_channel((st_snpu_queue)stuck, ST_SNPU_F_POP_PREV)] == 0
                 ? st_snpu_dep_channel((st_snpu_queue)stuck, ST_SNPU_F_POP_PREV)
                 : st_snpu_dep_channel((st_snpu_queue)stuck, ST_SNPU_F_POP_NEXT);
    int producer = ch == ST_SNPU_CH_LOAD_TO_COMPUTE ? ST_SNPU_Q_LOAD
                   : ch == ST_SNPU_CH_STORE_TO_COMPUTE ? ST_SNPU_Q_STORE
                                                        : ST_SNPU_Q_COMPUTE;
    char where[96];
    if (pos[producer] < len[producer])
      snprintf(where, sizeof where, "which is itself blocked at instruction %u", idx[producer][pos[producer]]);
    else
      snprintf(where, sizeof where, "which has no instruction left to push it");
    st_diag_error(d, st_loc_unknown(), "instruction %u (%s): deadlock: waits for a %s token that is never pushed; "
                  "the %s queue %s", i, st_snpu_opinfo_get(in->op)->upper,
                  st_snpu_channel_name((st_snpu_channel)ch), st_snpu_queue_name((st_snpu_queue)producer), where);
    ok = false;
  }
  for (int ch = 0; ok && ch < ST_SNPU_NUM_CHANNELS; ch++)
    if (count[ch]) {
      const st_snpu_insn *in = &p->insns[last_push[ch]];
      st_diag_error(d, st_loc_unknown(), "instruction %u (%s): unbalanced tokens: %llu %s token(s) are pushed but "
                    "never popped", last_push[ch], st_snpu_opinfo_get(in->op)->upper, (unsigned long long)count[ch],
                    st_snpu_channel_name((st_snpu_channel)ch));
      ok = false;
    }
  for (int q = 0; q < 3; q++) free(idx[q]);
  return ok;
}

bool st_snpu_verify(const st_snpu_program *p, const st_snpu_config *cfg, st_diag *d) {
  if (!st_snpu_config_validate(cfg, d)) return false;
  if (cfg->dim != p->config.dim) {
    st_diag_error(d, st_loc_unknown(), "program was built for dim=%u but the configuration '%s' has dim=%u",
                  p->config.dim, cfg->name, cfg->dim);
    return false;
  }
  if (p->num_insns == 0 || p->insns[p->num_insns - 1].op != ST_SNPU_OP_HALT) {
    st_diag_error(d, st_loc_unknown(), "program must end with HALT");
    return false;
  }
  st_snpu_vctx v = {p, cfg, d, 0, NULL};
  bool ok = true;
  for (uint32_t i = 0; i < p->num_insns; i++) {
    v.index = i;
    v.in = &p->insns[i];
    if (!st_snpu_verify_one(&v)) ok = false;
    if (d && d->num_errors >= 20) break;
  }
  return ok && st_snpu_verify_tokens(p, d);
}

uint64_t st_snpu_program_work(const st_snpu_program *p) {
  uint64_t w = 0, dim = p->config.dim;
  for (uint32_t i = 0; i < p->num_insns; i++) {
    const int64_t *f = p->insns[i].f;
    uint64_t rows = 0;
    switch (p->insns[i].op) {
    case ST_SNPU_OP_LOAD:
      rows = (uint64_t)((f[ST_SNPU_F_PAD_TOP] + f[ST_SNPU_F_YSIZE] + f[ST_SNPU_F_PAD_BOTTOM]) *
                        (f[ST_SNPU_F_PAD_LEFT] + f[ST_SNPU_F_XSIZE] + f[ST_SNPU_F_PAD_RIGHT])) * dim;
      break;
    case ST_SNPU_OP_GEMM: rows = (uint64_t)(f[ST_SNPU_F_OUTER] * f[ST_SNPU_F_INNER] + (int64_t)dim) * dim * dim; break;
    case ST_SNPU_OP_ALU: rows = (uint64_t)(f[ST_SNPU_F_OUTER] * f[ST_SNPU_F_INNER]) * dim; break;
    case ST_SNPU_OP_STORE: rows = (uint64_t)f[ST_SNPU_F_YSIZE] * dim; break;
    default: break;
    }
    w += rows + 1;
  }
  return w;
}
