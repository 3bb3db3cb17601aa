#!/usr/bin/env python3
"""What `ongpu run` costs the command it watches, and whether it keeps up with a big tree.

Targets (issue 12), at the default interval (1 s):

  overhead  a CPU-bound command of about 60 s takes at most 1 % more wall time
            and at most 1 % more CPU under `ongpu run` than bare, as ratios of
            medians measured side by side in the same run;
  tree      with 1,000 processes in the command's tree, sampling still fits in
            the interval: ongpu's own CPU per sample is below the interval, and
            NVML's samples keep their cadence.

Overhead cases, run interleaved (one of each per round, the starting case moved
along by one every round), after a calibration that sizes the busy loop:

  bare        python3 -c <busy loop of a fixed number of iterations>
  run_nvml    ongpu run --report F -- the same, with the fake NVML on
              LD_LIBRARY_PATH (a scenario with a context registry), so that the
              watcher child loads NVML and samples every interval
  run_nonvml  ongpu run --report F -- the same, LD_LIBRARY_PATH=/nonexistent: NVML
              does not load, only the process tree is sampled

The busy loop does a fixed amount of work, so wall time under ongpu grows only
by what ongpu takes from it (CPU it competes for, its start and its end: the
doctor it asks when no GPU was used). Per run:

  wall        time.perf_counter from spawn to the end, seen through a pidfd
              (the script polls /proc meanwhile, in every case alike)
  cpu         user + system of the whole tree, from os.wait4's rusage: the
              process and every descendant it reaped (for ongpu: itself, the
              command, the NVML watcher, the doctor's probe children)
  ongpu_self  ongpu's own CPU (its threads, not its children), from
              /proc/PID/task/*/schedstat polled every second (the last reading
              before it ended), or `sampling_cpu_s` from the report when the
              report has that field
  watcher     the NVML watcher child's CPU, polled the same way
  tail        ongpu's wall time minus the report's wall_s: from the command's
              end to ongpu's (draining stderr, the doctor, writing the report)

Besides the ratios of medians (the target), each round's ratio to the same
round's bare run (median over rounds), and ongpu's cost measured apart from
the command, which the machine's run-to-run noise does not blur: the tree's
CPU beyond the command's own (the loop prints its process_time()), and the
wall time beyond the loop's own, each less what the bare command has there.

Tree case: python3 forks 999 children that sleep (1,000 processes with the
parent), under `ongpu run --report F` with the fake NVML. ongpu's own CPU rate
is taken from the same polls between 30 % and 90 % of the run (all children
forked, none ended yet); its CPU per sample is that rate times the interval.
From the report: NVML's `samples` against wall_s / interval, how many of the
1,000 processes were seen, and how late each child was last seen.

Standard library only. Exit status 0 when the measurement ran (whether or not
the targets are met); 2 when it could not run.
"""
import argparse
import datetime
import hashlib
import json
import os
import pathlib
import platform
import select
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
TARGET_WALL = 0.01
TARGET_CPU = 0.01
# What would change what ongpu or the command sees; every case starts without them.
SCRUB = ("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "NVIDIA_VISIBLE_DEVICES", "LD_LIBRARY_PATH",
         "ONGPU_FAKE_SCENARIO", "LD_PRELOAD", "NO_COLOR")
CLK_TCK = os.sysconf("SC_CLK_TCK")

# The busy loop says what it cost itself: its own CPU (the whole process,
# start-up included) and the loop's wall time.
BUSY = """import json, sys, time
n = int(sys.argv[1])
t0 = time.perf_counter()
x = 0
for i in range(n):
    x += i * i
print(json.dumps({"loop_wall_s": time.perf_counter() - t0, "own_cpu_s": time.process_time()}))
"""
TREE = """import os, sys, time
n, secs = int(sys.argv[1]), float(sys.argv[2])
kids = []
for _ in range(n - 1):
    pid = os.fork()
    if pid == 0:
        time.sleep(secs)
        os._exit(0)
    kids.append(pid)
for p in kids:
    os.waitpid(p, 0)
"""


def fail(message):
    print(f"run_overhead: {message}", file=sys.stderr)
    sys.exit(2)


def proc_cpu_s(pid):
    """CPU time of one process so far (all its threads, not its children), or
    None when it is gone: the nanoseconds of /proc/PID/task/*/schedstat, else
    utime + stime of /proc/PID/stat (10 ms ticks)."""
    total, seen = 0, False
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
                seen = True
    except (OSError, ValueError, IndexError):
        seen = False
    if seen:
        return total / 1e9
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2:].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")
    except OSError:
        return []


