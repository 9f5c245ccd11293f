/* Importing one ONNX node: the generic conversion of onnx_map.h.
 *
 * A node is looked up in the mapping rows by (domain, op type, opset); its
 * attributes become IR attributes; the op is created, its result types come
 * from the op's infer_types hook, and when every operand is constant (and
 * the op is pure with an interpret hook) it is folded at once into a
 * graph.constant, which keeps shape computations static.  Constant nodes
 * are built here, and calls of model-local functions are inlined. */
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx/onnx_hooks.h"
#include "frontend/onnx/onnx_internal.h"
#include "ir/dialects/dialects.h"
#include "ir/print.h"

typedef Onnx__AttributeProto st_onnx_attr;

static int st_proto_attr_kind(const st_onnx_attr *a) {
  if (a->has_type && a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED) return a->type;
  /* IR version 1 files may leave `type` out: go by the field that is set. */
  if (a->t) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
  if (a->g) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
  if (a->n_floats) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
  if (a->n_ints) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
  if (a->n_strings) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
  if (a->has_f) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
  if (a->has_i) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
  if (a->has_s) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
  return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED;
}

static const st_attr *st_tensor_attr(st_onnx_importer *im, const Onnx__TensorProto *tp, st_loc loc, st_diag *d) {
  st_tensor t;
  if (!st_onnx_tensor_decode(im->ctx, tp, im->dir, &t, loc, d)) return NULL;
  const st_attr *a = st_attr_dense(im->m, t.type, t.data, t.nbytes, false);
  free(t.data);
  return a;
}

/* Empty bytes fields have no data pointer. */
static const char *st_bytes(ProtobufCBinaryData b) { return b.len ? (const char *)b.data : ""; }

/* Converts one attribute; *a = NULL for kinds left to import hooks. */
static bool st_convert_attr(st_onnx_importer *im, const st_onnx_attr *pa, st_loc loc, const st_attr **a,
                            st_diag *d) {
  st_module *m = im->m;
  *a = NULL;
  switch (st_proto_attr_kind(pa)) {
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT: *a = st_attr_float(m, st_type_scalar(im->ctx, ST_TY_F32), pa->f); break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT: *a = st_attr_int(m, st_type_scalar(im->ctx, ST_TY_I64), pa->i); break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING: *a = st_attr_string(m, st_bytes(pa->s), pa->s.len); break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS: *a = st_attr_int_array(m, (unsigned)pa->n_ints, pa->ints); break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS: {
    int kind = st_proto_attr_kind(pa);
    size_t n = kind == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS    ? pa->n_floats
               : kind == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS ? pa->n_strings
                                                                        : pa->n_tensors;
    const st_attr **elems = calloc(n ? n : 1, sizeof *elems);
    if (!elems) return false;
    for (size_t i = 0; i < n; i++) {
      if (kind == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS)
        elems[i] = st_attr_float(m, st_type_scalar(im->ctx, ST_TY_F32), pa->floats[i]);
      else if (kind == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS)
        elems[i] = st_attr_string(m, st_bytes(pa->strings[i]), pa->strings[i].len);
      else
        elems[i] = st_tensor_attr(im, pa->tensors[i], loc, d);
      if (!elems[i]) {
        free(elems);
        return false;
      }
    }
    *a = st_attr_array(m, (unsigned)n, elems);
    free(elems);
    break;
  }
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
    if (!pa->t) {
      st_diag_error(d, loc, "attribute '%s' has no tensor", st_onnx_str(pa->name));
      return false;
    }
    *a = st_tensor_attr(im, pa->t, loc, d);
    return *a != NULL;
  default: return true; /* graphs, sparse tensors, type protos: the hooks' business */
  }
  return *a != NULL;
}

