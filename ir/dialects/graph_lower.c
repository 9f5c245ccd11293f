/* Helpers the graph ops' lower hooks share (declared in passes/lower.h):
 * buffers for results and workspaces, views, index constants kept once per
 * function, loop nests, loads, stores, casts, math calls and copies.  They
 * live beside the hooks in the IR library because the hooks are part of the
 * op tables. */
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_impl.h"
#include "passes/lower.h"

const st_type *st_lower_memref_type(st_context *ctx, const st_type *t) {
  return st_type_memref(ctx, t->u.shaped.elem, t->u.shaped.rank, t->u.shaped.dims, NULL, 0, 0);
}

st_value *st_lower_op(st_builder *b, const st_op_def *def, unsigned n, st_value *const *operands, const st_type *t) {
  if (!t) t = operands[0]->type;
  st_op_state s = {.def = def, .num_operands = n, .operands = operands, .num_results = 1, .result_types = &t};
  st_op *op = st_builder_create(b, &s);
  return op ? &op->results[0] : NULL;
}

st_value *st_lower_result(st_lower_ctx *lc, unsigned i) {
  if (lc->outputs[i]) return lc->outputs[i];
  st_op *op = lc->b.before;
  const st_type *t = op->results[i].type;
  st_value *a = st_lower_alloc(lc, t->u.shaped.elem, t->u.shaped.rank, t->u.shaped.dims);
  if (a) a->name = op->results[i].name; /* the buffer keeps the tensor's name in dumps */
  return lc->outputs[i] = a;
}

st_value *st_lower_index(st_lower_ctx *lc, int64_t v) {
  for (size_t i = 0; i < lc->num_consts; i++)
    if (lc->consts[i].value == v) return lc->consts[i].v;
  if (lc->num_consts == lc->cap_consts) {
    size_t cap = lc->cap_consts ? 2 * lc->cap_consts : 16;
    st_lower_index_const *c = realloc(lc->consts, cap * sizeof *c);
    if (!c) return lc->out_of_memory = true, NULL;
    lc->consts = c;
    lc->cap_consts = cap;
  }
  st_module *m = lc->b.module;
  const st_type *index = st_type_scalar(m->ctx, ST_TY_INDEX);
  st_named_attr value = {"value", st_attr_int(m, index, v)};
  st_op_state s = {.def = &st_arith_constant_def, .num_results = 1, .result_types = &index, .num_attrs = 1,
                   .attrs = &value};
  st_op *op = st_op_create(m, &s);
  if (!op) return lc->out_of_memory = true, NULL;
  /* In creation order after the previous constants, so dumps read 0, 1, 4, ... as used. */
  if (lc->num_consts) st_op_insert_after(lc->consts[lc->num_consts - 1].v->def, op);
  else if (lc->entry->first) st_op_insert_before(lc->entry->first, op);
  else st_block_append(lc->entry, op);
  lc->consts[lc->num_consts++] = (st_lower_index_const){v, &op->results[0]};
  return &op->results[0];
}

st_value *st_lower_const(st_builder *b, const st_type *t, double v) {
  st_module *m = b->module;
  st_named_attr value = {"value", st_type_is_float(t) ? st_attr_float(m, t, v) : st_attr_int(m, t, (int64_t)v)};
  st_op_state s = {.def = &st_arith_constant_def, .num_results = 1, .result_types = &t, .num_attrs = 1,
                   .attrs = &value};
  st_op *op = st_builder_create(b, &s);
  return op ? &op->results[0] : NULL;
}

st_value *st_lower_binary(st_builder *b, const st_op_def *def, st_value *x, st_value *y) {
  if (!x || !y) return NULL;
  st_value *ops[2] = {x, y};
  return st_lower_op(b, def, 2, ops, NULL);
}

st_value *st_lower_cmp(st_builder *b, const st_op_def *def, const char *pred, st_value *x, st_value *y) {
  if (!x || !y) return NULL;
  st_value *ops[2] = {x, y};
  st_value *r = st_lower_op(b, def, 2, ops, st_type_scalar(b->module->ctx, ST_TY_I1));
  if (r && !st_op_set_attr(b->module, r->def, "predicate", st_attr_string(b->module, pred, strlen(pred)))) return NULL;
  return r;
}

st_value *st_lower_select(st_builder *b, st_value *cond, st_value *x, st_value *y) {
  if (!cond || !x || !y) return NULL;
  st_value *ops[3] = {cond, x, y};
  return st_lower_op(b, &st_arith_select_def, 3, ops, x->type);
}

st_value *st_lower_load(st_builder *b, st_value *buf, st_value *const *idx) {
  st_value *ops[1 + ST_MAX_RANK] = {buf};
  unsigned rank = buf->type->u.shaped.rank;
  for (unsigned i = 0; i < rank; i++)
    if (!(ops[1 + i] = idx[i])) return NULL;
  return st_lower_op(b, &st_mem_load_def, 1 + rank, ops, buf->type->u.shaped.elem);
}

