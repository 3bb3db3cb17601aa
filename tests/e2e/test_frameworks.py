"""Per-framework verdicts on hand-made Python environments
(tests/fixtures/make-python-envs.py): a stand-in interpreter answers the
doctor's query, and the site-packages hold the files the frameworks' real
packages carry (METADATA, build_info.py, version.py)."""
import pathlib
import re

import pytest

import conftest
from conftest import FIXTURES, REPO, doctor, env_with_libraries, ongpu

ENVS = REPO / "tests" / "fixtures" / "python"

# The file of each framework that loads its CUDA libraries (relative to site-packages).
LOADERS = {"tf-with-cuda-wheels": "tensorflow/libtensorflow_framework.so.2",
           "torch-cu121": "torch/lib/libtorch_cuda.so"}


def frameworks(env, root="healthy-1gpu", scenario="healthy.conf", extra_env=None, python=None, **kw):
    python = str(python or ENVS / env / "bin" / "python")
    r = doctor("--python", python, root=root, scenario=scenario, env=extra_env, **kw)
    doc = r.json()
    mine = [f for f in doc["frameworks"] if f["interpreter"] == python]
    findings = {f["id"]: f for f in doc["findings"] if f["scope"] and f["scope"].endswith(" in " + python)}
    return r, doc, mine, findings


@pytest.mark.parametrize("env,framework,finding", [
    ("tf-cpu", "tensorflow", "framework.cpu_only_build"),
    ("tf-gpu-stub", "tensorflow", "framework.tensorflow_gpu_stub"),
    ("tf-without-cuda-wheels", "tensorflow", "framework.cuda_wheels_missing"),
    ("tf-and-tf-cpu", "tensorflow", "framework.conflicting_distributions"),
    ("torch-cpu", "torch", "framework.cpu_only_build"),
    ("jax-cpu", "jax", "framework.cpu_only_build"),
    ("jax-skew", "jax", "framework.jax_version_skew"),
    ("onnxruntime-both", "onnxruntime", "framework.conflicting_distributions"),
    ("conda-torch-cpu", "torch", "framework.cpu_only_build"),
])
def test_framework_on_the_cpu_and_why(env, framework, finding):
    r, doc, mine, findings = frameworks(env)
    assert [f["framework"] for f in mine] == [framework]
    assert mine[0]["device"] == "cpu"
    assert mine[0]["root_cause"] == finding
    assert finding in findings
    assert r.rc == 2  # the only framework cannot use the GPU


@pytest.mark.parametrize("env,framework", [
    ("tf-with-cuda-wheels", "tensorflow"),
    ("torch-cu121", "torch"),
    ("cupy-cuda12x", "cupy"),
])
def test_framework_on_the_gpu(env, framework, tmp_path):
    python = env_with_libraries(tmp_path, env, LOADERS.get(env))
    r, doc, mine, findings = frameworks(env, python=python)
    assert [f["framework"] for f in mine] == [framework]
    assert mine[0]["device"] == "gpu", findings
    assert mine[0]["root_cause"] is None


def test_tensorflow_build_facts_are_read_from_build_info():
    _, doc, _, _ = frameworks("tf-with-cuda-wheels")
    env = next(e for e in doc["facts"]["python"]["environments"] if e["interpreter"].endswith("tf-with-cuda-wheels/bin/python"))
    tf = env["frameworks"][0]
    assert tf["cuda_version"] == "12.2" and tf["cudnn_version"] == "8"
    assert tf["gpu_targets"] == ["sm_50", "sm_60", "sm_70", "sm_80", "compute_90"]
    assert {w["name"] for w in tf["cuda_wheels"]} >= {"nvidia-cudnn-cu12", "nvidia-cublas-cu12"}
    assert all(w["installed"] for w in tf["cuda_wheels"])


def test_the_fix_installs_into_the_same_interpreter():
    python = str(ENVS / "tf-without-cuda-wheels" / "bin" / "python")
    _, _, _, findings = frameworks("tf-without-cuda-wheels")
    fix = findings["framework.cuda_wheels_missing"]["fix"][0]
    assert fix == f"{python} -m pip install 'tensorflow[and-cuda]==2.15.0'"


