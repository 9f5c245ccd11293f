/* Lower hooks of the control-flow ops graph.if, graph.loop and graph.scan.
 *
 * Their bodies are lowered once, in place, by the pass's lower_block
 * (passes/lower.h): graph.if becomes a loop.if whose two regions hold the
 * branches' loop IR; graph.loop a loop.while (inside a loop.if, for the
 * first test) over its body; graph.scan a loop.for over the sequence.
 *
 * Loop-carried values live in the op's result buffers: they start as the
 * initial values, the body reads them through its arguments, and what it
 * yields goes first to fresh buffers and then back into them, so a body
 * that swaps two states reads the old ones.  Scan inputs are sliced into a
 * buffer per iteration and scan outputs written at their position along
 * their axis (reversed when the direction says so), as the interpreter
 * does.  The iteration number and condition that ONNX Loop passes to its
 * body are rank-0 scratch slots.  A Loop whose condition stops it before
 * its constant trip count leaves the unwritten rows of its scan outputs as
 * they were (the interpreter reports an error; compiled code cannot). */
#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_control.h"
#include "ir/dialects/graph_impl.h"
#include "ir/dialects/graph_lower.h"

enum { ST_CF_MAX_VALUES = 64 };

/* Element 0 of a one-element buffer. */
static st_value *st_cf_load0(st_lower_ctx *lc, st_builder *b, st_value *buf) {
  st_value *zero[ST_MAX_RANK];
  for (unsigned k = 0; k < buf->type->u.shaped.rank; k++) zero[k] = st_lower_index(lc, 0);
  return st_lower_load(b, buf, zero);
}

/* A fresh buffer (mem.alloc at b) of tensor type t. */
static st_value *st_cf_alloc(st_builder *b, const st_type *t) {
  const st_type *mt = st_lower_memref_type(b->module->ctx, t);
  return st_lower_op(b, &st_mem_alloc_def, 0, NULL, mt);
}

/* Copies between slice `small` and position `at` along `axis` of `big`:
 * big[.., at, ..] = small (insert) or small = big[.., at, ..]. */
static bool st_cf_move(st_lower_ctx *lc, st_builder *b, st_value *big, unsigned axis, st_value *at, st_value *small,
                       bool insert) {
  const st_type *t = small->type;
  unsigned r = t->u.shaped.rank;
  st_value *ivs[ST_MAX_RANK], *bi[ST_MAX_RANK];
  st_builder in = st_lower_loops(lc, b, r, t->u.shaped.dims, true, ivs);
  if (!in.block) return false;
  for (unsigned j = 0, s = 0; j <= r; j++) bi[j] = j == axis ? at : ivs[s++];
  return insert ? st_lower_store(&in, st_lower_load(&in, small, ivs), big, bi)
                : st_lower_store(&in, st_lower_load(&in, big, bi), small, ivs);
}

/* ---- graph.if (cond) {then} {else} ---- */

bool st_graph_lower_if(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_value *dst[ST_CF_MAX_VALUES];
  if (op->num_results > ST_CF_MAX_VALUES) return st_graph_lower_fail(op, d, "has too many results");
  for (unsigned r = 0; r < op->num_results; r++)
    if (!(dst[r] = st_lower_result(lc, r))) return false;
  st_value *c = st_cf_load0(lc, &lc->b, lc->inputs[0]);
  st_builder other, then = st_lower_if(&lc->b, c, &other);
  return then.block && lc->lower_block(lc, op->regions[0].first, then, NULL, dst, d) &&
         lc->lower_block(lc, op->regions[1].first, other, NULL, dst, d);
}

/* Where the body's yields go before they become the states: fresh buffers
 * for the n states at b, then the scan outputs' slices. */
static bool st_cf_yield_buffers(st_builder *b, st_op *yield, unsigned first, unsigned count, st_value **out) {
  for (unsigned i = 0; i < count; i++)
    if (!(out[i] = st_cf_alloc(b, st_op_operand(yield, first + i)->type))) return false;
  return true;
}

/* states[i] = next[i] for i < n, at b. */
static bool st_cf_commit(st_lower_ctx *lc, st_builder *b, unsigned n, st_value *const *next, st_value *const *states) {
  st_builder saved = lc->b; /* st_lower_copy builds at lc->b */
  bool ok = true;
  lc->b = *b;
  for (unsigned i = 0; ok && i < n; i++) ok = st_lower_copy(lc, next[i], states[i]);
  lc->b = saved;
  return ok && !lc->out_of_memory;
}

/* ---- graph.loop (M, cond, carried...) {^bb0(%i, %cond, %carried...)} ---- */

