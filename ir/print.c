/* The printer.  Names: inside each op that is isolated from above (module,
 * func) values are named afresh — a value keeps its name hint when it is a
 * valid identifier not yet taken, otherwise it gets the next number (results)
 * or argN (block arguments). */
#include "ir/print.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialect.h"
#include "ir/ptrmap.h"

typedef struct st_name_scope st_name_scope;
struct st_name_scope {
  st_name_scope *parent;
  char **used;   /* names taken in this isolated scope */
  size_t num_used, cap_used;
  unsigned next_num, next_arg;
};

struct st_printer {
  st_strbuf out;
  const st_print_options *opts;
  st_ptrmap names; /* value -> char* (malloc'd) */
  st_name_scope *scope;
  unsigned indent;
  bool used_resource;
  st_ptrmap resources_seen; /* resource -> non-NULL */
};

void st_printer_puts(st_printer *p, const char *s) { st_strbuf_puts(&p->out, s); }

void st_printer_printf(st_printer *p, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char tmp[256];
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof tmp) {
    st_strbuf_putn(&p->out, tmp, (size_t)n);
    return;
  }
  char *big = malloc((size_t)n + 1);
  if (!big) return;
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  st_strbuf_putn(&p->out, big, (size_t)n);
  free(big);
}

/* ---- names ---- */

static bool st_is_ident_start(int c) { return isalpha(c) || c == '_'; }
static bool st_is_ident_char(int c) { return isalnum(c) || c == '_' || c == '.' || c == '$' || c == '-'; }

/* A bare name that the parser reads back as a name hint (not a number). */
static bool st_is_valid_hint(const char *s) {
  if (!s || !st_is_ident_start((unsigned char)s[0])) return false;
  for (const char *c = s; *c; c++)
    if (!st_is_ident_char((unsigned char)*c)) return false;
  return true;
}

static bool st_scope_taken(const st_name_scope *s, const char *name) {
  for (size_t i = 0; i < s->num_used; i++)
    if (strcmp(s->used[i], name) == 0) return true;
  return false;
}

static char *st_scope_take(st_name_scope *s, char *name) {
  if (s->num_used == s->cap_used) {
    size_t cap = s->cap_used ? s->cap_used * 2 : 32;
    char **u = realloc(s->used, cap * sizeof *u);
    if (!u) return name;
    s->used = u;
    s->cap_used = cap;
  }
  s->used[s->num_used++] = name;
  return name;
}

static char *st_strdup_fmt(const char *fmt, const char *s, unsigned n) {
  char buf[64];
  if (s) {
    size_t len = strlen(s) + 24;
    char *r = malloc(len);
    if (r) snprintf(r, len, fmt, s, n);
    return r;
  }
  snprintf(buf, sizeof buf, fmt, n);
  return strdup(buf);
}

static void st_name_value(st_printer *p, const st_value *v) {
  st_name_scope *s = p->scope;
  char *name = NULL;
  if (st_is_valid_hint(v->name)) {
    name = strdup(v->name);
    for (unsigned k = 1; name && st_scope_taken(s, name); k++) {
      free(name);
      name = st_strdup_fmt("%s_%u", v->name, k);
    }
  } else {
    do {
      free(name);
      name = v->def ? st_strdup_fmt("%u", NULL, s->next_num++) : st_strdup_fmt("arg%u", NULL, s->next_arg++);
    } while (name && st_scope_taken(s, name));
  }
  if (!name) return;
  st_scope_take(s, name);
  st_ptrmap_set(&p->names, v, name);
}

/* Names the values of a region tree in print order, not entering isolated
 * ops (they get their own scope when printed). */
static void st_name_region(st_printer *p, const st_region *r);
static void st_name_op(st_printer *p, const st_op *op) {
  for (unsigned i = 0; i < op->num_results; i++) st_name_value(p, &op->results[i]);
  if (st_op_has_trait(op, ST_TRAIT_ISOLATED)) return;
  for (unsigned r = 0; r < op->num_regions; r++) st_name_region(p, &op->regions[r]);
}

static void st_name_region(st_printer *p, const st_region *r) {
  for (const st_block *b = r->first; b; b = b->next) {
    for (unsigned a = 0; a < b->num_args; a++) st_name_value(p, b->args[a]);
    for (const st_op *o = b->first; o; o = o->next) st_name_op(p, o);
  }
}

