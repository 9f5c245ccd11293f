/* SNPU instruction tables and the 128-bit encoding.
 *
 * Each opcode is one row: its mnemonic and a layout table that places each of
 * its fields in the little-endian 128-bit word (bit 0 is bit 0 of byte 0).
 * The encoder, decoder, assembler, disassembler and docs/snpu-isa.md all read
 * these tables, so a field is defined in exactly one place.  Bits no field of
 * an opcode covers are reserved: the encoder writes zero and the decoder
 * rejects a word that sets them. */
#include "runtime/snpu/snpu.h"

#include <stdio.h>
#include <string.h>

static const char *const st_snpu_mem_names[] = {"sp", "acc", NULL};
static const char *const st_snpu_out_names[] = {"i8", "i32", NULL};
static const char *const st_snpu_queue_names[] = {"load", "compute", "store", NULL};
static const char *const st_snpu_aluop_names[] = {
#define X(id, name) name,
    ST_SNPU_ALUOPS(X)
#undef X
    NULL};

#define DEPS                                                 \
  {ST_SNPU_F_POP_PREV, 4, 1, ST_SNPU_FK_FLAG, NULL},         \
      {ST_SNPU_F_POP_NEXT, 5, 1, ST_SNPU_FK_FLAG, NULL},     \
      {ST_SNPU_F_PUSH_PREV, 6, 1, ST_SNPU_FK_FLAG, NULL},    \
      {ST_SNPU_F_PUSH_NEXT, 7, 1, ST_SNPU_FK_FLAG, NULL}

/* Fields are listed in the order the disassembler prints them. */
static const st_snpu_field_layout st_snpu_load_fields[] = {
    {ST_SNPU_F_MEM, 8, 1, ST_SNPU_FK_ENUM, st_snpu_mem_names},
    {ST_SNPU_F_ROW, 34, 16, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_BUF, 16, 6, ST_SNPU_FK_BUF, NULL},
    {ST_SNPU_F_OFF, 50, 28, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_YSIZE, 78, 10, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_XSIZE, 88, 10, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_YSTRIDE, 98, 16, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_XSTRIDE, 114, 14, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_COLS, 9, 7, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_PAD_TOP, 22, 3, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_PAD_BOTTOM, 25, 3, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_PAD_LEFT, 28, 3, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_PAD_RIGHT, 31, 3, ST_SNPU_FK_UINT, NULL},
    DEPS,
};

static const st_snpu_field_layout st_snpu_gemm_fields[] = {
    {ST_SNPU_F_PRELOAD, 8, 1, ST_SNPU_FK_FLAG, NULL},
    {ST_SNPU_F_ACCUM, 9, 1, ST_SNPU_FK_FLAG, NULL},
    {ST_SNPU_F_WGT, 16, 16, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_INP, 32, 16, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_ACC, 48, 16, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_OUTER, 64, 12, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_INNER, 76, 12, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_INP_SO, 88, 10, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_INP_SI, 98, 10, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_ACC_SO, 108, 10, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_ACC_SI, 118, 10, ST_SNPU_FK_UINT, NULL},
    DEPS,
};

static const st_snpu_field_layout st_snpu_alu_fields[] = {
    {ST_SNPU_F_ALUOP, 8, 4, ST_SNPU_FK_ENUM, st_snpu_aluop_names},
    {ST_SNPU_F_USE_IMM, 12, 1, ST_SNPU_FK_FLAG, NULL},
    {ST_SNPU_F_DST, 16, 16, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_SRC, 32, 16, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_IMM, 96, 32, ST_SNPU_FK_SINT, NULL},
    {ST_SNPU_F_OUTER, 48, 8, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_INNER, 56, 8, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_DST_SO, 64, 8, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_DST_SI, 72, 8, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_SRC_SO, 80, 8, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_SRC_SI, 88, 8, ST_SNPU_FK_UINT, NULL},
    DEPS,
};

static const st_snpu_field_layout st_snpu_store_fields[] = {
    {ST_SNPU_F_MEM, 8, 1, ST_SNPU_FK_ENUM, st_snpu_mem_names},
    {ST_SNPU_F_OUT, 9, 1, ST_SNPU_FK_ENUM, st_snpu_out_names},
    {ST_SNPU_F_ROW, 24, 16, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_BUF, 18, 6, ST_SNPU_FK_BUF, NULL},
    {ST_SNPU_F_OFF, 56, 28, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_YSIZE, 84, 10, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_YSTRIDE, 94, 16, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_COLS, 11, 7, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_REQUANT, 10, 1, ST_SNPU_FK_FLAG, NULL},
    {ST_SNPU_F_PARAM, 40, 16, ST_SNPU_FK_UINT, NULL},
    {ST_SNPU_F_LO, 110, 8, ST_SNPU_FK_SINT, NULL},
    {ST_SNPU_F_HI, 118, 8, ST_SNPU_FK_SINT, NULL},
    DEPS,
};

