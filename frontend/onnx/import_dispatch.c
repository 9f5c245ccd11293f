/* Dispatching one ONNX node: resolve its inputs, then build it as a
 * Constant, inline the model-local function it calls, or convert it through
 * its mapping row (the row's import hook, or the generic conversion of
 * onnx_map.h); finally bind its outputs by name and check them against the
 * model's value_info. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx/onnx_internal.h"
#include "ir/dialects/dialects.h"
#include "ir/print.h"

static const char *st_node_name(st_onnx_importer *im, const Onnx__NodeProto *np) {
  char buf[96];
  const char *base = np->name && *np->name ? np->name : NULL;
  if (!base) {
    snprintf(buf, sizeof buf, "%.64s_%u", st_onnx_str(np->op_type), im->counter++);
    base = buf;
  }
  if (!im->prefix) return st_arena_strdup(&im->m->arena, base);
  size_t n = strlen(im->prefix) + strlen(base) + 2;
  char *s = st_arena_alloc(&im->m->arena, n);
  if (s) snprintf(s, n, "%s/%s", im->prefix, base);
  return s;
}

/* ---- Constant ---- */

static bool st_import_constant(st_onnx_importer *im, const Onnx__NodeProto *np, st_loc loc, st_value **out,
                               st_diag *d) {
  const char *oname = np->n_output ? st_onnx_str(np->output[0]) : "";
  for (size_t i = 0; i < np->n_attribute; i++) {
    const Onnx__AttributeProto *a = np->attribute[i];
    const char *an = st_onnx_str(a->name);
    st_tensor t = {0};
    if (strcmp(an, "value") == 0 && a->t) {
      if (!st_onnx_tensor_decode(im->ctx, a->t, im->dir, &t, loc, d)) return false;
    } else if (strcmp(an, "value_float") == 0 || strcmp(an, "value_int") == 0 || strcmp(an, "value_floats") == 0 ||
               strcmp(an, "value_ints") == 0) {
      bool is_float = an[6] == 'f', is_list = an[strlen(an) - 1] == 's';
      size_t n = is_list ? (is_float ? a->n_floats : a->n_ints) : 1;
      st_dim dim = (st_dim)n;
      const st_type *elem = st_type_scalar(im->ctx, is_float ? ST_TY_F32 : ST_TY_I64);
      t.type = st_type_tensor(im->ctx, elem, is_list ? 1 : 0, &dim);
      t.nbytes = n * (is_float ? 4 : 8);
      t.data = malloc(t.nbytes ? t.nbytes : 1);
      if (!t.data) return false;
      if (is_list && n) memcpy(t.data, is_float ? (const void *)a->floats : (const void *)a->ints, t.nbytes);
      else if (!is_list) memcpy(t.data, is_float ? (const void *)&a->f : (const void *)&a->i, t.nbytes);
    } else if (strncmp(an, "value_string", 12) == 0) {
      st_diag_error(d, loc, "Constant with a string value: string tensors are not supported");
      return false;
    } else if (strcmp(an, "sparse_value") == 0) {
      st_diag_error(d, loc, "Constant with a sparse_value: sparse tensors are not supported");
      return false;
    } else {
      continue;
    }
    *out = st_onnx_const_tensor(im, &t, oname, loc);
    return *out != NULL;
  }
  st_diag_error(d, loc, "Constant node has no value attribute");
  return false;
}

/* ---- model-local functions ---- */

static const Onnx__FunctionProto *st_find_function(const st_onnx_importer *im, const char *domain, const char *name) {
  for (size_t i = 0; i < im->model->n_functions; i++) {
    const Onnx__FunctionProto *f = im->model->functions[i];
    if (strcmp(st_onnx_str(f->name), name) == 0 &&
        strcmp(st_onnx_norm_domain(f->domain), st_onnx_norm_domain(domain)) == 0)
      return f;
  }
  return NULL;
}

/* Inside a function body, attributes that refer to the caller's
 * (ref_attr_name) are replaced by the caller's attribute of that name, or
 * dropped when the caller leaves it out (the op's default then applies). */
