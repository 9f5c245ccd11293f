/* `strata snpu asm|disasm|sim`: a thin command-line shell over runtime/snpu.
 *
 *   strata snpu asm FILE.s -o FILE.snpu [--config C] [--no-verify]
 *   strata snpu disasm FILE.snpu [-o FILE.s] [--no-verify]
 *   strata snpu sim FILE.snpu [--config C] [--bind NAME=FILE]... [--out NAME=FILE]...
 *                   [--trace=FILE.json] [--quiet]
 * C is a built-in configuration (snpu16, snpu32), a path to a .cfg file, or
 * the name of a file in targets/snpu/ without its extension.  Only this file
 * turns diagnostics into exit codes. */
#include "tools/tool_snpu.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/snpu/snpu.h"

#define ST_TOOL_MAX_BINDS 64

static const char st_snpu_usage[] =
    "usage: strata snpu asm FILE.s -o FILE.snpu [--config C] [--no-verify]\n"
    "       strata snpu disasm FILE.snpu [-o FILE.s] [--no-verify]\n"
    "       strata snpu sim FILE.snpu [--config C] [--bind NAME=FILE]... [--out NAME=FILE]...\n"
    "                       [--trace=FILE.json] [--quiet]\n"
    "C: snpu16 | snpu32 | a .cfg file | a name in targets/snpu/\n"
    "sim prints cycles, MAC utilisation, DMA bytes and busy/stall cycles per queue;\n"
    "--bind gives an input buffer the bytes of a raw file, --out writes a buffer after the run.\n";

static int st_tool_fail(const char *fmt, const char *arg) {
  fputs("strata snpu: ", stderr);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  return 1;
}

static int st_tool_diag(st_diag *d) {
  st_diag_print(d, stderr);
  st_diag_free(d);
  return 1;
}

/* Reads a whole file; NUL-terminates the copy for text use. */
static uint8_t *st_tool_read(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n + 65536 + 1 > cap) {
      cap = cap ? 2 * cap : 65536 * 2;
      uint8_t *nb = realloc(buf, cap);
      if (!nb) break;
      buf = nb;
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) {
      bool ok = !ferror(f);
      fclose(f);
      if (!ok) break;
      buf[n] = 0;
      *len = n;
      return buf;
    }
  }
  free(buf);
  return NULL;
}

static bool st_tool_write(const char *path, const uint8_t *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f) return false;
  bool ok = fwrite(data, 1, len, f) == len;
  return fclose(f) == 0 && ok;
}

static bool st_tool_config(const char *name, st_snpu_config *cfg, st_diag *d) {
#ifdef STRATA_SNPU_TARGETS_DIR
  if (!st_snpu_config_builtin(name, cfg) && !strchr(name, '/') && !strchr(name, '.')) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.cfg", STRATA_SNPU_TARGETS_DIR, name);
    FILE *f = fopen(path, "rb");
    if (f) {
      fclose(f);
      return st_snpu_config_load(path, cfg, d);
    }
  }
#endif
  return st_snpu_config_load(name, cfg, d);
}

/* Accepts "--opt VALUE" and "--opt=VALUE"; returns the value or NULL. */
static const char *st_tool_opt(int argc, char **argv, int *i, const char *opt) {
  size_t n = strlen(opt);
  if (strncmp(argv[*i], opt, n) != 0) return NULL;
  if (argv[*i][n] == '=') return argv[*i] + n + 1;
  if (argv[*i][n] == 0 && *i + 1 < argc) return argv[++*i];
  return NULL;
}

