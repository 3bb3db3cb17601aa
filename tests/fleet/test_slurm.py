"""contrib/slurm's health check and prolog, against real Slurm daemons.

Two parts:

* The scripts' decisions, with stand-ins for sinfo and scontrol that record
  what they were asked (the real ongpu binary and its fake driver answer):
  every way ongpu can fail to answer, the drain policy, the reasons that
  belong to someone else. About a second.
* A real one-node cluster (Debian's munged, slurmctld and slurmd 22.05, no
  systemd, cgroups or accounting), started by slurm_cluster.sh inside new
  PID, mount, network and UTS namespaces: a GRES of two GPUs backed by
  mknod'ed /dev/nvidiaN, the contrib scripts themselves as
  HealthCheckProgram (HealthCheckInterval=2, HealthCheckNodeState=IDLE) and
  Prolog, reading their real settings file /etc/default/ongpu-slurm (a
  directory of the test's, bind-mounted over /etc/default in the mount
  namespace). The fake driver's scenario is a symlink the test flips: one
  for the health check, one for the prolog (the settings pick by
  SLURM_JOB_ID), so the prolog can meet a GPU that broke between two health
  checks. Jobs run as nobody. Runs in about 30 s.

Needs root, unshare and nsenter (util-linux), and slurmctld, slurmd,
slurm-client and munge (tools/deps.sh --tests). Without them the tests fail;
they never skip. ONGPU_BUILD names the build directory (its ongpu and
fakes/lib), as for tests/e2e.
"""
import json
import os
import pathlib
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
BUILD = pathlib.Path(os.environ.get("ONGPU_BUILD", REPO / "build")).resolve()
ONGPU = BUILD / "ongpu"
FAKE_LIB = BUILD / "fakes" / "lib"
SCENARIOS = REPO / "tests" / "fakes" / "scenarios"
CONTRIB = REPO / "contrib" / "slurm"
HEALTHCHECK = CONTRIB / "ongpu-healthcheck"
PROLOG = CONTRIB / "ongpu-prolog"
CLUSTER_SH = HERE / "slurm_cluster.sh"

NODE = "gpu1"
HC_INTERVAL = 2
# The wrapper's deadline for the whole doctor run in these tests: below the
# 10 s probe deadline, so a hung NVML probe (hang-nvml.conf) is a hung ongpu.
TEST_TIMEOUT = 3
NOBODY = 65534
DAEMONS = ("munged", "slurmctld", "slurmd", "slurmstepd")

# Two GPUs, as gres.conf has them; the fake's default GPUs otherwise.
TWO_HEALTHY = "gpu_count = 2\n"
# GPU 1 cannot hold a context (CUDA_ERROR_UNKNOWN); GPU 0 works.
TWO_GPU1_BROKEN = "gpu_count = 2\ngpu.1.context = error:999\n"


