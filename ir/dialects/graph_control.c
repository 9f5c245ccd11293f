/* Control flow in the graph dialect: graph.if, graph.loop and graph.scan
 * (ONNX If, Loop and Scan), whose bodies are regions ending in graph.yield,
 * with their type rules and reference semantics.
 *
 * The regions are not isolated: their ops use values of the enclosing
 * function directly.  Types are static, so a loop-carried value keeps its
 * type across iterations and Loop's stacked scan outputs need a constant
 * trip count.  The interpret hooks run a region op by op through the nested
 * ops' own interpret hooks; the values the region uses from outside arrive
 * after the op's operands (see graph_control.h), so nothing here depends on
 * the runtime. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_control.h"
#include "ir/dialects/graph_impl.h"
#include "ir/print.h"
#include "ir/ptrmap.h"

/* ---- captures ---- */

static bool st_cf_inside(const st_op *root, const st_value *v) {
  const st_op *p = v->def ? st_op_parent_op(v->def) : v->block ? st_block_parent_op(v->block) : NULL;
  for (; p; p = st_op_parent_op(p))
    if (p == root) return true;
  return false;
}

typedef struct st_cf_captures {
  st_ptrmap seen;
  st_value **out;
  unsigned max, n;
} st_cf_captures;

static void st_cf_collect(const st_op *root, const st_op *op, st_cf_captures *c) {
  for (unsigned r = 0; r < op->num_regions; r++)
    for (st_block *b = op->regions[r].first; b; b = b->next)
      for (st_op *o = b->first; o; o = o->next) {
        for (unsigned i = 0; i < o->num_operands; i++) {
          st_value *v = st_op_operand(o, i);
          if (!v || st_cf_inside(root, v) || st_ptrmap_has(&c->seen, v)) continue;
          st_ptrmap_set(&c->seen, v, v);
          if (c->n < c->max) c->out[c->n] = v;
          c->n++;
        }
        st_cf_collect(root, o, c);
      }
}

unsigned st_graph_region_captures(const st_op *op, st_value **out, unsigned max) {
  st_cf_captures c = {.out = out, .max = out ? max : 0};
  st_cf_collect(op, op, &c);
  st_ptrmap_free(&c.seen);
  return c.n;
}

/* ---- structure and types ---- */

/* The graph.yield ending region r (one block), or NULL after a diagnostic. */
static st_op *st_cf_yield(st_op *op, unsigned r, const char *what, st_diag *d) {
  const st_region *reg = r < op->num_regions ? &op->regions[r] : NULL;
  if (!reg || !reg->first || reg->first != reg->last) {
    st_diag_error(d, op->loc, "'%s' op expects its %s region to hold one block", op->def->name, what);
    return NULL;
  }
  st_op *t = st_block_terminator(reg->first);
  if (!t || t->def != &st_graph_yield_def) {
    st_diag_error(d, op->loc, "'%s' op %s region must end with graph.yield", op->def->name, what);
    return NULL;
  }
  return t;
}

static bool st_cf_mismatch(st_op *op, st_diag *d, const char *what, unsigned i, const st_type *have,
                           const st_type *want) {
  char *h = st_type_to_string(have), *w = st_type_to_string(want);
  st_diag_error(d, op->loc, "'%s' op %s %u has type %s, expected %s", op->def->name, what, i, h ? h : "?",
                w ? w : "?");
  free(h);
  free(w);
  return false;
}

/* Block b's arguments must have the types types[0..n). */
static bool st_cf_args(st_op *op, const st_block *b, unsigned n, const st_type *const *types, st_diag *d) {
  if (b->num_args != n) {
    st_diag_error(d, op->loc, "'%s' op body takes %u arguments, expected %u", op->def->name, b->num_args, n);
    return false;
  }
  for (unsigned i = 0; i < n; i++)
    if (b->args[i]->type != types[i]) return st_cf_mismatch(op, d, "body argument", i, b->args[i]->type, types[i]);
  return true;
}

/* A one-element tensor of element kind k (a condition or trip count). */
static bool st_cf_is_flag(const st_type *t, st_type_kind k) {
  return t->kind == ST_TY_TENSOR && t->u.shaped.elem->kind == k && st_type_num_elements(t) == 1;
}

static bool st_cf_is_none(const st_value *v) { return v->type->kind == ST_TY_NONE; }

