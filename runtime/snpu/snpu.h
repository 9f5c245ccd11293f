/* The SNPU: Strata's neural accelerator, as data types and a library API.
 *
 * The machine is a DIM x DIM weight-stationary int8 systolic array with int32
 * accumulation, an int8 scratchpad, an int32 accumulator memory, a vector ALU
 * over accumulator rows and two DMA channels to DRAM.  Instructions are 128
 * bits wide and run on three in-order queues (load, compute, store) that
 * synchronise through dependency tokens.  docs/snpu-isa.md is the
 * specification; this header is the contract of the code that implements it:
 * configuration records, the instruction tables (encode / decode), the
 * assembler and disassembler, the .snpu container, the verifier and the
 * simulator.  Every function that can fail reports into an st_diag and
 * returns false or NULL. */
#ifndef ST_SNPU_H
#define ST_SNPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ir/diag.h"

/* ---- configuration (snpu_config.c) ------------------------------------ */

#define ST_SNPU_MAX_DIM 64u
#define ST_SNPU_MAX_ROWS 65536u /* scratchpad and accumulator rows: 16-bit row fields */

typedef struct st_snpu_config {
  char name[32];
  uint32_t dim;         /* array is dim x dim; a memory row is dim elements */
  uint32_t sp_bytes;    /* scratchpad, int8: sp_bytes / dim rows */
  uint32_t acc_bytes;   /* accumulator, int32: acc_bytes / (4 dim) rows */
  uint32_t dram_bw;     /* bytes per cycle, per DMA channel */
  uint32_t dma_latency; /* cycles from issue of a DMA instruction to its first byte */
  uint32_t clock_mhz;   /* only used to turn cycles into time in reports */
} st_snpu_config;

static inline uint32_t st_snpu_sp_rows(const st_snpu_config *c) { return c->sp_bytes / c->dim; }
static inline uint32_t st_snpu_acc_rows(const st_snpu_config *c) { return c->acc_bytes / (4 * c->dim); }

/* The two built-in configurations, "snpu16" and "snpu32" (also shipped as data
 * in targets/snpu/).  Returns false for an unknown name. */
bool st_snpu_config_builtin(const char *name, st_snpu_config *out);
/* Parses key=value text (# comments); starts from snpu16's values. */
bool st_snpu_config_parse(const char *text, const char *file, st_snpu_config *out, st_diag *d);
/* NAME is a built-in name or a path to a .cfg file. */
bool st_snpu_config_load(const char *name_or_path, st_snpu_config *out, st_diag *d);
bool st_snpu_config_validate(const st_snpu_config *c, st_diag *d);
/* Applies one "key=value" (dim, sp_bytes, ...); false on unknown key or bad value. */
bool st_snpu_config_set(st_snpu_config *c, const char *key, const char *value);
void st_snpu_config_print(const st_snpu_config *c, FILE *out); /* one line of key=value */

/* ---- instructions (snpu_isa.c) ---------------------------------------- */

#define ST_SNPU_INSN_BYTES 16

/* Opcode 0 is deliberately invalid so that zero-filled memory is not a program. */
#define ST_SNPU_OPCODES(X) \
  X(LOAD, "load", 1)       \
  X(GEMM, "gemm", 2)       \
  X(ALU, "alu", 3)         \
  X(STORE, "store", 4)     \
  X(SYNC, "sync", 5)       \
  X(HALT, "halt", 6)

typedef enum st_snpu_opcode {
  ST_SNPU_OP_INVALID = 0,
#define X(id, mn, code) ST_SNPU_OP_##id = code,
  ST_SNPU_OPCODES(X)
#undef X
  ST_SNPU_NUM_OPCODES
} st_snpu_opcode;

/* Every field any instruction has.  A decoded instruction keeps one value per
 * field; an opcode's layout table says which fields it has and where. */