st_value *st_lower_vload(st_builder *b, st_value *buf, st_value *const *idx, int64_t n) {
  st_value *ops[1 + ST_MAX_RANK] = {buf};
  unsigned rank = buf->type->u.shaped.rank;
  for (unsigned i = 0; i < rank; i++)
    if (!(ops[1 + i] = idx[i])) return NULL;
  const st_type *vt = st_type_vector(b->module->ctx, buf->type->u.shaped.elem, 1, &n);
  return vt ? st_lower_op(b, &st_mem_load_def, 1 + rank, ops, vt) : NULL;
}

int64_t st_lower_vector_bits(st_lower_ctx *lc) {
  int64_t bits = st_op_attr_int(lc->b.module->op, "strata.vector_bits", 0);
  if (bits > 0) return bits;
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return 512;
  if (__builtin_cpu_supports("avx2")) return 256;
#endif
  return 128;
}

st_value *st_lower_splat(st_builder *b, st_value *x, int64_t n) {
  const st_type *vt = x ? st_type_vector(b->module->ctx, x->type, 1, &n) : NULL;
  return vt ? st_lower_op(b, &st_arith_splat_def, 1, &x, vt) : NULL;
}

bool st_lower_store(st_builder *b, st_value *v, st_value *buf, st_value *const *idx) {
  st_value *ops[2 + ST_MAX_RANK] = {v, buf};
  unsigned rank = buf->type->u.shaped.rank;
  if (!v) return false;
  for (unsigned i = 0; i < rank; i++)
    if (!(ops[2 + i] = idx[i])) return false;
  st_op_state s = {.def = &st_mem_store_def, .num_operands = 2 + rank, .operands = ops};
  return st_builder_create(b, &s) != NULL;
}

st_value *st_lower_alloca(st_builder *b, const st_type *elem) {
  const st_type *t = st_type_memref(b->module->ctx, elem, 0, NULL, NULL, 0, 0);
  st_op_state s = {.def = &st_mem_alloca_def, .num_results = 1, .result_types = &t};
  st_op *op = st_builder_create(b, &s);
  return op ? &op->results[0] : NULL;
}

st_value *st_lower_alloc(st_lower_ctx *lc, const st_type *elem, unsigned rank, const st_dim *dims) {
  const st_type *t = st_type_memref(lc->b.module->ctx, elem, rank, dims, NULL, 0, 0);
  return t ? st_lower_op(&lc->b, &st_mem_alloc_def, 0, NULL, t) : NULL;
}

st_value *st_lower_view(st_lower_ctx *lc, st_value *buf, unsigned rank, const st_dim *dims) {
  const st_type *t = buf ? st_type_memref(lc->b.module->ctx, buf->type->u.shaped.elem, rank, dims, NULL, 0, 0) : NULL;
  if (!t) return NULL;
  return t == buf->type ? buf : st_lower_op(&lc->b, &st_mem_view_def, 1, &buf, t);
}

st_value *st_lower_cast(st_builder *b, st_value *v, const st_type *t) {
  return !v || v->type == t ? v : st_lower_op(b, &st_arith_cast_def, 1, &v, t);
}

st_value *st_lower_math(st_builder *b, const char *fn, st_value *x, st_value *y) {
  unsigned arity;
  if (!x || !st_arith_math_arity(fn, &arity) || arity != (y ? 2u : 1u)) return NULL;
  st_value *ops[2] = {x, y};
  st_value *r = st_lower_op(b, &st_arith_math_def, arity, ops, NULL);
  if (r && !st_op_set_attr(b->module, r->def, "fn", st_attr_string(b->module, fn, strlen(fn)))) return NULL;
  return r;
}

st_builder st_lower_loops(st_lower_ctx *lc, st_builder *b, unsigned n, const st_dim *dims, bool parallel,
                          st_value **ivs) {
  st_builder in = *b;
  for (unsigned k = 0; k < n && in.block; k++) {
    st_builder at = in;
    st_value *lb = st_lower_index(lc, 0), *ub = st_lower_index(lc, dims[k]); /* constants in this order */
    in = st_lower_for(lc, &at, lb, ub, parallel, &ivs[k]);
  }
  return in;
}

/* Region `region` of `op` as one block (nargs arguments of arg_type) that
 * ends with loop.yield; returns a builder before the yield. */
static st_builder st_lower_region(st_builder *b, st_op *op, unsigned region, unsigned nargs, const st_type *arg_type,
                                  st_value **args) {
  st_module *m = b->module;
  st_builder in = *b;
  in.block = NULL;
  st_block *body = st_block_create(m);
  if (!body) return in;
  for (unsigned i = 0; i < nargs; i++)
    if (!(args[i] = st_block_add_arg(m, body, arg_type))) return in;
  st_op *t = st_op_create_simple(m, &st_loop_yield_def, b->loc, 0, NULL, NULL);
  if (!t) return in;
  st_region_push_block(&op->regions[region], body);
  st_block_append(body, t);
  in = st_builder_before(m, t);
  in.loc = b->loc;
  return in;
}