def _prerequisites():
    """What this machine lacks for these tests, as one message, or ''."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (the cluster runs in new PID, mount, network and UTS namespaces)")
    for tool in ("unshare", "nsenter", "setpriv", "flock", "timeout", "ip", "mknod", "python3",
                 "munged", "mungekey", "slurmctld", "slurmd", "srun", "sbatch", "scontrol", "sinfo",
                 "squeue", "scancel"):
        if not shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin"):
            missing.append(tool)
    if not ONGPU.exists() or not (FAKE_LIB / "libcuda.so.1").exists():
        missing.append(f"a build with ongpu and fakes/lib in {BUILD} (ONGPU_BUILD)")
    if missing:
        return ("the Slurm tests need " + ", ".join(missing) +
                ": run them as root after tools/deps.sh --tests (tools/test.sh does both)")
    return ""


@pytest.fixture(scope="module", autouse=True)
def prerequisites():
    problem = _prerequisites()
    if problem:
        pytest.fail(problem, pytrace=False)


def _shared_part(path):
    text = path.read_text()
    begin = text.index("# ---- shared with ongpu-prolog: begin")
    end = text.index("# ---- shared with ongpu-prolog: end")
    return text[begin:end]


def test_scripts_share_one_copy_of_their_common_part():
    assert _shared_part(HEALTHCHECK) == _shared_part(PROLOG), (
        "the part between the 'shared with ongpu-prolog' markers differs: edit both copies")


def test_scripts_are_valid_bash():
    for script in (HEALTHCHECK, PROLOG, CLUSTER_SH):
        proc = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert os.access(script, os.X_OK), f"{script} is not executable"


# ------------------------------------------------ the scripts' decisions

class Stubs:
    """sinfo and scontrol stand-ins: sinfo prints the node's reason from a
    file (or fails); scontrol records its arguments and answers `show job`
    as for a batch job, or an interactive one when the file `interactive`
    exists."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.bin = tmp / "bin"
        self.bin.mkdir()
        self.calls = tmp / "calls"
        self.reason_file = tmp / "reason"
        self.log = tmp / "ongpu-slurm.log"
        self.joberr = tmp / "job.err"
        (self.bin / "sinfo").write_text(
            "#!/bin/bash\n"
            f"[ -e {tmp}/sinfo-fails ] && exit 1\n"
            f"cat {self.reason_file} 2>/dev/null || echo none\n")
        (self.bin / "scontrol").write_text(
            "#!/bin/bash\n"
            f"printf '%s\\n' \"$*\" >>{self.calls}\n"
            f"if [ \"$1 $2\" = 'show job' ]; then\n"
            f"  if [ -e {tmp}/interactive ]; then echo '   Requeue=1 Restarts=0 BatchFlag=0 Reboot=0'\n"
            f"  else echo '   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0'; echo '   StdErr={self.joberr}'; fi\n"
            "fi\n"
            "exit 0\n")
        for f in self.bin.iterdir():
            f.chmod(0o755)

    def settings(self, scenario=None, **values):
        """Writes the settings file the scripts read (ONGPU_SLURM_CONFIG)."""
        lines = [f"PATH={self.bin}:/usr/sbin:/usr/bin:/sbin:/bin", f"ONGPU={ONGPU}",
                 f"ONGPU_LOG={self.log}", f"ONGPU_LOCK={self.tmp}/hc.lock", "ONGPU_VERBOSE=yes",
                 f"export LD_LIBRARY_PATH={FAKE_LIB}"]
        if scenario:
            path = scenario if os.path.isabs(scenario) else SCENARIOS / scenario
            lines.append(f"export ONGPU_FAKE_SCENARIO={path}")
        lines += [f"{k}={v}" for k, v in values.items()]
        config = self.tmp / "ongpu-slurm"
        config.write_text("\n".join(lines) + "\n")
        return config

    def run(self, script, scenario=None, reason=None, env=None, **values):
        config = self.settings(scenario, **values)
        if reason is None:
            self.reason_file.unlink(missing_ok=True)
        else:
            self.reason_file.write_text(reason + "\n")
        self.calls.unlink(missing_ok=True)
        # What slurmd passes: SLURMD_NODENAME and, for a prolog, the job's variables.
        e = {"SLURMD_NODENAME": "n1", "ONGPU_SLURM_CONFIG": str(config), **(env or {})}
        proc = subprocess.run(["/bin/bash", str(script)], env=e, capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        calls = self.calls.read_text().splitlines() if self.calls.exists() else []
        return proc, calls

    def log_lines(self):
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def stubs(tmp_path):
    return Stubs(tmp_path)


def doctor_verdict(scenario, **env):
    """ongpu's own verdict, read from its JSON, for what the scripts should say."""
    e = {"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": str(FAKE_LIB), "ONGPU_FAKE_SCENARIO": str(scenario), **env}
    proc = subprocess.run([str(ONGPU), "doctor", "--no-python", "--json"], env=e, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    return json.loads(proc.stdout)["verdict"]


def drain_call(reason):
    return f"update nodename=n1 state=drain reason={reason}"


@pytest.mark.parametrize("scenario, reason", [
    # ongpu exits 2: the root cause first, then the errors it explains
    ("exclusive-busy.conf", "ongpu: gpu.exclusive_process_busy,cuda.context_failed"),
    ("cuda-init-system-driver-mismatch.conf", "ongpu: cuda.init_failed"),
    # ongpu exits 1, CUDA works, but a link is broken (an error finding)
    ("nvml-init-version-mismatch.conf", "ongpu: driver.version_mismatch"),
    ("crash-nvml.conf", "ongpu: nvml.probe_crashed"),
    # one GPU of two without a context: ongpu calls it a warning, the node
    # still has a GPU a job would be given and could not use
    ("two-gpu1-broken", "ongpu: cuda.context_failed"),
])
def test_healthcheck_drains_a_broken_gpu_with_the_finding_ids(stubs, tmp_path, scenario, reason):
    if scenario == "two-gpu1-broken":
        (tmp_path / "s.conf").write_text(TWO_GPU1_BROKEN)
        scenario = str(tmp_path / "s.conf")
    proc, calls = stubs.run(HEALTHCHECK, scenario)
    assert proc.returncode == 0, proc.stderr
    assert calls == [drain_call(reason)]
    assert any(f"drained: {reason}: " in line for line in stubs.log_lines()), stubs.log_lines()


@pytest.mark.parametrize("scenario", ["healthy.conf", "healthy-8gpu.conf", "pending-retirement.conf"])
def test_healthcheck_passes_a_usable_gpu_and_leaves_warnings(stubs, scenario):
    proc, calls = stubs.run(HEALTHCHECK, scenario)
    assert (proc.returncode, calls) == (0, [])


def test_healthcheck_drains_on_a_warning_it_is_told_to(stubs):
    proc, calls = stubs.run(HEALTHCHECK, "pending-retirement.conf",
                            ONGPU_DRAIN_WARNINGS='"cuda.context_failed gpu.retired_pages_pending"')
    assert (proc.returncode, calls) == (0, [drain_call("ongpu: gpu.retired_pages_pending")])


@pytest.mark.parametrize("settings, reason, logged", [
    ({"ONGPU": "/nonexistent/ongpu"}, "ongpu: ongpu.not_found", "no ongpu to run"),
    # ongpu answers 64 (usage) to a probe deadline outside its range
    ({"ONGPU_PROBE_TIMEOUT": "0"}, "ongpu: ongpu.failed", "exited with 64"),
    ({"ONGPU": "/bin/true"}, "ongpu: ongpu.bad_output", "JSON could not be read"),
    ({"ONGPU_PYTHON": "/nonexistent/python3"}, "ongpu: ongpu.no_python3", "no python3"),
])
def test_healthcheck_drains_when_ongpu_gives_no_answer(stubs, settings, reason, logged):
    proc, calls = stubs.run(HEALTHCHECK, "healthy.conf", **settings)
    assert (proc.returncode, calls) == (0, [drain_call(reason)])
    assert any(logged in line for line in stubs.log_lines()), stubs.log_lines()


def test_healthcheck_drains_when_ongpu_is_killed(stubs, tmp_path):
    crasher = tmp_path / "ongpu-crashes"
    crasher.write_text("#!/bin/sh\nkill -SEGV $$\n")
    crasher.chmod(0o755)
    proc, calls = stubs.run(HEALTHCHECK, "healthy.conf", ONGPU=crasher)
    assert (proc.returncode, calls) == (0, [drain_call("ongpu: ongpu.failed")])
    assert any("killed by signal 11" in line for line in stubs.log_lines()), stubs.log_lines()


def test_healthcheck_drains_when_ongpu_hangs_past_its_deadline(stubs):
    # NVML hangs; ongpu would give up on it after its 10 s probe deadline
    # (nvml.probe_timed_out), the wrapper's 1 s comes first.
    proc, calls = stubs.run(HEALTHCHECK, "hang-nvml.conf", ONGPU_TIMEOUT=1)
    assert (proc.returncode, calls) == (0, [drain_call("ongpu: ongpu.timed_out")])
    assert any("did not finish within 1 s" in line for line in stubs.log_lines())


def test_healthcheck_does_not_drain_again_with_the_same_reason(stubs):
    proc, calls = stubs.run(HEALTHCHECK, "cuda-init-system-driver-mismatch.conf",
                            reason="ongpu: cuda.init_failed")
    assert (proc.returncode, calls) == (0, [])


def test_healthcheck_updates_its_own_reason_when_the_findings_change(stubs):
    proc, calls = stubs.run(HEALTHCHECK, "cuda-init-system-driver-mismatch.conf",
                            reason="ongpu: driver.version_mismatch")
    assert (proc.returncode, calls) == (0, [drain_call("ongpu: cuda.init_failed")])


@pytest.mark.parametrize("reason", ["admin: bios update", "Prolog error", "ongpu prolog: cuda.init_failed",
                                    "Not responding", "ongpu cuda.init_failed"])
def test_healthcheck_leaves_a_reason_that_is_not_its_own(stubs, reason):
    for scenario in ("cuda-init-system-driver-mismatch.conf", "healthy.conf"):
        proc, calls = stubs.run(HEALTHCHECK, scenario, reason=reason)
        assert (proc.returncode, calls) == (0, []), f"{scenario} with the reason {reason!r}"


def test_healthcheck_resumes_only_its_own_drain(stubs):
    proc, calls = stubs.run(HEALTHCHECK, "healthy.conf", reason="ongpu: cuda.init_failed")
    assert (proc.returncode, calls) == (0, ["update nodename=n1 state=resume"])
    assert any("resumed: the GPU check passes again (was: ongpu: cuda.init_failed)" in line
               for line in stubs.log_lines())


def test_healthcheck_does_nothing_when_slurm_does_not_answer(stubs, tmp_path):
    (tmp_path / "sinfo-fails").touch()
    proc, calls = stubs.run(HEALTHCHECK, "cuda-init-system-driver-mismatch.conf")
    assert (proc.returncode, calls) == (0, [])
    assert any("Slurm did not answer" in line for line in stubs.log_lines())


def test_healthcheck_runs_one_at_a_time(stubs):
    config = stubs.settings("hang-nvml.conf", ONGPU_TIMEOUT=5)
    e = {"SLURMD_NODENAME": "n1", "ONGPU_SLURM_CONFIG": str(config)}
    first = subprocess.Popen(["/bin/bash", str(HEALTHCHECK)], env=e, stdin=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        lock = stubs.tmp / "hc.lock"
        deadline = time.monotonic() + 5
        while not lock.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)
        second = subprocess.run(["/bin/bash", str(HEALTHCHECK)], env=e, timeout=3,
                                stdin=subprocess.DEVNULL)
        assert second.returncode == 0
        assert any("skipped: the previous check is still running" in line for line in stubs.log_lines())
    finally:
        os.killpg(first.pid, 9)  # the script, timeout and ongpu with its probe
        first.wait()


def test_prolog_passes_a_job_without_gpus_without_running_ongpu(stubs):
    proc, calls = stubs.run(PROLOG, "healthy.conf", env={"SLURM_JOB_ID": "7"}, ONGPU="/nonexistent/ongpu")
    assert (proc.returncode, calls) == (0, [])


def test_prolog_checks_exactly_the_jobs_gpus(stubs, tmp_path):
    scenario = tmp_path / "two.conf"
    scenario.write_text(TWO_GPU1_BROKEN)
    job = {"SLURM_JOB_ID": "7", "SLURM_JOB_UID": str(os.getuid()), "SLURM_JOB_GID": str(os.getgid())}
    ok, calls = stubs.run(PROLOG, str(scenario), env={**job, "CUDA_VISIBLE_DEVICES": "0", "SLURM_JOB_GPUS": "0"})
    assert (ok.returncode, calls) == (0, [])
    # SLURM_JOB_GPUS alone (a gres.conf without the NVML environment flag)
    bad, calls = stubs.run(PROLOG, str(scenario), env={**job, "SLURM_JOB_GPUS": "1"})
    assert bad.returncode == 1
    verdict = doctor_verdict(scenario, CUDA_VISIBLE_DEVICES="1")
    message = (f"ongpu prolog: job 7 was not started: GPUs 1 on node n1 failed the check "
               f"[{verdict['root_cause']}]: {verdict['summary']}. The node is drained and Slurm requeues "
               "the job; if squeue shows it held, release it: scontrol release 7")
    assert verdict["root_cause"] == "cuda.context_failed"
    assert calls == ["show job 7", f"update jobid=7 admincomment={message}",
                     "update nodename=n1 state=drain reason=ongpu prolog: cuda.context_failed"]
    assert stubs.joberr.read_text() == message + "\n"


def test_prolog_tells_an_interactive_user_through_srun(stubs, tmp_path):
    (tmp_path / "interactive").touch()
    proc, calls = stubs.run(PROLOG, "cuda-init-system-driver-mismatch.conf",
                            env={"SLURM_JOB_ID": "8", "CUDA_VISIBLE_DEVICES": "GPU-00000000"})
    assert proc.returncode == 1
    verdict = doctor_verdict(SCENARIOS / "cuda-init-system-driver-mismatch.conf")
    message = ("ongpu prolog: job 8 was not started: GPUs GPU-00000000 on node n1 failed the check "
               f"[cuda.init_failed]: {verdict['summary']}. The node is drained: run the job again for Slurm "
               "to place it elsewhere.")
    assert calls == ["show job 8", f"update jobid=8 admincomment={message}", f"notify 8 {message}",
                     "update nodename=n1 state=drain reason=ongpu prolog: cuda.init_failed"]
    assert not stubs.joberr.exists()


def test_prolog_leaves_the_health_checks_drain_and_an_admins(stubs):
    job = {"SLURM_JOB_ID": "7", "CUDA_VISIBLE_DEVICES": "0"}
    for reason in ("ongpu: cuda.init_failed", "admin: bios update"):
        proc, calls = stubs.run(PROLOG, "cuda-init-system-driver-mismatch.conf", env=job, reason=reason)
        assert proc.returncode == 1
        assert not any("state=drain" in c for c in calls), calls


def test_prolog_refuses_the_job_when_ongpu_gives_no_answer(stubs):
    job = {"SLURM_JOB_ID": "7", "CUDA_VISIBLE_DEVICES": "0"}
    proc, calls = stubs.run(PROLOG, "hang-nvml.conf", env=job, ONGPU_TIMEOUT=1)
    assert proc.returncode == 1
    assert calls[-1] == "update nodename=n1 state=drain reason=ongpu prolog: ongpu.timed_out"


# ------------------------------------------------ a real cluster

class Cluster:
    """slurm_cluster.sh in new namespaces; commands enter them with nsenter."""

    def __init__(self, run):
        self.run = run
        self.dir = run / "cluster"
        self.conf = self.dir / "etc" / "slurm.conf"
        self.lines = []
        self._queue = queue.Queue()
        self.hc_link = run / "hc-scenario.conf"
        self.prolog_link = run / "prolog-scenario.conf"
        self.log = run / "ongpu-slurm.log"
        self.jobs = run / "jobs"
        self.proc = None
        self.init_pid = None
        self.pidns = None

    # -- life cycle
    def start(self):
        (self.run / "scenarios").mkdir()
        for name, text in (("two-healthy.conf", TWO_HEALTHY), ("two-gpu1-broken.conf", TWO_GPU1_BROKEN)):
            (self.run / "scenarios" / name).write_text(text)
        self.set_scenario("hc", "two-healthy.conf")
        self.set_scenario("prolog", "two-healthy.conf")
        self.jobs.mkdir()
        self.jobs.chmod(0o1777)
        etc_default = self.run / "etc-default"
        etc_default.mkdir()
        # The scripts' real settings path, /etc/default/ongpu-slurm, in the
        # cluster's mount namespace. The fake driver's libraries and scenario
        # reach ongpu through the variables exported here.
        (etc_default / "ongpu-slurm").write_text(f"""\
# tests/fleet/test_slurm.py
SLURM_CONF={self.conf}
ONGPU={ONGPU}
ONGPU_TIMEOUT={TEST_TIMEOUT}
ONGPU_LOG={self.log}
ONGPU_LOCK={self.run}/ongpu-healthcheck.lock
ONGPU_VERBOSE=yes
export LD_LIBRARY_PATH={FAKE_LIB}
if [ -n "${{SLURM_JOB_ID:-}}" ]; then
  export ONGPU_FAKE_SCENARIO={self.prolog_link}
else
  export ONGPU_FAKE_SCENARIO={self.hc_link}
fi
""")
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "NODE": NODE, "GPUS": "2",
               "HC_INTERVAL": str(HC_INTERVAL), "HC_NODE_STATE": "IDLE",
               "HC_PROGRAM": str(HEALTHCHECK), "PROLOG": str(PROLOG), "ETC_DEFAULT": str(etc_default)}
        self.proc = subprocess.Popen(
            ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", "--net", "--uts",
             "bash", str(CLUSTER_SH), str(self.dir)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env=env, cwd="/")
        threading.Thread(target=self._read, daemon=True).start()
        self.expect("ready", 60)
        children = pathlib.Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        assert len(children) == 1, children
        self.init_pid = int(children[0])
        self.pidns = os.readlink(f"/proc/{self.init_pid}/ns/pid")

    def _read(self):
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def expect(self, word, timeout):
        """Reads the script's output up to a line that is `word`."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"slurm_cluster.sh did not say {word!r} within {timeout} s: {self.lines}\n"
                            + self.tails())
            if line is None:
                pytest.fail(f"slurm_cluster.sh ended before {word!r}: {self.lines}\n" + self.tails())
            self.lines.append(line)
            if line.startswith("error:"):
                pytest.fail(f"slurm_cluster.sh: {line}\n" + self.tails())
            if line == word:
                return

    def stop(self):
        """Stops the cluster; returns what the script printed meanwhile."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        start = len(self.lines)
        self.proc.stdin.write("stop\n")
        self.proc.stdin.flush()
        self.expect("finished", 90)
        out = self.lines[start:]
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        return out

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # --kill-child: the namespace's first process, and so all of it, goes too
            self.proc.wait()

    # -- inside
    def sh(self, *cmd, user=None, timeout=30):
        """Runs a command in the cluster's namespaces, with Slurm's client
        environment and nothing else; as nobody when user is set."""
        # --wd: the jobs' working directory (Slurm's WorkDir), in the run directory
        prefix = ["nsenter", f"--target={self.init_pid}", "--pid", "--mount", "--net", "--uts",
                  f"--wd={self.jobs}", "--",
                  "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", f"SLURM_CONF={self.conf}"]
        if user is not None:
            prefix += ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups"]
        return subprocess.run(prefix + [str(c) for c in cmd], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def node(self):
        """'state|reason' of the node, as sinfo prints them."""
        return self.sh("sinfo", "--noheader", "--Node", "--format=%T|%E").stdout.strip()

    def set_scenario(self, which, name):
        link = self.hc_link if which == "hc" else self.prolog_link
        target = self.run / "scenarios" / name
        if not target.exists():
            target = SCENARIOS / name
        tmp = link.with_name(link.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(target)
        os.replace(tmp, link)

    def log_lines(self, script="ongpu-healthcheck"):
        if not self.log.exists():
            return []
        return [line for line in self.log.read_text().splitlines() if f" {script}[" in line]

    def wait_for(self, what, check, timeout):
        """Polls check() until it returns a true value; fails after timeout s.
        Returns (value, seconds it took)."""
        t0 = time.monotonic()
        value = None
        while time.monotonic() - t0 < timeout:
            value = check()
            if value:
                return value, time.monotonic() - t0
            time.sleep(0.1)
        pytest.fail(f"{what}: not within {timeout} s (node: {self.node()!r})\n" + self.tails())

    def wait_checks(self, count, pattern, timeout=4 * HC_INTERVAL + 5):
        """Waits for `count` more health-check log lines matching pattern."""
        before = sum(1 for line in self.log_lines() if re.search(pattern, line))
        self.wait_for(f"{count} more health checks logging {pattern!r}",
                      lambda: sum(1 for line in self.log_lines() if re.search(pattern, line)) >= before + count,
                      timeout)

    def wait_idle(self, timeout=4 * HC_INTERVAL + 5):
        return self.wait_for("the node idle, with no reason", lambda: self.node() == "idle|none", timeout)

    def slurmctld_log(self):
        return (self.dir / "log" / "slurmctld.log").read_text()

    def tails(self):
        out = []
        for f in [self.log, *sorted((self.dir / "log").glob("*.log"))]:
            if f.exists():
                out.append(f"--- {f.name}\n" + "\n".join(f.read_text().splitlines()[-15:]))
        return "\n".join(out)


@pytest.fixture(scope="module")
def cluster(prerequisites):
    run = pathlib.Path(tempfile.mkdtemp(prefix="ongpu-slurm-", dir="/tmp"))
    run.chmod(0o755)  # munged and jobs run as nobody reach the socket and the job files through it
    c = Cluster(run)
    t0 = time.monotonic()
    try:
        c.start()
        print(f"\ncluster up in {time.monotonic() - t0:.1f} s ({run})")
        yield c
    finally:
        try:
            c.stop()
        finally:
            c.kill()
            if not os.environ.get("ONGPU_KEEP_SLURM_RUN"):
                shutil.rmtree(run, ignore_errors=True)


@pytest.fixture
def healthy(cluster):
    """The node idle and both GPUs healthy before and after a test."""
    cluster.set_scenario("hc", "two-healthy.conf")
    cluster.set_scenario("prolog", "two-healthy.conf")
    cluster.wait_idle()
    yield cluster
    cluster.set_scenario("hc", "two-healthy.conf")
    cluster.set_scenario("prolog", "two-healthy.conf")
    if cluster.node() not in ("idle|none",):
        cluster.sh("scontrol", "update", f"nodename={NODE}", "state=resume")
    cluster.wait_idle()


def test_cluster_jobs_get_the_gres_gpus(healthy):
    c = healthy
    one = c.sh("srun", "--gres=gpu:1", "printenv", "CUDA_VISIBLE_DEVICES", user=NOBODY)
    two = c.sh("srun", "--gres=gpu:2", "printenv", "CUDA_VISIBLE_DEVICES", user=NOBODY)
    assert (one.returncode, one.stdout, two.returncode, two.stdout) == (0, "0\n", 0, "0,1\n"), (one, two)
    assert any("job" in line and "GPUs 0,1 passed" in line for line in c.log_lines("ongpu-prolog"))


def test_healthcheck_drains_within_the_interval_and_resumes(healthy):
    c = healthy
    c.set_scenario("hc", "nvml-init-version-mismatch.conf")
    _, took = c.wait_for("drained by the health check",
                         lambda: c.node() == "drained|ongpu: driver.version_mismatch", 3 * HC_INTERVAL + 4)
    print(f"\ndrained {took:.1f} s after the GPU broke (HealthCheckInterval={HC_INTERVAL})")
    listed = c.sh("sinfo", "--list-reasons", "--noheader", "--format=%E|%N").stdout
    assert listed.splitlines() == [f"ongpu: driver.version_mismatch|{NODE}"]
    # A drained node takes no job: an srun that may not wait is refused.
    refused = c.sh("srun", "--immediate=1", "true", user=NOBODY)
    assert refused.returncode != 0 and "Required node not available" in refused.stderr, refused
    # The next check finds the same: no second drain.
    c.wait_checks(1, r"still drained: ongpu: driver\.version_mismatch")
    assert c.slurmctld_log().count("reason set to: ongpu: driver.version_mismatch") == 1
    c.set_scenario("hc", "two-healthy.conf")
    _, took = c.wait_idle()
    print(f"resumed {took:.1f} s after the GPU was fixed")
    assert any("resumed: the GPU check passes again (was: ongpu: driver.version_mismatch)" in line
               for line in c.log_lines())
    ran = c.sh("srun", "--gres=gpu:1", "true", user=NOBODY)
    assert ran.returncode == 0, ran


def test_healthcheck_drains_when_ongpu_does_not_finish(healthy):
    c = healthy
    c.set_scenario("hc", "hang-nvml.conf")  # NVML hangs for longer than ONGPU_TIMEOUT
    c.wait_for("drained for the timeout", lambda: c.node() == "drained|ongpu: ongpu.timed_out",
               TEST_TIMEOUT + 5 + 2 * HC_INTERVAL + 3)
    c.set_scenario("hc", "two-healthy.conf")
    c.wait_idle(TEST_TIMEOUT + 5 + 4 * HC_INTERVAL + 3)
    drains = [line for line in c.log_lines() if "drained: ongpu: ongpu.timed_out" in line]
    assert len(drains) == 1, drains
    assert f"did not finish within {TEST_TIMEOUT} s" in drains[0]


def test_healthcheck_leaves_an_admins_drain_alone(healthy):
    c = healthy
    admin = "admin: bios update"
    c.sh("scontrol", "update", f"nodename={NODE}", "state=drain", f"reason={admin}")
    c.set_scenario("hc", "cuda-init-system-driver-mismatch.conf")
    c.wait_checks(1, r"left alone: the node's reason 'admin: bios update' is not ongpu's; "
                     r"the GPU check failed: ongpu: cuda\.init_failed")
    assert c.node() == f"drained|{admin}"
    c.set_scenario("hc", "two-healthy.conf")
    c.wait_checks(1, r"passed \(the node's reason: admin: bios update\)")
    assert c.node() == f"drained|{admin}"
    c.sh("scontrol", "update", f"nodename={NODE}", "state=resume")


def test_prolog_refuses_srun_on_a_broken_gpu_and_tells_the_user(healthy):
    c = healthy
    c.set_scenario("prolog", "cuda-init-system-driver-mismatch.conf")
    cpu = c.sh("srun", "true", user=NOBODY)  # no GPU: not checked
    assert cpu.returncode == 0, cpu
    gpu = c.sh("srun", "--gres=gpu:1", "echo", "started", user=NOBODY)
    assert gpu.returncode != 0 and "started" not in gpu.stdout, gpu
    assert "Job prolog failed" in gpu.stderr, gpu.stderr
    job = re.search(r"StepId=(\d+)\.0", gpu.stderr).group(1)
    # srun prints ongpu's sentence (scontrol notify) among Slurm's own lines
    # (first, in every run seen; the two travel by different paths).
    verdict = doctor_verdict(SCENARIOS / "cuda-init-system-driver-mismatch.conf", CUDA_VISIBLE_DEVICES="0")
    message = (f"ongpu prolog: job {job} was not started: GPUs 0 on node {NODE} failed the check "
               f"[cuda.init_failed]: {verdict['summary']}. The node is drained: run the job again for Slurm "
               "to place it elsewhere.")
    assert f"srun: {message}" in gpu.stderr.splitlines(), gpu.stderr
    # The same sentence stays in the job's AdminComment, which the user (nobody) reads.
    shown = c.sh("scontrol", "show", "job", job, user=NOBODY).stdout
    assert f"AdminComment={message} " in shown, shown
    assert c.node() == "drained|ongpu prolog: cuda.init_failed"
    # The health check, whose GPUs pass, leaves the prolog's drain to an admin.
    c.wait_checks(1, r"passed \(the node's reason: ongpu prolog: cuda\.init_failed\)")
    assert c.node() == "drained|ongpu prolog: cuda.init_failed"


def test_prolog_checks_only_the_gpus_the_job_was_given(healthy):
    c = healthy
    c.set_scenario("prolog", "two-gpu1-broken.conf")
    first = c.sh("srun", "--gres=gpu:1", "printenv", "CUDA_VISIBLE_DEVICES", user=NOBODY)
    assert (first.returncode, first.stdout) == (0, "0\n"), first
    both = c.sh("srun", "--gres=gpu:2", "true", user=NOBODY)
    assert both.returncode != 0 and "Job prolog failed" in both.stderr, both
    assert c.node() == "drained|ongpu prolog: cuda.context_failed"


def test_prolog_requeues_and_holds_sbatch_and_tells_the_user(healthy):
    c = healthy
    c.set_scenario("prolog", "cuda-init-system-driver-mismatch.conf")
    # No --output: Slurm's default, slurm-<job id>.out in the working directory
    sub = c.sh("sbatch", "--parsable", "--gres=gpu:1", "--wrap", "echo ran on GPUs $CUDA_VISIBLE_DEVICES",
               user=NOBODY)
    assert sub.returncode == 0, sub
    job = sub.stdout.strip()
    c.wait_for("the batch job requeued and held",
               lambda: c.sh("squeue", "--noheader", f"--jobs={job}", "--format=%T|%r").stdout.strip()
               == "PENDING|launch failed requeued held", 20)
    out = c.jobs / f"slurm-{job}.out"
    verdict = doctor_verdict(SCENARIOS / "cuda-init-system-driver-mismatch.conf", CUDA_VISIBLE_DEVICES="0")
    message = (f"ongpu prolog: job {job} was not started: GPUs 0 on node {NODE} failed the check "
               f"[cuda.init_failed]: {verdict['summary']}. The node is drained and Slurm requeues the job; "
               f"if squeue shows it held, release it: scontrol release {job}")
    lines = out.read_text().splitlines()
    # ongpu's sentence, then slurmd's own line
    assert lines == [message, "Error running slurm prolog: 1"], lines
    assert out.stat().st_uid == NOBODY  # written as the user, not as root
    shown = c.sh("scontrol", "show", "job", job, user=NOBODY).stdout
    assert f"AdminComment={message} " in shown and f"WorkDir={c.jobs}\n" in shown, shown
    assert c.node() == "drained|ongpu prolog: cuda.init_failed"
    # The fix: the GPU works again, an admin resumes the node, the user
    # releases the job (the requeue set its begin time 2 minutes ahead).
    c.set_scenario("prolog", "two-healthy.conf")
    c.sh("scontrol", "update", f"nodename={NODE}", "state=resume")
    c.wait_idle()
    released = c.sh("scontrol", "release", job, user=NOBODY)
    assert released.returncode == 0, released
    c.sh("scontrol", "update", f"jobid={job}", "starttime=now")
    c.wait_for("the released job to run", lambda: "ran on GPUs 0" in out.read_text(), 20)


def test_healthcheck_always_exits_0(cluster):
    slurmd_log = (cluster.dir / "log" / "slurmd.log").read_text()
    assert "health_check failed" not in slurmd_log
    assert "health_check killed" not in slurmd_log
    assert cluster.log_lines(), "the health check never ran"


def test_teardown_leaves_no_process(cluster):
    # A running job (slurmstepd and its sleep outlive slurmd when only the
    # daemons are stopped) and a held one.
    running = cluster.sh("sbatch", "--parsable", "--output=/dev/null", "--wrap", "sleep 300", user=NOBODY)
    held = cluster.sh("sbatch", "--parsable", "--hold", "--output=/dev/null", "--wrap", "true", user=NOBODY)
    assert running.returncode == 0 and held.returncode == 0, (running, held)
    cluster.wait_for("the job's slurmstepd and sleep running", lambda: {"slurmstepd", "sleep"} <= set(
        cluster.sh("ps", "-e", "-o", "comm=").stdout.split()), 20)
    out = cluster.stop()
    stopped = [line.split()[1] for line in out if line.startswith("stopped ")]
    assert stopped == ["slurmd", "slurmctld", "munged"], out
    assert not [line for line in out if line.startswith(("killed ", "left ", "jobs left"))], out
    # The namespace is gone with its first process: nothing on this machine is in it.
    deadline = time.monotonic() + 10
    while True:
        inside = []
        for proc in pathlib.Path("/proc").iterdir():
            if proc.name.isdigit():
                try:
                    if os.readlink(proc / "ns" / "pid") == cluster.pidns:
                        inside.append(proc.name)
                except OSError:
                    pass
        if not inside or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert inside == [], f"processes still in the cluster's PID namespace: {inside}"
    assert cluster.proc.returncode == 0
