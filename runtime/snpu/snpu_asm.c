/* The SNPU assembler: text to an st_snpu_program.
 *
 * One statement per line; `//`, `#` and `;` start a comment.  Directives:
 *   .config NAME [key=value ...]   a built-in configuration, possibly modified
 *   .config key=value ...          snpu16's values, no name unless name= is given
 *   .buffer NAME SIZE input|output|scratch
 *   .const NAME i8|i32 V, V, ...    (appends to constant buffer NAME)
 * An instruction is a mnemonic followed by operands in any order:
 * `key=value` for a field, a bare word for a one-bit flag (pop_prev, accum,
 * ...).  Values are integers (decimal, 0x..., negative where the field is
 * signed), enum names (mem=sp), buffer names (buf=A) or lo:hi for a clip
 * immediate.  Unwritten fields take st_snpu_field_default.  The opcode and
 * field names all come from the tables in snpu_isa.c. */
#include "runtime/snpu/snpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct st_snpu_asm {
  const char *file;
  st_diag *d;
  unsigned line;
  st_snpu_program *p;
  uint32_t cap_insns;
  unsigned *insn_line;
  uint8_t **cdata; /* per buffer: constant bytes being collected */
  uint32_t *clen, *ccap;
  bool have_config;
  bool override; /* the caller's configuration wins over .config */
} st_snpu_asm;

static bool st_asm_err(st_snpu_asm *a, unsigned col, const char *fmt, const char *arg) {
  st_diag_error(a->d, st_loc_file(a->file, a->line, col), fmt, arg);
  return false;
}

static bool st_asm_int(const char *s, int64_t *out) {
  if (!*s) return false;
  errno = 0;
  char *end;
  const char *digits = s[0] == '-' || s[0] == '+' ? s + 1 : s;
  bool hex = digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
  long long v = strtoll(s, &end, hex ? 16 : 10); /* never octal: 010 is ten */
  if (errno || *end) return false;
  *out = v;
  return true;
}

/* Splits S in place into at most MAX words separated by blanks or commas. */
static int st_asm_split(char *s, char **w, unsigned *col, int max, const char *line0) {
  int n = 0;
  while (*s) {
    while (*s == ' ' || *s == '\t' || *s == ',' || *s == '\r') *s++ = 0;
    if (!*s) break;
    if (n == max) return -1;
    col[n] = (unsigned)(s - line0) + 1;
    w[n++] = s;
    while (*s && *s != ' ' && *s != '\t' && *s != ',' && *s != '\r') s++;
  }
  return n;
}

static int st_asm_add_buffer(st_snpu_asm *a, const char *name, uint32_t size, st_snpu_buf_kind kind, unsigned col) {
  st_snpu_program *p = a->p;
  if (!st_snpu_valid_name(name)) return st_asm_err(a, col, "invalid buffer name '%s'", name), -1;
  if (st_snpu_program_find_buffer(p, name) >= 0) return st_asm_err(a, col, "buffer '%s' declared twice", name), -1;
  if (p->num_bufs == ST_SNPU_MAX_BUFFERS) return st_asm_err(a, col, "too many buffers (%s)", "64"), -1;
  st_snpu_buffer *b = &p->bufs[p->num_bufs];
  memset(b, 0, sizeof *b);
  strcpy(b->name, name);
  b->size = size;
  b->kind = kind;
  return (int)p->num_bufs++;
}

static bool st_asm_config(st_snpu_asm *a, char **w, unsigned *col, int n) {
  if (a->have_config) return st_asm_err(a, col[0], "%s given twice", ".config");
  if (a->p->num_insns) return st_asm_err(a, col[0], "%s must come before the first instruction", ".config");
  a->have_config = true;
  st_snpu_config c;
  st_snpu_config_builtin("snpu16", &c);
  int i = 1;
  if (n > 1 && !strchr(w[1], '=')) {
    if (!st_snpu_config_builtin(w[1], &c))
      return st_asm_err(a, col[1], "unknown configuration '%s' (snpu16, snpu32, or key=value pairs)", w[1]);
    i = 2;
  } else {
    c.name[0] = 0; /* a custom configuration has no name unless name= gives one */
  }
  for (; i < n; i++) {
    char *eq = strchr(w[i], '=');
    if (!eq) return st_asm_err(a, col[i], "expected key=value, got '%s'", w[i]);
    *eq = 0;
    if (!st_snpu_config_set(&c, w[i], eq + 1)) {
      *eq = '=';
      return st_asm_err(a, col[i], "bad configuration setting '%s'", w[i]);
    }
  }
  if (!st_snpu_config_validate(&c, a->d)) return false;
  if (!a->override) a->p->config = c; /* otherwise the caller's configuration wins */
  return true;
}

