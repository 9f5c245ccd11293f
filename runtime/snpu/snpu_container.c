/* The .snpu container: the file a compiled SNPU program lives in.
 *
 * Layout (all integers little-endian):
 *   header      64 bytes   magic "SNPU", version, header size, configuration,
 *                          instruction / buffer counts, constant-section size
 *   buffers     48 bytes each: name[32], size, kind, const offset
 *   instructions 16 bytes each
 *   constants   const_bytes bytes (pre-packed weights, biases, requant tables)
 * The file must be exactly that long.  Parsing never trusts a count before
 * checking it against the bytes actually present, so a truncated or hostile
 * file is an error, never an out-of-bounds read. */
#include "runtime/snpu/snpu.h"

#include <stdlib.h>
#include <string.h>

#define ST_SNPU_MAGIC "SNPU"
#define ST_SNPU_VERSION 1u
#define ST_SNPU_HEADER_BYTES 64u
#define ST_SNPU_BUFENT_BYTES 48u

static const char *const st_snpu_buf_kinds[] = {"input", "output", "scratch", "const"};

const char *st_snpu_buf_kind_name(st_snpu_buf_kind k) {
  return (unsigned)k < 4 ? st_snpu_buf_kinds[k] : "?";
}

bool st_snpu_valid_name(const char *s) {
  if (!*s || strlen(s) >= ST_SNPU_NAME_MAX) return false;
  if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return false;
  for (; *s; s++)
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
          *s == '.'))
      return false;
  return true;
}

int st_snpu_program_find_buffer(const st_snpu_program *p, const char *name) {
  for (uint32_t i = 0; i < p->num_bufs; i++)
    if (strcmp(p->bufs[i].name, name) == 0) return (int)i;
  return -1;
}

void st_snpu_program_free(st_snpu_program *p) {
  free(p->insns);
  free(p->bufs);
  free(p->consts);
  memset(p, 0, sizeof *p);
}

static void st_put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void st_put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static uint32_t st_get16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t st_get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool st_snpu_program_write(const st_snpu_program *p, uint8_t **out, size_t *out_len, st_diag *d) {
  size_t len = ST_SNPU_HEADER_BYTES + (size_t)p->num_bufs * ST_SNPU_BUFENT_BYTES +
               (size_t)p->num_insns * ST_SNPU_INSN_BYTES + p->const_bytes;
  uint8_t *b = calloc(1, len);
  if (!b) {
    st_diag_error(d, st_loc_unknown(), "out of memory writing SNPU program");
    return false;
  }
  const st_snpu_config *c = &p->config;
  memcpy(b, ST_SNPU_MAGIC, 4);
  st_put16(b + 4, ST_SNPU_VERSION);
  st_put16(b + 6, ST_SNPU_HEADER_BYTES);
  st_put16(b + 8, c->dim);
  st_put32(b + 12, c->sp_bytes);
  st_put32(b + 16, c->acc_bytes);
  st_put32(b + 20, c->dram_bw);
  st_put32(b + 24, c->dma_latency);
  st_put32(b + 28, c->clock_mhz);
  st_put32(b + 32, p->num_insns);
  st_put32(b + 36, p->num_bufs);
  st_put32(b + 40, p->const_bytes);
  memcpy(b + 44, c->name, strnlen(c->name, 16 - 1)); /* 44..59: configuration name, informative */
  uint8_t *q = b + ST_SNPU_HEADER_BYTES;
  for (uint32_t i = 0; i < p->num_bufs; i++, q += ST_SNPU_BUFENT_BYTES) {
    const st_snpu_buffer *bf = &p->bufs[i];
    memcpy(q, bf->name, strnlen(bf->name, ST_SNPU_NAME_MAX - 1));
    st_put32(q + 32, bf->size);
    q[36] = (uint8_t)bf->kind;
    st_put32(q + 40, bf->const_offset);
  }
  for (uint32_t i = 0; i < p->num_insns; i++, q += ST_SNPU_INSN_BYTES) {
    char err[128];
    if (!st_snpu_encode(&p->insns[i], q, err, sizeof err)) {
      const st_snpu_opinfo *info = st_snpu_opinfo_get(p->insns[i].op);
      st_diag_error(d, st_loc_unknown(), "instruction %u (%s): %s", i, info ? info->upper : "?", err);
      free(b);
      return false;
    }
  }
  if (p->const_bytes) memcpy(q, p->consts, p->const_bytes);
  *out = b;
  *out_len = len;
  return true;
}

