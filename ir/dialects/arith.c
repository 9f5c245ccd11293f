/* The arith dialect: scalar and vector arithmetic used inside loop bodies.
 *   %c = arith.constant 1.0 : f32
 *   %s = arith.addf %a, %b : f32 */
#include <string.h>

#include "ir/dialects/dialects.h"
#include "ir/parse.h"
#include "ir/print.h"

static void st_constant_print(st_printer *p, const st_op *op) {
  static const char *const skip[] = {"value", NULL};
  st_printer_puts(p, "arith.constant ");
  st_printer_attr(p, st_op_get_attr(op, "value"));
  st_printer_attr_dict(p, op, skip);
}

static st_op *st_constant_parse(st_parser *p, const st_op_def *def, unsigned nres, st_loc loc) {
  const st_attr *v = st_parser_attr(p);
  if (!v) return NULL;
  if (v->kind != ST_ATTR_INT && v->kind != ST_ATTR_FLOAT && v->kind != ST_ATTR_DENSE)
    return st_parser_error(p, "expected an integer, float or dense value"), NULL;
  st_op_state s = {.def = def, .loc = loc, .num_results = 1, .result_types = &v->type};
  st_op *op = st_op_create(st_parser_module(p), &s);
  if (!op || !st_op_set_attr(st_parser_module(p), op, "value", v) || !st_parser_attr_dict(p, op)) return NULL;
  (void)nres;
  return op;
}

static bool st_constant_verify(st_op *op, st_diag *d) {
  const st_attr *v = st_op_get_attr(op, "value");
  if (!v || v->type != op->results[0].type) {
    st_diag_error(d, op->loc, "'arith.constant' op needs a 'value' attribute of the result type");
    return false;
  }
  return true;
}

static bool st_binary_verify(st_op *op, st_diag *d) {
  const st_type *t = op->results[0].type, *e = st_type_elem(t);
  bool want_float = op->def->name[sizeof "arith.add" - 1] == 'f' || op->def->name[sizeof "arith.max" - 1] == 'f';
  if (st_op_operand(op, 0)->type != t || st_op_operand(op, 1)->type != t) {
    st_diag_error(d, op->loc, "'%s' op operands and result must have one type", op->def->name);
    return false;
  }
  if (want_float ? !st_type_is_float(e) : !(st_type_is_int(e) || e->kind == ST_TY_INDEX)) {
    st_diag_error(d, op->loc, "'%s' op expects %s operands", op->def->name, want_float ? "float" : "integer or index");
    return false;
  }
  return true;
}

#define ST_ARITH_BINARY(var, opname, text, extra)                                              \
  const st_op_def var = {.name = opname, .summary = text, .num_operands = 2, .num_results = 1, \
                         .traits = ST_TRAIT_PURE | ST_TRAIT_SAME_TYPE | (extra), .verify = st_binary_verify}

const st_op_def st_arith_constant_def = {
    .name = "arith.constant", .summary = "a scalar, index or vector constant",
    .num_operands = 0, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_CONSTANT,
    .verify = st_constant_verify, .print = st_constant_print, .parse = st_constant_parse,
};
ST_ARITH_BINARY(st_arith_addf_def, "arith.addf", "float addition", ST_TRAIT_COMMUTATIVE);
ST_ARITH_BINARY(st_arith_subf_def, "arith.subf", "float subtraction", 0);
ST_ARITH_BINARY(st_arith_mulf_def, "arith.mulf", "float multiplication", ST_TRAIT_COMMUTATIVE);
ST_ARITH_BINARY(st_arith_divf_def, "arith.divf", "float division", 0);
ST_ARITH_BINARY(st_arith_maxf_def, "arith.maxf", "float maximum", ST_TRAIT_COMMUTATIVE);
ST_ARITH_BINARY(st_arith_addi_def, "arith.addi", "integer addition (wraps)", ST_TRAIT_COMMUTATIVE);
ST_ARITH_BINARY(st_arith_muli_def, "arith.muli", "integer multiplication (wraps)", ST_TRAIT_COMMUTATIVE);
ST_ARITH_BINARY(st_arith_subi_def, "arith.subi", "integer subtraction (wraps)", 0);
ST_ARITH_BINARY(st_arith_divsi_def, "arith.divsi", "signed integer division (truncates; x / 0 is undefined)", 0);
ST_ARITH_BINARY(st_arith_divui_def, "arith.divui", "unsigned integer division (x / 0 is undefined)", 0);
ST_ARITH_BINARY(st_arith_remsi_def, "arith.remsi", "signed remainder (sign of the dividend, as C's %)", 0);
ST_ARITH_BINARY(st_arith_remui_def, "arith.remui", "unsigned remainder", 0);
ST_ARITH_BINARY(st_arith_shli_def, "arith.shli", "shift left (a shift by the width or more is undefined)", 0);
ST_ARITH_BINARY(st_arith_shrui_def, "arith.shrui", "logical shift right", 0);
ST_ARITH_BINARY(st_arith_andi_def, "arith.andi", "bitwise and (of i1 conditions too)", ST_TRAIT_COMMUTATIVE);
ST_ARITH_BINARY(st_arith_ori_def, "arith.ori", "bitwise or (of i1 conditions too)", ST_TRAIT_COMMUTATIVE);
ST_ARITH_BINARY(st_arith_xori_def, "arith.xori", "bitwise exclusive or (of i1 conditions too)", ST_TRAIT_COMMUTATIVE);