def test_conda_installs_get_no_pip_command():
    _, _, _, findings = frameworks("conda-torch-cpu")
    assert "pip" not in findings["framework.cpu_only_build"]["fix"][0]
    assert "conda" in findings["framework.cpu_only_build"]["fix"][0]


def test_a_machine_without_a_gpu_is_the_root_cause_for_every_framework():
    r, doc, mine, findings = frameworks("tf-with-cuda-wheels", root="no-gpu", scenario=None,
                                        extra_env={"LD_LIBRARY_PATH": "/nonexistent"})
    assert mine[0]["device"] == "cpu"
    assert mine[0]["root_cause"] == "pci.no_nvidia_device"
    assert r.rc == 2


def test_driver_too_old_for_the_frameworks_cuda(tmp_path):
    scenario = tmp_path / "old-driver.conf"
    scenario.write_text("driver_version = 470.82.01\ncuda_driver_version = 11040\n")
    _, _, mine, findings = frameworks("tf-with-cuda-wheels", scenario=str(scenario))
    assert mine[0]["device"] == "cpu"
    assert "framework.driver_too_old" in findings
    assert "470.82.01" in findings["framework.driver_too_old"]["summary"]


def test_gpu_too_old_for_the_compiled_targets(tmp_path):
    scenario = tmp_path / "kepler.conf"
    scenario.write_text("gpu.0.name = Tesla K80\ngpu.0.cc = 3.7\n")
    _, _, mine, findings = frameworks("tf-with-cuda-wheels", scenario=str(scenario))
    assert mine[0]["device"] == "cpu"
    assert "framework.gpu_arch_unsupported" in findings


def test_h100_reaches_tf_through_ptx_only(tmp_path):
    # The TF 2.15 fixture's targets stop at sm_80 with compute_90 PTX.
    python = env_with_libraries(tmp_path, "tf-with-cuda-wheels", LOADERS["tf-with-cuda-wheels"])
    _, _, mine, findings = frameworks("tf-with-cuda-wheels", python=python)
    assert "framework.gpu_arch_ptx_only" in findings
    assert mine[0]["device"] == "gpu"


def test_tensorflow_on_native_windows():
    _, _, mine, findings = frameworks("tf-with-cuda-wheels", extra_env={"FAKE_PYTHON_PLATFORM": "win32"})
    assert mine[0]["root_cause"] == "framework.platform_unsupported"


def test_jax_platforms_cpu(tmp_path):
    _, _, mine, findings = frameworks("jax-skew", extra_env={"JAX_PLATFORMS": "cpu"})
    assert "framework.jax_platforms_cpu" in findings


def test_tf_log_level_warning():
    _, _, _, findings = frameworks("tf-with-cuda-wheels", extra_env={"TF_CPP_MIN_LOG_LEVEL": "3"})
    assert findings["framework.tf_log_level_hides_warnings"]["severity"] == "warning"


def test_text_output_has_a_framework_section():
    from conftest import ongpu, FIXTURES
    python = str(ENVS / "torch-cpu" / "bin" / "python")
    r = ongpu("doctor", "--python", python, "--root", str(FIXTURES / "healthy-1gpu"), scenario="healthy.conf")
    assert f"Frameworks in {python} (Python 3.11.7):" in r.out
    assert "torch 2.3.0+cpu (torch): CPU" in r.out
    assert "[framework.cpu_only_build]" in r.out


def test_the_footer_counts_frameworks_too():
    # Only a framework has a problem: the footer must not say "0 categories".
    python = str(ENVS / "torch-cpu" / "bin" / "python")
    r = ongpu("doctor", "--python", python, "--root", str(FIXTURES / "healthy-1gpu"), scenario="healthy.conf")
    assert "Found issues in 1 framework." in r.out, r.out[-600:]
    assert "0 categor" not in r.out


