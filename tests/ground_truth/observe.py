"""The oracle: what a real framework does when it looks for a GPU.

Run as `python observe.py FRAMEWORK` by the interpreter of the environment
under test, with LD_DEBUG=files,libs and LD_DEBUG_OUTPUT=<prefix> set by the
caller (ground_truth.py), and a fake libcuda.so.1 / libnvidia-ml.so.1 on
LD_LIBRARY_PATH. It performs the framework's own GPU registration step and
prints one JSON object on stdout:

  {"framework": ..., "registered": true|false|null, "error": "...",
   "devices": [...], "maps": [real paths of every mapped .so]}

"registered" is null where the framework's registration cannot be observed
against a fake driver: torch.cuda.is_available(), CuPy, ONNX Runtime's CUDA
provider and XLA's stream executor (JAX) go through libcudart, which needs the
real driver's private interfaces. There the libraries the framework loads
(at import, or when the backend initializes) are the observation.

The loader's own trace (which object asked for which library, where it was
found) is parsed afterwards from the LD_DEBUG files by ld_debug.py, outside
this process.
"""

import json
import os
import sys


def tensorflow():
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return bool(gpus), [g.name for g in gpus]


def jax():
    import jax as j

    # The CUDA plugin preloads its libraries when the backend initializes;
    # XLA's stream executor then needs libcudart's private driver interfaces
    # (cuGetExportTable), which no fake can give: whether it would register
    # the GPU is not observable here (tools/gpu-check.sh observes it).
    try:
        devices = j.devices("cuda")
    except RuntimeError as e:
        return None, [f"error: {e}".splitlines()[0][:300]]
    return bool(devices), [str(d) for d in devices]


def torch():
    import torch as t

    # Importing torch loads its CUDA libraries (libtorch_global_deps and
    # _load_global_deps in torch/__init__.py); is_available() needs libcudart
    # to talk to a real driver, so it is reported but not judged.
    return None, [f"torch.cuda.is_available()={t.cuda.is_available()}", f"torch.version.cuda={t.version.cuda}"]


def cupy():
    import importlib

    import cupy as c

    # Importing cupy preloads cuTENSOR through cuda-pathfinder (which loads
    # its dependency cuBLASLt first, cuTENSOR or not). The runtime is linked
    # statically and needs the real driver: the device count is reported, not
    # judged. Every elementwise kernel is compiled by NVRTC, which the nvrtc
    # module opens through cuda-pathfinder on first use. The library modules
    # (cuBLAS, cuSOLVER, cuSPARSE, cuRAND, cuFFT) are imported on first use:
    # cuda-pathfinder loads the library, then the module's own DT_NEEDED must
    # be satisfied. Each is touched here, as the first call of
    # cupy.linalg / cupy.fft / cupy.random would.
    notes = []
    try:
        notes.append(f"getDeviceCount={c.cuda.runtime.getDeviceCount()}")
    except Exception as e:  # cudaErrorCallRequiresNewerDriver against a fake
        notes.append(f"getDeviceCount: {type(e).__name__}: {e}")
    from cupy_backends.cuda.libs import nvrtc

    notes.append(f"nvrtc.getVersion()={nvrtc.getVersion()}")
    for name in ("cublas", "cusolver", "cusparse", "curand", "cufft"):
        try:
            owner = c.cuda if name == "cufft" else importlib.import_module("cupy_backends.cuda.libs")
            getattr(owner, name)
            notes.append(f"{name}: imported")
        except ImportError as e:
            notes.append(f"{name}: ImportError: {e}".splitlines()[0][:300])
    return None, notes


def _matmul_model():
    """The hand-encoded ONNX MatMul model of ongpu verify's probe: its three
    helper functions, taken from src/verify/probe.py (which runs its main()
    when imported, so it is not imported)."""
    import ast

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "verify", "probe.py")
    tree = ast.parse(open(path).read())
    keep = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in ("_varint", "_field", "matmul_model")]
    ns = {}
    exec(compile(ast.Module(body=keep, type_ignores=[]), path, "exec"), ns)
    return ns["matmul_model"](4)


def onnxruntime():
    import onnxruntime as ort

    # The CUDA execution provider's library (and the CUDA libraries it needs)
    # loads when a session asks for it.
    try:
        session = ort.InferenceSession(_matmul_model(), providers=["CUDAExecutionProvider"])
    except Exception as e:
        return False, [f"session: {type(e).__name__}: {e}".splitlines()[0][:300]]
    # The provider creates no CUDA context against the fake (it talks to the
    # driver through libcudart), so whether it stays is not judged.
    return None, session.get_providers()


FRAMEWORKS = {"tensorflow": tensorflow, "jax": jax, "torch": torch, "cupy": cupy, "onnxruntime": onnxruntime}


def mapped_objects():
    seen = []
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) == 6 and ".so" in parts[5] and parts[5].strip() not in seen:
                seen.append(parts[5].strip())
    return seen


def main():
    name = sys.argv[1]
    out = {"framework": name, "registered": None, "error": "", "devices": []}
    try:
        out["registered"], out["devices"] = FRAMEWORKS[name]()
    except BaseException as e:  # an import failure is an observation too
        out["registered"] = False
        out["error"] = f"{type(e).__name__}: {e}".splitlines()[0][:400]
    out["maps"] = mapped_objects()
    sys.stdout.write("\n@@ONGPU-OBSERVATION@@" + json.dumps(out) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
