/* The contract between the lower-to-loops pass and the ops' lower hooks.
 *
 * The pass gives every tensor value a buffer (a memref value) and calls each
 * graph op's `lower` hook with an st_lower_ctx: the buffers of its operands
 * (NULL for graph.none), the buffers its results must be written to, and an
 * insertion point just before the op.  A result buffer the pass leaves NULL
 * is the hook's to choose: st_lower_result() allocates one, while a movement
 * op may instead hand back a view of its operand (reshape).  Hooks build
 * loop.for / loop.parallel nests of mem.load, arith.* and mem.store with the
 * helpers below (ir/dialects/graph_lower.c), which keep index constants in
 * one place at the top of the function so the loop IR stays readable. */
#ifndef ST_PASSES_LOWER_H
#define ST_PASSES_LOWER_H

#include "ir/dialect.h"

enum { ST_LOWER_MAX_LOOPS = 16 };

typedef struct st_lower_index_const {
  int64_t value;
  st_value *v;
} st_lower_index_const;

struct st_lower_ctx {
  st_builder b;            /* insertion point: just before the op being lowered */
  st_block *entry;         /* the function's entry block (index constants go to its top) */
  unsigned num_inputs, num_outputs;
  st_value *const *inputs; /* memref of each operand, NULL for graph.none */
  st_value **outputs;      /* memref of each result; NULL = the hook chooses */
  /* index constants made so far (malloc'd, owned by the pass) */
  st_lower_index_const *consts;
  size_t num_consts, cap_consts;
  bool out_of_memory;
  /* For ops with regions (graph.if / loop / scan): lowers the graph ops of
   * `body`, a block of a region of the op being lowered, at `at` (whose
   * insertion point must be an op, e.g. a loop.yield).  body's arguments
   * read the buffers args[i]; the values its terminator yields are copied
   * into dests[i] once all of its ops have run.  The body's ops move out of
   * the region and are erased once lowered, so it is lowered once.  Set by
   * the pass; b, inputs and outputs are the caller's again on return. */
  bool (*lower_block)(st_lower_ctx *lc, st_block *body, st_builder at, st_value *const *args,
                      st_value *const *dests, st_diag *d);
  void *pass; /* the pass's state, for lower_block */
};

/* The memref type with the shape and element type of a static tensor type. */
const st_type *st_lower_memref_type(st_context *ctx, const st_type *tensor);
/* outputs[i], allocating it (mem.alloc at the insertion point) when NULL. */
st_value *st_lower_result(st_lower_ctx *lc, unsigned i);

/* ---- building loop IR at a builder ---- */
/* An index constant, created once per function at the top of its entry block. */
st_value *st_lower_index(st_lower_ctx *lc, int64_t v);
/* A float (or integer) constant of scalar type `t` at b. */
st_value *st_lower_const(st_builder *b, const st_type *t, double v);
/* One op with one result of type t (NULL = the first operand's type). */
st_value *st_lower_op(st_builder *b, const st_op_def *def, unsigned n, st_value *const *operands, const st_type *t);
st_value *st_lower_binary(st_builder *b, const st_op_def *def, st_value *x, st_value *y);
st_value *st_lower_cmp(st_builder *b, const st_op_def *def, const char *pred, st_value *x, st_value *y);
st_value *st_lower_select(st_builder *b, st_value *cond, st_value *x, st_value *y);
st_value *st_lower_load(st_builder *b, st_value *buf, st_value *const *idx);
bool st_lower_store(st_builder *b, st_value *v, st_value *buf, st_value *const *idx);
/* The n consecutive elements of buf from idx on, as a vector<n x elem>
 * (mem.load; st_lower_store writes such a vector back). */
st_value *st_lower_vload(st_builder *b, st_value *buf, st_value *const *idx, int64_t n);
/* The width in bits of the target's widest vector register, for choosing
 * tile shapes (never for correctness: any width is legal): the module's
 * "strata.vector_bits" attribute where a driver set one (a cross target),
 * else this CPU's (512 with AVX-512, 256 with AVX2, else 128). */
int64_t st_lower_vector_bits(st_lower_ctx *lc);
/* The scalar x in every lane of a vector<n x T> (arith.splat). */
st_value *st_lower_splat(st_builder *b, st_value *x, int64_t n);
/* A rank-0 scratch buffer (mem.alloca) at b, for a reduction's accumulator
 * (elem may be a vector type: one vector register). */
st_value *st_lower_alloca(st_builder *b, const st_type *elem);
/* A workspace buffer (mem.alloc) of elem and dims at lc->b. */
st_value *st_lower_alloc(st_lower_ctx *lc, const st_type *elem, unsigned rank, const st_dim *dims);
/* buf as a contiguous memref of dims with its element type (mem.view at lc->b); buf itself when it already is. */
st_value *st_lower_view(st_lower_ctx *lc, st_value *buf, unsigned rank, const st_dim *dims);
/* v converted to t (arith.cast at b); v itself when it already has type t, NULL when v is NULL. */
st_value *st_lower_cast(st_builder *b, st_value *v, const st_type *t);
/* arith.math {fn} of x, or of (x, y) when y is non-NULL; NULL when x is NULL or fn's arity differs. */
st_value *st_lower_math(st_builder *b, const char *fn, st_value *x, st_value *y);
/* Opens n nested loops over [0, dims[k]) at *b (loop.parallel when
 * `parallel`, else loop.for); ivs[k] receives each induction variable and
 * the returned builder inserts at the end of the innermost body.  On out of
 * memory the returned builder has a NULL block. */
st_builder st_lower_loops(st_lower_ctx *lc, st_builder *b, unsigned n, const st_dim *dims, bool parallel,
                          st_value **ivs);
/* One loop over [lb, ub) with step 1 whose bounds are index values (known
 * at run time only, say); *iv receives the induction variable. */
st_builder st_lower_for(st_lower_ctx *lc, st_builder *b, st_value *lb, st_value *ub, bool parallel, st_value **iv);
/* loop.if cond at b: returns a builder into the then-region and, when
 * `otherwise` is non-NULL, one into the else-region there. */
st_builder st_lower_if(st_builder *b, st_value *cond, st_builder *otherwise);
/* loop.while at b, continuing while the rank-0 i1 buffer `flag` (an
 * st_lower_alloca) holds true after the body: returns a builder into the
 * body, before the load of the flag that feeds loop.condition. */
st_builder st_lower_while(st_builder *b, st_value *flag);
/* Copies src into dst element by element (same element count; shapes may
 * differ, in which case dst is viewed with src's shape). */
bool st_lower_copy(st_lower_ctx *lc, st_value *src, st_value *dst);

/* The indices of operand buffer `buf` seen from a loop nest over `out`
 * (numpy broadcasting: a broadcast dim reads index 0). */
void st_lower_bcast_indices(st_lower_ctx *lc, st_value *buf, const st_type *out, st_value *const *ivs, st_value **idx);

/* The element type's arith op for a graph binary op kind: 'a'dd, 's'ub,
 * 'm'ul, 'd'iv, 'r'emainder (integers).  NULL when the element type is not
 * lowered (i1 and the sub-byte integers). */
const st_op_def *st_lower_arith_for(const st_type *elem, char kind);

#endif
