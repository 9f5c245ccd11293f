/* The thin runtime's tensor side: element types by name, dense tensors,
 * tensor files (ONNX TensorProto `.pb`, NumPy `.npy`), the ONNX test
 * runner's comparison rule, and a Chrome trace of kernel launches.
 *
 * It depends on nothing of the compiler (no IR, no protobuf-c, no LLVM):
 * `strata run` links it as the library st_rt, and `strata compile
 * --emit=exe` compiles the same files into every standalone runner it
 * links (see rt_sources.h).  So this code is plain C11 + POSIX and
 * includes only headers of runtime/rt/.  Errors are values: a call that
 * can fail returns false and fills an st_rt_err. */
#ifndef ST_RUNTIME_RT_H
#define ST_RUNTIME_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { ST_RT_MAX_RANK = 16 };

/* Element types, spelled as the IR spells them ("f32", "bf16", "i1" ...). */
typedef enum st_rt_dtype {
  ST_RT_UNKNOWN = 0,
  ST_RT_F32, ST_RT_F64, ST_RT_F16, ST_RT_BF16,
  ST_RT_I1, ST_RT_I8, ST_RT_I16, ST_RT_I32, ST_RT_I64,
  ST_RT_U8, ST_RT_U16, ST_RT_U32, ST_RT_U64,
  ST_RT_F8E4M3FN, ST_RT_F8E4M3FNUZ, ST_RT_F8E5M2, ST_RT_F8E5M2FNUZ, ST_RT_F8E8M0FNU, ST_RT_F4E2M1FN,
  ST_RT_I2, ST_RT_I4, ST_RT_U2, ST_RT_U4,
  ST_RT_NUM_DTYPES
} st_rt_dtype;

typedef struct st_rt_err {
  char msg[1024];
} st_rt_err;

/* Formats the message into e (when not NULL); returns false. */
bool st_rt_fail(st_rt_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

st_rt_dtype st_rt_dtype_from_name(const char *name); /* ST_RT_UNKNOWN when unknown */
const char *st_rt_dtype_name(st_rt_dtype t);
int st_rt_dtype_onnx(st_rt_dtype t);                 /* TensorProto.DataType code */
st_rt_dtype st_rt_dtype_from_onnx(int code);
/* Bytes per element in a dense buffer (bool and the sub-byte types take a byte). */
size_t st_rt_dtype_size(st_rt_dtype t);
/* Bits per element in packed storage (8 for bool; 2 or 4 for the sub-byte integers and f4). */
unsigned st_rt_dtype_bits(st_rt_dtype t);
bool st_rt_dtype_is_int(st_rt_dtype t);              /* integers and bool */
/* Element i as a double (floats decoded) or as an integer. */
double st_rt_load_f(st_rt_dtype t, const void *base, int64_t i);
int64_t st_rt_load_i(st_rt_dtype t, const void *base, int64_t i);

/* A dense row-major tensor owning malloc'd data. */
typedef struct st_rt_tensor {
  st_rt_dtype dtype;
  unsigned rank;
  int64_t dims[ST_RT_MAX_RANK];
  void *data;
  size_t nbytes;
} st_rt_tensor;

int64_t st_rt_num_elements(const st_rt_tensor *t);
/* Sets dtype and shape and allocates zeroed data; false when too large. */
bool st_rt_tensor_alloc(st_rt_tensor *t, st_rt_dtype dtype, unsigned rank, const int64_t *dims, st_rt_err *e);
void st_rt_tensor_free(st_rt_tensor *t);
/* Whether t has exactly this element type and shape. */
bool st_rt_tensor_has_type(const st_rt_tensor *t, st_rt_dtype dtype, unsigned rank, const int64_t *dims);
/* "tensor<1x3xf32>" into buf. */
void st_rt_tensor_type_str(st_rt_dtype dtype, unsigned rank, const int64_t *dims, char *buf, size_t n);

/* ---- tensor files (rt_pb.c, rt_npy.c) ---- */
/* A serialized TensorProto: raw_data or the typed fields; not external data. */
bool st_rt_pb_parse(const void *bytes, size_t len, st_rt_tensor *out, st_rt_err *e);
bool st_rt_pb_read(const char *path, st_rt_tensor *out, st_rt_err *e);
bool st_rt_pb_write(const st_rt_tensor *t, const char *name, const char *path, st_rt_err *e);
bool st_rt_npy_read(const char *path, st_rt_tensor *out, st_rt_err *e);
bool st_rt_npy_write(const st_rt_tensor *t, const char *path, st_rt_err *e);
/* .npy by suffix, else .pb. */
bool st_rt_tensor_read(const char *path, st_rt_tensor *out, st_rt_err *e);
/* Reads a whole file into malloc'd memory (at most max bytes). */
bool st_rt_read_file(const char *path, size_t max, uint8_t **data, size_t *len, st_rt_err *e);

/* ---- comparing (rt_compare.c) ---- */
typedef struct st_rt_cmp {
  bool type_ok;      /* same element type and shape */
  double max_abs, max_rel;
  int64_t num_bad;   /* elements outside the tolerance */
  int64_t first_bad; /* index of the first, or -1 */
} st_rt_cmp;
/* The ONNX test runner's rule (numpy.testing.assert_allclose):
 * |a - e| <= atol + rtol * |e| element-wise, NaN equals NaN, infinities
 * must match in sign; types must match exactly.  Returns whether `actual`
 * passes. */
bool st_rt_compare(const st_rt_tensor *actual, const st_rt_tensor *expected, double rtol, double atol, st_rt_cmp *out);
/* Prints up to `max` elements of t as "[1, 2, 3, ...]". */
void st_rt_print_values(FILE *out, const st_rt_tensor *t, int64_t max);

/* ---- kernel traces (rt_trace.c) ----
 * Compiled code calls PREFIX_trace_hook(kernel, end) around each kernel
 * when the hook is set; st_rt_trace_hook records a timestamp into the
 * calling thread's current trace.  st_rt_trace_write emits one complete
 * ("X") event per kernel launch, named after the kernel (its ONNX node),
 * plus one per run (chrome://tracing, Perfetto). */
typedef struct st_rt_trace_event {
  int kernel; /* -1: a whole run */
  double begin_us, end_us;
} st_rt_trace_event;

typedef struct st_rt_trace {
  st_rt_trace_event *events;
  size_t num_events, cap;
  double origin; /* seconds, CLOCK_MONOTONIC */
  bool out_of_memory;
} st_rt_trace;

/* Makes t the calling thread's current trace (NULL: none); the first call
 * with a trace sets its time origin. */
void st_rt_trace_activate(st_rt_trace *t);
/* The hook compiled code calls: records begin (end == 0) or end of `kernel`. */
void st_rt_trace_hook(int kernel, int end);
/* Brackets a whole run in the current trace. */
void st_rt_trace_run(int end);
bool st_rt_trace_write(const st_rt_trace *t, const char *path, const char *const *names, unsigned num_names,
                       st_rt_err *e);
void st_rt_trace_free(st_rt_trace *t);
/* Seconds on the monotonic clock. */
double st_rt_now(void);

#endif
