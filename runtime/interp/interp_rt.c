/* The interpreter's tensors (IR types interned in a context) as the
 * runtime's (a dtype and dims), so .npy files and the comparison rule are
 * runtime/rt's code for every runner, interpreter included. */
#include <stdlib.h>
#include <string.h>

#include "runtime/interp/interp.h"

const st_type *st_interp_rt_elem(st_context *ctx, st_rt_dtype t) {
  for (int k = 0; t != ST_RT_UNKNOWN && k <= ST_TY_NONE; k++) {
    const char *name = st_type_scalar_name((st_type_kind)k);
    if (name && !strcmp(name, st_rt_dtype_name(t))) return st_type_scalar(ctx, (st_type_kind)k);
  }
  return NULL;
}

st_rt_dtype st_interp_rt_dtype(const st_type *elem) {
  const char *name = elem ? st_type_scalar_name(elem->kind) : NULL;
  return name ? st_rt_dtype_from_name(name) : ST_RT_UNKNOWN;
}

bool st_interp_from_rt(st_context *ctx, st_rt_tensor *rt, st_tensor *out, st_diag *d) {
  memset(out, 0, sizeof *out);
  const st_type *elem = st_interp_rt_elem(ctx, rt->dtype);
  st_dim dims[ST_RT_MAX_RANK];
  for (unsigned k = 0; k < rt->rank; k++) dims[k] = rt->dims[k];
  const st_type *t = elem ? st_type_tensor(ctx, elem, rt->rank, dims) : NULL;
  if (!t) {
    st_diag_error(d, st_loc_unknown(), "element type %s has no IR type", st_rt_dtype_name(rt->dtype));
    st_rt_tensor_free(rt);
    return false;
  }
  *out = (st_tensor){.type = t, .data = rt->data, .nbytes = rt->nbytes};
  rt->data = NULL;
  return true;
}

st_rt_tensor st_interp_to_rt(const st_tensor *t) {
  st_rt_tensor r = {0};
  if (t->type->kind != ST_TY_TENSOR || t->type->u.shaped.rank > ST_RT_MAX_RANK) return r;
  r.dtype = st_interp_rt_dtype(t->type->u.shaped.elem);
  r.rank = t->type->u.shaped.rank;
  for (unsigned k = 0; k < r.rank; k++) r.dims[k] = t->type->u.shaped.dims[k];
  r.data = t->data;
  r.nbytes = t->nbytes;
  return r;
}