#define ST_SNPU_FIELDS(X)                                                   \
  X(POP_PREV, "pop_prev") X(POP_NEXT, "pop_next")                           \
  X(PUSH_PREV, "push_prev") X(PUSH_NEXT, "push_next")                       \
  X(MEM, "mem") X(OUT, "out") X(REQUANT, "requant") X(COLS, "cols")         \
  X(BUF, "buf") X(PAD_TOP, "pad_top") X(PAD_BOTTOM, "pad_bottom")           \
  X(PAD_LEFT, "pad_left") X(PAD_RIGHT, "pad_right") X(ROW, "row")           \
  X(PARAM, "param") X(OFF, "off") X(YSIZE, "ysize") X(XSIZE, "xsize")       \
  X(YSTRIDE, "ystride") X(XSTRIDE, "xstride") X(LO, "lo") X(HI, "hi")       \
  X(PRELOAD, "preload") X(ACCUM, "accum") X(WGT, "wgt") X(INP, "inp")       \
  X(ACC, "acc") X(OUTER, "outer") X(INNER, "inner") X(INP_SO, "inp_so")     \
  X(INP_SI, "inp_si") X(ACC_SO, "acc_so") X(ACC_SI, "acc_si")               \
  X(ALUOP, "op") X(USE_IMM, "use_imm") X(DST, "dst") X(SRC, "src")          \
  X(DST_SO, "dst_so") X(DST_SI, "dst_si") X(SRC_SO, "src_so")               \
  X(SRC_SI, "src_si") X(IMM, "imm") X(QUEUE, "queue")

typedef enum st_snpu_field {
#define X(id, name) ST_SNPU_F_##id,
  ST_SNPU_FIELDS(X)
#undef X
  ST_SNPU_NUM_FIELDS
} st_snpu_field;

typedef enum st_snpu_field_kind {
  ST_SNPU_FK_UINT, /* unsigned integer */
  ST_SNPU_FK_SINT, /* two's complement integer */
  ST_SNPU_FK_FLAG, /* one bit, written as a bare word in assembly */
  ST_SNPU_FK_ENUM, /* small unsigned value with names */
  ST_SNPU_FK_BUF,  /* index into the buffer table, written as the buffer's name */
} st_snpu_field_kind;

typedef struct st_snpu_field_layout {
  st_snpu_field field;
  uint8_t lo, width; /* bit position in the 128-bit word */
  st_snpu_field_kind kind;
  const char *const *enum_names; /* ST_SNPU_FK_ENUM: value -> name, NULL-terminated */
} st_snpu_field_layout;

typedef struct st_snpu_opinfo {
  const char *mnemonic; /* "load"; messages use the upper-case form */
  const char *upper;    /* "LOAD" */
  const st_snpu_field_layout *fields;
  unsigned num_fields;
} st_snpu_opinfo;

typedef enum st_snpu_mem_kind { ST_SNPU_MEM_SP = 0, ST_SNPU_MEM_ACC = 1 } st_snpu_mem_kind;
typedef enum st_snpu_out_kind { ST_SNPU_OUT_I8 = 0, ST_SNPU_OUT_I32 = 1 } st_snpu_out_kind;
typedef enum st_snpu_queue { ST_SNPU_Q_LOAD = 0, ST_SNPU_Q_COMPUTE = 1, ST_SNPU_Q_STORE = 2, ST_SNPU_Q_NONE = 3 } st_snpu_queue;

#define ST_SNPU_ALUOPS(X) \
  X(ADD, "add") X(SUB, "sub") X(MUL, "mul") X(MAX, "max") X(MIN, "min") X(SHR, "shr") X(CLIP, "clip") X(MOV, "mov")
typedef enum st_snpu_aluop {
#define X(id, name) ST_SNPU_ALU_##id,
  ST_SNPU_ALUOPS(X)
#undef X
  ST_SNPU_NUM_ALUOPS
} st_snpu_aluop;

typedef struct st_snpu_insn {
  st_snpu_opcode op;
  int64_t f[ST_SNPU_NUM_FIELDS]; /* fields the opcode lacks are 0 */
} st_snpu_insn;

/* NULL for an invalid opcode. */
const st_snpu_opinfo *st_snpu_opinfo_get(unsigned opcode);
const char *st_snpu_field_name(st_snpu_field f);
const char *st_snpu_queue_name(st_snpu_queue q);
/* The queue an instruction runs on (SYNC names its queue; HALT has none). */
st_snpu_queue st_snpu_insn_queue(const st_snpu_insn *in);
/* Dependency tokens travel on four channels between neighbouring queues. */
typedef enum st_snpu_channel {
  ST_SNPU_CH_LOAD_TO_COMPUTE = 0,
  ST_SNPU_CH_COMPUTE_TO_LOAD = 1,
  ST_SNPU_CH_COMPUTE_TO_STORE = 2,
  ST_SNPU_CH_STORE_TO_COMPUTE = 3,
  ST_SNPU_NUM_CHANNELS = 4
} st_snpu_channel;
/* The channel a dependency flag (POP_PREV ... PUSH_NEXT) of queue Q uses, or
 * -1 where Q has no such neighbour (the load queue has no "prev"). */