void st_printer_value(st_printer *p, const st_value *v) {
  const char *name = st_ptrmap_get(&p->names, v);
  st_strbuf_putc(&p->out, '%');
  st_strbuf_puts(&p->out, name ? name : "<<unknown value>>");
}

/* ---- types ---- */

static void st_print_dims(st_strbuf *b, unsigned rank, const st_dim *dims) {
  for (unsigned i = 0; i < rank; i++) {
    if (dims[i] == ST_DIM_DYNAMIC) st_strbuf_putc(b, '?');
    else st_strbuf_printf(b, "%" PRId64, dims[i]);
    st_strbuf_putc(b, 'x');
  }
}

static void st_print_double(st_strbuf *b, double v, bool single) {
  if (isnan(v)) { st_strbuf_puts(b, "nan"); return; }
  if (isinf(v)) { st_strbuf_puts(b, v < 0 ? "-inf" : "inf"); return; }
  char tmp[400];
  snprintf(tmp, sizeof tmp, single ? "%.9g" : "%.17g", v);
  /* Prefer the shortest form that reads back exactly. */
  for (int prec = 1; prec < (single ? 9 : 17); prec++) {
    char t2[400];
    snprintf(t2, sizeof t2, "%.*g", prec, v);
    double back = strtod(t2, NULL);
    if (single ? (float)back == (float)v : back == v) {
      memcpy(tmp, t2, sizeof tmp);
      break;
    }
  }
  st_strbuf_puts(b, tmp);
  if (!strpbrk(tmp, ".en")) st_strbuf_puts(b, ".0");
}

void st_print_type_to(st_strbuf *b, const st_type *t) {
  const char *scalar = st_type_scalar_name(t->kind);
  if (scalar) {
    st_strbuf_puts(b, scalar);
    return;
  }
  switch (t->kind) {
  case ST_TY_TENSOR:
  case ST_TY_VECTOR:
    st_strbuf_puts(b, t->kind == ST_TY_TENSOR ? "tensor<" : "vector<");
    st_print_dims(b, t->u.shaped.rank, t->u.shaped.dims);
    st_print_type_to(b, t->u.shaped.elem);
    st_strbuf_putc(b, '>');
    break;
  case ST_TY_MEMREF:
    st_strbuf_puts(b, "memref<");
    st_print_dims(b, t->u.shaped.rank, t->u.shaped.dims);
    st_print_type_to(b, t->u.shaped.elem);
    if (t->u.shaped.strides) {
      st_strbuf_puts(b, ", strided<[");
      for (unsigned i = 0; i < t->u.shaped.rank; i++)
        st_strbuf_printf(b, "%s%" PRId64, i ? ", " : "", t->u.shaped.strides[i]);
      st_strbuf_printf(b, "], offset: %" PRId64 ">", t->u.shaped.offset);
    }
    if (t->u.shaped.memspace) st_strbuf_printf(b, ", %u", t->u.shaped.memspace);
    st_strbuf_putc(b, '>');
    break;
  case ST_TY_QUANT:
    st_strbuf_puts(b, "!quant.uniform<");
    st_print_type_to(b, t->u.quant.storage);
    st_strbuf_putc(b, ':');
    st_print_type_to(b, t->u.quant.expressed);
    if (t->u.quant.axis >= 0) st_strbuf_printf(b, ":%d, {", t->u.quant.axis);
    else st_strbuf_puts(b, ", ");
    for (unsigned i = 0; i < t->u.quant.num_scales; i++) {
      if (i) st_strbuf_puts(b, ", ");
      st_print_double(b, t->u.quant.scales[i], false);
      st_strbuf_printf(b, ":%" PRId64, t->u.quant.zero_points[i]);
    }
    st_strbuf_puts(b, t->u.quant.axis >= 0 ? "}>" : ">");
    break;
  case ST_TY_FUNCTION:
    st_strbuf_putc(b, '(');
    for (unsigned i = 0; i < t->u.func.num_inputs; i++) {
      if (i) st_strbuf_puts(b, ", ");
      st_print_type_to(b, t->u.func.inputs[i]);
    }
    st_strbuf_puts(b, ") -> ");
    if (t->u.func.num_results == 1 && t->u.func.results[0]->kind != ST_TY_FUNCTION) {
      st_print_type_to(b, t->u.func.results[0]);
      break;
    }
    st_strbuf_putc(b, '(');
    for (unsigned i = 0; i < t->u.func.num_results; i++) {
      if (i) st_strbuf_puts(b, ", ");
      st_print_type_to(b, t->u.func.results[i]);
    }
    st_strbuf_putc(b, ')');
    break;
  default:
    st_strbuf_puts(b, "<<bad type>>");
  }
}

