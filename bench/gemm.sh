#!/bin/sh
# GEMM micro benchmark: Strata's f32 Gemm / MatMul lowering in GFLOP/s against this
# machine's peak f32 FMA rate (peak.c), one thread by default.
# Usage: bench/gemm.sh [-b BUILD_DIR] [-B BASE_BUILD_DIR] [-n REPEAT] [-t THREADS]
# Each case is a one-op model (.ir) with random inputs; weights ("const") are a
# splat constant, which the lowering packs like any other.  -B adds a column for
# another build (the same cases compiled by it), e.g. before a change.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${STRATA_BUILD:-/tmp/build-perf}
base=
repeat=20
threads=1
while getopts b:B:n:t: opt; do
  case $opt in
    b) build=$OPTARG ;; B) base=$OPTARG ;; n) repeat=$OPTARG ;; t) threads=$OPTARG ;;
    *) sed -n 2,4p "$0"; exit 2 ;;
  esac
done
work=${BENCH_WORK:-/tmp/strata-bench}/gemm
mkdir -p "$work"
cc -O3 -march=native -ffp-contract=fast -pthread "$here/peak.c" -o "$work/peak"

# case: name, op text, A shape, B shape (empty: constant), result shape, flops
cases="gemv_784x512_const|graph.gemm|1x784|512x784|1x512|transB
gemm_256x512x512_const|graph.gemm|256x512|512x512|256x512|transB
gemm_256x512x512_B|graph.gemm|256x512|512x512|256x512|run
gemm_1024x1024x1024_const|graph.gemm|1024x1024|1024x1024|1024x1024|transB
gemm_256x512x512_Bt|graph.gemm|256x512|512x512|256x512|run,transB
gemv_512x512_B|graph.gemm|1x512|512x512|1x512|run
matmul_8x128x64x128_B|graph.matmul|8x128x64|8x64x128|8x128x128|run"

# A .npy file of random f32 values of shape $1 (AxBxC) at $2.
npy() {
  python3 - "$1" "$2" <<'EOF'
import random, struct, sys
shape = [int(d) for d in sys.argv[1].split('x')]
n = 1
for d in shape: n *= d
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % ''.join('%d, ' % d for d in shape)
hdr += ' ' * ((64 - (10 + len(hdr) + 1) % 64) % 64) + '\n'
random.seed(0)
with open(sys.argv[2], 'wb') as f:
    f.write(b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode())
    f.write(struct.pack('<%df' % n, *[random.uniform(-1, 1) for _ in range(n)]))
EOF
}

# time_ms BUILD NAME ARGS...: compile $work/NAME.ir with BUILD and print the median ms
time_ms() {
  b=$1 n=$2
  shift 2
  "$b/bin/strata" compile "$work/$n.ir" -o "$work/$n.so" >/dev/null
  STRATA_NUM_THREADS=$threads "$b/bin/strata" run "$work/$n.so" "$@" --repeat "$repeat" |
    sed -n 's/^time per run: \([0-9.]*\) ms.*/\1/p'
}

peak=$("$work/peak" "$threads")
echo "peak f32 FMA, $threads thread(s): $peak GFLOP/s; median of $repeat runs"
printf '| case | strata ms | GFLOP/s | %% of peak |%s\n' "${base:+ base ms | speed-up |}"
printf '|---|---|---|---|%s\n' "${base:+---|---|}"
echo "$cases" | while IFS='|' read -r name op ash bsh ysh flags; do
  ta=$(echo "$ash" | tr x ' ') tb=$(echo "$bsh" | tr x ' ')
  t() { echo "tensor<${1}xf32>"; }
  attr=
  case $flags in *transB*) attr=" {transB = 1}" ;; esac
  [ -f "$work/a_$ash.npy" ] || npy "$ash" "$work/a_$ash.npy"
  args="--input a=$work/a_$ash.npy"
  case $flags in
    *run*)
      [ -f "$work/b_$bsh.npy" ] || npy "$bsh" "$work/b_$bsh.npy"
      args="$args --input b=$work/b_$bsh.npy"
      printf 'func.func @main(%%a: %s, %%b: %s) -> %s {\n' "$(t "$ash")" "$(t "$bsh")" "$(t "$ysh")" ;;
    *)
      printf 'func.func @main(%%a: %s) -> %s {\n' "$(t "$ash")" "$(t "$ysh")"
      printf '  %%b = graph.constant dense<0.01> : %s\n' "$(t "$bsh")" ;;
  esac > "$work/$name.ir"
  printf '  %%0 = %s %%a, %%b%s : (%s, %s) -> %s\n  func.return %%0 : %s\n}\n' "$op" "$attr" "$(t "$ash")" \
    "$(t "$bsh")" "$(t "$ysh")" "$(t "$ysh")" >> "$work/$name.ir"
  # flops = 2 * (elements of the result) * K, K = A's last dim
  k=${ash##*x}
  flops=$(echo "$ysh" | awk -F x -v k="$k" '{ p = 2 * k; for (i = 1; i <= NF; i++) p *= $i; print p }')
  # shellcheck disable=SC2086
  ms=$(time_ms "$build" "$name" $args)
  row=$(awk -v f="$flops" -v ms="$ms" -v pk="$peak" 'BEGIN { g = f / ms / 1e6; printf "%.3f | %.1f | %.0f %%", ms, g, 100 * g / pk }')
  if [ -n "$base" ]; then
    # shellcheck disable=SC2086
    bms=$(time_ms "$base" "$name" $args)
    row="$row | $bms | $(awk -v a="$bms" -v b="$ms" 'BEGIN { printf "%.1fx", a / b }')"
  fi
  echo "| $name | $row |"
done