int st_snpu_dep_channel(st_snpu_queue q, st_snpu_field flag);
const char *st_snpu_channel_name(st_snpu_channel ch); /* "load->compute" */
/* Whether V is representable in the field's bits. */
bool st_snpu_field_fits(const st_snpu_field_layout *l, int64_t v);
/* The value the assembler gives a field that is not written (the
 * disassembler omits fields that hold it).  DIM is the program's array size. */
int64_t st_snpu_field_default(st_snpu_opcode op, st_snpu_field f, uint32_t dim);
/* Packs an instruction; false (with a message) if a field does not fit. */
bool st_snpu_encode(const st_snpu_insn *in, uint8_t out[ST_SNPU_INSN_BYTES], char *err, size_t errlen);
/* Unpacks; false for an unknown opcode or set reserved bits. */
bool st_snpu_decode(const uint8_t in[ST_SNPU_INSN_BYTES], st_snpu_insn *out, char *err, size_t errlen);
/* Helpers over a 128-bit little-endian word. */
uint64_t st_snpu_bits_get(const uint8_t w[ST_SNPU_INSN_BYTES], unsigned lo, unsigned width);
void st_snpu_bits_set(uint8_t w[ST_SNPU_INSN_BYTES], unsigned lo, unsigned width, uint64_t v);

/* ---- programs and the container (snpu_container.c) -------------------- */

typedef enum st_snpu_buf_kind {
  ST_SNPU_BUF_INPUT = 0,
  ST_SNPU_BUF_OUTPUT = 1,
  ST_SNPU_BUF_SCRATCH = 2,
  ST_SNPU_BUF_CONST = 3,
} st_snpu_buf_kind;

#define ST_SNPU_NAME_MAX 32        /* including the terminating NUL */
#define ST_SNPU_MAX_BUFFERS 64u    /* 6-bit buffer fields */
#define ST_SNPU_MAX_INSNS (1u << 20)
#define ST_SNPU_MAX_BUF_BYTES (1u << 28) /* 28-bit DRAM offsets */
#define ST_SNPU_MAX_DRAM_BYTES (1ull << 30)

typedef struct st_snpu_buffer {
  char name[ST_SNPU_NAME_MAX];
  uint32_t size;
  st_snpu_buf_kind kind;
  uint32_t const_offset; /* ST_SNPU_BUF_CONST: where its bytes start in consts */
} st_snpu_buffer;

typedef struct st_snpu_program {
  st_snpu_config config;
  st_snpu_insn *insns;
  uint32_t num_insns;
  st_snpu_buffer *bufs;
  uint32_t num_bufs;
  uint8_t *consts;
  uint32_t const_bytes;
} st_snpu_program;

const char *st_snpu_buf_kind_name(st_snpu_buf_kind k);
bool st_snpu_valid_name(const char *s);
/* Returns the buffer index, or -1. */
int st_snpu_program_find_buffer(const st_snpu_program *p, const char *name);
void st_snpu_program_free(st_snpu_program *p);

/* Serialises to a malloc'd byte array. */
bool st_snpu_program_write(const st_snpu_program *p, uint8_t **out, size_t *out_len, st_diag *d);
/* Parses and verifies (st_snpu_verify with the program's own configuration). */
bool st_snpu_program_read(const uint8_t *data, size_t len, st_snpu_program *out, st_diag *d);
/* Parses only: the structure of the file, no instruction semantics. */
bool st_snpu_program_parse(const uint8_t *data, size_t len, st_snpu_program *out, st_diag *d);

/* ---- assembler and disassembler (snpu_asm.c, snpu_disasm.c) ------------ */

/* Assembles text; FILE names locations.  CFG, when not NULL, replaces the
 * configuration a .config directive gives (the default is snpu16).  Runs the
 * verifier unless no_verify; its messages carry the instruction's line. */
