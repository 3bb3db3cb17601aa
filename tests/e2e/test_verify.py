"""End-to-end tests of `ongpu verify` (src/cli/verify.cc, src/verify/).

`ongpu verify` runs src/verify/probe.py in the chosen interpreter, one child
process per framework, and classifies what the framework printed and raised
(src/verify/messages.cc). Two kinds of framework are tested here:

* Fake frameworks (tests/fixtures/verify/<case>/, described in
  tests/fixtures/README.md): small pure-Python packages named tensorflow,
  torch, jax, cupy and onnxruntime that print each known fallback message in
  the real framework's own log format, then compute on the CPU with NumPy.
  The case directory goes first on PYTHONPATH, so the probe child imports the
  fake instead of any real package of that name. Others hang, crash or fail
  to import. Others again list a GPU and pretend to compute on it with NumPy
  (rightly, wrongly, or silently on the CPU), so that the probe's GPU paths
  run on this machine, which has none.
* The real tensorflow, jax and onnxruntime of the test environment, which on
  this machine (no NVIDIA GPU, no driver) fall back to the CPU for the
  doctor's reason.
"""
import json
import os
import pathlib
import re
import time
import uuid

import pytest

from conftest import REPO, doctor, ongpu
from test_real_frameworks import PYTHON, have  # the test environment's interpreter, where the frameworks are
from test_this_machine import HAS_NVIDIA_GPU

VERIFY_FIXTURES = REPO / "tests" / "fixtures" / "verify"
SUPPORT = VERIFY_FIXTURES / "_support"  # what the fakes share (log formats, NumPy stand-ins)
SIZE = 16

pytestmark = pytest.mark.skipif(not have("numpy"), reason="the fake frameworks compute with numpy")


def verify(*args, case=None, env=None, as_json=True, timeout=120):
    """`ongpu verify --python <test env> …`, with the fake frameworks of
    tests/fixtures/verify/<case> first on the child's PYTHONPATH."""
    e = {"PYTHONPATH": f"{VERIFY_FIXTURES / case}{os.pathsep}{SUPPORT}" if case else ""}
    if env:
        e.update(env)
    return ongpu("verify", "--python", PYTHON, *args, *(["--json"] if as_json else []), env=e, timeout=timeout)


def verify_fake(case, framework, *args, **kw):
    return verify("--framework", framework, "--size", str(SIZE), *args, case=case, **kw)


def only_framework(doc, name):
    fws = [f for f in doc["frameworks"] if f["framework"] == name]
    assert len(fws) == 1, [f["framework"] for f in doc["frameworks"]]
    return fws[0]


def finding(fw, id_):
    found = [f for f in fw["findings"] if f["id"] == id_]
    assert found, f"{id_} not among {[f['id'] for f in fw['findings']]}"
    return found[0]


@pytest.fixture(scope="module")
def machine():
    """The doctor's own answer for this machine and the test environment."""
    r = doctor("--python", PYTHON, timeout=120)
    assert r.rc in (0, 1, 2), r.err
    return r.json()


def machine_root_cause(doc):
    """The doctor's root cause when it is the machine's own (no GPU, no
    driver, …) rather than one framework's; None when the machine is fine."""
    cause = doc["verdict"]["root_cause"]
    return cause if any(f["id"] == cause and not f.get("scope") for f in doc["findings"]) else None


# --------------------------------------------------------------------------
# Fake frameworks that print a fallback message and compute on the CPU.

def lib_missing(soname):
    """verify.library_not_loaded's detail: the library, then the loader's dlerror."""
    return ("verify.library_not_loaded", f"{soname}: {soname}: cannot open shared object file: No such file or directory")


# The prefixes of TensorFlow's, absl's, ONNX Runtime's and Python logging's lines.
LOG_PREFIX = re.compile(r"\d{4}-\d\d-\d\d |[IWEF]\d{4} \d\d:\d\d:|(WARNING|ERROR|INFO):")

ORT_DETAIL = ("Require cuDNN 9.* and CUDA 12.*. Please install all dependencies as mentioned in the GPU requirements "
              "page (https://onnxruntime.ai/docs/execution-providers/CUDA-ExecutionProvider.html#requirements), make "
              "sure they're in the PATH, and that your GPU is supported.")

