/* Shape specialisation: binding the graph inputs that decide result types.
 *
 * Shapes are static, so some operands must be constant when types are
 * inferred (st_op_def.shape_operands: Reshape's shape, Expand's shape,
 * Slice's starts, Resize's scales...).  When one is not, the importer notes
 * which arguments of func @main it depends on, walking its producers back
 * through the ops built so far (folded constants depend on nothing, so a
 * Shape of a data input does not drag that input in).  When the caller gave
 * the values the model will run with, the import is retried with exactly
 * those inputs bound as constants, until it succeeds or no new input would
 * help.  The function keeps its arguments either way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx/onnx_internal.h"

enum { ST_SPEC_MAX_INPUTS = 64 };

/* A set of values (open addressing over pointers). */
typedef struct st_value_set {
  const st_value **slots;
  size_t cap, count;
} st_value_set;

static size_t st_ptr_hash(const void *p) { return (size_t)((uintptr_t)p >> 4) * 0x9E3779B97F4A7C15u; }

static bool st_set_has(const st_value_set *s, const st_value *v) {
  if (!s->cap) return false;
  for (size_t j = st_ptr_hash(v) & (s->cap - 1); s->slots[j]; j = (j + 1) & (s->cap - 1))
    if (s->slots[j] == v) return true;
  return false;
}