char *st_type_to_string(const st_type *t) {
  st_strbuf b = {0};
  st_print_type_to(&b, t);
  return st_strbuf_take(&b);
}

void st_printer_type(st_printer *p, const st_type *t) { st_print_type_to(&p->out, t); }

/* ---- attributes ---- */

static void st_print_string_lit(st_strbuf *b, const char *s, size_t len) {
  st_strbuf_putc(b, '"');
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') st_strbuf_printf(b, "\\%c", c);
    else if (c == '\n') st_strbuf_puts(b, "\\n");
    else if (c == '\t') st_strbuf_puts(b, "\\t");
    else if (c < 0x20 || c >= 0x7f) st_strbuf_printf(b, "\\%02X", c);
    else st_strbuf_putc(b, (char)c);
  }
  st_strbuf_putc(b, '"');
}

void st_printer_symbol(st_printer *p, const char *name) {
  st_strbuf_putc(&p->out, '@');
  bool bare = st_is_ident_start((unsigned char)name[0]);
  for (const char *c = name; *c && bare; c++) bare = st_is_ident_char((unsigned char)*c);
  if (bare) st_strbuf_puts(&p->out, name);
  else st_print_string_lit(&p->out, name, strlen(name));
}

static void st_print_hex(st_strbuf *b, const void *data, size_t n) {
  static const char digits[] = "0123456789ABCDEF";
  st_strbuf_puts(b, "\"0x");
  const unsigned char *d = data;
  char chunk[128];
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    chunk[k++] = digits[d[i] >> 4];
    chunk[k++] = digits[d[i] & 15];
    if (k == sizeof chunk) {
      st_strbuf_putn(b, chunk, k);
      k = 0;
    }
  }
  st_strbuf_putn(b, chunk, k);
  st_strbuf_putc(b, '"');
}

/* Dense elements print as numbers when few and of a type whose values print
 * exactly (f32, f64, integers); otherwise as a hex string of the storage. */
static bool st_dense_prints_as_numbers(const st_attr *a) {
  const st_type *e = st_type_elem(a->type);
  int64_t n = a->u.dense.splat ? 1 : st_type_num_elements(a->type);
  if (n < 0 || n > 64) return false;
  if (!(e->kind == ST_TY_F32 || e->kind == ST_TY_F64 || st_type_is_int(e) || e->kind == ST_TY_INDEX)) return false;
  for (int64_t i = 0; i < n && st_type_is_float(e); i++) {
    double v;
    if (!st_attr_elem_as_double(a, i, &v) || !isfinite(v)) return false;
  }
  return true;
}

static void st_print_dense_elem(st_strbuf *b, const st_attr *a, int64_t i) {
  const st_type *e = st_type_elem(a->type);
  if (st_type_is_float(e)) {
    double v = 0;
    st_attr_elem_as_double(a, i, &v);
    st_print_double(b, v, e->kind == ST_TY_F32);
  } else if (e->kind == ST_TY_I1) {
    int64_t v = 0;
    st_attr_elem_as_int(a, i, &v);
    st_strbuf_puts(b, v ? "true" : "false");
  } else {
    int64_t v = 0;
    st_attr_elem_as_int(a, i, &v);
    if (e->kind == ST_TY_U64) st_strbuf_printf(b, "%" PRIu64, (uint64_t)v);
    else st_strbuf_printf(b, "%" PRId64, v);
  }
}

static void st_print_dense_nested(st_strbuf *b, const st_attr *a, unsigned dim, int64_t *index) {
  const st_type *t = a->type;
  if (dim == t->u.shaped.rank) {
    st_print_dense_elem(b, a, (*index)++);
    return;
  }
  st_strbuf_putc(b, '[');
  for (st_dim i = 0; i < t->u.shaped.dims[dim]; i++) {
    if (i) st_strbuf_puts(b, ", ");
    st_print_dense_nested(b, a, dim + 1, index);
  }
  st_strbuf_putc(b, ']');
}

