/* The pass registry: one row per pass.  This table drives --pipeline,
 * --list-passes, --print-ir-before/after and docs/passes.md. */
#include <string.h>

#include "passes/pass.h"
#include "ir/verify.h"

bool st_pass_verify(st_module *m, bool *changed, st_diag *d) {
  *changed = false;
  return st_verify_module(m, d);
}

static const st_pass st_pass_table[] = {
    {"canonicalize", "fold constants and identities, apply each op's rewrite patterns (greedy, to a fixed point)",
     st_pass_canonicalize},
    {"cse", "merge pure ops that compute the same value (same op, operands and attributes)", st_pass_cse},
    {"dce", "erase pure ops whose results are unused, and resources nothing refers to", st_pass_dce},
    {"fuse", "group elementwise chains with their producer into one kernel.fused region per launch", st_pass_fuse},
    {"lower-to-loops", "tensors to buffers (outputs become arguments), each graph op to loop/arith/mem IR through its lower hook",
     st_pass_lower_to_loops},
    {"memplan", "place every mem.alloc at an offset in one workspace arena by liveness (attrs: offset; memplan.arena, memplan.lower_bound)", st_pass_memplan},
    {"verify", "check the IR's structural rules and each op's own rules", st_pass_verify},
};

const st_pass *st_passes(unsigned *count) {
  *count = sizeof st_pass_table / sizeof *st_pass_table;
  return st_pass_table;
}

const st_pass *st_pass_lookup(const char *name) {
  for (size_t i = 0; i < sizeof st_pass_table / sizeof *st_pass_table; i++)
    if (strcmp(st_pass_table[i].name, name) == 0) return &st_pass_table[i];
  return NULL;
}