static bool st_set_add(st_value_set *s, const st_value *v) {
  if (st_set_has(s, v)) return true;
  if (2 * (s->count + 1) > s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 64;
    const st_value **slots = calloc(cap, sizeof *slots);
    if (!slots) return false;
    for (size_t i = 0; i < s->cap; i++) {
      if (!s->slots[i]) continue;
      size_t j = st_ptr_hash(s->slots[i]) & (cap - 1);
      while (slots[j]) j = (j + 1) & (cap - 1);
      slots[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
  }
  size_t j = st_ptr_hash(v) & (s->cap - 1);
  while (s->slots[j]) j = (j + 1) & (s->cap - 1);
  s->slots[j] = v;
  s->count++;
  return true;
}

/* Adds the operands of op and of every op nested in its regions (values a
 * region captures from outside are operands of nested ops). */
static bool st_add_operands(st_value_set *s, const st_op *op) {
  bool ok = true;
  for (unsigned i = 0; i < op->num_operands && ok; i++) ok = st_set_add(s, op->operands[i].value);
  for (unsigned r = 0; r < op->num_regions && ok; r++)
    for (const st_block *b = op->regions[r].first; b && ok; b = b->next)
      for (const st_op *in = b->first; in && ok; in = in->next) ok = st_add_operands(s, in);
  return ok;
}

/* The op of the main body that holds v's definition (NULL for an argument of
 * the main body, or when v is not under it). */
static const st_op *st_top_op(const st_onnx_importer *im, const st_value *v) {
  const st_op *op = v->def;
  const st_block *b = op ? op->parent : v->block;
  while (b && b != im->main_body) {
    op = b->parent ? b->parent->parent : NULL;
    b = op ? op->parent : NULL;
  }
  return b ? op : NULL;
}

void st_onnx_need_constant(st_onnx_importer *im, st_value *v) {
  if (!im->main_body || !v) return;
  st_value_set s = {0};
  const st_op *top = st_top_op(im, v);
  bool ok = top && top != v->def ? st_add_operands(&s, top) : st_set_add(&s, v);
  /* Program order puts producers first: one backward sweep finds them all. */
  for (const st_op *op = im->main_body->last; op && ok; op = op->prev) {
    bool used = false;
    for (unsigned i = 0; i < op->num_results && !used; i++) used = st_set_has(&s, &op->results[i]);
    if (used) ok = st_add_operands(&s, op);
  }
  for (unsigned i = 0; ok && i < im->main_body->num_args && i < ST_SPEC_MAX_INPUTS; i++)
    if (st_set_has(&s, im->main_body->args[i])) im->needed_inputs |= UINT64_C(1) << i;
  free(s.slots);
}

/* Moves the messages of `from` to the end of `to`. */
static void st_diag_splice(st_diag *to, st_diag *from) {
  if (!from->head) return;
  if (to->tail) to->tail->next = from->head;
  else to->head = from->head;
  to->tail = from->tail;
  to->num_errors += from->num_errors;
  memset(from, 0, sizeof *from);
}

/* The position among the graph inputs that are not initializers (the
 * arguments of func @main) of the input called `name`, or -1. */
static int st_input_position(const Onnx__GraphProto *g, const char *name) {
  int pos = 0;
  for (size_t i = 0; g && i < g->n_input; i++) {
    const char *in = st_onnx_str(g->input[i]->name);
    bool init = false;
    for (size_t j = 0; j < g->n_initializer && !init; j++) init = !strcmp(st_onnx_str(g->initializer[j]->name), in);
    if (init) continue;
    if (!strcmp(in, name)) return pos;
    pos++;
  }
  return -1;
}

/* The name of the input at argument position pos. */
static const char *st_input_name(const Onnx__GraphProto *g, unsigned pos) {
  for (size_t i = 0; g && i < g->n_input; i++) {
    const char *in = st_onnx_str(g->input[i]->name);
    if (st_input_position(g, in) == (int)pos) return in;
  }
  return "?";
}

/* After a failed import: a note naming the inputs whose values would have
 * let it specialise. */
static void st_note_needed(const Onnx__ModelProto *mp, uint64_t needed, st_diag *d) {
  char names[512];
  size_t k = 0;
  names[0] = 0;
  for (unsigned i = 0; i < ST_SPEC_MAX_INPUTS && k < sizeof names; i++)
    if (needed >> i & 1)
      k += (size_t)snprintf(names + k, sizeof names - k, "%s'%s'", k ? ", " : "", st_input_name(mp->graph, i));
  if (k)
    st_diag_note(d, st_loc_unknown(),
                 "result shapes depend on the values of graph inputs %s: give them (strata run --data or --input) "
                 "to compile them in",
                 names);
}

/* opts->input_values by argument position (named entries resolved). */
static void st_values_by_position(const Onnx__ModelProto *mp, const st_onnx_options *o, const st_tensor **vals) {
  for (int pass = 0; pass < 2; pass++)
    for (unsigned i = 0; i < o->num_input_values; i++) {
      const char *name = o->input_value_names ? o->input_value_names[i] : NULL;
      int pos = !name ? (int)i : st_input_position(mp->graph, name);
      if ((pass == 0) == (name == NULL) && pos >= 0 && pos < ST_SPEC_MAX_INPUTS && o->input_values[i])
        vals[pos] = o->input_values[i];
    }
}

st_module *st_onnx_import_specialised(st_context *ctx, const Onnx__ModelProto *mp, const char *dir,
                                      const st_onnx_options *opts, st_diag *d) {
  st_onnx_options o = opts ? *opts : (st_onnx_options){0};
  uint64_t needed, bound = 0;
  if (o.specialised) *o.specialised = 0;
  if (!o.num_input_values || o.num_const_inputs > ST_SPEC_MAX_INPUTS) {
    st_module *m = st_onnx_import_model(ctx, mp, dir, &o, &needed, d);
    if (!m) st_note_needed(mp, needed, d);
    return m;
  }
  const st_tensor *consts[ST_SPEC_MAX_INPUTS] = {0}, *vals[ST_SPEC_MAX_INPUTS] = {0};
  st_values_by_position(mp, &o, vals);
  for (unsigned i = 0; i < o.num_const_inputs; i++) consts[i] = opts->const_inputs[i];
  o.const_inputs = consts;
  /* Each retry binds at least one more input, so this ends. */
  for (;;) {
    st_diag attempt = {0};
    st_module *m = st_onnx_import_model(ctx, mp, dir, &o, &needed, &attempt);
    uint64_t fresh = 0;
    for (unsigned i = 0; !m && i < ST_SPEC_MAX_INPUTS; i++)
      if ((needed >> i & 1) && vals[i] && !consts[i]) fresh |= UINT64_C(1) << i;
    if (m || !fresh) {
      st_diag_splice(d, &attempt);
      if (!m) st_note_needed(mp, needed & ~bound, d);
      if (m && opts->specialised) *opts->specialised = bound;
      return m;
    }
    st_diag_free(&attempt);
    for (unsigned i = 0; i < ST_SPEC_MAX_INPUTS; i++)
      if (fresh >> i & 1) {
        consts[i] = vals[i];
        if (o.num_const_inputs <= i) o.num_const_inputs = i + 1;
      }
    bound |= fresh;
  }
}
