#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each one briefly over a
# copy of its seed corpus (fuzz/corpus/ is never written to).
#
#   fuzz/run.sh [BUILD_DIR]      BUILD_DIR defaults to build-fuzz in the repository
#   FUZZ_RUNS=N                  inputs per target (default 20000); each target
#                                also stops after FUZZ_MAX_TIME seconds (default 20)
#
# Prints one line per target and ends with "N passed, M failed"; exits 1 if
# any target crashed or failed to run. Crashing inputs are kept under
# BUILD_DIR/fuzz-artifacts/.
set -u

fuzz_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src_dir=$(dirname "$fuzz_dir")
build_dir=${1:-$src_dir/build-fuzz}
runs=${FUZZ_RUNS:-20000}
max_time=${FUZZ_MAX_TIME:-20}
targets=(nvidia_version proc_modules sysfs visible_devices facts_json sanitize_text python_metadata elf ld_cache verify_output markdown summarize_input)

work=$(mktemp -d "${TMPDIR:-/tmp}/ongpu-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

if ! CC=clang CXX=clang++ cmake -S "$src_dir" -B "$build_dir" -DONGPU_FUZZ=ON -DONGPU_TESTS=OFF \
    >"$work/configure.log" 2>&1; then
  cat "$work/configure.log" >&2
  echo "configure failed" >&2
  exit 1
fi
if ! cmake --build "$build_dir" -j2 --target "${targets[@]/#/fuzz_}" >"$work/build.log" 2>&1; then
  tail -n 60 "$work/build.log" >&2
  echo "build failed" >&2
  exit 1
fi

artifacts="$build_dir/fuzz-artifacts"
mkdir -p "$artifacts"
# Stack traces for UBSan reports too; leaks count as failures (ASan's default).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

passed=0
failed=0
for t in "${targets[@]}"; do
  corpus="$work/corpus-$t"
  cp -R "$fuzz_dir/corpus/$t" "$corpus"
  log="$work/$t.log"
  start=$SECONDS
  "$build_dir/fuzz/fuzz_$t" -runs="$runs" -max_total_time="$max_time" -timeout=10 \
      -artifact_prefix="$artifacts/$t-" "$corpus" >"$log" 2>&1
  rc=$?
  done_line=$(grep -E '^Done [0-9]+ runs' "$log" | tail -n 1)
  if [[ $rc -eq 0 ]]; then
    passed=$((passed + 1))
    echo "ok    fuzz_$t: ${done_line:-done} ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1))
    echo "FAIL  fuzz_$t: exit $rc after $((SECONDS - start)) s; crashing input under $artifacts/"
    # The report, without libFuzzer's and libc's own frames.
    sed -n '/^fuzz: \|^==[0-9]*==ERROR\|runtime error\|uncaught exception/,$p' "$log" |
      grep -v -E 'in fuzzer::|in __sanitizer|libc\.so|in __libc|in _start|in main |in raise |in abort |pthread_kill|rudimentary signal|Combine libFuzzer|^$' |
      head -n 40 | sed 's/^/      /'
  fi
done

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
