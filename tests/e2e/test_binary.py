"""The binary's promise: no run-time dependency beyond glibc, so it runs where
CUDA is missing or broken: the g++ development build on glibc 2.35 (Ubuntu
22.04) and later, the portable build (tools/package.sh) on glibc 2.17 and
later (tests/package/ checks that bound on the wheel's binary)."""
import re
import subprocess

import pytest

from conftest import BUILD

BINARY = BUILD / "ongpu"


def needed():
    out = subprocess.run(["readelf", "-d", str(BINARY)], capture_output=True, text=True, check=True).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", out)


sanitized = any("asan" in lib or "ubsan" in lib for lib in needed())
pytestmark = pytest.mark.skipif(sanitized, reason="a sanitizer build links its runtime")


def test_only_glibc_is_needed():
    # All of glibc, in the libc6 package everywhere; the portable build names
    # libpthread and libdl, which glibc before 2.34 kept apart.
    glibc = {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "ld-linux-x86-64.so.2"}
    assert set(needed()) <= glibc, needed()


def test_no_symbol_newer_than_glibc_2_35():
    out = subprocess.run(["objdump", "-T", str(BINARY)], capture_output=True, text=True, check=True).stdout
    versions = {tuple(int(x) for x in v.split(".")) for v in re.findall(r"GLIBC_(\d+\.\d+(?:\.\d+)?)", out)}
    assert versions and max(versions) <= (2, 35), sorted(versions)[-3:]


def test_nvidia_libraries_are_not_linked():
    assert not [lib for lib in needed() if "cuda" in lib or "nvidia" in lib]
