"""`ongpu run -- CMD` (docs/run.md): the command runs as the shell would run
it, and ongpu says whether its processes used a GPU. The GPU side is the fake
driver: its `context_registry` makes a process that creates a context with
the fake libcuda.so.1 appear in the fake NVML's compute processes, as the real
driver does (tests/fakes/README.md)."""
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import xml.dom.minidom

import jsonschema
import pytest

from conftest import BUILD, FAKE_LIB, FIXTURES, REPO

CTX = pathlib.Path(__file__).parent / "run" / "ctx.py"
SCHEMA_PATH = REPO / "docs/schema/run-1.schema.json"
HEALTHY = str(FIXTURES / "healthy-1gpu")
NO_GPU = 99  # --require-gpu's exit code (run/run_rules.h)


def scenario(tmp_path, extra=""):
    conf = tmp_path / "scenario.conf"
    conf.write_text(f"context_registry = {tmp_path / 'registry'}\ngpu.0.utilization = 87\n{extra}")
    return conf


def env_for(tmp_path, conf=None, nvml=True, **extra):
    e = {k: v for k, v in os.environ.items()
         if k not in ("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "LD_LIBRARY_PATH", "ONGPU_FAKE_SCENARIO")}
    e["PATH"] = "/usr/bin:/bin"
    e["LD_LIBRARY_PATH"] = str(FAKE_LIB) if nvml else "/nonexistent"
    e["ONGPU_FAKE_SCENARIO"] = str(conf or scenario(tmp_path))
    e.update(extra)
    return e


def run(tmp_path, *args, env=None, timeout=60, input=None, root=HEALTHY, **kw):
    """ongpu run ARGS with the fake driver; returns (proc, report dict or None)."""
    report = tmp_path / "report.json"
    cmd = [str(BUILD / "ongpu"), "run", "--report", str(report)]
    if root:
        cmd += ["--root", root]
    cmd += list(args)
    p = subprocess.run(cmd, env=env or env_for(tmp_path), capture_output=True, timeout=timeout,
                       input=input, preexec_fn=default_signals, **kw)
    doc = json.loads(report.read_text()) if report.exists() else None
    if doc is not None:
        jsonschema.validate(doc, json.loads(SCHEMA_PATH.read_text()))
    return p, doc


def default_signals():
    # A command starts with the signals ignored that its parent ignored (a CI
    # started in the background ignores SIGINT, under nohup SIGHUP), and ongpu
    # passes that on, as a shell would. These tests are about signals that act.
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def wait_or_kill(pid, seconds):
    """waitpid with a deadline: a test that would hang fails instead."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError(f"pid {pid} did not end within {seconds} s")


def python():
    return "/usr/bin/python3"


def read_pty(master):
    """Everything left on a pty's master side, until its other side closes."""
    out = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: no process holds the terminal any more
            break
        if not chunk:
            break
        out += chunk
    return out


# --- the command runs as the shell would run it ---------------------------

def test_exit_code_stdout_and_stdin_pass_through(tmp_path):
    p, doc = run(tmp_path, "--", "sh", "-c", "cat; echo out; exit 3", input=b"in\n")
    assert p.returncode == 3
    assert p.stdout == b"in\nout\n"
    assert doc["exit_code"] == doc["command_exit_code"] == 3
    assert doc["end"] == "exited"


def test_stderr_bytes_pass_through_unchanged(tmp_path):
    # Invalid UTF-8, carriage returns, a NUL, no final newline: the same bytes.
    payload = b"\xff\xfe bar\r 50%\r100%\x00\nlast"
    p, _ = run(tmp_path, "--", "sh", "-c", "printf '\\377\\376 bar\\r 50%%\\r100%%\\000\\nlast' >&2")
    assert p.stderr.startswith(payload), p.stderr[:80]
    assert b"ongpu: " in p.stderr[len(payload):]


def test_same_environment_and_directory(tmp_path):
    p, _ = run(tmp_path, "--", "sh", "-c", 'echo "$ONGPU_TEST_VALUE $PWD"',
               env=env_for(tmp_path, ONGPU_TEST_VALUE="kept"), cwd=tmp_path)
    assert p.stdout.decode().strip() == f"kept {tmp_path}"


@pytest.mark.parametrize("args,rc,words", [
    (["--", "ongpu-no-such-command"], 127, "command not found"),
    (["--", "/etc/passwd"], 126, "Permission denied"),
    (["--", str(REPO)], 126, "Permission denied"),
    ([], 64, "put the command after --"),
    (["python3", "x.py"], 64, "put the command after --"),
    (["--"], 64, "no command after --"),
    (["--interval", "0", "--", "true"], 64, "--interval"),
    (["--require-gpu=later", "--", "true"], 64, "--require-gpu"),
])
def test_bad_commands_and_usage(tmp_path, args, rc, words):
    p, _ = run(tmp_path, *args)
    assert p.returncode == rc, p.stderr
    assert words in p.stderr.decode()


def test_a_command_killed_by_a_signal_ends_ongpu_by_the_same_signal(tmp_path):
    p, doc = run(tmp_path, "--", "sh", "-c", "kill -KILL $$")
    assert p.returncode == -signal.SIGKILL
    assert doc["end"] == "signaled" and doc["signal"] == signal.SIGKILL
    assert doc["command_exit_code"] == 128 + signal.SIGKILL


def test_sigterm_to_ongpu_reaches_the_command_once(tmp_path):
    count = tmp_path / "count"
    script = f'trap \'echo term >> {count}; exit 5\' TERM; echo ready; while :; do sleep 0.05; done'
    proc = subprocess.Popen([str(BUILD / "ongpu"), "run", "--root", HEALTHY, "--", "sh", "-c", script],
                            env=env_for(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=default_signals)
    assert proc.stdout.readline() == b"ready\n"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 5, err
    assert count.read_text() == "term\n"


def test_ctrl_c_on_a_terminal_reaches_the_command_once(tmp_path):
    # ongpu and the command in the terminal's foreground process group: the
    # terminal's SIGINT goes to both; ongpu must not send a second one.
    import pty
    count = tmp_path / "count"
    script = f'trap \'echo int >> {count}; exit 7\' INT; echo ready; while :; do sleep 0.05; done'
    pid, master = pty.fork()
    if pid == 0:
        default_signals()
        os.execve(str(BUILD / "ongpu"), [str(BUILD / "ongpu"), "run", "--root", HEALTHY, "--", "sh", "-c", script],
                  env_for(tmp_path))
    try:
        out = b""
        deadline = time.time() + 20
        while b"ready" not in out and time.time() < deadline:
            out += os.read(master, 1024)
        os.write(master, b"\x03")  # Ctrl-C
        status = wait_or_kill(pid, 30)
        out += read_pty(master)
    finally:
        os.close(master)
    assert os.waitstatus_to_exitcode(status) == 7, out
    assert count.read_text() == "int\n"
    # The command's stderr was a terminal (a pty of ongpu's), its summary followed.
    assert b"did not use a GPU" in out


def test_stderr_is_a_terminal_when_ongpu_s_is(tmp_path):
    import pty
    pid, master = pty.fork()
    if pid == 0:
        os.execve(str(BUILD / "ongpu"),
                  [str(BUILD / "ongpu"), "run", "--root", HEALTHY, "--", "sh", "-c",
                   "if [ -t 2 ]; then echo tty >&2; else echo notty >&2; fi"], env_for(tmp_path))
    out = read_pty(master)
    os.waitpid(pid, 0)
    os.close(master)
    assert out.startswith(b"tty\r\n"), out  # the terminal turned \n into \r\n, once
    # Without a terminal it is a pipe, and the command can tell.
    p, _ = run(tmp_path, "--", "sh", "-c", "if [ -t 2 ]; then echo tty >&2; else echo notty >&2; fi")
    assert p.stderr.startswith(b"notty\n")


# --- the GPU: which processes used one --------------------------------------

def test_a_process_with_a_cuda_context_used_the_gpu(tmp_path):
    p, doc = run(tmp_path, "--interval", "0.2", "--", python(), str(CTX), "2", "3")
    assert p.returncode == 0, p.stderr
    assert doc["used_gpu"] is True and doc["gpu_use_observed"] is True
    assert "root_cause" not in doc
    [gpu] = doc["gpus"]
    assert gpu["uuid"] == "GPU-00000000-1111-2222-3333-444444444444" and gpu["nvml_index"] == 0
    assert gpu["cuda_ordinal"] == 0
    # The fake's context costs 512 MiB, and the program allocated 3 GiB.
    assert gpu["peak_memory_bytes"] == (512 << 20) + (3 << 30)
    assert all(s["utilization_percent"] == 87 for s in gpu["samples"])
    # Two seconds at 0.2 s: about ten reads of each source.
    assert 5 <= doc["samples"] <= 30 and 5 <= doc["process_samples"] <= 30
    [proc] = [x for x in doc["processes"] if x["gpus"]]
    assert proc["interpreter"] and proc["command"].endswith("ctx.py 2 3")
    assert any(lib["path"].endswith("fakes/lib/libcuda.so.1") for lib in proc["libraries"])
    assert proc["gpus"][0]["utilization"] and proc["gpus"][0]["utilization"][0]["sm_percent"] == 87
    err = p.stderr.decode()
    assert "used GPU 0 (NVIDIA H100 80GB HBM3) for" in err and "peak 3.5 GiB, busy 87 %" in err


def test_cuda_ordinal_under_cuda_visible_devices(tmp_path):
    conf = scenario(tmp_path, "gpu_count = 2\n")
    p, doc = run(tmp_path, "--interval", "0.2", "--", python(), str(CTX), "1.5", "1",
                 env=env_for(tmp_path, conf, CUDA_VISIBLE_DEVICES="1"), root=str(FIXTURES / "healthy-8gpu"))
    assert p.returncode == 0, p.stderr
    [gpu] = doc["gpus"]
    assert gpu["nvml_index"] == 1 and gpu["cuda_ordinal"] == 0
    assert "used GPU 1 (cuda:0, NVIDIA H100 80GB HBM3)" in p.stderr.decode()


def test_require_gpu_fails_a_command_that_exited_0_without_one(tmp_path):
    p, doc = run(tmp_path, "--require-gpu", "--interval", "0.2", "--", "sleep", "0.5")
    assert p.returncode == NO_GPU
    assert doc["used_gpu"] is False and doc["command_exit_code"] == 0 and doc["exit_code"] == NO_GPU
    assert "did not use a GPU: no process created a CUDA context" in p.stderr.decode()
    p, doc = run(tmp_path, "--require-gpu", "--interval", "0.2", "--", python(), str(CTX), "1", "1")
    assert p.returncode == 0 and doc["used_gpu"]


def test_a_daemon_that_left_with_setsid_is_watched_and_left_running(tmp_path):
    pidfile = tmp_path / "daemon.pid"
    script = f"setsid {python()} {CTX} 30 1 & echo $! > {pidfile}; sleep 2"
    p, doc = run(tmp_path, "--interval", "0.2", "--", "sh", "-c", script)
    try:
        assert p.returncode == 0, p.stderr
        assert doc["used_gpu"] is True
        [user] = [x for x in doc["processes"] if x["gpus"]]
        assert user["daemonized"] is True
        # Left running, as it would be without ongpu.
        daemon = int(pidfile.read_text())
        assert pathlib.Path(f"/proc/{daemon}").exists()
    finally:
        subprocess.run(["pkill", "-f", f"{CTX} 30 1"])


# --- stopping early -----------------------------------------------------------

TF_FALLBACK = ("2026-01-01 12:00:00.000000: W tensorflow/core/common_runtime/gpu/gpu_device.cc:2344] "
               "Cannot dlopen some GPU libraries. Please make sure the missing libraries mentioned above are "
               "installed properly if you would like to use GPU. Skipping registering GPU devices...")


def test_early_stop_at_a_fallback_line_ends_the_whole_tree(tmp_path):
    pidfile = tmp_path / "child.pid"
    script = f"sleep 60 & echo $! > {pidfile}; echo '{TF_FALLBACK}' >&2; wait"
    start = time.time()
    p, doc = run(tmp_path, "--require-gpu=early", "--", "sh", "-c", script)
    assert time.time() - start < 20
    assert p.returncode == NO_GPU
    assert doc["end"] == "stopped_early"
    assert doc["messages"][doc["stopped_early"]["message"]]["id"] == "verify.gpu_libraries_missing"
    err = p.stderr.decode()
    assert 'TensorFlow said "Cannot dlopen some GPU libraries.' in err
    assert "it fell back to the CPU (--require-gpu=early)" in err
    child = int(pidfile.read_text())
    time.sleep(0.2)
    stat = pathlib.Path(f"/proc/{child}/stat")
    assert not stat.exists() or stat.read_text().split(") ")[1][0] == "Z"


def test_early_stop_kills_what_ignores_sigterm_after_the_command_ended(tmp_path):
    pidfile = tmp_path / "stubborn.pid"
    script = (f"(trap '' TERM; exec sleep 60) & echo $! > {pidfile}; sleep 0.3; "
              f"echo '{TF_FALLBACK}' >&2; wait")
    start = time.time()
    p, doc = run(tmp_path, "--require-gpu=early", "--interval", "0.2", "--", "sh", "-c", script)
    assert p.returncode == NO_GPU and doc["end"] == "stopped_early"
    assert time.time() - start < 30  # SIGKILL after the 10 s grace, not sleep's 60 s
    stubborn = int(pidfile.read_text())
    stat = pathlib.Path(f"/proc/{stubborn}/stat")
    assert not stat.exists() or stat.read_text().split(") ")[1][0] == "Z"


def test_fail_fast_after_the_grace_period_without_a_context(tmp_path):
    start = time.time()
    p, doc = run(tmp_path, "--fail-fast", "--grace", "1", "--interval", "0.2", "--", "sleep", "60")
    assert time.time() - start < 15
    assert p.returncode == NO_GPU and doc["end"] == "stopped_early"
    assert "no process held a CUDA context within 1.0s" in p.stderr.decode()


def test_grace_alone_does_not_stop_a_command_ongpu_cannot_see(tmp_path):
    # Without NVML no context can be seen: waiting proves nothing.
    p, doc = run(tmp_path, "--fail-fast", "--grace", "0.5", "--interval", "0.2", "--", "sleep", "2",
                 env=env_for(tmp_path, nvml=False))
    assert doc["end"] == "exited" and doc["gpu_use_observed"] is False
    assert p.returncode == NO_GPU  # still no proof at the end
    assert "NVML could not be asked (NVML could not be loaded" in p.stderr.decode()


# --- NVML faults never disturb the command -------------------------------------

@pytest.mark.parametrize("fault,kind", [
    ("nvml.nvmlDeviceGetComputeRunningProcesses_v3 = crash", "nvml_crashed"),
    ("nvml.nvmlInit_v2 = error:9", "nvml_unavailable"),
])
def test_nvml_faults_are_reported_and_the_command_runs_on(tmp_path, fault, kind):
    conf = scenario(tmp_path, fault + "\n")
    p, doc = run(tmp_path, "--interval", "0.2", "--", "sh", "-c", "sleep 1; echo done; exit 4",
                 env=env_for(tmp_path, conf))
    assert p.returncode == 4 and p.stdout == b"done\n"
    assert kind in [g["kind"] for g in doc["not_observed"]]


def test_a_hung_nvml_is_ended_and_reported(tmp_path):
    conf = scenario(tmp_path, "nvml.nvmlDeviceGetUtilizationRates = hang\n")
    start = time.time()
    p, doc = run(tmp_path, "--interval", "0.2", "--", "sleep", "7", env=env_for(tmp_path, conf), timeout=60)
    assert p.returncode == 0
    assert time.time() - start < 20
    kinds = [g["kind"] for g in doc["not_observed"]]
    assert "nvml_hung" in kinds
    texts = " ".join(g["text"] for g in doc["not_observed"])
    assert "nvmlDeviceGetUtilizationRates" in texts
    # Nothing of ongpu's is left: no watcher child outlives it.
    time.sleep(0.3)
    left = subprocess.run(["pgrep", "-f", "__probe nvml-watch"], capture_output=True, text=True).stdout
    assert left.strip() == ""


# --- the timeline -----------------------------------------------------------------

def test_timeline_is_an_svg_with_the_marks(tmp_path):
    svg = tmp_path / "t.svg"
    script = f"echo '{TF_FALLBACK}' >&2; {python()} {CTX} 1.5 2"
    p, doc = run(tmp_path, "--interval", "0.2", "--timeline", str(svg), "--", "sh", "-c", script)
    assert p.returncode == 0, p.stderr
    dom = xml.dom.minidom.parse(str(svg))
    assert dom.documentElement.tagName == "svg"
    text = svg.read_text()
    titles = [t.firstChild.data for t in dom.getElementsByTagName("title") if t.firstChild]
    assert any("Cannot dlopen some GPU libraries" in t for t in titles)
    assert "GPU-00000000-1111-2222-3333-444444444444" in text
    assert "start" in text and "exited 0" in text


def test_json_summary_on_stderr(tmp_path):
    p, _ = run(tmp_path, "--json", "--", "sh", "-c", "echo out")
    assert p.stdout == b"out\n"
    doc = json.loads(p.stderr)
    jsonschema.validate(doc, json.loads(SCHEMA_PATH.read_text()))
    assert doc["command"] == ["sh", "-c", "echo out"]
    assert doc["ongpu_version"] and doc["ongpu_cpu_s"] >= 0


# --- real frameworks ------------------------------------------------------------------

TEST_PYTHON = sys.executable  # the test environment: TensorFlow, JAX, ONNX Runtime for the CPU


def have(python, module):
    return subprocess.run([str(python), "-c", f"import {module}"], capture_output=True).returncode == 0


@pytest.mark.parametrize("module,code,said", [
    ("tensorflow", "import tensorflow as tf; print(float(tf.reduce_sum(tf.ones((64, 64)))))",
     "Could not find cuda drivers on your machine"),
    ("jax", "import jax.numpy as jnp; print(float(jnp.ones((64, 64)).sum()))", None),
    ("onnxruntime", "import onnxruntime as ort; print(ort.get_device())", None),
])
def test_real_frameworks_on_this_cpu_machine(tmp_path, module, code, said):
    if not have(TEST_PYTHON, module):
        pytest.skip(f"{module} is not in the test environment")
    # This machine: no GPU, no driver; the doctor's cause is the machine's.
    # It stays a moment after its import, so that a sample sees what it mapped.
    code += "; import time; time.sleep(1)"
    p, doc = run(tmp_path, "--require-gpu", "--interval", "0.2", "--", TEST_PYTHON, "-c", code, root=None,
                 env=env_for(tmp_path, nvml=False, HOME="/tmp"), timeout=300)
    assert p.returncode == NO_GPU, p.stderr[-2000:]
    assert p.stdout.strip() in (b"4096.0", b"CPU")
    assert doc["used_gpu"] is False
    assert doc["root_cause"]["id"] == "pci.no_nvidia_device"
    assert doc["doctor_checked"] == TEST_PYTHON
    err = p.stderr.decode()
    assert "did not use a GPU" in err and "no NVIDIA GPU on the PCI bus" in err
    if said:
        assert f'said "{said}' in err
        assert any(said in m["text"] for m in doc["messages"])
    mapped = [fw for proc in doc["processes"] for fw in proc["frameworks"]]
    assert module in mapped  # (Keras 3 under TensorFlow may map jaxlib too)


def gt_python(name):
    sys.path.insert(0, str(REPO / "tests" / "ground_truth"))
    import ground_truth as gt
    python = gt.env_python(name)
    if not python.exists():
        pytest.fail(f"{python} is missing: run tools/ground-truth-envs.sh (tools/test.sh does)")
    return python


def test_real_tensorflow_under_the_fake_driver_and_the_printed_fix(tmp_path):
    """tensorflow[and-cuda] 2.21 against the fake driver: TensorFlow falls back
    (it cannot reach the cuSOLVER wheel), ongpu says so with the doctor's cause
    and fix; with the fix applied TensorFlow registers the GPU and prints no
    fallback, and the doctor finds nothing left."""
    python = gt_python("tf-2.21")
    # It stays a moment after, so that a sample sees the libraries it mapped.
    code = "import tensorflow as tf, time; print(tf.config.list_physical_devices('GPU')); time.sleep(1)"
    env = env_for(tmp_path, HOME="/tmp")
    p, doc = run(tmp_path, "--interval", "0.2", "--", str(python), "-c", code, env=env, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip() == b"[]"
    err = p.stderr.decode()
    assert 'TensorFlow said "Cannot dlopen some GPU libraries.' in err
    assert doc["root_cause"]["id"] == "framework.cuda_wheels_unreachable"
    [fix] = [f for f in doc["root_cause"]["fix"] if f.startswith("export LD_LIBRARY_PATH=")]
    # Apply the fix as a user would, in the shell that runs the command.
    fixed = subprocess.run(["sh", "-c", f'{fix}; echo "$LD_LIBRARY_PATH"'], env=env, capture_output=True,
                           text=True).stdout.strip()
    p2, doc2 = run(tmp_path, "--interval", "0.2", "--", str(python), "-c", code,
                   env={**env, "LD_LIBRARY_PATH": fixed}, timeout=300)
    assert p2.returncode == 0, p2.stderr[-2000:]
    assert b"/physical_device:GPU:0" in p2.stdout
    assert doc2["messages"] == [] and "root_cause" not in doc2
    # The CUDA libraries TensorFlow really mapped are the files the doctor predicted.
    compared = [lib for proc in doc2["processes"] for lib in proc["libraries"] if "predicted_path" in lib]
    assert compared and all(lib["same_as_predicted"] for lib in compared), compared
    assert {"cudart", "cublas", "cudnn"} <= {lib["kind"] for lib in compared}
    # Registering a GPU is not using it: no context was created.
    assert doc2["used_gpu"] is False
    assert "the doctor finds nothing that keeps" in p2.stderr.decode()