static bool st_asm_buffer(st_snpu_asm *a, char **w, unsigned *col, int n) {
  if (n != 4) return st_asm_err(a, col[0], "expected '%s NAME SIZE input|output|scratch'", ".buffer");
  int64_t size;
  if (!st_asm_int(w[2], &size) || size < 1 || size > (int64_t)ST_SNPU_MAX_BUF_BYTES)
    return st_asm_err(a, col[2], "buffer size '%s' must be in 1..2^28", w[2]);
  st_snpu_buf_kind kind;
  if (strcmp(w[3], "input") == 0) kind = ST_SNPU_BUF_INPUT;
  else if (strcmp(w[3], "output") == 0) kind = ST_SNPU_BUF_OUTPUT;
  else if (strcmp(w[3], "scratch") == 0) kind = ST_SNPU_BUF_SCRATCH;
  else return st_asm_err(a, col[3], "unknown buffer kind '%s' (input, output, scratch; use .const for data)", w[3]);
  return st_asm_add_buffer(a, w[1], (uint32_t)size, kind, col[1]) >= 0;
}

static bool st_asm_const(st_snpu_asm *a, char **w, unsigned *col, int n) {
  if (n < 4) return st_asm_err(a, col[0], "expected '%s NAME i8|i32 VALUE, ...'", ".const");
  bool i32 = strcmp(w[2], "i32") == 0;
  if (!i32 && strcmp(w[2], "i8") != 0) return st_asm_err(a, col[2], "unknown element type '%s' (i8, i32)", w[2]);
  int b = st_snpu_program_find_buffer(a->p, w[1]);
  if (b < 0) b = st_asm_add_buffer(a, w[1], 1, ST_SNPU_BUF_CONST, col[1]);
  else if (a->p->bufs[b].kind != ST_SNPU_BUF_CONST) return st_asm_err(a, col[1], "'%s' is not a constant buffer", w[1]);
  if (b < 0) return false;
  for (int i = 3; i < n; i++) {
    int64_t v;
    if (!st_asm_int(w[i], &v) || v < (i32 ? INT32_MIN : -128) || v > (i32 ? (int64_t)UINT32_MAX : 255))
      return st_asm_err(a, col[i], "bad constant '%s'", w[i]);
    unsigned k = i32 ? 4 : 1;
    if (a->clen[b] + k > ST_SNPU_MAX_BUF_BYTES) return st_asm_err(a, col[i], "constant buffer '%s' too large", w[1]);
    if (a->clen[b] + k > a->ccap[b]) {
      uint32_t cap = a->ccap[b] ? 2 * a->ccap[b] : 256;
      uint8_t *nd = realloc(a->cdata[b], cap);
      if (!nd) return st_asm_err(a, col[i], "out of memory%s", "");
      a->cdata[b] = nd;
      a->ccap[b] = cap;
    }
    for (unsigned j = 0; j < k; j++) a->cdata[b][a->clen[b]++] = (uint8_t)((uint64_t)v >> (8 * j));
  }
  return true;
}

static const st_snpu_field_layout *st_asm_find_field(const st_snpu_opinfo *info, const char *name) {
  for (unsigned i = 0; i < info->num_fields; i++)
    if (strcmp(st_snpu_field_name(info->fields[i].field), name) == 0) return &info->fields[i];
  return NULL;
}

