"""ongpu's Prometheus textfile against the real thing: Debian's
prometheus-node-exporter, started with only its textfile collector, scrapes
what `ongpu doctor --prometheus` and `ongpu verify --prometheus` write (the
real binary and the fake driver); promtool lints the file and unit-tests the
alert rules in contrib/prometheus.

Needs prometheus-node-exporter, promtool and curl (tools/deps.sh --tests);
without them the tests fail, they do not skip. ONGPU_BUILD names the build.
"""
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("ONGPU_BUILD", REPO / "build")).resolve()
SCENARIOS = REPO / "tests" / "fakes" / "scenarios"
ROOTS = REPO / "tests" / "fixtures" / "roots"
RULES = REPO / "contrib" / "prometheus"
NODE_EXPORTER = "/usr/bin/prometheus-node-exporter"
# The test environment's own interpreter has real TensorFlow, JAX and ONNX Runtime.
PYTHON = sys.executable

# dcgm-exporter's label spelling, which ongpu keeps so that its series join
# with DCGM's; promtool's lint prefers snake_case and says so, nothing else.
DCGM_CAMEL_CASE = "label names should be written in 'snake_case' not 'camelCase'"


def tool(path_or_name):
    found = shutil.which(path_or_name)
    if not found:
        pytest.fail(f"{path_or_name} is missing: tools/deps.sh --tests installs it")
    return found