def test_an_interpreter_that_fails_is_reported_not_fatal(tmp_path):
    bad = tmp_path / "python"
    bad.write_text("#!/bin/sh\necho 'not json'\n")
    bad.chmod(0o755)
    r = doctor("--python", str(bad), root="healthy-1gpu", scenario="healthy.conf")
    env = next(e for e in r.json()["facts"]["python"]["environments"] if e["interpreter"] == str(bad))
    assert env["probe"]["status"] == "garbage"
    assert r.rc in (0, 1)


def test_a_hanging_interpreter_is_killed(tmp_path):
    slow = tmp_path / "python"
    slow.write_text("#!/bin/sh\nsleep 60\n")
    slow.chmod(0o755)
    r = doctor("--python", str(slow), "--timeout", "1", root="healthy-1gpu", scenario="healthy.conf", timeout=30)
    env = next(e for e in r.json()["facts"]["python"]["environments"] if e["interpreter"] == str(slow))
    assert env["probe"]["status"] == "timed_out"


def test_libraries_are_resolved_through_the_frameworks_runpath(tmp_path):
    python = env_with_libraries(tmp_path, "tf-with-cuda-wheels", LOADERS["tf-with-cuda-wheels"])
    _, doc, _, _ = frameworks("tf-with-cuda-wheels", python=python)
    env = next(e for e in doc["facts"]["python"]["environments"] if e["interpreter"] == str(python))
    libs = {l["soname"]: l for l in env["frameworks"][0]["libraries"]}
    assert set(libs) >= {"libcudart.so.12", "libcudnn.so.8", "libcublasLt.so.12", "libnvJitLink.so.12"}
    cudnn = libs["libcudnn.so.8"]
    assert cudnn["outcome"] == "found"
    assert cudnn["real_path"].endswith("site-packages/nvidia/cudnn/lib/libcudnn.so.8")
    assert cudnn["found_by"].startswith("DT_RUNPATH of ") and "$ORIGIN/../nvidia/cudnn/lib" in cudnn["found_by"]


def test_a_wheel_without_its_library_is_unreachable(tmp_path):
    python = env_with_libraries(tmp_path, "tf-with-cuda-wheels", LOADERS["tf-with-cuda-wheels"],
                                skip_wheels=("nvidia-cudnn",))
    _, _, mine, findings = frameworks("tf-with-cuda-wheels", python=python)
    assert mine[0]["device"] == "cpu"
    assert "libcudnn.so.8" in findings["framework.cuda_wheels_unreachable"]["summary"]


def test_ld_library_path_shadows_the_wheel(tmp_path):
    from conftest import compile_shared
    python = env_with_libraries(tmp_path, "tf-with-cuda-wheels", LOADERS["tf-with-cuda-wheels"])
    other = tmp_path / "opt-cuda" / "lib64"
    compile_shared(other / "libcudnn.so.8", "libcudnn.so.8")
    _, doc, _, findings = frameworks("tf-with-cuda-wheels", python=python,
                                     extra_env={"LD_LIBRARY_PATH": str(other)})
    shadow = findings["framework.cuda_library_shadowed"]
    assert str(other) in shadow["summary"]
    assert shadow["fix"] == ["remove that directory from LD_LIBRARY_PATH"]


def test_a_missing_dependency_of_a_library(tmp_path):
    from conftest import compile_shared
    python = env_with_libraries(tmp_path, "tf-with-cuda-wheels", LOADERS["tf-with-cuda-wheels"])
    site = python.parent.parent / "lib" / "python3.11" / "site-packages"
    # libcusolver needs libnvJitLink from CUDA 12.4 on; here it needs one that is nowhere.
    compile_shared(site / "nvidia" / "cusolver" / "lib" / "libcusolver.so.11", "libcusolver.so.11",
                   needed=("libnvJitLink-missing.so.12",))
    _, _, _, findings = frameworks("tf-with-cuda-wheels", python=python)
    assert "libnvJitLink-missing.so.12" in findings["framework.cuda_library_dependency_missing"]["summary"]


