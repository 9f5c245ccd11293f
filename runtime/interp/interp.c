/* The reference-interpreter executor (see interp.h).
 *
 * Values are numbered in the order the function defines them; each slot
 * holds the value's tensor and whether the slot owns its data (constants
 * and inputs are borrowed).  Before running, the index of each value's last
 * use is computed so the data can be freed right after it. */
#include <stdlib.h>
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_control.h"
#include "ir/print.h"
#include "ir/ptrmap.h"
#include "runtime/interp/interp.h"

typedef struct st_slot {
  st_tensor t;
  bool owned;
  size_t last_use; /* index of the last op using it (SIZE_MAX: a returned value) */
} st_slot;

bool st_interp_alloc(st_tensor *t, const st_type *type) {
  t->type = type;
  t->data = NULL;
  t->nbytes = 0;
  if (type->kind != ST_TY_TENSOR || !st_type_has_static_shape(type)) return false;
  size_t esz = st_dense_elem_size(type->u.shaped.elem);
  int64_t n = st_type_num_elements(type);
  if (n < 0 || (uint64_t)n > SIZE_MAX / 2 / esz) return false;
  t->nbytes = (size_t)n * esz;
  t->data = calloc(1, t->nbytes ? t->nbytes : 1);
  return t->data != NULL;
}

void st_interp_free(st_tensor *tensors, unsigned n) {
  for (unsigned i = 0; tensors && i < n; i++) free(tensors[i].data);
  free(tensors);
}

static bool st_type_fail(st_diag *d, st_loc loc, const char *fmt, const st_type *t) {
  char *s = st_type_to_string(t);
  st_diag_error(d, loc, fmt, s ? s : "?");
  free(s);
  return false;
}

/* The tensor of a constant op: borrowed from the attribute unless a splat. */
static bool st_const_tensor(st_op *op, st_slot *s, st_diag *d) {
  const st_attr *a = st_op_get_attr(op, "value");
  size_t nbytes;
  bool splat;
  const void *data = a ? st_attr_elements(a, &nbytes, &splat) : NULL;
  if (!data || !st_type_has_static_shape(a->type)) {
    st_diag_error(d, op->loc, "'%s' op has no data (elided resource?)", op->def->name);
    return false;
  }
  size_t esz = st_dense_elem_size(st_type_elem(a->type));
  int64_t n = st_type_num_elements(a->type);
  if (!splat) {
    if (nbytes < (size_t)n * esz) {
      st_diag_error(d, op->loc, "'%s' op has %zu bytes of data, its type needs %zu", op->def->name, nbytes,
                    (size_t)n * esz);
      return false;
    }
    s->t = (st_tensor){a->type, (void *)data, (size_t)n * esz};
    s->owned = false;
    return true;
  }
  if (!st_interp_alloc(&s->t, a->type)) {
    st_diag_error(d, op->loc, "out of memory expanding a splat constant");
    return false;
  }
  for (int64_t i = 0; i < n; i++) memcpy((char *)s->t.data + (size_t)i * esz, data, esz);
  s->owned = true;
  return true;
}

typedef struct st_interp {
  st_ptrmap index; /* value -> slot number + 1 */
  st_slot *slots;
  size_t num_slots;
} st_interp;

static st_slot *st_slot_of(st_interp *in, const st_value *v) {
  uintptr_t i = (uintptr_t)st_ptrmap_get(&in->index, v);
  return i ? &in->slots[i - 1] : NULL;
}

enum { MAX_ARGS = 64 };

/* An op's inputs: its operands, then for an op with regions the values its
 * regions use from outside (graph_control.h).  Writes at most MAX_ARGS;
 * returns the count. */
static unsigned st_op_inputs(const st_op *op, st_value **vals) {
  unsigned n = op->num_operands < MAX_ARGS ? op->num_operands : MAX_ARGS;
  for (unsigned i = 0; i < n; i++) vals[i] = st_op_operand(op, i);
  if (!op->num_regions) return op->num_operands;
  return op->num_operands + st_graph_region_captures(op, vals + n, MAX_ARGS - n);
}

static bool st_number(st_interp *in, st_block *body) {
  size_t n = body->num_args;
  for (st_op *op = body->first; op; op = op->next) n += op->num_results;
  in->slots = calloc(n + 1, sizeof *in->slots);
  if (!in->slots) return false;
  for (unsigned i = 0; i < body->num_args; i++) st_ptrmap_set(&in->index, body->args[i], (void *)(uintptr_t)++in->num_slots);
  for (st_op *op = body->first; op; op = op->next)
    for (unsigned i = 0; i < op->num_results; i++) st_ptrmap_set(&in->index, &op->results[i], (void *)(uintptr_t)++in->num_slots);
  size_t k = 0;
  for (st_op *op = body->first; op; op = op->next, k++) {
    st_value *vals[MAX_ARGS];
    unsigned n = st_op_inputs(op, vals);
    for (unsigned i = 0; i < n && i < MAX_ARGS; i++) {
      st_slot *s = st_slot_of(in, vals[i]);
      if (s) s->last_use = op->def == &st_func_return_def ? SIZE_MAX : k;
    }
  }
  return true;
}

static void st_release(st_slot *s) {
  if (s->owned) free(s->t.data);
  s->t.data = NULL;
  s->owned = false;
}

