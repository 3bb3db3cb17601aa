"""Nothing runs by accident (issue: hardening §3): ongpu never runs a program
from the current directory because PATH is empty or unset, `verify`'s probe
imports nothing from the current directory, and code the probe imports cannot
forge the probe's answer."""
import os
import subprocess

from conftest import BUILD, FIXTURES
from test_verify import PYTHON, SUPPORT, VERIFY_FIXTURES, only_framework, verify_fake


def planted(tmp_path, names):
    """Executables in tmp_path that leave a file behind when run."""
    for name in names:
        p = tmp_path / name
        p.write_text(f"#!/bin/sh\ntouch '{tmp_path}/RAN-{name}'\n")
        p.chmod(0o755)


def ran(tmp_path):
    return sorted(p.name for p in tmp_path.glob("RAN-*"))


def test_an_unset_or_empty_path_never_means_the_current_directory(tmp_path):
    planted(tmp_path, ["python3", "python", "nvidia-smi", "ldconfig"])
    root = str(FIXTURES / "healthy-1gpu")
    for env in ({}, {"PATH": ""}, {"PATH": ":"}, {"PATH": "::/nonexistent"}):
        r = subprocess.run([str(BUILD / "ongpu"), "doctor", "--json", "--root", root], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode in (0, 1, 2), r.stderr
        assert ran(tmp_path) == [], f"PATH={env.get('PATH', '(unset)')!r} ran {ran(tmp_path)}"


def test_verify_imports_nothing_from_the_current_directory(tmp_path):
    # json, math, time, warnings: modules the probe imports; torch: the framework.
    for name in ("json", "math", "time", "warnings", "os"):
        (tmp_path / f"{name}.py").write_text(f"open({str(tmp_path / ('RAN-' + name))!r}, 'w').close()\n")
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "PYTHONPATH")}
    env["PATH"] = "/usr/bin:/bin"
    # The second: an empty PYTHONPATH entry (":/x", as `export PYTHONPATH=$PYTHONPATH:/x`
    # leaves it), which Python turns into the current directory itself.
    for pythonpath in (f"{VERIFY_FIXTURES / 'torch-cpu-build'}{os.pathsep}{SUPPORT}",
                       f"{os.pathsep}{VERIFY_FIXTURES / 'torch-cpu-build'}{os.pathsep}{SUPPORT}"):
        env["PYTHONPATH"] = pythonpath
        r = subprocess.run([str(BUILD / "ongpu"), "verify", "--python", PYTHON, "--framework", "torch", "--json",
                            "--size", "16"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert r.returncode in (0, 1, 2), r.stderr
        assert ran(tmp_path) == [], f"PYTHONPATH={pythonpath!r}: the probe ran {ran(tmp_path)} from the current directory"


def test_a_line_the_framework_writes_cannot_pass_for_the_probes_answer():
    r = verify_fake("forged-result", "torch")
    fw = only_framework(r.json(), "torch")
    probe = fw["live"]["probe"]
    assert probe["status"] == "garbage", probe
    assert probe["last_stage"] == "import", probe  # the forged lines went on to "libraries"
    assert fw["device"] != "gpu"
    assert fw["live"].get("answer") is None
