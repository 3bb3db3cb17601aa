#!/usr/bin/env python3
"""The installed package against the development build and against Python.

Targets (issue 13), as ratios of medians measured side by side in one run:
  1. the start-up goal holds for the wheel's binary: `ongpu doctor --json
     --no-python` takes at most half of a bare `python3 -c pass`
     (wheel_doctor / python_pass <= 0.5), as it does for the g++ build;
  2. `ongpu.require_gpu()` costs at most the doctor's own time for one
     interpreter plus Python's import of the module
     (api_require_gpu <= wheel_doctor_python + api_import).

Cases, one of each per round, the starting case rotated every round, after
warm-up rounds:

  python_pass          python3 -c pass (the venv's interpreter)
  gpp_doctor           build/ongpu doctor --json --no-python      (g++ 12, glibc 2.35)
  wheel_doctor         <venv>/bin/ongpu doctor --json --no-python (zig, glibc 2.17)
  gpp_doctor_python    build/ongpu doctor --json --python <venv python> --python-only
  wheel_doctor_python  <venv>/bin/ongpu doctor --json --python <venv python> --python-only
  wheel_doctor_answered  the same with --python-answer FILE: the interpreter's
                       answer about itself read from FILE (the venv's
                       python wrote it once, in process, before the rounds),
                       no second interpreter: the doctor require_gpu() runs
  api_import           <venv python> -c "import ongpu, ongpu._locate,
                       ongpu._query, json, subprocess": the module, its
                       submodules and the two standard modules it imports on
                       its first call (lazily, so that a bare `import ongpu`
                       costs nothing more)
  api_require_gpu      <venv python> -c "import ongpu; ongpu.require_gpu('torch')"
                       (raises here: torch is not installed, no GPU; the
                       doctor runs all the same, with the interpreter's own
                       answer about itself instead of a second interpreter)

Wall time: time.perf_counter around subprocess.run. Needs build/ (tools/bootstrap.sh)
and build-pack/venv (tools/package.sh). Standard library only. Exit 0 when it
ran (target met or not), 2 when it could not run.
"""
import argparse
import json
import os
import pathlib
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--build", default=str(REPO / "build"))
    ap.add_argument("--venv", default=str(REPO / "build-pack" / "venv"))
    ap.add_argument("--json", help="also write the raw numbers here")
    a = ap.parse_args()
    gpp = pathlib.Path(a.build) / "ongpu"
    venv = pathlib.Path(a.venv)
    wheel, py = venv / "bin" / "ongpu", venv / "bin" / "python"
    for p in (gpp, wheel, py):
        if not p.exists():
            print(f"missing {p}: run tools/bootstrap.sh and tools/package.sh first", file=sys.stderr)
            return 2
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "VIRTUAL_ENV", "CONDA_PREFIX",
                        "ONGPU_FAKE_SCENARIO", "ONGPU_BINARY", "PYTHONPATH")}
    env["PATH"] = "/usr/bin:/bin"
    answer = pathlib.Path(tempfile.mkdtemp(prefix="ongpu-bench-")) / "answer.txt"
    answer.write_bytes(subprocess.run(
        [str(py), "-c", "import sys; from ongpu._query import answer; sys.stdout.write(answer(in_process=True))"],
        env=env, capture_output=True, check=True).stdout)
    require = ("import ongpu\ntry:\n    ongpu.require_gpu('torch')\n"
               "except ongpu.GPUUnavailableError:\n    pass\n")
    cases = {
        "python_pass": [py, "-c", "pass"],
        "gpp_doctor": [gpp, "doctor", "--json", "--no-python"],
        "wheel_doctor": [wheel, "doctor", "--json", "--no-python"],
        "gpp_doctor_python": [gpp, "doctor", "--json", "--python", py, "--python-only"],
        "wheel_doctor_python": [wheel, "doctor", "--json", "--python", py, "--python-only"],
        "wheel_doctor_answered": [wheel, "doctor", "--json", "--python", py, "--python-only", "--python-answer",
                                  answer],
        "api_import": [py, "-c", "import ongpu, ongpu._locate, ongpu._query, json, subprocess"],
        "api_require_gpu": [py, "-c", require],
    }
    names = list(cases)
    times = {n: [] for n in names}
    for r in range(a.warmup + a.runs):
        order = names[r % len(names):] + names[:r % len(names)]
        for n in order:
            t0 = time.perf_counter()
            p = subprocess.run([str(x) for x in cases[n]], env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            dt = (time.perf_counter() - t0) * 1000
            if p.returncode not in (0, 2):
                print(f"{n} exited {p.returncode}", file=sys.stderr)
                return 2
            if r >= a.warmup:
                times[n].append(dt)
    med = {n: statistics.median(v) for n, v in times.items()}
    q = {n: statistics.quantiles(v, n=10) for n, v in times.items()}
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.2f}; {a.runs} runs after {a.warmup} warm-up rounds")
    print(f"{'case':<24}{'median ms':>10}{'p10':>8}{'p90':>8}")
    for n in names:
        print(f"{n:<24}{med[n]:>10.2f}{q[n][0]:>8.2f}{q[n][-1]:>8.2f}")
    r1 = med["wheel_doctor"] / med["python_pass"]
    r1g = med["gpp_doctor"] / med["python_pass"]
    budget = med["wheel_doctor_python"] + med["api_import"]
    print(f"1. wheel_doctor / python_pass = {r1:.3f} (g++: {r1g:.3f}); target <= 0.5: "
          f"{'met' if r1 <= 0.5 else 'missed'}")
    print(f"   wheel / g++, doctor --no-python = {med['wheel_doctor'] / med['gpp_doctor']:.3f}; "
          f"with one interpreter = {med['wheel_doctor_python'] / med['gpp_doctor_python']:.3f}")
    print(f"2. api_require_gpu = {med['api_require_gpu']:.2f} ms against wheel_doctor_python + api_import "
          f"= {budget:.2f} ms (ratio {med['api_require_gpu'] / budget:.3f}); target <= 1: "
          f"{'met' if med['api_require_gpu'] <= budget else 'missed'}")
    own = med["wheel_doctor_answered"] + med["api_import"]
    print(f"3. the API's own cost: api_require_gpu - (wheel_doctor_answered + api_import) = "
          f"{med['api_require_gpu'] - own:.2f} ms (the doctor it runs: wheel_doctor_answered = "
          f"{med['wheel_doctor_answered']:.2f} ms, against {med['wheel_doctor_python']:.2f} ms asking a child)")
    shutil.rmtree(answer.parent, ignore_errors=True)
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps({"times_ms": times, "median_ms": med}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
