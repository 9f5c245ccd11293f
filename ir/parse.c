/* Parsing ops, regions and value names.
 *
 * An op is `results = name ...` in the pretty form (custom hook or default
 * "operands {attrs} : types {regions}") or `results = "name"(operands)
 * ({regions}) {attrs} : (types) -> types` in the generic form, optionally
 * followed by loc("name") or loc("file":line:col).  Values must be defined
 * before they are used; names are scoped per region, and a region of an op
 * that is isolated from above sees nothing outside it. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ir/dialect.h"
#include "ir/parse_internal.h"
#include "ir/print.h"

enum { ST_MAX_OPERANDS = 1024 };

st_module *st_parser_module(st_parser *p) { return p->m; }

st_loc st_parser_loc(st_parser *p) {
  st_lex_skip_space(&p->lx);
  return st_loc_file(p->lx.file, p->lx.line, p->lx.col);
}

bool st_parser_error_at(st_parser *p, st_loc loc, const char *fmt, ...) {
  if (p->failed) return false;
  p->failed = true;
  va_list ap;
  va_start(ap, fmt);
  st_diag_vreport(p->d, ST_SEV_ERROR, loc, fmt, ap);
  va_end(ap);
  return false;
}

bool st_parser_error(st_parser *p, const char *fmt, ...) {
  if (p->failed) return false;
  p->failed = true;
  st_lex_skip_space(&p->lx);
  va_list ap;
  va_start(ap, fmt);
  st_diag_vreport(p->d, ST_SEV_ERROR, st_parser_loc(p), fmt, ap);
  va_end(ap);
  return false;
}

bool st_parser_enter(st_parser *p) {
  if (++p->depth > ST_PARSE_MAX_DEPTH) return st_parser_error(p, "nesting deeper than %d levels", ST_PARSE_MAX_DEPTH);
  return true;
}

bool st_parser_peek(st_parser *p, const char *punct) { return !p->failed && st_lex_at(&p->lx, punct); }
bool st_parser_accept(st_parser *p, const char *punct) { return !p->failed && st_lex_accept(&p->lx, punct); }
bool st_parser_accept_keyword(st_parser *p, const char *kw) { return !p->failed && st_lex_accept_keyword(&p->lx, kw); }

bool st_parser_expect(st_parser *p, const char *punct) {
  if (p->failed) return false;
  if (st_lex_accept(&p->lx, punct)) return true;
  return st_parser_error(p, "expected '%s'", punct);
}

const char *st_parser_symbol(st_parser *p) {
  if (!st_parser_expect(p, "@")) return NULL;
  if (st_lex_peekc(&p->lx) == '"') {
    char *s;
    size_t len;
    if (!st_lex_string(&p->lx, &p->m->arena, &s, &len)) return st_parser_error(p, "bad symbol name"), NULL;
    return s;
  }
  size_t n = st_lex_peekc(&p->lx) == ' ' ? 0 : st_lex_ident_len(&p->lx);
  if (!n) return st_parser_error(p, "expected a symbol name after '@'"), NULL;
  char *s = st_arena_strndup(&p->m->arena, p->lx.p, n);
  st_lex_advance(&p->lx, n);
  return s;
}

/* ---- value scopes ---- */

static void st_scope_push(st_parser *p, st_parse_scope *s, bool isolated) {
  memset(s, 0, sizeof *s);
  s->parent = p->scope;
  s->isolated = isolated;
  p->scope = s;
}

static void st_scope_pop(st_parser *p) {
  st_parse_scope *s = p->scope;
  p->scope = s->parent;
  free(s->names);
  free(s->values);
}

static st_value *st_scope_find(const st_parse_scope *s, const char *name, bool local_only) {
  for (; s; s = s->parent) {
    for (size_t i = 0; i < s->count; i++)
      if (strcmp(s->names[i], name) == 0) return s->values[i];
    if (s->isolated || local_only) break;
  }
  return NULL;
}

