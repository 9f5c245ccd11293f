/* The IR core: one generic operation structure for every dialect.
 *
 * An operation has an op definition (its row in a dialect table), operands
 * (uses of values), results (values), named attributes (sorted by name),
 * regions of blocks with block arguments, and a location.  Values keep a list
 * of their uses, so replace-all-uses and dead-code checks cost O(uses).
 * Everything belongs to a module and lives in its arena; erasing an op only
 * unlinks it.  See docs/ir.md for the textual form. */
#ifndef ST_IR_IR_H
#define ST_IR_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/arena.h"
#include "ir/attr.h"
#include "ir/diag.h"
#include "ir/type.h"

typedef struct st_op st_op;
typedef struct st_value st_value;
typedef struct st_use st_use;
typedef struct st_block st_block;
typedef struct st_region st_region;
typedef struct st_op_def st_op_def;
typedef struct st_printer st_printer;
typedef struct st_parser st_parser;
typedef struct st_rewriter st_rewriter;

struct st_use {
  st_value *value;   /* the value used (NULL while detached) */
  st_op *owner;      /* the op that uses it */
  unsigned index;    /* operand number in owner */
  st_use *next, **prev_next;
};

struct st_value {
  const st_type *type;
  st_use *first_use;
  st_op *def;         /* defining op, or NULL for a block argument */
  st_block *block;    /* owning block of a block argument */
  unsigned index;     /* result number or argument number */
  const char *name;   /* printing hint (from text or the ONNX tensor name), or NULL */
};

struct st_block {
  st_region *parent;
  st_block *prev, *next;
  unsigned num_args;
  st_value **args; /* num_args pointers; the values themselves never move */
  st_op *first, *last;
};

struct st_region {
  st_op *parent;
  st_block *first, *last;
};

struct st_op {
  const st_op_def *def;
  st_loc loc;
  st_block *parent;
  st_op *prev, *next;
  unsigned num_operands, num_results, num_attrs, num_regions;
  st_use *operands;
  st_value *results;
  st_named_attr *attrs;
  st_region *regions;
};

struct st_module {
  st_context *ctx;
  st_arena arena;
  st_op *op;              /* the builtin.module op */
  st_resource *resources; /* in insertion order */
  st_resource *resources_tail;
};

/* ---- modules ---- */
/* Creates a module with an empty builtin.module op holding one empty block;
 * `name` may be NULL. */
st_module *st_module_create(st_context *ctx, const char *name);
void st_module_destroy(st_module *m);
st_block *st_module_body(const st_module *m);
const char *st_module_name(const st_module *m);
/* The func.func op named `name`, or NULL. */
st_op *st_module_lookup_func(const st_module *m, const char *name);

/* ---- op creation ---- */
typedef struct st_op_state {
  const st_op_def *def;
  st_loc loc;
  unsigned num_operands;
  st_value *const *operands;
  unsigned num_results;
  const st_type *const *result_types;
  unsigned num_attrs;
  const st_named_attr *attrs;
  unsigned num_regions; /* regions are created empty */
} st_op_state;

/* Creates a detached op; copies the arrays of `s`.  NULL on out of memory. */
st_op *st_op_create(st_module *m, const st_op_state *s);
/* Shorthand used by passes and tests. */
st_op *st_op_create_simple(st_module *m, const st_op_def *def, st_loc loc, unsigned num_operands,
                           st_value *const *operands, const st_type *result_type);
const char *st_op_name(const st_op *op);
static inline st_value *st_op_operand(const st_op *op, unsigned i) { return op->operands[i].value; }
static inline st_value *st_op_result(st_op *op, unsigned i) { return &op->results[i]; }
void st_op_set_operand(st_op *op, unsigned i, st_value *v);
/* Replaces the operand list (uses are moved accordingly). */
bool st_op_set_operands(st_module *m, st_op *op, unsigned n, st_value *const *vals);

