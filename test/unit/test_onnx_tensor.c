/* ONNX tensors of the small element types: sub-byte integers and 4-bit
 * floats packed two or four per byte (first element in the low bits) in
 * raw_data and int32_data, 8-bit floats as bit patterns, all unpacked to one
 * element per byte, and written back packed. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "frontend/onnx/onnx.h"
#include "ir/elem.h"
#include "onnx.pb-c.h"

/* Decodes a TensorProto of `dtype` and dims {n} built from int32_data or raw bytes. */
static st_tensor decode(st_context *ctx, int dtype, int64_t n, const int32_t *i32, size_t ni32, const uint8_t *raw,
                        size_t nraw) {
  Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
  tp.n_dims = 1;
  tp.dims = &n;
  tp.has_data_type = 1;
  tp.data_type = dtype;
  tp.n_int32_data = ni32;
  tp.int32_data = (int32_t *)i32;
  if (raw) {
    tp.has_raw_data = 1;
    tp.raw_data.data = (uint8_t *)raw;
    tp.raw_data.len = nraw;
  }
  size_t len = onnx__tensor_proto__get_packed_size(&tp);
  uint8_t *buf = malloc(len);
  onnx__tensor_proto__pack(&tp, buf);
  st_tensor t = {0};
  st_diag d = {0};
  bool ok = st_onnx_tensor_parse(ctx, buf, len, &t, &d);
  free(buf);
  cr_assert(ok, "%s", st_diag_first_error(&d) ? st_diag_first_error(&d) : "");
  st_diag_free(&d);
  return t;
}

static int64_t ld_i(const st_tensor *t, int64_t i) { return st_elem_load_i(st_type_elem(t->type), t->data, i); }
static double ld_f(const st_tensor *t, int64_t i) { return st_elem_load_f(st_type_elem(t->type), t->data, i); }

Test(onnx_tensor, sub_byte_ints) {
  st_context *ctx = st_context_create();
  st_tensor a = decode(ctx, 22 /* INT4 */, 3, (int32_t[]){0x9f, 0x07}, 2, NULL, 0);
  cr_assert_eq(ld_i(&a, 0), -1);
  cr_assert_eq(ld_i(&a, 1), -7);
  cr_assert_eq(ld_i(&a, 2), 7);
  st_tensor b = decode(ctx, 25 /* UINT2 */, 4, (int32_t[]){0xe4}, 1, NULL, 0);
  st_tensor c = decode(ctx, 26 /* INT2 */, 5, NULL, 0, (uint8_t[]){0xe4, 0x03}, 2);
  for (int i = 0; i < 4; i++) cr_assert_eq(ld_i(&b, i), i);
  cr_assert_eq(ld_i(&c, 2), -2);
  cr_assert_eq(ld_i(&c, 3), -1);
  cr_assert_eq(ld_i(&c, 4), -1);
  cr_assert_eq(((uint8_t *)c.data)[4], 0xff, "one element per byte, sign-extended");
  free(a.data), free(b.data), free(c.data);
  st_context_destroy(ctx);
}

Test(onnx_tensor, small_floats) {
  st_context *ctx = st_context_create();
  st_tensor f4 = decode(ctx, 23 /* FLOAT4E2M1 */, 3, NULL, 0, (uint8_t[]){0x7f, 0x02}, 2);
  cr_assert_eq(ld_f(&f4, 0), -6.0);
  cr_assert_eq(ld_f(&f4, 1), 6.0);
  cr_assert_eq(ld_f(&f4, 2), 1.0);
  st_tensor f4i = decode(ctx, 23, 2, (int32_t[]){0x1a}, 1, NULL, 0);
  cr_assert_eq(ld_f(&f4i, 0), -1.0);
  cr_assert_eq(ld_f(&f4i, 1), 0.5);
  st_tensor e8 = decode(ctx, 24 /* FLOAT8E8M0 */, 2, (int32_t[]){0x7f, 0xff}, 2, NULL, 0);
  cr_assert_eq(ld_f(&e8, 0), 1.0);
  cr_assert(isnan(ld_f(&e8, 1)));
  st_tensor uz = decode(ctx, 18 /* FLOAT8E4M3FNUZ */, 2, (int32_t[]){0x40, 0x80}, 2, NULL, 0);
  cr_assert_eq(ld_f(&uz, 0), 1.0);
  cr_assert(isnan(ld_f(&uz, 1)));
  st_tensor e5 = decode(ctx, 20 /* FLOAT8E5M2FNUZ */, 1, NULL, 0, (uint8_t[]){0x40}, 1);
  cr_assert_eq(ld_f(&e5, 0), 1.0);
  free(f4.data), free(f4i.data), free(e8.data), free(uz.data), free(e5.data);
  st_context_destroy(ctx);
}

Test(onnx_tensor, write_packs_and_reads_back) {
  st_context *ctx = st_context_create();
  st_tensor c = decode(ctx, 26 /* INT2 */, 5, NULL, 0, (uint8_t[]){0xe4, 0x03}, 2);
  st_tensor f4 = decode(ctx, 23 /* FLOAT4E2M1 */, 3, NULL, 0, (uint8_t[]){0x7f, 0x02}, 2);
  char path[] = "/tmp/strata-tensor-XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  close(fd);
  const st_tensor *ts[] = {&c, &f4};
  for (int k = 0; k < 2; k++) {
    st_diag d = {0};
    st_tensor back = {0};
    cr_assert(st_onnx_tensor_write_file(ts[k], "t", path, &d));
    cr_assert(st_onnx_tensor_read_file(ctx, path, &back, &d));
    cr_assert_eq(back.type, ts[k]->type);
    cr_assert_eq(back.nbytes, ts[k]->nbytes);
    cr_assert_arr_eq(back.data, ts[k]->data, back.nbytes);
    free(back.data);
    st_diag_free(&d);
  }
  FILE *f = fopen(path, "rb");
  uint8_t buf[64];
  size_t len = fread(buf, 1, sizeof buf, f);
  fclose(f);
  Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, len, buf);
  cr_assert(tp && tp->raw_data.len == 2 && tp->raw_data.data[0] == 0x7f && tp->raw_data.data[1] == 0x02);
  onnx__tensor_proto__free_unpacked(tp, NULL);
  unlink(path);
  free(c.data), free(f4.data);
  st_context_destroy(ctx);
}
