#!/usr/bin/env python3
"""How long `ongpu summarize` takes for a thousand nodes' doctor documents.

The documents are real: `ongpu doctor --json --no-python` run once per
configuration (the fake vendor libraries' scenarios under the fixture roots,
as the end-to-end tests do), each copy then given a hostname of its own
(gpu0001, gpu0002, ...), the configurations mixed as a fleet might have them
(mostly healthy). Cases, one input each, 1,000 documents:

  jsonl      one compact document per line on stdin (`cat */doctor.jsonl |`)
  files      1,000 files of one pretty-printed document each, named on the
             command line (`srun -o doctor-%N.json`, then `doctor-*.json`)
  srun_l     what `srun -l` prints for 1,000 tasks of pretty-printed documents,
             on stdin: every line labelled, lines over 1024 bytes cut as
             slurmstepd cuts them, the tasks' messages interleaved at random
  broken     as jsonl, with 100 of the documents truncated, invalid, or not
             JSON at all

Each case runs --warmup times untimed, then --runs times timed, the cases
interleaved round by round. Wall time: time.perf_counter around
subprocess.run (spawn to exit, output to /dev/null). Peak memory: GNU time's
%M for one more run of each case (/usr/bin/time, when it is GNU time).

Standard library only. Exit status 0 when the measurement ran.
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests/fixtures/roots"
SCENARIOS = REPO / "tests/fakes/scenarios"

# configuration -> (fixture root, scenario or None, weight)
CONFIGS = {
    "healthy": ("healthy-1gpu", "healthy.conf", 70),
    "healthy-8gpu": ("healthy-8gpu", "healthy-8gpu.conf", 10),
    "driver-mismatch": ("healthy-1gpu", "cuda-init-system-driver-mismatch.conf", 5),
    "nvml-not-loaded": ("healthy-1gpu", "nvml-init-driver-not-loaded.conf", 5),
    "pending-retirement": ("healthy-1gpu", "pending-retirement.conf", 5),
    "no-driver": ("gpu-no-driver", None, 5),
}


def real_documents(build):
    docs = {}
    for name, (root, scenario, _) in CONFIGS.items():
        env = {"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": str(build / "fakes/lib") if scenario else "/nonexistent"}
        if scenario:
            env["ONGPU_FAKE_SCENARIO"] = str(SCENARIOS / scenario)
        p = subprocess.run([str(build / "ongpu"), "doctor", "--json", "--no-python", "--root", str(FIXTURES / root)],
                           env=env, capture_output=True, text=True, timeout=120)
        if p.returncode not in (0, 1, 2):
            sys.exit(f"doctor failed for {name}: {p.stderr}")
        docs[name] = json.loads(p.stdout)
    return docs


def fleet(docs, n, rng):
    names = list(CONFIGS)
    weights = [CONFIGS[c][2] for c in names]
    out = []
    for i in range(1, n + 1):
        d = json.loads(json.dumps(docs[rng.choices(names, weights)[0]]))
        d["facts"]["host"]["hostname"] = f"gpu{i:04d}"
        out.append(d)
    return out


def stepd_messages(out):
    """slurmstepd's messages of one task's output (src/slurmd/slurmstepd/io.c)."""
    msgs = []
    while out:
        nl = out.find(b"\n")
        line = nl + 1 if nl >= 0 else 0
        take = 1024 if line >= 1024 or (line == 0 and len(out) >= 1024) else line or len(out)
        msgs.append(out[:take])
        out = out[take:]
    return msgs


def srun_labelled(outputs, rng):
    msgs = [stepd_messages(o) for o in outputs]
    width = len(str(len(outputs) - 1))
    nxt = [0] * len(msgs)
    live = list(range(len(msgs)))
    parts = []
    while live:
        t = rng.choice(live)
        m = msgs[t][nxt[t]]
        nxt[t] += 1
        if nxt[t] == len(msgs[t]):
            live.remove(t)
        for line in m.splitlines(keepends=True):
            parts.append(b"%*d: " % (width, t) + line + (b"" if line.endswith(b"\n") else b"\n"))
    return b"".join(parts)


def make_cases(docs, work, n, rng):
    nodes = fleet(docs, n, rng)
    cases = {}
    jsonl = work / "fleet.jsonl"
    jsonl.write_text("".join(json.dumps(d) + "\n" for d in nodes))
    cases["jsonl"] = ([], jsonl)
    files = work / "files"
    files.mkdir()
    paths = []
    for d in nodes:
        p = files / f"doctor-{d['facts']['host']['hostname']}.json"
        p.write_text(json.dumps(d, indent=2) + "\n")
        paths.append(str(p))
    cases["files"] = (paths, None)
    srun = work / "srun-l.txt"
    srun.write_bytes(srun_labelled([(json.dumps(d, indent=2) + "\n").encode() for d in nodes], rng))
    cases["srun_l"] = ([], srun)
    lines = [json.dumps(d) for d in nodes]
    for i in rng.sample(range(n), n // 10):
        kind = i % 3
        if kind == 0:
            lines[i] = lines[i][: rng.randrange(10, len(lines[i]) - 10)]
        elif kind == 1:
            lines[i] = lines[i].replace('"schema_version": 1,', '"schema_version": 1', 1)
        else:
            lines[i] = "slurmstepd: error: *** STEP 1.0 ON gpu0001 CANCELLED ***"
    broken = work / "broken.jsonl"
    broken.write_text("\n".join(lines) + "\n")
    cases["broken"] = ([], broken)
    return cases


def run_case(binary, case):
    args, stdin_file = case
    with open(stdin_file, "rb") if stdin_file else open(os.devnull, "rb") as stdin:
        t0 = time.perf_counter()
        p = subprocess.run([str(binary), "summarize", *args], stdin=stdin, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - t0
    if p.returncode not in (0, 1, 2):
        sys.exit(f"summarize failed ({p.returncode}): {p.stderr.decode()[-500:]}")
    return elapsed


def peak_kib(binary, case):
    gnu_time = shutil.which("time") or "/usr/bin/time"
    if not os.path.exists(gnu_time):
        return None
    args, stdin_file = case
    with open(stdin_file, "rb") if stdin_file else open(os.devnull, "rb") as stdin:
        p = subprocess.run([gnu_time, "-f", "%M", str(binary), "summarize", *args], stdin=stdin,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        return int(p.stderr.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=str(REPO / "build-test"), help="build directory (with fakes/)")
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--json", help="also write the results to FILE")
    a = ap.parse_args()
    build = pathlib.Path(a.build).resolve()
    if not (build / "ongpu").exists() or not (build / "fakes/lib").exists():
        print(f"no ongpu with fake vendor libraries in {build}", file=sys.stderr)
        return 2
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory(prefix="ongpu-bench-summarize-") as tmp:
        work = pathlib.Path(tmp)
        binary = work / "ongpu"
        shutil.copy2(build / "ongpu", binary)  # a rebuild midway cannot change it
        cases = make_cases(real_documents(build), work, a.nodes, rng)
        for _ in range(a.warmup):
            for c in cases.values():
                run_case(binary, c)
        times = {name: [] for name in cases}
        order = list(cases)
        for r in range(a.runs):
            for name in order[r % len(order):] + order[: r % len(order)]:
                times[name].append(run_case(binary, cases[name]))
        results = {}
        for name, case in cases.items():
            args, stdin_file = case
            size = stdin_file.stat().st_size if stdin_file else sum(os.path.getsize(p) for p in args)
            ts = times[name]
            results[name] = {"median_ms": statistics.median(ts) * 1000, "min_ms": min(ts) * 1000,
                             "max_ms": max(ts) * 1000, "input_bytes": size,
                             "mb_per_s": size / 1e6 / statistics.median(ts), "peak_kib": peak_kib(binary, case)}
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cpu": cpu, "nproc": os.cpu_count(), "kernel": platform.release(), "load": os.getloadavg()[0],
            "nodes": a.nodes, "runs": a.runs}
    print(f"{meta['date']}, {cpu}, {meta['nproc']} CPUs, Linux {meta['kernel']}, load {meta['load']:.2f}; "
          f"{a.nodes} documents, {a.runs} runs per case")
    print(f"{'case':<8} {'input MB':>9} {'median ms':>10} {'min-max ms':>16} {'MB/s':>7} {'peak MiB':>9}")
    for name, r in results.items():
        peak = f"{r['peak_kib'] / 1024:.1f}" if r["peak_kib"] else "?"
        print(f"{name:<8} {r['input_bytes'] / 1e6:>9.2f} {r['median_ms']:>10.1f} "
              f"{r['min_ms']:>7.1f}-{r['max_ms']:<8.1f} {r['mb_per_s']:>7.0f} {peak:>9}")
    if a.json:
        pathlib.Path(a.json).write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