st_builder st_lower_for(st_lower_ctx *lc, st_builder *b, st_value *lb, st_value *ub, bool parallel, st_value **iv) {
  st_builder fail = *b;
  fail.block = NULL;
  st_value *one = st_lower_index(lc, 1);
  if (!lb || !ub || !one) return fail;
  st_value *bounds[3] = {lb, ub, one};
  st_op_state s = {.def = parallel ? &st_loop_parallel_def : &st_loop_for_def, .num_operands = 3, .operands = bounds,
                   .num_regions = 1};
  st_op *loop = st_builder_create(b, &s);
  const st_type *index = st_type_scalar(b->module->ctx, ST_TY_INDEX);
  return loop ? st_lower_region(b, loop, 0, 1, index, iv) : fail;
}

st_builder st_lower_if(st_builder *b, st_value *cond, st_builder *otherwise) {
  st_builder fail = *b;
  fail.block = NULL;
  if (otherwise) *otherwise = fail;
  st_op_state s = {.def = &st_loop_if_def, .num_operands = 1, .operands = &cond, .num_regions = 2};
  st_op *op = cond ? st_builder_create(b, &s) : NULL;
  if (!op) return fail;
  st_builder then = st_lower_region(b, op, 0, 0, NULL, NULL);
  st_builder other = st_lower_region(b, op, 1, 0, NULL, NULL);
  if (!then.block || !other.block) return fail;
  if (otherwise) *otherwise = other;
  return then;
}

st_builder st_lower_while(st_builder *b, st_value *flag) {
  st_module *m = b->module;
  st_builder fail = *b;
  fail.block = NULL;
  st_op_state s = {.def = &st_loop_while_def, .num_regions = 1};
  st_op *op = flag ? st_builder_create(b, &s) : NULL;
  st_block *body = op ? st_block_create(m) : NULL;
  if (!body) return fail;
  st_region_push_block(&op->regions[0], body);
  st_builder at = st_builder_at_end(m, body);
  at.loc = b->loc;
  st_value *c = st_lower_load(&at, flag, NULL); /* the flag's value at the end of the body */
  st_op *t = c ? st_op_create_simple(m, &st_loop_condition_def, b->loc, 1, &c, NULL) : NULL;
  if (!t) return fail;
  st_block_append(body, t);
  at = st_builder_before(m, c->def);
  at.loc = b->loc;
  return at;
}

bool st_lower_copy(st_lower_ctx *lc, st_value *src, st_value *dst) {
  st_context *ctx = lc->b.module->ctx;
  if (dst->type != src->type) {
    const st_type *t = st_type_memref(ctx, src->type->u.shaped.elem, src->type->u.shaped.rank,
                                      src->type->u.shaped.dims, NULL, 0, 0);
    if (!(dst = st_lower_op(&lc->b, &st_mem_view_def, 1, &dst, t))) return false;
  }
  st_value *ivs[ST_MAX_RANK];
  st_builder in = st_lower_loops(lc, &lc->b, src->type->u.shaped.rank, src->type->u.shaped.dims, true, ivs);
  return in.block && st_lower_store(&in, st_lower_load(&in, src, ivs), dst, ivs);
}

const st_op_def *st_lower_arith_for(const st_type *elem, char kind) {
  if (st_type_is_float(elem)) { /* narrow floats compute in f32 registers (codegen/llvm/llvm_elem.c) */
    switch (kind) {
    case 'a': return &st_arith_addf_def;
    case 's': return &st_arith_subf_def;
    case 'm': return &st_arith_mulf_def;
    case 'd': return &st_arith_divf_def;
    }
  } else if (st_type_is_int(elem) && elem->kind != ST_TY_I1 && elem->kind != ST_TY_I2 && elem->kind != ST_TY_I4 &&
             elem->kind != ST_TY_U2 && elem->kind != ST_TY_U4) {
    bool u = st_type_is_unsigned(elem);
    switch (kind) {
    case 'a': return &st_arith_addi_def;
    case 's': return &st_arith_subi_def;
    case 'm': return &st_arith_muli_def;
    case 'd': return u ? &st_arith_divui_def : &st_arith_divsi_def;
    case 'r': return u ? &st_arith_remui_def : &st_arith_remsi_def;
    }
  }
  return NULL;
}

void st_lower_bcast_indices(st_lower_ctx *lc, st_value *buf, const st_type *out, st_value *const *ivs, st_value **idx) {
  unsigned r = out->u.shaped.rank, rk = buf->type->u.shaped.rank;
  for (unsigned j = 0; j < rk; j++) {
    unsigned o = r - rk + j;
    bool bcast = buf->type->u.shaped.dims[j] == 1 && out->u.shaped.dims[o] != 1;
    idx[j] = bcast ? st_lower_index(lc, 0) : ivs[o];
  }
}