static unsigned st_node_attrs(st_onnx_importer *im, const st_onnx_node *node, st_named_attr *out, unsigned max,
                              st_diag *d, bool *ok) {
  const Onnx__NodeProto *np = node->proto;
  unsigned n = 0;
  *ok = true;
  for (size_t i = 0; i < np->n_attribute && n < max; i++) {
    const st_attr *a;
    if (!st_convert_attr(im, np->attribute[i], node->loc, &a, d)) {
      *ok = false;
      return n;
    }
    if (a) out[n++] = (st_named_attr){st_arena_strdup(&im->m->arena, st_onnx_str(np->attribute[i]->name)), a};
  }
  return n;
}

unsigned st_onnx_node_attrs(st_onnx_importer *im, const st_onnx_node *node, st_named_attr *out, unsigned max) {
  st_diag d = {0};
  bool ok;
  unsigned n = st_node_attrs(im, node, out, max, &d, &ok);
  st_diag_free(&d);
  return n;
}

/* ---- building and folding ---- */

/* The op's fold hook, given the constants among its operands (NULL for the
 * others): a result that follows from operand types alone (graph.shape of a
 * static tensor) becomes a graph.constant even when no operand is constant.
 * Folds to an existing value are left to canonicalize: callers of
 * st_onnx_build expect the op they asked for or a constant. */
static st_op *st_fold_hook(st_onnx_importer *im, st_op *op) {
  enum { MAX_OPERANDS = 16 };
  if (!op->def->fold || op->num_results != 1 || op->num_operands > MAX_OPERANDS || op->num_regions) return NULL;
  const st_attr *consts[MAX_OPERANDS];
  for (unsigned i = 0; i < op->num_operands; i++) consts[i] = st_value_const(st_op_operand(op, i));
  st_fold_result r = {.m = im->m};
  if (!op->def->fold(op, consts, &r) || !r.attr || r.attr->type != op->results[0].type) return NULL;
  st_value *v = st_onnx_constant(im, r.attr);
  if (v) v->def->loc = op->loc;
  return v ? v->def : NULL;
}

/* Runs op's interpret hook on its operands when every one is constant (or
 * graph.none) and every result a static tensor: vals[k] receives a
 * graph.constant holding result k.  false when it does not fold, with
 * *failed set when the hook reported an error. */
static bool st_fold_interpret(st_onnx_importer *im, st_op *op, st_value **vals, bool *failed, st_diag *d) {
  *failed = false;
  unsigned nres = op->num_results;
  if (!st_op_has_trait(op, ST_TRAIT_PURE) || !op->def->interpret || nres == 0 || nres > ST_ONNX_MAX_FOLD_RESULTS ||
      op->num_regions)
    return false;
  uint64_t total = 0;
  for (unsigned k = 0; k < nres; k++) {
    const st_type *rt = op->results[k].type;
    if (rt->kind != ST_TY_TENSOR || !st_type_has_static_shape(rt)) return false;
    int64_t count = st_type_num_elements(rt);
    uint64_t esz = st_dense_elem_size(rt->u.shaped.elem);
    if (count < 0 || (uint64_t)count > ST_ONNX_MAX_FOLD / esz) return false;
    total += (uint64_t)count * esz;
  }
  if (total > ST_ONNX_MAX_FOLD) return false;
  st_tensor *ins = calloc(op->num_operands + 1, sizeof *ins);
  void **owned = calloc(op->num_operands + 1, sizeof *owned);
  st_tensor outs[ST_ONNX_MAX_FOLD_RESULTS] = {{0}};
  bool ok = ins && owned;
  for (unsigned i = 0; ok && i < op->num_operands; i++) {
    st_value *v = st_op_operand(op, i);
    if (v->def && v->def->def == &st_graph_none_def) {
      ins[i].type = v->type;
      continue;
    }
    const st_attr *a = st_value_const(v);
    ok = a && st_onnx_attr_tensor(a, &ins[i], &owned[i]);
  }
  bool folded = false;
  if (ok) {
    for (unsigned k = 0; k < nres; k++) {
      const st_type *rt = op->results[k].type;
      size_t bytes = (size_t)st_type_num_elements(rt) * st_dense_elem_size(rt->u.shaped.elem);
      outs[k] = (st_tensor){rt, calloc(1, bytes ? bytes : 1), bytes};
      if (!outs[k].data) *failed = true;
    }
    if (!*failed && !op->def->interpret(op, ins, outs, d)) *failed = true;
    /* st_onnx_const_tensor takes each result's data */
    for (unsigned k = 0; !*failed && k < nres; k++)
      if (!(vals[k] = st_onnx_const_tensor(im, &outs[k], NULL, op->loc))) *failed = true;
    for (unsigned k = 0; k < nres; k++) free(outs[k].data);
    folded = !*failed;
  }
  for (unsigned i = 0; owned && i < op->num_operands; i++) free(owned[i]);
  free(owned);
  free(ins);
  return folded;
}

