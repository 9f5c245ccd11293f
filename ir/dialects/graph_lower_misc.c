/* Lower hooks of assorted movement, normalisation and indexing ops: Tile,
 * DepthToSpace / SpaceToDepth, ReverseSequence, InstanceNormalization,
 * LpNormalization, Hardmax and OneHot.
 *
 * The movement ops are one parallel nest over the result reading the source
 * position (index div / rem by constants).  The normalisations are a
 * parallel nest over the rows with sequential sweeps, statistics in scratch
 * slots of the element type, as graph_lower_norm.c.  Hardmax keeps the first
 * maximum (a NaN never wins after position 0, as the interpreter's `>`);
 * OneHot wraps negative indices by the depth and leaves an index outside it
 * all off. */
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_shape.h"

static int64_t st_misc_axis(st_op *op, const char *name, int64_t dflt, unsigned rank) {
  int64_t a = st_op_attr_int(op, name, dflt);
  return a < 0 ? a + rank : a;
}

/* ---- Tile (x, repeats): out[i] = x[i mod dims] ---- */
bool st_graph_lower_tile(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *out = op->results[0].type, *t = lc->inputs[0]->type;
  unsigned r = out->u.shaped.rank;
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *xi[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, r, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  for (unsigned j = 0; j < r; j++)
    xi[j] = t->u.shaped.dims[j] == out->u.shaped.dims[j]
                ? ivs[j]
                : st_lower_binary(&in, &st_arith_remui_def, ivs[j], st_lower_index(lc, t->u.shaped.dims[j]));
  return st_lower_store(&in, st_lower_load(&in, lc->inputs[0], xi), dst, ivs);
}

/* ---- DepthToSpace {blocksize, mode DCR/CRD} and SpaceToDepth {blocksize}, NCHW ---- */
bool st_graph_lower_space_depth(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *out = op->results[0].type, *t = lc->inputs[0]->type;
  if (out->u.shaped.rank != 4) return st_graph_lower_fail(op, d, "expects rank 4");
  int64_t bs = st_op_attr_int(op, "blocksize", 1);
  const st_dim *o = out->u.shaped.dims, *x = t->u.shaped.dims;
  st_value *dst = st_lower_result(lc, 0), *ivs[4], *xi[4];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, 4, o, true, ivs);
  if (!in.block) return false;
  st_value *B = st_lower_index(lc, bs);
  xi[0] = ivs[0];
  if (op->def == &st_graph_depth_to_space_def) {
    const char *mode = st_op_attr_str(op, "mode");
    bool crd = mode && !strcmp(mode, "CRD");
    st_value *bi = st_lower_binary(&in, &st_arith_remui_def, ivs[2], B);
    st_value *bj = st_lower_binary(&in, &st_arith_remui_def, ivs[3], B);
    st_value *blk = st_lower_binary(&in, &st_arith_addi_def, st_lower_binary(&in, &st_arith_muli_def, bi, B), bj);
    xi[1] = crd ? st_lower_binary(&in, &st_arith_addi_def,
                                  st_lower_binary(&in, &st_arith_muli_def, ivs[1], st_lower_index(lc, bs * bs)), blk)
                : st_lower_binary(&in, &st_arith_addi_def,
                                  st_lower_binary(&in, &st_arith_muli_def, blk, st_lower_index(lc, o[1])), ivs[1]);
    xi[2] = st_lower_binary(&in, &st_arith_divui_def, ivs[2], B);
    xi[3] = st_lower_binary(&in, &st_arith_divui_def, ivs[3], B);
  } else {
    st_value *C = st_lower_index(lc, x[1]);
    st_value *blk = st_lower_binary(&in, &st_arith_divui_def, ivs[1], C);
    xi[1] = st_lower_binary(&in, &st_arith_remui_def, ivs[1], C);
    st_value *bi = st_lower_binary(&in, &st_arith_divui_def, blk, B);
    st_value *bj = st_lower_binary(&in, &st_arith_remui_def, blk, B);
    xi[2] = st_lower_binary(&in, &st_arith_addi_def, st_lower_binary(&in, &st_arith_muli_def, ivs[2], B), bi);
    xi[3] = st_lower_binary(&in, &st_arith_addi_def, st_lower_binary(&in, &st_arith_muli_def, ivs[3], B), bj);
  }
  return st_lower_store(&in, st_lower_load(&in, lc->inputs[0], xi), dst, ivs);
}

