/* The SNPU simulator: machine state, buffer binding and the timing model.
 *
 * Timing is an event schedule in whole cycles, with no floating point and no
 * wall clock, so a program takes the same number of cycles everywhere.  Each
 * queue runs its instructions in order, one at a time.  An instruction starts
 * when its queue is free and every token it pops has been pushed; a token is
 * pushed when the instruction that pushes it finishes.  Loads and stores use
 * separate DMA channels (like AXI's read and write channels), so the queues
 * share nothing but tokens and the schedule is exact rather than an
 * approximation of contention.  The functional effect of an instruction is
 * applied at its start, in start-time order (ties: load, compute, store);
 * programs whose accesses are ordered by tokens get results that do not
 * depend on this choice. */
#include "runtime/snpu/snpu_internal.h"

#include <stdlib.h>
#include <string.h>

struct st_snpu_machine {
  const st_snpu_program *p;
  st_snpu_config cfg;
  st_snpu_state s;
};

void st_snpu_machine_free(st_snpu_machine *m) {
  if (!m) return;
  for (uint32_t i = 0; i < m->s.num_dram; i++) free(m->s.dram[i].data);
  free(m->s.dram);
  free(m->s.sp);
  free(m->s.acc);
  free(m->s.wgt);
  free(m);
}

st_snpu_machine *st_snpu_machine_new(const st_snpu_program *p, const st_snpu_config *cfg, st_diag *d) {
  if (!cfg) cfg = &p->config;
  if (!st_snpu_verify(p, cfg, d)) return NULL;
  st_snpu_machine *m = calloc(1, sizeof *m);
  if (!m) goto oom;
  m->p = p;
  m->cfg = *cfg;
  m->s.dim = cfg->dim;
  m->s.sp_rows = st_snpu_sp_rows(cfg);
  m->s.acc_rows = st_snpu_acc_rows(cfg);
  m->s.sp = calloc(cfg->sp_bytes, 1);
  m->s.acc = calloc((size_t)m->s.acc_rows * cfg->dim, sizeof(int32_t));
  m->s.wgt = calloc((size_t)cfg->dim * cfg->dim, 1);
  m->s.dram = calloc(p->num_bufs ? p->num_bufs : 1, sizeof *m->s.dram);
  if (!m->s.sp || !m->s.acc || !m->s.wgt || !m->s.dram) goto oom;
  m->s.num_dram = p->num_bufs;
  for (uint32_t i = 0; i < p->num_bufs; i++) {
    const st_snpu_buffer *b = &p->bufs[i];
    st_snpu_dram *dr = &m->s.dram[i];
    dr->size = b->size;
    dr->data = calloc(b->size, 1);
    if (!dr->data) goto oom;
    if (b->kind == ST_SNPU_BUF_CONST) memcpy(dr->data, p->consts + b->const_offset, b->size); /* range checked by the parser */
    dr->bound = b->kind != ST_SNPU_BUF_INPUT; /* outputs and scratch start zeroed */
  }
  return m;
oom:
  st_diag_error(d, st_loc_unknown(), "out of memory creating SNPU machine");
  st_snpu_machine_free(m);
  return NULL;
}

bool st_snpu_machine_bind(st_snpu_machine *m, const char *name, const void *data, size_t size, st_diag *d) {
  int i = st_snpu_program_find_buffer(m->p, name);
  if (i < 0) {
    st_diag_error(d, st_loc_unknown(), "no buffer named '%s' in the program", name);
    return false;
  }
  const st_snpu_buffer *b = &m->p->bufs[i];
  if (b->kind == ST_SNPU_BUF_CONST) {
    st_diag_error(d, st_loc_unknown(), "buffer '%s' is constant data of the program; it cannot be bound", name);
    return false;
  }
  if (size != b->size) {
    st_diag_error(d, st_loc_unknown(), "buffer '%s' is %u bytes, the data bound to it is %zu", name, b->size, size);
    return false;
  }
  memcpy(m->s.dram[i].data, data, size);
  m->s.dram[i].bound = true;
  return true;
}

const uint8_t *st_snpu_machine_buffer(const st_snpu_machine *m, const char *name, size_t *size) {
  int i = st_snpu_program_find_buffer(m->p, name);
  if (i < 0) return NULL;
  if (size) *size = m->s.dram[i].size;
  return m->s.dram[i].data;
}