static const Onnx__NodeProto *st_resolve_refs(st_onnx_importer *im, const Onnx__NodeProto *np) {
  bool any = false;
  for (size_t i = 0; i < np->n_attribute; i++) any |= np->attribute[i]->ref_attr_name && *np->attribute[i]->ref_attr_name;
  if (!any || !im->caller) return np;
  Onnx__NodeProto *copy = st_arena_memdup(&im->m->arena, np, sizeof *np);
  Onnx__AttributeProto **attrs = ST_ARENA_ARRAY(&im->m->arena, Onnx__AttributeProto *, np->n_attribute + 1);
  if (!copy || !attrs) return np;
  size_t n = 0;
  for (size_t i = 0; i < np->n_attribute; i++) {
    Onnx__AttributeProto *a = np->attribute[i];
    if (!a->ref_attr_name || !*a->ref_attr_name) {
      attrs[n++] = a;
      continue;
    }
    for (size_t j = 0; j < im->caller->n_attribute; j++) {
      const Onnx__AttributeProto *c = im->caller->attribute[j];
      if (strcmp(st_onnx_str(c->name), a->ref_attr_name) != 0) continue;
      Onnx__AttributeProto *r = st_arena_memdup(&im->m->arena, c, sizeof *c);
      if (!r) return np;
      r->name = a->name;
      attrs[n++] = r;
      break;
    }
  }
  copy->attribute = attrs;
  copy->n_attribute = n;
  return copy;
}

static bool st_inline_function(st_onnx_importer *im, const Onnx__NodeProto *np, const Onnx__FunctionProto *fn,
                               const char *name, st_value *const *inputs, st_value **outputs, st_diag *d) {
  if (im->depth >= ST_ONNX_MAX_INLINE_DEPTH) {
    st_diag_error(d, st_loc_name(name), "function '%s' nests deeper than %d calls (recursive?)", st_onnx_str(fn->name),
                  ST_ONNX_MAX_INLINE_DEPTH);
    return false;
  }
  st_onnx_importer saved = *im;
  st_onnx_scope sc = {0};
  for (size_t i = 0; i < fn->n_input; i++)
    st_onnx_scope_bind(&sc, st_onnx_str(fn->input[i]), i < np->n_input ? inputs[i] : NULL);
  im->scope = &sc;
  if (fn->n_opset_import) {
    im->opsets = fn->opset_import;
    im->num_opsets = fn->n_opset_import;
  }
  im->prefix = name;
  im->caller = np;
  im->depth++;
  bool ok = true;
  for (size_t i = 0; ok && i < fn->n_node; i++) ok = st_onnx_import_node(im, fn->node[i], d);
  for (size_t i = 0; ok && i < np->n_output && i < fn->n_output; i++)
    st_onnx_scope_find(&sc, st_onnx_str(fn->output[i]), &outputs[i]);
  im->scope = saved.scope;
  im->opsets = saved.opsets;
  im->num_opsets = saved.num_opsets;
  im->prefix = saved.prefix;
  im->caller = saved.caller;
  im->depth = saved.depth;
  st_onnx_scope_free(&sc);
  return ok;
}

/* ---- nodes ---- */

static bool st_unsupported(const char *domain, const char *op_type, int opset, const char *name, st_loc loc,
                           st_diag *d) {
  st_diag_error(d, loc, "unsupported op %s::%s (opset %d) at node %s", *domain ? domain : "ai.onnx", op_type, opset,
                name);
  return false;
}

