/* SNPU encoding tests: every opcode round-trips through encode/decode with
 * extreme field values, fields sit at the bit positions docs/snpu-isa.md
 * gives, reserved bits and unknown opcodes are rejected, assembly and
 * disassembly round-trip, and the configuration data matches the built-ins. */
#include "test/snpu/snpu_test_util.h"

#include <stdio.h>

/* Fills every field of OP with its largest (or most negative) value. */
static st_snpu_insn st_test_extreme(st_snpu_opcode op, bool low) {
  st_snpu_insn in;
  memset(&in, 0, sizeof in);
  in.op = op;
  const st_snpu_opinfo *info = st_snpu_opinfo_get(op);
  for (unsigned i = 0; i < info->num_fields; i++) {
    const st_snpu_field_layout *l = &info->fields[i];
    if (l->kind == ST_SNPU_FK_SINT) in.f[l->field] = low ? -((int64_t)1 << (l->width - 1)) : ((int64_t)1 << (l->width - 1)) - 1;
    else in.f[l->field] = low ? 0 : (int64_t)(((uint64_t)1 << l->width) - 1);
  }
  return in;
}

Test(snpu_isa, roundtrip_every_opcode) {
  for (unsigned op = 1; op < ST_SNPU_NUM_OPCODES; op++)
    for (int low = 0; low < 2; low++) {
      st_snpu_insn in = st_test_extreme((st_snpu_opcode)op, low), back;
      uint8_t w[16];
      char err[128];
      cr_assert(st_snpu_encode(&in, w, err, sizeof err), "%s", err);
      cr_assert(st_snpu_decode(w, &back, err, sizeof err), "%s", err);
      cr_assert_eq(back.op, in.op);
      for (int f = 0; f < ST_SNPU_NUM_FIELDS; f++)
        cr_assert_eq(back.f[f], in.f[f], "opcode %u field %s", op, st_snpu_field_name((st_snpu_field)f));
    }
}

Test(snpu_isa, fields_do_not_overlap) {
  for (unsigned op = 1; op < ST_SNPU_NUM_OPCODES; op++) {
    const st_snpu_opinfo *info = st_snpu_opinfo_get(op);
    uint8_t used[16] = {0};
    st_snpu_bits_set(used, 0, 4, 0xf);
    for (unsigned i = 0; i < info->num_fields; i++) {
      const st_snpu_field_layout *l = &info->fields[i];
      cr_assert_leq(l->lo + l->width, 128u);
      cr_assert_eq(st_snpu_bits_get(used, l->lo, l->width), 0u, "%s: field %s overlaps", info->mnemonic,
                   st_snpu_field_name(l->field));
      st_snpu_bits_set(used, l->lo, l->width, ~(uint64_t)0);
    }
  }
}

Test(snpu_isa, documented_bit_positions) {
  /* A LOAD with row=0x1234 must put it at bits 34..49 (docs/snpu-isa.md). */
  st_snpu_insn in;
  memset(&in, 0, sizeof in);
  in.op = ST_SNPU_OP_LOAD;
  in.f[ST_SNPU_F_ROW] = 0x1234;
  in.f[ST_SNPU_F_PUSH_NEXT] = 1;
  uint8_t w[16];
  char err[128];
  cr_assert(st_snpu_encode(&in, w, err, sizeof err));
  cr_assert_eq(w[0], 0x81); /* opcode 1, push_next = bit 7 */
  cr_assert_eq(st_snpu_bits_get(w, 34, 16), 0x1234u);
  cr_assert_eq(w[4], (uint8_t)(0x1234 << 2)); /* bits 34..39 are the low 6 bits, in byte 4 from bit 2 */
  /* ALU imm occupies the last 32 bits, little-endian. */
  memset(&in, 0, sizeof in);
  in.op = ST_SNPU_OP_ALU;
  in.f[ST_SNPU_F_IMM] = -2;
  cr_assert(st_snpu_encode(&in, w, err, sizeof err));
  cr_assert_eq(w[12], 0xfe);
  cr_assert_eq(w[15], 0xff);
  /* HALT is opcode 6 and nothing else. */
  memset(&in, 0, sizeof in);
  in.op = ST_SNPU_OP_HALT;
  cr_assert(st_snpu_encode(&in, w, err, sizeof err));
  cr_assert_eq(w[0], 6);
  for (int i = 1; i < 16; i++) cr_assert_eq(w[i], 0);
}

Test(snpu_isa, rejects_bad_words) {
  uint8_t w[16] = {0};
  st_snpu_insn in;
  char err[128];
  cr_assert_not(st_snpu_decode(w, &in, err, sizeof err), "opcode 0 is invalid");
  cr_assert(strstr(err, "unknown opcode 0"));
  w[0] = 0x0f;
  cr_assert_not(st_snpu_decode(w, &in, err, sizeof err));
  w[0] = ST_SNPU_OP_HALT;
  w[9] = 0x10;
  cr_assert_not(st_snpu_decode(w, &in, err, sizeof err), "HALT with payload bits");
  cr_assert(strstr(err, "reserved bits"), "%s", err);
  memset(w, 0, sizeof w);
  w[0] = ST_SNPU_OP_GEMM;
  w[1] = 0x04; /* bit 10: reserved in GEMM */
  cr_assert_not(st_snpu_decode(w, &in, err, sizeof err));
}