static const st_type *st_cf_yield_type(const st_op *y, unsigned i) { return st_op_operand(y, i)->type; }

/* ---- graph.if (cond) {then} {else} ---- */

static bool st_if_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  (void)ctx;
  if (!st_cf_is_flag(st_op_operand(op, 0)->type, ST_TY_I1))
    return st_graph_type_error(op, d, "expects a one-element i1 condition", st_op_operand(op, 0)->type);
  st_op *yt = st_cf_yield(op, 0, "then", d), *ye = yt ? st_cf_yield(op, 1, "else", d) : NULL;
  if (!ye || !st_cf_args(op, op->regions[0].first, 0, NULL, d) || !st_cf_args(op, op->regions[1].first, 0, NULL, d))
    return false;
  if (yt->num_operands != op->num_results || ye->num_operands != op->num_results) {
    st_diag_error(d, op->loc, "'graph.if' op has %u results, its branches yield %u and %u", op->num_results,
                  yt->num_operands, ye->num_operands);
    return false;
  }
  for (unsigned i = 0; i < op->num_results; i++) {
    if (st_cf_yield_type(ye, i) != st_cf_yield_type(yt, i))
      return st_cf_mismatch(op, d, "else branch value", i, st_cf_yield_type(ye, i), st_cf_yield_type(yt, i));
    results[i] = st_cf_yield_type(yt, i);
  }
  return true;
}

/* ---- graph.loop (M, cond, carried...) {^bb0(%i, %cond, %carried...)} ---- */

/* The constant trip count M, or -1 when M is absent or not constant. */
static int64_t st_loop_const_trips(st_op *op) {
  const st_attr *a = st_value_const(st_op_operand(op, 0));
  int64_t m;
  if (!a || !st_attr_elem_as_int(a, 0, &m)) return -1;
  return m < 0 ? 0 : m;
}

static bool st_loop_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  if (op->num_operands < 2) {
    st_diag_error(d, op->loc, "'graph.loop' op expects operands M, cond and the loop-carried values");
    return false;
  }
  st_value *m = st_op_operand(op, 0), *c = st_op_operand(op, 1);
  if (!st_cf_is_none(m) && !st_cf_is_flag(m->type, ST_TY_I64))
    return st_graph_type_error(op, d, "expects M to be a one-element i64 tensor or none", m->type);
  if (!st_cf_is_none(c) && !st_cf_is_flag(c->type, ST_TY_I1))
    return st_graph_type_error(op, d, "expects cond to be a one-element i1 tensor or none", c->type);
  st_op *y = st_cf_yield(op, 0, "body", d);
  if (!y) return false;
  unsigned n = op->num_operands - 2;
  const st_type **args = calloc(n + 2, sizeof *args);
  if (!args) return st_graph_oom(op, d);
  args[0] = st_type_tensor(ctx, st_type_scalar(ctx, ST_TY_I64), 0, NULL);
  args[1] = st_type_tensor(ctx, st_type_scalar(ctx, ST_TY_I1), 0, NULL);
  for (unsigned i = 0; i < n; i++) args[i + 2] = st_op_operand(op, i + 2)->type;
  bool ok = st_cf_args(op, op->regions[0].first, n + 2, args, d);
  free(args);
  if (!ok) return false;
  if (y->num_operands < n + 1 || op->num_results != y->num_operands - 1) {
    st_diag_error(d, op->loc, "'graph.loop' op has %u results; its body yields %u values (cond, %u carried, scan outputs)",
                  op->num_results, y->num_operands, n);
    return false;
  }
  if (!st_cf_is_flag(st_cf_yield_type(y, 0), ST_TY_I1))
    return st_graph_type_error(op, d, "body must yield a one-element i1 condition first", st_cf_yield_type(y, 0));
  for (unsigned i = 0; i < n; i++) {
    if (st_cf_yield_type(y, i + 1) != st_op_operand(op, i + 2)->type)
      return st_cf_mismatch(op, d, "yielded loop-carried value", i, st_cf_yield_type(y, i + 1),
                            st_op_operand(op, i + 2)->type);
    results[i] = st_op_operand(op, i + 2)->type;
  }
  int64_t trips = st_loop_const_trips(op);
  for (unsigned k = n; k < op->num_results; k++) {
    const st_type *t = st_cf_yield_type(y, k + 1);
    if (t->kind != ST_TY_TENSOR || t->u.shaped.rank >= ST_MAX_RANK || !st_type_has_static_shape(t))
      return st_graph_type_error(op, d, "scan outputs must be static tensors of rank below 8", t);
    if (trips < 0) {
      st_diag_error(d, op->loc, "'graph.loop' op has scan outputs, whose length needs a constant trip count M "
                                "(static shapes only)");
      return false;
    }
    st_dim dims[ST_MAX_RANK] = {trips};
    memcpy(dims + 1, t->u.shaped.dims, t->u.shaped.rank * sizeof *dims);
    results[k] = st_type_tensor(ctx, t->u.shaped.elem, t->u.shaped.rank + 1, dims);
  }
  return true;
}

