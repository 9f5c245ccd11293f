/* .npy files for the interpreter's tensors: runtime/rt reads and writes
 * them (rt_npy.c); this converts the types. */
#include "runtime/interp/interp.h"

bool st_interp_npy_read(st_context *ctx, const char *path, st_tensor *out, st_diag *d) {
  st_rt_err e;
  st_rt_tensor t;
  if (!st_rt_npy_read(path, &t, &e)) {
    st_diag_error(d, st_loc_unknown(), "%s", e.msg);
    return false;
  }
  return st_interp_from_rt(ctx, &t, out, d);
}

bool st_interp_npy_write(const st_tensor *t, const char *path, st_diag *d) {
  st_rt_err e;
  st_rt_tensor r = st_interp_to_rt(t);
  if (st_rt_npy_write(&r, path, &e)) return true;
  st_diag_error(d, st_loc_unknown(), "%s", e.msg);
  return false;
}