static void st_print_attr_to(st_printer *p, const st_attr *a) {
  st_strbuf *b = &p->out;
  switch (a->kind) {
  case ST_ATTR_INT:
    st_strbuf_printf(b, "%" PRId64, a->u.i);
    if (a->type->kind != ST_TY_I64) {
      st_strbuf_puts(b, " : ");
      st_print_type_to(b, a->type);
    }
    break;
  case ST_ATTR_FLOAT:
    st_print_double(b, a->u.f, a->type->kind == ST_TY_F32);
    if (a->type->kind != ST_TY_F64) {
      st_strbuf_puts(b, " : ");
      st_print_type_to(b, a->type);
    }
    break;
  case ST_ATTR_STRING: st_print_string_lit(b, a->u.str.data, a->u.str.len); break;
  case ST_ATTR_SYMBOL: st_printer_symbol(p, a->u.str.data); break;
  case ST_ATTR_BOOL: st_strbuf_puts(b, a->u.b ? "true" : "false"); break;
  case ST_ATTR_UNIT: st_strbuf_puts(b, "unit"); break;
  case ST_ATTR_TYPE: st_print_type_to(b, a->u.type_value); break;
  case ST_ATTR_ARRAY:
    st_strbuf_putc(b, '[');
    for (unsigned i = 0; i < a->u.array.n; i++) {
      if (i) st_strbuf_puts(b, ", ");
      st_print_attr_to(p, a->u.array.elems[i]);
    }
    st_strbuf_putc(b, ']');
    break;
  case ST_ATTR_DICT:
    st_strbuf_putc(b, '{');
    for (unsigned i = 0; i < a->u.dict.n; i++) {
      st_strbuf_puts(b, i ? ", " : "");
      st_strbuf_printf(b, "%s = ", a->u.dict.entries[i].name);
      st_print_attr_to(p, a->u.dict.entries[i].attr);
    }
    st_strbuf_putc(b, '}');
    break;
  case ST_ATTR_DENSE:
    st_strbuf_puts(b, "dense<");
    if (st_dense_prints_as_numbers(a)) {
      int64_t index = 0;
      if (a->u.dense.splat) st_print_dense_elem(b, a, 0);
      else st_print_dense_nested(b, a, 0, &index);
    } else {
      if (a->u.dense.splat) st_strbuf_puts(b, "splat ");
      st_print_hex(b, a->u.dense.data, a->u.dense.nbytes);
    }
    st_strbuf_puts(b, "> : ");
    st_print_type_to(b, a->type);
    break;
  case ST_ATTR_RESOURCE:
    st_strbuf_puts(b, "dense_resource<");
    st_strbuf_puts(b, a->u.resource->name);
    st_strbuf_puts(b, "> : ");
    st_print_type_to(b, a->type);
    st_ptrmap_set(&p->resources_seen, a->u.resource, (void *)a->u.resource);
    break;
  }
}

void st_printer_attr(st_printer *p, const st_attr *a) { st_print_attr_to(p, a); }

static bool st_name_is_bare(const char *s) {
  if (!st_is_ident_start((unsigned char)s[0])) return false;
  for (; *s; s++)
    if (!st_is_ident_char((unsigned char)*s)) return false;
  return true;
}

void st_printer_attr_dict(st_printer *p, const st_op *op, const char *const *skip) {
  bool first = true;
  for (unsigned i = 0; i < op->num_attrs; i++) {
    bool skipped = false;
    for (const char *const *s = skip; s && *s && !skipped; s++) skipped = strcmp(*s, op->attrs[i].name) == 0;
    if (skipped) continue;
    st_printer_puts(p, first ? " {" : ", ");
    first = false;
    if (st_name_is_bare(op->attrs[i].name)) st_printer_puts(p, op->attrs[i].name);
    else st_print_string_lit(&p->out, op->attrs[i].name, strlen(op->attrs[i].name));
    if (op->attrs[i].attr->kind == ST_ATTR_UNIT) continue;
    st_printer_puts(p, " = ");
    st_print_attr_to(p, op->attrs[i].attr);
  }
  if (!first) st_printer_puts(p, "}");
}

void st_printer_attr_dict_kw(st_printer *p, const st_op *op, const char *const *skip) {
  size_t before = p->out.len;
  st_printer_attr_dict(p, op, skip);
  if (p->out.len == before || p->out.oom) return;
  /* Insert the keyword in front of what was just printed (" {" -> " attributes {"). */
  size_t n = p->out.len - before;
  char *dict = malloc(n + 1);
  if (!dict) return;
  memcpy(dict, p->out.data + before, n + 1);
  p->out.len = before;
  st_strbuf_puts(&p->out, " attributes");
  st_strbuf_puts(&p->out, dict);
  free(dict);
}

/* ---- ops ---- */

