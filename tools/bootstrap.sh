#!/usr/bin/env bash
# Quick start, step 1: install the build dependencies, build ongpu, and run
# `ongpu doctor` on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DONGPU_TESTS=OFF >/dev/null
cmake --build build --target ongpu -j"$(nproc)"
echo
echo "Built build/ongpu. Running: build/ongpu doctor"
echo
set +e
build/ongpu doctor
rc=$?
set -e
echo
case $rc in
  0) echo "ongpu doctor exited 0: a GPU is usable by CUDA." ;;
  1) echo "ongpu doctor exited 1: a GPU is usable, with warnings (see above)." ;;
  2) echo "ongpu doctor exited 2: no GPU is usable by CUDA here (see above for why)." ;;
  *) echo "ongpu doctor exited $rc."; exit "$rc" ;;
esac
