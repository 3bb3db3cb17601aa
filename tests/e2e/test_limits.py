"""Bounded and honest about itself (issue: hardening §6): output that cannot
be written, an unwritable --save-facts, an endless --facts-from, and running
out of memory each end with a message and a stated exit code, never a silent
success or an abort."""
import os
import resource
import shutil
import subprocess
import time

import pytest

from conftest import BUILD, FAKE_LIB, FIXTURES, REPO, SCENARIOS
from test_binary import sanitized

ROOT = str(FIXTURES / "healthy-1gpu")


def env():
    e = {k: v for k, v in os.environ.items() if k not in ("CUDA_VISIBLE_DEVICES",)}
    e.update(LD_LIBRARY_PATH=str(FAKE_LIB), ONGPU_FAKE_SCENARIO=str(SCENARIOS / "healthy.conf"),
             PATH="/usr/bin:/bin", NO_COLOR="1")
    return e


def run(args, **kw):
    return subprocess.run([str(BUILD / "ongpu"), *args], env=env(), capture_output=True, text=True, timeout=120, **kw)


def test_a_report_that_cannot_be_written_is_exit_70():
    with open("/dev/full", "w") as full:
        p = subprocess.run([str(BUILD / "ongpu"), "doctor", "--root", ROOT, "--no-python"], env=env(), stdout=full,
                           stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 70 and "cannot write the report" in p.stderr, p.stderr
    # A closed stdout.
    p = subprocess.run(["/bin/sh", "-c", f"exec '{BUILD / 'ongpu'}' doctor --root '{ROOT}' --no-python >&-"], env=env(),
                       stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 70 and "cannot write the report" in p.stderr, p.stderr


def test_an_unwritable_save_facts_still_prints_the_report(tmp_path):
    p = run(["doctor", "--root", ROOT, "--no-python", "--save-facts", str(tmp_path / "missing" / "facts.json")])
    assert p.returncode == 70
    assert "cannot write --save-facts" in p.stderr and "the report follows" in p.stderr
    assert "CUDA can use 1 GPU here" in p.stdout


def test_an_endless_facts_file_is_refused_quickly():
    t0 = time.monotonic()
    p = run(["doctor", "--facts-from", "/dev/zero"])
    assert p.returncode == 64 and "larger than 64 MiB" in p.stderr, p.stderr
    assert time.monotonic() - t0 < 30  # a bound on a hang, not a benchmark


@pytest.mark.skipif(sanitized, reason="a sanitizer runtime reserves more address space than the limit")
def test_out_of_memory_is_exit_70_with_a_message_never_an_abort(tmp_path):
    env_dir = tmp_path / "big"
    shutil.copytree(REPO / "tests" / "fixtures" / "python" / "torch-cpu", env_dir, symlinks=True)
    site = env_dir / "lib" / "python3.11" / "site-packages"
    for i in range(20000):
        d = site / f"pkg{i}-1.0.dist-info"
        d.mkdir()
        (d / "METADATA").write_text(f"Metadata-Version: 2.1\nName: pkg{i}\nVersion: 1.0\n")
    seen = set()
    for mib in (16, 24, 32, 40, 48, 64):
        def limit(mib=mib):
            resource.setrlimit(resource.RLIMIT_AS, (mib << 20, mib << 20))
        for json_flag in ([], ["--json"]):
            p = run(["doctor", *json_flag, "--root", ROOT, "--python", str(env_dir / "bin" / "python")],
                    preexec_fn=limit)
            seen.add(p.returncode)
            assert p.returncode in (0, 1, 2, 70), (mib, json_flag, p.returncode, p.stderr[-500:])
            if p.returncode == 70:
                assert "out of memory" in p.stderr, p.stderr[-500:]
    assert 70 in seen, "no limit was low enough to run out of memory: the test proves nothing"
