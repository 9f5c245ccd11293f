/* Deep copies of ops with value remapping, and the value map they use (an
 * open-addressing hash map from value pointers to value pointers). */
#include <stdlib.h>

#include "ir/ir.h"
#include "ir/ptrmap.h"

struct st_value_map {
  st_ptrmap map;
};

st_value_map *st_value_map_create(void) { return calloc(1, sizeof(st_value_map)); }

void st_value_map_destroy(st_value_map *map) {
  if (!map) return;
  st_ptrmap_free(&map->map);
  free(map);
}

void st_value_map_set(st_value_map *map, const st_value *from, st_value *to) { st_ptrmap_set(&map->map, from, to); }

st_value *st_value_map_get(const st_value_map *map, const st_value *from) { return st_ptrmap_get(&map->map, from); }

static st_value *st_map_or_keep(const st_value_map *map, st_value *v) {
  st_value *m = st_value_map_get(map, v);
  return m ? m : v;
}

st_op *st_op_clone(st_module *m, const st_op *op, st_value_map *map) {
  st_value **operands = malloc(sizeof *operands * (op->num_operands + 1));
  const st_type **types = malloc(sizeof *types * (op->num_results + 1));
  st_op *copy = NULL;
  if (!operands || !types) goto out;
  for (unsigned i = 0; i < op->num_operands; i++) operands[i] = st_map_or_keep(map, op->operands[i].value);
  for (unsigned i = 0; i < op->num_results; i++) types[i] = op->results[i].type;
  st_op_state s = {.def = op->def, .loc = op->loc, .num_operands = op->num_operands, .operands = operands,
                   .num_results = op->num_results, .result_types = types, .num_attrs = op->num_attrs,
                   .attrs = op->attrs, .num_regions = op->num_regions};
  copy = st_op_create(m, &s);
  if (!copy) goto out;
  for (unsigned i = 0; i < op->num_results; i++) {
    copy->results[i].name = op->results[i].name;
    st_value_map_set(map, &op->results[i], &copy->results[i]);
  }
  for (unsigned r = 0; r < op->num_regions; r++) {
    /* Create blocks and their arguments first, so nested ops can refer to
     * arguments of any block of the region. */
    for (const st_block *b = op->regions[r].first; b; b = b->next) {
      st_block *nb = st_block_create(m);
      if (!nb) { copy = NULL; goto out; }
      st_region_push_block(&copy->regions[r], nb);
      for (unsigned a = 0; a < b->num_args; a++) {
        st_value *arg = st_block_add_arg(m, nb, b->args[a]->type);
        if (!arg) { copy = NULL; goto out; }
        arg->name = b->args[a]->name;
        st_value_map_set(map, b->args[a], arg);
      }
    }
    st_block *nb = copy->regions[r].first;
    for (const st_block *b = op->regions[r].first; b; b = b->next, nb = nb->next)
      for (const st_op *o = b->first; o; o = o->next) {
        st_op *c = st_op_clone(m, o, map);
        if (!c) { copy = NULL; goto out; }
        st_block_append(nb, c);
      }
  }
out:
  free(operands);
  free(types);
  return copy;
}
