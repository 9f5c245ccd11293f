/* Element types in registers and in memory.
 *
 * Loop IR computes with every ONNX element type; LLVM (14) and the host CPU
 * compute well with only some of them.  So a scalar of a narrow float type
 * (f16, bf16, the 8- and 4-bit floats) lives in an LLVM `float` register
 * that holds a value exactly representable in its type, and a sub-byte
 * integer (i2, i4, u2, u4) lives in an `i8` already sign- or zero-extended
 * from its width, as it is stored (one element per byte, ir/elem.c).  The
 * conversion happens at the edges:
 *
 *  - a load from a buffer decodes (f16: fpext from `half`; bf16: the high
 *    half of a float's bits; 8/4-bit floats: a 256-entry decode table);
 *  - a store encodes (fptrunc to `half`; bf16 round to nearest even; small
 *    floats through the encoder below, without saturation: the value is
 *    already representable, so only infinities care);
 *  - arith.cast to a narrow type rounds in f32 and comes back: f16 through
 *    `half`, bf16 by bits, small floats through encode + decode, sub-byte
 *    integers by shifting.
 *
 * The small-float encoder is inline IR, no runtime library: at compile time
 * the breakpoints of ir/dialects' Cast encoder (st_graph_cast_encode_small)
 * over the float32 bit patterns of each sign are found by bisection (the
 * code is piecewise constant in |x|), and the emitted function does an
 * eight-step binary search in a 2 x 256 table of them.  So compiled code
 * rounds, saturates and maps NaN exactly as the interpreter for f32 inputs
 * (f64 inputs are rounded to f32 first).  Scratch accumulators (mem.alloca)
 * keep the register type, so a reduction over f16 sums in f32. */
#include <math.h>
#include <string.h>

#include "codegen/llvm/llvm_internal.h"
#include "ir/dialects/dialects.h"
#include "ir/dialects/graph_elementwise.h"
#include "ir/elem.h"

static bool st_narrow_float(st_type_kind k) { return k == ST_TY_F16 || k == ST_TY_BF16 || st_is_small_float(k); }
static bool st_sub_byte(st_type_kind k) { return k == ST_TY_I2 || k == ST_TY_I4 || k == ST_TY_U2 || k == ST_TY_U4; }

LLVMTypeRef st_llvm_mem_type(st_llvm_module *lm, const st_type *elem) {
  if (elem->kind == ST_TY_F16 || elem->kind == ST_TY_BF16) return LLVMInt16TypeInContext(lm->ctx);
  if (st_is_small_float(elem->kind)) return LLVMInt8TypeInContext(lm->ctx);
  return st_llvm_type(lm, elem);
}

static LLVMValueRef st_i32(st_llvm_fn *f, uint32_t v) { return LLVMConstInt(LLVMInt32TypeInContext(f->lm->ctx), v, 0); }

/* A private constant global of `n` elements of `ty` from `data`. */
static LLVMValueRef st_table(st_llvm_module *lm, const char *name, LLVMTypeRef ty, LLVMValueRef *vals, unsigned n) {
  LLVMValueRef g = LLVMGetNamedGlobal(lm->mod, name);
  if (g) return g;
  LLVMValueRef init = LLVMConstArray(ty, vals, n);
  g = LLVMAddGlobal(lm->mod, LLVMTypeOf(init), name);
  LLVMSetInitializer(g, init);
  LLVMSetGlobalConstant(g, 1);
  LLVMSetLinkage(g, LLVMPrivateLinkage);
  LLVMSetUnnamedAddress(g, LLVMGlobalUnnamedAddr);
  return g;
}

static LLVMValueRef st_table_load(st_llvm_fn *f, LLVMValueRef g, LLVMTypeRef elem, unsigned n, LLVMValueRef idx) {
  LLVMTypeRef i64 = LLVMInt64TypeInContext(f->lm->ctx);
  LLVMValueRef ix[2] = {LLVMConstInt(i64, 0, 0), LLVMBuildZExt(f->b, idx, i64, "")};
  LLVMValueRef p = LLVMBuildInBoundsGEP2(f->b, LLVMArrayType(elem, n), g, ix, 2, "");
  return LLVMBuildLoad2(f->b, elem, p, "");
}