def run_watched(argv, env, poll_s=1.0):
    """Runs argv to its end, polling /proc every poll_s while it runs. The end
    is seen at once (a pidfd), not at the next poll. Returns a dict with
    wall_s, cpu_s (the tree, from wait4), rc, and the polls: (t, own CPU,
    watcher CPU)."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        pidfd = os.pidfd_open(proc.pid)
        polls = []
        watcher = None
        try:
            while not select.select([pidfd], [], [], poll_s)[0]:
                t = time.perf_counter() - t0
                if watcher is None:
                    for c in children(proc.pid):
                        if b"nvml-watch" in cmdline(c):
                            watcher = c
                own = proc_cpu_s(proc.pid)
                w = proc_cpu_s(watcher) if watcher else None
                if own is not None:
                    polls.append((t, own, w))
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - t0
        finally:
            os.close(pidfd)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        out.seek(0)
        said = None
        for line in out.read().decode(errors="replace").splitlines():
            try:
                said = json.loads(line)
            except ValueError:
                pass
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "rc": proc.returncode,
            "polls": polls, "stderr_tail": stderr[-400:], "command": said}


def run_fast(argv, env):
    """wall and tree CPU of a run, without polling (calibration)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "rc": proc.returncode}


def read_report(path):
    try:
        return json.loads(pathlib.Path(path).read_text())
    except (OSError, ValueError):
        return None


def sha256_12(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]