static bool st_snpu_parse_buffers(const uint8_t *q, st_snpu_program *p, st_diag *d) {
  st_loc nowhere = st_loc_unknown();
  uint64_t total = 0;
  for (uint32_t i = 0; i < p->num_bufs; i++, q += ST_SNPU_BUFENT_BYTES) {
    st_snpu_buffer *bf = &p->bufs[i];
    if (memchr(q, 0, ST_SNPU_NAME_MAX) == NULL) {
      st_diag_error(d, nowhere, "buffer %u: name is not NUL-terminated", i);
      return false;
    }
    memcpy(bf->name, q, ST_SNPU_NAME_MAX);
    size_t nl = strlen(bf->name);
    for (size_t k = nl; k < ST_SNPU_NAME_MAX; k++)
      if (q[k]) {
        st_diag_error(d, nowhere, "buffer %u: bytes after the name's NUL must be zero", i);
        return false;
      }
    if (!st_snpu_valid_name(bf->name)) {
      st_diag_error(d, nowhere, "buffer %u: invalid name", i);
      return false;
    }
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(p->bufs[j].name, bf->name) == 0) {
        st_diag_error(d, nowhere, "buffer %u: duplicate name '%s'", i, bf->name);
        return false;
      }
    bf->size = st_get32(q + 32);
    if (q[36] > ST_SNPU_BUF_CONST || q[37] || q[38] || q[39] || st_get32(q + 44)) {
      st_diag_error(d, nowhere, "buffer %u ('%s'): bad kind %u or reserved bytes set", i, bf->name, q[36]);
      return false;
    }
    bf->kind = (st_snpu_buf_kind)q[36];
    bf->const_offset = st_get32(q + 40);
    if (bf->size == 0 || bf->size > ST_SNPU_MAX_BUF_BYTES) {
      st_diag_error(d, nowhere, "buffer %u ('%s'): size %u must be in 1..%u", i, bf->name, bf->size,
                    ST_SNPU_MAX_BUF_BYTES);
      return false;
    }
    if (bf->kind == ST_SNPU_BUF_CONST ? (uint64_t)bf->const_offset + bf->size > p->const_bytes
                                      : bf->const_offset != 0) {
      st_diag_error(d, nowhere, "buffer %u ('%s'): constant range %u+%u outside the constant section (%u bytes)",
                    i, bf->name, bf->const_offset, bf->size, p->const_bytes);
      return false;
    }
    total += bf->size;
  }
  if (total > ST_SNPU_MAX_DRAM_BYTES) {
    st_diag_error(d, nowhere, "buffers need %llu bytes of DRAM, more than %llu", (unsigned long long)total,
                  (unsigned long long)ST_SNPU_MAX_DRAM_BYTES);
    return false;
  }
  return true;
}

