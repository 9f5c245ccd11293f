/* Comparing a result with its reference, as the ONNX backend test runner
 * does (numpy.testing.assert_allclose): exact element type and shape, then
 * |actual - expected| <= atol + rtol * |expected| for every element, NaN
 * equal to NaN, infinities equal only to themselves.  The 8- and 4-bit
 * floats are decoded and compared by value like the wider floats, as numpy
 * does with ml_dtypes (so -0 equals 0); sub-byte integers compare as
 * integers. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "runtime/rt/rt.h"

bool st_rt_compare(const st_rt_tensor *a, const st_rt_tensor *e, double rtol, double atol, st_rt_cmp *r) {
  memset(r, 0, sizeof *r);
  r->first_bad = -1;
  r->type_ok = st_rt_tensor_has_type(a, e->dtype, e->rank, e->dims);
  if (!r->type_ok) return false;
  int64_t n = st_rt_num_elements(a);
  bool is_int = st_rt_dtype_is_int(a->dtype);
  for (int64_t i = 0; i < n; i++) {
    double x, y;
    if (is_int) {
      int64_t p = st_rt_load_i(a->dtype, a->data, i), q = st_rt_load_i(e->dtype, e->data, i);
      if (p == q) continue;
      x = (double)p;
      y = (double)q;
    } else {
      x = st_rt_load_f(a->dtype, a->data, i);
      y = st_rt_load_f(e->dtype, e->data, i);
      if (isnan(x) && isnan(y)) continue;
      if (isinf(x) || isinf(y)) {
        if (x == y) continue;
        r->max_abs = INFINITY;
        r->num_bad++;
        if (r->first_bad < 0) r->first_bad = i;
        continue;
      }
    }
    double diff = fabs(x - y);
    if (isnan(diff)) diff = INFINITY;
    if (diff > r->max_abs) r->max_abs = diff;
    if (y != 0 && diff / fabs(y) > r->max_rel) r->max_rel = diff / fabs(y);
    if (!(diff <= atol + rtol * fabs(y))) {
      r->num_bad++;
      if (r->first_bad < 0) r->first_bad = i;
    }
  }
  return r->num_bad == 0;
}

void st_rt_print_values(FILE *out, const st_rt_tensor *t, int64_t max) {
  int64_t n = st_rt_num_elements(t);
  fputc('[', out);
  for (int64_t i = 0; i < n && i < max; i++) {
    if (i) fputs(", ", out);
    if (!st_rt_dtype_is_int(t->dtype)) fprintf(out, "%.6g", st_rt_load_f(t->dtype, t->data, i));
    else if (t->dtype == ST_RT_U64) fprintf(out, "%" PRIu64, (uint64_t)st_rt_load_i(t->dtype, t->data, i));
    else fprintf(out, "%" PRId64, st_rt_load_i(t->dtype, t->data, i));
  }
  if (n > max) fputs(", ...", out);
  fputc(']', out);
}