static bool st_scope_define_at(st_parser *p, const char *name, st_value *v, st_loc at) {
  st_parse_scope *s = p->scope;
  if (st_scope_find(s, name, true)) return st_parser_error_at(p, at, "redefinition of value '%%%s'", name);
  if (s->count == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    const char **names = realloc(s->names, cap * sizeof *names);
    if (!names) return st_parser_error(p, "out of memory");
    s->names = names;
    st_value **values = realloc(s->values, cap * sizeof *values);
    if (!values) return st_parser_error(p, "out of memory");
    s->values = values;
    s->cap = cap;
  }
  s->names[s->count] = name;
  s->values[s->count++] = v;
  /* Names that are numbers are positions, not hints: the printer renumbers. */
  if (name[0] < '0' || name[0] > '9') v->name = name;
  return true;
}

static bool st_scope_define(st_parser *p, const char *name, st_value *v) {
  return st_scope_define_at(p, name, v, st_parser_loc(p));
}

const char *st_parser_value_name(st_parser *p) {
  st_lexer *lx = &p->lx;
  if (!st_parser_expect(p, "%")) return NULL;
  size_t n = 0;
  while (lx->p + n < lx->end) {
    char c = lx->p[n];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
          c == '$' || c == '-'))
      break;
    n++;
  }
  if (!n) return st_parser_error(p, "expected a value name after '%%'"), NULL;
  char *s = st_arena_strndup(&p->m->arena, lx->p, n);
  st_lex_advance(lx, n);
  return s;
}

st_value *st_parser_operand(st_parser *p) {
  st_loc at = (st_lex_skip_space(&p->lx), st_parser_loc(p));
  const char *name = st_parser_value_name(p);
  if (!name) return NULL;
  st_value *v = st_scope_find(p->scope, name, false);
  if (!v) {
    p->failed = true;
    st_diag_error(p->d, at, "use of undefined value '%%%s'", name);
  }
  return v;
}

/* ---- attribute dictionaries ---- */

bool st_parser_attr_dict(st_parser *p, st_op *op) {
  if (!st_parser_accept(p, "{")) return true;
  if (st_parser_accept(p, "}")) return true;
  do {
    const char *name;
    if (st_lex_at(&p->lx, "\"")) {
      char *s;
      size_t len;
      if (!st_lex_string(&p->lx, &p->m->arena, &s, &len)) return st_parser_error(p, "bad attribute name");
      name = s;
    } else {
      size_t n = st_lex_ident_len(&p->lx);
      if (!n) return st_parser_error(p, "expected an attribute name");
      name = st_arena_strndup(&p->m->arena, p->lx.p, n);
      st_lex_advance(&p->lx, n);
    }
    const st_attr *a = st_parser_accept(p, "=") ? st_parser_attr(p) : st_attr_unit(p->m);
    if (!a) return false;
    if (st_op_get_attr(op, name)) return st_parser_error(p, "duplicate attribute '%s'", name);
    st_op_set_attr(p->m, op, name, a);
  } while (st_parser_accept(p, ","));
  return st_parser_expect(p, "}");
}

bool st_parser_attr_dict_kw(st_parser *p, st_op *op) {
  if (!st_parser_accept_keyword(p, "attributes")) return true;
  if (!st_parser_peek(p, "{")) return st_parser_error(p, "expected '{' after 'attributes'");
  return st_parser_attr_dict(p, op);
}

/* ---- ops ---- */

static st_op *st_parse_op(st_parser *p);

static bool st_parse_block_label(st_parser *p, st_block *b) {
  if (!st_parser_expect(p, "^")) return false;
  size_t n = st_lex_ident_len(&p->lx);
  if (!n) return st_parser_error(p, "expected a block name after '^'");
  st_lex_advance(&p->lx, n);
  if (st_parser_accept(p, "(") && !st_parser_accept(p, ")")) {
    do {
      const char *name = st_parser_value_name(p);
      const st_type *t;
      if (!name || !st_parser_expect(p, ":") || !(t = st_parser_type(p))) return false;
      st_value *v = st_block_add_arg(p->m, b, t);
      if (!v || !st_scope_define(p, name, v)) return false;
    } while (st_parser_accept(p, ","));
    if (!st_parser_expect(p, ")")) return false;
  }
  return st_parser_expect(p, ":");
}

