/* The context: what outlives modules (interned types).  One context per
 * compilation thread; it is not shared between threads. */
#ifndef ST_IR_CONTEXT_H
#define ST_IR_CONTEXT_H

#include <stddef.h>

#include "ir/arena.h"
#include "ir/type.h"

struct st_context {
  st_arena arena;
  const st_type **types; /* open-addressing hash set */
  size_t types_cap, num_types;
};

#endif