/* ---- comparisons, select, unary math: what lowered graph ops need for
 * relu, padding borders and softmax ---- */

static bool st_in_list(const char *s, const char *const *list) {
  for (; s && *list; list++)
    if (strcmp(s, *list) == 0) return true;
  return false;
}

/* cmpf/cmpi: two operands of one type, an i1 result, a known predicate. */
static bool st_cmp_verify(st_op *op, st_diag *d) {
  static const char *const fpreds[] = {"oeq", "one", "olt", "ole", "ogt", "oge", "ueq", "une", "ult", "ule",
                                       "ugt", "uge", "ord", "uno", NULL};
  static const char *const ipreds[] = {"eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge", NULL};
  bool is_f = op->def == &st_arith_cmpf_def;
  const st_type *t = st_op_operand(op, 0)->type;
  if (st_op_operand(op, 1)->type != t || op->results[0].type->kind != ST_TY_I1) {
    st_diag_error(d, op->loc, "'%s' op expects two operands of one type and an i1 result", op->def->name);
    return false;
  }
  if (is_f ? !st_type_is_float(t) : !(st_type_is_int(t) || t->kind == ST_TY_INDEX)) {
    st_diag_error(d, op->loc, "'%s' op expects %s operands", op->def->name, is_f ? "float" : "integer or index");
    return false;
  }
  if (!st_in_list(st_op_attr_str(op, "predicate"), is_f ? fpreds : ipreds)) {
    st_diag_error(d, op->loc, "'%s' op needs a 'predicate' attribute such as \"%s\"", op->def->name,
                  is_f ? "olt" : "slt");
    return false;
  }
  return true;
}

static bool st_select_verify(st_op *op, st_diag *d) {
  const st_type *t = op->results[0].type;
  if (st_op_operand(op, 0)->type->kind != ST_TY_I1 || st_op_operand(op, 1)->type != t ||
      st_op_operand(op, 2)->type != t) {
    st_diag_error(d, op->loc, "'arith.select' op expects (i1, T, T) -> T");
    return false;
  }
  return true;
}

/* A scalar copied into every lane of a rank-1 vector of its type. */
static bool st_splat_verify(st_op *op, st_diag *d) {
  const st_type *a = st_op_operand(op, 0)->type, *r = op->results[0].type;
  if (!st_type_is_scalar(a) || r->kind != ST_TY_VECTOR || r->u.shaped.rank != 1 || r->u.shaped.elem != a) {
    st_diag_error(d, op->loc, "'arith.splat' op expects T -> vector<NxT>");
    return false;
  }
  return true;
}

static bool st_unary_float_verify(st_op *op, st_diag *d) {
  const st_type *t = op->results[0].type;
  if (st_op_operand(op, 0)->type != t || !st_type_is_float(st_type_elem(t))) {
    st_diag_error(d, op->loc, "'%s' op expects a float operand of the result type", op->def->name);
    return false;
  }
  return true;
}

const st_op_def st_arith_cmpf_def = {
    .name = "arith.cmpf", .summary = "float comparison (attr predicate: olt, ogt, ... as LLVM's fcmp)",
    .num_operands = 2, .num_results = 1, .traits = ST_TRAIT_PURE, .verify = st_cmp_verify,
};
const st_op_def st_arith_cmpi_def = {
    .name = "arith.cmpi", .summary = "integer/index comparison (attr predicate: slt, ult, ... as LLVM's icmp)",
    .num_operands = 2, .num_results = 1, .traits = ST_TRAIT_PURE, .verify = st_cmp_verify,
};
const st_op_def st_arith_select_def = {
    .name = "arith.select", .summary = "cond ? a : b",
    .num_operands = 3, .num_results = 1, .traits = ST_TRAIT_PURE, .verify = st_select_verify,
};
const st_op_def st_arith_splat_def = {
    .name = "arith.splat", .summary = "a rank-1 vector with every lane set to the scalar operand",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE, .verify = st_splat_verify,
};
const st_op_def st_arith_expf_def = {
    .name = "arith.expf", .summary = "e to the power of x",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE | ST_TRAIT_SAME_TYPE,
    .verify = st_unary_float_verify,
};