Test(snpu_isa, encoder_rejects_values_that_do_not_fit) {
  st_snpu_insn in;
  memset(&in, 0, sizeof in);
  in.op = ST_SNPU_OP_GEMM;
  in.f[ST_SNPU_F_OUTER] = 4096; /* 12 bits */
  uint8_t w[16];
  char err[128];
  cr_assert_not(st_snpu_encode(&in, w, err, sizeof err));
  cr_assert(strstr(err, "outer"), "%s", err);
  memset(&in, 0, sizeof in);
  in.op = ST_SNPU_OP_STORE;
  in.f[ST_SNPU_F_LO] = -129; /* 8-bit signed */
  cr_assert_not(st_snpu_encode(&in, w, err, sizeof err));
}

static const char st_test_all_ops[] =
    ".config snpu16\n"
    ".buffer in 4096 input\n"
    ".buffer out 4096 output\n"
    ".const w i8 -128, 127, 0, 5\n"
    ".const b i32 -2147483648, 7\n"
    "sync queue=compute push_prev\n"
    "load mem=sp row=7 buf=in off=3 ysize=2 xsize=3 ystride=100 xstride=9 cols=5 pad_top=1 pad_bottom=2 "
    "pad_left=3 pad_right=4 pop_next push_next\n"
    "load mem=acc row=1 buf=b ysize=1 cols=2\n"
    "gemm preload wgt=16 inp=3 acc=2 outer=2 inner=3 inp_so=8 inp_si=2 acc_so=5 acc_si=1 pop_prev\n"
    "alu op=clip use_imm imm=-5:99 dst=4 outer=3 inner=2 dst_so=2 dst_si=1\n"
    "alu op=shr dst=1 src=2 src_so=1 outer=2 push_next\n"
    "alu op=add use_imm imm=-2147483648 dst=0\n"
    "store mem=acc out=i8 row=0 buf=out off=10 ysize=4 ystride=16 cols=3 requant param=100 lo=-3 hi=100 pop_prev\n"
    "store mem=acc out=i32 buf=out off=64\n"
    "store mem=sp buf=out cols=1\n"
    "halt\n";

static char *st_test_disasm(const st_snpu_program *p) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  st_snpu_disassemble(p, f);
  fclose(f);
  return text;
}

Test(snpu_isa, asm_disasm_roundtrip_bytes) {
  st_snpu_program p = st_test_asm(st_test_all_ops);
  uint8_t *b1, *b2;
  size_t n1, n2;
  st_diag d = {0};
  cr_assert(st_snpu_program_write(&p, &b1, &n1, &d));
  char *text = st_test_disasm(&p);
  st_snpu_program q = st_test_asm(text);
  cr_assert(st_snpu_program_write(&q, &b2, &n2, &d));
  cr_assert_eq(n1, n2);
  cr_assert(memcmp(b1, b2, n1) == 0, "disassembly does not re-assemble to the same bytes:\n%s", text);
  /* And the container reads back to the same program. */
  st_snpu_program r;
  cr_assert(st_snpu_program_read(b1, n1, &r, &d));
  cr_assert_eq(r.num_insns, p.num_insns);
  cr_assert(memcmp(r.insns, p.insns, sizeof *p.insns * p.num_insns) == 0);
  cr_assert_eq(r.const_bytes, 4 + 8);
  cr_assert_str_eq(r.bufs[3].name, "b");
  cr_assert(strstr(text, "imm=-5:99"), "%s", text);
  free(text);
  free(b1);
  free(b2);
  st_snpu_program_free(&p);
  st_snpu_program_free(&q);
  st_snpu_program_free(&r);
}

Test(snpu_isa, asm_errors_have_locations) {
  st_snpu_program p;
  st_diag d = {0};
  cr_assert_not(st_snpu_assemble(".buffer x 16 input\nload buf=x rows=3\nhalt\n", "f.s", NULL, false, &p, &d));
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  st_diag_print(&d, f);
  fclose(f);
  cr_assert(strstr(text, "f.s:2:12: error: unknown operand 'rows'"), "%s", text);
  free(text);
  st_diag_free(&d);
  cr_assert_not(st_snpu_assemble("bogus 1\n", "f.s", NULL, false, &p, &d));
  cr_assert(strstr(st_diag_first_error(&d), "unknown instruction"));
  st_diag_free(&d);
  cr_assert_not(st_snpu_assemble("alu op=frob dst=0 use_imm\nhalt\n", "f.s", NULL, false, &p, &d));
  cr_assert(strstr(st_diag_first_error(&d), "unknown value 'frob'"));
  st_diag_free(&d);
  cr_assert_not(st_snpu_assemble("gemm preload wgt=70000\nhalt\n", "f.s", NULL, false, &p, &d));
  cr_assert(strstr(st_diag_first_error(&d), "does not fit"));
  st_diag_free(&d);
  /* Verifier errors are reported at the instruction's line. */
  cr_assert_not(st_snpu_assemble("// c\ngemm preload wgt=16380\nhalt\n", "f.s", NULL, false, &p, &d));
  cr_assert_eq(d.head->line, 2u);
  st_diag_free(&d);
}

