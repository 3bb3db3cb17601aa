"""The ground-truth suite's machinery: observe what a real framework does under
the fake driver, ask `ongpu doctor --json` what it predicts for the same
environment, and list every disagreement.

Used by tests/e2e/test_ground_truth.py (which asserts there is none) and by
tools/gen-ground-truth-doc.py (docs/ground-truth.md).

The environments are real GPU wheels from PyPI, pinned in
tests/ground_truth/envs/*.txt and installed by tools/ground-truth-envs.sh into
$ONGPU_CACHE/gt/<name>-<hash>. The machine is the healthy one-GPU fixture root
with the fake libcuda.so.1 / libnvidia-ml.so.1 (tests/fakes) on LD_LIBRARY_PATH,
for the framework and for the doctor alike.
"""

import hashlib
import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import ld_debug

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ENVS_DIR = HERE / "envs"
HEALTHY_ROOT = REPO / "tests" / "fixtures" / "roots" / "healthy-1gpu"

# The CUDA libraries a framework loads itself (by soname stem); libcuda and
# NVML are the driver, judged by the machine's chain.
CUDA_STEMS = ("libcudart", "libcublas", "libcublasLt", "libcufft", "libcurand", "libcusolver", "libcusparse",
              "libcusparseLt", "libcudnn", "libnccl", "libnvrtc", "libnvJitLink", "libcupti", "libcufile",
              "libnvshmem_host")
_CUDA = re.compile(r"^(" + "|".join(re.escape(s) for s in CUDA_STEMS) + r")\.so(\.|$)")

# Which framework each environment holds.
FRAMEWORK_OF = {"tf": "tensorflow", "torch": "torch", "jax": "jax", "cupy": "cupy", "onnxruntime": "onnxruntime"}


def cache_dir():
    base = os.environ.get("ONGPU_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "ongpu")
    return Path(base) / "gt"


def env_names():
    return sorted(p.stem for p in ENVS_DIR.glob("*.txt"))


def env_python(name):
    """The interpreter of a cached environment (tools/ground-truth-envs.sh makes it)."""
    text = (ENVS_DIR / f"{name}.txt").read_bytes()
    return cache_dir() / f"{name}-{hashlib.sha256(text).hexdigest()[:12]}" / "bin" / "python"


def framework_of(name):
    return FRAMEWORK_OF[name.split("-")[0]]


def is_cuda_library(name):
    return bool(_CUDA.match(os.path.basename(name)))


def soname_of_file(path):
    """libcudart.so.12.5.82 -> libcudart.so.12 is not derivable from the name;
    read DT_SONAME from the file itself (readelf is binutils, on every
    build machine)."""
    out = subprocess.run(["readelf", "-d", "-W", path], capture_output=True, text=True).stdout
    m = re.search(r"\(SONAME\)\s+Library soname: \[(.+?)\]", out)
    return m.group(1) if m else os.path.basename(path)


@dataclass
class Observation:
    registered: object          # True / False, or None where the fake cannot show it
    error: str
    devices: list
    loaded: dict                # soname -> real path of every CUDA library in the process
    own: dict                   # the subset the framework asked for itself (not a CUDA library's own dependency)
    requests: list = field(default_factory=list)
    stderr: str = ""


def base_env(fake_lib, extra=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "LD_PRELOAD", "PYTHONPATH", "JAX_PLATFORMS",
                        "TF_CPP_MIN_LOG_LEVEL", "ONGPU_FAKE_SCENARIO", "LD_DEBUG", "LD_DEBUG_OUTPUT")}
    env["LD_LIBRARY_PATH"] = str(fake_lib)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for k, v in (extra or {}).items():
        if k == "LD_LIBRARY_PATH_PREPEND":
            env["LD_LIBRARY_PATH"] = v + ":" + env["LD_LIBRARY_PATH"]
        else:
            env[k] = v
    return env


