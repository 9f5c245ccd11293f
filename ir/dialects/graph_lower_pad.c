/* Lower hooks of Pad (data, pads, constant_value?, axes?) in modes constant,
 * reflect, edge and wrap, and CenterCropPad (a crop and a zero pad).
 *
 * The pads are constants (shapes are static), so each dim's map from an
 * output coordinate to an input coordinate is tabulated at compile time as
 * the interpreter computes it (st_pad_fill in graph_shape_interp.c:
 * negative pads crop first, the kept window is then padded by the mode),
 * with -1 for a position outside in constant mode.  One parallel nest over
 * the result loads each non-identity dim's entry, clamps a -1 to 0 so the
 * load stays inside the buffer, and selects the constant value (read at run
 * time from operand 2, 0 without it) where any dim was outside. */
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_shape.h"

enum { ST_LP_CONSTANT, ST_LP_REFLECT, ST_LP_EDGE, ST_LP_WRAP };

static bool st_lp_fill(st_op *op, st_lower_ctx *lc, const st_pad_plan *p, int mode, st_value *value, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  const st_type *it = lc->inputs[0]->type, *ot = op->results[0].type, *elem = ot->u.shaped.elem;
  const st_type *i64 = st_type_scalar(ctx, ST_TY_I64), *index = st_type_scalar(ctx, ST_TY_INDEX);
  unsigned r = p->rank;
  if (ot->u.shaped.rank != r || memcmp(ot->u.shaped.dims, p->dims, r * sizeof *p->dims))
    return st_graph_lower_fail(op, d, "pads unlike the result");
  st_value *tab[ST_MAX_RANK] = {0};
  bool empty = false, constant = mode == ST_LP_CONSTANT;
  for (unsigned k = 0; k < r; k++) {
    int64_t dim = it->u.shaped.dims[k], end = p->dims[k] - dim - p->begin[k];
    int64_t lead = p->begin[k] > 0 ? p->begin[k] : 0, crop = p->begin[k] < 0 ? -p->begin[k] : 0;
    int64_t m = dim - crop - (end < 0 ? -end : 0);
    if (m <= 0 && p->dims[k] > 0) {
      if (!constant) return st_graph_lower_fail(op, d, "cannot pad an empty dim in this mode");
      empty = true;
    }
    if (empty || (lead == 0 && crop == 0 && p->dims[k] == dim)) continue;
    int64_t *map = malloc((size_t)(p->dims[k] ? p->dims[k] : 1) * sizeof *map);
    if (!map) return lc->out_of_memory = true, false;
    for (int64_t o = 0; o < p->dims[k]; o++) {
      int64_t x = o - lead;
      if (x < 0 || x >= m) {
        if (constant) x = -1 - crop;
        else if (mode == ST_LP_EDGE) x = x < 0 ? 0 : m - 1;
        else if (mode == ST_LP_WRAP) x = (x % m + m) % m;
        else if (m == 1) x = 0;
        else {
          int64_t period = 2 * (m - 1);
          x = (x % period + period) % period;
          if (x >= m) x = period - x;
        }
      }
      map[o] = crop + x;
    }
    tab[k] = st_graph_lower_table(lc, i64, 1, &p->dims[k], map, (size_t)p->dims[k] * 8);
    free(map);
    if (!tab[k]) return false;
  }
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *xi[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, r, ot->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  if (!value) value = st_lower_const(&in, elem, 0);
  if (empty) return st_lower_store(&in, value, dst, ivs);
  st_value *outside = NULL, *zero = st_lower_index(lc, 0);
  for (unsigned k = 0; k < r; k++) {
    if (!tab[k]) {
      xi[k] = ivs[k];
      continue;
    }
    st_value *e = st_lower_load(&in, tab[k], &ivs[k]);
    e = e ? st_lower_op(&in, &st_arith_cast_def, 1, &e, index) : NULL;
    if (constant) {
      st_value *neg = st_lower_cmp(&in, &st_arith_cmpi_def, "slt", e, zero);
      outside = outside ? st_lower_binary(&in, &st_arith_ori_def, outside, neg) : neg;
      e = st_lower_select(&in, neg, zero, e);
    }
    xi[k] = e;
  }
  st_value *v = st_lower_load(&in, lc->inputs[0], xi);
  return st_lower_store(&in, outside ? st_lower_select(&in, outside, value, v) : v, dst, ivs);
}

bool st_graph_lower_pad(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_pad_plan p;
  if (!st_shape_pad_plan(op, NULL, &p, d)) return st_graph_lower_fail(op, d, "needs constant pads");
  const char *m = st_op_attr_str(op, "mode");
  int mode = !m || !strcmp(m, "constant") ? ST_LP_CONSTANT
             : !strcmp(m, "reflect")      ? ST_LP_REFLECT
             : !strcmp(m, "edge")         ? ST_LP_EDGE
                                          : ST_LP_WRAP;
  st_value *value = NULL;
  if (mode == ST_LP_CONSTANT && st_graph_has_operand(op, 2) && lc->inputs[2] && st_shape_operand_elems(op, 2) > 0) {
    if (lc->inputs[2]->type->u.shaped.elem != op->results[0].type->u.shaped.elem)
      return st_graph_lower_fail(op, d, "constant_value must have the data's element type");
    st_value *zi[ST_MAX_RANK];
    for (unsigned j = 0; j < lc->inputs[2]->type->u.shaped.rank; j++) zi[j] = st_lower_index(lc, 0);
    if (!(value = st_lower_load(&lc->b, lc->inputs[2], zi))) return false;
  }
  return st_lp_fill(op, lc, &p, mode, value, d);
}

bool st_graph_lower_center_crop_pad(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_pad_plan p;
  if (!st_shape_crop_pad_plan(op, NULL, &p, d)) return st_graph_lower_fail(op, d, "needs a constant shape");
  return st_lp_fill(op, lc, &p, ST_LP_CONSTANT, NULL, d);
}