bool st_snpu_assemble(const char *text, const char *file, const st_snpu_config *cfg, bool no_verify,
                      st_snpu_program *out, st_diag *d);
/* Writes assembly that st_snpu_assemble turns back into identical bytes. */
void st_snpu_disassemble(const st_snpu_program *p, FILE *out);
/* One instruction, without dependency comments or newline. */
void st_snpu_print_insn(const st_snpu_program *p, const st_snpu_insn *in, FILE *out);

/* ---- verifier (snpu_verify.c) ----------------------------------------- */

/* Checks every access against CFG's memories and the program's buffers, the
 * fields of every instruction, and the token protocol (no deadlock, every
 * token pushed is popped).  Messages read "instruction N (OP): ...". */
bool st_snpu_verify(const st_snpu_program *p, const st_snpu_config *cfg, st_diag *d);
/* An upper bound on the simulator's work: rows moved or computed, summed. */
uint64_t st_snpu_program_work(const st_snpu_program *p);

/* ---- arithmetic shared by the simulator and its tests (snpu_exec.c) ---- */

int32_t st_snpu_sat32(int64_t v);
/* Arithmetic shift right by s (clamped to 0..31), rounding half up. */
int32_t st_snpu_round_shift(int32_t x, int32_t s);
/* round((x * mult) / 2^(31 + shift)), ties up, shift clamped to 0..31. */
int32_t st_snpu_requant(int32_t x, int32_t mult, int32_t shift);
/* The full int8 epilogue: requant (if requant), + zp, clamp to [lo, hi]. */
int8_t st_snpu_epilogue(int32_t x, bool requant, int32_t mult, int32_t shift, int32_t zp, int32_t lo, int32_t hi);
/* One ALU lane: a op b.  For CLIP, b packs lo (bits 15..0) and hi (31..16). */
int32_t st_snpu_alu_apply(st_snpu_aluop op, int32_t a, int32_t b);

/* ---- simulator (snpu_exec.c, snpu_sim.c) ------------------------------ */

typedef struct st_snpu_stats {
  uint64_t cycles;
  uint64_t macs;           /* useful multiply-accumulates (rows x dim x dim) */
  uint64_t dma_load_bytes; /* bytes read from DRAM */
  uint64_t dma_store_bytes;
  uint64_t busy[3];  /* per queue: cycles executing instructions */
  uint64_t stall[3]; /* per queue: cycles an instruction waited for a token */
  uint64_t insns[3];
  uint32_t dim;
} st_snpu_stats;

typedef struct st_snpu_event {
  uint32_t index; /* instruction index */
  uint8_t queue, op;
  uint64_t start, end;
} st_snpu_event;

typedef struct st_snpu_trace {
  st_snpu_event *ev;
  size_t n, cap;
} st_snpu_trace;

typedef struct st_snpu_machine st_snpu_machine;

/* Verifies P against CFG (NULL: P's own configuration) and builds memories.
 * P must outlive the machine.
 * Constant buffers come from the program; output and scratch buffers start
 * zeroed; every input must be bound before st_snpu_machine_run. */
st_snpu_machine *st_snpu_machine_new(const st_snpu_program *p, const st_snpu_config *cfg, st_diag *d);
/* Copies DATA into buffer NAME; SIZE must equal the buffer's size. */
bool st_snpu_machine_bind(st_snpu_machine *m, const char *name, const void *data, size_t size, st_diag *d);
/* Runs to completion.  TRACE may be NULL. */
bool st_snpu_machine_run(st_snpu_machine *m, st_snpu_stats *stats, st_snpu_trace *trace, st_diag *d);
/* The bytes of buffer NAME (after a run: its results); NULL if unknown. */
const uint8_t *st_snpu_machine_buffer(const st_snpu_machine *m, const char *name, size_t *size);
void st_snpu_machine_free(st_snpu_machine *m);

/* MAC utilisation in hundredths of a percent (integer; 10000 = 100 %). */
uint64_t st_snpu_stats_util_x100(const st_snpu_stats *s);
void st_snpu_stats_print(const st_snpu_stats *s, const st_snpu_config *cfg, FILE *out);
/* Chrome trace-event JSON: one track per queue, ts in cycles. */
void st_snpu_trace_write_json(const st_snpu_trace *t, const st_snpu_program *p, FILE *out);
void st_snpu_trace_free(st_snpu_trace *t);

#endif
