/* Control flow in the graph dialect: graph.if, graph.loop, graph.scan and
 * their terminator graph.yield (ir/dialects/graph_control.c).
 *
 * Their regions are not isolated: ops inside may use values defined outside
 * the control-flow op (ONNX outer-scope references).  The interpret hooks
 * therefore receive more than the op's operands: whoever calls them (the
 * interpreter, or a region run by another control-flow op) passes the
 * operands followed by the op's captures, the values its regions use from
 * outside, in the order st_graph_region_captures lists them. */
#ifndef ST_IR_DIALECTS_GRAPH_CONTROL_H
#define ST_IR_DIALECTS_GRAPH_CONTROL_H

#include "ir/dialect.h"

extern const st_op_def st_graph_if_def, st_graph_loop_def, st_graph_scan_def, st_graph_yield_def;

/* The values used inside op's regions (at any depth) that are defined
 * outside op, each once, in walk order.  Writes at most `max` into out (out
 * may be NULL with max 0) and returns how many there are. */
unsigned st_graph_region_captures(const st_op *op, st_value **out, unsigned max);

enum { ST_CF_MAX_SCAN = 64 };

/* graph.scan's reading of its attributes and operand types. */
typedef struct st_scan_plan {
  unsigned n, m, k;                  /* states, scan inputs, scan outputs */
  int64_t len;                       /* the sequence length */
  int64_t in_axis[ST_CF_MAX_SCAN], in_rev[ST_CF_MAX_SCAN];
  int64_t out_axis[ST_CF_MAX_SCAN], out_rev[ST_CF_MAX_SCAN];
} st_scan_plan;

/* Fills p for a verified graph.scan (false with a diagnostic otherwise). */
bool st_graph_scan_plan(st_op *op, st_scan_plan *p, st_diag *d);

/* Lower hooks (ir/dialects/graph_lower_control.c). */
bool st_graph_lower_if(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_loop(st_op *op, st_lower_ctx *lc, st_diag *d);
bool st_graph_lower_scan(st_op *op, st_lower_ctx *lc, st_diag *d);

#endif
