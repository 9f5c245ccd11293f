/* The ONNX importer: ModelProto -> a module with func @main in the graph
 * dialect.
 *
 * Graph inputs that are not initializers become the block arguments, with
 * static shapes (dynamic dims must be fixed by an input-shape override);
 * initializers become graph.constant ops (large ones backed by module
 * resources); nodes are converted in order by import_node.c; graph outputs
 * are checked against the types the model declares and returned.  The
 * result is verified before it is handed out. */
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx/onnx_internal.h"
#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_dtype.h"
#include "ir/print.h"
#include "ir/verify.h"

/* ---- name scopes ---- */

static size_t st_hash(const char *s) {
  size_t h = 1469598103934665603u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

bool st_onnx_scope_bind(st_onnx_scope *s, const char *name, st_value *v) {
  if (2 * (s->count + 1) > s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 64;
    const char **keys = calloc(cap, sizeof *keys);
    st_value **vals = calloc(cap, sizeof *vals);
    if (!keys || !vals) {
      free(keys);
      free(vals);
      return false;
    }
    for (size_t i = 0; i < s->cap; i++) {
      if (!s->keys[i]) continue;
      size_t j = st_hash(s->keys[i]) & (cap - 1);
      while (keys[j]) j = (j + 1) & (cap - 1);
      keys[j] = s->keys[i];
      vals[j] = s->vals[i];
    }
    free(s->keys);
    free(s->vals);
    s->keys = keys;
    s->vals = vals;
    s->cap = cap;
  }
  size_t j = st_hash(name) & (s->cap - 1);
  while (s->keys[j] && strcmp(s->keys[j], name) != 0) j = (j + 1) & (s->cap - 1);
  if (!s->keys[j]) s->count++;
  s->keys[j] = name;
  s->vals[j] = v;
  return true;
}

bool st_onnx_scope_find(const st_onnx_scope *s, const char *name, st_value **v) {
  for (; s; s = s->parent) {
    if (!s->cap) continue;
    size_t j = st_hash(name) & (s->cap - 1);
    while (s->keys[j]) {
      if (strcmp(s->keys[j], name) == 0) {
        *v = s->vals[j];
        return true;
      }
      j = (j + 1) & (s->cap - 1);
    }
  }
  *v = NULL;
  return false;
}

void st_onnx_scope_free(st_onnx_scope *s) {
  free(s->keys);
  free(s->vals);
  s->keys = NULL;
  s->vals = NULL;
  s->cap = s->count = 0;
}

int st_onnx_opset(const st_onnx_importer *im, const char *domain) {
  domain = st_onnx_norm_domain(domain);
  for (size_t i = 0; i < im->num_opsets; i++)
    if (strcmp(st_onnx_norm_domain(im->opsets[i]->domain), domain) == 0)
      return im->opsets[i]->version > 1000000 ? 1000000 : (int)im->opsets[i]->version;
  /* A function body may leave out domains its model imports. */
  if (im->opsets != im->model->opset_import)
    for (size_t i = 0; i < im->model->n_opset_import; i++)
      if (strcmp(st_onnx_norm_domain(im->model->opset_import[i]->domain), domain) == 0)
        return im->model->opset_import[i]->version > 1000000 ? 1000000 : (int)im->model->opset_import[i]->version;
  return 0;
}

/* ---- constants ---- */

/* Resource names are printed bare, so keep them to [A-Za-z0-9_.] and unique. */
static const char *st_resource_name(st_onnx_importer *im, const char *name) {
  size_t n = strlen(name);
  if (n > 200) n = 200;
  char *s = st_arena_alloc(&im->m->arena, n + 24);
  if (!s) return NULL;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    s[i] = ok ? c : '_';
  }
  if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
    memmove(s + 1, s, n), s[0] = 'w', n++;
  s[n] = 0;
  if (st_module_find_resource(im->m, s)) snprintf(s + n, 24, "_%u", im->counter++);
  return s;
}

static void st_free_cookie(void *p) { free(p); }

