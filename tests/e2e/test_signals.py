"""SIGINT, SIGTERM and SIGHUP end everything ongpu started (src/sys/child_guard.h):
each child's process group, and a grandchild that left its group with setsid()
(ongpu is their subreaper). ongpu then exits 128 + the signal's number. The
child trees here are real: a hung interpreter query (doctor) and a hung
framework import (verify), each with a helper in its group and a setsid daemon."""
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from conftest import BUILD, FIXTURES, REPO

sys.path.insert(0, os.path.dirname(__file__))
from test_verify import PYTHON, SUPPORT, VERIFY_FIXTURES, processes_with  # noqa: E402

SLEEPER = "import time; time.sleep(300)"


def hung_interpreter(tmp_path, marker):
    """A fake `python` for the doctor's interpreter query: it starts a helper in
    its own group and a setsid daemon, says so in a file, then hangs."""
    ready = tmp_path / "ready"
    script = tmp_path / "python"
    script.write_text(
        "#!/bin/sh\n"
        f"/usr/bin/python3 -c '{SLEEPER}' {marker}-helper &\n"
        f"setsid /usr/bin/python3 -c '{SLEEPER}' {marker}-daemon </dev/null >/dev/null 2>&1 &\n"
        f"echo ok > {ready}\n"
        f"exec /usr/bin/python3 -c '{SLEEPER}' {marker}-query\n")
    script.chmod(0o755)
    return script, ready


def default_signals():
    # ongpu keeps a signal ignored when it started ignored (as under nohup, or a
    # CI runner started by it): these tests are about a signal that ends it.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def start(args, env_extra):
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES")}
    env["PATH"] = "/usr/bin:/bin"
    env.update(env_extra)
    return subprocess.Popen([str(BUILD / "ongpu"), *args], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_signals)


def wait_for(cond, seconds):
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def descendants(pid):
    """Every live process below pid (by the parent links in /proc/*/stat)."""
    parent = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                stat = open(f"/proc/{p}/stat").read()
                parent[int(p)] = int(stat[stat.rindex(")") + 2:].split()[1])
            except (OSError, ValueError):
                continue
    out, todo = [], [pid]
    while todo:
        cur = todo.pop()
        kids = [c for c, pp in parent.items() if pp == cur]
        out += kids
        todo += kids
    return out


def alive(pid):
    try:
        stat = open(f"/proc/{pid}/stat").read()
        return stat[stat.rindex(")") + 2] != "Z"
    except OSError:
        return False


def interrupt_and_check(proc, sig, marker, expected):
    try:
        assert wait_for(lambda: len(processes_with(marker)) >= expected, 30), \
            f"the child tree never started: {processes_with(marker)}"
        before = descendants(proc.pid)
        t0 = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
        elapsed = time.monotonic() - t0
        assert proc.returncode == 128 + sig, (proc.returncode, err)
        assert f"stopped by {signal.Signals(sig).name}" in err
        assert elapsed < 5, f"ongpu took {elapsed:.1f} s to stop"  # a bound on a hang, not a benchmark
        # Ended and reaped by ongpu before it exited: nothing of the tree is left.
        assert processes_with(marker) == [], "a process ongpu started outlived it"
        left = [p for p in before if alive(p)]
        assert left == [], f"processes ongpu started outlived it: {left}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in processes_with(marker):  # only ours: the marker is unique to this run
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_doctor_ends_a_hung_interpreter_and_its_setsid_daemon(tmp_path, sig):
    marker = f"ongpu-signal-{uuid.uuid4().hex}"
    script, ready = hung_interpreter(tmp_path, marker)
    proc = start(["doctor", "--json", "--root", str(FIXTURES / "healthy-1gpu"), "--python", str(script),
                  "--timeout", "120"], {})
    interrupt_and_check(proc, sig, marker, expected=3)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_verify_ends_a_hung_import_its_helper_and_its_setsid_daemon(tmp_path, sig):
    marker = f"ongpu-signal-{uuid.uuid4().hex}"
    env = {"PYTHONPATH": f"{VERIFY_FIXTURES / 'import-hangs'}{os.pathsep}{SUPPORT}",
           "ONGPU_FAKE_HANG_MARKER": marker, "ONGPU_FAKE_HANG_PIDFILE": str(tmp_path / "pid")}
    proc = start(["verify", "--python", PYTHON, "--framework", "torch", "--timeout", "120", "--json"], env)
    interrupt_and_check(proc, sig, marker, expected=2)


def test_a_signal_ignored_at_start_stays_ignored(tmp_path):
    # nohup: SIGHUP is ignored when ongpu starts, and so it stays.
    marker = f"ongpu-signal-{uuid.uuid4().hex}"
    script, ready = hung_interpreter(tmp_path, marker)
    proc = subprocess.Popen(["/bin/sh", "-c", 'trap "" HUP; exec "$@"', "sh", str(BUILD / "ongpu"), "doctor",
                             "--json", "--root", str(FIXTURES / "healthy-1gpu"), "--python", str(script),
                             "--timeout", "3"],
                            env={**os.environ, "PATH": "/usr/bin:/bin"}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: len(processes_with(marker)) >= 3, 30)
        proc.send_signal(signal.SIGHUP)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode in (0, 1, 2), err  # ran to its end: the query timed out at 3 s
        assert processes_with(marker) == [], "the timed-out query's tree outlived ongpu"
    finally:
        if proc.poll() is None:
            proc.kill()
        for pid in processes_with(marker):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_doctor_ends_a_hung_cuda_probe(sig):
    # The fake libcuda hangs in cuInit (tests/fakes/scenarios/hang-cuda.conf):
    # ongpu's own probe child, in its own process group.
    env = {"LD_LIBRARY_PATH": str(BUILD / "fakes" / "lib"),
           "ONGPU_FAKE_SCENARIO": str(REPO / "tests" / "fakes" / "scenarios" / "hang-cuda.conf")}
    proc = start(["doctor", "--json", "--root", str(FIXTURES / "healthy-1gpu"), "--no-python", "--timeout", "120"], env)
    try:
        assert wait_for(lambda: len(descendants(proc.pid)) >= 1, 20)
        time.sleep(0.5)  # the probe is inside cuInit by now
        before = descendants(proc.pid)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 128 + sig, (proc.returncode, err)
        left = [p for p in before if alive(p)]
        assert left == [], f"the hung probe outlived ongpu: {left}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
