/* BatchNormalization folded into the convolution before it.
 *
 * Inference BatchNormalization of a convolution's result, when the
 * convolution's weights (and bias, if any) and the four BN parameters are
 * f32 constants and nothing else reads the convolution, is the same
 * convolution with
 *   s[m]  = scale[m] / sqrt(var[m] + epsilon)
 *   W'[m] = W[m] * s[m]                      (every weight of output channel m)
 *   b'[m] = (b[m] - mean[m]) * s[m] + B[m]   (b = 0 without a bias)
 * computed in double and rounded once to f32.  The convolution takes the new
 * constants and the BN's place; the old constants die (dce).  So a conv →
 * BN → relu chain becomes conv → relu, which fuse then merges into the
 * convolution's stores. */
#include <math.h>
#include <stdlib.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/rewrite.h"

/* The f32 data of constant v with n elements (a splat repeats), or NULL. */
static const float *st_bn_f32(const st_value *v, int64_t n, bool *splat) {
  const st_attr *a = st_value_const(v);
  size_t nbytes;
  const void *data = a ? st_attr_elements(a, &nbytes, splat) : NULL;
  if (!data || a->type->u.shaped.elem->kind != ST_TY_F32 || st_type_num_elements(a->type) != n) return NULL;
  if (!*splat && nbytes < (size_t)n * sizeof(float)) return NULL;
  return data;
}

static double st_bn_at(const float *p, bool splat, int64_t i) { return p[splat ? 0 : i]; }

static st_value *st_bn_constant(st_rewriter *rw, st_op *before, const st_type *t, const float *data, size_t n) {
  st_module *m = st_rewriter_module(rw);
  st_named_attr value = {"value", st_attr_dense(m, t, data, n * sizeof(float), false)};
  st_op_state s = {.def = &st_graph_constant_def, .loc = before->loc, .num_results = 1, .result_types = &t,
                   .num_attrs = 1, .attrs = &value};
  st_op *c = value.attr ? st_rewriter_create(rw, before, &s) : NULL;
  return c ? &c->results[0] : NULL;
}

bool st_graph_canonicalize_batch_norm(st_op *op, st_rewriter *rw) {
  if (op->num_results != 1 || op->num_operands != 5 || st_op_attr_int(op, "training_mode", 0)) return false;
  st_value *y = st_op_operand(op, 0);
  st_op *conv = y->def;
  if (!conv || conv->def != &st_graph_conv_def || st_value_num_uses(y) != 1 || conv->num_operands < 2 ||
      y->type->kind != ST_TY_TENSOR || y->type->u.shaped.elem->kind != ST_TY_F32 || y->type->u.shaped.rank < 2)
    return false;
  const st_type *wt = st_op_operand(conv, 1)->type;
  if (wt->kind != ST_TY_TENSOR || wt->u.shaped.rank < 1) return false;
  int64_t M = wt->u.shaped.dims[0], per = M > 0 ? st_type_num_elements(wt) / M : 0;
  if (M <= 0 || per <= 0 || y->type->u.shaped.dims[1] != M) return false;
  bool ws, bs = false, ps[4];
  const float *w = st_bn_f32(st_op_operand(conv, 1), M * per, &ws), *b = NULL, *p[4];
  bool has_bias = conv->num_operands > 2 && st_op_operand(conv, 2)->type->kind != ST_TY_NONE;
  if (!w || (has_bias && !(b = st_bn_f32(st_op_operand(conv, 2), M, &bs)))) return false;
  for (unsigned i = 0; i < 4; i++)
    if (!(p[i] = st_bn_f32(st_op_operand(op, i + 1), M, &ps[i]))) return false;
  float *nw = malloc((size_t)(M * per) * sizeof *nw), *nb = malloc((size_t)M * sizeof *nb);
  bool ok = nw && nb;
  double eps = st_op_attr_float(op, "epsilon", 1e-5);
  for (int64_t m = 0; ok && m < M; m++) {
    double s = st_bn_at(p[0], ps[0], m) / sqrt(st_bn_at(p[3], ps[3], m) + eps);
    for (int64_t k = 0; k < per; k++) nw[m * per + k] = (float)(st_bn_at(w, ws, m * per + k) * s);
    double bias = b ? st_bn_at(b, bs, m) : 0.0;
    nb[m] = (float)((bias - st_bn_at(p[2], ps[2], m)) * s + st_bn_at(p[1], ps[1], m));
  }
  st_context *ctx = st_rewriter_module(rw)->ctx;
  const st_type *bt = st_type_tensor(ctx, st_type_scalar(ctx, ST_TY_F32), 1, &M);
  st_value *vals[3] = {st_op_operand(conv, 0), ok ? st_bn_constant(rw, conv, wt, nw, (size_t)(M * per)) : NULL,
                       ok ? st_bn_constant(rw, conv, bt, nb, (size_t)M) : NULL};
  free(nw);
  free(nb);
  if (!vals[1] || !vals[2] || !st_op_set_operands(st_rewriter_module(rw), conv, 3, vals)) return false;
  st_value *r = &conv->results[0];
  if (op->results[0].name) r->name = op->results[0].name; /* a model output keeps its name */
  st_rewriter_replace(rw, op, &r);
  st_rewriter_push(rw, conv);
  rw->changed = true;
  return true;
}