st_value *st_onnx_const_tensor(st_onnx_importer *im, st_tensor *t, const char *name, st_loc loc) {
  const st_attr *a = NULL;
  if (t->nbytes > im->opts.resource_threshold) {
    const char *rn = st_resource_name(im, name ? name : "const");
    st_resource *r = rn ? st_module_add_resource_borrowed(im->m, rn, t->data, t->nbytes, st_free_cookie, t->data) : NULL;
    if (!r) free(t->data);
    t->data = NULL;
    a = r ? st_attr_resource(im->m, t->type, r) : NULL;
  } else {
    a = st_attr_dense(im->m, t->type, t->data, t->nbytes, false);
    free(t->data);
    t->data = NULL;
  }
  if (!a) return NULL;
  st_op_state s = {.def = &st_graph_constant_def, .loc = loc, .num_results = 1, .result_types = &a->type,
                   .num_attrs = 1, .attrs = &(st_named_attr){"value", a}};
  st_op *op = st_builder_create(&im->b, &s);
  if (!op) return NULL;
  if (name) op->results[0].name = st_arena_strdup(&im->m->arena, name);
  return &op->results[0];
}

st_value *st_onnx_constant(st_onnx_importer *im, const st_attr *a) {
  st_op_state s = {.def = &st_graph_constant_def, .loc = im->b.loc, .num_results = 1, .result_types = &a->type,
                   .num_attrs = 1, .attrs = &(st_named_attr){"value", a}};
  st_op *op = st_builder_create(&im->b, &s);
  return op ? &op->results[0] : NULL;
}

st_module *st_onnx_module(st_onnx_importer *im) { return im->m; }

bool st_onnx_attr_tensor(const st_attr *a, st_tensor *t, void **owned) {
  size_t nbytes;
  bool splat;
  *owned = NULL;
  const void *data = st_attr_elements(a, &nbytes, &splat);
  int64_t n = st_type_num_elements(a->type);
  size_t esz = st_dense_elem_size(st_type_elem(a->type));
  if (!data || n < 0) return false;
  t->type = a->type;
  t->nbytes = (size_t)n * esz;
  if (!splat) {
    if (nbytes < t->nbytes) return false;
    t->data = (void *)data;
    return true;
  }
  char *buf = malloc(t->nbytes ? t->nbytes : 1);
  if (!buf) return false;
  for (int64_t i = 0; i < n; i++) memcpy(buf + (size_t)i * esz, data, esz);
  *owned = t->data = buf;
  return true;
}

/* ---- graph inputs and outputs ---- */

bool st_onnx_parse_input_shape(const char *text, st_onnx_input_shape *out) {
  const char *eq = strrchr(text, '=');
  if (!eq || eq == text) return false;
  out->name = text;
  out->rank = 0;
  const char *p = eq + 1;
  if (!*p) return false;
  while (*p) {
    if (out->rank == ST_ONNX_MAX_RANK || *p < '0' || *p > '9') return false;
    char *end;
    long long v = strtoll(p, &end, 10);
    if (v < 0 || v > (1ll << 40)) return false;
    out->dims[out->rank++] = v;
    p = end;
    if (*p == 'x' || *p == ',') {
      p++;
      if (!*p) return false;
    } else if (*p) {
      return false;
    }
  }
  return true;
}

static const st_onnx_input_shape *st_find_override(const st_onnx_importer *im, const char *name) {
  for (unsigned i = 0; i < im->opts.num_input_shapes; i++) {
    const st_onnx_input_shape *s = &im->opts.input_shapes[i];
    size_t n = (size_t)(strrchr(s->name, '=') - s->name);
    if (strlen(name) == n && strncmp(s->name, name, n) == 0) return s;
  }
  return NULL;
}