static int st_tool_asm(int argc, char **argv) {
  const char *in = NULL, *out = NULL, *cfgname = NULL;
  bool no_verify = false;
  for (int i = 2; i < argc; i++) {
    const char *v;
    if ((v = st_tool_opt(argc, argv, &i, "-o"))) out = v;
    else if ((v = st_tool_opt(argc, argv, &i, "--config"))) cfgname = v;
    else if (strcmp(argv[i], "--no-verify") == 0) no_verify = true;
    else if (argv[i][0] == '-') return st_tool_fail("asm: unknown option '%s'", argv[i]);
    else if (in) return st_tool_fail("asm: more than one input ('%s')", argv[i]);
    else in = argv[i];
  }
  if (!in || !out) return st_tool_fail("asm: expected FILE.s -o FILE.snpu%s", "");
  st_diag d = {0};
  st_snpu_config cfg;
  if (cfgname && !st_tool_config(cfgname, &cfg, &d)) return st_tool_diag(&d);
  size_t len;
  char *text = (char *)st_tool_read(in, &len);
  if (!text) return st_tool_fail("cannot read '%s'", in);
  if (strlen(text) != len) {
    free(text);
    return st_tool_fail("'%s' contains a NUL byte; is it really assembly?", in);
  }
  st_snpu_program p;
  bool ok = st_snpu_assemble(text, in, cfgname ? &cfg : NULL, no_verify, &p, &d);
  free(text);
  if (!ok) return st_tool_diag(&d);
  uint8_t *bytes;
  size_t n;
  ok = st_snpu_program_write(&p, &bytes, &n, &d);
  st_snpu_program_free(&p);
  if (!ok) return st_tool_diag(&d);
  ok = st_tool_write(out, bytes, n);
  free(bytes);
  st_diag_free(&d);
  return ok ? 0 : st_tool_fail("cannot write '%s'", out);
}

/* Loads a .snpu file: structure always, the verifier unless NO_VERIFY. */
static bool st_tool_load(const char *path, bool no_verify, st_snpu_program *p, st_diag *d) {
  size_t len;
  uint8_t *data = st_tool_read(path, &len);
  if (!data) {
    st_diag_error(d, st_loc_unknown(), "cannot read '%s'", path);
    return false;
  }
  bool ok = no_verify ? st_snpu_program_parse(data, len, p, d) : st_snpu_program_read(data, len, p, d);
  free(data);
  return ok;
}

static int st_tool_disasm(int argc, char **argv) {
  const char *in = NULL, *out = NULL;
  bool no_verify = false;
  for (int i = 2; i < argc; i++) {
    const char *v;
    if ((v = st_tool_opt(argc, argv, &i, "-o"))) out = v;
    else if (strcmp(argv[i], "--no-verify") == 0) no_verify = true;
    else if (argv[i][0] == '-') return st_tool_fail("disasm: unknown option '%s'", argv[i]);
    else if (in) return st_tool_fail("disasm: more than one input ('%s')", argv[i]);
    else in = argv[i];
  }
  if (!in) return st_tool_fail("disasm: expected FILE.snpu%s", "");
  st_diag d = {0};
  st_snpu_program p;
  if (!st_tool_load(in, no_verify, &p, &d)) return st_tool_diag(&d);
  FILE *f = out ? fopen(out, "w") : stdout;
  if (!f) {
    st_snpu_program_free(&p);
    return st_tool_fail("cannot write '%s'", out);
  }
  st_snpu_disassemble(&p, f);
  bool ok = !ferror(f);
  if (out) ok = fclose(f) == 0 && ok;
  st_snpu_program_free(&p);
  st_diag_free(&d);
  return ok ? 0 : st_tool_fail("error writing '%s'", out ? out : "<stdout>");
}

typedef struct st_tool_pair {
  const char *name, *file;
} st_tool_pair;

static bool st_tool_pair_parse(const char *arg, st_tool_pair *pair, char *storage, size_t cap) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg || !eq[1] || strlen(arg) >= cap) return false;
  strcpy(storage, arg);
  storage[eq - arg] = 0;
  pair->name = storage;
  pair->file = storage + (eq - arg) + 1;
  return true;
}

