#!/usr/bin/env python3
"""Start-up cost of `ongpu doctor --json` next to a bare `python3 -c pass`.

Target (the issue): on this machine the doctor takes at most half the wall
time of `python3 -c pass`, as a ratio of medians measured side by side, and
the peak memory of ongpu's own process is at most 16 MiB. The time split
among the probes is recorded too.

Cases, run interleaved (one of each per round, the starting case rotated every
round so that no case always follows the same one), after warm-up rounds:

  doctor_host     ongpu doctor --json                      (this machine as is)
  doctor_fake8    ongpu doctor --json --root <healthy-8gpu fixture>, with the fake
                  vendor libraries and the healthy-8gpu scenario and
                  CUDA_VISIBLE_DEVICES=0,1: all three probes (nvml, cuda,
                  cuda_all) load a library and answer
  python_path     python3 -c pass, the python3 found on PATH
  ongpu_version   ongpu version: the same binary started and stopped, no
                  collectors or probes (the floor under the doctor's time)
  python_exe      the interpreter that python3 on PATH resolves to (only when it
                  differs, e.g. behind a pyenv shim, which is a bash script)

Wall time: time.perf_counter around spawn (subprocess.Popen), reading stdout
to EOF and os.wait4. Memory, kept apart:

  own_vmhwm       VmHWM of the doctor process alone (/proc/<pid>/status), read
                  while it is blocked writing its JSON into a pipe shrunk to
                  4 KiB: by then every probe has ended and the report is built.
                  Untimed runs. This is the number the 16 MiB target is about.
  time_maxrss     GNU time's %M (/usr/bin/time, when it is GNU time) for the
                  whole doctor: ru_maxrss from wait4, which on Linux is the
                  larger of the process's own peak and that of every child it
                  reaped, so it covers the probe children too (an upper bound).
  probe_maxrss    GNU time's %M for each probe child run on its own
                  (`ongpu __probe nvml|cuda|cuda-enumerate`, what the doctor
                  spawns), in the same environment as the doctor case.

os.wait4's ru_maxrss as this script sees it is kept in the raw JSON but not
used: Linux carries the spawning process's high-water mark into the child's
ru_maxrss across (v)fork + exec, so from a Python parent every child, even
`python3 -c pass`, reports Python's own ~16 MiB. GNU time forks from a ~1 MiB
process, so its numbers include at most that.

Probe split: facts.{nvml,cuda,cuda_all}.probe.duration_ms from each run's JSON.
The probes run concurrently, so their times overlap; "outside probes" is the
wall time minus the longest probe (spawning ongpu, the /proc and /sys readers,
rules, rendering).

Standard library only. Exit status 0 when the measurement ran (whether or not
the target is met); 2 when it could not run.
"""
import argparse
import datetime
import fcntl
import gc
import json
import os
import pathlib
import platform
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.5
TARGET_RSS_KIB = 16 * 1024
# What would change what the doctor sees; every case starts without them.
SCRUB = ("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "NVIDIA_VISIBLE_DEVICES", "LD_LIBRARY_PATH",
         "ONGPU_FAKE_SCENARIO", "CUDA_INJECTION64_PATH", "CUDA_LAUNCH_BLOCKING", "NO_COLOR")
PROBES = ("nvml", "cuda", "cuda_all")
PROBE_COMMANDS = {"nvml": "nvml", "cuda": "cuda", "cuda_all": "cuda-enumerate"}


class Case:
    def __init__(self, key, label, argv, env, is_doctor):
        self.key, self.label, self.argv, self.env, self.is_doctor = key, label, argv, env, is_doctor
        self.wall_ms, self.maxrss_kib, self.exit_codes = [], [], []
        self.probe_ms = {p: [] for p in PROBES}
        self.probe_status = {p: set() for p in PROBES}
        self.longest_probe_ms = []  # per run, the longest of the probes that ran
        self.own_vmhwm_kib = []
        self.probe_maxrss_kib = {}
        self.time_maxrss_kib = []
        self.stderr_sample = ""


def base_env():
    return {k: v for k, v in os.environ.items() if k not in SCRUB}