/* The static tensor type a ValueInfoProto declares; `what` names it in errors. */
static const st_type *st_input_type(st_onnx_importer *im, const Onnx__ValueInfoProto *vi, st_diag *d) {
  const char *name = st_onnx_str(vi->name);
  const Onnx__TypeProto *tp = vi->type;
  if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type) {
    st_diag_error(d, st_loc_unknown(), "graph input '%s' is not a tensor (only tensor inputs are supported)", name);
    return NULL;
  }
  const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
  const st_type *elem = st_graph_dtype_type(im->ctx, tt->elem_type);
  if (!elem) {
    st_diag_error(d, st_loc_unknown(), "graph input '%s' has element type %s, which Strata does not support", name,
                  st_graph_dtype_name(tt->elem_type));
    return NULL;
  }
  const st_onnx_input_shape *ov = st_find_override(im, name);
  st_dim dims[ST_ONNX_MAX_RANK];
  if (ov) {
    if (tt->shape && tt->shape->n_dim != ov->rank) {
      st_diag_error(d, st_loc_unknown(), "--input-shape gives '%s' rank %u, the model declares rank %zu", name, ov->rank,
                    tt->shape->n_dim);
      return NULL;
    }
    for (unsigned i = 0; i < ov->rank; i++) dims[i] = ov->dims[i];
    return st_type_tensor(im->ctx, elem, ov->rank, dims);
  }
  if (!tt->shape) {
    st_diag_error(d, st_loc_unknown(), "graph input '%s' has no shape; fix it with --input-shape %s=DIMS", name, name);
    return NULL;
  }
  if (tt->shape->n_dim > ST_ONNX_MAX_RANK) {
    st_diag_error(d, st_loc_unknown(), "graph input '%s' has rank %zu (limit %d)", name, tt->shape->n_dim,
                  ST_ONNX_MAX_RANK);
    return NULL;
  }
  for (size_t i = 0; i < tt->shape->n_dim; i++) {
    const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[i];
    if (dim->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE || dim->dim_value < 0) {
      const char *param = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM ? dim->dim_param : "?";
      st_diag_error(d, st_loc_unknown(),
                    "graph input '%s' has a dynamic dimension ('%s' at axis %zu); fix it with --input-shape %s=DIMS",
                    name, st_onnx_str(param), i, name);
      return NULL;
    }
    if (dim->dim_value > ((int64_t)1 << 40)) {
      st_diag_error(d, st_loc_unknown(), "graph input '%s' has an absurd dimension", name);
      return NULL;
    }
    dims[i] = dim->dim_value;
  }
  return st_type_tensor(im->ctx, elem, (unsigned)tt->shape->n_dim, dims);
}

/* Whether `t` agrees with the declared type of vi (unknown parts agree). */
bool st_onnx_type_agrees(st_onnx_importer *im, const Onnx__ValueInfoProto *vi, const st_type *t) {
  const Onnx__TypeProto *tp = vi->type;
  if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type) return true;
  const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
  if (t->kind != ST_TY_TENSOR) return false;
  if (tt->has_elem_type && tt->elem_type != 0 && st_graph_dtype_type(im->ctx, tt->elem_type) != t->u.shaped.elem)
    return false;
  if (!tt->shape) return true;
  if (tt->shape->n_dim != t->u.shaped.rank) return false;
  for (size_t i = 0; i < tt->shape->n_dim; i++) {
    const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[i];
    if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && t->u.shaped.dims[i] != ST_DIM_DYNAMIC &&
        dim->dim_value != t->u.shaped.dims[i])
      return false;
  }
  return true;
}

/* The static tensor type the top-level graph declares for value `name`
 * (as a graph output or in value_info), or NULL. */
static const st_type *st_declared(st_onnx_importer *im, const Onnx__ValueInfoProto *vi) {
  const Onnx__TypeProto *tp = vi->type;
  if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type) return NULL;
  const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
  const st_type *elem = tt->has_elem_type ? st_graph_dtype_type(im->ctx, tt->elem_type) : NULL;
  if (!elem || !tt->shape || tt->shape->n_dim > 8) return NULL;
  st_dim dims[8];
  for (size_t i = 0; i < tt->shape->n_dim; i++) {
    const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[i];
    if (dim->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE || dim->dim_value < 0 ||
        dim->dim_value > ((int64_t)1 << 40))
      return NULL;
    dims[i] = dim->dim_value;
  }
  return st_type_tensor(im->ctx, elem, (unsigned)tt->shape->n_dim, dims);
}

const st_type *st_onnx_declared_type(st_onnx_importer *im, const st_onnx_node *node, unsigned i) {
  const Onnx__NodeProto *np = node->proto;
  if (!np || i >= np->n_output || !np->output[i] || !*np->output[i] || im->depth != 0 || im->scope->parent)
    return NULL;
  const Onnx__GraphProto *g = im->model->graph;
  for (size_t k = 0; k < g->n_output; k++)
    if (!strcmp(st_onnx_str(g->output[k]->name), np->output[i])) return st_declared(im, g->output[k]);
  st_value *vi;
  if (st_onnx_scope_find(&im->value_info, np->output[i], &vi) && vi)
    return st_declared(im, (const Onnx__ValueInfoProto *)vi);
  return NULL;
}