def test_no_python_checks_the_driver_stack_only():
    python = str(ENVS / "torch-cpu" / "bin" / "python")
    doc = doctor("--no-python", "--python", python, root="healthy-1gpu", scenario="healthy.conf").json()
    assert doc["frameworks"] == []
    assert doc["facts"]["python"]["environments"] == []
    assert doc["verdict"]["exit_code"] == 0


TOOLKIT = pathlib.Path("/usr/local/cuda")


def header_define(header, name):
    m = re.search(rf"#define {name}\s+(\d+)", (TOOLKIT / "include" / header).read_text())
    return int(m.group(1))


@pytest.mark.skipif(not (TOOLKIT / "lib64" / "libcudart.so.13").exists(), reason="needs the CUDA 13 toolkit")
def test_real_toolkit_libraries_report_their_own_versions():
    # The real CUDA 13 toolkit's libraries, found through LD_LIBRARY_PATH and
    # asked in a child process; the expected versions come from the toolkit's
    # own headers.
    python = str(ENVS / "torch-cu130-system-cuda" / "bin" / "python")
    r = doctor("--library-versions", "--python", python, root="healthy-1gpu", scenario="healthy.conf",
               env={"LD_LIBRARY_PATH": f"{pathlib.Path(conftest.FAKE_LIB)}:{TOOLKIT / 'lib64'}"})
    env = next(e for e in r.json()["facts"]["python"]["environments"] if e["interpreter"] == python)
    libs = {l["soname"]: l for l in env["frameworks"][0]["libraries"]}
    cudart = header_define("cuda_runtime_api.h", "CUDART_VERSION")
    assert libs["libcudart.so.13"]["reported_version"] == f"{cudart // 1000}.{cudart % 1000 // 10}"
    assert libs["libcudnn.so.9"]["reported_version"] == "{}.{}.{}".format(
        header_define("cudnn_version.h", "CUDNN_MAJOR"), header_define("cudnn_version.h", "CUDNN_MINOR"),
        header_define("cudnn_version.h", "CUDNN_PATCHLEVEL"))
    assert libs["libcublas.so.13"]["reported_version"] == "{}.{}.{}".format(
        header_define("cublas_api.h", "CUBLAS_VER_MAJOR"), header_define("cublas_api.h", "CUBLAS_VER_MINOR"),
        header_define("cublas_api.h", "CUBLAS_VER_PATCH"))
    assert libs["libcudart.so.13"]["found_by"].startswith("LD_LIBRARY_PATH entry")
    assert libs["libcudart.so.13"]["real_path"].startswith("/usr/local/cuda")


def test_library_versions_are_not_asked_by_default():
    python = str(ENVS / "torch-cu130-system-cuda" / "bin" / "python")
    r = doctor("--python", python, root="healthy-1gpu", scenario="healthy.conf",
               env={"LD_LIBRARY_PATH": str(TOOLKIT / "lib64")})
    env = next(e for e in r.json()["facts"]["python"]["environments"] if e["interpreter"] == python)
    assert all(l["reported_version"] is None for l in env["frameworks"][0]["libraries"])


def test_a_copy_off_the_loaders_path_is_named_with_the_way_to_use_it(tmp_path):
    from conftest import compile_shared
    python = env_with_libraries(tmp_path, "tf-with-cuda-wheels", LOADERS["tf-with-cuda-wheels"],
                                skip_wheels=("nvidia-cudnn",))
    conda = tmp_path / "conda-env"
    compile_shared(conda / "lib" / "libcudnn.so.8", "libcudnn.so.8")
    _, doc, _, findings = frameworks("tf-with-cuda-wheels", python=python, extra_env={"CONDA_PREFIX": str(conda)})
    f = findings["framework.cuda_wheels_unreachable"]
    assert f"a copy is in {conda}/lib" in f["summary"]
    assert f["fix"][-1].startswith(f"or: export LD_LIBRARY_PATH={conda}/lib")
    env = next(e for e in doc["facts"]["python"]["environments"] if e["interpreter"] == str(python))
    cudnn = next(l for l in env["frameworks"][0]["libraries"] if l["soname"] == "libcudnn.so.8")
    assert any(c.startswith(f"{conda}/lib/libcudnn.so.8: not_on_search_path:") for c in cudnn["other_copies"])