void st_printer_operands(st_printer *p, const st_op *op) {
  for (unsigned i = 0; i < op->num_operands; i++) {
    if (i) st_printer_puts(p, ", ");
    st_printer_value(p, op->operands[i].value);
  }
}

static void st_print_type_list(st_printer *p, unsigned n, const st_type *(*get)(const st_op *, unsigned),
                               const st_op *op, bool parens_always) {
  bool parens = parens_always || n != 1 || get(op, 0)->kind == ST_TY_FUNCTION;
  if (parens) st_printer_puts(p, "(");
  for (unsigned i = 0; i < n; i++) {
    if (i) st_printer_puts(p, ", ");
    st_printer_type(p, get(op, i));
  }
  if (parens) st_printer_puts(p, ")");
}

static const st_type *st_operand_type(const st_op *op, unsigned i) { return op->operands[i].value->type; }
static const st_type *st_result_type(const st_op *op, unsigned i) { return op->results[i].type; }

static void st_print_functional(st_printer *p, const st_op *op) {
  st_print_type_list(p, op->num_operands, st_operand_type, op, true);
  st_printer_puts(p, " -> ");
  st_print_type_list(p, op->num_results, st_result_type, op, false);
}

void st_printer_functional_types(st_printer *p, const st_op *op) {
  const st_type *same = NULL;
  bool uniform = op->num_operands + op->num_results > 0;
  for (unsigned i = 0; i < op->num_operands && uniform; i++) {
    const st_type *t = op->operands[i].value->type;
    uniform = !same || same == t;
    same = t;
  }
  for (unsigned i = 0; i < op->num_results && uniform; i++) {
    uniform = !same || same == op->results[i].type;
    same = op->results[i].type;
  }
  if (uniform && same->kind == ST_TY_FUNCTION) uniform = false;
  st_printer_puts(p, " : ");
  if (uniform) st_printer_type(p, same);
  else st_print_functional(p, op);
}

static void st_print_op_inner(st_printer *p, const st_op *op);

static void st_print_indent(st_printer *p) {
  for (unsigned i = 0; i < p->indent; i++) st_printer_puts(p, "  ");
}

static void st_print_block_label(st_printer *p, const st_block *b, unsigned index) {
  st_print_indent(p);
  st_printer_printf(p, "^bb%u", index);
  if (b->num_args) {
    st_printer_puts(p, "(");
    for (unsigned a = 0; a < b->num_args; a++) {
      if (a) st_printer_puts(p, ", ");
      st_printer_value(p, b->args[a]);
      st_printer_puts(p, ": ");
      st_printer_type(p, b->args[a]->type);
    }
    st_printer_puts(p, ")");
  }
  st_printer_puts(p, ":\n");
}

void st_printer_region(st_printer *p, const st_region *r, bool print_entry_args) {
  st_printer_puts(p, "{\n");
  p->indent++;
  unsigned index = 0;
  for (const st_block *b = r->first; b; b = b->next, index++) {
    bool label = index > 0 || (print_entry_args && (b->num_args > 0 || b->next));
    if (label) {
      p->indent--;
      st_print_block_label(p, b, index);
      p->indent++;
    }
    for (const st_op *o = b->first; o; o = o->next) {
      st_print_indent(p);
      st_print_op_inner(p, o);
      st_printer_puts(p, "\n");
    }
  }
  p->indent--;
  st_print_indent(p);
  st_printer_puts(p, "}");
}

static void st_print_loc(st_printer *p, const st_op *op) {
  if (op->loc.kind == ST_LOC_NAME) {
    st_printer_puts(p, " loc(");
    st_print_string_lit(&p->out, op->loc.file_or_name, strlen(op->loc.file_or_name));
    st_printer_puts(p, ")");
  } else if (op->loc.kind == ST_LOC_FILE && p->opts->debug_locs) {
    st_printer_puts(p, " loc(");
    const char *f = op->loc.file_or_name ? op->loc.file_or_name : "";
    st_print_string_lit(&p->out, f, strlen(f));
    st_printer_printf(p, ":%u:%u)", op->loc.line, op->loc.col);
  }
}