/* Folds op (detached, result types set, one result): through its fold
 * hook, or, when all its operands are constant, by running its interpret
 * hook; returns the graph.constant holding the result.  NULL with *failed
 * false when it does not fold.  Ops with several results fold once their
 * node is converted (st_onnx_fold_results). */
static st_op *st_try_fold(st_onnx_importer *im, st_op *op, bool *failed, st_diag *d) {
  *failed = false;
  st_op *c = st_fold_hook(im, op);
  if (c) return c;
  st_value *v;
  if (op->num_results != 1 || !st_fold_interpret(im, op, &v, failed, d)) return NULL;
  return v->def;
}

bool st_onnx_fold_results(st_onnx_importer *im, st_value **outputs, unsigned n, st_diag *d) {
  for (unsigned i = 0; i < n; i++) {
    st_op *op = outputs[i] ? outputs[i]->def : NULL;
    if (!op || op->num_results < 2 || op->parent != im->b.block) continue;
    bool used = false;
    for (unsigned k = 0; k < op->num_results; k++) used |= st_value_has_uses(&op->results[k]);
    st_value *vals[ST_ONNX_MAX_FOLD_RESULTS];
    bool failed;
    if (used) continue; /* a hook's own ops read it: they stay before any constant made now */
    if (!st_fold_interpret(im, op, vals, &failed, d)) {
      if (failed) return false;
      continue;
    }
    for (unsigned j = 0; j < n; j++)
      if (outputs[j] && outputs[j]->def == op) outputs[j] = vals[outputs[j]->index];
    st_op_erase(op);
  }
  return true;
}

/* Inserts op (or its folded constant) at the insertion point. */
static st_op *st_finish(st_onnx_importer *im, st_op *op, st_diag *d) {
  bool failed;
  st_op *c = st_try_fold(im, op, &failed, d);
  if (failed) return NULL;
  if (c) {
    st_op_erase(op);
    return c;
  }
  return st_builder_insert(&im->b, op);
}

/* Hooks (infer_types, interpret) trust the op's arity, which the verifier
 * would only check later: a node with too few inputs must stop here. */
static bool st_check_arity(const st_onnx_node *node, const st_op_def *def, unsigned nops, unsigned nres,
                           st_diag *d) {
  if (def->num_operands != ST_VARIADIC && nops != (unsigned)def->num_operands) {
    st_diag_error(d, node->loc, "%s: '%s' takes %d inputs, the node gives %u", node->op_type, def->name,
                  def->num_operands, nops);
    return false;
  }
  if (def->num_results != ST_VARIADIC && nres != (unsigned)def->num_results) {
    st_diag_error(d, node->loc, "%s: '%s' has %d results, %u requested", node->op_type, def->name, def->num_results,
                  nres);
    return false;
  }
  return true;
}

/* A hostile file can ask for dims whose product overflows the byte counts
 * that interpreting and folding compute: results stay under 2^40 bytes. */
