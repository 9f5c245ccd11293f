/* Lower hooks of NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
 *
 * The scores are viewed as (N, C, D) and the targets as (N, D), D the
 * product of the trailing dims.  One nest over (N, D) — parallel for
 * reduction "none", sequential otherwise (it adds into two scratch slots,
 * the loss sum and the weight sum) — loads the target, and computes
 * -lp[n, t, k] * weight[t] (0, weight 0 where t == ignore_index).  For
 * SoftmaxCrossEntropyLoss lp is x[n, t, k] - (max + log(sum exp(x - max)))
 * over C, two sweeps per (n, k); a third writes the optional log_prob
 * result.  Everything computes in f64 and is stored once in the result's
 * element type, as the interpreter (graph_reduce_loss.c).  A target outside
 * [0, C) that is not ignored is the model's error (the interpreter reports
 * it); here it is clamped so that loads never leave their buffer. */
#include <math.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_reduce.h"

bool st_graph_lower_loss(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  const st_type *xt = lc->inputs[0]->type, *tt = lc->inputs[1]->type, *te = tt->u.shaped.elem;
  const st_type *f64 = st_type_scalar(ctx, ST_TY_F64), *index = st_type_scalar(ctx, ST_TY_INDEX);
  const st_type *oe = op->results[0].type->u.shaped.elem;
  bool sce = op->def == &st_graph_softmax_cross_entropy_loss_def;
  const char *rs = st_op_attr_str(op, "reduction");
  int red = !rs || !strcmp(rs, "mean") ? 2 : !strcmp(rs, "sum") ? 1 : !strcmp(rs, "none") ? 0 : -1;
  if (red < 0) return st_graph_lower_fail(op, d, "unknown reduction");
  if (!st_lower_arith_for(te, 'a')) return st_graph_lower_fail(op, d, "target element type not supported");
  bool has_ii = st_op_get_attr(op, "ignore_index") != NULL;
  int64_t ii = st_op_attr_int(op, "ignore_index", 0);
  st_value *weight = lc->num_inputs > 2 ? lc->inputs[2] : NULL;
  bool want_lp = sce && op->num_results > 1 && op->results[1].type->kind == ST_TY_TENSOR;

  st_dim N = xt->u.shaped.dims[0], C = xt->u.shaped.dims[1], D = 1;
  for (unsigned j = 2; j < xt->u.shaped.rank; j++) D *= xt->u.shaped.dims[j];
  st_dim xd[3] = {N, C, D}, nd[2] = {N, D};
  st_value *dst = st_lower_result(lc, 0), *lpo = want_lp ? st_lower_result(lc, 1) : NULL;
  if (!dst || (want_lp && !lpo)) return false;
  st_value *x = st_lower_view(lc, lc->inputs[0], 3, xd), *tg = st_lower_view(lc, lc->inputs[1], 2, nd);
  st_value *out = red == 0 ? st_lower_view(lc, dst, 2, nd) : dst, *lpv = want_lp ? st_lower_view(lc, lpo, 3, xd) : NULL;
  if (!x || !tg || !out || (want_lp && !lpv)) return false;

  st_value *sum = NULL, *wsum = NULL;
  if (red) {
    sum = st_lower_alloca(&lc->b, f64);
    wsum = sum ? st_lower_alloca(&lc->b, f64) : NULL;
    if (!wsum || !st_lower_store(&lc->b, st_lower_const(&lc->b, f64, 0), sum, NULL) ||
        !st_lower_store(&lc->b, st_lower_const(&lc->b, f64, 0), wsum, NULL))
      return false;
  }
  st_value *ivs[2], *xi[3], *c;
  st_builder in = st_lower_loops(lc, &lc->b, 2, nd, red == 0, ivs);
  if (!in.block) return false;
  st_value *t = st_lower_load(&in, tg, ivs);
  st_value *ignored = has_ii ? st_lower_cmp(&in, &st_arith_cmpi_def, "eq", t, st_lower_const(&in, te, (double)ii))
                             : st_lower_const(&in, st_type_scalar(ctx, ST_TY_I1), 0);
  st_value *ti = st_lower_cast(&in, t, index);
  st_value *lo = st_lower_cmp(&in, &st_arith_cmpi_def, "slt", ti, st_lower_index(lc, 0));
  st_value *hi = st_lower_cmp(&in, &st_arith_cmpi_def, "sgt", ti, st_lower_index(lc, C - 1));
  ti = st_lower_select(&in, lo, st_lower_index(lc, 0), st_lower_select(&in, hi, st_lower_index(lc, C - 1), ti));
  xi[0] = ivs[0], xi[1] = ti, xi[2] = ivs[1];
  st_value *lp = st_lower_cast(&in, st_lower_load(&in, x, xi), f64);
  if (sce) {
    /* lse = max + log(sum exp(x - max)) over C, as st_reduce_log_softmax */
    st_value *mx = st_lower_alloca(&in, f64), *s = mx ? st_lower_alloca(&in, f64) : NULL;
    if (!s || !st_lower_store(&in, st_lower_const(&in, f64, -INFINITY), mx, NULL) ||
        !st_lower_store(&in, st_lower_const(&in, f64, 0), s, NULL))
      return false;
    st_builder l1 = st_lower_loops(lc, &in, 1, &C, false, &c);
    if (!l1.block) return false;
    xi[1] = c;
    st_value *v = st_lower_cast(&l1, st_lower_load(&l1, x, xi), f64), *m = st_lower_load(&l1, mx, NULL);
    if (!st_lower_store(&l1, st_lower_select(&l1, st_lower_cmp(&l1, &st_arith_cmpf_def, "ogt", v, m), v, m), mx, NULL))
      return false;
    st_builder l2 = st_lower_loops(lc, &in, 1, &C, false, &c);
    if (!l2.block) return false;
    xi[1] = c;
    v = st_lower_cast(&l2, st_lower_load(&l2, x, xi), f64);
    st_value *e =
        st_lower_math(&l2, "exp", st_lower_binary(&l2, &st_arith_subf_def, v, st_lower_load(&l2, mx, NULL)), NULL);
    if (!st_lower_store(&l2, st_lower_binary(&l2, &st_arith_addf_def, st_lower_load(&l2, s, NULL), e), s, NULL))
      return false;
    st_value *lse = st_lower_binary(&in, &st_arith_addf_def, st_lower_load(&in, mx, NULL),
                                    st_lower_math(&in, "log", st_lower_load(&in, s, NULL), NULL));
    if (want_lp) {
      st_builder l3 = st_lower_loops(lc, &in, 1, &C, false, &c);
      if (!l3.block) return false;
      xi[1] = c;
      v = st_lower_cast(&l3, st_lower_load(&l3, x, xi), f64);
      if (!st_lower_store(&l3,
                          st_lower_cast(&l3, st_lower_binary(&l3, &st_arith_subf_def, v, lse), lpv->type->u.shaped.elem),
                          lpv, xi))
        return false;
    }
    lp = st_lower_binary(&in, &st_arith_subf_def, lp, lse);
  }
  st_value *w = st_lower_const(&in, f64, 1);
  if (weight) {
    w = st_lower_cast(&in, st_lower_load(&in, weight, &ti), f64);
  }
  st_value *zero = st_lower_const(&in, f64, 0);
  st_value *loss = st_lower_select(&in, ignored, zero,
                                   st_lower_binary(&in, &st_arith_mulf_def, st_lower_math(&in, "neg", lp, NULL), w));
  if (red == 0) return st_lower_store(&in, st_lower_cast(&in, loss, oe), out, ivs);
  w = st_lower_select(&in, ignored, zero, w);
  if (!st_lower_store(&in, st_lower_binary(&in, &st_arith_addf_def, st_lower_load(&in, sum, NULL), loss), sum, NULL) ||
      !st_lower_store(&in, st_lower_binary(&in, &st_arith_addf_def, st_lower_load(&in, wsum, NULL), w), wsum, NULL))
    return false;
  st_value *r = st_lower_load(&lc->b, sum, NULL);
  if (red == 2) r = st_lower_binary(&lc->b, &st_arith_divf_def, r, st_lower_load(&lc->b, wsum, NULL));
  return st_lower_store(&lc->b, st_lower_cast(&lc->b, r, oe), out, NULL);
}