/* ---- attributes on ops ---- */
const st_attr *st_op_get_attr(const st_op *op, const char *name);
/* Inserts or replaces; the name is copied into the arena. */
bool st_op_set_attr(st_module *m, st_op *op, const char *name, const st_attr *attr);
bool st_op_remove_attr(st_op *op, const char *name);
int64_t st_op_attr_int(const st_op *op, const char *name, int64_t dflt);
double st_op_attr_float(const st_op *op, const char *name, double dflt);
const char *st_op_attr_str(const st_op *op, const char *name); /* NULL if absent */

/* ---- blocks and regions ---- */
st_block *st_block_create(st_module *m);
st_value *st_block_add_arg(st_module *m, st_block *b, const st_type *t);
void st_region_push_block(st_region *r, st_block *b);
st_block *st_region_entry(const st_region *r);
st_op *st_block_terminator(const st_block *b);
/* The op owning the region that holds `b`, or NULL. */
st_op *st_block_parent_op(const st_block *b);
st_op *st_op_parent_op(const st_op *op);

/* ---- moving ops ---- */
void st_block_append(st_block *b, st_op *op);
void st_op_insert_before(st_op *anchor, st_op *op);
void st_op_insert_after(st_op *anchor, st_op *op);
void st_op_unlink(st_op *op);
void st_op_move_before(st_op *op, st_op *anchor);

/* ---- uses ---- */
static inline bool st_value_has_uses(const st_value *v) { return v->first_use != NULL; }
unsigned st_value_num_uses(const st_value *v);
/* The constant a value holds: the "value" attribute of its defining op when
 * that op is constant-like (graph.constant, arith.constant), else NULL. */
const st_attr *st_value_const(const st_value *v);
void st_value_replace_all_uses(st_value *from, st_value *to);
bool st_op_results_unused(const st_op *op);
/* Replaces every result of op with vals[i] and erases op. */
void st_op_replace(st_op *op, st_value *const *vals);
/* Drops every operand use of op and of the ops nested in its regions, then
 * unlinks it.  Its results must be unused (returns false otherwise). */
bool st_op_erase(st_op *op);

/* ---- cloning ---- */
typedef struct st_value_map st_value_map;
st_value_map *st_value_map_create(void);
void st_value_map_destroy(st_value_map *map);
void st_value_map_set(st_value_map *map, const st_value *from, st_value *to);
st_value *st_value_map_get(const st_value_map *map, const st_value *from);
/* Deep-copies op (regions included) into module m.  Operands found in `map`
 * are remapped; others are kept.  Results and block arguments of the copy are
 * recorded in `map`.  The copy is detached. */
st_op *st_op_clone(st_module *m, const st_op *op, st_value_map *map);

/* ---- walking ---- */
typedef enum st_walk_result { ST_WALK_ADVANCE, ST_WALK_SKIP, ST_WALK_INTERRUPT } st_walk_result;
typedef enum st_walk_order { ST_WALK_PRE, ST_WALK_POST } st_walk_order;
typedef st_walk_result (*st_walk_fn)(st_op *op, void *ctx);
/* Visits op and everything nested in it.  The visited op may be erased by the
 * callback in post order (the walk reads the next op first).  ST_WALK_SKIP in
 * pre order skips the op's regions.  Returns false if interrupted. */
bool st_op_walk(st_op *op, st_walk_order order, st_walk_fn fn, void *ctx);

/* ---- builder ---- */
typedef struct st_builder {
  st_module *module;
  st_block *block; /* insertion block */
  st_op *before;   /* insert before this op; NULL = at the end of block */
  st_loc loc;      /* location given to ops built without one */
} st_builder;

st_builder st_builder_at_end(st_module *m, st_block *b);
st_builder st_builder_before(st_module *m, st_op *op);
/* Inserts a created op at the insertion point and returns it. */
st_op *st_builder_insert(st_builder *b, st_op *op);
st_op *st_builder_create(st_builder *b, const st_op_state *s);

/* ---- func helpers ---- */
const st_type *st_func_type(const st_op *func);
st_block *st_func_body(const st_op *func);

#endif
