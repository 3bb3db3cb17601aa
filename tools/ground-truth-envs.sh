#!/usr/bin/env bash
# Installs the ground-truth suite's environments: the real GPU wheels users
# install (tests/ground_truth/envs/*.txt, one virtual environment each), cached
# in $ONGPU_CACHE/gt/<name>-<hash of its file> and made again only when that
# file changes. First run: about 36 GB of disk and 10 minutes on this
# machine kind (measured; docs/ground-truth.md); later runs: nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${ONGPU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ongpu}/gt
mkdir -p "$cache"

todo=()
for req in tests/ground_truth/envs/*.txt; do
  name=$(basename "$req" .txt)
  dir="$cache/$name-$(sha256sum "$req" | cut -c1-12)"
  [ -x "$dir/bin/python" ] && [ -f "$dir/.complete" ] || todo+=("$req")
done
[ ${#todo[@]} -eq 0 ] && exit 0

free_gb=$(df -Pk "$cache" | awk 'NR==2 {print int($4 / 1048576)}')
# About 5 GB per environment (measured: 0.4 to 6.9 GB each, 36 GB for all).
need_gb=$(( ${#todo[@]} * 5 ))
if [ "$free_gb" -lt "$need_gb" ]; then
  echo "ground truth: ${#todo[@]} environment(s) to install need about $need_gb GB under $cache; $free_gb GB are free" >&2
  echo "  (set ONGPU_CACHE to a larger disk)" >&2
  exit 1
fi
echo "== ground truth: installing ${#todo[@]} environment(s) of real GPU wheels into $cache"
echo "   (all eight take about 36 GB and 10 minutes the first time; $free_gb GB free there)"
install_one() {
  local req=$1 name dir start
  name=$(basename "$req" .txt)
  dir="$cache/$name-$(sha256sum "$req" | cut -c1-12)"
  start=$(date +%s)
  rm -rf "$dir"
  python3 -m venv "$dir"
  if ! "$dir/bin/pip" install -q --no-cache-dir --disable-pip-version-check -r "$req" >"$dir.log" 2>&1; then
    echo "ground truth: installing $name failed; see $dir.log" >&2
    return 1
  fi
  touch "$dir/.complete"
  echo "   $name: $(( $(date +%s) - start )) s, $(du -sh "$dir" | cut -f1)"
}
# Two at a time: downloads and unpacking overlap.
status=0
for ((i = 0; i < ${#todo[@]}; i += 2)); do
  install_one "${todo[i]}" & a=$!
  if [ $((i + 1)) -lt ${#todo[@]} ]; then install_one "${todo[i+1]}" & b=$!; wait $b || status=1; fi
  wait $a || status=1
done
exit $status