/* ---- small floats ---- */

static LLVMValueRef st_small_decode(st_llvm_fn *f, st_type_kind kind, LLVMValueRef code) {
  char name[64];
  snprintf(name, sizeof name, "st.decode.%d", (int)kind);
  LLVMTypeRef fl = LLVMFloatTypeInContext(f->lm->ctx);
  LLVMValueRef vals[256];
  for (unsigned i = 0; i < 256; i++) vals[i] = LLVMConstReal(fl, (float)st_small_float_decode(kind, (uint8_t)i));
  return st_table_load(f, st_table(f->lm, name, fl, vals, 256), fl, 256, code);
}

static float st_bits_float(uint32_t b) {
  float x;
  memcpy(&x, &b, 4);
  return x;
}

/* Breakpoints of the encoder over |x| for one sign: thr[k] is the first
 * magnitude (as float32 bits) of piece k + 1, code[k] the piece's byte. */
static unsigned st_breakpoints(st_type_kind kind, bool neg, bool sat, int mode, uint32_t *thr, uint8_t *code) {
  const uint32_t inf = 0x7f800000u;
  unsigned n = 0;
  uint32_t lo = 0;
#define ENC(b) st_graph_cast_encode_small(kind, neg ? -(double)st_bits_float(b) : (double)st_bits_float(b), sat, mode)
  code[0] = ENC(0);
  while (n < 255 && ENC(inf) != code[n]) {
    uint32_t a = lo, b = inf; /* ENC(a) == code[n] != ENC(b) */
    while (b - a > 1) {
      uint32_t mid = a + (b - a) / 2;
      if (ENC(mid) == code[n]) a = mid;
      else b = mid;
    }
    thr[n] = b;
    code[n + 1] = ENC(b);
    lo = b;
    n++;
  }
#undef ENC
  for (unsigned k = n; k < 255; k++) thr[k] = 0xffffffffu, code[k + 1] = code[n];
  thr[255] = 0xffffffffu;
  return n;
}

/* i8 st.encode.KIND.SAT.MODE(float x): the Cast encoder as a table search. */
static LLVMValueRef st_small_encoder(st_llvm_module *lm, st_type_kind kind, bool sat, int mode) {
  char name[64];
  snprintf(name, sizeof name, "st.encode.%d.%d.%d", (int)kind, sat, mode);
  LLVMValueRef fn = LLVMGetNamedFunction(lm->mod, name);
  if (fn) return fn;
  LLVMContextRef c = lm->ctx;
  LLVMTypeRef fl = LLVMFloatTypeInContext(c), i8 = LLVMInt8TypeInContext(c), i32 = LLVMInt32TypeInContext(c);
  uint32_t thr[2][256];
  uint8_t code[2][256];
  LLVMValueRef tv[512], cv[512];
  for (int s = 0; s < 2; s++) {
    st_breakpoints(kind, s, sat, mode, thr[s], code[s]);
    for (unsigned k = 0; k < 256; k++) tv[256 * s + k] = LLVMConstInt(i32, thr[s][k], 0), cv[256 * s + k] = LLVMConstInt(i8, code[s][k], 0);
  }
  char tname[80];
  snprintf(tname, sizeof tname, "%s.thresholds", name);
  LLVMValueRef tg = st_table(lm, tname, i32, tv, 512);
  snprintf(tname, sizeof tname, "%s.codes", name);
  LLVMValueRef cg = st_table(lm, tname, i8, cv, 512);
  fn = LLVMAddFunction(lm->mod, name, LLVMFunctionType(i8, &fl, 1, 0));
  LLVMSetLinkage(fn, LLVMPrivateLinkage);
  LLVMBuilderRef b = LLVMCreateBuilderInContext(c);
  LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(c, fn, "entry"));
  st_llvm_fn f = {.lm = lm, .b = b, .fn = fn};
  LLVMValueRef bits = LLVMBuildBitCast(b, LLVMGetParam(fn, 0), i32, "");
  LLVMValueRef a = LLVMBuildAnd(b, bits, st_i32(&f, 0x7fffffffu), "");
  LLVMValueRef pos = LLVMBuildShl(b, LLVMBuildLShr(b, bits, st_i32(&f, 31), ""), st_i32(&f, 8), "");
  for (uint32_t step = 128; step; step /= 2) {
    LLVMValueRef t = st_table_load(&f, tg, i32, 512, LLVMBuildAdd(b, pos, st_i32(&f, step - 1), ""));
    pos = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntULE, t, a, ""), LLVMBuildAdd(b, pos, st_i32(&f, step), ""), pos, "");
  }
  LLVMValueRef r = st_table_load(&f, cg, i8, 512, pos);
  uint8_t nan = st_graph_cast_encode_small(kind, NAN, sat, mode);
  r = LLVMBuildSelect(b, LLVMBuildICmp(b, LLVMIntUGT, a, st_i32(&f, 0x7f800000u), ""), LLVMConstInt(i8, nan, 0), r, "");
  LLVMBuildRet(b, r);
  LLVMDisposeBuilder(b);
  return fn;
}

