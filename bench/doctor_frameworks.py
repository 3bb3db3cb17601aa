#!/usr/bin/env python3
"""`ongpu doctor` with frameworks installed, against the check users run today.

Targets (issue 3): with tensorflow, jax and onnxruntime installed, the doctor
answers for every framework at least 20x faster than
  python -c "import tensorflow as tf; print(tf.config.list_physical_devices('GPU'))"
and within 1.5x of a bare `python -c pass`; both as ratios of medians,
measured side by side.

The user is in the activated virtual environment VENV (VIRTUAL_ENV set, its
bin first on PATH), so the doctor finds that one interpreter, asks it about
itself in a child process, and reads its site-packages. Cases run interleaved,
the starting case rotated each round, after one warm-up round. The TensorFlow
import is slow, so it runs fewer times (--tf-runs).

Usage: bench/doctor_frameworks.py --venv DIR [--runs N] [--tf-runs N] [--build DIR]
Standard library only; exit 0 when the measurement ran.
"""
import argparse
import json
import os
import pathlib
import platform
import statistics
import subprocess
import time

REPO = pathlib.Path(__file__).resolve().parent.parent


def timed(argv, env):
    t = time.perf_counter()
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    return time.perf_counter() - t, p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--venv", required=True)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--tf-runs", type=int, default=5)
    ap.add_argument("--build", default=str(REPO / "build"))
    args = ap.parse_args()
    venv = pathlib.Path(args.venv).resolve()
    py = str(venv / "bin" / "python")
    env = {"PATH": f"{venv}/bin:/usr/bin:/bin", "VIRTUAL_ENV": str(venv), "HOME": os.environ.get("HOME", "/tmp")}
    cases = {
        "doctor": [str(pathlib.Path(args.build) / "ongpu"), "doctor", "--json"],
        "python_pass": [py, "-c", "pass"],
        "tf_check": [py, "-c", "import tensorflow as tf; print(tf.config.list_physical_devices('GPU'))"],
    }
    times = {k: [] for k in cases}
    # The doctor's answer, checked once: every framework is answered for.
    _, p = timed(cases["doctor"], env)
    doc = json.loads(p.stdout)
    answered = sorted(f["framework"] for f in doc["frameworks"])
    for rnd in range(max(args.runs, args.tf_runs) + 1):
        order = list(cases)
        order = order[rnd % 3:] + order[:rnd % 3]
        for k in order:
            if k == "tf_check" and rnd > args.tf_runs:
                continue
            dt, _ = timed(cases[k], env)
            if rnd > 0:  # round 0 warms up
                times[k].append(dt)
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    print(f"machine: {platform.node()} {os.cpu_count()} CPUs, {platform.platform()}, {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"venv: {venv} ({', '.join(answered)} answered by the doctor)")
    print("| case | runs | median ms |")
    print("|---|---:|---:|")
    for k, v in times.items():
        print(f"| {' '.join(cases[k][-2:]) if k != 'doctor' else 'ongpu doctor --json'} | {len(v)} | {med[k]:.1f} |")
    print(f"\nTensorFlow check / doctor: {med['tf_check'] / med['doctor']:.1f}x (target >= 20x)")
    print(f"doctor / python -c pass:   {med['doctor'] / med['python_pass']:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
