/* Peak f32 FMA throughput of this machine: each thread runs independent
 * chains of fused multiply-adds on vectors of the widest width the compiler
 * targets (-march=native), enough chains to hide the FMA latency.  The
 * number is the ceiling a compiled model's FLOP rate can be read against. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHAINS 16
#define LANES 16
typedef float vec __attribute__((vector_size(LANES * sizeof(float))));

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

static long iters = 50 * 1000 * 1000;
static float sink;

static void *fma_loop(void *arg) {
  vec acc[CHAINS], a, b;
  for (int l = 0; l < LANES; l++) a[l] = 0.999999f, b[l] = 1e-7f;
  for (int c = 0; c < CHAINS; c++) acc[c] = a * (float)c;
  for (long i = 0; i < iters; i++)
    for (int c = 0; c < CHAINS; c++) acc[c] = acc[c] * a + b; /* contracted to FMA */
  float s = 0;
  for (int c = 0; c < CHAINS; c++) s += acc[c][0];
  *(float *)arg = s;
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  if (threads < 1 || threads > 64) threads = 1;
  pthread_t t[64];
  float out[64];
  fma_loop(out); /* warm up (and settle the clock) */
  double t0 = now();
  for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, fma_loop, &out[i]);
  for (int i = 0; i < threads; i++) pthread_join(t[i], NULL), sink += out[i];
  double s = now() - t0, flops = 2.0 * LANES * CHAINS * (double)iters * threads;
  printf("%.1f\n", flops / s / 1e9);
  return sink == 12345.f;
}
