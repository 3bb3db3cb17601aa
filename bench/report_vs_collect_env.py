#!/usr/bin/env python3
"""`ongpu report` against what people paste into a PyTorch issue today,
`python -m torch.utils.collect_env`, in the same virtual environment.

Target (issue 14): the report is much faster than collect_env (3.5 s on the
issue's machine) while also saying what is wrong. Both are measured side by
side in the same run, as medians over interleaved rounds (the starting case
rotated each round, after one warm-up round):

  report         ongpu report                  (the user's activated venv)
  report_redact  ongpu report --redact
  collect_env    python -m torch.utils.collect_env
  report_verify  ongpu report --verify         (imports torch and multiplies
                                                matrices: the live proof; fewer runs)

The venv must hold torch (the ground-truth environments of
tools/ground-truth-envs.sh do: ~/.cache/ongpu/gt/torch-2.15). Before timing,
the script checks that the report names the venv's PyTorch with a verdict
and that collect_env ran.

Usage: bench/report_vs_collect_env.py --venv DIR [--runs N] [--verify-runs N]
                                       [--build DIR] [--json FILE]
Standard library only; exit 0 when the measurement ran, 2 when it could not.
"""
import argparse
import json
import os
import pathlib
import platform
import re
import statistics
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parent.parent


def timed(argv, env):
    t = time.perf_counter()
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    return time.perf_counter() - t, p


def cpu_model():
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def percentile(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--venv", required=True)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--verify-runs", type=int, default=3)
    ap.add_argument("--build", default=str(REPO / "build"))
    ap.add_argument("--json", help="also write the raw times here")
    args = ap.parse_args()
    venv = pathlib.Path(args.venv).resolve()
    py = str(venv / "bin" / "python")
    ongpu = str(pathlib.Path(args.build).resolve() / "ongpu")
    if not os.access(ongpu, os.X_OK) or not os.access(py, os.X_OK):
        print(f"cannot run {ongpu} or {py}", file=sys.stderr)
        return 2
    env = {"PATH": f"{venv}/bin:/usr/bin:/bin", "VIRTUAL_ENV": str(venv), "HOME": os.environ.get("HOME", "/tmp")}
    cases = {
        "report": [ongpu, "report"],
        "report_redact": [ongpu, "report", "--redact"],
        "collect_env": [py, "-m", "torch.utils.collect_env"],
        "report_verify": [ongpu, "report", "--verify"],
    }
    # What each gives, checked once.
    _, p = timed(cases["report"], env)
    text = p.stdout.decode()
    row = re.search(r"^\| [✓✗?] \| PyTorch (\S+) .*\| (GPU|CPU|unknown) \| (.*) \|$", text, re.M)
    if not row:
        print("the report names no PyTorch verdict:\n" + text[:3000], file=sys.stderr)
        return 2
    _, p = timed(cases["collect_env"], env)
    if p.returncode != 0 or b"PyTorch version" not in p.stdout:
        print("collect_env did not run", file=sys.stderr)
        return 2
    times = {k: [] for k in cases}
    rounds = max(args.runs, args.verify_runs) + 1
    for rnd in range(rounds):
        order = list(cases)
        order = order[rnd % len(order):] + order[:rnd % len(order)]
        for k in order:
            if k == "report_verify" and rnd > args.verify_runs:
                continue
            if k != "report_verify" and rnd > args.runs:
                continue
            dt, _ = timed(cases[k], env)
            if rnd > 0:  # round 0 warms up
                times[k].append(dt)
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    load = os.getloadavg()[0]
    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs, {platform.platform()}, load {load:.1f}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"venv: {venv}; the report says: PyTorch {row.group(1)} on the {row.group(2)}: {row.group(3)}")
    print("| case | runs | median ms | p10 ms | p90 ms |")
    print("|---|---:|---:|---:|---:|")
    for k, v in times.items():
        print(f"| `{' '.join(pathlib.Path(cases[k][0]).name if i == 0 else a for i, a in enumerate(cases[k]))}` "
              f"| {len(v)} | {med[k]:.1f} | {percentile(v, 0.1) * 1000:.1f} | {percentile(v, 0.9) * 1000:.1f} |")
    print(f"\ncollect_env / report:        {med['collect_env'] / med['report']:.1f}x")
    print(f"collect_env / report --redact: {med['collect_env'] / med['report_redact']:.1f}x")
    print(f"collect_env / report --verify: {med['collect_env'] / med['report_verify']:.2f}x")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"times_s": times, "median_ms": med}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
