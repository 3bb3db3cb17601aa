"""The real framework packages from PyPI (tests/requirements.txt installs
tensorflow, jax and onnxruntime into the test environment). On this machine,
with no NVIDIA GPU and no driver, ongpu's static reading must agree with what
the frameworks say about themselves when imported — and the verdict is CPU,
with the machine's root cause."""
import json
import subprocess
import sys

import pytest

from conftest import doctor

PYTHON = sys.executable  # the test environment's interpreter, where the frameworks are


def ask(code):
    """Runs code in the test environment's Python and returns its JSON answer."""
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=300,
                         env={"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3", "HOME": "/tmp"})
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def have(module):
    return subprocess.run([PYTHON, "-c", f"import importlib.util,sys; sys.exit(importlib.util.find_spec('{module}') is None)"]).returncode == 0


@pytest.fixture(scope="module")
def report():
    r = doctor("--python", PYTHON, env={"LD_LIBRARY_PATH": ""}, timeout=120)
    return r, r.json()


def framework(doc, name):
    for env in doc["facts"]["python"]["environments"]:
        if env["interpreter"] == PYTHON:
            for fw in env["frameworks"]:
                if fw["framework"] == name:
                    return fw
    raise AssertionError(f"{name} not found by ongpu")


@pytest.mark.skipif(not have("tensorflow"), reason="tensorflow is not in the test environment")
def test_tensorflow_build_facts_match_tf_sysconfig(report):
    _, doc = report
    real = ask("import json, tensorflow as tf; b = tf.sysconfig.get_build_info(); "
               "print(json.dumps({'version': tf.__version__, 'cuda': b.get('cuda_version'), 'cudnn': b.get('cudnn_version'), "
               "'caps': b.get('cuda_compute_capabilities'), 'is_cuda': b.get('is_cuda_build')}))")
    tf = framework(doc, "tensorflow")
    assert tf["version"] == real["version"]
    assert tf["cuda_version"] == real["cuda"]
    assert tf["cudnn_version"] == real["cudnn"]
    assert tf["gpu_targets"] == real["caps"]
    assert (tf["flavor"] == "cuda") == bool(real["is_cuda"])


@pytest.mark.skipif(not have("tensorflow"), reason="tensorflow is not in the test environment")
def test_tensorflow_verdict_is_cpu_because_there_is_no_gpu_and_tf_agrees(report):
    r, doc = report
    v = next(f for f in doc["frameworks"] if f["framework"] == "tensorflow" and f["interpreter"] == PYTHON)
    assert v["device"] == "cpu"
    assert v["root_cause"] == doc["verdict"]["root_cause"] == "pci.no_nvidia_device"
    live = ask("import json, tensorflow as tf; print(json.dumps(len(tf.config.list_physical_devices('GPU'))))")
    assert live == 0  # TensorFlow itself agrees: no GPU
    assert r.rc == 2


@pytest.mark.skipif(not have("jax"), reason="jax is not in the test environment")
def test_jax_is_read_as_cpu_only_and_jax_agrees(report):
    _, doc = report
    jx = framework(doc, "jax")
    real = ask("import json, jax; print(json.dumps({'version': jax.__version__, 'platform': jax.default_backend()}))")
    assert jx["version"] == real["version"]
    assert jx["flavor"] == "cpu"
    assert real["platform"] == "cpu"


@pytest.mark.skipif(not have("onnxruntime"), reason="onnxruntime is not in the test environment")
def test_onnxruntime_is_read_as_cpu_only_and_ort_agrees(report):
    _, doc = report
    ort = framework(doc, "onnxruntime")
    real = ask("import json, onnxruntime as o; print(json.dumps({'version': o.__version__, 'providers': o.get_available_providers()}))")
    assert ort["version"] == real["version"]
    assert ort["flavor"] == "cpu"
    assert "CUDAExecutionProvider" not in real["providers"]