static bool st_sane_type(const st_onnx_node *node, const st_op_def *def, unsigned i, const st_type *t, st_diag *d) {
  if (!st_type_is_shaped(t) || !st_type_has_static_shape(t)) return true;
  int64_t n = st_type_num_elements(t);
  if (n >= 0 && (uint64_t)n <= ((uint64_t)1 << 40) / st_dense_elem_size(st_type_elem(t))) return true;
  st_diag_error(d, node->loc, "%s: result %u of '%s' would be larger than 2^40 bytes", node->op_type, i, def->name);
  return false;
}

static st_op *st_create(st_onnx_importer *im, const st_onnx_node *node, const st_op_def *def, unsigned nops,
                        st_value *const *ops, unsigned nres, const st_type *const *types, unsigned nattrs,
                        const st_named_attr *attrs) {
  st_op_state s = {.def = def, .loc = node->loc, .num_operands = nops, .operands = ops, .num_results = nres,
                   .result_types = types, .num_attrs = nattrs, .attrs = attrs};
  return st_op_create(im->m, &s);
}

st_op *st_onnx_build(st_onnx_importer *im, const st_onnx_node *node, const st_op_def *def, unsigned num_operands,
                     st_value *const *operands, unsigned num_extra, const st_named_attr *extra, st_diag *d) {
  enum { MAX_ATTRS = 64, MAX_RESULTS = 64 };
  st_named_attr attrs[MAX_ATTRS];
  bool ok;
  unsigned n = st_node_attrs(im, node, attrs, MAX_ATTRS, d, &ok);
  if (!ok) return NULL;
  for (unsigned i = 0; i < num_extra; i++) {
    unsigned j = 0;
    while (j < n && strcmp(attrs[j].name, extra[i].name) != 0) j++;
    if (j < n && !extra[i].attr) attrs[j] = attrs[--n];
    else if (j < n) attrs[j].attr = extra[i].attr;
    else if (extra[i].attr && n < MAX_ATTRS) attrs[n++] = extra[i];
  }
  unsigned nres = def->num_results >= 0 ? (unsigned)def->num_results : node->num_outputs;
  if (nres > MAX_RESULTS) nres = MAX_RESULTS;
  const st_type *types[MAX_RESULTS];
  const st_type *none = st_type_scalar(im->ctx, ST_TY_NONE);
  for (unsigned i = 0; i < nres; i++) types[i] = none;
  if (!def->infer_types) {
    st_diag_error(d, node->loc, "'%s' has no type inference; its mapping row needs an import hook", def->name);
    return NULL;
  }
  if (!st_check_arity(node, def, num_operands, nres, d)) return NULL;
  for (unsigned i = 0; i < num_operands; i++)
    if (!operands[i]) {
      st_diag_error(d, node->loc, "'%s' operand %u is missing", def->name, i);
      return NULL;
    }
  st_op *op = st_create(im, node, def, num_operands, operands, nres, types, n, attrs);
  if (!op) return NULL;
  if (!def->infer_types(op, im->ctx, types, d)) {
    /* Shape specialisation (import_specialise.c) binds what these depend on. */
    for (unsigned i = 0; i < num_operands && i < 32; i++) {
      const st_op *p = operands[i]->def;
      bool none = p && p->def == &st_graph_none_def;
      if ((def->shape_operands >> i & 1) && !none && !st_value_const(operands[i])) st_onnx_need_constant(im, operands[i]);
    }
    st_op_erase(op);
    return NULL;
  }
  for (unsigned i = 0; i < nres; i++) {
    if (!st_sane_type(node, def, i, types[i], d)) {
      st_op_erase(op);
      return NULL;
    }
    op->results[i].type = types[i];
  }
  return st_finish(im, op, d);
}

st_op *st_onnx_build_typed(st_onnx_importer *im, const st_onnx_node *node, const st_op_def *def, unsigned num_operands,
                           st_value *const *operands, unsigned num_results, const st_type *const *types,
                           unsigned num_attrs, const st_named_attr *attrs, st_diag *d) {
  if (!st_check_arity(node, def, num_operands, num_results, d)) return NULL;
  st_op *op = st_create(im, node, def, num_operands, operands, num_results, types, num_attrs, attrs);
  return op ? st_finish(im, op, d) : NULL;
}