/* ---- ReverseSequence (x, lens) {batch_axis, time_axis}: t < len ? len - 1 - t : t ---- */
bool st_graph_lower_reverse_sequence(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *out = op->results[0].type;
  const st_type *index = st_type_scalar(lc->b.module->ctx, ST_TY_INDEX);
  unsigned r = out->u.shaped.rank;
  int64_t ba = st_misc_axis(op, "batch_axis", 1, r), ta = st_misc_axis(op, "time_axis", 0, r);
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *xi[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, r, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_value *li[ST_MAX_RANK];
  for (unsigned j = 0; j < lc->inputs[1]->type->u.shaped.rank; j++) li[j] = ivs[ba];
  st_value *len = st_lower_cast(&in, st_lower_load(&in, lc->inputs[1], li), index);
  st_value *rev = st_lower_binary(&in, &st_arith_subi_def,
                                  st_lower_binary(&in, &st_arith_subi_def, len, st_lower_index(lc, 1)), ivs[ta]);
  st_value *inside = st_lower_cmp(&in, &st_arith_cmpi_def, "slt", ivs[ta], len);
  for (unsigned j = 0; j < r; j++) xi[j] = j == ta ? st_lower_select(&in, inside, rev, ivs[ta]) : ivs[j];
  return st_lower_store(&in, st_lower_load(&in, lc->inputs[0], xi), dst, ivs);
}

/* ---- InstanceNormalization (x, scale, B) {epsilon}: per (n, c) plane ---- */
bool st_graph_lower_instance_norm(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *t = op->results[0].type, *elem = t->u.shaped.elem;
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  unsigned r = t->u.shaped.rank;
  int64_t n = 1;
  for (unsigned j = 2; j < r; j++) n *= t->u.shaped.dims[j];
  st_value *x = lc->inputs[0], *dst = st_lower_result(lc, 0), *outer[ST_MAX_RANK], *idx[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, 2, t->u.shaped.dims, true, outer);
  st_value *sum = in.block ? st_lower_alloca(&in, elem) : NULL, *sq = sum ? st_lower_alloca(&in, elem) : NULL;
  if (!sq || !st_lower_store(&in, st_lower_const(&in, elem, 0), sum, NULL) ||
      !st_lower_store(&in, st_lower_const(&in, elem, 0), sq, NULL))
    return false;
  idx[0] = outer[0], idx[1] = outer[1];
  st_builder l1 = st_lower_loops(lc, &in, r - 2, t->u.shaped.dims + 2, false, idx + 2);
  if (!l1.block) return false;
  st_value *v = st_lower_load(&l1, x, idx);
  if (!st_lower_store(&l1, st_lower_binary(&l1, &st_arith_addf_def, st_lower_load(&l1, sum, NULL), v), sum, NULL))
    return false;
  st_value *mean = st_lower_binary(&in, &st_arith_divf_def, st_lower_load(&in, sum, NULL), st_lower_const(&in, elem, (double)n));
  st_builder l2 = st_lower_loops(lc, &in, r - 2, t->u.shaped.dims + 2, false, idx + 2);
  if (!l2.block) return false;
  st_value *c = st_lower_binary(&l2, &st_arith_subf_def, st_lower_load(&l2, x, idx), mean);
  if (!st_lower_store(&l2, st_lower_binary(&l2, &st_arith_addf_def, st_lower_load(&l2, sq, NULL),
                                           st_lower_binary(&l2, &st_arith_mulf_def, c, c)), sq, NULL))
    return false;
  st_value *inv = st_lower_inv_std(&in, sq, n, st_op_attr_float(op, "epsilon", 1e-5), elem);
  if (!inv) return false;
  st_value *ci[1] = {outer[1]};
  st_value *scale = st_lower_cast(&in, st_lower_load(&in, lc->inputs[1], ci), elem);
  st_value *bias = st_lower_cast(&in, st_lower_load(&in, lc->inputs[2], ci), elem);
  st_value *k = st_lower_binary(&in, &st_arith_mulf_def, inv, scale);
  st_builder l3 = st_lower_loops(lc, &in, r - 2, t->u.shaped.dims + 2, false, idx + 2);
  if (!l3.block) return false;
  st_value *y = st_lower_binary(&l3, &st_arith_mulf_def,
                                st_lower_binary(&l3, &st_arith_subf_def, st_lower_load(&l3, x, idx), mean), k);
  return st_lower_store(&l3, st_lower_binary(&l3, &st_arith_addf_def, y, bias), dst, idx);
}

/* The dims other than `axis` (the rows of a per-axis op). */
static unsigned st_misc_rows(const st_type *t, unsigned axis, st_dim *odims) {
  unsigned o = 0;
  for (unsigned j = 0; j < t->u.shaped.rank; j++)
    if (j != axis) odims[o++] = t->u.shaped.dims[j];
  return o;
}

/* Row ivs plus the axis iv a, as an index into t. */
static void st_misc_at(unsigned rank, unsigned axis, st_value *const *ivs, st_value *a, st_value **xi) {
  for (unsigned j = 0, o = 0; j < rank; j++) xi[j] = j == axis ? a : ivs[o++];
}

/* ---- LpNormalization {axis, p = 1 or 2}: x / ||x||_p, a zero norm read as 1 ---- */
bool st_graph_lower_lp_norm(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *t = op->results[0].type, *elem = t->u.shaped.elem;
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  unsigned r = t->u.shaped.rank, axis = (unsigned)st_misc_axis(op, "axis", -1, r);
  bool l1 = st_op_attr_int(op, "p", 2) == 1;
  st_dim odims[ST_MAX_RANK];
  unsigned nr = st_misc_rows(t, axis, odims);
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *xi[ST_MAX_RANK], *a;
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, nr, odims, true, ivs);
  st_value *acc = in.block ? st_lower_alloca(&in, elem) : NULL;
  if (!acc || !st_lower_store(&in, st_lower_const(&in, elem, 0), acc, NULL)) return false;
  st_builder s = st_lower_loops(lc, &in, 1, &t->u.shaped.dims[axis], false, &a);
  if (!s.block) return false;
  st_misc_at(r, axis, ivs, a, xi);
  st_value *v = st_lower_load(&s, lc->inputs[0], xi);
  st_value *m = l1 ? st_lower_math(&s, "abs", v, NULL) : st_lower_binary(&s, &st_arith_mulf_def, v, v);
  if (!m || !st_lower_store(&s, st_lower_binary(&s, &st_arith_addf_def, st_lower_load(&s, acc, NULL), m), acc, NULL))
    return false;
  st_value *norm = st_lower_load(&in, acc, NULL);
  if (!l1 && !(norm = st_lower_math(&in, "sqrt", norm, NULL))) return false;
  st_value *zero = st_lower_cmp(&in, &st_arith_cmpf_def, "oeq", norm, st_lower_const(&in, elem, 0));
  norm = st_lower_select(&in, zero, st_lower_const(&in, elem, 1), norm);
  st_builder w = st_lower_loops(lc, &in, 1, &t->u.shaped.dims[axis], false, &a);
  if (!w.block) return false;
  st_misc_at(r, axis, ivs, a, xi);
  return st_lower_store(&w, st_lower_binary(&w, &st_arith_divf_def, st_lower_load(&w, lc->inputs[0], xi), norm), dst, xi);
}

