/* The thread pool compiled models call for their parallel loops.
 *
 * Codegen outlines the outermost profitable loop.parallel of a kernel into
 * a function body(ctx, begin, end) and calls strata_parallel_for(body, ctx,
 * n): the iterations [0, n) are cut into a few contiguous chunks per thread,
 * which the caller and the workers claim from an atomic counter.  Every
 * iteration runs the same code whoever claims it and writes disjoint
 * outputs, so results are bit-identical for any thread count.
 *
 * The pool starts on first use with STRATA_NUM_THREADS threads (default: the
 * online CPUs), caller included.  Workers spin briefly between dispatches
 * (kernels follow each other within microseconds), then sleep on a
 * condition variable.  One dispatch at a time: a call that finds the pool
 * busy (another thread's model, or a nested call) runs its loop inline.
 *
 * This file is plain C11 + POSIX threads with no Strata headers: it is
 * linked into libstrata for the JIT and compiled into every shared library
 * `strata compile` links (with STRATA_PARALLEL_HIDDEN, so each library keeps
 * its own pool and exports nothing). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#ifdef STRATA_PARALLEL_HIDDEN
#define STRATA_PARALLEL_API __attribute__((visibility("hidden")))
#else
#define STRATA_PARALLEL_API
#endif

typedef void (*strata_parallel_body)(void *ctx, int64_t begin, int64_t end);

STRATA_PARALLEL_API void strata_parallel_for(strata_parallel_body body, void *ctx, int64_t n);
STRATA_PARALLEL_API int strata_parallel_num_threads(void);

enum { STRATA_POOL_MAX = 64, STRATA_POOL_SPIN = 20000 };

static struct {
  int threads; /* caller included */
  pthread_t workers[STRATA_POOL_MAX];
  int started;
  pthread_mutex_t mu;
  pthread_cond_t wake;
  atomic_flag busy;
  atomic_uint generation; /* bumped once per dispatch (and to quit) */
  atomic_int quit;
  int sleepers;           /* under mu */
  /* The current dispatch: chunks are claimed from `next`, (count << 32) |
   * index, so a worker that wakes late claims nothing or a chunk of the
   * dispatch it reads; the caller waits for `done` only, never for a
   * descheduled worker. */
  _Atomic(strata_parallel_body) body;
  _Atomic(void *) ctx;
  _Atomic int64_t n;
  _Atomic uint64_t next;
  _Atomic int64_t done;
} strata_pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER, .busy = ATOMIC_FLAG_INIT};

static pthread_once_t strata_pool_once = PTHREAD_ONCE_INIT;

static void strata_pool_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Runs chunks of the current dispatch until none is left. */
static void strata_pool_run_chunks(void) {
  for (;;) {
    uint64_t v = atomic_fetch_add_explicit(&strata_pool.next, 1, memory_order_acq_rel);
    int64_t k = (int64_t)(v & 0xffffffffu), nc = (int64_t)(v >> 32);
    if (k >= nc) return;
    int64_t n = atomic_load_explicit(&strata_pool.n, memory_order_relaxed);
    strata_pool.body(strata_pool.ctx, n * k / nc, n * (k + 1) / nc);
    atomic_fetch_add_explicit(&strata_pool.done, 1, memory_order_release);
  }
}

static void *strata_pool_worker(void *arg) {
  unsigned seen = 0;
  for (;;) {
    unsigned g = atomic_load_explicit(&strata_pool.generation, memory_order_acquire);
    for (int i = 0; g == seen && i < STRATA_POOL_SPIN; i++) {
      strata_pool_pause();
      g = atomic_load_explicit(&strata_pool.generation, memory_order_acquire);
    }
    if (g == seen) {
      pthread_mutex_lock(&strata_pool.mu);
      strata_pool.sleepers++;
      while ((g = atomic_load(&strata_pool.generation)) == seen) pthread_cond_wait(&strata_pool.wake, &strata_pool.mu);
      strata_pool.sleepers--;
      pthread_mutex_unlock(&strata_pool.mu);
    }
    seen = g;
    if (atomic_load(&strata_pool.quit)) return NULL;
    strata_pool_run_chunks();
  }
}

static void strata_pool_start(void) {
  const char *env = getenv("STRATA_NUM_THREADS");
  long t = env && *env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
  if (t < 1) t = 1;
  if (t > STRATA_POOL_MAX) t = STRATA_POOL_MAX;
  strata_pool.threads = 1;
  for (int i = 1; i < t; i++) {
    if (pthread_create(&strata_pool.workers[i], NULL, strata_pool_worker, NULL) != 0) break;
    strata_pool.threads = i + 1;
  }
  strata_pool.started = strata_pool.threads;
}

/* Stops the workers when the library is unloaded or the process exits, so
 * no thread is left waiting inside unmapped code. */
__attribute__((destructor)) static void strata_pool_stop(void) {
  if (strata_pool.started <= 1) return;
  while (atomic_flag_test_and_set(&strata_pool.busy)) sched_yield();
  atomic_store(&strata_pool.quit, 1);
  pthread_mutex_lock(&strata_pool.mu);
  atomic_fetch_add(&strata_pool.generation, 1);
  pthread_cond_broadcast(&strata_pool.wake);
  pthread_mutex_unlock(&strata_pool.mu);
  for (int i = 1; i < strata_pool.started; i++) pthread_join(strata_pool.workers[i], NULL);
  strata_pool.started = strata_pool.threads = 1;
}

int strata_parallel_num_threads(void) {
  pthread_once(&strata_pool_once, strata_pool_start);
  return strata_pool.threads;
}

void strata_parallel_for(strata_parallel_body body, void *ctx, int64_t n) {
  if (n <= 0) return;
  if (n == 1 || strata_parallel_num_threads() == 1 || atomic_flag_test_and_set(&strata_pool.busy)) {
    body(ctx, 0, n);
    return;
  }
  /* A few chunks per thread, so a thread that starts late or runs slowly
   * leaves its share to the others. */
  int64_t nc = n < 4 * strata_pool.threads ? n : 4 * strata_pool.threads;
  strata_pool.body = body;
  strata_pool.ctx = ctx;
  strata_pool.n = n;
  atomic_store(&strata_pool.done, 0);
  atomic_store_explicit(&strata_pool.next, (uint64_t)nc << 32, memory_order_release);
  pthread_mutex_lock(&strata_pool.mu);
  atomic_fetch_add_explicit(&strata_pool.generation, 1, memory_order_release);
  if (strata_pool.sleepers) pthread_cond_broadcast(&strata_pool.wake);
  pthread_mutex_unlock(&strata_pool.mu);
  strata_pool_run_chunks();
  for (int i = 0; atomic_load_explicit(&strata_pool.done, memory_order_acquire) < nc; i++)
    if (i < STRATA_POOL_SPIN) strata_pool_pause();
    else sched_yield();
  atomic_flag_clear(&strata_pool.busy);
}
