#!/usr/bin/env bash
# Quick start, step 2: every test. Installs its own dependencies (Debian
# packages, and a cached Python test environment), then:
#   1. a release build in build-test/ (build/ stays bootstrap's Release binary): unit tests
#      (ctest), fake-driver self-test, end-to-end tests (pytest), the ground-truth suite among them;
#      the fleet tests (tests/fleet: real Slurm, node_exporter, promtool; Kubernetes offline)
#   2. the packages users install (tools/package.sh): the portable wheels, the .deb
#   3. the libFuzzer targets, for a bounded number of runs each
#   4. an AddressSanitizer + UndefinedBehaviorSanitizer build: the same unit and end-to-end tests
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
jobs=$(nproc)

tools/deps.sh --tests

echo "== ongpu tests: the first run creates cached Python environments under ${ONGPU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ongpu}:"
echo "   the test environment (about 2 GB) and the ground-truth suite's real GPU wheels (about 36 GB, 10 minutes)"
tools/ground-truth-envs.sh

# The Python test environment, cached by the hash of its requirements.
cache=${ONGPU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ongpu}
req_hash=$(sha256sum tests/requirements.txt | cut -c1-12)
venv="$cache/test-venv-$req_hash"
if [ ! -x "$venv/bin/pytest" ]; then
  echo "== creating the Python test environment in $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r tests/requirements.txt
fi

run_suite() {  # run_suite <build dir> <cmake args...>
  local dir=$1; shift
  echo "== build: $dir $*"
  cmake -S . -B "$dir" -DONGPU_TESTS=ON "$@" >/dev/null
  cmake --build "$dir" -j"$jobs" 2>&1 | grep -E "error|warning: " || true
  cmake --build "$dir" -j"$jobs" >/dev/null
  echo "== unit tests: $dir"
  (cd "$dir" && ctest --output-on-failure -j"$jobs")
  # No unit test may skip (tests/skip-allowlist.txt).
  local unit_out
  unit_out=$("$dir/ongpu_unit_tests" --gtest_brief=1 2>&1)
  if grep -q "SKIPPED" <<<"$unit_out"; then
    echo "a unit test was skipped: GoogleTest skips are not allowed (tests/skip-allowlist.txt)" >&2
    exit 1
  fi
  echo "== end-to-end tests: $dir"
  ONGPU_BUILD="$repo/$dir" "$venv/bin/pytest" -q -p no:cacheprovider tests/e2e
}

run_suite build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo

# The fleet integrations against real daemons (Slurm 22.05 with munge,
# node_exporter, promtool) and the Kubernetes manifests offline. Once, against
# the release build: slurmd gives its scripts a clean environment, in which an
# ASan build's report would read as ongpu failing.
echo "== fleet tests"
ONGPU_BUILD="$repo/build-test" "$venv/bin/pytest" -q -p no:cacheprovider tests/fleet

# The tree is clean under clang-format (.clang-format) and the clang-tidy
# checks in .clang-tidy.
echo "== clang-format"
git ls-files 'src/*.cc' 'src/*.h' 'fuzz/*.cc' 'tests/fakes/*.c' 'tests/fakes/*.cc' 'tests/fakes/*.h' 'bench/*.cc' 'tests/compile_fail/*.cc' |
  xargs clang-format --dry-run -Werror
echo "== clang-tidy"
tools/tidy.sh build-test

# What users install: the portable wheels and the .deb, built and checked
# (installed into a fresh venv, the Python API, glibc 2.31, qemu-user for
# aarch64, the end-to-end suite against the wheel's binary).
echo "== packages"
tools/package.sh

echo "== fuzz targets"
fuzz/run.sh build-fuzz

# Under ASan a SIGSEGV would become ASan's report and exit code; the crash
# tests need the signal itself, as a real vendor crash delivers it.
export ASAN_OPTIONS=handle_segv=0:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The ground-truth suite checks the model, which is the same in both builds:
# under the sanitizers it runs the doctor on every real environment and the
# named perturbations, not the wheel-by-wheel removals and the pip fixes
# (those take 5 minutes and were run above). CI stays well under 45 minutes.
export ONGPU_GROUND_TRUTH_QUICK=1
run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DONGPU_SANITIZE=ON