/* ---- Hardmax {axis}: 1 at the first maximum along the axis, 0 elsewhere ---- */
bool st_graph_lower_hardmax(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *t = op->results[0].type, *elem = t->u.shaped.elem;
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  const st_type *index = st_type_scalar(lc->b.module->ctx, ST_TY_INDEX);
  unsigned r = t->u.shaped.rank, axis = (unsigned)st_misc_axis(op, "axis", -1, r);
  st_dim odims[ST_MAX_RANK];
  unsigned nr = st_misc_rows(t, axis, odims);
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *xi[ST_MAX_RANK], *a;
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, nr, odims, true, ivs);
  st_value *best = in.block ? st_lower_alloca(&in, elem) : NULL, *pos = best ? st_lower_alloca(&in, index) : NULL;
  if (!pos) return false;
  st_misc_at(r, axis, ivs, st_lower_index(lc, 0), xi);
  if (!st_lower_store(&in, st_lower_load(&in, lc->inputs[0], xi), best, NULL) ||
      !st_lower_store(&in, st_lower_index(lc, 0), pos, NULL))
    return false;
  st_builder s = st_lower_loops(lc, &in, 1, &t->u.shaped.dims[axis], false, &a);
  if (!s.block) return false;
  st_misc_at(r, axis, ivs, a, xi);
  st_value *v = st_lower_load(&s, lc->inputs[0], xi), *bv = st_lower_load(&s, best, NULL);
  st_value *take = st_lower_cmp(&s, &st_arith_cmpf_def, "ogt", v, bv);
  if (!st_lower_store(&s, st_lower_select(&s, take, v, bv), best, NULL) ||
      !st_lower_store(&s, st_lower_select(&s, take, a, st_lower_load(&s, pos, NULL)), pos, NULL))
    return false;
  st_value *p = st_lower_load(&in, pos, NULL);
  st_builder w = st_lower_loops(lc, &in, 1, &t->u.shaped.dims[axis], false, &a);
  if (!w.block) return false;
  st_misc_at(r, axis, ivs, a, xi);
  st_value *hit = st_lower_cmp(&w, &st_arith_cmpi_def, "eq", a, p);
  return st_lower_store(&w, st_lower_select(&w, hit, st_lower_const(&w, elem, 1), st_lower_const(&w, elem, 0)), dst, xi);
}

