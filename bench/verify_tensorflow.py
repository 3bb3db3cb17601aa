#!/usr/bin/env python3
"""`ongpu verify --framework tensorflow` against the check users write by hand.

Target (issue 4): on a machine without a GPU, the verification takes at most
1.3x the wall time of
  python -c "import tensorflow as tf; print(tf.config.list_physical_devices('GPU'));
             a = tf.random.uniform((1000, 1000)); b = tf.random.uniform((1000, 1000));
             print(tf.matmul(a, b).numpy()[0, 0])"
as a ratio of medians, measured side by side: the proof must not cost much
more than the guess. (ongpu verify also collects the doctor's facts, times a
warm-up and several multiplications, and reads the loaded libraries.)

The user is in the activated virtual environment VENV. Cases run interleaved,
the starting case alternating each round, after one warm-up round.

Usage: bench/verify_tensorflow.py --venv DIR [--runs N] [--build DIR]
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

HAND_CHECK = (
    "import tensorflow as tf; print(tf.config.list_physical_devices('GPU')); "
    "a = tf.random.uniform((1000, 1000)); b = tf.random.uniform((1000, 1000)); "
    "print(tf.matmul(a, b).numpy()[0, 0])"
)


def timed(argv, env):
    t = time.perf_counter()
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    return time.perf_counter() - t, p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--venv", required=True)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--build", default=str(REPO / "build"))
    args = ap.parse_args()
    venv = pathlib.Path(args.venv).resolve()
    py = str(venv / "bin" / "python")
    env = {"PATH": f"{venv}/bin:/usr/bin:/bin", "VIRTUAL_ENV": str(venv), "HOME": os.environ.get("HOME", "/tmp")}
    cases = {
        "verify": [str(pathlib.Path(args.build) / "ongpu"), "verify", "--framework", "tensorflow", "--json"],
        "hand_check": [py, "-c", HAND_CHECK],
        # ongpu verify runs its probe with PYTHONDONTWRITEBYTECODE=1 (it writes
        # nothing); in some environments that alone changes the import time.
        "hand_check_nobytecode": ["env", "PYTHONDONTWRITEBYTECODE=1", py, "-c", HAND_CHECK],
    }
    # The verification's answer, checked once: TensorFlow computed.
    _, p = timed(cases["verify"], env)
    doc = json.loads(p.stdout)
    tf = doc["frameworks"][0]
    cpu = tf["live"]["answer"]["compute"]["cpu"]
    times = {k: [] for k in cases}
    for rnd in range(args.runs + 1):
        order = list(cases)[rnd % len(cases):] + list(cases)[:rnd % len(cases)]
        for k in order:
            dt, _ = timed(cases[k], env)
            if rnd > 0:  # round 0 warms up
                times[k].append(dt)
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    print(f"machine: {platform.node()} {os.cpu_count()} CPUs, {platform.platform()}, {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"venv: {venv}; verify said: {tf['device']}, {tf['live']['answer']['version']}, "
          f"CPU matmul {cpu['median_ms']:.2f} ms median")
    print("| case | runs | median ms |")
    print("|---|---:|---:|")
    print(f"| ongpu verify --framework tensorflow --json | {len(times['verify'])} | {med['verify']:.0f} |")
    print(f"| python -c <import, list GPUs, one 1000x1000 matmul> | {len(times['hand_check'])} | {med['hand_check']:.0f} |")
    print(f"| the same with PYTHONDONTWRITEBYTECODE=1 | {len(times['hand_check_nobytecode'])} | "
          f"{med['hand_check_nobytecode']:.0f} |")
    print(f"\nverify / hand-written check: {med['verify'] / med['hand_check']:.2f}x (target <= 1.3x)")
    print(f"verify / hand-written check with PYTHONDONTWRITEBYTECODE=1: "
          f"{med['verify'] / med['hand_check_nobytecode']:.2f}x")


if __name__ == "__main__":
    main()
