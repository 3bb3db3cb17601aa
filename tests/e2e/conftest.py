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
    if RECORD:
        _record(args, proc)
    return Run(proc)


# ONGPU_E2E_RECORD=FILE appends every output of ongpu() to FILE, one JSON line
# per call, with what varies from run to run (timings, temporary directories,
# process ids) masked: two recordings, before and after a change that must
# not alter any output, compare with tools/compare-outputs.py.
RECORD = os.environ.get("ONGPU_E2E_RECORD")


def _masked(text):
    import re
    text = text.replace(str(BUILD), "BUILD").replace(str(REPO), "REPO")
    text = re.sub(r"pytest-of-[^/]+/pytest-\d+", "PYTEST_TMP", text)
    text = re.sub(r"\d+(\.\d+)? ?(ms|s)\b", "N ms", text)
    text = re.sub(r'"(duration_ms|pid|median_ms|elapsed_ms|gflops|speedup|batch)": [0-9.e+-]+', r'"\1": N', text)
    text = re.sub(r"\d+\.\d{4,}(e-?\d+)?", "F", text)  # measured times
    text = re.sub(r"\d+(\.\d+)?( GFLOP/s|×)", r"N\2", text)
    text = re.sub(r"(\n|^)( *)\d+:\t", r"\1\2PID:\t", text)  # LD_DEBUG's lines
    return text


def _record(args, proc):
    test = os.environ.get("PYTEST_CURRENT_TEST", "?").rsplit(" ", 1)[0]
    line = {"test": test, "args": [_masked(str(a)) for a in args], "rc": proc.returncode,
            "out": _masked(proc.stdout), "err": _masked(proc.stderr)}
    with open(RECORD, "a") as f:
        f.write(json.dumps(line) + "\n")


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


# NVIDIA wheel -> its directory under site-packages/nvidia/ (the wheels' layout).
WHEEL_DIRS = {
    "nvidia-cuda-runtime": "cuda_runtime", "nvidia-cublas": "cublas", "nvidia-cudnn": "cudnn",
    "nvidia-cufft": "cufft", "nvidia-curand": "curand", "nvidia-cusolver": "cusolver",
    "nvidia-cusparse": "cusparse", "nvidia-nccl": "nccl", "nvidia-nvjitlink": "nvjitlink",
    "nvidia-cuda-nvrtc": "cuda_nvrtc", "nvidia-cuda-cupti": "cuda_cupti",
}
WHEEL_LIBS = {"cublas": ["libcublas", "libcublasLt"], "cuda_runtime": ["libcudart"], "cudnn": ["libcudnn"],
              "cufft": ["libcufft"], "curand": ["libcurand"], "cusolver": ["libcusolver"], "cusparse": ["libcusparse"],
              "nccl": ["libnccl"], "nvjitlink": ["libnvJitLink"], "cuda_nvrtc": ["libnvrtc"], "cuda_cupti": ["libcupti"]}


def compile_shared(path, soname, runpath=None, needed=()):
    """A tiny real shared object with the given SONAME, DT_RUNPATH and DT_NEEDED."""
    import shutil as _sh
    cc = _sh.which("cc") or _sh.which("gcc")
    if not cc:
        pytest.skip("no C compiler to build shared objects")
    path.parent.mkdir(parents=True, exist_ok=True)
    src = path.parent / (path.name + ".c")
    src.write_text("int ongpu_test_symbol(void) { return 1; }\n")
    args = [cc, "-shared", "-fPIC", "-o", str(path), str(src), f"-Wl,-soname,{soname}"]
    if runpath:
        args += [f"-Wl,-rpath,{runpath}", "-Wl,--enable-new-dtags"]
    if needed:
        args.append("-Wl,--no-as-needed")  # Debian's default would drop an unused library
    for lib in needed:  # link against a stub of that name so DT_NEEDED records it
        stub = path.parent / f".stub-{lib}"
        if not stub.exists():
            subprocess.run([cc, "-shared", "-fPIC", "-o", str(stub), str(src), f"-Wl,-soname,{lib}"], check=True)
        args += [str(stub)]
    subprocess.run(args, check=True, capture_output=True)
    src.unlink()


def env_with_libraries(tmp_path, fixture, requester=None, skip_wheels=()):
    """Copies a fixture Python environment and gives it real library files:
    each installed NVIDIA wheel's libraries under site-packages/nvidia/<x>/lib,
    and the framework's loader (requester, relative to site-packages) with a
    DT_RUNPATH into them, as the real wheels are laid out."""
    import re
    import shutil as _sh
    dest = tmp_path / fixture
    _sh.copytree(REPO / "tests" / "fixtures" / "python" / fixture, dest, symlinks=True)
    site = dest / "lib" / "python3.11" / "site-packages"
    runpath = []
    up = "../" * (len(pathlib.Path(requester).parts) - 1) if requester else "../"
    for info in site.glob("nvidia_*.dist-info"):
        m = re.match(r"(nvidia_[a-z0-9_]+?)(?:_cu\d+)?-(\d+)\.", info.name)
        name = m.group(1).replace("_", "-")
        if name in skip_wheels or name not in WHEEL_DIRS:
            continue
        d = WHEEL_DIRS[name]
        for stem in WHEEL_LIBS[d]:
            soname = f"{stem}.so.{m.group(2)}"
            compile_shared(site / "nvidia" / d / "lib" / soname, soname)
        runpath.append(f"$ORIGIN/{up}nvidia/{d}/lib")
    if requester:
        compile_shared(site / requester, pathlib.Path(requester).name, runpath=":".join(runpath))
    return dest / "bin" / "python"


# ---------------------------------------------------------------- skips
# A skipped test fails the run unless its reason is in tests/skip-allowlist.txt.
_ALLOWED_SKIPS = [line.split(":", 1)[1].split("|", 1)[0].strip()
                  for line in (REPO / "tests" / "skip-allowlist.txt").read_text().splitlines()
                  if line.startswith("pytest:")]
_unexpected_skips = []


def pytest_runtest_logreport(report):
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    if not any(allowed in reason for allowed in _ALLOWED_SKIPS):
        _unexpected_skips.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session, exitstatus):
    if _unexpected_skips and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter):
    if _unexpected_skips:
        terminalreporter.write_line("skipped for a reason not in tests/skip-allowlist.txt (this fails the run):", red=True)
        for line in _unexpected_skips:
            terminalreporter.write_line("  " + line)
