/* Reading model files and decoding ModelProto with protobuf-c.
 *
 * protobuf-c checks every length against the buffer it decodes, so a
 * truncated or corrupt file gives NULL, not a crash; we add a size cap on the
 * file itself and refuse anything that is not a regular file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "frontend/onnx/onnx_internal.h"

bool st_onnx_read_file(const char *path, size_t max, uint8_t **data, size_t *len, st_diag *d) {
  *data = NULL;
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f) {
    st_diag_error(d, st_loc_unknown(), "cannot open '%s': %s", path, strerror(errno));
    return false;
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    st_diag_error(d, st_loc_unknown(), "'%s' is not a regular file", path);
    fclose(f);
    return false;
  }
  if ((uint64_t)st.st_size > max) {
    st_diag_error(d, st_loc_unknown(), "'%s' is too large (%lld bytes, limit %zu)", path, (long long)st.st_size, max);
    fclose(f);
    return false;
  }
  size_t n = (size_t)st.st_size;
  uint8_t *buf = malloc(n ? n : 1);
  if (!buf || fread(buf, 1, n, f) != n) {
    st_diag_error(d, st_loc_unknown(), "cannot read '%s'", path);
    free(buf);
    fclose(f);
    return false;
  }
  fclose(f);
  *data = buf;
  *len = n;
  return true;
}

Onnx__ModelProto *st_onnx_decode_model(const void *data, size_t len, st_diag *d) {
  Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, data);
  if (!m) {
    st_diag_error(d, st_loc_unknown(), "not a valid ONNX model: protobuf decoding failed (truncated or corrupt file)");
    return NULL;
  }
  if (!m->graph) {
    st_diag_error(d, st_loc_unknown(), "not a valid ONNX model: it has no graph");
    onnx__model_proto__free_unpacked(m, NULL);
    return NULL;
  }
  return m;
}

const char *st_onnx_norm_domain(const char *domain) {
  if (!domain || strcmp(domain, "ai.onnx") == 0) return "";
  return domain;
}