/* ---- graph.scan (states..., scan inputs...) {^bb0(%states..., %slices...)} ---- */

/* Reads the attributes and the sequence length; `y` is the body's yield. */
static bool st_scan_plan_of(st_op *op, const st_op *y, st_scan_plan *p, st_diag *d) {
  int64_t m = st_op_attr_int(op, "num_scan_inputs", -1);
  if (m < 1 || m > ST_CF_MAX_SCAN || m > (int64_t)op->num_operands) {
    st_diag_error(d, op->loc, "'graph.scan' op needs num_scan_inputs in 1..%u (at most its %u operands)",
                  (unsigned)ST_CF_MAX_SCAN, op->num_operands);
    return false;
  }
  p->m = (unsigned)m;
  p->n = op->num_operands - p->m;
  if (y->num_operands < p->n || op->num_results != y->num_operands || y->num_operands - p->n > ST_CF_MAX_SCAN) {
    st_diag_error(d, op->loc, "'graph.scan' op has %u results; its body yields %u values (%u states, scan outputs)",
                  op->num_results, y->num_operands, p->n);
    return false;
  }
  p->k = y->num_operands - p->n;
  if (!st_graph_int_array(op, "scan_input_axes", p->m, 0, p->in_axis, d) ||
      !st_graph_int_array(op, "scan_input_directions", p->m, 0, p->in_rev, d) ||
      !st_graph_int_array(op, "scan_output_axes", p->k, 0, p->out_axis, d) ||
      !st_graph_int_array(op, "scan_output_directions", p->k, 0, p->out_rev, d))
    return false;
  p->len = -1;
  for (unsigned j = 0; j < p->m; j++) {
    const st_type *t = st_op_operand(op, p->n + j)->type;
    /* a memref too: lower-to-loops asks after retyping the function's arguments */
    if ((t->kind != ST_TY_TENSOR && t->kind != ST_TY_MEMREF) || !st_type_has_static_shape(t) || t->u.shaped.rank == 0)
      return st_graph_type_error(op, d, "expects static scan inputs of rank 1 or more", t);
    if (!st_graph_axis(op, p->in_axis[j], t->u.shaped.rank, &p->in_axis[j], d)) return false;
    st_dim len = t->u.shaped.dims[p->in_axis[j]];
    if (p->len >= 0 && len != p->len) {
      st_diag_error(d, op->loc, "'graph.scan' op scan inputs have different lengths (%" PRId64 " and %" PRId64 ")",
                    p->len, len);
      return false;
    }
    p->len = len;
  }
  for (unsigned k = 0; k < p->k; k++) {
    const st_type *t = st_cf_yield_type(y, p->n + k);
    if (t->kind != ST_TY_TENSOR || !st_type_has_static_shape(t) || t->u.shaped.rank >= ST_MAX_RANK)
      return st_graph_type_error(op, d, "scan outputs must be static tensors of rank below 8", t);
    if (!st_graph_axis(op, p->out_axis[k], t->u.shaped.rank + 1, &p->out_axis[k], d)) return false;
  }
  return true;
}

/* t without dimension `axis`, or with `len` inserted there (insert). */
static const st_type *st_scan_type(st_context *ctx, const st_type *t, int64_t axis, bool insert, int64_t len) {
  st_dim dims[ST_MAX_RANK + 1];
  unsigned r = 0;
  for (unsigned i = 0; i <= t->u.shaped.rank; i++) {
    if ((int64_t)i == axis && insert) dims[r++] = len;
    if (i < t->u.shaped.rank && ((int64_t)i != axis || insert)) dims[r++] = t->u.shaped.dims[i];
  }
  return st_type_tensor(ctx, t->u.shaped.elem, r, dims);
}

