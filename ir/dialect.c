/* The dialect registry: the fixed list of dialects and op lookup by name. */
#include "ir/dialect.h"

#include <string.h>

#include "ir/dialects/dialects.h"

static const st_dialect *const st_all_dialects[] = {
    &st_builtin_dialect, &st_func_dialect, &st_graph_dialect, &st_kernel_dialect,
    &st_loop_dialect,    &st_arith_dialect, &st_mem_dialect,
};

const st_dialect *const *st_dialects(unsigned *count) {
  *count = sizeof st_all_dialects / sizeof *st_all_dialects;
  return st_all_dialects;
}

const st_op_def *st_op_def_lookupn(const char *name, size_t len) {
  for (size_t d = 0; d < sizeof st_all_dialects / sizeof *st_all_dialects; d++) {
    const st_dialect *dl = st_all_dialects[d];
    size_t dn = strlen(dl->name);
    if (len <= dn || memcmp(name, dl->name, dn) != 0 || name[dn] != '.') continue;
    for (unsigned g = 0; g < dl->num_groups; g++)
      for (unsigned i = 0; i < dl->groups[g]->num_ops; i++) {
        const st_op_def *def = dl->groups[g]->ops[i];
        if (strlen(def->name) == len && memcmp(def->name, name, len) == 0) return def;
      }
  }
  return NULL;
}

const st_op_def *st_op_def_lookup(const char *name) { return st_op_def_lookupn(name, strlen(name)); }