Test(snpu_isa, config_files_match_builtins) {
  const char *names[] = {"snpu16", "snpu32"};
  for (int i = 0; i < 2; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.cfg", SNPU_TARGETS_DIR, names[i]);
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    st_snpu_config a, b;
    st_diag d = {0};
    cr_assert(st_snpu_config_parse(text, path, &a, &d));
    cr_assert(st_snpu_config_builtin(names[i], &b));
    cr_assert(memcmp(&a, &b, sizeof a) == 0, "%s differs from the built-in", path);
  }
  st_snpu_config c;
  cr_assert(st_snpu_config_builtin("snpu16", &c));
  cr_assert_eq(st_snpu_sp_rows(&c), 16384u);
  cr_assert_eq(st_snpu_acc_rows(&c), 1024u);
  cr_assert(st_snpu_config_builtin("snpu32", &c));
  cr_assert_eq(c.sp_bytes, 1u << 20);
  cr_assert_eq(c.acc_bytes, 256u << 10);
}

Test(snpu_isa, config_parser_rejects_bad_input) {
  st_snpu_config c;
  st_diag d = {0};
  cr_assert_not(st_snpu_config_parse("dim=0\n", "x.cfg", &c, &d));
  st_diag_free(&d);
  cr_assert_not(st_snpu_config_parse("dim=16\nsp_bytes=100\n", "x.cfg", &c, &d));
  st_diag_free(&d);
  cr_assert_not(st_snpu_config_parse("speed=9\n", "x.cfg", &c, &d));
  cr_assert(strstr(st_diag_first_error(&d), "unknown key"));
  st_diag_free(&d);
  cr_assert(st_snpu_config_parse("# x\n dim = 8 \nsp_bytes=1024\nacc_bytes=1024\n", "x.cfg", &c, &d));
  cr_assert_eq(c.dim, 8u);
}

/* docs/snpu-isa.md lists every field of every opcode as "| hi..lo | name |"
 * under "#### OPCODE (opcode N)"; the tables in snpu_isa.c are the truth. */
Test(snpu_isa, documentation_tables_match_the_code) {
  FILE *f = fopen(SNPU_ISA_DOC, "rb");
  cr_assert(f, "cannot open %s", SNPU_ISA_DOC);
  static char doc[1 << 17];
  size_t n = fread(doc, 1, sizeof doc - 1, f);
  fclose(f);
  doc[n] = 0;
  for (unsigned op = 1; op < ST_SNPU_NUM_OPCODES; op++) {
    const st_snpu_opinfo *info = st_snpu_opinfo_get(op);
    char head[64];
    snprintf(head, sizeof head, "#### %s (opcode %u)\n", info->upper, op);
    const char *sec = strstr(doc, head);
    cr_assert(sec, "docs lack a section '%s'", head);
    const char *end = strstr(sec + 1, "\n#### ");
    if (!end) end = sec + strlen(sec);
    for (unsigned i = 0; i < info->num_fields; i++) {
      const st_snpu_field_layout *l = &info->fields[i];
      char row[96];
      if (l->width == 1) snprintf(row, sizeof row, "\n| %u | %s |", l->lo, st_snpu_field_name(l->field));
      else snprintf(row, sizeof row, "\n| %u..%u | %s |", l->lo + l->width - 1, l->lo, st_snpu_field_name(l->field));
      const char *at = strstr(sec, row);
      cr_assert(at && at < end, "docs: %s lacks the row '%s'", info->upper, row + 1);
    }
  }
}

/* Found by the fuzzer: a container whose configuration has no name must
 * disassemble to text that assembles back to it. */
Test(snpu_isa, unnamed_configuration_roundtrips) {
  st_snpu_program p = st_test_asm(".config dim=4 sp_bytes=256 acc_bytes=256\n.buffer x 16 input\nload buf=x\nhalt\n");
  cr_assert_str_eq(p.config.name, "");
  char *text = st_test_disasm(&p);
  cr_assert(strstr(text, ".config dim=4 "), "%s", text);
  st_snpu_program q = st_test_asm(text);
  cr_assert_str_eq(q.config.name, "");
  free(text);
  st_snpu_program_free(&q);
  st_snpu_program_free(&p);
  st_snpu_config c;
  cr_assert(st_snpu_config_builtin("snpu16", &c));
  cr_assert(st_snpu_config_set(&c, "name", "fifteen_chars_x"));
  cr_assert_not(st_snpu_config_set(&c, "name", "sixteen_chars_xx"), "the header holds 15 characters");
}