static bool st_snpu_trace_add(st_snpu_trace *t, const st_snpu_event *e) {
  if (t->n == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 256;
    st_snpu_event *ev = realloc(t->ev, cap * sizeof *ev);
    if (!ev) return false;
    t->ev = ev;
    t->cap = cap;
  }
  t->ev[t->n++] = *e;
  return true;
}

void st_snpu_trace_free(st_snpu_trace *t) {
  free(t->ev);
  memset(t, 0, sizeof *t);
}

/* Timestamps of pushed, not yet popped tokens: one FIFO per channel. */
typedef struct st_snpu_tokq {
  uint64_t *t;
  size_t head, n, cap;
} st_snpu_tokq;

static bool st_snpu_tokq_push(st_snpu_tokq *q, uint64_t t) {
  if (q->head + q->n == q->cap) {
    if (q->head) {
      memmove(q->t, q->t + q->head, q->n * sizeof *q->t);
      q->head = 0;
    } else {
      size_t cap = q->cap ? 2 * q->cap : 16;
      uint64_t *nt = realloc(q->t, cap * sizeof *nt);
      if (!nt) return false;
      q->t = nt;
      q->cap = cap;
    }
  }
  q->t[q->head + q->n++] = t;
  return true;
}

typedef struct st_snpu_sched {
  uint32_t *idx[3], len[3], pos[3];
  uint64_t free_at[3];
  st_snpu_tokq tok[ST_SNPU_NUM_CHANNELS];
} st_snpu_sched;

static const st_snpu_field st_snpu_pops[] = {ST_SNPU_F_POP_PREV, ST_SNPU_F_POP_NEXT};
static const st_snpu_field st_snpu_pushes[] = {ST_SNPU_F_PUSH_PREV, ST_SNPU_F_PUSH_NEXT};

/* Earliest start of queue Q's head, or UINT64_MAX if a token is missing. */
static uint64_t st_snpu_ready_at(const st_snpu_program *p, st_snpu_sched *sc, int q) {
  if (sc->pos[q] >= sc->len[q]) return UINT64_MAX;
  const st_snpu_insn *in = &p->insns[sc->idx[q][sc->pos[q]]];
  uint64_t t = sc->free_at[q];
  for (int k = 0; k < 2; k++)
    if (in->f[st_snpu_pops[k]]) {
      st_snpu_tokq *tq = &sc->tok[st_snpu_dep_channel((st_snpu_queue)q, st_snpu_pops[k])];
      if (tq->n == 0) return UINT64_MAX;
      if (tq->t[tq->head] > t) t = tq->t[tq->head];
    }
  return t;
}

static bool st_snpu_step(st_snpu_machine *m, st_snpu_sched *sc, int q, uint64_t start, st_snpu_stats *st,
                         st_snpu_trace *trace, st_diag *d) {
  uint32_t i = sc->idx[q][sc->pos[q]++];
  const st_snpu_insn *in = &m->p->insns[i];
  for (int k = 0; k < 2; k++)
    if (in->f[st_snpu_pops[k]]) {
      st_snpu_tokq *tq = &sc->tok[st_snpu_dep_channel((st_snpu_queue)q, st_snpu_pops[k])];
      tq->head++;
      tq->n--;
    }
  st_snpu_effect eff = {0, 0, 0};
  char err[160];
  if (!st_snpu_exec(&m->s, in, &eff, err, sizeof err)) {
    st_diag_error(d, st_loc_unknown(), "instruction %u (%s): %s", i, st_snpu_opinfo_get(in->op)->upper, err);
    return false;
  }
  uint64_t dur = st_snpu_insn_cycles(&m->cfg, in), end = start + dur;
  st->stall[q] += start - sc->free_at[q];
  st->busy[q] += dur;
  st->insns[q]++;
  st->macs += eff.macs;
  st->dma_load_bytes += eff.load_bytes;
  st->dma_store_bytes += eff.store_bytes;
  sc->free_at[q] = end;
  if (end > st->cycles) st->cycles = end;
  for (int k = 0; k < 2; k++)
    if (in->f[st_snpu_pushes[k]] &&
        !st_snpu_tokq_push(&sc->tok[st_snpu_dep_channel((st_snpu_queue)q, st_snpu_pushes[k])], end)) {
      st_diag_error(d, st_loc_unknown(), "out of memory in SNPU simulator");
      return false;
    }
  st_snpu_event e = {i, (uint8_t)q, (uint8_t)in->op, start, end};
  if (trace && !st_snpu_trace_add(trace, &e)) {
    st_diag_error(d, st_loc_unknown(), "out of memory recording SNPU trace");
    return false;
  }
  return true;
}

