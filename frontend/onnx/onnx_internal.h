/* Internal to the ONNX frontend: the generated protobuf-c structures and the
 * pieces the importer files share (file reading, tensors, external data,
 * the mapping registry, the importer's state). */
#ifndef ST_FRONTEND_ONNX_INTERNAL_H
#define ST_FRONTEND_ONNX_INTERNAL_H

#include "frontend/onnx/onnx.h"
#include "frontend/onnx/onnx_map.h"
#include "onnx.pb-c.h"

/* Hard limits that keep a hostile file from asking for absurd work. */
#define ST_ONNX_MAX_FILE ((size_t)4 << 30)       /* model and tensor files */
#define ST_ONNX_MAX_TENSOR ((size_t)4 << 30)     /* bytes of one decoded tensor */
#define ST_ONNX_MAX_FOLD ((size_t)64 << 20)      /* bytes a folded op may produce */
#define ST_ONNX_MAX_FOLD_RESULTS 64             /* results a folded op may have */
#define ST_ONNX_MAX_INLINE_DEPTH 16              /* nested function calls */

/* Reads a whole regular file of at most `max` bytes into a malloc'd buffer. */
bool st_onnx_read_file(const char *path, size_t max, uint8_t **data, size_t *len, st_diag *d);
/* Decodes a ModelProto; NULL after a diagnostic.  Free with
 * onnx__model_proto__free_unpacked(m, NULL). */
Onnx__ModelProto *st_onnx_decode_model(const void *data, size_t len, st_diag *d);
static inline const char *st_onnx_str(const char *s) { return s ? s : ""; }
/* "" for the default domain, whichever way the file spells it. */
const char *st_onnx_norm_domain(const char *domain);

/* ---- tensors (onnx_tensor.c) ---- */
/* Data type numbers map to element types through ir/dialects/graph_dtype.h. */
/* Decodes tp (typed fields, raw_data or external data under `dir`) into a
 * malloc'd row-major buffer (int4 unpacked one per byte, bool one byte). */
bool st_onnx_tensor_decode(st_context *ctx, const Onnx__TensorProto *tp, const char *dir, st_tensor *out, st_loc loc,
                           st_diag *d);
/* The static tensor type of tp's dims and data type (NULL after a diagnostic). */
const st_type *st_onnx_tensor_type(st_context *ctx, const Onnx__TensorProto *tp, st_loc loc, st_diag *d);

/* ---- external data (onnx_external.c) ---- */
/* Copies `nbytes` of tp's external data into dst.  The location must stay
 * inside `dir` (no absolute path, no "..", no symlink leading out). */
bool st_onnx_external_read(const Onnx__TensorProto *tp, const char *dir, void *dst, size_t nbytes, st_loc loc,
                           st_diag *d);

/* ---- the mapping registry (map.c) ---- */
const st_onnx_op_map *st_onnx_map_lookup(const char *domain, const char *op_type, int opset);


/* ---- the importer (import.c, import_node.c) ---- */
/* Names of ONNX values in scope: an open-addressing table of name -> value.
 * A name bound to NULL exists but its producer did not make a value. */
typedef struct st_onnx_scope {
  const char **keys;
  st_value **vals;
  size_t cap, count;
  struct st_onnx_scope *parent; /* enclosing graph, for subgraphs */
} st_onnx_scope;

struct st_onnx_importer {
  st_context *ctx;
  st_module *m;
  st_builder b;
  st_onnx_options opts;
  const Onnx__ModelProto *model;
  const char *dir;                 /* folder for external data, or NULL */
  Onnx__OperatorSetIdProto *const *opsets; /* of the graph or function being imported */
  size_t num_opsets;
  st_onnx_scope *scope;
  st_onnx_scope value_info;        /* top-level value_info: name -> (st_value *)ValueInfoProto */
  const char *prefix;              /* node name prefix inside inlined functions */
  const Onnx__NodeProto *caller;   /* the node whose function is being inlined */
  unsigned depth;                  /* function inlining depth */
  unsigned counter;                /* for made-up node and resource names */
  st_block *main_body;             /* the body of func @main */
  uint64_t needed_inputs;          /* bit i: a shape operand depends on argument i (import_specialise.c) */
};

bool st_onnx_scope_bind(st_onnx_scope *s, const char *name, st_value *v);
/* true if name is bound in s or a parent (*v may be NULL). */
bool st_onnx_scope_find(const st_onnx_scope *s, const char *name, st_value **v);
void st_onnx_scope_free(st_onnx_scope *s);
/* The opset version of a domain in the current context; 0 if not imported. */
int st_onnx_opset(const st_onnx_importer *im, const char *domain);
/* Imports a node (or inlines the function it calls). */
bool st_onnx_import_node(st_onnx_importer *im, const Onnx__NodeProto *np, st_diag *d);
/* import_node.c: the outputs[0..n) of a node just converted that are results
 * of one op with several results (Split, TopK ...), all of whose operands
 * are constant, become graph.constants (the op is interpreted once and
 * erased); ops with one result fold as they are built. */
bool st_onnx_fold_results(st_onnx_importer *im, st_value **outputs, unsigned n, st_diag *d);
/* A graph.constant of t's data (dense, or a module resource when large);
 * takes ownership of t->data. */
st_value *st_onnx_const_tensor(st_onnx_importer *im, st_tensor *t, const char *name, st_loc loc);
/* Whether t agrees with what vi declares (unknown parts agree). */
bool st_onnx_type_agrees(st_onnx_importer *im, const Onnx__ValueInfoProto *vi, const st_type *t);
/* Imports a decoded model with the options as given (import.c); on failure
 * *needed_inputs holds the arguments that non-constant shape operands
 * depend on. */
st_module *st_onnx_import_model(st_context *ctx, const Onnx__ModelProto *mp, const char *dir,
                                const st_onnx_options *opts, uint64_t *needed_inputs, st_diag *d);
/* ---- shape specialisation (import_specialise.c) ---- */
/* Records that `v` must be constant for result types to be known: marks
 * the arguments of func @main that v depends on in im->needed_inputs. */
void st_onnx_need_constant(st_onnx_importer *im, st_value *v);
/* st_onnx_import_model, retried with the graph inputs that shape operands
 * depend on bound to opts->input_values. */
st_module *st_onnx_import_specialised(st_context *ctx, const Onnx__ModelProto *mp, const char *dir,
                                      const st_onnx_options *opts, st_diag *d);
/* A tensor view of a constant attribute (splats expanded into *owned). */
bool st_onnx_attr_tensor(const st_attr *a, st_tensor *t, void **owned);

#endif