bool st_graph_lower_loop(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_module *m = lc->b.module;
  st_context *ctx = m->ctx;
  st_block *body = op->regions[0].first;
  st_op *y = st_block_terminator(body);
  unsigned n = op->num_operands - 2, k = op->num_results - n;
  if (y->num_operands > ST_CF_MAX_VALUES) return st_graph_lower_fail(op, d, "has too many loop values");
  const st_type *i64 = st_type_scalar(ctx, ST_TY_I64), *i1 = st_type_scalar(ctx, ST_TY_I1);
  st_value *dst[ST_CF_MAX_VALUES], *args[ST_CF_MAX_VALUES], *next[ST_CF_MAX_VALUES];
  for (unsigned r = 0; r < op->num_results; r++)
    if (!(dst[r] = st_lower_result(lc, r))) return false;
  for (unsigned i = 0; i < n; i++)
    if (lc->inputs[i + 2] != dst[i] && !st_lower_copy(lc, lc->inputs[i + 2], dst[i])) return false;
  st_builder *b = &lc->b;
  st_value *iter = st_lower_alloca(b, i64), *cond_in = st_lower_alloca(b, i1), *go = st_lower_alloca(b, i1);
  st_value *cond_out = st_lower_alloca(b, i1);
  if (!go || !cond_out || !st_lower_store(b, st_lower_const(b, i64, 0), iter, NULL)) return false;
  /* go = cond && 0 < M */
  st_value *trips = lc->inputs[0] ? st_cf_load0(lc, b, lc->inputs[0]) : NULL;
  st_value *first = lc->inputs[1] ? st_cf_load0(lc, b, lc->inputs[1]) : st_lower_const(b, i1, 1);
  if (trips)
    first = st_lower_binary(b, &st_arith_andi_def, first,
                            st_lower_cmp(b, &st_arith_cmpi_def, "slt", st_lower_const(b, i64, 0), trips));
  if (!st_lower_store(b, first, go, NULL)) return false;
  st_builder then = st_lower_if(b, st_lower_load(b, go, NULL), NULL);
  st_builder w = then.block ? st_lower_while(&then, go) : then;
  if (!w.block || !st_lower_store(&w, st_lower_const(&w, i1, 1), cond_in, NULL)) return false;
  /* the body: its yields go to cond_out, fresh state buffers and scan slices */
  args[0] = iter, args[1] = cond_in;
  for (unsigned i = 0; i < n; i++) args[i + 2] = dst[i];
  next[0] = cond_out;
  if (!st_cf_yield_buffers(&w, y, 1, n + k, next + 1) || !lc->lower_block(lc, body, w, args, next, d)) return false;
  if (!st_cf_commit(lc, &w, n, next + 1, dst)) return false;
  st_value *i = st_lower_load(&w, iter, NULL);
  st_value *at = st_lower_op(&w, &st_arith_cast_def, 1, &i, st_type_scalar(ctx, ST_TY_INDEX));
  for (unsigned j = 0; j < k; j++)
    if (!at || !st_cf_move(lc, &w, dst[n + j], 0, at, next[1 + n + j], true)) return false;
  /* iter += 1; go = cond_out && iter < M (and, with scan outputs, iter < their length) */
  st_value *i1n = st_lower_binary(&w, &st_arith_addi_def, i, st_lower_const(&w, i64, 1));
  if (!st_lower_store(&w, i1n, iter, NULL)) return false;
  st_value *again = st_cf_load0(lc, &w, cond_out);
  if (trips) again = st_lower_binary(&w, &st_arith_andi_def, again, st_lower_cmp(&w, &st_arith_cmpi_def, "slt", i1n, trips));
  if (k) {
    st_value *len = st_lower_const(&w, i64, (double)op->results[n].type->u.shaped.dims[0]);
    again = st_lower_binary(&w, &st_arith_andi_def, again, st_lower_cmp(&w, &st_arith_cmpi_def, "slt", i1n, len));
  }
  return st_lower_store(&w, again, go, NULL);
}

/* ---- graph.scan (states..., scan inputs...) {^bb0(%states..., %slices...)} ---- */

bool st_graph_lower_scan(st_op *op, st_lower_ctx *lc, st_diag *d) {
  st_scan_plan p;
  if (!st_graph_scan_plan(op, &p, d)) return false;
  st_block *body = op->regions[0].first;
  st_op *y = st_block_terminator(body);
  if (op->num_operands > ST_CF_MAX_VALUES || y->num_operands > ST_CF_MAX_VALUES)
    return st_graph_lower_fail(op, d, "has too many scan values");
  st_value *dst[ST_CF_MAX_VALUES], *args[ST_CF_MAX_VALUES], *next[ST_CF_MAX_VALUES];
  for (unsigned r = 0; r < op->num_results; r++)
    if (!(dst[r] = st_lower_result(lc, r))) return false;
  for (unsigned i = 0; i < p.n; i++)
    if (lc->inputs[i] != dst[i] && !st_lower_copy(lc, lc->inputs[i], dst[i])) return false;
  st_value *t;
  st_dim len = p.len;
  st_builder in = st_lower_loops(lc, &lc->b, 1, &len, false, &t);
  if (!in.block) return false;
  st_value *rt = st_lower_binary(&in, &st_arith_subi_def, st_lower_index(lc, p.len - 1), t);
  for (unsigned i = 0; i < p.n; i++) args[i] = dst[i];
  for (unsigned j = 0; j < p.m; j++) {
    args[p.n + j] = st_cf_alloc(&in, body->args[p.n + j]->type);
    if (!args[p.n + j] ||
        !st_cf_move(lc, &in, lc->inputs[p.n + j], (unsigned)p.in_axis[j], p.in_rev[j] ? rt : t, args[p.n + j], false))
      return false;
  }
  if (!st_cf_yield_buffers(&in, y, 0, p.n + p.k, next) || !lc->lower_block(lc, body, in, args, next, d) ||
      !st_cf_commit(lc, &in, p.n, next, dst))
    return false;
  for (unsigned j = 0; j < p.k; j++)
    if (!st_cf_move(lc, &in, dst[p.n + j], (unsigned)p.out_axis[j], p.out_rev[j] ? rt : t, next[p.n + j], true))
      return false;
  return true;
}