static bool st_run_op(st_interp *in, st_op *op, st_diag *d) {
  if (op->def == &st_graph_constant_def) return st_const_tensor(op, st_slot_of(in, &op->results[0]), d);
  if (op->def == &st_graph_none_def) {
    st_slot_of(in, &op->results[0])->t.type = op->results[0].type;
    return true;
  }
  if (!op->def->interpret) {
    st_diag_error(d, op->loc, "'%s' op has no reference semantics (interpret hook)", op->def->name);
    return false;
  }
  st_tensor ins[MAX_ARGS], outs[MAX_ARGS];
  st_value *vals[MAX_ARGS];
  unsigned nin = st_op_inputs(op, vals);
  if (nin > MAX_ARGS || op->num_results > MAX_ARGS) {
    st_diag_error(d, op->loc, "'%s' op has too many operands", op->def->name);
    return false;
  }
  for (unsigned i = 0; i < nin; i++) {
    st_slot *s = st_slot_of(in, vals[i]);
    if (!s || (!s->t.data && s->t.type && s->t.type->kind == ST_TY_TENSOR)) {
      st_diag_error(d, op->loc, "'%s' op operand %u has no value", op->def->name, i);
      return false;
    }
    ins[i] = s->t;
  }
  unsigned made = 0;
  bool ok = true;
  for (; ok && made < op->num_results; made++)
    if (!st_interp_alloc(&outs[made], op->results[made].type))
      ok = st_type_fail(d, op->loc, "cannot allocate a result of type %s (not static, or too large)",
                        op->results[made].type);
  ok = ok && op->def->interpret(op, ins, outs, d);
  if (!ok) {
    for (unsigned i = 0; i < made; i++) free(outs[i].data);
    if (!st_diag_has_errors(d)) st_diag_error(d, op->loc, "'%s' op failed to evaluate", op->def->name);
    return false;
  }
  for (unsigned i = 0; i < op->num_results; i++) {
    st_slot *s = st_slot_of(in, &op->results[i]);
    s->t = outs[i];
    s->owned = true;
  }
  return true;
}

/* Copies (or moves, when owned) the returned values into fresh tensors. */
static bool st_collect(st_interp *in, st_op *ret, unsigned *num_outputs, st_tensor **outputs, st_diag *d) {
  st_tensor *outs = calloc(ret->num_operands + 1, sizeof *outs);
  if (!outs) return false;
  for (unsigned i = 0; i < ret->num_operands; i++) {
    st_slot *s = st_slot_of(in, st_op_operand(ret, i));
    if (s->owned) {
      bool again = false;
      for (unsigned j = i + 1; j < ret->num_operands; j++) again |= st_op_operand(ret, j) == st_op_operand(ret, i);
      if (!again) {
        outs[i] = s->t;
        s->owned = false;
        s->t.data = NULL;
        continue;
      }
    }
    if (!st_interp_alloc(&outs[i], s->t.type)) {
      st_interp_free(outs, i);
      st_diag_error(d, ret->loc, "out of memory copying result %u", i);
      return false;
    }
    if (outs[i].nbytes) memcpy(outs[i].data, s->t.data, outs[i].nbytes);
  }
  *num_outputs = ret->num_operands;
  *outputs = outs;
  return true;
}

bool st_interp_run(st_module *m, const char *name, unsigned num_inputs, const st_tensor *inputs,
                   unsigned *num_outputs, st_tensor **outputs, st_diag *d) {
  *num_outputs = 0;
  *outputs = NULL;
  st_op *func = st_module_lookup_func(m, name ? name : "main");
  st_block *body = func ? st_func_body(func) : NULL;
  if (!body) {
    st_diag_error(d, st_loc_unknown(), "the module has no function @%s", name ? name : "main");
    return false;
  }
  if (num_inputs != body->num_args) {
    st_diag_error(d, func->loc, "@%s takes %u inputs, %u given", name ? name : "main", body->num_args, num_inputs);
    return false;
  }
  for (unsigned i = 0; i < num_inputs; i++)
    if (inputs[i].type != body->args[i]->type) {
      char *want = st_type_to_string(body->args[i]->type), *got = st_type_to_string(inputs[i].type);
      st_diag_error(d, func->loc, "input %u ('%s'): expected %s, got %s", i,
                    body->args[i]->name ? body->args[i]->name : "?", want ? want : "?", got ? got : "?");
      free(want);
      free(got);
      return false;
    }
  st_interp in = {0};
  bool ok = st_number(&in, body);
  for (unsigned i = 0; ok && i < num_inputs; i++) in.slots[i].t = inputs[i];
  size_t k = 0;
  st_op *op = body->first;
  for (; ok && op && op->def != &st_func_return_def; op = op->next, k++) {
    ok = st_run_op(&in, op, d);
    st_value *vals[MAX_ARGS];
    unsigned nin = st_op_inputs(op, vals);
    for (unsigned i = 0; ok && i < nin && i < MAX_ARGS; i++) {
      st_slot *s = st_slot_of(&in, vals[i]);
      if (s && s->last_use == k) st_release(s);
    }
    /* Results nobody uses are dropped at once. */
    for (unsigned i = 0; ok && i < op->num_results; i++) {
      st_slot *s = st_slot_of(&in, &op->results[i]);
      if (s->last_use == 0 && !st_value_has_uses(&op->results[i])) st_release(s);
    }
  }
  if (ok && !op) {
    st_diag_error(d, func->loc, "@%s has no func.return", name ? name : "main");
    ok = false;
  }
  if (ok) ok = st_collect(&in, op, num_outputs, outputs, d);
  for (size_t i = 0; in.slots && i < in.num_slots; i++) st_release(&in.slots[i]);
  free(in.slots);
  st_ptrmap_free(&in.index);
  return ok;
}
