/* The greedy pattern driver (see greedy.c): folds and per-op patterns to a
 * fixed point over everything nested in `root`. */
#ifndef ST_PASSES_GREEDY_H
#define ST_PASSES_GREEDY_H

#include "ir/ir.h"

bool st_greedy_rewrite(st_module *m, st_op *root, bool *changed, st_diag *d);

#endif
