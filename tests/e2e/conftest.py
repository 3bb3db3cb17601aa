"""End-to-end tests of the built ongpu binary.

ONGPU_BUILD names the build directory (default: build/ in the repository):
the binary is $ONGPU_BUILD/ongpu and the fake vendor libraries are under
$ONGPU_BUILD/fakes/ (tests/fakes/README.md).
"""
import json
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("ONGPU_BUILD", REPO / "build")).resolve()
FIXTURES = REPO / "tests" / "fixtures" / "roots"
SCENARIOS = REPO / "tests" / "fakes" / "scenarios"
FAKE_LIB = BUILD / "fakes" / "lib"
FAKE_LIB_VERSIONED = BUILD / "fakes" / "lib-versioned"

# Variables that would change what the doctor sees; tests set them explicitly.
_SCRUB = ("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "NVIDIA_VISIBLE_DEVICES", "LD_LIBRARY_PATH",
          "ONGPU_FAKE_SCENARIO", "CUDA_INJECTION64_PATH", "CUDA_LAUNCH_BLOCKING", "NO_COLOR")


class Run:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json(self):
        return json.loads(self.out)

    def ids(self):
        return [f["id"] for f in self.json()["findings"]]


def ongpu(*args, env=None, scenario=None, lib=FAKE_LIB, timeout=60):
    """Runs the binary. scenario: a file name in tests/fakes/scenarios, which
    puts the fake vendor libraries on LD_LIBRARY_PATH."""
    e = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    if scenario is not None:
        e["LD_LIBRARY_PATH"] = str(lib)
        e["ONGPU_FAKE_SCENARIO"] = str(SCENARIOS / scenario)
    # Python environments found on PATH are part of the doctor's answer: keep
    # them to the system's python3 unless a test names its own.
    e["PATH"] = "/usr/bin:/bin"
    e.pop("VIRTUAL_ENV", None)
    e.pop("CONDA_PREFIX", None)
    if env:
        e.update(env)
    proc = subprocess.run([str(BUILD / "ongpu"), *args], env=e, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    return Run(proc)


def doctor(*args, root=None, **kw):
    a = ["doctor", "--json", *args]
    if root:
        a += ["--root", str(FIXTURES / root)]
    return ongpu(*a, **kw)


@pytest.fixture(scope="session", autouse=True)
def built():
    if not (BUILD / "ongpu").exists():
        pytest.fail(f"no ongpu binary in {BUILD}: build first (tools/test.sh does)")
    if not (FAKE_LIB / "libcuda.so.1").exists():
        pytest.fail(f"no fake vendor libraries in {FAKE_LIB}")