/* ---- OneHot (indices, depth, values) {axis}: values[idx == k] ---- */
bool st_graph_lower_one_hot(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *out = op->results[0].type;
  const st_type *index = st_type_scalar(lc->b.module->ctx, ST_TY_INDEX);
  unsigned r = out->u.shaped.rank, axis = (unsigned)st_misc_axis(op, "axis", -1, r);
  st_dim depth = out->u.shaped.dims[axis];
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *ii[ST_MAX_RANK];
  if (!dst) return false;
  st_value *vi0[ST_MAX_RANK], *vi1[ST_MAX_RANK];
  unsigned vr = lc->inputs[2]->type->u.shaped.rank;
  for (unsigned j = 0; j < vr; j++) vi0[j] = vi1[j] = st_lower_index(lc, 0);
  if (vr) vi1[vr - 1] = st_lower_index(lc, 1);
  st_value *off = st_lower_load(&lc->b, lc->inputs[2], vi0), *on = st_lower_load(&lc->b, lc->inputs[2], vi1);
  st_builder in = st_lower_loops(lc, &lc->b, r, out->u.shaped.dims, true, ivs);
  if (!in.block || !off || !on) return false;
  for (unsigned j = 0, o = 0; j < r; j++)
    if (j != axis) ii[o++] = ivs[j];
  st_value *k = st_lower_cast(&in, st_lower_load(&in, lc->inputs[0], ii), index);
  st_value *neg = st_lower_cmp(&in, &st_arith_cmpi_def, "slt", k, st_lower_index(lc, 0));
  k = st_lower_select(&in, neg, st_lower_binary(&in, &st_arith_addi_def, k, st_lower_index(lc, depth)), k);
  st_value *hit = st_lower_cmp(&in, &st_arith_cmpi_def, "eq", k, ivs[axis]);
  return st_lower_store(&in, st_lower_select(&in, hit, on, off), dst, ivs);
}

/* ---- Compress (x, condition) {axis?}: the condition is a constant (the
 * result's shape depends on it), so the kept positions are a compile-time
 * table; the flattened form (no axis) unravels the kept flat position. ---- */
