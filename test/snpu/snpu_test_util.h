/* Helpers shared by the SNPU unit tests: assemble a program from a string,
 * run it on the simulator with bound buffers, read results back. */
#ifndef ST_SNPU_TEST_UTIL_H
#define ST_SNPU_TEST_UTIL_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/snpu/snpu.h"

/* Assembles TEXT and fails the test (printing diagnostics) if it does not. */
static inline st_snpu_program st_test_asm(const char *text) {
  st_snpu_program p;
  st_diag d = {0};
  bool ok = st_snpu_assemble(text, "test.s", NULL, false, &p, &d);
  if (!ok) st_diag_print(&d, stderr);
  st_diag_free(&d);
  cr_assert(ok, "assembly failed");
  return p;
}

/* Assembles TEXT (without verifying) and returns the first verifier error
 * ("" if the program verifies).  The string is static. */
static inline const char *st_test_verify_error(const char *text) {
  static char msg[512];
  st_snpu_program p;
  st_diag d = {0};
  bool ok = st_snpu_assemble(text, "test.s", NULL, true, &p, &d);
  if (!ok) st_diag_print(&d, stderr);
  cr_assert(ok, "assembly failed");
  msg[0] = 0;
  if (!st_snpu_verify(&p, &p.config, &d)) snprintf(msg, sizeof msg, "%s", st_diag_first_error(&d));
  st_diag_free(&d);
  st_snpu_program_free(&p);
  return msg;
}

typedef struct st_test_bind {
  const char *name;
  const void *data;
  size_t size;
} st_test_bind;

/* Runs P with the given inputs; returns the machine (to read buffers from). */
static inline st_snpu_machine *st_test_run(const st_snpu_program *p, const st_test_bind *binds, int n,
                                           st_snpu_stats *stats) {
  st_diag d = {0};
  st_snpu_machine *m = st_snpu_machine_new(p, NULL, &d);
  if (!m) st_diag_print(&d, stderr);
  cr_assert(m != NULL, "machine creation failed");
  for (int i = 0; i < n; i++) cr_assert(st_snpu_machine_bind(m, binds[i].name, binds[i].data, binds[i].size, &d));
  st_snpu_stats local;
  bool ok = st_snpu_machine_run(m, stats ? stats : &local, NULL, &d);
  if (!ok) st_diag_print(&d, stderr);
  st_diag_free(&d);
  cr_assert(ok, "simulation failed");
  return m;
}

static inline int32_t st_test_i32(const uint8_t *p) {
  return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

static inline void st_test_put_i32(uint8_t *p, int32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)((uint32_t)v >> (8 * i));
}

#endif