bool st_parser_region(st_parser *p, st_op *op, unsigned region, unsigned num_entry_args,
                      const char *const *arg_names, const st_type *const *arg_types) {
  if (!st_parser_expect(p, "{") || !st_parser_enter(p)) return false;
  st_parse_scope scope;
  st_scope_push(p, &scope, st_op_has_trait(op, ST_TRAIT_ISOLATED));
  st_region *r = &op->regions[region];
  st_block *b = st_block_create(p->m);
  bool ok = b != NULL;
  if (ok) st_region_push_block(r, b);
  for (unsigned i = 0; ok && i < num_entry_args; i++) {
    st_value *v = st_block_add_arg(p->m, b, arg_types[i]);
    ok = v && st_scope_define(p, arg_names[i], v);
  }
  if (ok && st_parser_peek(p, "^")) {
    if (num_entry_args) ok = st_parser_error(p, "entry block arguments are given by the op; no label expected");
    else ok = st_parse_block_label(p, b);
  }
  while (ok && !st_parser_accept(p, "}")) {
    if (st_lex_peekc(&p->lx) < 0) {
      ok = st_parser_error(p, "expected '}' to close the region");
      break;
    }
    if (st_parser_peek(p, "^")) {
      b = st_block_create(p->m);
      if (!b) break;
      st_region_push_block(r, b);
      ok = st_parse_block_label(p, b);
      continue;
    }
    st_op *o = st_parse_op(p);
    if (!o) ok = false;
    else st_block_append(b, o);
  }
  st_scope_pop(p);
  st_parser_leave(p);
  return ok && !p->failed;
}

static int st_parse_operand_list(st_parser *p, st_value **ops) {
  int n = 0;
  if (!st_parser_peek(p, "%")) return 0;
  do {
    if (n == ST_MAX_OPERANDS) return st_parser_error(p, "too many operands"), -1;
    if (!(ops[n++] = st_parser_operand(p))) return -1;
  } while (st_parser_accept(p, ","));
  return n;
}

/* ": T" (all operands and results) or ": (A, B) -> C" */
static bool st_parse_op_types(st_parser *p, unsigned nops, st_value *const *ops, unsigned nres,
                              const st_type **res, bool generic) {
  if (!st_parser_expect(p, ":")) return false;
  st_loc at = st_parser_loc(p);
  const st_type *ins[ST_MAX_OPERANDS];
  int ni;
  if (!generic && !st_parser_peek(p, "(")) {
    const st_type *t = st_parser_type(p);
    if (!t) return false;
    for (unsigned i = 0; i < nops; i++) ins[i] = t;
    for (unsigned i = 0; i < nres; i++) res[i] = t;
    ni = (int)nops;
  } else {
    if ((ni = st_parser_type_list(p, ins, ST_MAX_OPERANDS)) < 0) return false;
    if (!st_parser_expect(p, "->")) return false;
    const st_type *outs[ST_MAX_OPERANDS];
    int no = st_parser_type_list(p, outs, ST_MAX_OPERANDS);
    if (no < 0) return false;
    if ((unsigned)no != nres) return st_parser_error_at(p, at, "op has %u results but %d result types", nres, no);
    for (unsigned i = 0; i < nres; i++) res[i] = outs[i];
  }
  if ((unsigned)ni != nops) return st_parser_error_at(p, at, "op has %u operands but %d operand types", nops, ni);
  for (unsigned i = 0; i < nops; i++)
    if (ins[i] != ops[i]->type) {
      char *want = st_type_to_string(ins[i]), *have = st_type_to_string(ops[i]->type);
      st_parser_error_at(p, at, "operand %u has type %s, but the op says %s", i, have ? have : "?", want ? want : "?");
      free(want);
      free(have);
      return false;
    }
  return true;
}

static st_op *st_parse_default_form(st_parser *p, const st_op_def *def, unsigned nres, st_loc loc) {
  st_value *ops[ST_MAX_OPERANDS];
  const st_type *res[ST_MAX_OPERANDS];
  int nops = st_parse_operand_list(p, ops);
  if (nops < 0) return NULL;
  st_op_state s = {.def = def, .loc = loc, .num_operands = (unsigned)nops, .operands = ops, .num_results = nres,
                   .result_types = res, .num_regions = def->num_regions > 0 ? (unsigned)def->num_regions : 0};
  /* Types come after the attributes; create the op once they are known. */
  st_op scratch = {0};
  if (!st_parser_attr_dict(p, &scratch)) return NULL;
  if (nops || nres || st_parser_peek(p, ":")) {
    if (!st_parse_op_types(p, (unsigned)nops, ops, nres, res, false)) return NULL;
  }
  s.num_attrs = scratch.num_attrs;
  s.attrs = scratch.attrs;
  st_op *op = st_op_create(p->m, &s);
  if (!op) return st_parser_error(p, "out of memory"), NULL;
  for (unsigned r = 0; r < s.num_regions; r++)
    if (!st_parser_region(p, op, r, 0, NULL, NULL)) return NULL;
  return op;
}