static bool st_import_outputs(st_onnx_importer *im, const Onnx__GraphProto *g, st_op *func, st_diag *d) {
  size_t n = g->n_output;
  st_value **vals = calloc(n ? n : 1, sizeof *vals);
  const st_type **types = calloc(n ? n : 1, sizeof *types);
  bool ok = vals && types;
  for (size_t i = 0; ok && i < n; i++) {
    const char *name = st_onnx_str(g->output[i]->name);
    if (!st_onnx_scope_find(im->scope, name, &vals[i]) || !vals[i]) {
      st_diag_error(d, st_loc_unknown(), "graph output '%s' is not produced by any node", name);
      ok = false;
      break;
    }
    types[i] = vals[i]->type;
    if (!st_onnx_type_agrees(im, g->output[i], types[i])) {
      char *s = st_type_to_string(types[i]);
      st_diag_error(d, st_loc_unknown(), "graph output '%s': inferred type %s disagrees with the type the model declares",
                    name, s ? s : "?");
      free(s);
      ok = false;
    } else if (!st_type_has_static_shape(types[i])) {
      st_diag_error(d, st_loc_unknown(), "graph output '%s': its shape could not be inferred statically", name);
      ok = false;
    }
  }
  if (ok) {
    im->b.loc = st_loc_unknown();
    st_op_state s = {.def = &st_func_return_def, .loc = st_loc_unknown(), .num_operands = (unsigned)n,
                     .operands = vals};
    st_block *body = st_func_body(func);
    ok = st_builder_create(&im->b, &s) != NULL;
    const st_type **args = calloc(body->num_args + 1, sizeof *args);
    for (unsigned i = 0; ok && args && i < body->num_args; i++) args[i] = body->args[i]->type;
    const st_type *ft = args ? st_type_function(im->ctx, body->num_args, args, (unsigned)n, types) : NULL;
    ok = ok && ft && st_op_set_attr(im->m, func, "function_type", st_attr_type(im->m, ft));
    free(args);
  }
  free(vals);
  free(types);
  return ok;
}

/* ---- the model ---- */

static bool st_is_initializer(const Onnx__GraphProto *g, const char *name) {
  for (size_t i = 0; i < g->n_initializer; i++)
    if (strcmp(st_onnx_str(g->initializer[i]->name), name) == 0) return true;
  return false;
}

static st_op *st_create_main(st_onnx_importer *im, const Onnx__GraphProto *g, st_diag *d) {
  st_op_state fs = {.def = &st_func_func_def, .loc = st_loc_unknown(), .num_regions = 1};
  st_op *func = st_op_create(im->m, &fs);
  st_block *body = func ? st_block_create(im->m) : NULL;
  if (!body) return NULL;
  st_op_set_attr(im->m, func, "sym_name", st_attr_string(im->m, "main", 4));
  st_region_push_block(&func->regions[0], body);
  st_block_append(st_module_body(im->m), func);
  im->b = st_builder_at_end(im->m, body);
  im->main_body = body;
  for (size_t i = 0; i < im->opts.num_input_shapes; i++) {
    const st_onnx_input_shape *s = &im->opts.input_shapes[i];
    bool found = false;
    size_t n = (size_t)(strrchr(s->name, '=') - s->name);
    for (size_t j = 0; j < g->n_input && !found; j++) {
      const char *in = st_onnx_str(g->input[j]->name);
      found = strlen(in) == n && strncmp(in, s->name, n) == 0;
    }
    if (!found) {
      st_diag_error(d, st_loc_unknown(), "--input-shape names '%.*s', which is not a graph input", (int)n, s->name);
      return NULL;
    }
  }
  for (size_t i = 0; i < g->n_input; i++) {
    const char *name = st_onnx_str(g->input[i]->name);
    if (st_is_initializer(g, name)) continue;
    const st_type *t = st_input_type(im, g->input[i], d);
    st_value *arg = t ? st_block_add_arg(im->m, body, t) : NULL;
    if (!arg) return NULL;
    arg->name = st_arena_strdup(&im->m->arena, name);
    unsigned pos = body->num_args - 1;
    const st_tensor *c = pos < im->opts.num_const_inputs ? im->opts.const_inputs[pos] : NULL;
    if (c) {
      st_tensor copy = {c->type, malloc(c->nbytes ? c->nbytes : 1), c->nbytes};
      if (c->type != t) {
        st_diag_error(d, st_loc_unknown(), "the constant given for graph input '%s' does not have its type", name);
        free(copy.data);
        return NULL;
      }
      if (!copy.data) return NULL;
      if (c->nbytes) memcpy(copy.data, c->data, c->nbytes);
      st_value *v = st_onnx_const_tensor(im, &copy, name, st_loc_name(arg->name));
      if (!v) return NULL;
      st_onnx_scope_bind(im->scope, arg->name, v);
      continue;
    }
    st_onnx_scope_bind(im->scope, arg->name, arg);
  }
  return func;
}

