/* The verifier: checks the structural rules of the IR (arity, terminators,
 * values defined before use, isolation) and each op's own rules (its verify
 * hook, and that its result types agree with its infer-types hook).  Every
 * error names the op and its location. */
#ifndef ST_IR_VERIFY_H
#define ST_IR_VERIFY_H

#include "ir/ir.h"

/* Verifies op and everything nested in it; false after diagnostics. */
bool st_verify_op(st_context *ctx, st_op *op, st_diag *d);
bool st_verify_module(st_module *m, st_diag *d);

#endif
