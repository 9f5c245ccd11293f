/* Lower hooks of Einsum and Det.
 *
 * Einsum: the equation is parsed at compile time (st_einsum_parse, shared
 * with the interpreter).  One parallel nest over the result's dims; each
 * summed label (used by an operand, absent from the result) gets a loop of
 * a sequential nest inside it, in ascending label order, so every result
 * element adds its terms in the interpreter's order.  A label repeated in an
 * operand (a diagonal) reads the same induction variable at each of its
 * dims; an operand dim of 1 broadcasts (index 0).  Floats multiply and sum
 * in f64, integers in i64 with wrap-around, as the interpreter; a label
 * repeated in the result writes its diagonal and zeros elsewhere.
 *
 * Det: per matrix (a parallel nest over the batch dims) the interpreter's
 * Gaussian elimination with partial pivoting, in f64 on an M x M scratch
 * copy: the pivot is the first row with the strictly largest |a[i][c]|, a
 * zero pivot ends with det = 0, a row swap negates det, and the column
 * step stops once det is 0 (loop.if on run-time values). */
#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"
#include "ir/dialects/graph_nn.h"

/* ---- Einsum {equation} ---- */
bool st_graph_lower_einsum(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  const st_type *out = op->results[0].type, *elem = out->u.shaped.elem;
  st_einsum e;
  if (!st_einsum_parse(op, &e, d)) return false;
  bool is_float = st_type_is_float(elem);
  if (!is_float && !st_lower_arith_for(elem, 'm')) return st_graph_lower_fail(op, d, "element type not supported yet");
  const st_type *acc_t = st_type_scalar(ctx, is_float ? ST_TY_F64 : ST_TY_I64);
  const st_op_def *add = is_float ? &st_arith_addf_def : &st_arith_addi_def;
  const st_op_def *mul = is_float ? &st_arith_mulf_def : &st_arith_muli_def;
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *at[ST_EINSUM_LABELS] = {0};
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, e.nout, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  /* The result's labels take its ivs; a repeated one must agree. */
  st_value *diag = NULL;
  for (unsigned k = 0; k < e.nout; k++) {
    int l = e.out[k];
    if (!at[l]) {
      at[l] = ivs[k];
      continue;
    }
    st_value *eq = st_lower_cmp(&in, &st_arith_cmpi_def, "eq", at[l], ivs[k]);
    diag = diag ? st_lower_binary(&in, &st_arith_andi_def, diag, eq) : eq;
  }
  /* The summed labels, ascending: a sequential nest. */
  st_dim sdims[ST_EINSUM_LABELS];
  int slab[ST_EINSUM_LABELS];
  unsigned ns = 0;
  for (int l = 0; l < ST_EINSUM_LABELS; l++)
    if (e.used[l] && !at[l]) {
      slab[ns] = l;
      sdims[ns++] = e.size[l];
    }
  if (ns > ST_LOWER_MAX_LOOPS) return st_graph_lower_fail(op, d, "sums over too many labels");
  st_value *acc = NULL, *sivs[ST_EINSUM_LABELS];
  st_builder body = in;
  if (ns) {
    acc = st_lower_alloca(&in, acc_t);
    if (!acc || !st_lower_store(&in, st_lower_const(&in, acc_t, 0), acc, NULL)) return false;
    body = st_lower_loops(lc, &in, ns, sdims, false, sivs);
    if (!body.block) return false;
    for (unsigned t = 0; t < ns; t++) at[slab[t]] = sivs[t];
  }
  st_value *prod = NULL, *xi[ST_MAX_RANK];
  for (unsigned i = 0; i < e.ninputs; i++) {
    st_value *x = lc->inputs[i];
    for (unsigned k = 0; k < e.rank[i]; k++) xi[k] = x->type->u.shaped.dims[k] == 1 ? st_lower_index(lc, 0) : at[e.lab[i][k]];
    st_value *v = st_lower_cast(&body, st_lower_load(&body, x, xi), acc_t);
    prod = prod ? st_lower_binary(&body, mul, prod, v) : v;
  }
  if (!prod) return false;
  st_value *y = prod;
  if (ns) {
    if (!st_lower_store(&body, st_lower_binary(&body, add, st_lower_load(&body, acc, NULL), prod), acc, NULL))
      return false;
    y = st_lower_load(&in, acc, NULL);
  }
  if (diag) y = st_lower_select(&in, diag, y, st_lower_const(&in, acc_t, 0));
  return st_lower_store(&in, st_lower_cast(&in, y, elem), dst, ivs);
}