static bool st_import_graph_body(st_onnx_importer *im, const Onnx__GraphProto *g, st_diag *d) {
  for (size_t i = 0; i < g->n_initializer; i++) {
    const Onnx__TensorProto *tp = g->initializer[i];
    st_loc loc = st_loc_name(st_arena_strdup(&im->m->arena, st_onnx_str(tp->name)));
    st_tensor t;
    if (!st_onnx_tensor_decode(im->ctx, tp, im->dir, &t, loc, d)) return false;
    st_value *v = st_onnx_const_tensor(im, &t, st_onnx_str(tp->name), loc);
    if (!v) return false;
    st_onnx_scope_bind(im->scope, v->name, v);
  }
  if (g->n_sparse_initializer) {
    st_diag_error(d, st_loc_unknown(), "sparse initializers are not supported");
    return false;
  }
  for (size_t i = 0; i < g->n_node; i++)
    if (!st_onnx_import_node(im, g->node[i], d)) return false;
  return true;
}

static bool st_check_opsets(const Onnx__ModelProto *mp, st_diag *d) {
  for (size_t i = 0; i < mp->n_opset_import; i++) {
    const Onnx__OperatorSetIdProto *o = mp->opset_import[i];
    if (st_onnx_norm_domain(o->domain)[0] == 0 && (o->version < 1 || o->version > 28)) {
      st_diag_error(d, st_loc_unknown(), "the model imports opset %lld of the default domain; Strata supports 1 to 28",
                    (long long)o->version);
      return false;
    }
  }
  return true;
}

st_module *st_onnx_import_model(st_context *ctx, const Onnx__ModelProto *mp, const char *dir,
                                const st_onnx_options *opts, uint64_t *needed_inputs, st_diag *d) {
  *needed_inputs = 0;
  if (!st_check_opsets(mp, d)) return NULL;
  const Onnx__GraphProto *g = mp->graph;
  st_onnx_importer im = {.ctx = ctx, .model = mp, .dir = dir, .opsets = mp->opset_import,
                         .num_opsets = mp->n_opset_import};
  if (opts) im.opts = *opts;
  if (!im.opts.resource_threshold) im.opts.resource_threshold = 1024;
  im.m = st_module_create(ctx, NULL);
  st_onnx_scope top = {0};
  im.scope = &top;
  bool ok = im.m != NULL;
  for (size_t i = 0; ok && i < g->n_value_info; i++)
    st_onnx_scope_bind(&im.value_info, st_onnx_str(g->value_info[i]->name), (st_value *)g->value_info[i]);
  st_op *func = ok ? st_create_main(&im, g, d) : NULL;
  if (func) {
    ok = st_import_graph_body(&im, g, d) && st_import_outputs(&im, g, func, d) && st_verify_module(im.m, d);
  } else {
    ok = false;
  }
  st_onnx_scope_free(&top);
  st_onnx_scope_free(&im.value_info);
  *needed_inputs = im.needed_inputs;
  if (!ok) {
    st_module_destroy(im.m);
    return NULL;
  }
  return im.m;
}

st_module *st_onnx_import_bytes(st_context *ctx, const void *data, size_t len, const char *dir,
                                const st_onnx_options *opts, st_diag *d) {
  Onnx__ModelProto *mp = st_onnx_decode_model(data, len, d);
  if (!mp) return NULL;
  st_module *m = st_onnx_import_specialised(ctx, mp, dir, opts, d);
  onnx__model_proto__free_unpacked(mp, NULL);
  return m;
}

st_module *st_onnx_import_file(st_context *ctx, const char *path, const st_onnx_options *opts, st_diag *d) {
  uint8_t *data;
  size_t len;
  if (!st_onnx_read_file(path, ST_ONNX_MAX_FILE, &data, &len, d)) return NULL;
  char *dir = strdup(path);
  char *slash = dir ? strrchr(dir, '/') : NULL;
  if (slash) *slash = 0;
  st_module *m = dir ? st_onnx_import_bytes(ctx, data, len, slash ? (dir[0] ? dir : "/") : ".", opts, d) : NULL;
  free(dir);
  free(data);
  return m;
}