bool st_snpu_machine_run(st_snpu_machine *m, st_snpu_stats *stats, st_snpu_trace *trace, st_diag *d) {
  const st_snpu_program *p = m->p;
  for (uint32_t i = 0; i < p->num_bufs; i++)
    if (!m->s.dram[i].bound) {
      st_diag_error(d, st_loc_unknown(), "input buffer '%s' is not bound", p->bufs[i].name);
      return false;
    }
  st_snpu_stats st;
  memset(&st, 0, sizeof st);
  st.dim = m->cfg.dim;
  st_snpu_sched sc;
  memset(&sc, 0, sizeof sc);
  bool ok = true;
  for (int q = 0; q < 3; q++) ok = (sc.idx[q] = malloc(sizeof(uint32_t) * (p->num_insns + 1))) != NULL && ok;
  if (!ok) st_diag_error(d, st_loc_unknown(), "out of memory in SNPU simulator");
  for (uint32_t i = 0; ok && i < p->num_insns; i++) {
    st_snpu_queue q = st_snpu_insn_queue(&p->insns[i]);
    if (q != ST_SNPU_Q_NONE) sc.idx[q][sc.len[q]++] = i;
  }
  while (ok) {
    int best = -1;
    uint64_t best_t = UINT64_MAX;
    for (int q = 0; q < 3; q++) {
      uint64_t t = st_snpu_ready_at(p, &sc, q);
      if (t < best_t) best = q, best_t = t;
    }
    if (best < 0) break;
    ok = st_snpu_step(m, &sc, best, best_t, &st, trace, d);
  }
  for (int q = 0; ok && q < 3; q++)
    if (sc.pos[q] < sc.len[q]) {
      uint32_t i = sc.idx[q][sc.pos[q]];
      st_diag_error(d, st_loc_unknown(), "instruction %u (%s): deadlock in the %s queue", i,
                    st_snpu_opinfo_get(p->insns[i].op)->upper, st_snpu_queue_name((st_snpu_queue)q));
      ok = false;
    }
  for (int q = 0; q < 3; q++) free(sc.idx[q]);
  for (int c = 0; c < ST_SNPU_NUM_CHANNELS; c++) free(sc.tok[c].t);
  if (stats) *stats = st;
  return ok;
}

uint64_t st_snpu_stats_util_x100(const st_snpu_stats *s) {
  uint64_t peak = s->cycles * s->dim * s->dim;
  return peak ? s->macs * 10000 / peak : 0;
}

void st_snpu_stats_print(const st_snpu_stats *s, const st_snpu_config *cfg, FILE *out) {
  uint64_t u = st_snpu_stats_util_x100(s);
  uint64_t ns = s->cycles * 1000 / cfg->clock_mhz;
  fprintf(out, "cycles: %llu\n", (unsigned long long)s->cycles);
  fprintf(out, "time: %llu.%03llu us at %u MHz\n", (unsigned long long)(ns / 1000), (unsigned long long)(ns % 1000),
          cfg->clock_mhz);
  fprintf(out, "macs: %llu\n", (unsigned long long)s->macs);
  fprintf(out, "mac utilisation: %llu.%02llu%%\n", (unsigned long long)(u / 100), (unsigned long long)(u % 100));
  fprintf(out, "dma bytes: load %llu store %llu\n", (unsigned long long)s->dma_load_bytes,
          (unsigned long long)s->dma_store_bytes);
  fprintf(out, "%-8s %8s %10s %10s\n", "queue", "insns", "busy", "stall");
  for (int q = 0; q < 3; q++)
    fprintf(out, "%-8s %8llu %10llu %10llu\n", st_snpu_queue_name((st_snpu_queue)q), (unsigned long long)s->insns[q],
            (unsigned long long)s->busy[q], (unsigned long long)s->stall[q]);
}