static bool st_asm_value(st_snpu_asm *a, const st_snpu_field_layout *l, const char *s, unsigned col, int64_t *v) {
  if (l->kind == ST_SNPU_FK_ENUM) {
    for (int64_t i = 0; l->enum_names[i]; i++)
      if (strcmp(l->enum_names[i], s) == 0) return *v = i, true;
    return st_asm_err(a, col, "unknown value '%s'", s);
  }
  if (l->kind == ST_SNPU_FK_BUF) {
    int b = st_snpu_program_find_buffer(a->p, s);
    if (b < 0) return st_asm_err(a, col, "unknown buffer '%s' (declare it first)", s);
    return *v = b, true;
  }
  const char *colon = strchr(s, ':');
  if (colon && l->field == ST_SNPU_F_IMM) { /* lo:hi, the bounds of a clip */
    char lo_s[32];
    int64_t lo, hi;
    size_t n = (size_t)(colon - s);
    if (n >= sizeof lo_s) return st_asm_err(a, col, "bad clip bounds '%s'", s);
    memcpy(lo_s, s, n);
    lo_s[n] = 0;
    if (!st_asm_int(lo_s, &lo) || !st_asm_int(colon + 1, &hi) || lo < INT16_MIN || lo > INT16_MAX ||
        hi < INT16_MIN || hi > INT16_MAX)
      return st_asm_err(a, col, "bad clip bounds '%s' (lo:hi, each a 16-bit signed integer)", s);
    *v = (int32_t)(((uint32_t)(uint16_t)hi << 16) | (uint16_t)lo);
    return true;
  }
  if (!st_asm_int(s, v)) return st_asm_err(a, col, "expected an integer, got '%s'", s);
  if (!st_snpu_field_fits(l, *v)) return st_asm_err(a, col, "value '%s' does not fit the field", s);
  return true;
}

static bool st_asm_insn(st_snpu_asm *a, const st_snpu_opinfo *info, st_snpu_opcode op, char **w, unsigned *col,
                        int n) {
  st_snpu_program *p = a->p;
  if (p->num_insns == ST_SNPU_MAX_INSNS) return st_asm_err(a, col[0], "too many instructions%s", "");
  if (p->num_insns == a->cap_insns) {
    uint32_t cap = a->cap_insns ? 2 * a->cap_insns : 64;
    st_snpu_insn *ni = realloc(p->insns, cap * sizeof *ni);
    unsigned *nl = ni ? realloc(a->insn_line, cap * sizeof *nl) : NULL;
    if (ni) p->insns = ni;
    if (!nl) return st_asm_err(a, col[0], "out of memory%s", "");
    a->insn_line = nl;
    a->cap_insns = cap;
  }
  st_snpu_insn *in = &p->insns[p->num_insns];
  memset(in, 0, sizeof *in);
  in->op = op;
  bool seen[ST_SNPU_NUM_FIELDS] = {false};
  for (unsigned i = 0; i < info->num_fields; i++)
    in->f[info->fields[i].field] = st_snpu_field_default(op, info->fields[i].field, p->config.dim);
  for (int i = 1; i < n; i++) {
    char *eq = strchr(w[i], '=');
    if (eq) *eq = 0;
    const st_snpu_field_layout *l = st_asm_find_field(info, w[i]);
    if (!l) return st_asm_err(a, col[i], "unknown operand '%s'", w[i]);
    if (seen[l->field]) return st_asm_err(a, col[i], "operand '%s' given twice", w[i]);
    seen[l->field] = true;
    if (l->kind == ST_SNPU_FK_FLAG) {
      if (eq) return st_asm_err(a, col[i], "'%s' is a flag and takes no value", w[i]);
      in->f[l->field] = 1;
    } else if (!eq) {
      return st_asm_err(a, col[i], "'%s' needs a value (key=value)", w[i]);
    } else if (!st_asm_value(a, l, eq + 1, col[i] + (unsigned)(eq + 1 - w[i]), &in->f[l->field])) {
      return false;
    }
  }
  if ((op == ST_SNPU_OP_LOAD || op == ST_SNPU_OP_STORE) && !seen[ST_SNPU_F_BUF])
    return st_asm_err(a, col[0], "%s needs buf=NAME", info->mnemonic);
  a->insn_line[p->num_insns++] = a->line;
  return true;
}

static bool st_asm_line(st_snpu_asm *a, char *s) {
  const char *line0 = s;
  for (char *c = s; *c; c++)
    if (*c == '#' || *c == ';' || (c[0] == '/' && c[1] == '/')) {
      *c = 0;
      break;
    }
  char *w[4096];
  unsigned col[4096];
  int n = st_asm_split(s, w, col, 4096, line0);
  if (n < 0) return st_asm_err(a, 1, "too many operands on one line%s", "");
  if (n == 0) return true;
  if (strcmp(w[0], ".config") == 0) return st_asm_config(a, w, col, n);
  if (strcmp(w[0], ".buffer") == 0) return st_asm_buffer(a, w, col, n);
  if (strcmp(w[0], ".const") == 0) return st_asm_const(a, w, col, n);
  for (unsigned op = 1; op < ST_SNPU_NUM_OPCODES; op++) {
    const st_snpu_opinfo *info = st_snpu_opinfo_get(op);
    if (strcmp(w[0], info->mnemonic) == 0) return st_asm_insn(a, info, (st_snpu_opcode)op, w, col, n);
  }
  return st_asm_err(a, col[0], "unknown instruction or directive '%s'", w[0]);
}