def test_verbose_text_shows_each_library_and_where_it_comes_from(tmp_path):
    from conftest import FIXTURES, ongpu
    python = env_with_libraries(tmp_path, "tf-with-cuda-wheels", LOADERS["tf-with-cuda-wheels"])
    r = ongpu("doctor", "-v", "--python", str(python), "--root", str(FIXTURES / "healthy-1gpu"), scenario="healthy.conf")
    assert "• build: cuda, CUDA 12.2, cuDNN 8" in r.out
    assert "• GPU code: sm_50 sm_60 sm_70 sm_80 compute_90" in r.out
    line = next(l for l in r.out.splitlines() if "• libcudnn.so.8 → " in l)
    assert "site-packages/nvidia/cudnn/lib/libcudnn.so.8 (DT_RUNPATH of " in line


def test_a_wheel_for_another_cpu_architecture():
    # The fixture's WHEEL says manylinux_2_17_aarch64; its interpreter runs on x86_64.
    python = str(ENVS / "tf-aarch64-wheel" / "bin" / "python")
    r, doc, mine, findings = frameworks("tf-aarch64-wheel")
    assert mine[0]["root_cause"] == "framework.wheel_wrong_architecture"
    f = findings["framework.wheel_wrong_architecture"]
    assert "manylinux_2_17_aarch64" in f["summary"] and "linux x86_64" in f["summary"]
    assert f["fix"] == [f"{python} -m pip install --force-reinstall tensorflow==2.15.0"]
    env = next(e for e in doc["facts"]["python"]["environments"] if e["interpreter"] == python)
    assert env["frameworks"][0]["wheel_tags"] == ["cp311-cp311-manylinux_2_17_aarch64",
                                                   "cp311-cp311-manylinux2014_aarch64"]
    # The same build with x86_64 tags is not judged wrong.
    _, doc, _, findings = frameworks("tf-with-cuda-wheels")
    assert "framework.wheel_wrong_architecture" not in findings
    env = next(e for e in doc["facts"]["python"]["environments"] if e["interpreter"].endswith("tf-with-cuda-wheels/bin/python"))
    assert env["frameworks"][0]["wheel_tags"] == ["cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"]


def ld_path(*dirs):
    """LD_LIBRARY_PATH with the fake vendor libraries first (the driver stack stays healthy)."""
    return ":".join([str(conftest.FAKE_LIB), *map(str, dirs)])


def system_cudnn(tmp_path, version):
    """A real libcudnn.so.<version> with the soname libcudnn.so.9 and the
    usual symlink, as a tarball or distribution install lays it out."""
    from conftest import compile_shared
    lib = tmp_path / "cudnn" / "lib"
    compile_shared(lib / f"libcudnn.so.{version}", "libcudnn.so.9")
    (lib / "libcudnn.so.9").symlink_to(f"libcudnn.so.{version}")
    return lib


def test_a_system_cudnn_older_than_the_build(tmp_path):
    # TF 2.21's build_info.py says cuDNN '9'; it was built with 9.3
    # (tensorflow_gpu.csv) and refuses an older minor at run time.
    lib = system_cudnn(tmp_path, "9.1.0")
    python = str(ENVS / "tf-221-without-wheels" / "bin" / "python")
    _, doc, mine, findings = frameworks("tf-221-without-wheels", extra_env={"LD_LIBRARY_PATH": ld_path(lib)})
    f = findings["framework.cudnn_mismatch"]
    assert "built with cuDNN 9.3" in f["summary"]
    assert f"loads cuDNN 9.1.0 ({lib}/libcudnn.so.9.1.0, LD_LIBRARY_PATH entry {lib})" in f["summary"]
    # A system install's fix: a cuDNN 9.3+ for CUDA 12 where the loader looks, not the pinned wheel alone.
    assert f["fix"][0].startswith(f"install cuDNN 9.3 or a newer 9.x built for CUDA 12 where the loader finds it (now {lib}")
    assert f["fix"][1] == (f"or: {python} -m pip install 'nvidia-cudnn-cu12>=9.3,<10', and put its nvidia/cudnn/lib "
                           f"first on LD_LIBRARY_PATH in place of {lib}")
    assert f["severity"] == "error"