def machine_info(ongpu, python):
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    version = subprocess.run([ongpu, "version"], capture_output=True, text=True).stdout.strip()
    build_type = ""
    cache = pathlib.Path(ongpu).parent / "CMakeCache.txt"
    if cache.exists():
        for line in cache.read_text().splitlines():
            if line.startswith("CMAKE_BUILD_TYPE:"):
                build_type = line.split("=", 1)[1]
    os_name = ""
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "kernel": platform.release(),
        "os": os_name,
        "loadavg_1m_before": os.getloadavg()[0],
        "python": python,
        "python_version": platform.python_version(),
        "ongpu": ongpu,
        "ongpu_version": version,
        "ongpu_build_type": build_type,
        "ongpu_sha256": sha256_12(ongpu),
        "ongpu_mtime": datetime.datetime.fromtimestamp(
            os.path.getmtime(ongpu), datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def calibrate(python, env, seconds):
    """Iterations of BUSY that take `seconds` here (median of three timings)."""
    probe = 2_000_000
    while True:
        r = run_fast([python, "-c", BUSY, str(probe)], env)
        if r["wall_s"] >= 0.5:
            break
        probe *= 4
    rates = [probe / r["wall_s"]]
    for _ in range(2):
        rates.append(probe / run_fast([python, "-c", BUSY, str(probe)], env)["wall_s"])
    return int(statistics.median(rates) * seconds)


def cpu_rate(polls, t_from, t_to, index):
    """CPU seconds per second of one polled series between two times."""
    inside = [(p[0], p[index]) for p in polls if t_from <= p[0] <= t_to and p[index] is not None]
    if len(inside) < 2:
        return None
    (ta, ca), (tb, cb) = inside[0], inside[-1]
    return (cb - ca) / (tb - ta) if tb > ta else None


def overhead(args, ongpu, python, envs, tmp):
    iters = calibrate(python, envs["bare"], args.seconds)
    busy = [python, "-c", BUSY, str(iters)]
    interval = [] if args.interval is None else ["--interval", str(args.interval)]
    keys = ["bare", "run_nvml", "run_nonvml"]
    runs = {k: [] for k in keys}
    for i in range(args.reps):
        for j in range(len(keys)):
            key = keys[(i + j) % len(keys)]
            if key == "bare":
                # Polled like the others, so that the script's own polling
                # costs every case alike.
                r = run_watched(busy, envs["bare"])
            else:
                report = tmp / f"{key}-{i}.json"
                argv = [ongpu, "run", *interval, "--report", str(report), "--", *busy]
                r = run_watched(argv, envs[key])
                doc = read_report(report)
                r["report"] = {k: doc.get(k) for k in ("wall_s", "samples", "sampling_cpu_s",
                                                        "sample_interval_s", "gpu_use_observed",
                                                        "exit_code")} if doc else None
                r["argv"] = argv
            r["round"] = i
            print(f"  round {i + 1}/{args.reps} {key}: wall {r['wall_s']:.3f} s, "
                  f"cpu {r['cpu_s']:.3f} s", file=sys.stderr, flush=True)
            runs[key].append(r)
    return iters, runs


def tree(args, ongpu, python, env, tmp):
    interval = [] if args.interval is None else ["--interval", str(args.interval)]
    out = []
    for i in range(args.tree_reps):
        report = tmp / f"tree-{i}.json"
        argv = [ongpu, "run", *interval, "--report", str(report), "--", python, "-c", TREE,
                str(args.tree), str(args.tree_seconds)]
        # At least 20 polls over the run, for the CPU rate.
        r = run_watched(argv, env, poll_s=min(1.0, max(0.1, args.tree_seconds / 20)))
        doc = read_report(report) or {}
        r["argv"] = argv
        wall_s = doc.get("wall_s") or r["wall_s"]
        step = doc.get("sample_interval_s") or 1.0
        kids = [p for p in doc.get("processes", []) if p.get("command", "").endswith(
            f" {args.tree} {args.tree_seconds}") and p.get("pid")]
        # The children end between tree_seconds and tree_seconds + the time
        # the forks took: the earliest last sighting shows whether any child
        # dropped out of the samples long before its end.
        last_seen = sorted(p["last_seen_s"] for p in kids)
        r["report"] = {
            "wall_s": wall_s,
            "samples": doc.get("samples"),
            "expected_samples": int(wall_s / step) + 1,
            "sampling_cpu_s": doc.get("sampling_cpu_s"),
            "processes": len(doc.get("processes", [])),
            "tree_processes": len(kids),
            "earliest_last_seen_s": last_seen[0] if last_seen else None,
            "sample_interval_s": step,
        }
        r["own_cpu_rate"] = cpu_rate(r["polls"], 0.3 * r["wall_s"], 0.9 * r["wall_s"], 1)
        r["watcher_cpu_rate"] = cpu_rate(r["polls"], 0.3 * r["wall_s"], 0.9 * r["wall_s"], 2)
        print(f"  tree {i + 1}/{args.tree_reps}: wall {r['wall_s']:.2f} s, "
              f"ongpu {f3(r['own_cpu_rate'])} CPU s per s", file=sys.stderr, flush=True)
        out.append(r)
    return out


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def f3(v, unit=""):
    return "n/a" if v is None else f"{v:.3f}{unit}"


def report_text(info, args, iters, runs, trees):
    lines = []
    lines.append(f"Machine: {info['cpu_model']}, nproc {info['nproc']}, {info['os']}, kernel "
                 f"{info['kernel']}, {info['date']}, load average {info['loadavg_1m_before']:.2f} "
                 f"before / {os.getloadavg()[0]:.2f} after")
    lines.append(f"{info['ongpu_version']} ({info['ongpu_build_type'] or 'build type unknown'}, "
                 f"binary of {info['ongpu_mtime']}, sha256 {info['ongpu_sha256']}…), "
                 f"python {info['python_version']} "
                 f"({info['python']})")
    interval = "default (1 s)" if args.interval is None else f"{args.interval} s"
    results = {}
    if runs:
        lines.append("")
        lines.append(f"Overhead: busy loop of {iters:,} iterations (about {args.seconds:g} s here), "
                     f"{args.reps} interleaved rounds, interval {interval}")
        lines.append("")
        lines.append("| case | median wall s (min–max) | median tree CPU s (min–max) | wall / bare | "
                     "CPU / bare | command's own CPU s | tree CPU − command's s | "
                     "wall − loop s | ongpu's own CPU s | watcher CPU s | tail s | NVML samples | "
                     "exit codes |")
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
                     "---: | --- |")
        bare = runs["bare"]
        bare_wall = med(r["wall_s"] for r in bare)
        bare_cpu = med(r["cpu_s"] for r in bare)
        bare_extra_wall = med(r["wall_s"] - r["command"]["loop_wall_s"] for r in bare
                              if r["command"])
        bare_extra_cpu = med(r["cpu_s"] - r["command"]["own_cpu_s"] for r in bare
                             if r["command"])
        for key, rs in runs.items():
            wall = med(r["wall_s"] for r in rs)
            cpu = med(r["cpu_s"] for r in rs)
            spread_w = f"{min(r['wall_s'] for r in rs):.3f}–{max(r['wall_s'] for r in rs):.3f}"
            spread_c = f"{min(r['cpu_s'] for r in rs):.3f}–{max(r['cpu_s'] for r in rs):.3f}"
            own_cmd = med(r["command"]["own_cpu_s"] if r["command"] else None for r in rs)
            added_cpu = med(r["cpu_s"] - r["command"]["own_cpu_s"] if r["command"] else None
                            for r in rs)
            added_wall = med(r["wall_s"] - r["command"]["loop_wall_s"] if r["command"] else None
                             for r in rs)
            codes = ",".join(str(x) for x in sorted({r["rc"] for r in rs}))
            if key == "bare":
                lines.append(f"| {key} | {wall:.3f} ({spread_w}) | {cpu:.3f} ({spread_c}) | 1 | 1 | "
                             f"{f3(own_cmd)} | {f3(added_cpu)} | {f3(added_wall)} | | | | | "
                             f"{codes} |")
                continue
            reps = [r["report"] or {} for r in rs]
            own = med(rep["sampling_cpu_s"] if rep.get("sampling_cpu_s") is not None
                      else (r["polls"][-1][1] if r["polls"] else None) for r, rep in zip(rs, reps))
            watcher = med(r["polls"][-1][2] if r["polls"] else None for r in rs)
            tail = med(r["wall_s"] - rep["wall_s"] if rep.get("wall_s") else None
                       for r, rep in zip(rs, reps))
            samples = med(rep.get("samples") for rep in reps)
            wr, cr = wall / bare_wall, cpu / bare_cpu
            # What ongpu itself adds, measured apart from the command's own
            # cost: the tree's CPU beyond the command's, and the wall time
            # beyond the loop's, each less what the bare command has there
            # (python's start and exit).
            direct_cpu = ((added_cpu - bare_extra_cpu) / bare_cpu
                          if added_cpu is not None and bare_extra_cpu is not None else None)
            direct_wall = ((added_wall - bare_extra_wall) / bare_wall
                           if added_wall is not None and bare_extra_wall is not None else None)
            # Each round's run against the same round's bare run: slow drift
            # of the machine cancels within a round.
            by_round = {r["round"]: r for r in bare}
            paired_w = med(r["wall_s"] / by_round[r["round"]]["wall_s"] for r in rs)
            paired_c = med(r["cpu_s"] / by_round[r["round"]]["cpu_s"] for r in rs)
            results[key] = {"wall_ratio": wr, "cpu_ratio": cr,
                            "met": wr <= 1 + TARGET_WALL and cr <= 1 + TARGET_CPU,
                            "paired_wall_ratio": paired_w, "paired_cpu_ratio": paired_c,
                            "added_cpu_fraction": direct_cpu, "added_wall_fraction": direct_wall}
            lines.append(f"| {key} | {wall:.3f} ({spread_w}) | {cpu:.3f} ({spread_c}) | {wr:.4f} | "
                         f"{cr:.4f} | {f3(own_cmd)} | {f3(added_cpu)} | {f3(added_wall)} | "
                         f"{f3(own)} | {f3(watcher)} | {f3(tail)} | {f3(samples)} | {codes} |")
        lines.append("")
        lines.append("Targets: wall / bare ≤ 1.01 and CPU / bare ≤ 1.01 (ratios of medians).")
        for key, r in results.items():
            direct = ""
            if r["added_cpu_fraction"] is not None and r["added_wall_fraction"] is not None:
                direct = (f" (measured apart from the command: ongpu adds "
                          f"{100 * r['added_cpu_fraction']:.3f} % CPU and "
                          f"{100 * r['added_wall_fraction']:+.3f} % wall)")
            lines.append(f"- {key}: wall {100 * (r['wall_ratio'] - 1):+.2f} %, "
                         f"CPU {100 * (r['cpu_ratio'] - 1):+.2f} %: "
                         f"{'met' if r['met'] else 'NOT met'}; median of the rounds' own ratios: "
                         f"wall {100 * (r['paired_wall_ratio'] - 1):+.2f} %, "
                         f"CPU {100 * (r['paired_cpu_ratio'] - 1):+.2f} %{direct}")
        lines.append("(command's own CPU: time.process_time() printed by the busy loop at its end; "
                     "tree CPU − command's: what ongpu, its NVML watcher and the doctor's probes "
                     "used; wall − loop: the run's wall time minus the loop's own; ongpu's own CPU: "
                     "the report's sampling_cpu_s where it has one, else the last /proc poll of "
                     "ongpu's threads; watcher: the last poll of the NVML watcher child; tail: "
                     "ongpu's wall time minus the report's wall_s.)")
    if trees:
        lines.append("")
        lines.append(f"Tree: {args.tree} processes sleeping {args.tree_seconds:g} s, "
                     f"fake NVML, interval {interval}, {len(trees)} run(s)")
        lines.append("")
        lines.append("| run | wall s | processes seen | NVML samples / expected | ongpu CPU s per s | "
                     "ongpu CPU per sample s | watcher CPU s per s | earliest last_seen_s | fits |")
        lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
        fits_all = True
        for i, t in enumerate(trees):
            rep = t["report"]
            step = rep["sample_interval_s"]
            per = t["own_cpu_rate"] * step if t["own_cpu_rate"] is not None else None
            fits = (per is not None and per < step and rep["samples"] is not None
                    and rep["samples"] >= rep["expected_samples"] - 2
                    and rep["tree_processes"] >= args.tree - 1)
            fits_all = fits_all and fits
            lines.append(f"| {i + 1} | {t['wall_s']:.2f} | {rep['processes']} | "
                         f"{rep['samples']} / {rep['expected_samples']} | {f3(t['own_cpu_rate'])} | "
                         f"{f3(per)} | {f3(t['watcher_cpu_rate'])} | "
                         f"{f3(rep['earliest_last_seen_s'])} | {'yes' if fits else 'NO'} |")
        results["tree"] = {"met": fits_all}
        lines.append("")
        lines.append("Fits: ongpu's CPU per sample below the interval, NVML's samples at most two "
                     "short of wall_s / interval + 1, and every process of the tree seen.")
    return "\n".join(lines), results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60,
                    help="length of the CPU-bound command, bare (default 60)")
    ap.add_argument("--reps", type=int, default=3, help="interleaved rounds (default 3)")
    ap.add_argument("--interval", type=float, default=None,
                    help="pass --interval S to ongpu run (default: ongpu's default, 1 s)")
    ap.add_argument("--tree", type=int, default=1000, help="processes in the tree case (default 1000)")
    ap.add_argument("--tree-seconds", type=float, default=30,
                    help="how long the tree's processes sleep (default 30)")
    ap.add_argument("--tree-reps", type=int, default=1, help="tree runs (default 1)")
    ap.add_argument("--only", choices=("overhead", "tree"), help="run one part only")
    ap.add_argument("--build", default=str(REPO / "build"), help="build directory (default build/)")
    ap.add_argument("--json", metavar="OUT", help="also write the raw numbers to OUT")
    args = ap.parse_args()
    if args.reps < 1 or args.tree_reps < 1 or args.tree < 1 or args.seconds <= 0:
        ap.error("--reps, --tree-reps, --tree and --seconds must be positive")

    build = pathlib.Path(args.build).resolve()
    ongpu = str(build / "ongpu")
    fakes = build / "fakes" / "lib"
    if not os.access(ongpu, os.X_OK):
        fail(f"no ongpu binary at {ongpu} (build first)")
    if subprocess.run([ongpu, "run", "--help"], capture_output=True).returncode != 0:
        fail(f"{ongpu} has no `run` command (rebuild it)")
    if not (fakes / "libnvidia-ml.so.1").exists():
        fail(f"no fake NVML in {fakes} (configure the build with -DONGPU_TESTS=ON)")
    # The interpreter itself, not a wrapper such as a pyenv shim (a bash
    # script whose own start would blur both cases).
    python = os.path.realpath(sys.executable)

    info = machine_info(ongpu, python)
    with tempfile.TemporaryDirectory(prefix="run-overhead-") as d:
        tmp = pathlib.Path(d)
        scenario = tmp / "scenario.conf"
        scenario.write_text(f"context_registry = {tmp / 'registry'}\n")
        base = {k: v for k, v in os.environ.items() if k not in SCRUB}
        fake = dict(base, LD_LIBRARY_PATH=str(fakes), ONGPU_FAKE_SCENARIO=str(scenario))
        envs = {"bare": fake, "run_nvml": fake,
                "run_nonvml": dict(base, LD_LIBRARY_PATH="/nonexistent")}
        iters, runs, trees = None, None, None
        if args.only in (None, "overhead"):
            iters, runs = overhead(args, ongpu, python, envs, tmp)
        if args.only in (None, "tree"):
            trees = tree(args, ongpu, python, fake, tmp)
    text, results = report_text(info, args, iters, runs, trees)
    print(text)
    if args.json:
        doc = {"machine": info, "args": vars(args), "iterations": iters, "results": results,
               "overhead": runs, "tree": trees}
        pathlib.Path(args.json).write_text(json.dumps(doc, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