static st_op *st_parse_generic_form(st_parser *p, const st_op_def *def, unsigned nres, st_loc loc) {
  st_value *ops[ST_MAX_OPERANDS];
  const st_type *res[ST_MAX_OPERANDS];
  if (!st_parser_expect(p, "(")) return NULL;
  int nops = st_parse_operand_list(p, ops);
  if (nops < 0 || !st_parser_expect(p, ")")) return NULL;
  /* Regions come before the types, so parse them into a holder op first. */
  st_op_state hs = {.def = def, .loc = loc, .num_regions = def->num_regions > 0 ? (unsigned)def->num_regions : 0};
  st_op *holder = st_op_create(p->m, &hs);
  if (!holder) return NULL;
  unsigned nregions = 0;
  if (st_parser_accept(p, "(")) {
    do {
      if (nregions >= hs.num_regions) return st_parser_error(p, "'%s' has %u regions", def->name, hs.num_regions), NULL;
      if (!st_parser_region(p, holder, nregions++, 0, NULL, NULL)) return NULL;
    } while (st_parser_accept(p, ","));
    if (!st_parser_expect(p, ")")) return NULL;
  }
  if (!st_parser_attr_dict(p, holder)) return NULL;
  if (!st_parse_op_types(p, (unsigned)nops, ops, nres, res, true)) return NULL;
  st_op_state s = {.def = def, .loc = loc, .num_operands = (unsigned)nops, .operands = ops, .num_results = nres,
                   .result_types = res, .num_attrs = holder->num_attrs, .attrs = holder->attrs,
                   .num_regions = hs.num_regions};
  st_op *op = st_op_create(p->m, &s);
  if (!op) return NULL;
  /* Move the parsed regions' blocks over from the holder. */
  for (unsigned r = 0; r < hs.num_regions; r++) {
    op->regions[r] = holder->regions[r];
    op->regions[r].parent = op;
  }
  return op;
}

static bool st_parse_loc(st_parser *p, st_op *op) {
  if (!st_parser_accept_keyword(p, "loc")) return true;
  if (!st_parser_expect(p, "(")) return false;
  char *s;
  size_t len;
  if (!st_lex_string(&p->lx, &p->m->arena, &s, &len)) return st_parser_error(p, "expected a location string");
  if (st_parser_accept(p, ":")) {
    int64_t line, col;
    if (!st_lex_int(&p->lx, &line) || !st_parser_expect(p, ":") || !st_lex_int(&p->lx, &col) || line < 0 || col < 0)
      return st_parser_error(p, "expected loc(\"file\":line:col)");
    op->loc = st_loc_file(s, (unsigned)line, (unsigned)col);
  } else {
    op->loc = st_loc_name(s);
  }
  return st_parser_expect(p, ")");
}