def test_a_system_cudnn_at_the_builds_minor_is_fine(tmp_path):
    lib = system_cudnn(tmp_path, "9.3.0")
    _, doc, _, findings = frameworks("tf-221-without-wheels", extra_env={"LD_LIBRARY_PATH": ld_path(lib)})
    assert "framework.cudnn_mismatch" not in findings
    env = next(e for e in doc["facts"]["python"]["environments"] if e["interpreter"].endswith("tf-221-without-wheels/bin/python"))
    cudnn = next(l for l in env["frameworks"][0]["libraries"] if l["soname"] == "libcudnn.so.9")
    assert cudnn["version"] == "9.3.0" and cudnn["found_by"] == f"LD_LIBRARY_PATH entry {lib}"


# What TF 2.12 (CUDA 11.8, cuDNN 8) dlopens: tensorflow/tensorflow#44777, #58910
# (knowledge/tensorflow_cuda_libraries.csv).
TF_CUDA_11 = ["libcudart.so.11.0", "libcublas.so.11", "libcublasLt.so.11", "libcufft.so.10", "libcurand.so.10",
              "libcusolver.so.11", "libcusparse.so.11", "libcudnn.so.8"]


def toolkit(directory, sonames):
    from conftest import compile_shared
    for so in sonames:
        compile_shared(directory / so, so)
    return directory


def test_tensorflow_without_pins_needs_the_libraries_of_its_build(tmp_path):
    cuda = toolkit(tmp_path / "cuda-11.8" / "lib64", TF_CUDA_11)
    python = str(ENVS / "tf-212-system-cuda" / "bin" / "python")
    _, doc, mine, findings = frameworks("tf-212-system-cuda", extra_env={"LD_LIBRARY_PATH": ld_path(cuda)})
    env = next(e for e in doc["facts"]["python"]["environments"] if e["interpreter"] == python)
    libs = {l["soname"]: l for l in env["frameworks"][0]["libraries"]}
    assert set(libs) == set(TF_CUDA_11)
    assert all(l["outcome"] == "found" and l["real_path"].startswith(str(cuda)) for l in libs.values())
    assert libs["libcusolver.so.11"]["wanted_by"] == "build_info.py cuda_version 11.8"
    assert libs["libcudnn.so.8"]["wanted_by"] == "build_info.py cudnn_version 8"
    assert not [i for i in findings if i.startswith("framework.cuda_")]
    assert mine[0]["device"] == "gpu", findings


def test_tensorflow_without_pins_is_told_to_install_cuda_and_cudnn(tmp_path):
    cuda = toolkit(tmp_path / "cuda-11.8" / "lib64", [so for so in TF_CUDA_11 if so != "libcusolver.so.11"])
    _, _, mine, findings = frameworks("tf-212-system-cuda", extra_env={"LD_LIBRARY_PATH": ld_path(cuda)})
    f = findings["framework.cuda_library_missing"]
    assert "libcusolver.so.11" in f["summary"]
    assert "pip" not in f["fix"][0]
    # CUDA 11.8 and cuDNN 8 from build_info.py; 8.6 from TF 2.12's tested build.
    assert "install CUDA 11.8 and cuDNN 8.6 (or a newer 8.x) yourself" in f["fix"][0]
    assert mine[0]["root_cause"] == "framework.cuda_library_missing"


