/* Comparing results for the interpreter's tensors: the rule is the
 * runtime's (st_rt_compare, rt_compare.c), shared by every runner. */
#include <string.h>

#include "runtime/interp/interp.h"

bool st_interp_compare(const st_tensor *a, const st_tensor *e, double rtol, double atol, st_interp_cmp *r) {
  st_rt_tensor x = st_interp_to_rt(a), y = st_interp_to_rt(e);
  st_rt_cmp c;
  bool ok = a->type == e->type && x.dtype != ST_RT_UNKNOWN && st_rt_compare(&x, &y, rtol, atol, &c);
  if (a->type != e->type || x.dtype == ST_RT_UNKNOWN) {
    memset(r, 0, sizeof *r);
    r->first_bad = -1;
    r->type_ok = false;
    return false;
  }
  *r = (st_interp_cmp){c.type_ok, c.max_abs, c.max_rel, c.num_bad, c.first_bad};
  return ok;
}

void st_interp_print_values(FILE *out, const st_tensor *t, int64_t max) {
  st_rt_tensor r = st_interp_to_rt(t);
  st_rt_print_values(out, &r, max);
}