bool st_snpu_program_parse(const uint8_t *data, size_t len, st_snpu_program *p, st_diag *d) {
  st_loc nowhere = st_loc_unknown();
  memset(p, 0, sizeof *p);
  if (len < ST_SNPU_HEADER_BYTES) {
    st_diag_error(d, nowhere, "truncated SNPU file: %zu bytes, the header alone is %u", len, ST_SNPU_HEADER_BYTES);
    return false;
  }
  if (memcmp(data, ST_SNPU_MAGIC, 4) != 0) {
    st_diag_error(d, nowhere, "not an SNPU program (bad magic)");
    return false;
  }
  if (st_get16(data + 4) != ST_SNPU_VERSION || st_get16(data + 6) != ST_SNPU_HEADER_BYTES) {
    st_diag_error(d, nowhere, "unsupported SNPU file version %u (header %u bytes); expected %u", st_get16(data + 4),
                  st_get16(data + 6), ST_SNPU_VERSION);
    return false;
  }
  st_snpu_config *c = &p->config;
  c->dim = st_get16(data + 8);
  c->sp_bytes = st_get32(data + 12);
  c->acc_bytes = st_get32(data + 16);
  c->dram_bw = st_get32(data + 20);
  c->dma_latency = st_get32(data + 24);
  c->clock_mhz = st_get32(data + 28);
  if (memchr(data + 44, 0, 16) == NULL || st_get16(data + 10) || st_get32(data + 60)) {
    st_diag_error(d, nowhere, "SNPU header: reserved bytes set or configuration name not terminated");
    return false;
  }
  memcpy(c->name, data + 44, 16);
  for (size_t k = strlen(c->name); k < 16; k++)
    if (data[44 + k]) {
      st_diag_error(d, nowhere, "SNPU header: bytes after the configuration name's NUL must be zero");
      return false;
    }
  if (c->name[0] && !st_snpu_valid_name(c->name)) {
    st_diag_error(d, nowhere, "SNPU header: invalid configuration name");
    return false;
  }
  if (!st_snpu_config_validate(c, d)) return false;
  uint32_t ni = st_get32(data + 32), nb = st_get32(data + 36), nc = st_get32(data + 40);
  if (ni > ST_SNPU_MAX_INSNS || nb > ST_SNPU_MAX_BUFFERS) {
    st_diag_error(d, nowhere, "SNPU header: %u instructions / %u buffers exceed the limits (%u / %u)", ni, nb,
                  ST_SNPU_MAX_INSNS, ST_SNPU_MAX_BUFFERS);
    return false;
  }
  uint64_t want = (uint64_t)ST_SNPU_HEADER_BYTES + (uint64_t)nb * ST_SNPU_BUFENT_BYTES +
                  (uint64_t)ni * ST_SNPU_INSN_BYTES + nc;
  if (want != len) {
    st_diag_error(d, nowhere, "%s SNPU file: %zu bytes, header describes %llu", len < want ? "truncated" : "oversized",
                  len, (unsigned long long)want);
    return false;
  }
  p->num_insns = ni;
  p->num_bufs = nb;
  p->const_bytes = nc;
  p->insns = calloc(ni ? ni : 1, sizeof *p->insns);
  p->bufs = calloc(nb ? nb : 1, sizeof *p->bufs);
  p->consts = malloc(nc ? nc : 1);
  if (!p->insns || !p->bufs || !p->consts) {
    st_diag_error(d, nowhere, "out of memory reading SNPU program");
    st_snpu_program_free(p);
    return false;
  }
  const uint8_t *q = data + ST_SNPU_HEADER_BYTES;
  if (!st_snpu_parse_buffers(q, p, d)) {
    st_snpu_program_free(p);
    return false;
  }
  q += (size_t)nb * ST_SNPU_BUFENT_BYTES;
  for (uint32_t i = 0; i < ni; i++, q += ST_SNPU_INSN_BYTES) {
    char err[128];
    if (!st_snpu_decode(q, &p->insns[i], err, sizeof err)) {
      const st_snpu_opinfo *info = st_snpu_opinfo_get(p->insns[i].op);
      st_diag_error(d, nowhere, "instruction %u (%s): %s", i, info ? info->upper : "?", err);
      st_snpu_program_free(p);
      return false;
    }
  }
  if (nc) memcpy(p->consts, q, nc);
  return true;
}

bool st_snpu_program_read(const uint8_t *data, size_t len, st_snpu_program *p, st_diag *d) {
  if (!st_snpu_program_parse(data, len, p, d)) return false;
  if (!st_snpu_verify(p, &p->config, d)) {
    st_snpu_program_free(p);
    return false;
  }
  return true;
}