def test_tensorflow_without_pins_missing_several_libraries(tmp_path):
    # One finding for them all; a copy in the active conda environment's lib,
    # which the loader does not search, is named with the way to use it.
    cuda = toolkit(tmp_path / "cuda-11.8" / "lib64",
                   [so for so in TF_CUDA_11 if so not in ("libcusolver.so.11", "libcudnn.so.8")])
    conda = toolkit(tmp_path / "conda-env" / "lib", ["libcudnn.so.8"])
    _, _, _, findings = frameworks("tf-212-system-cuda", extra_env={"LD_LIBRARY_PATH": ld_path(cuda),
                                                                    "CONDA_PREFIX": str(conda.parent)})
    f = findings["framework.cuda_library_missing"]
    assert f["summary"] == ("TensorFlow 2.12.0 needs libcusolver.so.11, libcudnn.so.8, and the loader finds them "
                            f"nowhere (copies are in {conda}, which it does not search)")
    assert "install CUDA 11.8 and cuDNN 8.6" in f["fix"][0]
    assert f["fix"][1] == f"or: export LD_LIBRARY_PATH={conda}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}"


def test_libraries_from_two_cuda_releases(tmp_path):
    # cuRAND 10 is in CUDA 11, 12 and 13 alike: a CUDA 13 toolkit later on the
    # path hands TF 2.12 its libcurand.so.10 when the CUDA 11.8 one lacks it.
    cuda11 = toolkit(tmp_path / "cuda-11.8" / "lib64", [so for so in TF_CUDA_11 if so != "libcurand.so.10"])
    cuda13 = toolkit(tmp_path / "cuda-13.0" / "lib", ["libcurand.so.10"])
    _, _, mine, findings = frameworks("tf-212-system-cuda", extra_env={"LD_LIBRARY_PATH": ld_path(cuda11, cuda13)})
    f = findings["framework.cuda_libraries_mixed"]
    assert f["severity"] == "warning"
    assert f"libcurand.so.10 from {cuda13} (CUDA 13.0 by its directory)" in f["summary"]
    assert f"libcudart.so.11.0 from {cuda11} (CUDA 11.8 by its directory)" in f["summary"]
    assert f["fix"][0] == f"remove {cuda13} from LD_LIBRARY_PATH"
    assert mine[0]["device"] == "gpu"  # a warning: TF may still work
    # One release only: no finding.
    toolkit(cuda11, ["libcurand.so.10"])
    _, _, _, findings = frameworks("tf-212-system-cuda", extra_env={"LD_LIBRARY_PATH": ld_path(cuda11, cuda13)})
    assert "framework.cuda_libraries_mixed" not in findings


def test_an_interpreter_that_cannot_be_checked_is_named_never_a_clean_bill(tmp_path):
    # Issue: hardening §5. A missing interpreter, and one slower than the deadline.
    slow = tmp_path / "slow" / "bin" / "python"
    slow.parent.mkdir(parents=True)
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    for python, why in ((tmp_path / "nonexistent" / "python", "it cannot be run"),
                        (slow, "it did not answer within 1 s")):
        r = doctor("--python", str(python), "--timeout", "1",
                   root="healthy-1gpu", scenario="healthy.conf", timeout=60)
        assert r.rc == 1, r.err
        f = next(f for f in r.json()["findings"] if f["id"] == "framework.environment_unchecked")
        assert str(python) in f["summary"] and why in f["summary"], f["summary"]
        text = ongpu("doctor", "--python", str(python), "--timeout", "1", "--root", str(FIXTURES / "healthy-1gpu"),
                     scenario="healthy.conf", env={"NO_COLOR": "1"}, timeout=60)
        assert f"Frameworks in {python}:" in text.out and why in text.out, text.out
        assert "No issues found" not in text.out


def test_an_interpreter_without_frameworks_is_named(tmp_path):
    r = ongpu("doctor", "--python", "/usr/bin/python3", "--root", str(FIXTURES / "healthy-1gpu"),
              scenario="healthy.conf", env={"NO_COLOR": "1"})
    assert "Frameworks in /usr/bin/python3 (Python " in r.out and "• no framework installed" in r.out, r.out


def copy_env(tmp_path, name):
    import shutil
    dst = tmp_path / name
    shutil.copytree(ENVS / name, dst, symlinks=True)
    return dst


