#!/usr/bin/env bash
# Installs what building and testing ongpu needs, from Debian's packages.
# Only what is missing is installed; run as root or with sudo available.
#   tools/deps.sh           what building needs (tools/bootstrap.sh)
#   tools/deps.sh --tests   also what the tests need: the packaging tools and the
#                           real daemons of the fleet tests (tests/fleet: Slurm,
#                           munge, node_exporter, promtool). Debian's packages
#                           start no daemon where policy-rc.d forbids it (this
#                           machine kind); on a workstation with systemd they may
#                           start theirs, unconfigured.
set -euo pipefail

packages=(cmake make g++ clang clang-format clang-tidy libcli11-dev nlohmann-json3-dev libfmt-dev libgtest-dev)
if [ "${1:-}" = "--tests" ]; then
  packages+=(dpkg-dev binutils llvm qemu-user
             slurmctld slurmd slurm-client munge prometheus-node-exporter prometheus curl)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then missing+=(python3-venv); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "ongpu: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