def run_once(case):
    """One timed run: (wall ms, ru_maxrss KiB, exit code, stdout bytes, stderr bytes)."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(case.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=err, env=case.env)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        t1 = time.perf_counter()
        proc.stdout.close()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        return (t1 - t0) * 1e3, usage.ru_maxrss, proc.returncode, out, err.read()


def proc_status_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def own_peak_once(case):
    """VmHWM of the doctor process itself, read while it is blocked writing its
    report to a 4 KiB pipe. None when the report fit in the pipe (the process
    may already be gone) or /proc could not be read."""
    r, w = os.pipe()
    try:
        fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 4096)
        proc = subprocess.Popen(case.argv, stdin=subprocess.DEVNULL, stdout=w,
                                stderr=subprocess.DEVNULL, env=case.env)
    finally:
        os.close(w)
    hwm = None
    readable, _, _ = select.select([r], [], [], 60)
    if readable:
        # The first bytes of the report are out: the probes have ended. Wait
        # until the high-water mark stops moving (the writer blocks on the
        # full pipe), then take it.
        last = None
        for _ in range(200):
            cur = proc_status_kib(proc.pid, "VmHWM")
            if cur is None or cur == last:
                break
            last = cur
            time.sleep(0.002)
        hwm = last
    chunks = []
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    _, status, _ = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if sum(len(c) for c in chunks) <= 4096:
        return None  # fit in the pipe: the writer never blocked
    return hwm


def gnu_time():
    """/usr/bin/time when it is GNU time (it understands -f %M), else None."""
    t = "/usr/bin/time"
    if not os.access(t, os.X_OK):
        return None
    with tempfile.NamedTemporaryFile("r") as out:
        rc = subprocess.run([t, "-o", out.name, "-f", "%M", "true"], capture_output=True).returncode
        return t if rc == 0 and out.read().strip().isdigit() else None


def time_maxrss(time_bin, argv, env):
    """ru_maxrss (KiB) of argv and the children it reaped, as GNU time reports it."""
    with tempfile.NamedTemporaryFile("r") as out:
        subprocess.run([time_bin, "-o", out.name, "-f", "%M", *argv], env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        text = out.read().strip().splitlines()
    return int(text[-1]) if text and text[-1].isdigit() else None


def probe_child_peak(time_bin, case, probe):
    argv = [case.argv[0], "__probe", PROBE_COMMANDS[probe]]
    env = dict(case.env)
    if probe == "cuda_all":
        env.pop("CUDA_VISIBLE_DEVICES", None)  # the doctor runs it with the variable removed
    values = [time_maxrss(time_bin, argv, env) for _ in range(3)]
    values = [v for v in values if v is not None]
    return max(values) if values else None


def record_doctor_json(case, out):
    try:
        facts = json.loads(out)["facts"]
    except (ValueError, KeyError):
        return
    ran = []
    for p in PROBES:
        probe = facts.get(p, {}).get("probe", {})
        case.probe_status[p].add(probe.get("status"))
        if probe.get("status") != "not_run" and probe.get("duration_ms") is not None:
            case.probe_ms[p].append(float(probe["duration_ms"]))
            ran.append(float(probe["duration_ms"]))
    case.longest_probe_ms.append(max(ran) if ran else None)


def pct(values, q):
    """Percentile q (0..100) by linear interpolation between closest ranks."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def machine_info(ongpu, python_path, python_exe):
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
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_count": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.release(),
        "loadavg_1m_before": os.getloadavg()[0],
        "python_path": python_path,
        "python_exe": python_exe,
        "python_version": platform.python_version(),
        "ongpu": ongpu,
        "ongpu_version": version,
        "ongpu_build_type": build_type,
        "ongpu_size_bytes": os.path.getsize(ongpu),
    }


def fail(message):
    print(f"doctor_startup: {message}", file=sys.stderr)
    sys.exit(2)