static bool st_convert(st_onnx_importer *im, const Onnx__NodeProto *np, st_onnx_node *node, st_value **outputs,
                       st_diag *d) {
  const st_onnx_op_map *row = node->opset ? st_onnx_map_lookup(node->domain, node->op_type, node->opset) : NULL;
  if (!row) return st_unsupported(node->domain, node->op_type, node->opset, node->name, node->loc, d);
  if (row->import) return row->import(im, node, outputs, d);
  /* Generic: absent inputs in the middle become graph.none, trailing ones go. */
  unsigned n = node->num_inputs;
  while (n > 0 && !node->inputs[n - 1]) n--;
  st_value **ops = calloc(n + 1, sizeof *ops);
  if (!ops) return false;
  bool ok = true;
  for (unsigned i = 0; ok && i < n; i++) {
    ops[i] = node->inputs[i];
    if (!ops[i]) {
      st_op_state s = {.def = &st_graph_none_def, .loc = node->loc, .num_results = 1,
                       .result_types = (const st_type *[]){st_type_scalar(im->ctx, ST_TY_NONE)}};
      st_op *none = st_builder_create(&im->b, &s);
      ok = none != NULL;
      if (ok) ops[i] = &none->results[0];
    }
  }
  st_op *op = ok ? st_onnx_build(im, node, row->def, n, ops, 0, NULL, d) : NULL;
  free(ops);
  if (!op) return false;
  for (unsigned i = 0; i < op->num_results && i < node->num_outputs; i++) outputs[i] = &op->results[i];
  (void)np;
  return true;
}

/* Binds a node's outputs by name; at top level, checks them against value_info. */
static bool st_bind_outputs(st_onnx_importer *im, const Onnx__NodeProto *np, st_value **outputs, st_loc loc,
                            st_diag *d) {
  for (size_t i = 0; i < np->n_output; i++) {
    const char *oname = st_onnx_str(np->output[i]);
    if (!*oname) continue;
    st_value *v = outputs[i];
    if (v && !v->name) v->name = st_arena_strdup(&im->m->arena, oname);
    if (!st_onnx_scope_bind(im->scope, oname, v)) return false;
    st_value *vi;
    if (v && im->depth == 0 && st_onnx_scope_find(&im->value_info, oname, &vi) &&
        !st_onnx_type_agrees(im, (const Onnx__ValueInfoProto *)vi, v->type)) {
      char *s = st_type_to_string(v->type);
      st_diag_error(d, loc, "inferred type %s of '%s' disagrees with the model's value_info", s ? s : "?", oname);
      free(s);
      return false;
    }
  }
  return true;
}

bool st_onnx_import_node(st_onnx_importer *im, const Onnx__NodeProto *np, st_diag *d) {
  const char *name = st_node_name(im, np);
  if (!name) return false;
  st_loc loc = st_loc_name(name);
  im->b.loc = loc;
  np = st_resolve_refs(im, np);
  const char *op_type = st_onnx_str(np->op_type), *domain = st_onnx_norm_domain(np->domain);
  st_value **inputs = calloc(np->n_input + 1, sizeof *inputs);
  st_value **outputs = calloc(np->n_output + 1, sizeof *outputs);
  bool ok = inputs && outputs;
  for (size_t i = 0; ok && i < np->n_input; i++) {
    const char *in = st_onnx_str(np->input[i]);
    if (*in && !st_onnx_scope_find(im->scope, in, &inputs[i])) {
      st_diag_error(d, loc, "input '%s' of node %s is not defined before it is used", in, name);
      ok = false;
    }
  }
  const Onnx__FunctionProto *fn = NULL;
  if (!ok) {
  } else if (!*domain && strcmp(op_type, "Constant") == 0) {
    ok = st_import_constant(im, np, loc, &outputs[0], d);
  } else if ((fn = st_find_function(im, np->domain, op_type)) != NULL) {
    ok = st_inline_function(im, np, fn, name, inputs, outputs, d);
  } else {
    st_onnx_node node = {.op_type = op_type, .domain = domain, .name = name, .opset = st_onnx_opset(im, domain),
                         .num_inputs = (unsigned)np->n_input, .inputs = inputs,
                         .num_outputs = (unsigned)np->n_output, .loc = loc, .proto = np};
    ok = st_convert(im, np, &node, outputs, d) && st_onnx_fold_results(im, outputs, (unsigned)np->n_output, d);
  }
  ok = ok && st_bind_outputs(im, np, outputs, loc, d);
  free(inputs);
  free(outputs);
  return ok;
}
