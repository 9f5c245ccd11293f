#!/bin/sh
# Strata's compiled models against ONNX Runtime, on this machine, in one run.
# Usage: bench/run.sh [-b BUILD_DIR] [-o OUT.md] [-n REPEAT] [-m "model ..."] [-t "1 2"]
# See bench/README.md.  Never a ctest: timings depend on the machine.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${STRATA_BUILD:-/tmp/build-perf}
out=$here/results.md
repeat=20
models="mlp_mnist cnn_small resnet18"
threads="1 2"
while getopts b:o:n:m:t: opt; do
  case $opt in
    b) build=$OPTARG ;; o) out=$OPTARG ;; n) repeat=$OPTARG ;; m) models=$OPTARG ;; t) threads=$OPTARG ;;
    *) sed -n 2,4p "$0"; exit 2 ;;
  esac
done
shared=${STRATA_SHARED:-/work/shared}
work=${BENCH_WORK:-/tmp/strata-bench}
ort=$work/ort
mkdir -p "$work"
strata=$build/bin/strata
[ -x "$strata" ] || { echo "no $strata: build Strata first (cmake -DCMAKE_BUILD_TYPE=Release -B $build)" >&2; exit 1; }

# ONNX Runtime for Node.js, installed once into a scratch copy of the runner.
if [ ! -d "$ort/node_modules/onnxruntime-node" ]; then
  mkdir -p "$ort" && cp "$shared/tools/ort/package.json" "$shared/tools/ort/run.mjs" "$ort/"
  (cd "$ort" && npm install --ignore-scripts >/dev/null 2>&1) || echo "npm install failed: no ONNX Runtime column" >&2
fi
[ -d "$ort/node_modules/onnxruntime-node" ] && have_ort=1 || have_ort=0

# The machine's ceiling: f32 FMA throughput of a register-only loop.
cc -O3 -march=native -ffp-contract=fast -pthread "$here/peak.c" -o "$work/peak"
cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)
ncpu=$(nproc)

tmp=$work/rows.tsv
: > "$tmp"
for m in $models; do
  dir=$shared/models/$m
  "$strata" compile "$dir/model.onnx" -o "$work/$m.so" >/dev/null
  for t in $threads; do
    s=$(STRATA_NUM_THREADS=$t "$strata" run "$work/$m.so" --data "$dir/test_data_set_0" --repeat "$repeat" |
        sed -n 's/^time per run: \([0-9.]*\) ms.*/\1/p')
    o=-
    if [ $have_ort = 1 ]; then
      o=$(cd "$ort" && node run.mjs "$dir" --threads "$t" --iters "$repeat" |
          sed -n 's/.*"median_ms":\([0-9.]*\).*/\1/p')
    fi
    printf '%s\t%s\t%s\t%s\n' "$m" "$t" "$s" "$o" >> "$tmp"
    printf '%s\t%s threads\tstrata %s ms\tort %s ms\n' "$m" "$t" "$s" "$o" >&2
  done
done

{
  echo "# Strata vs ONNX Runtime"
  echo
  echo "$(date -u +%Y-%m-%d) · $cpu · $ncpu cores · Strata build \`$build\` ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt"))"
  for t in $threads; do
    echo "· peak f32 FMA, $t thread(s): $("$work/peak" "$t") GFLOP/s"
  done
  echo
  echo "Median of $repeat runs per cell (\`strata run X.so --repeat $repeat\` with STRATA_NUM_THREADS;"
  echo "\`node run.mjs MODEL --threads T --iters $repeat\`)."
  echo
  echo "| model | threads | strata ms | ORT ms | strata / ORT |"
  echo "|---|---|---|---|---|"
  awk -F'\t' '{ r = ($4 == "-" || $4 == 0) ? "-" : sprintf("%.2f", $3 / $4);
                printf "| %s | %s | %.3f | %s | %s |\n", $1, $2, $3, ($4 == "-" ? "-" : sprintf("%.3f", $4)), r }' "$tmp"
} > "$out"
cat "$out"