def build_cases(args):
    ongpu = str(pathlib.Path(args.build, "ongpu").resolve())
    python_path = shutil.which("python3")
    if not os.access(ongpu, os.X_OK):
        fail(f"no ongpu binary at {ongpu} (build first)")
    if python_path is None:
        fail("no python3 on PATH")
    python_exe = subprocess.run([python_path, "-c", "import sys; print(sys.executable)"],
                                capture_output=True, text=True).stdout.strip()
    env = base_env()
    fake_env = dict(env)
    fake_env.update({
        "LD_LIBRARY_PATH": str(pathlib.Path(args.build, "fakes", "lib").resolve()),
        "ONGPU_FAKE_SCENARIO": str(REPO / "tests/fakes/scenarios/healthy-8gpu.conf"),
        "CUDA_VISIBLE_DEVICES": "0,1",
    })
    root = str(REPO / "tests/fixtures/roots/healthy-8gpu")
    cases = [
        Case("doctor_host", "ongpu doctor --json --no-python (this machine)", [ongpu, "doctor", "--json", "--no-python"], env, True),
        Case("python_path", f"python3 -c pass ({python_path})", [python_path, "-c", "pass"], env, False),
        Case("doctor_fake8", "ongpu doctor --json, fake healthy-8gpu, CVD=0,1",
             [ongpu, "doctor", "--json", "--no-python", "--root", root], fake_env, True),
    ]
    # The floor: starting the same binary and printing a line, no collectors, no probes.
    cases.append(Case("ongpu_version", "ongpu version (start-up floor)", [ongpu, "version"], env, False))
    if python_exe and os.path.realpath(python_exe) != os.path.realpath(python_path):
        cases.append(Case("python_exe", f"python3 -c pass ({python_exe})",
                          [python_exe, "-c", "pass"], env, False))
    return cases, ongpu, python_path, python_exe


def measure(cases, runs, warmup, rss_runs):
    for _ in range(warmup):
        for c in cases:
            run_once(c)
    gc.disable()
    try:
        for i in range(runs):
            for j in range(len(cases)):
                c = cases[(i + j) % len(cases)]
                wall, rss, rc, out, err = run_once(c)
                c.wall_ms.append(wall)
                c.maxrss_kib.append(rss)
                c.exit_codes.append(rc)
                if err and not c.stderr_sample:
                    c.stderr_sample = err.decode(errors="replace")[-500:]
                if c.is_doctor:
                    record_doctor_json(c, out)
    finally:
        gc.enable()
    time_bin = gnu_time()
    for c in cases:
        if not c.is_doctor:
            continue
        for _ in range(rss_runs):
            v = own_peak_once(c)
            if v is not None:
                c.own_vmhwm_kib.append(v)
            if time_bin:
                v = time_maxrss(time_bin, c.argv, c.env)
                if v is not None:
                    c.time_maxrss_kib.append(v)
        for p in PROBES:
            if c.probe_ms[p] and time_bin:
                c.probe_maxrss_kib[p] = probe_child_peak(time_bin, c, p)


def fmt_mib(kib):
    return f"{kib / 1024:.1f} MiB" if kib is not None else "n/a"