static int st_tool_sim_run(st_snpu_program *p, const st_snpu_config *cfg, st_tool_pair *binds, int nb,
                           st_tool_pair *outs, int no, const char *trace_path, bool quiet, st_diag *d) {
  st_snpu_machine *m = st_snpu_machine_new(p, cfg, d);
  if (!m) return st_tool_diag(d);
  for (int i = 0; i < nb; i++) {
    size_t len;
    uint8_t *data = st_tool_read(binds[i].file, &len);
    if (!data) {
      st_snpu_machine_free(m);
      return st_tool_fail("cannot read '%s'", binds[i].file);
    }
    bool ok = st_snpu_machine_bind(m, binds[i].name, data, len, d);
    free(data);
    if (!ok) {
      st_snpu_machine_free(m);
      return st_tool_diag(d);
    }
  }
  for (int i = 0; i < no; i++)
    if (!st_snpu_machine_buffer(m, outs[i].name, NULL)) {
      st_snpu_machine_free(m);
      return st_tool_fail("--out: no buffer named '%s' in the program", outs[i].name);
    }
  st_snpu_stats stats;
  st_snpu_trace trace = {0};
  bool ok = st_snpu_machine_run(m, &stats, trace_path ? &trace : NULL, d);
  int rc = 0;
  if (!ok) rc = st_tool_diag(d);
  if (ok && !quiet) st_snpu_stats_print(&stats, cfg, stdout);
  for (int i = 0; ok && i < no; i++) {
    size_t len;
    const uint8_t *data = st_snpu_machine_buffer(m, outs[i].name, &len);
    if (!st_tool_write(outs[i].file, data, len)) rc = st_tool_fail("cannot write '%s'", outs[i].file), ok = false;
  }
  if (ok && trace_path) {
    FILE *f = fopen(trace_path, "w");
    if (f) st_snpu_trace_write_json(&trace, p, f);
    if (!f || fclose(f) != 0) rc = st_tool_fail("cannot write '%s'", trace_path);
  }
  st_snpu_trace_free(&trace);
  st_snpu_machine_free(m);
  return rc;
}

static int st_tool_sim(int argc, char **argv) {
  const char *in = NULL, *cfgname = NULL, *trace = NULL;
  bool quiet = false;
  static st_tool_pair binds[ST_TOOL_MAX_BINDS], outs[ST_TOOL_MAX_BINDS];
  static char store[2 * ST_TOOL_MAX_BINDS][1024];
  int nb = 0, no = 0;
  for (int i = 2; i < argc; i++) {
    const char *v;
    if ((v = st_tool_opt(argc, argv, &i, "--bind"))) {
      if (nb == ST_TOOL_MAX_BINDS || !st_tool_pair_parse(v, &binds[nb], store[nb], sizeof store[0]))
        return st_tool_fail("sim: bad --bind '%s' (expected NAME=FILE)", v);
      nb++;
    } else if ((v = st_tool_opt(argc, argv, &i, "--out"))) {
      if (no == ST_TOOL_MAX_BINDS ||
          !st_tool_pair_parse(v, &outs[no], store[ST_TOOL_MAX_BINDS + no], sizeof store[0]))
        return st_tool_fail("sim: bad --out '%s' (expected NAME=FILE)", v);
      no++;
    } else if ((v = st_tool_opt(argc, argv, &i, "--config"))) cfgname = v;
    else if ((v = st_tool_opt(argc, argv, &i, "--trace"))) trace = v;
    else if (strcmp(argv[i], "--quiet") == 0) quiet = true;
    else if (argv[i][0] == '-') return st_tool_fail("sim: unknown option or missing value '%s'", argv[i]);
    else if (in) return st_tool_fail("sim: more than one program ('%s')", argv[i]);
    else in = argv[i];
  }
  if (!in) return st_tool_fail("sim: expected FILE.snpu%s", "");
  st_diag d = {0};
  st_snpu_program p;
  st_snpu_config cfg;
  if (cfgname && !st_tool_config(cfgname, &cfg, &d)) return st_tool_diag(&d);
  /* With --config the program is verified against that configuration instead. */
  if (!st_tool_load(in, cfgname != NULL, &p, &d)) return st_tool_diag(&d);
  if (!cfgname) cfg = p.config;
  int rc = st_tool_sim_run(&p, &cfg, binds, nb, outs, no, trace, quiet, &d);
  st_snpu_program_free(&p);
  st_diag_free(&d);
  return rc;
}

int st_tool_snpu(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
    fputs(st_snpu_usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 1 : 0;
  }
  for (int i = 2; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(st_snpu_usage, stdout);
      return 0;
    }
  if (strcmp(argv[1], "asm") == 0) return st_tool_asm(argc, argv);
  if (strcmp(argv[1], "disasm") == 0) return st_tool_disasm(argc, argv);
  if (strcmp(argv[1], "sim") == 0) return st_tool_sim(argc, argv);
  return st_tool_fail("unknown subcommand '%s' (asm, disasm, sim; see --help)", argv[1]);
}
