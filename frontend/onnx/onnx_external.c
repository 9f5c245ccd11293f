/* External data: tensor bytes stored in a file beside the model, named by
 * the tensor's `location` with an optional `offset` and `length`.
 *
 * The location is untrusted: it must be a relative path that stays inside
 * the model's folder.  Absolute paths and ".." components are refused
 * outright, and the resolved path (symlinks followed) must still lie under
 * the resolved folder, so a link pointing out of it is refused too.  The
 * offset and length are checked against the file's real size before
 * anything is read. */
#define _XOPEN_SOURCE 700 /* realpath */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frontend/onnx/onnx_internal.h"

static bool st_parse_u64(const char *s, uint64_t *out) {
  if (!s || !*s) return false;
  uint64_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  *out = v;
  return true;
}

/* A relative path without "..", "." or empty components. */
static bool st_location_is_plain(const char *loc) {
  if (!*loc || loc[0] == '/') return false;
  for (const char *p = loc; *p;) {
    const char *e = strchr(p, '/');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) return false;
    if (!e) break;
    p = e + 1;
  }
  return true;
}

bool st_onnx_external_read(const Onnx__TensorProto *tp, const char *dir, void *dst, size_t nbytes, st_loc loc,
                           st_diag *d) {
  const char *name = st_onnx_str(tp->name), *location = NULL;
  uint64_t offset = 0, length = 0;
  bool has_length = false;
  for (size_t i = 0; i < tp->n_external_data; i++) {
    const char *k = st_onnx_str(tp->external_data[i]->key), *v = tp->external_data[i]->value;
    bool ok = true;
    if (strcmp(k, "location") == 0) location = v;
    else if (strcmp(k, "offset") == 0) ok = st_parse_u64(v, &offset);
    else if (strcmp(k, "length") == 0) ok = has_length = st_parse_u64(v, &length);
    if (!ok) {
      st_diag_error(d, loc, "tensor '%s': external data '%s' is not a non-negative integer", name, k);
      return false;
    }
  }
  if (!dir) {
    st_diag_error(d, loc, "tensor '%s' uses external data, which is only allowed for a model read from a file", name);
    return false;
  }
  if (!location || !st_location_is_plain(location)) {
    st_diag_error(d, loc, "tensor '%s': external data location '%s' must be a relative path inside the model's folder",
                  name, location ? location : "(missing)");
    return false;
  }
  if (has_length && length != nbytes) {
    st_diag_error(d, loc, "tensor '%s': external data length %llu, its type needs %zu bytes", name,
                  (unsigned long long)length, nbytes);
    return false;
  }
  char base[PATH_MAX], full[PATH_MAX], joined[PATH_MAX];
  if (!realpath(dir, base) || snprintf(joined, sizeof joined, "%s/%s", base, location) >= (int)sizeof joined) {
    st_diag_error(d, loc, "tensor '%s': cannot resolve the model's folder '%s'", name, dir);
    return false;
  }
  if (!realpath(joined, full)) {
    st_diag_error(d, loc, "tensor '%s': external data file '%s': %s", name, location, strerror(errno));
    return false;
  }
  size_t bl = strlen(base);
  if (strncmp(full, base, bl) != 0 || (full[bl] != '/' && base[bl - 1] != '/')) {
    st_diag_error(d, loc, "tensor '%s': external data location '%s' leads out of the model's folder", name, location);
    return false;
  }
  FILE *f = fopen(full, "rb");
  struct stat st;
  if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    st_diag_error(d, loc, "tensor '%s': external data '%s' is not a readable regular file", name, location);
    if (f) fclose(f);
    return false;
  }
  uint64_t size = (uint64_t)st.st_size;
  if (offset > size || nbytes > size - offset) {
    st_diag_error(d, loc, "tensor '%s': external data needs %zu bytes at offset %llu, '%s' has %llu", name, nbytes,
                  (unsigned long long)offset, location, (unsigned long long)size);
    fclose(f);
    return false;
  }
  bool ok = fseeko(f, (off_t)offset, SEEK_SET) == 0 && fread(dst, 1, nbytes, f) == nbytes;
  fclose(f);
  if (!ok) st_diag_error(d, loc, "tensor '%s': cannot read external data from '%s'", name, location);
  return ok;
}