def report(cases, info, runs):
    by = {c.key: c for c in cases}
    med = {c.key: statistics.median(c.wall_ms) for c in cases}
    lines = []
    lines.append(f"Machine: {info['cpu_model']}, nproc {info['nproc']}, kernel {info['kernel']}, "
                 f"{info['date']}, load average {info['loadavg_1m_before']:.2f} before / "
                 f"{os.getloadavg()[0]:.2f} after")
    lines.append(f"{info['ongpu_version']} ({info['ongpu_build_type'] or 'build type unknown'}), "
                 f"python {info['python_version']}; {runs} interleaved runs per case")
    lines.append("")
    lines.append("| case | median ms | p10 ms | p90 ms | exit codes |")
    lines.append("| --- | ---: | ---: | ---: | --- |")
    for c in cases:
        codes = ",".join(str(x) for x in sorted(set(c.exit_codes)))
        lines.append(f"| {c.label} | {med[c.key]:.2f} | {pct(c.wall_ms, 10):.2f} | "
                     f"{pct(c.wall_ms, 90):.2f} | {codes} |")
    lines.append("")
    lines.append("Ratio of medians, ongpu / python (target ≤ 0.50):")
    lines.append("")
    lines.append("| ongpu case | vs | ratio | met |")
    lines.append("| --- | --- | ---: | --- |")
    results = {}
    for d in ("doctor_host", "doctor_fake8"):
        for p in ("python_path", "python_exe"):
            if p not in by:
                continue
            r = med[d] / med[p]
            results[f"{d}/{p}"] = r
            lines.append(f"| {d} | {p} | {r:.3f} | {'yes' if r <= TARGET_RATIO else 'NO'} |")
    lines.append("")
    lines.append("Peak memory (target: ongpu's own process ≤ 16 MiB):")
    lines.append("")
    lines.append("| ongpu case | own process VmHWM (max) | GNU time %M, self + probes (max) | "
                 "each probe alone, GNU time %M: nvml / cuda / cuda_all | met |")
    lines.append("| --- | ---: | ---: | --- | --- |")
    for d in ("doctor_host", "doctor_fake8"):
        c = by[d]
        own = max(c.own_vmhwm_kib) if c.own_vmhwm_kib else None
        both = max(c.time_maxrss_kib) if c.time_maxrss_kib else None
        probes = " / ".join(fmt_mib(c.probe_maxrss_kib.get(p)) if c.probe_ms[p] else "not run"
                            for p in PROBES)
        # Without a VmHWM reading the upper bound decides; with neither, not met.
        decider = own if own is not None else both
        ok = decider is not None and decider <= TARGET_RSS_KIB
        lines.append(f"| {d} | {fmt_mib(own)} ({len(c.own_vmhwm_kib)} runs) | {fmt_mib(both)} | "
                     f"{probes} | {'yes' if ok else 'NO'} |")
    spawner = max(max(c.maxrss_kib) for c in cases)
    lines.append("")
    lines.append(f"(os.wait4 ru_maxrss seen from this Python: up to {fmt_mib(spawner)} for every case, "
                 "python3 -c pass included; it carries the spawning Python's high-water mark "
                 "and is not used.)")
    lines.append("")
    lines.append("Probe split (facts.*.probe.duration_ms, medians; the probes run concurrently):")
    lines.append("")
    lines.append("| ongpu case | nvml ms | cuda ms | cuda_all ms | longest probe ms | outside probes ms | wall ms |"
                 " ongpu version ms |")
    lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for d in ("doctor_host", "doctor_fake8"):
        c = by[d]
        cells = []
        for p in PROBES:
            cells.append(f"{statistics.median(c.probe_ms[p]):.2f}" if c.probe_ms[p] else "not run")
        pairs = [(w, l) for w, l in zip(c.wall_ms, c.longest_probe_ms) if l is not None]
        if pairs:
            longest = f"{statistics.median(l for _, l in pairs):.2f}"
            outside = f"{statistics.median(w - l for w, l in pairs):.2f}"
        else:
            longest = outside = "n/a"
        lines.append(f"| {d} | {' | '.join(cells)} | {longest} | {outside} | {med[d]:.2f} | "
                     f"{med['ongpu_version']:.2f} |")
    for c in cases:
        if c.stderr_sample:
            lines.append("")
            lines.append(f"note: {c.key} wrote to stderr: {c.stderr_sample.strip()!r}")
    return "\n".join(lines), results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=40, help="timed runs per case (default 40)")
    ap.add_argument("--warmup", type=int, default=3, help="warm-up rounds (default 3)")
    ap.add_argument("--rss-runs", type=int, default=10,
                    help="untimed runs per doctor case for the own-process VmHWM (default 10)")
    ap.add_argument("--build", default=str(REPO / "build"), help="build directory (default build/)")
    ap.add_argument("--json", metavar="OUT", help="also write the raw numbers to OUT")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    cases, ongpu, python_path, python_exe = build_cases(args)
    info = machine_info(ongpu, python_path, python_exe)
    measure(cases, args.runs, args.warmup, args.rss_runs)
    text, ratios = report(cases, info, args.runs)
    print(text)
    if args.json:
        doc = {
            "machine": info,
            "runs": args.runs,
            "warmup": args.warmup,
            "target": {"ratio_max": TARGET_RATIO, "own_rss_max_kib": TARGET_RSS_KIB},
            "ratios": ratios,
            "cases": {
                c.key: {
                    "label": c.label,
                    "argv": c.argv,
                    "env": {k: c.env[k] for k in SCRUB if k in c.env},
                    "wall_ms": c.wall_ms,
                    "wait4_maxrss_kib_includes_spawner": c.maxrss_kib,
                    "exit_codes": c.exit_codes,
                    "probe_duration_ms": c.probe_ms if c.is_doctor else None,
                    "probe_status": {p: sorted(s for s in v if s) for p, v in c.probe_status.items()}
                    if c.is_doctor else None,
                    "longest_probe_ms": c.longest_probe_ms if c.is_doctor else None,
                    "own_vmhwm_kib": c.own_vmhwm_kib if c.is_doctor else None,
                    "gnu_time_maxrss_kib": c.time_maxrss_kib if c.is_doctor else None,
                    "probe_child_maxrss_kib": c.probe_maxrss_kib if c.is_doctor else None,
                }
                for c in cases
            },
        }
        pathlib.Path(args.json).write_text(json.dumps(doc, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