bool st_graph_scan_plan(st_op *op, st_scan_plan *p, st_diag *d) {
  st_op *y = st_cf_yield(op, 0, "body", d);
  return y && st_scan_plan_of(op, y, p, d);
}

static bool st_scan_infer(st_op *op, st_context *ctx, const st_type **results, st_diag *d) {
  st_op *y = st_cf_yield(op, 0, "body", d);
  st_scan_plan p;
  if (!y || !st_scan_plan_of(op, y, &p, d)) return false;
  const st_type **args = calloc(op->num_operands + 1, sizeof *args);
  if (!args) return st_graph_oom(op, d);
  for (unsigned i = 0; i < p.n; i++) args[i] = st_op_operand(op, i)->type;
  for (unsigned j = 0; j < p.m; j++) args[p.n + j] = st_scan_type(ctx, st_op_operand(op, p.n + j)->type, p.in_axis[j], false, 0);
  bool ok = st_cf_args(op, op->regions[0].first, op->num_operands, args, d);
  free(args);
  for (unsigned i = 0; ok && i < p.n; i++) {
    if (st_cf_yield_type(y, i) != st_op_operand(op, i)->type)
      return st_cf_mismatch(op, d, "yielded state", i, st_cf_yield_type(y, i), st_op_operand(op, i)->type);
    results[i] = st_op_operand(op, i)->type;
  }
  for (unsigned k = 0; ok && k < p.k; k++)
    results[p.n + k] = st_scan_type(ctx, st_cf_yield_type(y, p.n + k), p.out_axis[k], true, p.len);
  return ok;
}

/* ---- graph.yield ---- */

static bool st_yield_verify(st_op *op, st_diag *d) {
  const st_op *parent = st_op_parent_op(op);
  if (parent && (parent->def == &st_graph_if_def || parent->def == &st_graph_loop_def || parent->def == &st_graph_scan_def))
    return true;
  st_diag_error(d, op->loc, "'graph.yield' op must end the region of graph.if, graph.loop or graph.scan");
  return false;
}

/* ---- running a region ---- */

/* Values of a running region: block arguments (borrowed) and op results
 * (owned), with the enclosing environment for values defined outside. */
typedef struct st_cf_slot {
  st_tensor t;
  bool owned;
} st_cf_slot;

typedef struct st_cf_env {
  st_ptrmap index; /* value -> slot + 1 */
  st_cf_slot *slots;
  size_t n, cap;
  const struct st_cf_env *parent;
} st_cf_env;

static bool st_cf_bind(st_cf_env *e, const st_value *v, st_tensor t, bool owned) {
  if (e->n == e->cap) {
    size_t cap = e->cap ? 2 * e->cap : 16;
    st_cf_slot *s = realloc(e->slots, cap * sizeof *s);
    if (!s) return false;
    e->slots = s;
    e->cap = cap;
  }
  e->slots[e->n++] = (st_cf_slot){t, owned};
  return st_ptrmap_set(&e->index, v, (void *)(uintptr_t)e->n);
}

static const st_tensor *st_cf_lookup(const st_cf_env *e, const st_value *v) {
  for (; e; e = e->parent) {
    uintptr_t i = (uintptr_t)st_ptrmap_get(&e->index, v);
    if (i) return &e->slots[i - 1].t;
  }
  return NULL;
}

static void st_cf_env_free(st_cf_env *e) {
  for (size_t i = 0; i < e->n; i++)
    if (e->slots[i].owned) free(e->slots[i].t.data);
  free(e->slots);
  st_ptrmap_free(&e->index);
}

static bool st_cf_alloc(st_tensor *t, const st_type *type) {
  t->type = type;
  t->data = NULL;
  t->nbytes = 0;
  int64_t n = st_type_num_elements(type);
  if (type->kind != ST_TY_TENSOR || !st_type_has_static_shape(type) || n < 0) return false;
  size_t esz = st_dense_elem_size(type->u.shaped.elem);
  if ((uint64_t)n > SIZE_MAX / 2 / esz) return false;
  t->nbytes = (size_t)n * esz;
  t->data = calloc(1, t->nbytes ? t->nbytes : 1);
  return t->data != NULL;
}