static LLVMValueRef st_small_encode(st_llvm_fn *f, st_type_kind kind, LLVMValueRef x, bool sat, int mode) {
  LLVMValueRef fn = st_small_encoder(f->lm, kind, sat, mode);
  LLVMTypeRef fl = LLVMFloatTypeInContext(f->lm->ctx);
  return LLVMBuildCall2(f->b, LLVMFunctionType(LLVMInt8TypeInContext(f->lm->ctx), &fl, 1, 0), fn, &x, 1, "");
}

/* ---- bf16 and f16 ---- */

static LLVMValueRef st_bf16_encode(st_llvm_fn *f, LLVMValueRef x) {
  LLVMTypeRef i32 = LLVMInt32TypeInContext(f->lm->ctx);
  LLVMValueRef bits = LLVMBuildBitCast(f->b, x, i32, "");
  LLVMValueRef odd = LLVMBuildAnd(f->b, LLVMBuildLShr(f->b, bits, st_i32(f, 16), ""), st_i32(f, 1), "");
  LLVMValueRef rounded = LLVMBuildAdd(f->b, bits, LLVMBuildAdd(f->b, odd, st_i32(f, 0x7fff), ""), "");
  LLVMValueRef quiet = LLVMBuildOr(f->b, bits, st_i32(f, 0x400000), "");
  LLVMValueRef isnan = LLVMBuildFCmp(f->b, LLVMRealUNO, x, x, "");
  LLVMValueRef r = LLVMBuildLShr(f->b, LLVMBuildSelect(f->b, isnan, quiet, rounded, ""), st_i32(f, 16), "");
  return LLVMBuildTrunc(f->b, r, LLVMInt16TypeInContext(f->lm->ctx), "");
}

static LLVMValueRef st_bf16_decode(st_llvm_fn *f, LLVMValueRef h) {
  LLVMTypeRef i32 = LLVMInt32TypeInContext(f->lm->ctx);
  LLVMValueRef bits = LLVMBuildShl(f->b, LLVMBuildZExt(f->b, h, i32, ""), st_i32(f, 16), "");
  return LLVMBuildBitCast(f->b, bits, LLVMFloatTypeInContext(f->lm->ctx), "");
}

static LLVMValueRef st_f16_encode(st_llvm_fn *f, LLVMValueRef x) {
  LLVMValueRef h = LLVMBuildFPTrunc(f->b, x, LLVMHalfTypeInContext(f->lm->ctx), "");
  return LLVMBuildBitCast(f->b, h, LLVMInt16TypeInContext(f->lm->ctx), "");
}