def ongpu(*args, scenario=None, timeout=120):
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root")}
    if scenario:
        env["LD_LIBRARY_PATH"] = str(BUILD / "fakes" / "lib")
        env["ONGPU_FAKE_SCENARIO"] = str(SCENARIOS / scenario)
    return subprocess.run([str(BUILD / "ongpu"), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def series(text):
    """{(name, frozenset(labels)): value} of a text exposition; raises on a bad one."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def same(a, b):
    return a == b or (a != a and b != b)  # NaN equals NaN here


@pytest.fixture(scope="module")
def textfile_dir():
    # node_exporter runs as the prometheus user, as Debian's unit starts it:
    # the directory must be reachable and the files readable by it.
    d = Path(tempfile.mkdtemp(prefix="ongpu-textfile-", dir="/tmp"))
    d.chmod(0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def exporter(textfile_dir):
    tool(NODE_EXPORTER)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [NODE_EXPORTER, "--collector.disable-defaults", "--collector.textfile",
           f"--collector.textfile.directory={textfile_dir}", f"--web.listen-address=127.0.0.1:{port}"]
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("prometheus")
            cmd = ["setpriv", "--reuid=prometheus", "--regid=prometheus", "--init-groups", *cmd]
        except KeyError:
            pass
    log = open(textfile_dir.parent / f"{textfile_dir.name}.log", "w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/metrics"
    deadline = time.monotonic() + 10
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"node_exporter did not serve {url}: {Path(log.name).read_text()}")
            time.sleep(0.05)

    def scrape():
        return urllib.request.urlopen(url, timeout=5).read().decode()

    yield scrape
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()
    os.unlink(log.name)


def test_every_series_written_is_scraped_and_lints(exporter, textfile_dir):
    prom = textfile_dir / "ongpu.prom"
    r = ongpu("doctor", "--no-python", "--root", str(ROOTS / "healthy-8gpu"), "--prometheus", str(prom),
              scenario="healthy-8gpu.conf")
    assert r.returncode in (0, 1), r.stderr
    assert r.stdout.startswith("Doctor summary"), "the report is still printed"
    assert oct(prom.stat().st_mode & 0o777) == "0o644"
    assert sorted(p.name for p in textfile_dir.iterdir()) == ["ongpu.prom"], "no temporary file left"
    written = series(prom.read_text())
    usable = {k: v for k, v in written.items() if k[0] == "ongpu_gpu_usable"}
    assert len(usable) == 8
    for (name, labels), value in usable.items():
        labels = dict(labels)
        assert value == 1
        assert labels["device"] == "nvidia" + labels["gpu"]  # the fixture's minors follow the index
        assert labels["modelName"] == "NVIDIA H100 80GB HBM3"
        assert labels["UUID"].startswith("GPU-")
    assert written[("ongpu_exit_code", frozenset({("check", "doctor")}))] == r.returncode
    assert written[("ongpu_usable_gpus", frozenset({("check", "doctor")}))] == 8

    scraped = series(exporter())
    for key, value in written.items():
        assert key in scraped, f"{key} written but not exported"
        assert same(scraped[key], value), key
    assert scraped[("node_textfile_scrape_error", frozenset())] == 0

    lint = subprocess.run([tool("promtool"), "check", "metrics"], input=prom.read_text(),
                          capture_output=True, text=True, timeout=30)
    complaints = [line for line in (lint.stdout + lint.stderr).splitlines() if line.strip()]
    assert lint.returncode in (0, 3), lint.stdout + lint.stderr
    assert all(DCGM_CAMEL_CASE in c for c in complaints), complaints
    prom.unlink()


def test_a_broken_gpu_is_exported_with_its_finding(exporter, textfile_dir):
    prom = textfile_dir / "ongpu.prom"
    r = ongpu("doctor", "--no-python", "--prometheus", str(prom),
              scenario="cuda-init-system-driver-mismatch.conf")
    assert r.returncode == 2, r.stdout + r.stderr
    scraped = series(exporter())
    assert scraped[("ongpu_exit_code", frozenset({("check", "doctor")}))] == 2
    gpus = [v for (n, _), v in scraped.items() if n == "ongpu_gpu_usable"]
    assert gpus == [0]
    findings = {dict(l)["id"]: dict(l) for (n, l), _ in scraped.items() if n == "ongpu_finding"}
    assert findings["cuda.init_failed"]["severity"] == "error"
    host = Path("/proc/sys/kernel/hostname").read_text().strip()
    labels = [dict(l) for (n, l), _ in scraped.items() if n == "ongpu_gpu_usable"][0]
    assert labels["Hostname"] == host
    prom.unlink()


def test_a_node_without_a_driver_exports_its_exit_code_for_the_node_alert(exporter, textfile_dir):
    """No driver: NVML and CUDA list no GPU, so no ongpu_gpu_usable series;
    OngpuNodeUnusable alerts on ongpu_exit_code instead."""
    prom = textfile_dir / "ongpu.prom"
    r = ongpu("doctor", "--no-python", "--root", str(ROOTS / "gpu-no-driver"), "--prometheus", str(prom))
    assert r.returncode == 2, r.stdout + r.stderr
    scraped = series(exporter())
    assert scraped[("ongpu_exit_code", frozenset({("check", "doctor")}))] == 2
    assert scraped[("ongpu_usable_gpus", frozenset({("check", "doctor")}))] == 0
    assert not any(n == "ongpu_gpu_usable" for n, _ in scraped)
    assert any(n == "ongpu_finding" and dict(l)["severity"] == "error" for n, l in scraped)
    prom.unlink()


def test_an_empty_file_name_is_a_usage_error():
    r = ongpu("doctor", "--no-python", "--prometheus", "", scenario="healthy.conf")
    assert r.returncode == 64
    assert "FILE is empty" in r.stderr


def test_doctor_and_verify_files_export_side_by_side(exporter, textfile_dir):
    """Two files with the same families: node_exporter drops a series whose
    HELP differs between files, and refuses one written twice."""
    doctor_prom = textfile_dir / "ongpu.prom"
    verify_prom = textfile_dir / "ongpu-verify.prom"
    d = ongpu("doctor", "--python", PYTHON, "--python-only", "--prometheus", str(doctor_prom),
              scenario="healthy.conf")
    v = ongpu("verify", "--python", PYTHON, "--framework", "jax", "--prometheus", str(verify_prom),
              scenario="healthy.conf", timeout=300)
    assert d.returncode in (0, 1, 2) and v.returncode in (0, 1, 2), d.stderr + v.stderr
    scraped = series(exporter())
    assert scraped[("node_textfile_scrape_error", frozenset())] == 0
    for path in (doctor_prom, verify_prom):
        for key, value in series(path.read_text()).items():
            assert key in scraped and same(scraped[key], value), (path.name, key)
    # JAX from PyPI here is the CPU build: the doctor predicts, verify proves, CPU.
    jax = {dict(l)["check"]: val for (n, l), val in scraped.items()
           if n == "ongpu_framework_on_gpu" and dict(l)["framework"] == "jax"}
    assert jax == {"doctor": 0, "verify": 0}
    doctor_prom.unlink()
    verify_prom.unlink()


def test_a_broken_file_beside_ours_is_a_scrape_error_and_ours_stays(exporter, textfile_dir):
    prom = textfile_dir / "ongpu.prom"
    ongpu("doctor", "--no-python", "--prometheus", str(prom), scenario="healthy.conf")
    bad = textfile_dir / "other.prom"
    bad.write_text('ongpu_gpu_usable{gpu="0" 1\n')
    bad.chmod(0o644)
    try:
        text = exporter()
        scraped = series(text)
        assert scraped[("node_textfile_scrape_error", frozenset())] == 1
        assert any(n == "ongpu_gpu_usable" for n, _ in scraped)
    finally:
        bad.unlink()
        prom.unlink()
    assert series(exporter())[("node_textfile_scrape_error", frozenset())] == 0


def test_an_unwritable_file_is_exit_70_with_the_report_and_nothing_written(textfile_dir):
    missing = textfile_dir / "no-such-dir" / "ongpu.prom"
    r = ongpu("doctor", "--no-python", "--prometheus", str(missing), scenario="healthy.conf")
    assert r.returncode == 70
    assert r.stdout.startswith("Doctor summary")
    assert f"cannot write --prometheus {missing}" in r.stderr
    assert "No such file or directory" in r.stderr
    occupied = textfile_dir / "a-directory.prom"
    occupied.mkdir()
    try:
        r = ongpu("doctor", "--no-python", "--prometheus", str(occupied), scenario="healthy.conf")
        assert r.returncode == 70
        assert "cannot rename" in r.stderr
        assert sorted(p.name for p in textfile_dir.iterdir()) == ["a-directory.prom"]
    finally:
        occupied.rmdir()


def test_a_reader_never_sees_a_partial_file(textfile_dir):
    """Reads while the doctor rewrites the file: each read is a whole, valid
    exposition (node_exporter would otherwise report a parse error)."""
    prom = textfile_dir / "ongpu.prom"
    ongpu("doctor", "--no-python", "--prometheus", str(prom), scenario="healthy-8gpu.conf")
    env = {"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": str(BUILD / "fakes" / "lib"),
           "ONGPU_FAKE_SCENARIO": str(SCENARIOS / "healthy-8gpu.conf")}
    writer = subprocess.Popen(
        ["sh", "-c", f'for i in $(seq 30); do "{BUILD}/ongpu" doctor --no-python --prometheus "{prom}" >/dev/null; [ $? -le 1 ] || exit 9; done'],
        env=env)
    reads = 0
    try:
        while writer.poll() is None:
            text = prom.read_text()
            series(text)
            assert text.endswith("\n") and "ongpu_framework_on_gpu" in text
            reads += 1
    finally:
        writer.wait(timeout=120)
    assert writer.returncode == 0
    assert reads > 10
    prom.unlink()


def test_the_alert_rules_pass_their_unit_tests():
    promtool = tool("promtool")
    check = subprocess.run([promtool, "check", "rules", str(RULES / "ongpu-alerts.yml")],
                           capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr
    test = subprocess.run([promtool, "test", "rules", "ongpu-alerts.test.yml"], cwd=RULES,
                          capture_output=True, text=True, timeout=60)
    assert test.returncode == 0, test.stdout + test.stderr
    assert "SUCCESS" in test.stdout + test.stderr


def test_the_alert_rules_use_only_series_ongpu_writes(textfile_dir):
    """An alert on a name ongpu does not write would never fire."""
    import re
    import yaml
    prom = textfile_dir / "names.prom"
    ongpu("doctor", "--python", PYTHON, "--python-only", "--prometheus", str(prom),
          scenario="cuda-init-system-driver-mismatch.conf")
    written = {name for name, _ in series(prom.read_text())}
    prom.unlink()
    rules = yaml.safe_load((RULES / "ongpu-alerts.yml").read_text())["groups"][0]["rules"]
    for rule in rules:
        names = set(re.findall(r"\bongpu_[a-z_]+", rule["expr"]))
        assert names and names <= written, (rule["alert"], names - written)
