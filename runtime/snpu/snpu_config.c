/* SNPU configuration records: the numbers that make one SNPU differ from
 * another (array size, memory sizes, DMA bandwidth and latency, clock).
 *
 * Configurations are data: the files in targets/snpu/ hold them as key=value text.
 * The two shipped ones are also compiled in here, so the tools work without
 * finding the data directory; a test checks that both copies agree. */
#include "runtime/snpu/snpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const st_snpu_config st_snpu_builtins[] = {
    {"snpu16", 16, 256u << 10, 64u << 10, 16, 64, 700},
    {"snpu32", 32, 1u << 20, 256u << 10, 32, 64, 1000},
};

bool st_snpu_config_builtin(const char *name, st_snpu_config *out) {
  for (size_t i = 0; i < sizeof st_snpu_builtins / sizeof st_snpu_builtins[0]; i++)
    if (strcmp(st_snpu_builtins[i].name, name) == 0) {
      *out = st_snpu_builtins[i];
      return true;
    }
  return false;
}

static bool st_snpu_parse_u32(const char *s, uint32_t *out) {
  if (!*s) return false;
  errno = 0;
  char *end;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno || *end || s[0] == '-' || v > UINT32_MAX) return false;
  *out = (uint32_t)v;
  return true;
}

bool st_snpu_config_set(st_snpu_config *c, const char *key, const char *value) {
  if (strcmp(key, "name") == 0) {
    if (strlen(value) > 15 || !st_snpu_valid_name(value)) return false; /* the .snpu header holds 15 */
    strcpy(c->name, value);
    return true;
  }
  struct { const char *key; uint32_t *slot; } keys[] = {
      {"dim", &c->dim},           {"sp_bytes", &c->sp_bytes},       {"acc_bytes", &c->acc_bytes},
      {"dram_bw", &c->dram_bw},   {"dma_latency", &c->dma_latency}, {"clock_mhz", &c->clock_mhz},
  };
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (strcmp(key, keys[i].key) == 0) return st_snpu_parse_u32(value, keys[i].slot);
  return false;
}

bool st_snpu_config_validate(const st_snpu_config *c, st_diag *d) {
  st_loc nowhere = st_loc_unknown();
  if (c->dim < 1 || c->dim > ST_SNPU_MAX_DIM) {
    st_diag_error(d, nowhere, "configuration: dim %u must be in 1..%u", c->dim, ST_SNPU_MAX_DIM);
    return false;
  }
  if (c->sp_bytes == 0 || c->sp_bytes % c->dim || st_snpu_sp_rows(c) > ST_SNPU_MAX_ROWS) {
    st_diag_error(d, nowhere, "configuration: sp_bytes %u must be a multiple of dim giving 1..%u rows",
                  c->sp_bytes, ST_SNPU_MAX_ROWS);
    return false;
  }
  if (c->acc_bytes == 0 || c->acc_bytes % (4 * c->dim) || st_snpu_acc_rows(c) > ST_SNPU_MAX_ROWS) {
    st_diag_error(d, nowhere, "configuration: acc_bytes %u must be a multiple of 4*dim giving 1..%u rows",
                  c->acc_bytes, ST_SNPU_MAX_ROWS);
    return false;
  }
  if (c->dram_bw < 1 || c->dram_bw > 4096) {
    st_diag_error(d, nowhere, "configuration: dram_bw %u must be in 1..4096 bytes/cycle", c->dram_bw);
    return false;
  }
  if (c->dma_latency > 1000000) {
    st_diag_error(d, nowhere, "configuration: dma_latency %u is above 1000000 cycles", c->dma_latency);
    return false;
  }
  if (c->clock_mhz < 1 || c->clock_mhz > 100000) {
    st_diag_error(d, nowhere, "configuration: clock_mhz %u must be in 1..100000", c->clock_mhz);
    return false;
  }
  return true;
}

bool st_snpu_config_parse(const char *text, const char *file, st_snpu_config *out, st_diag *d) {
  st_snpu_config_builtin("snpu16", out);
  unsigned line = 1;
  for (const char *p = text; *p; line++) {
    const char *eol = strchr(p, '\n');
    size_t n = eol ? (size_t)(eol - p) : strlen(p);
    char buf[256];
    if (n >= sizeof buf) {
      st_diag_error(d, st_loc_file(file, line, 1), "line too long");
      return false;
    }
    memcpy(buf, p, n);
    buf[n] = 0;
    p += n + (eol ? 1 : 0);
    char *hash = strchr(buf, '#');
    if (hash) *hash = 0;
    char *s = buf;
    while (*s == ' ' || *s == '\t' || *s == '\r') s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) *--e = 0;
    if (!*s) continue;
    char *eq = strchr(s, '=');
    if (!eq) {
      st_diag_error(d, st_loc_file(file, line, 1), "expected key=value, got '%s'", s);
      return false;
    }
    *eq = 0;
    char *key = s, *value = eq + 1;
    for (char *k = eq; k > key && (k[-1] == ' ' || k[-1] == '\t');) *--k = 0;
    while (*value == ' ' || *value == '\t') value++;
    if (!st_snpu_config_set(out, key, value)) {
      st_diag_error(d, st_loc_file(file, line, 1), "unknown key or bad value: %s=%s", key, value);
      return false;
    }
  }
  return st_snpu_config_validate(out, d);
}

bool st_snpu_config_load(const char *name_or_path, st_snpu_config *out, st_diag *d) {
  if (st_snpu_config_builtin(name_or_path, out)) return true;
  FILE *f = fopen(name_or_path, "rb");
  if (!f) {
    st_diag_error(d, st_loc_unknown(), "unknown SNPU configuration '%s' (not snpu16, snpu32 or a readable file)",
                  name_or_path);
    return false;
  }
  char text[8192];
  size_t n = fread(text, 1, sizeof text - 1, f);
  bool too_long = !feof(f);
  fclose(f);
  if (too_long) {
    st_diag_error(d, st_loc_unknown(), "%s: configuration file larger than %zu bytes", name_or_path,
                  sizeof text - 1);
    return false;
  }
  text[n] = 0;
  return st_snpu_config_parse(text, name_or_path, out, d);
}

void st_snpu_config_print(const st_snpu_config *c, FILE *out) {
  fprintf(out, "dim=%u sp_bytes=%u acc_bytes=%u dram_bw=%u dma_latency=%u clock_mhz=%u", c->dim, c->sp_bytes,
          c->acc_bytes, c->dram_bw, c->dma_latency, c->clock_mhz);
}