static void st_print_generic(st_printer *p, const st_op *op) {
  st_printer_puts(p, "\"");
  st_printer_puts(p, op->def->name);
  st_printer_puts(p, "\"(");
  st_printer_operands(p, op);
  st_printer_puts(p, ")");
  if (op->num_regions) {
    st_printer_puts(p, " (");
    for (unsigned r = 0; r < op->num_regions; r++) {
      if (r) st_printer_puts(p, ", ");
      st_printer_region(p, &op->regions[r], true);
    }
    st_printer_puts(p, ")");
  }
  st_printer_attr_dict(p, op, NULL);
  st_printer_puts(p, " : ");
  st_print_functional(p, op);
}

static void st_print_default(st_printer *p, const st_op *op) {
  st_printer_puts(p, op->def->name);
  if (op->num_operands) st_printer_puts(p, " ");
  st_printer_operands(p, op);
  st_printer_attr_dict(p, op, NULL);
  if (op->num_operands || op->num_results || op->num_regions) st_printer_functional_types(p, op);
  for (unsigned r = 0; r < op->num_regions; r++) {
    st_printer_puts(p, " ");
    st_printer_region(p, &op->regions[r], true);
  }
}

static void st_print_op_inner(st_printer *p, const st_op *op) {
  st_name_scope scope = {0};
  bool isolated = st_op_has_trait(op, ST_TRAIT_ISOLATED);
  for (unsigned i = 0; i < op->num_results; i++) {
    st_printer_puts(p, i ? ", " : "");
    st_printer_value(p, &op->results[i]);
  }
  if (op->num_results) st_printer_puts(p, " = ");
  if (isolated) {
    scope.parent = p->scope;
    p->scope = &scope;
    for (unsigned r = 0; r < op->num_regions; r++) st_name_region(p, &op->regions[r]);
  }
  if (p->opts->generic) st_print_generic(p, op);
  else if (op->def->print) op->def->print(p, op);
  else st_print_default(p, op);
  st_print_loc(p, op);
  if (isolated) {
    p->scope = scope.parent;
    for (size_t i = 0; i < scope.num_used; i++) free(scope.used[i]);
    free(scope.used);
  }
}

static void st_printer_init(st_printer *p, const st_print_options *opts) {
  static const st_print_options defaults = {0};
  memset(p, 0, sizeof *p);
  p->opts = opts ? opts : &defaults;
}

static void st_printer_fini(st_printer *p) {
  /* Names were freed with their scopes; the map only borrowed them. */
  st_ptrmap_free(&p->names);
  st_ptrmap_free(&p->resources_seen);
}

static void st_print_resources(st_printer *p, const st_module *m) {
  bool any = false;
  for (const st_resource *r = m->resources; r; r = r->next) {
    if (!st_ptrmap_has(&p->resources_seen, r)) continue;
    st_printer_puts(p, any ? ",\n" : "\n{-#\n  resources: {\n");
    any = true;
    st_printer_printf(p, "    %s: ", r->name);
    if (r->data && p->opts->resources) st_print_hex(&p->out, r->data, r->nbytes);
    else st_printer_printf(p, "elided<%zu>", r->nbytes);
  }
  if (any) st_printer_puts(p, "\n  }\n#-}\n");
}

char *st_print_module(const st_module *m, const st_print_options *opts) {
  st_printer p;
  st_printer_init(&p, opts);
  st_name_scope top = {0};
  p.scope = &top;
  st_print_op_inner(&p, m->op);
  st_printer_puts(&p, "\n");
  st_print_resources(&p, m);
  free(top.used);
  st_printer_fini(&p);
  return st_strbuf_take(&p.out);
}

bool st_print_module_to_file(const st_module *m, const st_print_options *opts, FILE *out) {
  char *s = st_print_module(m, opts);
  if (!s) return false;
  bool ok = fputs(s, out) >= 0;
  free(s);
  return ok;
}

char *st_print_op_to_string(const st_op *op, const st_print_options *opts) {
  st_printer p;
  st_printer_init(&p, opts);
  st_name_scope top = {0};
  p.scope = &top;
  /* Values defined outside the op (its operands) get names in the outer scope. */
  for (unsigned i = 0; i < op->num_operands; i++)
    if (!st_ptrmap_has(&p.names, op->operands[i].value)) st_name_value(&p, op->operands[i].value);
  if (!st_op_has_trait(op, ST_TRAIT_ISOLATED)) st_name_op(&p, op);
  else for (unsigned i = 0; i < op->num_results; i++) st_name_value(&p, &op->results[i]);
  st_print_op_inner(&p, op);
  for (size_t i = 0; i < top.num_used; i++) free(top.used[i]);
  free(top.used);
  st_printer_fini(&p);
  return st_strbuf_take(&p.out);
}
