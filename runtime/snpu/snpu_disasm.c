/* The SNPU disassembler: an st_snpu_program back to assembly text.
 *
 * The output is a program, not a listing: the configuration, buffer table
 * and constant data come out as directives, and each instruction prints the
 * fields that differ from the assembler's defaults, so assembling the output
 * gives the same bytes again.  An index comment follows each instruction so
 * verifier messages ("instruction 12 ...") are easy to find. */
#include "runtime/snpu/snpu.h"

static void st_snpu_print_field(const st_snpu_program *p, const st_snpu_insn *in, const st_snpu_field_layout *l,
                                FILE *out) {
  int64_t v = in->f[l->field];
  const char *name = st_snpu_field_name(l->field);
  switch (l->kind) {
  case ST_SNPU_FK_FLAG:
    if (v) fprintf(out, " %s", name);
    return;
  case ST_SNPU_FK_ENUM: {
    int64_t n = 0;
    while (l->enum_names[n]) n++;
    if (v < n) fprintf(out, " %s=%s", name, l->enum_names[v]);
    else fprintf(out, " %s=%lld", name, (long long)v); /* invalid; the verifier rejects it */
    return;
  }
  case ST_SNPU_FK_BUF:
    if (v < (int64_t)p->num_bufs) fprintf(out, " %s=%s", name, p->bufs[v].name);
    else fprintf(out, " %s=%lld", name, (long long)v);
    return;
  case ST_SNPU_FK_UINT:
  case ST_SNPU_FK_SINT:
    if (v == st_snpu_field_default(in->op, l->field, p->config.dim)) return;
    if (l->field == ST_SNPU_F_IMM && in->f[ST_SNPU_F_ALUOP] == ST_SNPU_ALU_CLIP)
      fprintf(out, " %s=%d:%d", name, (int16_t)(uint16_t)((uint32_t)v & 0xffffu),
              (int16_t)(uint16_t)((uint32_t)v >> 16));
    else
      fprintf(out, " %s=%lld", name, (long long)v);
    return;
  }
}

void st_snpu_print_insn(const st_snpu_program *p, const st_snpu_insn *in, FILE *out) {
  const st_snpu_opinfo *info = st_snpu_opinfo_get(in->op);
  if (!info) {
    fprintf(out, "<invalid opcode %d>", (int)in->op);
    return;
  }
  fputs(info->mnemonic, out);
  for (unsigned i = 0; i < info->num_fields; i++) st_snpu_print_field(p, in, &info->fields[i], out);
}

void st_snpu_disassemble(const st_snpu_program *p, FILE *out) {
  fprintf(out, "// SNPU program: %u instructions, %u buffers, %u bytes of constants\n", p->num_insns, p->num_bufs,
          p->const_bytes);
  fprintf(out, ".config ");
  if (p->config.name[0]) fprintf(out, "name=%s ", p->config.name);
  st_snpu_config_print(&p->config, out);
  fputc('\n', out);
  for (uint32_t b = 0; b < p->num_bufs; b++) {
    const st_snpu_buffer *bf = &p->bufs[b];
    if (bf->kind != ST_SNPU_BUF_CONST) {
      fprintf(out, ".buffer %s %u %s\n", bf->name, bf->size, st_snpu_buf_kind_name(bf->kind));
      continue;
    }
    const uint8_t *c = p->consts + bf->const_offset;
    for (uint32_t i = 0; i < bf->size; i++) {
      if (i % 16 == 0) fprintf(out, "%s.const %s i8 ", i ? "\n" : "", bf->name);
      fprintf(out, "%s%d", i % 16 ? ", " : "", (int8_t)c[i]);
    }
    fputc('\n', out);
  }
  for (uint32_t i = 0; i < p->num_insns; i++) {
    st_snpu_print_insn(p, &p->insns[i], out);
    fprintf(out, "  // %u\n", i);
  }
}