def observe(python, framework, fake_lib, extra=None, timeout=300):
    with tempfile.TemporaryDirectory() as d:
        env = base_env(fake_lib, extra)
        env.update(LD_DEBUG="files,libs", LD_DEBUG_OUTPUT=os.path.join(d, "ld"), TF_CPP_MIN_LOG_LEVEL="0",
                   TF_CPP_VMODULE="dso_loader=1")
        p = subprocess.run([str(python), "-P", str(HERE / "observe.py"), framework], env=env,
                           capture_output=True, text=True, timeout=timeout, cwd=d)
        requests = ld_debug.parse_files(os.path.join(d, "ld"))
    tail = p.stdout.split("@@ONGPU-OBSERVATION@@")
    if len(tail) < 2:
        raise RuntimeError(f"observe.py gave no answer (exit {p.returncode}): {p.stderr[-2000:]}")
    raw = json.loads(tail[-1])
    loaded = {}
    for path in raw["maps"]:
        if is_cuda_library(path):
            loaded[soname_of_file(path)] = os.path.realpath(path)
    # The first request that brought each library in: by the framework (or a
    # preload through ctypes), or by another CUDA library (its dependency).
    own = {}
    for r in requests:
        if not r.path or not is_cuda_library(r.name):
            continue
        real = os.path.realpath(r.path)
        so = next((s for s, p in loaded.items() if p == real), None)
        if so is None or so in own:
            continue
        if not is_cuda_library(r.requester):
            own[so] = real
    return Observation(raw["registered"], raw["error"], raw["devices"], loaded, own, requests, p.stderr)


def predict(ongpu, python, fake_lib, extra=None, timeout=120):
    env = base_env(fake_lib, extra)
    p = subprocess.run([str(ongpu), "doctor", "--json", "--root", str(HEALTHY_ROOT), "--python", str(python)],
                       env=env, capture_output=True, text=True, timeout=timeout)
    if p.returncode not in (0, 1, 2):
        raise RuntimeError(f"ongpu doctor exited {p.returncode}: {p.stderr[-2000:]}")
    return json.loads(p.stdout)


@dataclass
class Prediction:
    gpu: bool
    root_cause: str
    fixes: list
    libraries: list             # the frameworks[].libraries[] entries


def prediction_for(doc, python, framework):
    verdict = next((v for v in doc["frameworks"] if v["framework"] == framework and v["interpreter"] == str(python)),
                   None)
    if verdict is None:
        raise AssertionError(f"the doctor has no verdict for {framework} in {python}")
    libraries = []
    for env in doc["facts"]["python"]["environments"]:
        if env["interpreter"] != str(python):
            continue
        for fw in env["frameworks"]:
            if fw["framework"] == framework:
                libraries = fw["libraries"]
    fixes = []
    for f in doc["findings"]:
        if f.get("id") == verdict.get("root_cause") and f.get("scope") == verdict.get("scope"):
            fixes = f.get("fix", [])
    return Prediction(verdict["device"] == "gpu", verdict.get("root_cause", ""), fixes, libraries)


def compare(obs, pred):
    """Every way the prediction differs from what the framework did."""
    wrong = []
    predicted = {l["soname"]: l for l in pred.libraries}
    for so, lib in predicted.items():
        real = lib["real_path"] if isinstance(lib["real_path"], str) else None
        if lib["outcome"] == "found":
            if so not in obs.loaded:
                if lib["role"] == "gpu" and obs.registered is not False:
                    wrong.append(f"{so}: predicted {real}, but the framework did not load it")
            elif os.path.realpath(real) != obs.loaded[so]:
                wrong.append(f"{so}: predicted {real}, loaded {obs.loaded[so]}")
        elif so in obs.loaded:
            wrong.append(f"{so}: predicted not found, loaded {obs.loaded[so]}")
    for so, real in obs.own.items():
        if so not in predicted:
            wrong.append(f"{so}: loaded by the framework from {real}, not in the prediction")
    if obs.registered is not None and obs.registered != pred.gpu:
        wrong.append(f"verdict: predicted {'GPU' if pred.gpu else 'CPU'} ({pred.root_cause or 'no root cause'}), "
                     f"the framework {'registered' if obs.registered else 'did not register'} a GPU"
                     f"{': ' + obs.error if obs.error else ''}")
    return wrong