st_value *st_onnx_reshape(st_onnx_importer *im, const st_onnx_node *node, st_value *x, unsigned rank,
                          const st_dim *dims, st_diag *d) {
  const st_type *t = st_type_tensor(im->ctx, st_type_elem(x->type), rank, dims);
  if (t == x->type) return x;
  int64_t a = st_type_num_elements(x->type), b = st_type_num_elements(t);
  if (a != b) {
    char *s = st_type_to_string(x->type), *r = st_type_to_string(t);
    st_diag_error(d, node->loc, "cannot reshape %s to %s", s ? s : "?", r ? r : "?");
    free(s);
    free(r);
    return NULL;
  }
  st_op *op = st_onnx_build_typed(im, node, &st_graph_reshape_def, 1, &x, 1, &t, 0, NULL, d);
  return op ? &op->results[0] : NULL;
}

int st_onnx_const_ints(st_onnx_importer *im, const st_onnx_node *node, st_value *v, const char *what, int64_t *out,
                       int max, st_diag *d) {
  const st_attr *a = st_value_const(v);
  if (!a) st_onnx_need_constant(im, v);
  if (!a || !st_type_is_int(st_type_elem(a->type)) || a->type->u.shaped.rank > 1) {
    st_diag_error(d, node->loc, "%s input of %s must be a constant 1-D integer tensor (static shapes only)", what,
                  node->op_type);
    return -1;
  }
  int64_t n = st_type_num_elements(a->type);
  if (n > max) {
    st_diag_error(d, node->loc, "%s input of %s has %lld elements (limit %d)", what, node->op_type, (long long)n, max);
    return -1;
  }
  for (int64_t i = 0; i < n; i++)
    if (!st_attr_elem_as_int(a, i, &out[i])) {
      st_diag_error(d, node->loc, "%s input of %s cannot be read", what, node->op_type);
      return -1;
    }
  return (int)n;
}

/* ---- raw attribute access for hooks ---- */

static const Onnx__AttributeProto *st_find_attr(const st_onnx_node *node, const char *name) {
  const Onnx__NodeProto *np = node->proto;
  for (size_t i = 0; i < np->n_attribute; i++)
    if (strcmp(st_onnx_str(np->attribute[i]->name), name) == 0) return np->attribute[i];
  return NULL;
}

bool st_onnx_attr_int(const st_onnx_node *node, const char *name, int64_t *out) {
  const Onnx__AttributeProto *a = st_find_attr(node, name);
  if (!a || st_proto_attr_kind(a) != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT) return false;
  *out = a->i;
  return true;
}

bool st_onnx_attr_float(const st_onnx_node *node, const char *name, float *out) {
  const Onnx__AttributeProto *a = st_find_attr(node, name);
  if (!a || st_proto_attr_kind(a) != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT) return false;
  *out = a->f;
  return true;
}

const char *st_onnx_attr_string(st_onnx_importer *im, const st_onnx_node *node, const char *name) {
  const Onnx__AttributeProto *a = st_find_attr(node, name);
  if (!a || st_proto_attr_kind(a) != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING) return NULL;
  /* Strings are bytes in the proto (not NUL-terminated). */
  return st_arena_strndup(&im->m->arena, a->s.len ? (const char *)a->s.data : "", a->s.len);
}

int st_onnx_attr_ints(const st_onnx_node *node, const char *name, int64_t *out, int max) {
  const Onnx__AttributeProto *a = st_find_attr(node, name);
  if (!a || st_proto_attr_kind(a) != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS) return -1;
  for (size_t i = 0; i < a->n_ints && (int)i < max; i++) out[i] = a->ints[i];
  return a->n_ints > (size_t)INT32_MAX ? INT32_MAX : (int)a->n_ints;
}
