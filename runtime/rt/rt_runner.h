/* Running a compiled model from the command line: inputs from --data DIR
 * (DIR/input_N.pb) or --input NAME=FILE (.pb or .npy), the outputs compared
 * with DIR/output_N.pb when present (else their first values printed), then
 * --repeat N timed runs, an optional Chrome trace, and output files.
 * `strata run X.so` / `-t host` and the runners `strata compile
 * --emit=exe` links share this, so they print the same report. */
#ifndef ST_RUNTIME_RT_RUNNER_H
#define ST_RUNTIME_RT_RUNNER_H

#include "runtime/rt/rt_backend.h"

enum { ST_RT_RUN_MAX_INPUTS = 64 };

typedef struct st_rt_run_opts {
  const char *data, *out_dir, *trace;
  const char *inputs[ST_RT_RUN_MAX_INPUTS]; /* NAME=FILE */
  unsigned num_inputs;
  int repeat;        /* timed runs after the first (default 10) */
  double rtol, atol; /* default 1e-3, 1e-4 */
  bool npy;          /* also write output_N.npy */
} st_rt_run_opts;

void st_rt_run_opts_init(st_rt_run_opts *o);
/* Takes argv[*i] (and its value, advancing *i) if it is a runner flag:
 * 1 taken, 0 not a runner flag, -1 malformed (e says why). */
int st_rt_run_flag(st_rt_run_opts *o, int argc, char **argv, int *i, st_rt_err *e);
/* Help lines for those flags. */
extern const char st_rt_run_flags_help[];
/* Loads the inputs, runs, reports on stdout, times, traces, writes.  false
 * on an error (in e) or when an output does not match its reference (e
 * says how many). */
bool st_rt_run_model(const st_rt_model *m, const st_rt_run_opts *o, st_rt_err *e);
/* main() of a standalone runner over linked entry points. */
int st_rt_runner_main(int argc, char **argv, const st_rt_host_entry *entry);

#endif