/* The environment of op's regions: its captures, which follow its operands in `in`. */
static bool st_cf_root(st_op *op, const st_tensor *in, st_cf_env *e, st_diag *d) {
  *e = (st_cf_env){0};
  unsigned n = st_graph_region_captures(op, NULL, 0);
  st_value **caps = calloc(n + 1, sizeof *caps);
  bool ok = caps != NULL;
  if (ok) st_graph_region_captures(op, caps, n);
  for (unsigned i = 0; ok && i < n; i++) ok = st_cf_bind(e, caps[i], in[op->num_operands + i], false);
  free(caps);
  if (!ok) st_cf_env_free(e);
  return ok || st_graph_oom(op, d);
}

static bool st_cf_constant(st_cf_env *e, st_op *op, st_diag *d) {
  const st_attr *a = st_op_get_attr(op, "value");
  size_t nbytes;
  bool splat;
  const void *data = a ? st_attr_elements(a, &nbytes, &splat) : NULL;
  st_tensor t;
  if (!data || !st_cf_alloc(&t, a->type)) {
    st_diag_error(d, op->loc, "'%s' op has no data (elided resource?)", op->def->name);
    return false;
  }
  size_t esz = st_dense_elem_size(st_type_elem(a->type));
  for (size_t off = 0; off < t.nbytes; off += splat ? esz : t.nbytes)
    memcpy((char *)t.data + off, data, splat ? esz : (nbytes < t.nbytes ? nbytes : t.nbytes));
  if (st_cf_bind(e, &op->results[0], t, true)) return true;
  free(t.data);
  return st_graph_oom(op, d);
}

/* Runs one op of a region: its inputs are its operands and, for an op with
 * regions, its captures. */
static bool st_cf_run_op(st_cf_env *e, st_op *op, st_diag *d) {
  if (op->def == &st_graph_constant_def) return st_cf_constant(e, op, d);
  if (op->def == &st_graph_none_def) return st_cf_bind(e, &op->results[0], (st_tensor){op->results[0].type, NULL, 0}, false);
  if (!op->def->interpret) {
    st_diag_error(d, op->loc, "'%s' op has no reference semantics (interpret hook)", op->def->name);
    return false;
  }
  unsigned ncap = op->num_regions ? st_graph_region_captures(op, NULL, 0) : 0, nin = op->num_operands + ncap;
  st_value **vals = calloc(nin + 1, sizeof *vals);
  st_tensor *ins = calloc(nin + 1, sizeof *ins), *outs = calloc(op->num_results + 1, sizeof *outs);
  bool ok = vals && ins && outs;
  for (unsigned i = 0; ok && i < op->num_operands; i++) vals[i] = st_op_operand(op, i);
  if (ok && ncap) st_graph_region_captures(op, vals + op->num_operands, ncap);
  for (unsigned i = 0; ok && i < nin; i++) {
    const st_tensor *t = st_cf_lookup(e, vals[i]);
    if (!t) st_diag_error(d, op->loc, "'%s' op input %u has no value", op->def->name, i);
    ok = t != NULL;
    if (ok) ins[i] = *t;
  }
  unsigned made = 0;
  for (; ok && made < op->num_results; made++)
    if (!st_cf_alloc(&outs[made], op->results[made].type))
      ok = st_graph_type_error(op, d, "cannot allocate a result (not static, or too large)", op->results[made].type);
  ok = ok && op->def->interpret(op, ins, outs, d);
  for (unsigned i = 0; ok && i < op->num_results; i++) {
    ok = st_cf_bind(e, &op->results[i], outs[i], true);
    if (ok) outs[i].data = NULL;
  }
  for (unsigned i = 0; outs && i < made; i++) free(outs[i].data);
  if (!ok && !st_diag_has_errors(d)) st_diag_error(d, op->loc, "'%s' op failed to evaluate", op->def->name);
  free(vals);
  free(ins);
  free(outs);
  return ok;
}

/* Runs block b of `owner` with `args` (borrowed) and copies what its
 * graph.yield returns into `yields` (allocated by the caller with the
 * yielded types). */
