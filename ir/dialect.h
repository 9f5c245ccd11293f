/* Dialects: each dialect is one table of op definitions.
 *
 * An op definition is data: its name, arity, traits as flags, and hooks that
 * give it meaning (verify, infer-shape, fold, canonicalize, interpret, lower,
 * and an optional custom textual form).  Passes ask the table, never switch
 * over op names.  Adding an op = one row + its hooks. */
#ifndef ST_IR_DIALECT_H
#define ST_IR_DIALECT_H

#include "ir/ir.h"

/* What a lower hook works with (passes/lower.h): the buffers of the op's
 * operands and results and an insertion point. */
typedef struct st_lower_ctx st_lower_ctx;

enum {
  ST_TRAIT_PURE = 1u << 0,         /* no side effects: CSE and DCE may touch it */
  ST_TRAIT_ELEMENTWISE = 1u << 1,  /* result[i] depends only on operands[i] */
  ST_TRAIT_COMMUTATIVE = 1u << 2,  /* binary op with swappable operands */
  ST_TRAIT_BROADCAST = 1u << 3,    /* numpy-style broadcasting of operands */
  ST_TRAIT_REDUCTION = 1u << 4,
  ST_TRAIT_TERMINATOR = 1u << 5,   /* must end its block */
  ST_TRAIT_ISOLATED = 1u << 6,     /* regions cannot see values defined outside */
  ST_TRAIT_CONSTANT = 1u << 7,     /* materialises its "value" attribute */
  ST_TRAIT_MOVEMENT = 1u << 8,     /* only moves data (reshape, transpose) */
  ST_TRAIT_SAME_TYPE = 1u << 9,    /* operands and results share one type */
  ST_TRAIT_ZERO_PRESERVING = 1u << 10, /* f(0) = 0, so padding commutes with it */
  ST_TRAIT_SYMBOL = 1u << 11,      /* has a sym_name attribute (func, module) */
};

#define ST_VARIADIC (-1)

/* The result of a fold hook: either an existing value that replaces the
 * (single) result, or a constant attribute to materialise in its place.
 * The caller sets `m`, the module a hook allocates a new attribute in. */
typedef struct st_fold_result {
  st_value *value;
  const st_attr *attr;
  st_module *m;
} st_fold_result;

/* A tensor for the reference interpreter: a type and row-major data. */
typedef struct st_tensor {
  const st_type *type;
  void *data;
  size_t nbytes;
} st_tensor;

struct st_op_def {
  const char *name;    /* "graph.add" */
  const char *summary; /* one line, for --list-ops and generated docs */
  int num_operands;    /* ST_VARIADIC for any number */
  int num_results;     /* ST_VARIADIC for any number */
  int num_regions;
  unsigned traits;
  unsigned shape_operands; /* bit i: operand i decides result types, so it must be constant when types are inferred */

  /* Checks the op's own rules; generic arity/terminator checks run first. */
  bool (*verify)(st_op *op, st_diag *d);
  /* Computes result types from operand types and attributes into
   * `results[0..num_results)`; false with a diagnostic if the op is invalid. */
  bool (*infer_types)(st_op *op, st_context *ctx, const st_type **results, st_diag *d);
  /* `consts[i]` is the constant attribute of operand i or NULL.  Returns true
   * and fills `out` if the op folds to an existing value or a constant. */
  bool (*fold)(st_op *op, const st_attr *const *consts, st_fold_result *out);
  /* Rewrites the op in place or with new ops through the rewriter; returns
   * true if it changed anything.  Used by canonicalize. */
  bool (*canonicalize)(st_op *op, st_rewriter *rw);
  /* Reference semantics: computes outputs (already allocated with their
   * types) from inputs.  Constant folding uses it too. */
  bool (*interpret)(st_op *op, const st_tensor *inputs, st_tensor *outputs, st_diag *d);
  /* Lowers the op to loop-level IR over buffers (see passes/lower.h): reads
   * lc->inputs, writes lc->outputs (or sets a NULL one to a buffer it
   * chooses, e.g. a view for reshape), inserting at lc->b. */
  bool (*lower)(st_op *op, st_lower_ctx *lc, st_diag *d);
  /* Optional custom textual form; both or neither.  `print` writes what
   * follows "%results = name"; `parse` reads the same and returns the new,
   * detached op with `num_results` results (NULL after a diagnostic). */
  void (*print)(st_printer *p, const st_op *op);
  st_op *(*parse)(st_parser *p, const st_op_def *def, unsigned num_results, st_loc loc);
};

/* A group of op definitions, usually the ops of one file (one op family). */
typedef struct st_op_group {
  const st_op_def *const *ops;
  unsigned num_ops;
} st_op_group;
#define ST_OP_GROUP(array) {(array), sizeof(array) / sizeof *(array)}

/* A dialect lists its op definitions once, in one or more groups; each
 * definition is a named constant so passes can compare
 * `op->def == &st_graph_add_def`.  A big dialect (graph) keeps a group per
 * op family, each in its own file. */
typedef struct st_dialect {
  const char *name;
  const char *summary;
  const st_op_group *const *groups;
  unsigned num_groups;
} st_dialect;

/* All dialects known to Strata, in a fixed order. */
const st_dialect *const *st_dialects(unsigned *count);
/* Looks up "dialect.op"; NULL if unknown. */
const st_op_def *st_op_def_lookup(const char *name);
const st_op_def *st_op_def_lookupn(const char *name, size_t len);
static inline bool st_op_has_trait(const st_op *op, unsigned trait) { return (op->def->traits & trait) != 0; }

/* The op defs every layer refers to by pointer. */
extern const st_op_def st_builtin_module_def;
extern const st_op_def st_func_func_def;
extern const st_op_def st_func_return_def;
extern const st_op_def st_func_call_def;

#endif
