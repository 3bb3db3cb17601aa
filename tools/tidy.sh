#!/usr/bin/env bash
# Runs clang-tidy with the checks in .clang-tidy over ongpu's own sources, as
# tools/test.sh does. Usage: tools/tidy.sh BUILD_DIR (a configured build with
# compile_commands.json; GCC's precompiled header flags are dropped, which
# clang cannot read).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: tools/tidy.sh BUILD_DIR}
db=$(mktemp -d "${TMPDIR:-/tmp}/ongpu-tidy.XXXXXX")
trap 'rm -rf "$db"' EXIT
python3 - "$build/compile_commands.json" "$db/compile_commands.json" <<'PY'
import json, re, sys
entries = []
for e in json.load(open(sys.argv[1])):
    if "cmake_pch" in e["file"] or "/_deps/" in e["file"]:
        continue
    cmd = e["command"]
    cmd = re.sub(r"-Xclang -include-pch -Xclang \S+|-Xclang -include -Xclang \S+|-include \S*cmake_pch\S*|-Winvalid-pch", "", cmd)
    e["command"] = cmd
    entries.append(e)
json.dump(entries, open(sys.argv[2], "w"))
PY
files=$(git ls-files 'src/*.cc')
# Quiet when clean; the whole report when not.
if ! run-clang-tidy -quiet -p "$db" -j "$(nproc)" $files >"$db/report.txt" 2>&1; then
  grep -v "^clang-tidy-[0-9]* \|warnings generated\|^Suppressed\|^Use -header-filter" "$db/report.txt" >&2
  echo "clang-tidy found problems (checks: .clang-tidy)" >&2
  exit 1
fi
echo "clang-tidy: $(wc -w <<<"$files") files clean"