/* ---- math functions and conversions: what the elementwise graph ops,
 * pooling and normalisation lower to ---- */

/* The functions arith.math knows, with their arity; codegen maps each to an
 * LLVM intrinsic or the C library function of that name. */
static const struct { const char *name; unsigned arity; } st_math_fns[] = {
    {"sqrt", 1},  {"log", 1},   {"exp", 1},   {"expm1", 1}, {"log1p", 1}, {"abs", 1},   {"neg", 1},
    {"floor", 1}, {"ceil", 1},  {"round", 1}, {"erf", 1},   {"sin", 1},   {"cos", 1},   {"tan", 1},
    {"asin", 1},  {"acos", 1},  {"atan", 1},  {"sinh", 1},  {"cosh", 1},  {"tanh", 1},  {"asinh", 1},
    {"acosh", 1}, {"atanh", 1}, {"pow", 2},   {"fmod", 2},  {"log10", 1},
};

bool st_arith_math_arity(const char *fn, unsigned *arity) {
  for (size_t i = 0; fn && i < sizeof st_math_fns / sizeof *st_math_fns; i++)
    if (strcmp(fn, st_math_fns[i].name) == 0) return *arity = st_math_fns[i].arity, true;
  return false;
}

static bool st_math_verify(st_op *op, st_diag *d) {
  const char *fn = st_op_attr_str(op, "fn");
  unsigned arity = 0;
  if (!st_arith_math_arity(fn, &arity) || arity != op->num_operands) {
    st_diag_error(d, op->loc, "'arith.math' op needs a known 'fn' attribute (sqrt, tanh, pow, ...) and its operands");
    return false;
  }
  for (unsigned i = 0; i < op->num_operands; i++)
    if (st_op_operand(op, i)->type != op->results[0].type || !st_type_is_float(st_type_elem(op->results[0].type))) {
      st_diag_error(d, op->loc, "'arith.math' op expects float operands of the result type");
      return false;
    }
  return true;
}

/* Any scalar to any scalar: float widths, float <-> integer (truncating
 * toward zero), integer widths (sign- or zero-extended by the source type). */
static bool st_cast_verify(st_op *op, st_diag *d) {
  const st_type *a = st_op_operand(op, 0)->type, *r = op->results[0].type;
  bool ok_a = st_type_is_float(a) || st_type_is_int(a) || a->kind == ST_TY_INDEX;
  bool ok_r = st_type_is_float(r) || st_type_is_int(r) || r->kind == ST_TY_INDEX;
  if (!ok_a || !ok_r) {
    st_diag_error(d, op->loc, "'arith.cast' op converts between scalar integer and float types");
    return false;
  }
  return true;
}

const st_op_def st_arith_math_def = {
    .name = "arith.math", .summary = "a math function of floats (attr fn: sqrt, log, tanh, erf, pow, ...)",
    .num_operands = ST_VARIADIC, .num_results = 1, .traits = ST_TRAIT_PURE, .verify = st_math_verify,
};
const st_op_def st_arith_cast_def = {
    .name = "arith.cast", .summary = "scalar conversion between integer, index and float types of any width",
    .num_operands = 1, .num_results = 1, .traits = ST_TRAIT_PURE, .verify = st_cast_verify,
};

static const st_op_def *const st_arith_ops[] = {
    &st_arith_constant_def, &st_arith_addf_def, &st_arith_subf_def, &st_arith_mulf_def,
    &st_arith_divf_def,     &st_arith_maxf_def, &st_arith_addi_def, &st_arith_muli_def,
    &st_arith_subi_def,     &st_arith_divsi_def, &st_arith_andi_def, &st_arith_cmpf_def,
    &st_arith_cmpi_def,     &st_arith_select_def, &st_arith_expf_def, &st_arith_ori_def,
    &st_arith_xori_def,     &st_arith_math_def,   &st_arith_cast_def,   &st_arith_divui_def,
    &st_arith_remsi_def,    &st_arith_remui_def,  &st_arith_shli_def,   &st_arith_shrui_def,
    &st_arith_splat_def,
};
static const st_op_group st_arith_group = ST_OP_GROUP(st_arith_ops);
static const st_op_group *const st_arith_groups[] = {&st_arith_group};
const st_dialect st_arith_dialect = {"arith", "scalar and vector arithmetic", st_arith_groups, 1};