static bool st_cf_run_block(const st_cf_env *outer, st_block *b, const st_tensor *args, st_tensor *yields, st_diag *d) {
  st_cf_env e = {.parent = outer};
  bool ok = true;
  for (unsigned i = 0; ok && i < b->num_args; i++) ok = st_cf_bind(&e, b->args[i], args[i], false);
  st_op *op = b->first;
  for (; ok && op && op->def != &st_graph_yield_def; op = op->next) ok = st_cf_run_op(&e, op, d);
  for (unsigned i = 0; ok && op && i < op->num_operands; i++) {
    const st_tensor *t = st_cf_lookup(&e, st_op_operand(op, i));
    ok = t && t->nbytes == yields[i].nbytes;
    if (ok && t->nbytes) memcpy(yields[i].data, t->data, t->nbytes);
    else if (!ok) st_diag_error(d, op->loc, "'graph.yield' op operand %u has no value", i);
  }
  st_cf_env_free(&e);
  return ok;
}

/* n tensors of the types type(src, i), zeroed; freed with st_cf_free. */
static st_tensor *st_cf_alloc_all(unsigned n, const st_type *(*type)(const void *, unsigned), const void *src) {
  st_tensor *t = calloc(n + 1, sizeof *t);
  for (unsigned i = 0; t && i < n; i++)
    if (!st_cf_alloc(&t[i], type(src, i))) {
      for (unsigned j = 0; j <= i; j++) free(t[j].data);
      free(t);
      return NULL;
    }
  return t;
}

static void st_cf_free(st_tensor *t, unsigned n) {
  for (unsigned i = 0; t && i < n; i++) free(t[i].data);
  free(t);
}

static const st_type *st_cf_yield_ty(const void *y, unsigned i) { return st_cf_yield_type(y, i); }
static const st_type *st_cf_arg_ty(const void *b, unsigned i) { return ((const st_block *)b)->args[i]->type; }

static void st_cf_copy(st_tensor *dst, const st_tensor *src, unsigned n) {
  for (unsigned i = 0; i < n; i++)
    if (src[i].nbytes) memcpy(dst[i].data, src[i].data, src[i].nbytes);
}

static bool st_cf_flag(const st_tensor *t) { return t->nbytes && ((const uint8_t *)t->data)[0] != 0; }

/* ---- reference semantics ---- */

static bool st_if_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_cf_env root;
  if (!st_cf_root(op, in, &root, d)) return false;
  bool ok = st_cf_run_block(&root, op->regions[st_cf_flag(&in[0]) ? 0 : 1].first, NULL, out, d);
  st_cf_env_free(&root);
  return ok;
}

static bool st_loop_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_block *body = op->regions[0].first;
  st_op *y = st_block_terminator(body);
  unsigned n = op->num_operands - 2, k = op->num_results - n;
  int64_t max = in[0].type->kind == ST_TY_NONE ? INT64_MAX : *(const int64_t *)in[0].data;
  bool cond = in[1].type->kind == ST_TY_NONE || st_cf_flag(&in[1]);
  int64_t trips = k ? out[n].type->u.shaped.dims[0] : 0;
  st_cf_env root;
  if (!st_cf_root(op, in, &root, d)) return false;
  st_tensor *args = st_cf_alloc_all(n + 2, st_cf_arg_ty, body), *ys = st_cf_alloc_all(y->num_operands, st_cf_yield_ty, y);
  bool ok = args && ys;
  if (ok) st_cf_copy(args + 2, in + 2, n);
  int64_t i = 0;
  for (; ok && i < max && cond; i++) {
    *(int64_t *)args[0].data = i;
    *(uint8_t *)args[1].data = 1;
    ok = st_cf_run_block(&root, body, args, ys, d);
    if (ok && k && i >= trips) {
      st_diag_error(d, op->loc, "'graph.loop' op runs past its trip count %" PRId64, trips);
      ok = false;
    }
    for (unsigned j = 0; ok && j < n; j++) {
      st_tensor t = args[j + 2];
      args[j + 2] = ys[j + 1];
      ys[j + 1] = t;
    }
    for (unsigned j = 0; ok && j < k; j++)
      if (ys[n + 1 + j].nbytes) memcpy((char *)out[n + j].data + (size_t)i * ys[n + 1 + j].nbytes, ys[n + 1 + j].data, ys[n + 1 + j].nbytes);
    cond = ok && st_cf_flag(&ys[0]);
  }
  if (ok && k && i != trips) {
    st_diag_error(d, op->loc, "'graph.loop' op stopped after %" PRId64 " of %" PRId64 " iterations; its scan outputs "
                  "were sized for all of them", i, trips);
    ok = false;
  }
  if (ok) st_cf_copy(out, args + 2, n);
  st_cf_free(args, n + 2);
  st_cf_free(ys, y->num_operands);
  st_cf_env_free(&root);
  return ok;
}

