/* Comparing a result with its reference, as the ONNX backend test runner
 * does (numpy.testing.assert_allclose): exact element type and shape, then
 * |actual - expected| <= atol + rtol * |expected| for every element, NaN
 * equal to NaN, infinities equal only to themselves.  The 8- and 4-bit
 * floats (f8 E4M3FN/FNUZ, E5M2/FNUZ, E8M0FNU, f4E2M1FN) are decoded and
 * compared by value like the wider floats, as numpy does with ml_dtypes
 * (so -0 equals 0); sub-byte integers compare as integers. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ir/elem.h"
#include "runtime/interp/interp.h"

bool st_interp_compare(const st_tensor *a, const st_tensor *e, double rtol, double atol, st_interp_cmp *r) {
  memset(r, 0, sizeof *r);
  r->first_bad = -1;
  r->type_ok = a->type == e->type;
  if (!r->type_ok) return false;
  const st_type *elem = st_type_elem(a->type);
  int64_t n = st_type_num_elements(a->type);
  bool is_int = st_type_is_int(elem);
  for (int64_t i = 0; i < n; i++) {
    double x, y;
    if (is_int) {
      int64_t p = st_elem_load_i(elem, a->data, i), q = st_elem_load_i(elem, e->data, i);
      if (p == q) continue;
      x = (double)p;
      y = (double)q;
    } else {
      x = st_elem_load_f(elem, a->data, i);
      y = st_elem_load_f(elem, e->data, i);
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

void st_interp_print_values(FILE *out, const st_tensor *t, int64_t max) {
  const st_type *elem = st_type_elem(t->type);
  int64_t n = st_type_num_elements(t->type);
  fputc('[', out);
  for (int64_t i = 0; i < n && i < max; i++) {
    if (i) fputs(", ", out);
    if (st_type_is_float(elem)) fprintf(out, "%.6g", st_elem_load_f(elem, t->data, i));
    else if (elem->kind == ST_TY_U64) fprintf(out, "%" PRIu64, (uint64_t)st_elem_load_i(elem, t->data, i));
    else fprintf(out, "%" PRId64, st_elem_load_i(elem, t->data, i));
  }
  if (n > max) fputs(", ...", out);
  fputc(']', out);
}