def test_a_framework_whose_build_cannot_be_read_is_unknown_never_gpu(tmp_path):
    # Issue: hardening §5. torch 2.3.0+cpu without its package directory, and
    # with its METADATA unreadable (a directory where the file should be).
    env = copy_env(tmp_path, "torch-cpu")
    site = env / "lib" / "python3.11" / "site-packages"
    (site / "torch" / "version.py").unlink()
    (site / "torch").rmdir()
    gone = ("what PyTorch 2.3.0+cpu is built for cannot be read", "package directory is missing")
    meta = site / "torch-2.3.0+cpu.dist-info" / "METADATA"
    for case in ("package dir missing", "METADATA unreadable"):
        if case == "METADATA unreadable":
            meta.unlink()
            meta.mkdir()
            gone = ("what PyTorch 2.3.0+cpu is built for cannot be read", "torch-2.3.0+cpu.dist-info")
        python = env / "bin" / "python"
        r = doctor("--python", str(python), root="healthy-1gpu", scenario="healthy.conf")
        assert r.rc == 1, (case, r.err)
        doc = r.json()
        mine = [v for v in doc["frameworks"] if v["interpreter"] == str(python)]
        assert [(v["framework"], v["device"], v["root_cause"]) for v in mine] == [
            ("torch", "unknown", "framework.build_unknown")], (case, mine)
        f = next(f for f in doc["findings"] if f["id"] == "framework.build_unknown")
        assert all(g in f["summary"] for g in gone), (case, f["summary"])
        text = ongpu("doctor", "--python", str(python), "--root", str(FIXTURES / "healthy-1gpu"),
                     scenario="healthy.conf", env={"NO_COLOR": "1"})
        assert "torch 2.3.0+cpu (torch): unknown" in text.out and "No issues found" not in text.out, text.out


def test_a_site_directory_listed_many_times_is_read_once(tmp_path):
    # Issue: hardening §6: 50 copies of one directory made 50 copies of each distribution.
    env = copy_env(tmp_path, "torch-cpu")
    script = env / "bin" / "python"
    text = script.read_text()
    line = "printf 'site=%s/lib/python3.11/site-packages\\n' \"$prefix\"\n"
    assert line in text
    script.write_text(text.replace(line, line * 50))
    r = doctor("--python", str(script), root="healthy-1gpu", scenario="healthy.conf")
    e = next(e for e in r.json()["facts"]["python"]["environments"] if e["interpreter"] == str(script))
    assert [d["name"] for d in e["distributions"]].count("torch") == 1
    assert len([v for v in r.json()["frameworks"] if v["interpreter"] == str(script)]) == 1


@pytest.mark.parametrize("odd", ["new\nline", "esc\x1b[31mape", "lat\u00e9in"], ids=["newline", "escape", "utf8"])
def test_a_venv_whose_path_has_odd_characters_is_checked_like_any(tmp_path, odd):
    # Issue: hardening §5: such a venv lost its frameworks, and the verdict flipped to exit 0.
    # The venv is made by Debian's own python3, whose patched site.getsitepackages()
    # gives a venv its site-packages only once sys.prefix is the venv's (the query
    # runs with -S, so site.venv() has not set it): every Debian/Ubuntu venv was
    # missed before, whatever its name.
    import shutil
    import subprocess
    venv = tmp_path / odd
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python3*/site-packages"))
    shutil.copytree(ENVS / "torch-cpu" / "lib" / "python3.11" / "site-packages", site, dirs_exist_ok=True)
    python = venv / "bin" / "python"
    r = doctor("--python", str(python), root="healthy-1gpu", scenario="healthy.conf")
    mine = [v for v in r.json()["frameworks"] if v["interpreter"] == str(python)]
    assert [(v["framework"], v["version"], v["device"]) for v in mine] == [("torch", "2.3.0+cpu", "cpu")], mine
    assert r.rc == 2, r.err
    text = ongpu("doctor", "--python", str(python), "--root", str(FIXTURES / "healthy-1gpu"),
                 scenario="healthy.conf", env={"NO_COLOR": "1"})
    assert "\x1b" not in text.out and "torch 2.3.0+cpu (torch): CPU" in text.out