bool st_graph_lower_compress(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *out = op->results[0].type, *t = lc->inputs[0]->type;
  st_op *cdef = st_op_operand(op, 1)->def;
  const st_attr *ca = cdef && cdef->def == &st_graph_constant_def ? st_op_get_attr(cdef, "value") : NULL;
  if (!ca) return st_graph_lower_fail(op, d, "needs a constant condition");
  unsigned r = t->u.shaped.rank;
  bool flat = !st_op_get_attr(op, "axis");
  unsigned axis = flat ? 0 : (unsigned)st_misc_axis(op, "axis", 0, r);
  int64_t dim = flat ? st_type_num_elements(t) : t->u.shaped.dims[axis];
  int64_t n = st_type_num_elements(ca->type), count = 0, v;
  st_dim kept = flat ? out->u.shaped.dims[0] : out->u.shaped.dims[axis];
  if (kept == 0) return st_lower_result(lc, 0) != NULL;
  int64_t *pos = malloc((size_t)kept * sizeof *pos);
  if (!pos) return lc->out_of_memory = true, false;
  for (int64_t i = 0; i < n && i < dim; i++) {
    if (!st_attr_elem_as_int(ca, i, &v)) {
      free(pos);
      return st_graph_lower_fail(op, d, "needs an integer or boolean condition");
    }
    if (v && count < kept) pos[count++] = i;
  }
  if (count != kept) {
    free(pos);
    return st_graph_lower_fail(op, d, "has a condition unlike its result");
  }
  const st_type *i64 = st_type_scalar(lc->b.module->ctx, ST_TY_I64), *index = st_type_scalar(lc->b.module->ctx, ST_TY_INDEX);
  st_value *table = st_graph_lower_table(lc, i64, 1, &kept, pos, (size_t)kept * 8);
  free(pos);
  st_value *dst = table ? st_lower_result(lc, 0) : NULL, *ivs[ST_MAX_RANK], *xi[ST_MAX_RANK];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, out->u.shaped.rank, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  st_value *p = st_lower_cast(&in, st_lower_load(&in, table, ivs + (flat ? 0 : axis)), index);
  if (flat) { /* unravel p over x's dims, innermost first */
    for (unsigned j = r; j-- > 0;) {
      st_value *dj = st_lower_index(lc, t->u.shaped.dims[j]);
      xi[j] = j ? st_lower_binary(&in, &st_arith_remui_def, p, dj) : p;
      if (j) p = st_lower_binary(&in, &st_arith_divui_def, p, dj);
    }
  } else {
    for (unsigned j = 0; j < r; j++) xi[j] = j == axis ? p : ivs[j];
  }
  return st_lower_store(&in, st_lower_load(&in, lc->inputs[0], xi), dst, ivs);
}

/* ---- TopK (x, k) {axis, largest, sorted} -> (values, indices) ----
 * k is the result's static dim.  Per row, selection: output j is the first
 * (lowest index) element that orders strictly after output j - 1 in the
 * total order (value, then index); NaN orders above every number. */

/* x orders above y (NaN largest; unsigned compare for unsigned types). */
static st_value *st_topk_above(st_builder *b, const st_type *elem, st_value *x, st_value *y) {
  if (!st_type_is_float(elem))
    return st_lower_cmp(b, &st_arith_cmpi_def, st_type_is_unsigned(elem) || elem->kind == ST_TY_I1 ? "ugt" : "sgt", x, y);
  st_value *c = st_lower_cmp(b, &st_arith_cmpf_def, "ogt", x, y);
  st_value *nan = st_lower_binary(b, &st_arith_andi_def, st_lower_cmp(b, &st_arith_cmpf_def, "uno", x, x),
                                  st_lower_cmp(b, &st_arith_cmpf_def, "ord", y, y));
  return st_lower_binary(b, &st_arith_ori_def, c, nan);
}