static const st_snpu_field_layout st_snpu_sync_fields[] = {
    {ST_SNPU_F_QUEUE, 8, 2, ST_SNPU_FK_ENUM, st_snpu_queue_names},
    DEPS,
};

#define N(a) (unsigned)(sizeof a / sizeof a[0])
static const st_snpu_opinfo st_snpu_ops[ST_SNPU_NUM_OPCODES] = {
    [ST_SNPU_OP_LOAD] = {"load", "LOAD", st_snpu_load_fields, N(st_snpu_load_fields)},
    [ST_SNPU_OP_GEMM] = {"gemm", "GEMM", st_snpu_gemm_fields, N(st_snpu_gemm_fields)},
    [ST_SNPU_OP_ALU] = {"alu", "ALU", st_snpu_alu_fields, N(st_snpu_alu_fields)},
    [ST_SNPU_OP_STORE] = {"store", "STORE", st_snpu_store_fields, N(st_snpu_store_fields)},
    [ST_SNPU_OP_SYNC] = {"sync", "SYNC", st_snpu_sync_fields, N(st_snpu_sync_fields)},
    [ST_SNPU_OP_HALT] = {"halt", "HALT", NULL, 0},
};

static const char *const st_snpu_field_names[] = {
#define X(id, name) name,
    ST_SNPU_FIELDS(X)
#undef X
};

const st_snpu_opinfo *st_snpu_opinfo_get(unsigned opcode) {
  if (opcode == 0 || opcode >= ST_SNPU_NUM_OPCODES) return NULL;
  return &st_snpu_ops[opcode];
}

const char *st_snpu_field_name(st_snpu_field f) {
  return (unsigned)f < ST_SNPU_NUM_FIELDS ? st_snpu_field_names[f] : "?";
}

const char *st_snpu_queue_name(st_snpu_queue q) {
  return (unsigned)q < 3 ? st_snpu_queue_names[q] : "none";
}

st_snpu_queue st_snpu_insn_queue(const st_snpu_insn *in) {
  switch (in->op) {
  case ST_SNPU_OP_LOAD: return ST_SNPU_Q_LOAD;
  case ST_SNPU_OP_GEMM:
  case ST_SNPU_OP_ALU: return ST_SNPU_Q_COMPUTE;
  case ST_SNPU_OP_STORE: return ST_SNPU_Q_STORE;
  case ST_SNPU_OP_SYNC: return in->f[ST_SNPU_F_QUEUE] < 3 ? (st_snpu_queue)in->f[ST_SNPU_F_QUEUE] : ST_SNPU_Q_NONE;
  default: return ST_SNPU_Q_NONE;
  }
}

uint64_t st_snpu_bits_get(const uint8_t w[ST_SNPU_INSN_BYTES], unsigned lo, unsigned width) {
  uint64_t v = 0;
  for (unsigned i = 0; i < width; i++) {
    unsigned b = lo + i;
    v |= (uint64_t)((w[b / 8] >> (b % 8)) & 1u) << i;
  }
  return v;
}

void st_snpu_bits_set(uint8_t w[ST_SNPU_INSN_BYTES], unsigned lo, unsigned width, uint64_t v) {
  for (unsigned i = 0; i < width; i++) {
    unsigned b = lo + i;
    uint8_t m = (uint8_t)(1u << (b % 8));
    if ((v >> i) & 1u) w[b / 8] |= m;
    else w[b / 8] &= (uint8_t)~m;
  }
}

bool st_snpu_field_fits(const st_snpu_field_layout *l, int64_t v) {
  if (l->kind == ST_SNPU_FK_SINT) {
    int64_t lo = -((int64_t)1 << (l->width - 1)), hi = ((int64_t)1 << (l->width - 1)) - 1;
    return v >= lo && v <= hi;
  }
  return v >= 0 && (uint64_t)v < ((uint64_t)1 << l->width);
}

