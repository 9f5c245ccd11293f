/* The reduce family, part three: the losses NegativeLogLikelihoodLoss and
 * SoftmaxCrossEntropyLoss (opset 22 / 13 forms).
 *
 * Both take scores (N, C, d1..dk), integer targets (N, d1..dk) and optional
 * class weights (C).  Element loss: -input[n, t, d] * weight[t], zero where
 * t == ignore_index.  Reduction "none" keeps the (N, d1..dk) shape, "sum"
 * adds, "mean" (the default) divides the sum by the total weight of the
 * elements not ignored.  SoftmaxCrossEntropyLoss applies log-softmax over C
 * first and can return it as a second result.  A target outside [0, C) that
 * is not ignore_index is an error, not a read out of bounds. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_reduce.h"
#include "ir/elem.h"

typedef enum st_loss_reduction { ST_LOSS_NONE, ST_LOSS_SUM, ST_LOSS_MEAN } st_loss_reduction;

static bool st_loss_reduction_of(st_op *op, st_loss_reduction *r, st_diag *d) {
  const char *s = st_op_attr_str(op, "reduction");
  if (!s || !strcmp(s, "mean")) *r = ST_LOSS_MEAN;
  else if (!strcmp(s, "sum")) *r = ST_LOSS_SUM;
  else if (!strcmp(s, "none")) *r = ST_LOSS_NONE;
  else {
    st_diag_error(d, op->loc, "'%s' op reduction must be none, sum or mean, got \"%s\"", op->def->name, s);
    return false;
  }
  return true;
}

static bool st_loss_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (!st_graph_min_operands(op, 2, d)) return false;
  bool sce = op->def == &st_graph_softmax_cross_entropy_loss_def;
  if (op->num_operands < 2 || op->num_operands > 3 || op->num_results < 1 || op->num_results > (sce ? 2u : 1u)) {
    st_diag_error(d, op->loc, "'%s' op expects 2 or 3 operands and %s result(s)", op->def->name, sce ? "1 or 2" : "1");
    return false;
  }
  if (!st_reduce_expect_float(op, 0, d) || !st_graph_expect_tensor(op, 1, d)) return false;
  const st_type *x = st_op_operand(op, 0)->type, *t = st_op_operand(op, 1)->type;
  unsigned r = x->u.shaped.rank;
  bool ok = r >= 2 && t->u.shaped.rank == r - 1 && st_type_is_int(t->u.shaped.elem);
  for (unsigned i = 0; ok && i + 1 < r; i++) ok = t->u.shaped.dims[i] == x->u.shaped.dims[i ? i + 1 : 0];
  if (!ok) return st_graph_type_error(op, d, "expects integer targets shaped like the input without its class dim", t);
  if (st_graph_has_operand(op, 2)) {
    const st_type *w = st_op_operand(op, 2)->type;
    if (!st_reduce_expect_float(op, 2, d)) return false;
    if (w->u.shaped.rank != 1 || w->u.shaped.dims[0] != x->u.shaped.dims[1])
      return st_graph_type_error(op, d, "expects weights of shape [C]", w);
  }
  st_loss_reduction red;
  if (!st_loss_reduction_of(op, &red, d)) return false;
  results[0] = red == ST_LOSS_NONE ? st_type_tensor(ctx, x->u.shaped.elem, t->u.shaped.rank, t->u.shaped.dims)
                                   : st_type_tensor(ctx, x->u.shaped.elem, 0, NULL);
  if (op->num_results > 1) results[1] = x;
  return true;
}

/* Computes the loss from log-probabilities `lp` (N * C * D doubles). */
static bool st_loss_from_log_prob(st_op *op, const double *lp, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *x = in[0].type, *tt = in[1].type->u.shaped.elem, *oe = out[0].type->u.shaped.elem;
  int64_t N = x->u.shaped.dims[0], C = x->u.shaped.dims[1], D = N > 0 && C > 0 ? st_type_num_elements(x) / (N * C) : 0;
  const st_attr *ii_attr = st_op_get_attr(op, "ignore_index");
  bool has_ii = ii_attr != NULL;
  int64_t ii = st_op_attr_int(op, "ignore_index", 0);
  bool weighted = st_graph_has_operand(op, 2);
  st_loss_reduction red;
  if (!st_loss_reduction_of(op, &red, d)) return false;
  double sum = 0, wsum = 0;
  for (int64_t n = 0; n < N; n++)
    for (int64_t k = 0; k < D; k++) {
      int64_t e = n * D + k, t = st_elem_load_i(tt, in[1].data, e);
      double loss = 0, w = 0;
      if (!has_ii || t != ii) {
        if (t < 0 || t >= C) {
          st_diag_error(d, op->loc, "'%s' op target %" PRId64 " is outside [0, %" PRId64 ")", op->def->name, t, C);
          return false;
        }
        w = weighted ? st_elem_load_f(in[2].type->u.shaped.elem, in[2].data, t) : 1.0;
        loss = -lp[(n * C + t) * D + k] * w;
      }
      if (red == ST_LOSS_NONE) st_elem_store_f(oe, out[0].data, e, loss);
      sum += loss;
      wsum += w;
    }
  if (red == ST_LOSS_SUM) st_elem_store_f(oe, out[0].data, 0, sum);
  if (red == ST_LOSS_MEAN) st_elem_store_f(oe, out[0].data, 0, sum / wsum);
  return true;
}

