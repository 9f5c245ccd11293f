#!/bin/sh
# Installs what Strata needs from Debian 12's packages (only what is
# missing), then configures and builds it in ./build.  Used by the README's
# two commands and by CI.  Pass extra CMake options as arguments, e.g.
#   tools/setup.sh -DSTRATA_SANITIZE=ON
set -eu
cd "$(dirname "$0")/.."

PACKAGES="cmake make gcc g++ python3 llvm-16-dev llvm-16-tools libprotobuf-c-dev protobuf-c-compiler libonnx-dev libffi-dev libcriterion-dev"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing$missing"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
fi

BUILD_DIR="${STRATA_BUILD_DIR:-build}"
mkdir -p "$BUILD_DIR"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${STRATA_BUILD_TYPE:-Debug}" "$@" > "$BUILD_DIR/configure.log" 2>&1 ||
  { cat "$BUILD_DIR/configure.log"; exit 1; }
cmake --build "$BUILD_DIR" -j"$(nproc)"