bool st_snpu_encode(const st_snpu_insn *in, uint8_t out[ST_SNPU_INSN_BYTES], char *err, size_t errlen) {
  const st_snpu_opinfo *info = st_snpu_opinfo_get(in->op);
  memset(out, 0, ST_SNPU_INSN_BYTES);
  if (!info) {
    snprintf(err, errlen, "unknown opcode %d", (int)in->op);
    return false;
  }
  st_snpu_bits_set(out, 0, 4, (uint64_t)in->op);
  for (unsigned i = 0; i < info->num_fields; i++) {
    const st_snpu_field_layout *l = &info->fields[i];
    int64_t v = in->f[l->field];
    if (!st_snpu_field_fits(l, v)) {
      snprintf(err, errlen, "field '%s' value %lld does not fit in %u bits", st_snpu_field_name(l->field),
               (long long)v, l->width);
      return false;
    }
    st_snpu_bits_set(out, l->lo, l->width, (uint64_t)v);
  }
  return true;
}

bool st_snpu_decode(const uint8_t w[ST_SNPU_INSN_BYTES], st_snpu_insn *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  unsigned opcode = (unsigned)st_snpu_bits_get(w, 0, 4);
  const st_snpu_opinfo *info = st_snpu_opinfo_get(opcode);
  if (!info) {
    snprintf(err, errlen, "unknown opcode %u", opcode);
    return false;
  }
  out->op = (st_snpu_opcode)opcode;
  uint8_t used[ST_SNPU_INSN_BYTES] = {0};
  st_snpu_bits_set(used, 0, 4, 0xf);
  for (unsigned i = 0; i < info->num_fields; i++) {
    const st_snpu_field_layout *l = &info->fields[i];
    uint64_t v = st_snpu_bits_get(w, l->lo, l->width);
    if (l->kind == ST_SNPU_FK_SINT && ((v >> (l->width - 1)) & 1u))
      out->f[l->field] = (int64_t)v - ((int64_t)1 << l->width);
    else
      out->f[l->field] = (int64_t)v;
    st_snpu_bits_set(used, l->lo, l->width, ~(uint64_t)0);
  }
  for (unsigned b = 0; b < ST_SNPU_INSN_BYTES; b++)
    if (w[b] & (uint8_t)~used[b]) {
      snprintf(err, errlen, "reserved bits set in byte %u", b);
      return false;
    }
  return true;
}

int st_snpu_dep_channel(st_snpu_queue q, st_snpu_field flag) {
  switch (flag) {
  case ST_SNPU_F_POP_PREV:
    return q == ST_SNPU_Q_COMPUTE ? ST_SNPU_CH_LOAD_TO_COMPUTE : q == ST_SNPU_Q_STORE ? ST_SNPU_CH_COMPUTE_TO_STORE : -1;
  case ST_SNPU_F_POP_NEXT:
    return q == ST_SNPU_Q_LOAD ? ST_SNPU_CH_COMPUTE_TO_LOAD : q == ST_SNPU_Q_COMPUTE ? ST_SNPU_CH_STORE_TO_COMPUTE : -1;
  case ST_SNPU_F_PUSH_PREV:
    return q == ST_SNPU_Q_COMPUTE ? ST_SNPU_CH_COMPUTE_TO_LOAD : q == ST_SNPU_Q_STORE ? ST_SNPU_CH_STORE_TO_COMPUTE : -1;
  case ST_SNPU_F_PUSH_NEXT:
    return q == ST_SNPU_Q_LOAD ? ST_SNPU_CH_LOAD_TO_COMPUTE : q == ST_SNPU_Q_COMPUTE ? ST_SNPU_CH_COMPUTE_TO_STORE : -1;
  default: return -1;
  }
}

const char *st_snpu_channel_name(st_snpu_channel ch) {
  static const char *const names[] = {"load->compute", "compute->load", "compute->store", "store->compute"};
  return (unsigned)ch < ST_SNPU_NUM_CHANNELS ? names[ch] : "?";
}

int64_t st_snpu_field_default(st_snpu_opcode op, st_snpu_field f, uint32_t dim) {
  switch (f) {
  case ST_SNPU_F_COLS: return dim;
  case ST_SNPU_F_YSIZE:
  case ST_SNPU_F_XSIZE: return op == ST_SNPU_OP_LOAD || op == ST_SNPU_OP_STORE ? 1 : 0;
  case ST_SNPU_F_OUTER:
  case ST_SNPU_F_INNER: return op == ST_SNPU_OP_ALU ? 1 : 0;
  case ST_SNPU_F_LO: return -128;
  case ST_SNPU_F_HI: return 127;
  default: return 0;
  }
}
