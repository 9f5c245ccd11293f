/* Functional semantics of SNPU instructions, bit-exact to docs/snpu-isa.md,
 * and the per-instruction duration used by the timing model.
 *
 * The arithmetic is plain integer C: products and sums in int64, wrapping
 * accumulation through uint32 (so no signed overflow), and explicit rounding
 * helpers.  Every row index and DRAM byte range is checked here again even
 * though the verifier has checked them already, so a program that slips past
 * the verifier still cannot touch memory outside the machine. */
#include "runtime/snpu/snpu_internal.h"

#include <string.h>

int32_t st_snpu_sat32(int64_t v) {
  return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

/* floor(v / 2^s) for 0 <= s <= 62, without relying on >> of negatives. */
static int64_t st_snpu_floor_shift(int64_t v, unsigned s) {
  int64_t p = (int64_t)1 << s;
  int64_t q = v / p;
  if (v % p != 0 && v < 0) q--;
  return q;
}

static unsigned st_snpu_clamp_shift(int32_t s) { return s < 0 ? 0u : s > 31 ? 31u : (unsigned)s; }

int32_t st_snpu_round_shift(int32_t x, int32_t s) {
  unsigned sh = st_snpu_clamp_shift(s);
  if (sh == 0) return x;
  return (int32_t)st_snpu_floor_shift((int64_t)x + ((int64_t)1 << (sh - 1)), sh);
}

int32_t st_snpu_requant(int32_t x, int32_t mult, int32_t shift) {
  unsigned sh = 31 + st_snpu_clamp_shift(shift);
  /* |x * mult| <= 2^62 and the rounding term is at most 2^61: fits in int64. */
  int64_t v = st_snpu_floor_shift((int64_t)x * mult + ((int64_t)1 << (sh - 1)), sh);
  return st_snpu_sat32(v); /* only INT32_MIN * INT32_MIN with shift 0 saturates */
}

int8_t st_snpu_epilogue(int32_t x, bool requant, int32_t mult, int32_t shift, int32_t zp, int32_t lo, int32_t hi) {
  int64_t v = requant ? (int64_t)st_snpu_requant(x, mult, shift) + zp : x;
  if (v < lo) v = lo;
  if (v > hi) v = hi;
  if (v < -128) v = -128;
  if (v > 127) v = 127;
  return (int8_t)v;
}

int32_t st_snpu_alu_apply(st_snpu_aluop op, int32_t a, int32_t b) {
  switch (op) {
  case ST_SNPU_ALU_ADD: return st_snpu_sat32((int64_t)a + b);
  case ST_SNPU_ALU_SUB: return st_snpu_sat32((int64_t)a - b);
  case ST_SNPU_ALU_MUL: return st_snpu_sat32((int64_t)a * b);
  case ST_SNPU_ALU_MAX: return a > b ? a : b;
  case ST_SNPU_ALU_MIN: return a < b ? a : b;
  case ST_SNPU_ALU_SHR: return st_snpu_round_shift(a, b);
  case ST_SNPU_ALU_CLIP: {
    int32_t lo = (int16_t)(uint16_t)((uint32_t)b & 0xffffu), hi = (int16_t)(uint16_t)((uint32_t)b >> 16);
    return a < lo ? lo : a > hi ? hi : a;
  }
  case ST_SNPU_ALU_MOV: return b;
  case ST_SNPU_NUM_ALUOPS: break;
  }
  return a;
}

#define F(name) (in->f[ST_SNPU_F_##name])

static bool st_snpu_oob(char *err, size_t errlen, const char *what, uint64_t at, uint64_t limit) {
  snprintf(err, errlen, "%s %llu out of range (%llu)", what, (unsigned long long)at, (unsigned long long)limit);
  return false;
}

/* The DRAM buffer of IN and a check that [a, a+n) lies inside it. */
static uint8_t *st_snpu_dram_at(st_snpu_state *s, const st_snpu_insn *in, uint64_t a, uint64_t n, char *err,
                                size_t errlen) {
  if ((uint64_t)F(BUF) >= s->num_dram) {
    st_snpu_oob(err, errlen, "buffer", (uint64_t)F(BUF), s->num_dram);
    return NULL;
  }
  st_snpu_dram *b = &s->dram[F(BUF)];
  if (a + n > b->size) {
    st_snpu_oob(err, errlen, "DRAM byte", a + n - 1, b->size);
    return NULL;
  }
  return b->data + a;
}

static int32_t st_snpu_get_i32(const uint8_t *p) {
  return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

static void st_snpu_put_i32(uint8_t *p, int32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)((uint32_t)v >> (8 * i));
}

static bool st_snpu_exec_load(st_snpu_state *s, const st_snpu_insn *in, st_snpu_effect *eff, char *err,
                              size_t errlen) {
  bool acc = F(MEM) == ST_SNPU_MEM_ACC;
  uint64_t esize = acc ? 4 : 1, cols = (uint64_t)F(COLS), limit = acc ? s->acc_rows : s->sp_rows;
  uint64_t w = (uint64_t)(F(PAD_LEFT) + F(XSIZE) + F(PAD_RIGHT)), h = (uint64_t)(F(PAD_TOP) + F(YSIZE) + F(PAD_BOTTOM));
  if (cols > s->dim) return st_snpu_oob(err, errlen, "cols", cols, s->dim);
  for (uint64_t y = 0; y < h; y++)
    for (uint64_t x = 0; x < w; x++) {
      uint64_t r = (uint64_t)F(ROW) + y * w + x;
      if (r >= limit) return st_snpu_oob(err, errlen, acc ? "accumulator row" : "scratchpad row", r, limit);
      int8_t *sp_row = acc ? NULL : s->sp + r * s->dim;
      int32_t *acc_row = acc ? s->acc + r * s->dim : NULL;
      if (acc) memset(acc_row, 0, sizeof(int32_t) * s->dim);
      else memset(sp_row, 0, s->dim);
      bool inside = y >= (uint64_t)F(PAD_TOP) && y < (uint64_t)(F(PAD_TOP) + F(YSIZE)) &&
                    x >= (uint64_t)F(PAD_LEFT) && x < (uint64_t)(F(PAD_LEFT) + F(XSIZE));
      if (!inside) continue;
      uint64_t a = (uint64_t)F(OFF) + (y - (uint64_t)F(PAD_TOP)) * (uint64_t)F(YSTRIDE) +
                   (x - (uint64_t)F(PAD_LEFT)) * (uint64_t)F(XSTRIDE);
      const uint8_t *src = st_snpu_dram_at(s, in, a, cols * esize, err, errlen);
      if (!src) return false;
      for (uint64_t c = 0; c < cols; c++) {
        if (acc) acc_row[c] = st_snpu_get_i32(src + 4 * c);
        else sp_row[c] = (int8_t)src[c];
      }
      eff->load_bytes += cols * esize;
    }
  return true;
}

static bool st_snpu_exec_gemm(st_snpu_state *s, const st_snpu_insn *in, st_snpu_effect *eff, char *err,
                              size_t errlen) {
  uint32_t dim = s->dim;
  if (F(PRELOAD)) {
    uint64_t last = (uint64_t)F(WGT) + dim - 1;
    if (last >= s->sp_rows) return st_snpu_oob(err, errlen, "scratchpad row", last, s->sp_rows);
    memcpy(s->wgt, s->sp + (uint64_t)F(WGT) * dim, (size_t)dim * dim);
  }
  for (uint64_t i = 0; i < (uint64_t)F(OUTER); i++)
    for (uint64_t j = 0; j < (uint64_t)F(INNER); j++) {
      uint64_t ri = (uint64_t)F(INP) + i * (uint64_t)F(INP_SO) + j * (uint64_t)F(INP_SI);
      uint64_t ra = (uint64_t)F(ACC) + i * (uint64_t)F(ACC_SO) + j * (uint64_t)F(ACC_SI);
      if (ri >= s->sp_rows) return st_snpu_oob(err, errlen, "scratchpad row", ri, s->sp_rows);
      if (ra >= s->acc_rows) return st_snpu_oob(err, errlen, "accumulator row", ra, s->acc_rows);
      const int8_t *a = s->sp + ri * dim;
      int32_t *out = s->acc + ra * dim;
      for (uint32_t n = 0; n < dim; n++) {
        int32_t sum = 0; /* |sum| <= 64 * 2^14: no overflow */
        for (uint32_t k = 0; k < dim; k++) sum += (int32_t)a[k] * s->wgt[k * dim + n];
        out[n] = F(ACCUM) ? (int32_t)((uint32_t)out[n] + (uint32_t)sum) : sum;
      }
      eff->macs += (uint64_t)dim * dim;
    }
  return true;
}

static bool st_snpu_exec_alu(st_snpu_state *s, const st_snpu_insn *in, char *err, size_t errlen) {
  if ((uint64_t)F(ALUOP) >= ST_SNPU_NUM_ALUOPS) {
    snprintf(err, errlen, "unknown ALU operation");
    return false;
  }
  for (uint64_t i = 0; i < (uint64_t)F(OUTER); i++)
    for (uint64_t j = 0; j < (uint64_t)F(INNER); j++) {
      uint64_t rd = (uint64_t)F(DST) + i * (uint64_t)F(DST_SO) + j * (uint64_t)F(DST_SI);
      uint64_t rs = (uint64_t)F(SRC) + i * (uint64_t)F(SRC_SO) + j * (uint64_t)F(SRC_SI);
      if (rd >= s->acc_rows) return st_snpu_oob(err, errlen, "accumulator row", rd, s->acc_rows);
      if (!F(USE_IMM) && rs >= s->acc_rows) return st_snpu_oob(err, errlen, "accumulator row", rs, s->acc_rows);
      int32_t *d = s->acc + rd * s->dim;
      const int32_t *b = F(USE_IMM) ? NULL : s->acc + rs * s->dim;
      for (uint32_t n = 0; n < s->dim; n++)
        d[n] = st_snpu_alu_apply((st_snpu_aluop)F(ALUOP), d[n], b ? b[n] : (int32_t)F(IMM));
    }
  return true;
}

static bool st_snpu_exec_store(st_snpu_state *s, const st_snpu_insn *in, st_snpu_effect *eff, char *err,
                               size_t errlen) {
  bool acc = F(MEM) == ST_SNPU_MEM_ACC, i32 = F(OUT) == ST_SNPU_OUT_I32;
  uint64_t esize = i32 ? 4 : 1, cols = (uint64_t)F(COLS), limit = acc ? s->acc_rows : s->sp_rows;
  if (cols > s->dim) return st_snpu_oob(err, errlen, "cols", cols, s->dim);
  const int32_t *mult = NULL, *shift = NULL, *zp = NULL;
  if (F(REQUANT)) {
    uint64_t p = (uint64_t)F(PARAM);
    if (!acc || p + 2 >= s->acc_rows) return st_snpu_oob(err, errlen, "accumulator row", p + 2, s->acc_rows);
    mult = s->acc + p * s->dim;
    shift = mult + s->dim;
    zp = shift + s->dim;
  }
  for (uint64_t y = 0; y < (uint64_t)F(YSIZE); y++) {
    uint64_t r = (uint64_t)F(ROW) + y;
    if (r >= limit) return st_snpu_oob(err, errlen, acc ? "accumulator row" : "scratchpad row", r, limit);
    uint8_t *dst = st_snpu_dram_at(s, in, (uint64_t)F(OFF) + y * (uint64_t)F(YSTRIDE), cols * esize, err, errlen);
    if (!dst) return false;
    for (uint64_t c = 0; c < cols; c++) {
      if (!acc) dst[c] = (uint8_t)s->sp[r * s->dim + c];
      else if (i32) st_snpu_put_i32(dst + 4 * c, s->acc[r * s->dim + c]);
      else
        dst[c] = (uint8_t)st_snpu_epilogue(s->acc[r * s->dim + c], mult != NULL, mult ? mult[c] : 0,
                                           mult ? shift[c] : 0, mult ? zp[c] : 0, (int32_t)F(LO), (int32_t)F(HI));
    }
    eff->store_bytes += cols * esize;
  }
  return true;
}

bool st_snpu_exec(st_snpu_state *s, const st_snpu_insn *in, st_snpu_effect *eff, char *err, size_t errlen) {
  switch (in->op) {
  case ST_SNPU_OP_LOAD: return st_snpu_exec_load(s, in, eff, err, errlen);
  case ST_SNPU_OP_GEMM: return st_snpu_exec_gemm(s, in, eff, err, errlen);
  case ST_SNPU_OP_ALU: return st_snpu_exec_alu(s, in, err, errlen);
  case ST_SNPU_OP_STORE: return st_snpu_exec_store(s, in, eff, err, errlen);
  case ST_SNPU_OP_SYNC:
  case ST_SNPU_OP_HALT: return true;
  default: snprintf(err, errlen, "unknown opcode %d", (int)in->op); return false;
  }
}

static uint64_t st_snpu_ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

/* DMA time: one burst per contiguous DRAM run, each ceil(bytes / bw) cycles. */
static uint64_t st_snpu_dma_cycles(const st_snpu_config *cfg, uint64_t ysize, uint64_t ystride, uint64_t xsize,
                                   uint64_t xstride, uint64_t pixel_bytes) {
  uint64_t bw = cfg->dram_bw;
  if (xsize > 1 && xstride != pixel_bytes) return ysize * xsize * st_snpu_ceil_div(pixel_bytes, bw);
  uint64_t row_bytes = xsize * pixel_bytes;
  if (ysize > 1 && ystride != row_bytes) return ysize * st_snpu_ceil_div(row_bytes, bw);
  return st_snpu_ceil_div(ysize * row_bytes, bw);
}

uint64_t st_snpu_insn_cycles(const st_snpu_config *cfg, const st_snpu_insn *in) {
  uint64_t c = 0, dim = cfg->dim;
  switch (in->op) {
  case ST_SNPU_OP_LOAD: {
    uint64_t esize = F(MEM) == ST_SNPU_MEM_ACC ? 4 : 1;
    uint64_t w = (uint64_t)(F(PAD_LEFT) + F(XSIZE) + F(PAD_RIGHT)), h = (uint64_t)(F(PAD_TOP) + F(YSIZE) + F(PAD_BOTTOM));
    uint64_t pad_rows = w * h - (uint64_t)(F(XSIZE) * F(YSIZE));
    c = cfg->dma_latency + pad_rows +
        st_snpu_dma_cycles(cfg, (uint64_t)F(YSIZE), (uint64_t)F(YSTRIDE), (uint64_t)F(XSIZE), (uint64_t)F(XSTRIDE),
                           (uint64_t)F(COLS) * esize);
    break;
  }
  case ST_SNPU_OP_STORE: {
    uint64_t esize = F(OUT) == ST_SNPU_OUT_I32 ? 4 : 1;
    c = cfg->dma_latency +
        st_snpu_dma_cycles(cfg, (uint64_t)F(YSIZE), (uint64_t)F(YSTRIDE), 1, 0, (uint64_t)F(COLS) * esize);
    break;
  }
  case ST_SNPU_OP_GEMM: {
    uint64_t rows = (uint64_t)(F(OUTER) * F(INNER));
    c = (F(PRELOAD) ? dim : 0) + (rows ? rows + 2 * dim - 1 : 0);
    break;
  }
  case ST_SNPU_OP_ALU: c = (uint64_t)(F(OUTER) * F(INNER)) + ST_SNPU_ALU_LATENCY; break;
  case ST_SNPU_OP_SYNC: c = 1; break;
  default: c = 0; break;
  }
  return c ? c : 1;
}