/* Lays the constant buffers out one after another, in declaration order. */
static bool st_asm_finish_consts(st_snpu_asm *a) {
  st_snpu_program *p = a->p;
  uint64_t total = 0;
  for (uint32_t b = 0; b < p->num_bufs; b++) total += a->clen[b];
  if (total > ST_SNPU_MAX_BUF_BYTES) return st_asm_err(a, 1, "constant data too large%s", "");
  p->consts = malloc(total ? total : 1);
  if (!p->consts) return st_asm_err(a, 1, "out of memory%s", "");
  p->const_bytes = (uint32_t)total;
  uint32_t off = 0;
  for (uint32_t b = 0; b < p->num_bufs; b++) {
    if (p->bufs[b].kind != ST_SNPU_BUF_CONST) continue;
    p->bufs[b].const_offset = off;
    p->bufs[b].size = a->clen[b];
    memcpy(p->consts + off, a->cdata[b], a->clen[b]);
    off += a->clen[b];
  }
  return true;
}

/* Re-reports the verifier's "instruction N ..." messages at N's source line. */
static void st_asm_relocate(st_snpu_asm *a, const st_diag *vd) {
  for (const st_diag_msg *m = vd->head; m; m = m->next) {
    unsigned idx;
    st_loc loc = st_loc_unknown();
    if (m->text && sscanf(m->text, "instruction %u", &idx) == 1 && idx < a->p->num_insns)
      loc = st_loc_file(a->file, a->insn_line[idx], 1);
    st_diag_report(a->d, m->severity, loc, "%s", m->text ? m->text : "(out of memory)");
  }
}

bool st_snpu_assemble(const char *text, const char *file, const st_snpu_config *cfg, bool no_verify,
                      st_snpu_program *out, st_diag *d) {
  memset(out, 0, sizeof *out);
  st_snpu_config_builtin("snpu16", &out->config);
  if (cfg) out->config = *cfg;
  st_snpu_asm a = {file ? file : "<input>", d, 0, out, 0, NULL, NULL, NULL, NULL, false, cfg != NULL};
  out->bufs = calloc(ST_SNPU_MAX_BUFFERS, sizeof *out->bufs);
  a.cdata = calloc(ST_SNPU_MAX_BUFFERS, sizeof *a.cdata);
  a.clen = calloc(ST_SNPU_MAX_BUFFERS, sizeof *a.clen);
  a.ccap = calloc(ST_SNPU_MAX_BUFFERS, sizeof *a.ccap);
  bool ok = out->bufs && a.cdata && a.clen && a.ccap;
  if (!ok) st_diag_error(d, st_loc_unknown(), "out of memory assembling");
  char *buf = NULL;
  size_t bufcap = 0;
  for (const char *s = text; out->bufs && a.cdata && a.clen && a.ccap && *s;) {
    const char *eol = strchr(s, '\n');
    size_t len = eol ? (size_t)(eol - s) : strlen(s);
    if (len + 1 > bufcap) {
      char *nb = realloc(buf, len + 1);
      if (!nb) {
        st_diag_error(d, st_loc_unknown(), "out of memory assembling");
        ok = false;
        break;
      }
      buf = nb;
      bufcap = len + 1;
    }
    memcpy(buf, s, len);
    buf[len] = 0;
    a.line++;
    if (!st_asm_line(&a, buf)) ok = false;
    s += len + (eol ? 1 : 0);
    if (d && d->num_errors >= 20) break;
  }
  free(buf);
  if (ok) ok = st_asm_finish_consts(&a);
  if (ok && out->num_insns == 0) ok = st_asm_err(&a, 1, "no instructions%s", "");
  if (ok && !no_verify) {
    st_diag vd = {0};
    ok = st_snpu_verify(out, &out->config, &vd);
    st_asm_relocate(&a, &vd);
    st_diag_free(&vd);
  }
  for (uint32_t b = 0; a.cdata && b < ST_SNPU_MAX_BUFFERS; b++) free(a.cdata[b]);
  free(a.cdata);
  free(a.clen);
  free(a.ccap);
  free(a.insn_line);
  if (!ok) st_snpu_program_free(out);
  return ok;
}
