/* State shared by the parser's files (parse.c: ops, regions, values;
 * parse_attr.c: types, attributes, resources). */
#ifndef ST_IR_PARSE_INTERNAL_H
#define ST_IR_PARSE_INTERNAL_H

#include "ir/lexer.h"
#include "ir/parse.h"
#include "ir/ptrmap.h"

/* A value scope: names defined in one region level.  Lookups walk outward
 * and stop after the first isolated scope. */
typedef struct st_parse_scope st_parse_scope;
struct st_parse_scope {
  st_parse_scope *parent;
  bool isolated;
  const char **names;
  st_value **values;
  size_t count, cap;
};

struct st_parser {
  st_lexer lx;
  st_module *m;
  st_context *ctx;
  st_diag *d;
  bool failed;
  st_parse_scope *scope;
  unsigned depth; /* nesting of regions and attributes, bounded against hostile input */
  st_ptrmap resources_used;    /* resource -> first use (st_loc*) */
  st_ptrmap resources_defined; /* resource -> non-NULL once the section gave it */
};

enum { ST_PARSE_MAX_DEPTH = 64 };
/* Counts one level of nesting; false (after a diagnostic) when too deep. */
bool st_parser_enter(st_parser *p);
static inline void st_parser_leave(st_parser *p) { p->depth--; }

bool st_parse_resource_section(st_parser *p);
/* Returns the module resource named `name`, creating an empty placeholder
 * that the resource section fills in. */
st_resource *st_parser_resource_ref(st_parser *p, const char *name, st_loc at);

#endif