/* Copies index `idx` along `axis` of src into dst (extract) or dst's index
 * `idx` from src (insert); `big` is the tensor with the axis. */
static void st_scan_move(const st_tensor *big, int64_t axis, int64_t idx, char *bigdata, char *small, bool extract) {
  int64_t outer, len, inner;
  st_graph_split_at(big->type, (unsigned)axis, &outer, &len, &inner);
  size_t row = (size_t)inner * st_dense_elem_size(st_type_elem(big->type));
  for (int64_t o = 0; o < outer; o++) {
    char *b = bigdata + ((size_t)(o * len + idx)) * row, *s = small + (size_t)o * row;
    if (row) memcpy(extract ? s : b, extract ? b : s, row);
  }
}

static bool st_scan_interp(st_op *op, const st_tensor *in, st_tensor *out, st_diag *d) {
  st_block *body = op->regions[0].first;
  st_op *y = st_block_terminator(body);
  st_scan_plan p;
  if (!st_scan_plan_of(op, y, &p, d)) return false;
  st_cf_env root;
  if (!st_cf_root(op, in, &root, d)) return false;
  st_tensor *args = st_cf_alloc_all(op->num_operands, st_cf_arg_ty, body), *ys = st_cf_alloc_all(y->num_operands, st_cf_yield_ty, y);
  bool ok = args && ys;
  if (ok) st_cf_copy(args, in, p.n);
  for (int64_t t = 0; ok && t < p.len; t++) {
    for (unsigned j = 0; j < p.m; j++)
      st_scan_move(&in[p.n + j], p.in_axis[j], p.in_rev[j] ? p.len - 1 - t : t, in[p.n + j].data, args[p.n + j].data, true);
    ok = st_cf_run_block(&root, body, args, ys, d);
    for (unsigned j = 0; ok && j < p.n; j++) {
      st_tensor s = args[j];
      args[j] = ys[j];
      ys[j] = s;
    }
    for (unsigned j = 0; ok && j < p.k; j++)
      st_scan_move(&out[p.n + j], p.out_axis[j], p.out_rev[j] ? p.len - 1 - t : t, out[p.n + j].data, ys[p.n + j].data, false);
  }
  if (ok) st_cf_copy(out, args, p.n);
  st_cf_free(args, op->num_operands);
  st_cf_free(ys, y->num_operands);
  st_cf_env_free(&root);
  return ok;
}

/* ---- the table ---- */

const st_op_def st_graph_if_def = {
    .name = "graph.if", .summary = "runs the then region or the else region on a one-element i1 condition (ONNX If)",
    .num_operands = 1, .num_results = ST_VARIADIC, .num_regions = 2, .traits = ST_TRAIT_PURE,
    .infer_types = st_if_infer, .interpret = st_if_interp, .lower = st_graph_lower_if,
};
const st_op_def st_graph_loop_def = {
    .name = "graph.loop",
    .summary = "runs its body while i < M and cond (M, cond may be none); carried values, stacked scan outputs (ONNX Loop)",
    .num_operands = ST_VARIADIC, .num_results = ST_VARIADIC, .num_regions = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_loop_infer, .interpret = st_loop_interp, .lower = st_graph_lower_loop,
};
const st_op_def st_graph_scan_def = {
    .name = "graph.scan",
    .summary = "runs its body over slices of the scan inputs with carried states (attrs num_scan_inputs, scan_*_axes, "
               "scan_*_directions; ONNX Scan)",
    .num_operands = ST_VARIADIC, .num_results = ST_VARIADIC, .num_regions = 1, .traits = ST_TRAIT_PURE,
    .infer_types = st_scan_infer, .interpret = st_scan_interp, .lower = st_graph_lower_scan,
};
const st_op_def st_graph_yield_def = {
    .name = "graph.yield", .summary = "returns the values of a graph.if, graph.loop or graph.scan region",
    .num_operands = ST_VARIADIC, .num_results = 0, .traits = ST_TRAIT_TERMINATOR, .verify = st_yield_verify,
};

static const st_op_def *const st_graph_control_list[] = {
    &st_graph_if_def, &st_graph_loop_def, &st_graph_scan_def, &st_graph_yield_def,
};
const st_op_group st_graph_control_ops = ST_OP_GROUP(st_graph_control_list);
