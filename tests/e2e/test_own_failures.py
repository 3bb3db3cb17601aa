"""ongpu's own failures are never blamed on the driver (issue: hardening §6):
too few file descriptors to start its probes is "ongpu could not check CUDA
here" and exit 70, not "CUDA cannot use a GPU"; an LD_PRELOAD library that
crashes the probes is named as the suspect."""
import os
import resource
import shutil
import subprocess

import pytest

from conftest import BUILD, FAKE_LIB, FIXTURES, SCENARIOS
from test_binary import sanitized

ROOT = str(FIXTURES / "healthy-1gpu")


def env(**extra):
    e = {k: v for k, v in os.environ.items() if k not in ("CUDA_VISIBLE_DEVICES", "LD_PRELOAD")}
    e.update(LD_LIBRARY_PATH=str(FAKE_LIB), ONGPU_FAKE_SCENARIO=str(SCENARIOS / "healthy.conf"),
             PATH="/usr/bin:/bin", NO_COLOR="1")
    e.update(extra)
    return e


@pytest.mark.skipif(sanitized, reason="a sanitizer runtime needs descriptors of its own")
def test_too_few_file_descriptors_is_ongpus_failure_not_the_drivers():
    def few():
        resource.setrlimit(resource.RLIMIT_NOFILE, (8, 8))
    p = subprocess.run([str(BUILD / "ongpu"), "doctor", "--json", "--root", ROOT, "--no-python"], env=env(),
                       capture_output=True, text=True, timeout=60, preexec_fn=few)
    assert p.returncode == 70, p.stderr
    doc = __import__("json").loads(p.stdout)
    assert doc["verdict"]["status"] == "unchecked"
    assert doc["verdict"]["root_cause"] in ("nvml.probe_not_started", "cuda.probe_not_started")
    assert doc["verdict"]["summary"].startswith("ongpu could not check CUDA here")
    assert "Too many open files" in doc["verdict"]["summary"]
    text = subprocess.run([str(BUILD / "ongpu"), "doctor", "--root", ROOT, "--no-python"], env=env(),
                          capture_output=True, text=True, timeout=60, preexec_fn=few).stdout
    assert "CUDA cannot use a GPU" not in text and "ulimit -n 1024" in text, text


@pytest.mark.skipif(sanitized, reason="a sanitizer runtime must come first in the preload list")
def test_a_preloaded_library_that_crashes_the_probes_is_the_suspect(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler")
    src = tmp_path / "crash.c"
    # Crashes only in ongpu's probes (their argv has "__probe"), not in ongpu itself.
    src.write_text(r'''
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
__attribute__((constructor)) static void crash_in_probes(void) {
  char buf[4096]; int fd = open("/proc/self/cmdline", O_RDONLY); if (fd < 0) return;
  ssize_t n = read(fd, buf, sizeof buf - 1); close(fd); if (n <= 0) return;
  for (ssize_t i = 0; i < n; ++i) if (buf[i] == 0) buf[i] = ' ';
  buf[n] = 0;
  if (strstr(buf, "__probe")) raise(SIGSEGV);
}
''')
    lib = tmp_path / "libcrash.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    p = subprocess.run([str(BUILD / "ongpu"), "doctor", "--json", "--root", ROOT, "--no-python"],
                       env=env(LD_PRELOAD=str(lib)), capture_output=True, text=True, timeout=60)
    doc = __import__("json").loads(p.stdout)
    crashed = [f for f in doc["findings"] if f["id"].endswith(".probe_crashed")]
    assert crashed, doc["findings"]
    for f in crashed:
        assert f"LD_PRELOAD={lib}" in f["summary"] and "first suspect" in f["summary"], f["summary"]
        assert f["fix"][0].startswith("env -u LD_PRELOAD ongpu doctor"), f["fix"]


@pytest.mark.skipif(sanitized, reason="a sanitizer runtime reads /proc/self/maps as it starts")
def test_a_missing_proc_is_ongpus_failure_not_the_drivers():
    # /proc hidden in a private mount namespace: ongpu cannot find its own
    # executable to start its probes (it needs root, or user namespaces).
    inner = (f"mount -t tmpfs none /proc && exec '{BUILD / 'ongpu'}' doctor --json --root '{ROOT}' --no-python")
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", inner], env=env(),
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 70 and ("Operation not permitted" in p.stderr or "unshare failed" in p.stderr
                               or "permission denied" in p.stderr.lower()):
        pytest.skip(f"no mount namespace here: {p.stderr.strip()[:200]}")
    assert p.returncode == 70, p.stderr
    doc = __import__("json").loads(p.stdout)
    assert doc["verdict"]["status"] == "unchecked"
    assert doc["verdict"]["summary"].startswith("ongpu could not check CUDA here")
