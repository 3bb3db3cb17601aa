#!/usr/bin/env bash
# Unpacks Debian 11's glibc 2.31 (the level of Ubuntu 20.04; RHEL 8 has 2.28)
# for amd64 and arm64 into DIR, once, and prints DIR. An apt state of its own
# (DIR/apt): the machine's apt configuration and package database are not
# touched. The binaries then run as
#   DIR/amd64/lib/x86_64-linux-gnu/ld-2.31.so --library-path DIR/amd64/lib/x86_64-linux-gnu ongpu ...
# Usage: tools/old-glibc.sh DIR
set -euo pipefail
dir=$1
if [ -e "$dir/amd64/lib/x86_64-linux-gnu/ld-2.31.so" ] && [ -e "$dir/arm64/lib/aarch64-linux-gnu/ld-2.31.so" ]; then
  echo "$dir"
  exit 0
fi
rm -rf "$dir" && mkdir -p "$dir/apt/state/lists/partial" "$dir/apt/cache/archives/partial" "$dir/deb"
# The mirror this machine's apt uses, with Debian 11's suite.
mirror=$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null | head -1 | tr -d ' ' || true)
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror:-http://deb.debian.org/debian} bullseye main" >"$dir/apt/sources.list"
touch "$dir/apt/status"
opts=(-o Dir::State="$dir/apt/state" -o Dir::State::status="$dir/apt/status" -o Dir::Cache="$dir/apt/cache"
      -o Dir::Etc::SourceList="$dir/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o APT::Architectures::=arm64
      -o Debug::NoLocking=1 -o APT::Sandbox::User=root
      -o APT::Update::Post-Invoke::= -o APT::Update::Post-Invoke-Success::=)
apt-get "${opts[@]}" -qq update >&2
(cd "$dir/deb" && apt-get "${opts[@]}" -qq download libc6:amd64 libc6:arm64 >&2)
for arch in amd64 arm64; do
  dpkg-deb -x "$dir"/deb/libc6_*_"$arch".deb "$dir/$arch"
done
echo "$dir"