static LLVMValueRef st_f16_decode(st_llvm_fn *f, LLVMValueRef h) {
  LLVMValueRef x = LLVMBuildBitCast(f->b, h, LLVMHalfTypeInContext(f->lm->ctx), "");
  return LLVMBuildFPExt(f->b, x, LLVMFloatTypeInContext(f->lm->ctx), "");
}

/* ---- the edges ---- */

LLVMValueRef st_llvm_from_mem(st_llvm_fn *f, const st_type *elem, LLVMValueRef raw) {
  if (elem->kind == ST_TY_F16) return st_f16_decode(f, raw);
  if (elem->kind == ST_TY_BF16) return st_bf16_decode(f, raw);
  if (st_is_small_float(elem->kind)) return st_small_decode(f, elem->kind, raw);
  return raw;
}

LLVMValueRef st_llvm_to_mem(st_llvm_fn *f, const st_type *elem, LLVMValueRef v) {
  if (elem->kind == ST_TY_F16) return st_f16_encode(f, v);
  if (elem->kind == ST_TY_BF16) return st_bf16_encode(f, v);
  if (st_is_small_float(elem->kind)) return st_small_encode(f, elem->kind, v, false, 0);
  return v;
}

/* A register value (f32, holding any float) rounded to narrow float `k`. */
static LLVMValueRef st_round_to(st_llvm_fn *f, st_type_kind k, LLVMValueRef x, bool sat, int mode) {
  if (k == ST_TY_F16) return st_f16_decode(f, st_f16_encode(f, x));
  if (k == ST_TY_BF16) return st_bf16_decode(f, st_bf16_encode(f, x));
  return st_small_decode(f, k, st_small_encode(f, k, x, sat, mode));
}

/* An i8 holding any value wrapped to sub-byte integer `k`. */
static LLVMValueRef st_wrap_to(st_llvm_fn *f, st_type_kind k, LLVMValueRef x) {
  LLVMTypeRef i8 = LLVMInt8TypeInContext(f->lm->ctx);
  if (k == ST_TY_U2 || k == ST_TY_U4) return LLVMBuildAnd(f->b, x, LLVMConstInt(i8, k == ST_TY_U2 ? 3 : 15, 0), "");
  LLVMValueRef sh = LLVMConstInt(i8, k == ST_TY_I2 ? 6 : 4, 0);
  return LLVMBuildAShr(f->b, LLVMBuildShl(f->b, x, sh, ""), sh, "");
}

LLVMValueRef st_llvm_convert(st_llvm_fn *f, const st_type *from, const st_type *to, LLVMValueRef x, bool sat, int mode) {
  if (from == to) return x;
  LLVMContextRef c = f->lm->ctx;
  st_type_kind fk = from->kind, tk = to->kind;
  bool ff = st_type_is_float(from), ft = st_type_is_float(to);
  bool su = st_type_is_unsigned(from) || fk == ST_TY_I1;
  LLVMTypeRef ty = ft ? (tk == ST_TY_F64 ? LLVMDoubleTypeInContext(c) : LLVMFloatTypeInContext(c)) : st_llvm_type(f->lm, to);
  LLVMValueRef r;
  if (ff && ft) r = LLVMBuildFPCast(f->b, x, ty, "");
  else if (ft) r = su ? LLVMBuildUIToFP(f->b, x, ty, "") : LLVMBuildSIToFP(f->b, x, ty, "");
  else if (ff) {
    /* Through 64 bits, then wrapped to the target's width, as the interpreter. */
    LLVMTypeRef i64 = LLVMInt64TypeInContext(c);
    r = tk == ST_TY_U64 ? LLVMBuildFPToUI(f->b, x, i64, "") : LLVMBuildFPToSI(f->b, x, i64, "");
    r = LLVMBuildIntCast2(f->b, r, ty, 1, "");
  } else r = LLVMBuildIntCast2(f->b, x, ty, !su, "");
  if (st_narrow_float(tk)) r = st_round_to(f, tk, r, sat, mode);
  if (st_sub_byte(tk)) r = st_wrap_to(f, tk, r);
  return r;
}