static double *st_loss_load(st_op *op, const st_tensor *t, st_diag *d) {
  int64_t n = st_type_num_elements(t->type);
  double *v = st_graph_scratch(op, n > 0 ? n : 0, d);
  if (!v) return NULL;
  for (int64_t i = 0; i < n; i++) v[i] = st_elem_load_f(t->type->u.shaped.elem, t->data, i);
  return v;
}

static bool st_interp_nll_loss(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  double *lp = st_loss_load(op, &in[0], d);
  bool ok = lp && st_loss_from_log_prob(op, lp, in, out, d);
  free(lp);
  return ok;
}

static bool st_interp_sce_loss(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  const st_type *x = in[0].type;
  double *lp = st_loss_load(op, &in[0], d);
  if (!lp) return false;
  bool mask[ST_MAX_RANK] = {0};
  mask[1] = true;
  st_reduce_plan p;
  double *row = NULL;
  bool ok = st_reduce_plan_init(&p, op, x, mask, d);
  if (ok && !(row = st_graph_scratch(op, p.inner, d))) ok = false;
  for (int64_t o = 0; ok && o < p.outer; o++) {
    for (int64_t j = 0; j < p.inner; j++) row[j] = lp[p.base[o] + p.offs[j]];
    st_reduce_log_softmax(row, p.inner);
    for (int64_t j = 0; j < p.inner; j++) lp[p.base[o] + p.offs[j]] = row[j];
  }
  if (ok && op->num_results > 1 && out[1].data)
    for (int64_t i = 0, n = st_type_num_elements(x); i < n; i++) st_elem_store_f(x->u.shaped.elem, out[1].data, i, lp[i]);
  ok = ok && st_loss_from_log_prob(op, lp, in, out, d);
  if (p.base) st_reduce_plan_free(&p);
  free(row);
  free(lp);
  return ok;
}

const st_op_def st_graph_negative_log_likelihood_loss_def = {
    .name = "graph.negative_log_likelihood_loss",
    .summary = "-input[n, target, d...] * weight[target] (input, target, weight?; reduction, ignore_index)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_loss_infer, .interpret = st_interp_nll_loss,
    .lower = st_graph_lower_loss,
};
const st_op_def st_graph_softmax_cross_entropy_loss_def = {
    .name = "graph.softmax_cross_entropy_loss",
    .summary = "NLL of log_softmax(scores, axis 1) (scores, labels, weights?) -> loss, log_prob?",
    .num_operands = ST_VARIADIC, .num_results = ST_VARIADIC, .traits = ST_TRAIT_PURE,
    .infer_types = st_loss_infer, .interpret = st_interp_sce_loss,
    .lower = st_graph_lower_loss,
};