static st_op *st_parse_op(st_parser *p) {
  const char *names[ST_MAX_OPERANDS];
  unsigned nres = 0;
  st_loc loc = st_parser_loc(p);
  if (st_parser_peek(p, "%")) {
    do {
      if (nres == ST_MAX_OPERANDS) return st_parser_error(p, "too many results"), NULL;
      if (!(names[nres++] = st_parser_value_name(p))) return NULL;
    } while (st_parser_accept(p, ","));
    if (!st_parser_expect(p, "=")) return NULL;
  }
  bool generic = st_parser_peek(p, "\"");
  const st_op_def *def;
  st_lex_skip_space(&p->lx);
  st_loc name_loc = st_parser_loc(p);
  if (generic) {
    char *name;
    size_t len;
    if (!st_lex_string(&p->lx, &p->m->arena, &name, &len)) return st_parser_error(p, "bad op name"), NULL;
    def = st_op_def_lookup(name);
    if (!def) {
      p->failed = true;
      st_diag_error(p->d, name_loc, "unknown operation '%s'", name);
      return NULL;
    }
  } else {
    size_t n = st_lex_ident_len(&p->lx);
    if (!n) return st_parser_error(p, "expected an operation"), NULL;
    def = n == 6 && memcmp(p->lx.p, "module", 6) == 0 ? &st_builtin_module_def : st_op_def_lookupn(p->lx.p, n);
    if (!def) {
      p->failed = true;
      st_diag_error(p->d, name_loc, "unknown operation '%.*s'", (int)n, p->lx.p);
      return NULL;
    }
    st_lex_advance(&p->lx, n);
  }
  st_op *op = generic || !def->parse ? (generic ? st_parse_generic_form : st_parse_default_form)(p, def, nres, loc)
                                     : def->parse(p, def, nres, loc);
  if (!op || p->failed) return NULL;
  if (!st_parse_loc(p, op)) return NULL;
  if (op->num_results != nres) return st_parser_error(p, "'%s' defines %u results, %u names given", def->name, op->num_results, nres), NULL;
  for (unsigned i = 0; i < nres; i++)
    if (!st_scope_define_at(p, names[i], &op->results[i], loc)) return NULL;
  return op;
}

/* ---- modules ---- */

static bool st_check_resources(st_parser *p) {
  for (st_resource *r = p->m->resources; r; r = r->next) {
    if (st_ptrmap_has(&p->resources_defined, r)) continue;
    const st_loc *where = st_ptrmap_get(&p->resources_used, r);
    p->failed = true;
    st_diag_error(p->d, where ? *where : st_loc_unknown(), "resource '%s' is not defined in the resource section",
                  r->name);
    return false;
  }
  return true;
}

st_module *st_parse_module(st_context *ctx, const char *text, size_t len, const char *file, st_diag *d) {
  st_parser p = {.ctx = ctx, .d = d};
  st_lex_init(&p.lx, text, len, file ? file : "<input>");
  p.m = st_module_create(ctx, NULL);
  if (!p.m) return NULL;
  st_parse_scope top;
  st_scope_push(&p, &top, true);
  st_block *body = st_module_body(p.m);
  bool explicit_module = st_lex_at(&p.lx, "module") || st_lex_at(&p.lx, "\"builtin.module\"");
  while (!p.failed && st_lex_peekc(&p.lx) >= 0 && !st_lex_at(&p.lx, "{-#")) {
    st_op *op = st_parse_op(&p);
    if (!op) break;
    if (explicit_module && op->def == &st_builtin_module_def) {
      /* The parsed module op becomes the module's op. */
      p.m->op = op;
      body = st_module_body(p.m);
      st_lex_skip_space(&p.lx);
      if (st_lex_peekc(&p.lx) >= 0 && !st_lex_at(&p.lx, "{-#")) st_parser_error(&p, "expected end of input after the module");
      break;
    }
    st_block_append(body, op);
    st_lex_skip_space(&p.lx);
  }
  if (!p.failed) st_parse_resource_section(&p);
  if (!p.failed) {
    st_lex_skip_space(&p.lx);
    if (st_lex_peekc(&p.lx) >= 0) st_parser_error(&p, "expected end of input");
  }
  if (!p.failed) st_check_resources(&p);
  st_scope_pop(&p);
  st_ptrmap_free(&p.resources_used);
  st_ptrmap_free(&p.resources_defined);
  if (p.failed) {
    st_module_destroy(p.m);
    return NULL;
  }
  return p.m;
}

const st_type *st_parse_type_string(st_context *ctx, const char *text, st_diag *d) {
  st_parser p = {.ctx = ctx, .d = d};
  st_lex_init(&p.lx, text, strlen(text), "<type>");
  p.m = st_module_create(ctx, NULL);
  if (!p.m) return NULL;
  const st_type *t = st_parser_type(&p);
  st_lex_skip_space(&p.lx);
  if (t && st_lex_peekc(&p.lx) >= 0) {
    st_parser_error(&p, "unexpected text after type");
    t = NULL;
  }
  st_module_destroy(p.m);
  return t;
}