/* ---- Det: (..., M, M) -> (...) ---- */
bool st_graph_lower_det(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_context *ctx = lc->b.module->ctx;
  const st_type *xt = lc->inputs[0]->type, *out = op->results[0].type, *elem = out->u.shaped.elem;
  if (!st_type_is_float(elem)) return st_graph_lower_fail(op, d, "element type not supported yet");
  const st_type *f64 = st_type_scalar(ctx, ST_TY_F64), *index = st_type_scalar(ctx, ST_TY_INDEX);
  unsigned r = xt->u.shaped.rank, nb = r - 2;
  st_dim M = xt->u.shaped.dims[r - 1], sq[2] = {M, M};
  st_value *dst = st_lower_result(lc, 0), *ivs[ST_MAX_RANK], *xi[ST_MAX_RANK], *ij[2];
  if (!dst) return false;
  st_builder in = st_lower_loops(lc, &lc->b, nb, out->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  /* a = the matrix in f64 (a scratch buffer per iteration) */
  const st_type *mt = st_type_memref(ctx, f64, 2, sq, NULL, 0, 0);
  st_op_state s = {.def = &st_mem_alloca_def, .num_results = 1, .result_types = &mt};
  st_op *aop = st_builder_create(&in, &s);
  st_value *a = aop ? &aop->results[0] : NULL, *det = a ? st_lower_alloca(&in, f64) : NULL;
  st_value *piv = det ? st_lower_alloca(&in, index) : NULL;
  if (!piv || !st_lower_store(&in, st_lower_const(&in, f64, 1), det, NULL)) return false;
  st_builder cp = st_lower_loops(lc, &in, 2, sq, false, ij);
  if (!cp.block) return false;
  for (unsigned j = 0; j < nb; j++) xi[j] = ivs[j];
  xi[nb] = ij[0], xi[nb + 1] = ij[1];
  if (!st_lower_store(&cp, st_lower_cast(&cp, st_lower_load(&cp, lc->inputs[0], xi), f64), a, ij)) return false;
  /* column c, while det != 0 */
  st_value *c, *i, *k, *vM = st_lower_index(lc, M);
  st_builder lcol = st_lower_loops(lc, &in, 1, &M, false, &c);
  if (!lcol.block) return false;
  st_value *live = st_lower_cmp(&lcol, &st_arith_cmpf_def, "une", st_lower_load(&lcol, det, NULL), st_lower_const(&lcol, f64, 0));
  st_builder col = st_lower_if(&lcol, live, NULL);
  st_value *c1 = col.block ? st_lower_binary(&col, &st_arith_addi_def, c, st_lower_index(lc, 1)) : NULL;
  if (!c1 || !st_lower_store(&col, c, piv, NULL)) return false;
  st_builder lp = st_lower_for(lc, &col, c1, vM, false, &i);
  if (!lp.block) return false;
  st_value *p = st_lower_load(&lp, piv, NULL), *ic[2] = {i, c}, *pc[2] = {p, c};
  st_value *take = st_lower_cmp(&lp, &st_arith_cmpf_def, "ogt",
                                st_lower_math(&lp, "abs", st_lower_load(&lp, a, ic), NULL),
                                st_lower_math(&lp, "abs", st_lower_load(&lp, a, pc), NULL));
  if (!st_lower_store(&lp, st_lower_select(&lp, take, i, p), piv, NULL)) return false;
  p = st_lower_load(&col, piv, NULL);
  pc[0] = p;
  st_value *zero = st_lower_cmp(&col, &st_arith_cmpf_def, "oeq", st_lower_load(&col, a, pc), st_lower_const(&col, f64, 0));
  st_builder nonzero, iszero = st_lower_if(&col, zero, &nonzero);
  if (!iszero.block || !nonzero.block || !st_lower_store(&iszero, st_lower_const(&iszero, f64, 0), det, NULL)) return false;
  /* swap rows c and p (a no-op when p == c), det = -det when they differ */
  st_builder sw = st_lower_loops(lc, &nonzero, 1, &M, false, &k);
  if (!sw.block) return false;
  st_value *ck[2] = {c, k}, *pk[2] = {p, k};
  st_value *vc = st_lower_load(&sw, a, ck), *vp = st_lower_load(&sw, a, pk);
  if (!st_lower_store(&sw, vp, a, ck) || !st_lower_store(&sw, vc, a, pk)) return false;
  st_value *dv = st_lower_load(&nonzero, det, NULL), *cc[2] = {c, c};
  st_value *swapped = st_lower_cmp(&nonzero, &st_arith_cmpi_def, "ne", p, c);
  dv = st_lower_select(&nonzero, swapped, st_lower_binary(&nonzero, &st_arith_subf_def, st_lower_const(&nonzero, f64, 0), dv), dv);
  st_value *pivot = st_lower_load(&nonzero, a, cc);
  if (!st_lower_store(&nonzero, st_lower_binary(&nonzero, &st_arith_mulf_def, dv, pivot), det, NULL)) return false;
  /* eliminate below the pivot */
  st_builder el = st_lower_for(lc, &nonzero, c1, vM, false, &i);
  if (!el.block) return false;
  ic[0] = i, ic[1] = c;
  st_value *f = st_lower_binary(&el, &st_arith_divf_def, st_lower_load(&el, a, ic), pivot);
  st_builder ek = st_lower_for(lc, &el, c, vM, false, &k);
  if (!ek.block) return false;
  st_value *ik[2] = {i, k};
  ck[1] = k;
  st_value *upd = st_lower_binary(&ek, &st_arith_subf_def, st_lower_load(&ek, a, ik),
                                  st_lower_binary(&ek, &st_arith_mulf_def, f, st_lower_load(&ek, a, ck)));
  if (!st_lower_store(&ek, upd, a, ik)) return false;
  return st_lower_store(&in, st_lower_cast(&in, st_lower_load(&in, det, NULL), elem), dst, ivs);
}