# case id: (fixture directory, framework, env, the fake's version,
#           {(message id, captured detail)} that ongpu must recognise — and no other,
#           the findings' ids, message ids that may also appear)
CPU_CASES = {
    "tf-libraries-missing-old-log": (
        "tf-libraries-missing-old-log", "tensorflow", {}, "2.5.0",
        # libcudart.so.11.0 is reported twice (at import, then at device listing): one message.
        # The "Successfully opened dynamic library" lines are not failures.
        {lib_missing("libcudart.so.11.0"), lib_missing("libcublas.so.11"), lib_missing("libcublasLt.so.11"),
         lib_missing("libcudnn.so.8"), ("verify.gpu_libraries_missing", "")},
        {"verify.library_not_loaded", "verify.gpu_libraries_missing", "verify.no_gpu_device"}, set()),
    "tf-gpu-libraries-missing": (
        "tf-gpu-libraries-missing", "tensorflow", {}, "2.18.0",
        {lib_missing("libcudart.so.12"), lib_missing("libcublas.so.12"), lib_missing("libcublasLt.so.12"),
         lib_missing("libcufft.so.11"), lib_missing("libcusparse.so.12"), lib_missing("libcudnn.so.9"),
         ("verify.gpu_libraries_missing", "")},
        {"verify.library_not_loaded", "verify.gpu_libraries_missing", "verify.no_gpu_device"}, set()),
    # A user who silenced TensorFlow: ongpu must turn its logging back on for the check
    # (the fake honours TF_CPP_MIN_LOG_LEVEL and TF_CPP_VMODULE as TensorFlow does).
    "tf-gpu-libraries-missing-silenced-by-user": (
        "tf-gpu-libraries-missing", "tensorflow", {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_CPP_VMODULE": ""}, "2.18.0",
        {lib_missing("libcudart.so.12"), lib_missing("libcublas.so.12"), lib_missing("libcublasLt.so.12"),
         lib_missing("libcufft.so.11"), lib_missing("libcusparse.so.12"), lib_missing("libcudnn.so.9"),
         ("verify.gpu_libraries_missing", "")},
        {"verify.library_not_loaded", "verify.gpu_libraries_missing", "verify.no_gpu_device"}, set()),
    # TensorFlow's sentence goes on after the versions ("…compiled with: 8.6.0.  CuDNN library needs…").
    # The TF-TRT warning at import explains nothing about the GPU.
    "tf-cudnn-mismatch": (
        "tf-cudnn-mismatch", "tensorflow", {}, "2.12.0",
        {("verify.cudnn_version_mismatch", "loaded 8.1.0, built with 8.6.0")},
        {"verify.cudnn_version_mismatch", "verify.no_gpu_device"}, set()),
    "tf-driver-dso-mismatch": (
        "tf-driver-dso-mismatch", "tensorflow", {}, "2.11.0",
        {("verify.cuda_init_failed",
          "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH: system has unsupported display driver / cuda driver combination"),
         ("verify.driver_dso_mismatch", "kernel module 470.82.1, libcuda 525.60.13")},
        {"verify.cuda_init_failed", "verify.driver_dso_mismatch", "verify.no_gpu_device"}, set()),
    # The UserWarning at is_available() and the RuntimeError of torch.zeros(device="cuda")
    # say the same thing: one message.
    "torch-driver-too-old": (
        "torch-driver-too-old", "torch", {}, "2.1.2+cu121",
        {("verify.driver_too_old", "11040")},
        {"verify.driver_too_old", "verify.no_gpu_device"}, set()),
    "torch-no-driver": (
        "torch-no-driver", "torch", {}, "2.4.1+cu124",
        {("verify.cuda_driver_not_found", "")},
        {"verify.cuda_driver_not_found", "verify.no_gpu_device"}, set()),
    "torch-cpu-build": (
        "torch-cpu-build", "torch", {}, "2.3.1+cpu",
        {("verify.not_compiled_with_cuda", "")},
        {"verify.not_compiled_with_cuda", "verify.no_gpu_device"}, set()),
    # Lists a GPU, whose first tensor fails: no verify.no_gpu_device, but the compute step failed.
    "torch-no-kernel-image": (
        "torch-no-kernel-image", "torch", {}, "2.5.1+cu124",
        {("verify.no_kernel_image", ""), ("verify.no_kernel_image", "Tesla K80 (sm_37)")},
        {"verify.no_kernel_image", "verify.compute_failed"}, set()),
    "jax-cuda-jaxlib-missing": (
        "jax-cuda-jaxlib-missing", "jax", {}, "0.4.30",
        {("verify.jax_cuda_jaxlib_missing", "")},
        {"verify.jax_cuda_jaxlib_missing", "verify.no_gpu_device"}, set()),
    # The plugin's traceback ends with the cause: cuInit found no device.
    "jax-plugin-failed": (
        "jax-plugin-failed", "jax", {}, "0.4.31",
        {("verify.jax_plugin_failed", "Exception when calling jax_plugins.xla_cuda12.initialize()"),
         ("verify.no_cuda_device", "")},
        {"verify.jax_plugin_failed", "verify.no_cuda_device", "verify.no_gpu_device"}, set()),
    # The same with JAX's own log handler: "ERROR:<time>:jax._src.xla_bridge:<line>: …".
    "jax-plugin-failed-jax-log-format": (
        "jax-plugin-failed", "jax", {"JAX_LOGGING_LEVEL": "WARNING"}, "0.4.31",
        {("verify.jax_plugin_failed", "Exception when calling jax_plugins.xla_cuda12.initialize()"),
         ("verify.no_cuda_device", "")},
        {"verify.jax_plugin_failed", "verify.no_cuda_device", "verify.no_gpu_device"}, set()),
    # The error line before the warning names the library ONNX Runtime could not load
    # (libcudnn.so.9): recognising it too would be welcome.
    "ort-cuda-provider-failed": (
        "ort-cuda-provider-failed", "onnxruntime", {}, "1.20.1",
        {("verify.ort_cuda_provider_failed", ORT_DETAIL),
         ("verify.library_not_loaded", "libonnxruntime_providers_cuda.so: libcudnn.so.9: cannot open shared object "
                                       "file: No such file or directory")},
        {"verify.ort_cuda_provider_failed", "verify.library_not_loaded", "verify.no_gpu_device"}, set()),
    "cupy-insufficient-driver": (
        "cupy-insufficient-driver", "cupy", {}, "13.3.0",
        {("verify.driver_too_old", "")},
        {"verify.driver_too_old", "verify.no_gpu_device"}, set()),
    "cupy-no-device": (
        "cupy-no-device", "cupy", {}, "13.3.0",
        {("verify.no_cuda_device", "")},
        {"verify.no_cuda_device", "verify.no_gpu_device"}, set()),
}


@pytest.fixture(scope="module")
def cpu_case_runs():
    return {}


def run_cpu_case(name, cache):
    if name not in cache:
        directory, framework, env, *_ = CPU_CASES[name]
        cache[name] = verify_fake(directory, framework, env=env)
    return cache[name]


# torch-no-kernel-image lists a GPU that then fails: a broken GPU, not a CPU
# fallback (test_torch_with_a_gpu_it_has_no_code_for).
@pytest.mark.parametrize("name", [n for n in CPU_CASES if n != "torch-no-kernel-image"])
def test_fake_framework_falls_back_to_the_cpu_and_ongpu_says_why(name, cpu_case_runs, machine):
    directory, framework, _, version, messages, finding_ids, may = CPU_CASES[name]
    r = run_cpu_case(name, cpu_case_runs)
    assert r.rc == 2, r.err  # nothing computed on the GPU
    doc = r.json()
    assert doc["verdict"]["exit_code"] == 2 and doc["verdict"]["gpu_usable"] is False
    fw = only_framework(doc, framework)
    assert fw["interpreter"] == PYTHON  # named with --framework: tried in the named (first) interpreter
    assert fw["device"] == "cpu"
    live = fw["live"]
    assert live["probe"]["status"] == "ok", live["probe"]
    assert live["answer"]["version"] == version  # the fake, not an installed package, was imported

    # What the framework said, recognised with what it names: exactly these.
    got = {(m["id"], m["detail"]) for m in live["messages"]}
    assert messages <= got, live["probe"]["stderr_tail"]
    assert {m for m in got - messages if m[0] not in may} == set()
    for m in live["messages"]:
        assert m["text"] and not LOG_PREFIX.match(m["text"]), m  # shown without the log prefix
    ids = {f["id"] for f in fw["findings"]}
    if name == "cupy-insufficient-driver" and not machine["facts"]["cuda"]["library"]["loaded"]:
        # The CUDA runtime says "insufficient driver" when there is none at
        # all: with no libcuda.so.1 here, that is no driver, not an old one.
        finding_ids = {"verify.cuda_driver_not_found", "verify.no_gpu_device"}
    assert ids - may == finding_ids
    for id_, detail in messages:
        if detail:
            evidence = [e["value"] for f in fw["findings"] if f["id"] == id_ for e in f["evidence"]
                        if e["path"] == "messages[].detail"]
            assert detail in evidence, (id_, evidence)

    # It still multiplied its matrices, on the CPU, at the requested size.
    compute = live["answer"]["compute"]
    assert compute["size"] == SIZE
    assert compute["gpu"] is None
    assert compute["cpu"] is not None, f"no CPU multiplication was measured: {live['answer']['errors']}"
    assert compute["cpu"]["median_ms"] > 0
    assert len(compute["cpu"]["runs_ms"]) == 5
    assert f"{SIZE}×{SIZE} float32 matmul ran on" in fw["summary"]

    # On this machine the doctor already names the first broken link (no NVIDIA GPU,
    # no driver): that is the cause, whatever the framework's own message says
    # (TESTING.md: with no driver, libcudart's "driver version is insufficient" means
    # "no driver", not "driver too old").
    machine_cause = machine_root_cause(machine)
    if machine_cause:
        assert fw["root_cause"] == machine_cause, fw["root_cause"]
        assert doc["verdict"]["root_cause"] == machine_cause


def test_tensorflow_libraries_missing_old_log_in_text(machine):
    r = verify_fake("tf-libraries-missing-old-log", "tensorflow", as_json=False)
    assert r.rc == 2, r.err
    assert "\x1b[" not in r.out  # not a terminal: no colour
    head = [line for line in r.out.splitlines() if line.startswith("[✗] tensorflow 2.5.0: CPU — ")]
    assert len(head) == 1, r.out
    for soname in ("libcudart.so.11.0", "libcublas.so.11", "libcublasLt.so.11", "libcudnn.so.8"):
        assert f"Could not load dynamic library '{soname}'" in r.out
    assert "[verify.library_not_loaded]" in r.out and "[verify.gpu_libraries_missing]" in r.out
    assert "Successfully opened" not in r.out
    assert f"{SIZE}×{SIZE} float32 matmul ran on /job:localhost/replica:0/task:0/device:CPU:0" in r.out
    assert "no framework computed on the GPU" in r.out


def test_torch_with_a_gpu_it_has_no_code_for(cpu_case_runs):
    """The GPU is listed (with its compute capability and the build's
    architectures); the failure is in the compute step."""
    fw = only_framework(run_cpu_case("torch-no-kernel-image", cpu_case_runs).json(), "torch")
    answer = fw["live"]["answer"]
    gpus = [d for d in answer["devices"] if d["kind"] == "gpu"]
    assert gpus == [{"kind": "gpu", "name": "cuda:0", "model": "Tesla K80", "compute_capability": "3.7"}]
    assert "sm_37" not in answer["arch_list"] and "sm_50" in answer["arch_list"]
    assert [e["stage"] for e in answer["errors"]] == ["compute-gpu"]
    assert "no kernel image is available" in finding(fw, "verify.compute_failed")["summary"]
    # It lists a GPU, and computing there fails: a broken GPU, whose own error is the cause.
    assert fw["device"] == "gpu_broken"
    assert fw["root_cause"] == "verify.no_kernel_image"
    assert answer["compute"]["cpu"]["median_ms"] > 0  # the CPU run still proves the framework computes


def test_onnxruntime_session_falls_back_to_the_cpu_provider(cpu_case_runs):
    fw = only_framework(run_cpu_case("ort-cuda-provider-failed", cpu_case_runs).json(), "onnxruntime")
    answer = fw["live"]["answer"]
    assert "CUDAExecutionProvider" in answer["available_providers"]
    assert answer["session_providers"] == ["CPUExecutionProvider"]


def test_two_frameworks_named_are_both_checked():
    e = {"PYTHONPATH": os.pathsep.join(str(p) for p in (VERIFY_FIXTURES / "jax-cuda-jaxlib-missing",
                                                       VERIFY_FIXTURES / "ort-cuda-provider-failed", SUPPORT))}
    r = ongpu("verify", "--python", PYTHON, "--framework", "onnxruntime", "--framework", "jax", "--size", str(SIZE),
              "--json", env=e, timeout=120)
    assert r.rc == 2, r.err
    doc = r.json()
    assert sorted(f["framework"] for f in doc["frameworks"]) == ["jax", "onnxruntime"]
    for fw in doc["frameworks"]:
        assert fw["device"] == "cpu"
        assert fw["live"]["answer"]["compute"]["cpu"]["median_ms"] > 0
    assert {m["id"] for m in only_framework(doc, "jax")["live"]["messages"]} == {"verify.jax_cuda_jaxlib_missing"}
    assert "verify.ort_cuda_provider_failed" in {m["id"] for m in only_framework(doc, "onnxruntime")["live"]["messages"]}


# --------------------------------------------------------------------------
# Fake frameworks that list a GPU and compute "on" it: NumPy plays the GPU, so
# the probe's GPU paths (on_gpu() in each probe function) run here, without
# one. The outcomes: gpu (a result on a GPU device, equal to the CPU's),
# gpu_broken (a listed GPU that raised or computed wrongly) and cpu (the
# result silently lived on the CPU).

H100 = "NVIDIA H100 80GB HBM3"

# The live findings of a GPU that failed the check, or was not used.
GPU_FAILURES = {"verify.wrong_result", "verify.compute_failed", "verify.not_on_gpu", "verify.step_failed",
                "verify.no_gpu_device", "verify.probe_failed"}

# case id: (fixture directory, framework, env, the fake's version,
#           its GPUs as the probe lists them, where the GPU's result lives,
#           where the CPU's does, whether the probe also checks an elementwise kernel)
GPU_CASES = {
    "torch-gpu-works": (
        "torch-gpu-works", "torch", {}, "2.5.1+cu124",
        [{"kind": "gpu", "name": "cuda:0", "model": H100, "compute_capability": "9.0"}], "cuda:0", "cpu", True),
    "cupy-gpu-works": (
        "cupy-gpu-works", "cupy", {}, "13.3.0",
        [{"kind": "gpu", "name": "cuda:0", "model": H100, "compute_capability": "9.0"}], "cuda:0", "numpy", True),
    # JAX_PLATFORMS=cuda starts no CPU backend: jax.devices("cpu") raises, and NumPy is the reference.
    "jax-cuda-only": (
        "jax-cuda-only", "jax", {"JAX_PLATFORMS": "cuda"}, "0.4.35",
        [{"kind": "gpu", "name": "cuda:0", "model": "NVIDIA H100", "compute_capability": ""}], "cuda:0", "numpy",
        False),
    # The same JAX without JAX_PLATFORMS: both backends, and JAX's own CPU is the reference.
    "jax-cuda-and-cpu": (
        "jax-cuda-only", "jax", {"JAX_PLATFORMS": ""}, "0.4.35",
        [{"kind": "gpu", "name": "cuda:0", "model": "NVIDIA H100", "compute_capability": ""}], "cuda:0",
        "TFRT_CPU_0", False),
    # ONNX Runtime names no GPU model: the CUDA provider stands for it; the product is
    # bound to the GPU through an I/O binding and copied back.
    "ort-gpu-works": (
        "ort-gpu-works", "onnxruntime", {}, "1.20.1",
        [{"kind": "gpu", "name": "CUDAExecutionProvider", "model": "", "compute_capability": ""}], "Cuda:0",
        "CPUExecutionProvider", False),
}


def strict_json(text):
    """JSON as any reader takes it: no NaN or Infinity (Python's json accepts them)."""
    def reject(token):
        raise ValueError(f"{token} in the JSON")
    return json.loads(text, parse_constant=reject)


def speedup_text(speedup):
    """How the summary words the GPU's speed against the CPU's: one decimal, "faster" or "slower"."""
    return f"{speedup:.1f}× faster" if speedup >= 1 else f"{1 / speedup:.1f}× slower"


@pytest.mark.parametrize("name", list(GPU_CASES))
def test_fake_gpu_that_works_is_verified_on_the_gpu(name):
    directory, framework, env, version, gpus, gpu_device, cpu_device, elementwise = GPU_CASES[name]
    r = verify_fake(directory, framework, env=env)
    assert r.rc in (0, 1), r.err  # 1: warnings (the fake "GPU" is no faster than NumPy; the doctor saw no GPU)
    doc = strict_json(r.out)
    assert doc["verdict"]["gpu_usable"] is True and doc["verdict"]["exit_code"] == r.rc
    fw = only_framework(doc, framework)
    live = fw["live"]
    assert live["probe"]["status"] == "ok", live["probe"]
    answer = live["answer"]
    assert answer["version"] == version
    assert answer["errors"] == [], answer["errors"]
    assert [d for d in answer["devices"] if d["kind"] == "gpu"] == gpus
    assert fw["device"] == "gpu", fw["findings"]

    # The product on the GPU equals the CPU's, and each was timed where it lived.
    compute = answer["compute"]
    assert compute["size"] == SIZE
    assert compute["match"] is True and compute["nonfinite"] == 0
    assert compute["max_abs_diff"] <= compute["tolerance"] * compute["max_abs_reference"]
    assert compute["gpu"]["device"] == gpu_device
    assert compute["cpu"]["device"] == cpu_device
    for run in (compute["gpu"], compute["cpu"]):
        assert run["median_ms"] > 0 and len(run["runs_ms"]) == 5 and run["gflops"] > 0
    assert compute["speedup"] > 0
    assert compute["speedup"] == pytest.approx(compute["cpu"]["median_ms"] / compute["gpu"]["median_ms"])
    if elementwise:
        assert compute["elementwise"]["match"] is True
        assert compute["elementwise"]["gpu"] == pytest.approx(compute["elementwise"]["cpu"], rel=1e-3)
    else:
        assert compute["elementwise"] is None

    # Nothing failed; what remains are warnings at most.
    ids = {f["id"] for f in fw["findings"]}
    assert not ids & GPU_FAILURES, ids
    assert [f for f in fw["findings"] if f["severity"] == "error"] == []
    assert live["messages"] == []  # the fakes print nothing
    assert not fw["root_cause"]
    assert fw["summary"].startswith(f"{gpus[0]['model'] or gpus[0]['name']}: {SIZE}×{SIZE} float32 matmul "), \
        fw["summary"]
    assert f" on {gpu_device} vs " in fw["summary"]
    assert f": {speedup_text(compute['speedup'])}; results match" in fw["summary"], fw["summary"]


def test_fake_gpu_that_works_in_text():
    r = verify_fake("torch-gpu-works", "torch", as_json=False)
    assert r.rc in (0, 1), r.err
    head = [line for line in r.out.splitlines() if line.startswith("[✓] torch 2.5.1+cu124: GPU — ")]
    assert len(head) == 1, r.out
    assert re.search(rf"{H100}: {SIZE}×{SIZE} float32 matmul \S+ ms on cuda:0 vs \S+ ms on the CPU: "
                     r"\d+\.\d× (faster|slower); results match$", head[0]), head[0]
    assert f"devices: cuda:0 ({H100}, compute 9.0), cpu" in r.out
    assert "no framework computed on the GPU" not in r.out


# ONGPU_FAKE_GPU_FAULT of torch-gpu-wrong-result: (the finding, a part of its summary)
TORCH_FAULTS = {
    "nan": ("verify.wrong_result", "NaN"),
    "off-by-10": ("verify.wrong_result", ""),
    "elementwise": ("verify.wrong_result", "sum(x + 1)"),
    "illegal-address": ("verify.compute_failed", "CUDA error: an illegal memory access was encountered"),
}


@pytest.mark.parametrize("fault", list(TORCH_FAULTS))
def test_fake_gpu_that_computes_wrongly_is_broken(fault):
    """The GPU is listed and raises nothing at the call (or only at the next
    synchronisation), but its answer is wrong: only comparing with the CPU
    shows it."""
    id_, summary = TORCH_FAULTS[fault]
    r = verify_fake("torch-gpu-wrong-result", "torch", env={"ONGPU_FAKE_GPU_FAULT": fault})
    assert r.rc == 2, r.err
    doc = strict_json(r.out)  # a NaN in the product leaves the JSON valid
    assert doc["verdict"]["gpu_usable"] is False and doc["verdict"]["exit_code"] == 2
    fw = only_framework(doc, "torch")
    answer = fw["live"]["answer"]
    assert answer["version"] == "2.5.1+cu124"
    assert [d["name"] for d in answer["devices"] if d["kind"] == "gpu"] == ["cuda:0"]
    assert fw["device"] == "gpu_broken"
    assert summary in finding(fw, id_)["summary"]
    assert finding(fw, id_)["severity"] == "error"
    assert fw["root_cause"] == id_
    assert doc["verdict"]["root_cause"] == id_
    assert "verify.not_on_gpu" not in {f["id"] for f in fw["findings"]}

    compute = answer["compute"]
    assert compute["cpu"]["median_ms"] > 0  # the CPU run still proves the framework computes
    if fault == "illegal-address":
        # Raised by torch.cuda.synchronize() after the matmul: nothing was timed on the GPU.
        assert [e["stage"] for e in answer["errors"]] == ["compute-gpu"]
        assert compute["gpu"] is None and compute["match"] is None
        return
    assert answer["errors"] == []
    assert compute["gpu"]["device"] == "cuda:0"
    if fault == "nan":
        assert compute["nonfinite"] == 1 and compute["match"] is False
        assert compute["max_abs_diff"] is not None  # the finite elements agree
    elif fault == "off-by-10":
        assert compute["nonfinite"] == 0 and compute["match"] is False
        assert compute["max_abs_diff"] == pytest.approx(10, rel=1e-4)
    else:  # the product is right; x + 1 added 2 to each of the n² elements
        assert compute["match"] is True and compute["elementwise"]["match"] is False
        assert compute["elementwise"]["gpu"] - compute["elementwise"]["cpu"] == pytest.approx(SIZE * SIZE, rel=1e-4)


def test_fake_gpu_that_computes_wrongly_in_text():
    r = verify_fake("torch-gpu-wrong-result", "torch", env={"ONGPU_FAKE_GPU_FAULT": "nan"}, as_json=False)
    assert r.rc == 2, r.err
    head = [line for line in r.out.splitlines() if line.startswith("[✗] torch 2.5.1+cu124: GPU broken — ")]
    assert len(head) == 1, r.out
    assert head[0].endswith("[verify.wrong_result]"), head[0]
    assert "no framework computed on the GPU" in r.out


def test_tensorflow_soft_placed_on_the_cpu_is_not_on_the_gpu(machine):
    """TensorFlow lists a GPU, and MatMul under tf.device("/GPU:0") runs
    without an error, on the CPU (soft placement): where the result lives and
    the placement log say so."""
    cpu = "/job:localhost/replica:0/task:0/device:CPU:0"
    r = verify_fake("tf-gpu-soft-placement", "tensorflow")
    assert r.rc == 2, r.err
    doc = strict_json(r.out)
    assert doc["verdict"]["gpu_usable"] is False
    fw = only_framework(doc, "tensorflow")
    live = fw["live"]
    answer = live["answer"]
    assert answer["version"] == "2.13.0"
    assert answer["errors"] == []
    assert [d for d in answer["devices"] if d["kind"] == "gpu"] == [
        {"kind": "gpu", "name": "/physical_device:GPU:0", "model": "NVIDIA H100", "compute_capability": "9.0"}]
    assert answer["memory"] == "set_memory_growth(True) on 1 of 1 GPU(s)"
    compute = answer["compute"]
    assert compute["gpu"]["device"] == cpu  # asked for /GPU:0, placed on the CPU
    assert compute["match"] is True  # right, but not on the GPU
    assert live["placement_log"] == [cpu]  # the MatMul line only, not StridedSlice's
    assert live["messages"] == []
    assert fw["device"] == "cpu"
    not_on_gpu = [f for f in fw["findings"] if f["id"] == "verify.not_on_gpu"]
    assert not_on_gpu and all(cpu in f["summary"] for f in not_on_gpu), not_on_gpu
    assert not {f["id"] for f in fw["findings"]} & {"verify.wrong_result", "verify.compute_failed"}
    assert fw["root_cause"] in (machine_root_cause(machine), "verify.not_on_gpu")


def test_one_framework_on_the_gpu_and_one_soft_placed_on_the_cpu():
    e = {"PYTHONPATH": os.pathsep.join(str(p) for p in (VERIFY_FIXTURES / "torch-gpu-works",
                                                       VERIFY_FIXTURES / "tf-gpu-soft-placement", SUPPORT))}
    r = ongpu("verify", "--python", PYTHON, "--framework", "torch", "--framework", "tensorflow", "--size", str(SIZE),
              "--json", env=e, timeout=120)
    assert r.rc == 1, r.err  # usable, with warnings: not every framework computed on the GPU
    doc = strict_json(r.out)
    assert doc["verdict"]["gpu_usable"] is True and doc["verdict"]["exit_code"] == 1
    assert doc["verdict"]["summary"] == "1 of 2 framework checks computed on the GPU"
    assert only_framework(doc, "torch")["device"] == "gpu"
    assert only_framework(doc, "tensorflow")["device"] == "cpu"


# --------------------------------------------------------------------------
# Frameworks that never answer.

def processes_with(marker):
    """Processes whose command line contains marker (not this one)."""
    found = []
    for p in pathlib.Path("/proc").iterdir():
        if not p.name.isdigit() or int(p.name) == os.getpid():
            continue
        try:
            if marker.encode() in (p / "cmdline").read_bytes():
                found.append(int(p.name))
        except OSError:
            continue
    return found


def test_import_that_hangs_is_stopped_at_the_deadline_and_leaves_no_process(tmp_path):
    marker = f"ongpu-verify-hang-{uuid.uuid4().hex}"
    pidfile = tmp_path / "helper.pid"
    try:
        t0 = time.monotonic()
        r = verify_fake("import-hangs", "torch", "--timeout", "3", timeout=60,
                        env={"ONGPU_FAKE_HANG_MARKER": marker, "ONGPU_FAKE_HANG_PIDFILE": str(pidfile)})
        elapsed = time.monotonic() - t0
        assert pidfile.exists(), "the fake never started its helper process"
        # The helper ignores SIGTERM and holds ongpu's stderr pipe: only killing the
        # whole process group ends it. Give the kernel a moment to remove it.
        until = time.monotonic() + 5
        while processes_with(marker) and time.monotonic() < until:
            time.sleep(0.05)
        assert processes_with(marker) == [], "a process of the hung framework was left running"
    finally:
        for pid in processes_with(marker):  # only ours: the marker is unique to this run
            os.kill(pid, 9)
    assert elapsed < 20, f"ongpu took {elapsed:.1f} s with a 3 s deadline"  # a 3600 s sleep was not waited for
    assert r.rc == 2, r.err
    fw = only_framework(r.json(), "torch")
    assert fw["device"] == "failed"
    assert fw["live"]["probe"]["status"] == "timed_out"
    assert fw["live"]["probe"]["last_stage"] == "import"
    assert [f["id"] for f in fw["findings"]] == ["verify.timed_out"]
    timed_out = finding(fw, "verify.timed_out")
    assert "within 3 s" in timed_out["summary"] and "'import'" in timed_out["summary"]
    assert {"path": "probe.last_stage", "value": "import"} in timed_out["evidence"]
    assert fw["root_cause"] == "verify.timed_out"


def test_import_that_segfaults_is_reported_as_a_crash_with_its_signal():
    r = verify_fake("import-segfaults", "tensorflow")
    assert r.rc == 2, r.err
    fw = only_framework(r.json(), "tensorflow")
    assert fw["device"] == "failed"
    assert fw["live"]["probe"]["status"] == "crashed"
    assert fw["live"]["probe"]["signal"] == 11
    assert [f["id"] for f in fw["findings"]] == ["verify.crashed"]
    crashed = finding(fw, "verify.crashed")
    assert "signal 11" in crashed["summary"] and "SIGSEGV" in crashed["summary"] and "'import'" in crashed["summary"]
    assert crashed["fix"]
    assert fw["root_cause"] == "verify.crashed"


def test_import_error_is_reported_with_the_install_command():
    r = verify_fake("import-error", "torch")
    assert r.rc == 2, r.err
    fw = only_framework(r.json(), "torch")
    assert fw["device"] == "failed"
    assert fw["interpreter"] == PYTHON
    assert [e["stage"] for e in fw["live"]["answer"]["errors"]] == ["import"]
    assert [f["id"] for f in fw["findings"]] == ["verify.import_failed"]
    failed = finding(fw, "verify.import_failed")
    assert "ImportError" in failed["summary"] and "libcudart.so.12" in failed["summary"]
    assert any(fix.startswith(f"{PYTHON} -m pip install torch") for fix in failed["fix"]), failed["fix"]
    assert fw["root_cause"] == "verify.import_failed"


# --------------------------------------------------------------------------
# The command line.

@pytest.mark.parametrize("args", [["--framework", "bogus"], ["--size", "0"], ["--size", "15"], ["--timeout", "0"]])
def test_usage_errors_exit_64(args):
    r = ongpu("verify", *args)
    assert r.rc == 64, (r.out, r.err)
    assert r.out == ""
    assert args[0] in r.err  # the option at fault is named


def test_help_exits_0():
    r = ongpu("verify", "--help")
    assert r.rc == 0, r.err
    for option in ("--framework", "--python", "--size", "--timeout", "--json"):
        assert option in r.out


# --------------------------------------------------------------------------
# The real frameworks of the test environment (slower: each imports for real,
# and multiplies 1000×1000 matrices).

REAL = ["tensorflow", "jax", "onnxruntime"]


@pytest.fixture(scope="module")
def real(machine):
    r = verify(timeout=600)
    assert r.rc in (0, 1, 2), r.err
    return r, r.json()


def real_marks(name):
    return [pytest.mark.skipif(not have(name), reason=f"{name} is not in the test environment"),
            pytest.mark.skipif(HAS_NVIDIA_GPU, reason="this machine has an NVIDIA GPU (tools/gpu-check.sh covers it)")]


@pytest.mark.parametrize("name", [pytest.param(n, marks=real_marks(n)) for n in REAL])
def test_real_framework_computes_on_the_cpu_for_the_doctors_reason(name, real, machine):
    r, doc = real
    assert r.rc == 2
    predicted = [f for f in machine["frameworks"] if f["framework"] == name and f["interpreter"] == PYTHON]
    assert len(predicted) == 1, "the doctor did not find it"
    fw = [f for f in doc["frameworks"] if f["framework"] == name and f["interpreter"] == PYTHON]
    assert len(fw) == 1, [f["framework"] for f in doc["frameworks"]]
    fw = fw[0]
    assert fw["device"] == "cpu"
    assert predicted[0]["root_cause"]
    assert fw["root_cause"] == predicted[0]["root_cause"]
    assert fw["predicted"]["device"] == "cpu"
    live = fw["live"]
    assert live["probe"]["status"] == "ok", live["probe"]
    assert live["answer"]["version"] == predicted[0]["version"]
    assert live["answer"]["python"] == predicted[0]["python_version"]
    compute = live["answer"]["compute"]
    assert compute["size"] == 1000  # the default without a GPU
    assert compute["gpu"] is None
    assert compute["cpu"]["median_ms"] > 0 and compute["cpu"]["gflops"] > 0
    assert "verify.no_gpu_device" in {f["id"] for f in fw["findings"]}
    assert "verify.disagrees_with_doctor" not in {f["id"] for f in fw["findings"]}
    assert doc["verdict"]["root_cause"] == machine["verdict"]["root_cause"]


@pytest.mark.parametrize("name", [pytest.param("tensorflow", marks=real_marks("tensorflow"))])
def test_real_tensorflow_messages_are_recognised(name, real, machine):
    _, doc = real
    fw = [f for f in doc["frameworks"] if f["framework"] == name and f["interpreter"] == PYTHON][0]
    messages = {m["id"]: m for m in fw["live"]["messages"]}
    assert "verify.cuda_driver_not_found" in messages, fw["live"]["probe"]["stderr_tail"]
    assert messages["verify.cuda_driver_not_found"]["text"].startswith("Could not find cuda drivers on your machine")
    assert "verify.cuda_driver_not_found" in {f["id"] for f in fw["findings"]}
    if machine["facts"]["cuda"]["library"]["loaded"] is False:
        # No libcuda.so.1 here: TensorFlow's loader says so, when ongpu asks it to
        # (TF_CPP_VMODULE=dso_loader=1).
        details = [m["detail"] for m in fw["live"]["messages"] if m["id"] == "verify.library_not_loaded"]
        assert any(d.startswith("libcuda.so.1: ") for d in details), details


@pytest.mark.parametrize("name", [pytest.param("tensorflow", marks=real_marks("tensorflow"))])
def test_real_tensorflow_in_text(name):
    r = verify("--framework", name, as_json=False, timeout=600)
    assert r.rc == 2, r.err
    head = [line for line in r.out.splitlines() if line.startswith(f"[✗] {name} ")]
    assert len(head) == 1 and ": CPU — " in head[0], r.out
    assert "(as the doctor predicted)" in head[0]
    assert "1000×1000 float32 matmul ran on" in r.out
    assert "[verify.cuda_driver_not_found]" in r.out


def test_the_interpreter_query_follows_verifys_timeout(tmp_path):
    # Issue: hardening §5. An interpreter slower to start than the doctor's
    # default 10 s deadline (a venv on a network file system, a loaded machine).
    slow = tmp_path / "python"
    once = tmp_path / "started"  # only the first start (the doctor's query) is slow
    slow.write_text(f"#!/bin/sh\n[ -e {once} ] || {{ touch {once}; sleep 11; }}\nexec {PYTHON} \"$@\"\n")
    slow.chmod(0o755)
    e = {"PYTHONPATH": f"{VERIFY_FIXTURES / 'torch-cpu-build'}{os.pathsep}{SUPPORT}"}
    r = ongpu("verify", "--python", str(slow), "--framework", "torch", "--timeout", "60", "--json", "--size",
              str(SIZE), env=e, timeout=180)
    fw = only_framework(r.json(), "torch")
    assert fw["live"]["probe"]["status"] == "ok", fw["live"]["probe"]