bool st_graph_lower_top_k(st_op *op, st_lower_ctx *lc, st_diag *d) {
  const st_type *t = lc->inputs[0]->type, *elem = t->u.shaped.elem, *vt = op->results[0].type;
  const st_type *index = st_type_scalar(lc->b.module->ctx, ST_TY_INDEX), *i1 = st_type_scalar(lc->b.module->ctx, ST_TY_I1);
  unsigned r = t->u.shaped.rank, axis = (unsigned)st_misc_axis(op, "axis", -1, r);
  bool largest = st_op_attr_int(op, "largest", 1) != 0;
  st_dim odims[ST_MAX_RANK], k = vt->u.shaped.dims[axis];
  unsigned nr = st_misc_rows(t, axis, odims);
  st_value *vals = st_lower_result(lc, 0), *idxs = vals ? st_lower_result(lc, 1) : NULL;
  st_value *ivs[ST_MAX_RANK], *xi[ST_MAX_RANK], *j, *i;
  if (!idxs) return false;
  if (k == 0) return true;
  st_builder in = st_lower_loops(lc, &lc->b, nr, odims, true, ivs);
  if (!in.block) return false;
  st_value *pv = st_lower_alloca(&in, elem), *pi = st_lower_alloca(&in, index);
  st_misc_at(r, axis, ivs, st_lower_index(lc, 0), xi);
  if (!pv || !pi || !st_lower_store(&in, st_lower_load(&in, lc->inputs[0], xi), pv, NULL) ||
      !st_lower_store(&in, st_lower_index(lc, 0), pi, NULL))
    return false;
  st_builder lj = st_lower_loops(lc, &in, 1, &k, false, &j);
  if (!lj.block) return false;
  st_value *bv = st_lower_alloca(&lj, elem), *bi = st_lower_alloca(&lj, index), *found = st_lower_alloca(&lj, i1);
  if (!bv || !bi || !found || !st_lower_store(&lj, st_lower_load(&lj, pv, NULL), bv, NULL) ||
      !st_lower_store(&lj, st_lower_index(lc, 0), bi, NULL) || !st_lower_store(&lj, st_lower_const(&lj, i1, 0), found, NULL))
    return false;
  st_value *first = st_lower_cmp(&lj, &st_arith_cmpi_def, "eq", j, st_lower_index(lc, 0));
  st_value *prv = st_lower_load(&lj, pv, NULL), *pri = st_lower_load(&lj, pi, NULL);
  st_builder li = st_lower_loops(lc, &lj, 1, &t->u.shaped.dims[axis], false, &i);
  if (!li.block) return false;
  st_misc_at(r, axis, ivs, i, xi);
  st_value *v = st_lower_load(&li, lc->inputs[0], xi), *one = st_lower_const(&li, i1, 1);
  /* before(a, b): a comes first in the output order */
#define ST_BEFORE(a, b) (largest ? st_topk_above(&li, elem, a, b) : st_topk_above(&li, elem, b, a))
  st_value *after_prev = st_lower_binary(
      &li, &st_arith_ori_def, ST_BEFORE(prv, v),
      st_lower_binary(&li, &st_arith_andi_def, st_lower_binary(&li, &st_arith_xori_def, ST_BEFORE(v, prv), one),
                      st_lower_cmp(&li, &st_arith_cmpi_def, "ugt", i, pri)));
  st_value *valid = st_lower_binary(&li, &st_arith_ori_def, first, after_prev);
  st_value *cur = st_lower_load(&li, bv, NULL), *fnd = st_lower_load(&li, found, NULL);
  st_value *better = st_lower_binary(&li, &st_arith_ori_def, st_lower_binary(&li, &st_arith_xori_def, fnd, one),
                                     ST_BEFORE(v, cur));
#undef ST_BEFORE
  st_value *take = st_lower_binary(&li, &st_arith_andi_def, valid, better);
  if (!st_lower_store(&li, st_lower_select(&li, take, v, cur), bv, NULL) ||
      !st_lower_store(&li, st_lower_select(&li, take, i, st_lower_load(&li, bi, NULL)), bi, NULL) ||
      !st_lower_store(&li, st_lower_binary(&li, &st_arith_ori_def, fnd, valid), found, NULL))
    return false;
  st_value *best = st_lower_load(&lj, bv, NULL), *at = st_lower_load(&lj, bi, NULL);
  st_misc_at(r, axis, ivs, j, xi);
  return st_lower_store(&lj, best, vals, xi) &&
         st_lower_store(&lj, st_lower_cast(&lj, at, idxs->type->u.shaped.elem), idxs, xi) &&
         st_lower_store(&lj, best, pv, NULL) && st_lower_store(&lj, at, pi, NULL);
}
