/* Attributes: compile-time constants attached to ops by name.
 *
 * Attributes live in the module arena and are immutable once built; they are
 * compared structurally with st_attr_equal().  Large weights are not copied
 * into attributes: a `dense_resource<name>` attribute points at a module
 * resource (a blob owned by the module, possibly borrowed from a file). */
#ifndef ST_IR_ATTR_H
#define ST_IR_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/type.h"

typedef struct st_module st_module;
typedef struct st_attr st_attr;
typedef struct st_resource st_resource;

typedef enum st_attr_kind {
  ST_ATTR_INT,      /* 42 : i32 (type defaults to i64) */
  ST_ATTR_FLOAT,    /* 1.5 : f32 (type defaults to f64) */
  ST_ATTR_STRING,   /* "text" */
  ST_ATTR_BOOL,     /* true | false */
  ST_ATTR_ARRAY,    /* [a, b, c] */
  ST_ATTR_TYPE,     /* a type used as a value: tensor<2xf32> */
  ST_ATTR_DICT,     /* {name = attr, ...} sorted by name */
  ST_ATTR_DENSE,    /* dense<...> : tensor<...> */
  ST_ATTR_RESOURCE, /* dense_resource<name> : tensor<...> */
  ST_ATTR_SYMBOL,   /* @name */
  ST_ATTR_UNIT,     /* present without a value */
} st_attr_kind;

typedef struct st_named_attr {
  const char *name;
  const st_attr *attr;
} st_named_attr;

struct st_attr {
  st_attr_kind kind;
  const st_type *type; /* int/float scalar type; dense/resource shaped type; NULL otherwise */
  union {
    int64_t i;
    double f;
    bool b;
    struct { const char *data; size_t len; } str; /* also ST_ATTR_SYMBOL */
    struct { unsigned n; const st_attr *const *elems; } array;
    const st_type *type_value;
    struct { unsigned n; const st_named_attr *entries; } dict;
    /* Elements in row-major order, each in its storage size (st_dense_elem_size);
     * a splat holds one element that stands for all of them. */
    struct { const void *data; size_t nbytes; bool splat; } dense;
    const st_resource *resource;
  } u;
};

/* A named blob of constant data owned by a module.  `data` is NULL when the
 * resource was parsed from an elided dump (its size is still known). */
struct st_resource {
  const char *name;
  const void *data;
  size_t nbytes;
  void (*release)(void *cookie); /* called when the module is destroyed */
  void *cookie;
  st_resource *next;
};

const st_attr *st_attr_int(st_module *m, const st_type *type, int64_t v);
const st_attr *st_attr_float(st_module *m, const st_type *type, double v);
const st_attr *st_attr_string(st_module *m, const char *s, size_t len);
const st_attr *st_attr_bool(st_module *m, bool v);
const st_attr *st_attr_array(st_module *m, unsigned n, const st_attr *const *elems);
const st_attr *st_attr_int_array(st_module *m, unsigned n, const int64_t *v);
const st_attr *st_attr_type(st_module *m, const st_type *t);
/* Entries are copied and sorted by name; duplicate names are the caller's bug. */
const st_attr *st_attr_dict(st_module *m, unsigned n, const st_named_attr *entries);
/* Copies `nbytes` of element data; a splat has exactly one element. */
const st_attr *st_attr_dense(st_module *m, const st_type *shaped, const void *data, size_t nbytes, bool splat);
const st_attr *st_attr_resource(st_module *m, const st_type *shaped, const st_resource *r);
const st_attr *st_attr_symbol(st_module *m, const char *name);
const st_attr *st_attr_unit(st_module *m);

bool st_attr_equal(const st_attr *a, const st_attr *b);
/* Bytes one element of `elem` takes in dense storage (i1 and i4 take a byte). */
size_t st_dense_elem_size(const st_type *elem);
/* Data and size of a dense or resource attribute's elements (NULL if elided). */
const void *st_attr_elements(const st_attr *a, size_t *nbytes, bool *splat);
/* Reads element `i` of a dense/resource attribute of a float or int type as a
 * double / int64 (splats answer for every index).  false if not readable. */
bool st_attr_elem_as_double(const st_attr *a, int64_t i, double *out);
bool st_attr_elem_as_int(const st_attr *a, int64_t i, int64_t *out);

/* Module resources.  st_module_add_resource copies the data into a blob the
 * module owns; st_module_add_resource_borrowed keeps the pointer and calls
 * release(cookie) when the module is destroyed. */
st_resource *st_module_add_resource(st_module *m, const char *name, const void *data, size_t nbytes);
st_resource *st_module_add_resource_borrowed(st_module *m, const char *name, const void *data, size_t nbytes,
                                             void (*release)(void *), void *cookie);
st_resource *st_module_find_resource(const st_module *m, const char *name);

#endif
