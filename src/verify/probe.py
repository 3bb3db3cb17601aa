# The live framework probe of `ongpu verify`, embedded in the ongpu binary
# (cmake/embed_text.cmake) and run as `python -c <this file> <framework> <size>`
# in the user's own interpreter, in a child process with a deadline.
#
# It imports one framework, lists the devices it sees, turns on memory growth
# (no preallocation), multiplies two float32 matrices on the GPU and on the
# CPU, and reads /proc/self/maps for the CUDA libraries actually loaded.
#
# Protocol (src/probe/protocol.h): one JSON object per line on the original
# stdout: {"stage": ...} before each step, then {"result": {...}} at the end,
# each with the nonce ongpu wrote on stdin, which code the probe imports never
# sees (it is read, and stdin closed, before any import but sys and os), so a
# line that code writes cannot pass for the probe's. Everything the framework
# prints goes to stderr, which ongpu reads for the messages that explain a
# fallback to the CPU. Only the standard library and the framework's own
# packages are used.
import sys

# First, before any other import: nothing from the current directory (a
# json.py there must not run). -P keeps the "" of -c out from Python 3.11;
# older interpreters put it at sys.path[0]; an empty PYTHONPATH entry
# (":/x") becomes the current directory itself, under either.
sys.path[:] = [p for p in sys.path if p not in ("", ".")]
import os  # noqa: E402  (site.py has loaded it already: not looked up in sys.path)

_here = os.path.realpath(os.getcwd()) if hasattr(os, "getcwd") else None
sys.path[:] = [p for p in sys.path if p not in ("", ".") and os.path.realpath(p) != _here]


def _read_nonce():
    data = b""
    while len(data) < 256:
        chunk = os.read(0, 256 - len(data))
        if not chunk:
            break
        data += chunk
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)  # stdin is /dev/null from here on, for the framework
    os.close(null)
    return data.decode("ascii", "replace").strip()


_nonce = _read_nonce()

import json  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

_out = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)  # the framework's own prints go to stderr with its logs
sys.stdout = sys.stderr

import warnings  # noqa: E402

warnings.simplefilter("always")  # torch reports driver trouble as warnings

CUDA_LIBRARY_PREFIXES = (
    "libcuda.", "libcudart.", "libcublas.", "libcublasLt.", "libcudnn", "libcufft.", "libcurand.",
    "libcusolver.", "libcusparse.", "libnccl.", "libnvrtc.", "libnvJitLink.", "libcupti.",
    "libnvidia-ml.", "libamdhip64.",
)

result = {"errors": []}
current_stage = ["arguments"]


def stage(name):
    current_stage[0] = name
    _out.write(json.dumps({"nonce": _nonce, "stage": name}) + "\n")
    _out.flush()


def error(where, exc):
    result["errors"].append({"stage": where, "type": type(exc).__name__, "message": str(exc)[:4000]})


def clean(value):
    """JSON that any reader accepts: no NaN or infinity (null instead), no
    unpaired surrogates in strings (from undecodable bytes)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {clean(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    return value


def finish():
    result["loaded_libraries"] = loaded_libraries()
    _out.write(json.dumps({"nonce": _nonce, "result": clean(result)}, allow_nan=False) + "\n")
    _out.flush()
    sys.stderr.flush()
    os._exit(0)  # no framework teardown: it can hang or crash on a broken driver


def loaded_libraries():
    paths = []
    try:
        with open("/proc/self/maps", errors="replace") as maps:
            for line in maps:
                parts = line.split(None, 5)
                if len(parts) < 6:
                    continue
                path = parts[5].strip()
                base = path.rsplit("/", 1)[-1]
                if base.startswith(CUDA_LIBRARY_PREFIXES) and ".so" in base and path not in paths:
                    paths.append(path)
    except Exception as e:  # noqa: BLE001
        error("libraries", e)
    return paths


def median(values):
    s = sorted(values)
    return s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2


def timed(step, sync, runs):
    """Median milliseconds of one `step`; a warm-up first, then batches of
    steps long enough (about 20 ms) that the synchronisation does not count."""
    sync(step())  # warm-up: kernel selection, JIT, library loading
    t = time.perf_counter()
    sync(step())
    once = time.perf_counter() - t
    reps = max(1, min(50, int(0.02 / max(once, 1e-6))))
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        last = None
        for _ in range(reps):
            last = step()
        sync(last)
        samples.append((time.perf_counter() - t) * 1000 / reps)
    return {"median_ms": median(samples), "runs_ms": samples, "batch": reps}


def add_run(compute, kind, n, timing, device):
    timing["device"] = str(device)
    timing["gflops"] = 2.0 * n ** 3 / (timing["median_ms"] / 1000) / 1e9 if timing["median_ms"] > 0 else None
    compute[kind] = timing


def compare(compute, max_abs_diff, max_abs_ref, nonfinite):
    """The GPU's product against the CPU's. float32 with TF32 tensor-core math
    (TensorFlow's and JAX's default on Ampere and newer) differs from the CPU
    by about 1e-3 relative; a wrong result differs by order 1, and a NaN or
    infinity anywhere is wrong."""
    compute["max_abs_diff"] = float(max_abs_diff)
    compute["max_abs_reference"] = float(max_abs_ref)
    compute["nonfinite"] = int(nonfinite)
    compute["tolerance"] = 1e-2
    compute["match"] = bool(nonfinite == 0 and math.isfinite(compute["max_abs_diff"])
                            and compute["max_abs_diff"] <= 1e-2 * max(compute["max_abs_reference"], 1e-30))
    if compute.get("gpu") and compute.get("cpu") and compute["gpu"]["median_ms"] > 0:
        compute["speedup"] = compute["cpu"]["median_ms"] / compute["gpu"]["median_ms"]


def compare_host(compute, gpu, cpu):
    """compare() for two NumPy arrays."""
    import numpy as np
    nonfinite = int(np.size(gpu) - np.count_nonzero(np.isfinite(gpu)))
    diff = np.abs(gpu.astype(np.float64) - cpu)
    compare(compute, np.max(np.where(np.isfinite(diff), diff, 0)) if nonfinite else np.max(diff),
            np.max(np.abs(cpu)), nonfinite)


def elementwise(compute, gpu_sum, cpu_sum):
    """One elementwise kernel of the framework's own (x + 1, summed): matmul
    alone runs only cuBLAS."""
    gpu_sum, cpu_sum = float(gpu_sum), float(cpu_sum)
    compute["elementwise"] = {"gpu": gpu_sum, "cpu": cpu_sum,
                              "match": bool(math.isfinite(gpu_sum) and abs(gpu_sum - cpu_sum) <= 1e-3 * max(abs(cpu_sum), 1.0))}


def random_matrix(rng, n):
    import numpy as np
    return (rng.random((n, n), dtype=np.float32) * 2 - 1).astype(np.float32)


def attempt(where, step):
    """Runs one step; an exception is recorded, and the probe goes on (a GPU
    that fails still leaves the CPU run to prove the framework computes)."""
    try:
        return step()
    except Exception as e:  # noqa: BLE001
        error(where, e)
        return None


def size_for(requested, has_gpu):
    return requested if requested > 0 else (4096 if has_gpu else 1000)


def runs_for(n):
    return 5 if n <= 2048 else 3


# ---------------------------------------------------------------- TensorFlow
def probe_tensorflow(requested):
    stage("import")
    t = time.perf_counter()
    import tensorflow as tf
    result["import_seconds"] = time.perf_counter() - t
    result["version"] = tf.__version__
    result["built_with_cuda"] = bool(tf.test.is_built_with_cuda())
    stage("devices")
    gpus = tf.config.list_physical_devices("GPU")
    devices = []
    for d in gpus:
        entry = {"kind": "gpu", "name": d.name}
        details = attempt("devices", lambda: tf.config.experimental.get_device_details(d)) or {}
        if details.get("device_name"):
            entry["model"] = str(details["device_name"])
        if details.get("compute_capability"):
            entry["compute_capability"] = "%d.%d" % tuple(details["compute_capability"])
        devices.append(entry)
    devices += [{"kind": "cpu", "name": d.name} for d in tf.config.list_physical_devices("CPU")]
    result["devices"] = devices
    stage("memory")
    grown = sum(1 for d in gpus if attempt("memory", lambda: tf.config.experimental.set_memory_growth(d, True) or True))
    result["memory"] = "set_memory_growth(True) on %d of %d GPU(s)" % (grown, len(gpus)) if gpus else "no GPU"
    n = size_for(requested, bool(gpus))
    compute = {"size": n, "dtype": "float32"}
    result["compute"] = compute
    with tf.device("/CPU:0"):
        a = tf.random.stateless_uniform((n, n), seed=(1, 2), minval=-1.0, maxval=1.0)
        b = tf.random.stateless_uniform((n, n), seed=(3, 4), minval=-1.0, maxval=1.0)

    def sync(c):
        c[0, 0].numpy()

    def on_gpu():
        with tf.device("/GPU:0"):
            x, y = tf.identity(a), tf.identity(b)
            tf.debugging.set_log_device_placement(True)
            try:
                c = tf.matmul(x, y)
                sync(c)
            finally:
                tf.debugging.set_log_device_placement(False)
            timing = timed(lambda: tf.matmul(x, y), sync, runs_for(n))
        add_run(compute, "gpu", n, timing, c.device)
        return c

    gpu_result = None
    if gpus:
        stage("compute-gpu")
        gpu_result = attempt("compute-gpu", on_gpu)
    stage("compute-cpu")
    with tf.device("/CPU:0"):
        c = tf.matmul(a, b)
        timing = timed(lambda: tf.matmul(a, b), sync, runs_for(n))
    add_run(compute, "cpu", n, timing, c.device)
    if gpu_result is not None:
        compare_host(compute, gpu_result.numpy(), c.numpy())


# ------------------------------------------------------------------- PyTorch
def probe_torch(requested):
    stage("import")
    t = time.perf_counter()
    import torch
    result["import_seconds"] = time.perf_counter() - t
    result["version"] = torch.__version__
    result["built_with_cuda"] = torch.version.cuda is not None
    result["build_cuda"] = torch.version.cuda
    stage("devices")
    available = torch.cuda.is_available()
    result["cuda_available"] = bool(available)
    devices = []
    if available:
        result["arch_list"] = attempt("devices", torch.cuda.get_arch_list) or []
        for i in range(torch.cuda.device_count()):
            entry = {"kind": "gpu", "name": "cuda:%d" % i}
            model = attempt("devices", lambda: torch.cuda.get_device_name(i))
            cc = attempt("devices", lambda: torch.cuda.get_device_capability(i))
            if model:
                entry["model"] = str(model)
            if cc:
                entry["compute_capability"] = "%d.%d" % tuple(cc)
            devices.append(entry)
    else:
        # The reason PyTorch gives a user who asks for the GPU anyway.
        attempt("devices-gpu", lambda: torch.zeros(1, device="cuda"))
    devices.append({"kind": "cpu", "name": "cpu"})
    result["devices"] = devices
    result["memory"] = "the caching allocator takes memory as needed (no preallocation)"
    gpus = [d for d in devices if d["kind"] == "gpu"]
    n = size_for(requested, bool(gpus))
    compute = {"size": n, "dtype": "float32"}
    result["compute"] = compute
    g = torch.Generator().manual_seed(0)
    a = torch.empty(n, n).uniform_(-1, 1, generator=g)
    b = torch.empty(n, n).uniform_(-1, 1, generator=g)

    def on_gpu():
        x, y = a.to("cuda"), b.to("cuda")
        c = torch.matmul(x, y)
        torch.cuda.synchronize()
        timing = timed(lambda: torch.matmul(x, y), lambda c: torch.cuda.synchronize(), runs_for(n))
        add_run(compute, "gpu", n, timing, c.device)
        elementwise(compute, (x + 1).sum().item(), (a + 1).sum().item())
        return c.cpu()

    gpu_result = None
    if gpus:
        stage("compute-gpu")
        gpu_result = attempt("compute-gpu", on_gpu)
    stage("compute-cpu")
    c = torch.matmul(a, b)
    timing = timed(lambda: torch.matmul(a, b), lambda c: None, runs_for(n))
    add_run(compute, "cpu", n, timing, c.device)
    if gpu_result is not None:
        finite = torch.isfinite(gpu_result)
        diff = torch.where(finite, (gpu_result - c).abs(), torch.zeros_like(c))
        compare(compute, diff.max().item(), c.abs().max().item(), int((~finite).sum().item()))


# ----------------------------------------------------------------------- JAX
def probe_jax(requested):
    stage("import")
    t = time.perf_counter()
    import jax
    import jax.numpy as jnp
    import numpy as np
    result["import_seconds"] = time.perf_counter() - t
    result["version"] = jax.__version__
    stage("devices")
    result["default_backend"] = attempt("devices", jax.default_backend) or ""
    try:
        gpus = jax.devices("gpu")
    except Exception as e:  # noqa: BLE001  (no GPU backend: the reason is in the message)
        gpus = []
        error("devices-gpu", e)
    try:
        cpu = jax.devices("cpu")[0]
    except Exception:  # noqa: BLE001  (JAX_PLATFORMS=cuda starts no CPU backend: NumPy is the reference)
        cpu = None
    result["devices"] = [{"kind": "gpu", "name": str(d), "model": str(d.device_kind)} for d in gpus] + (
        [{"kind": "cpu", "name": str(cpu)}] if cpu is not None else [])
    result["memory"] = "XLA_PYTHON_CLIENT_PREALLOCATE=%s" % os.environ.get("XLA_PYTHON_CLIENT_PREALLOCATE", "")
    n = size_for(requested, bool(gpus))
    compute = {"size": n, "dtype": "float32"}
    result["compute"] = compute
    rng = np.random.default_rng(0)
    a, b = random_matrix(rng, n), random_matrix(rng, n)
    matmul = jax.jit(jnp.matmul)

    def placed(c):
        return ", ".join(str(d) for d in c.devices()) if hasattr(c, "devices") else str(c.device())

    def on_gpu():
        x, y = jax.device_put(a, gpus[0]), jax.device_put(b, gpus[0])
        c = matmul(x, y).block_until_ready()
        timing = timed(lambda: matmul(x, y), lambda c: c.block_until_ready(), runs_for(n))
        add_run(compute, "gpu", n, timing, placed(c))
        return np.asarray(c)

    gpu_result = None
    if gpus:
        stage("compute-gpu")
        gpu_result = attempt("compute-gpu", on_gpu)
    stage("compute-cpu")
    if cpu is not None:
        x, y = jax.device_put(a, cpu), jax.device_put(b, cpu)
        c = matmul(x, y).block_until_ready()
        timing = timed(lambda: matmul(x, y), lambda c: c.block_until_ready(), runs_for(n))
        add_run(compute, "cpu", n, timing, placed(c))
        c = np.asarray(c)
    else:
        c = np.matmul(a, b)
        timing = timed(lambda: np.matmul(a, b), lambda c: None, runs_for(n))
        add_run(compute, "cpu", n, timing, "numpy")
    if gpu_result is not None:
        compare_host(compute, gpu_result, c)


# ---------------------------------------------------------------------- CuPy
def probe_cupy(requested):
    stage("import")
    t = time.perf_counter()
    import cupy
    import numpy as np
    result["import_seconds"] = time.perf_counter() - t
    result["version"] = cupy.__version__
    result["built_with_cuda"] = not getattr(cupy.cuda.runtime, "is_hip", False)
    stage("devices")
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # noqa: BLE001  (CUDARuntimeError: no driver, no device)
        count = 0
        error("devices-gpu", e)
    devices = []
    for i in range(count):
        entry = {"kind": "gpu", "name": "cuda:%d" % i}
        p = attempt("devices", lambda: cupy.cuda.runtime.getDeviceProperties(i)) or {}
        name = p.get("name")
        if name:
            entry["model"] = name.decode(errors="replace") if isinstance(name, bytes) else str(name)
        if "major" in p:
            entry["compute_capability"] = "%d.%d" % (p.get("major", 0), p.get("minor", 0))
        devices.append(entry)
    devices.append({"kind": "cpu", "name": "numpy"})
    result["devices"] = devices
    result["memory"] = "the memory pool takes memory as needed (no preallocation)"
    n = size_for(requested, count > 0)
    compute = {"size": n, "dtype": "float32"}
    result["compute"] = compute
    rng = np.random.default_rng(0)
    a, b = random_matrix(rng, n), random_matrix(rng, n)

    def sync(c):
        cupy.cuda.get_current_stream().synchronize()

    def on_gpu():
        x, y = cupy.asarray(a), cupy.asarray(b)
        c = cupy.matmul(x, y)
        sync(c)
        timing = timed(lambda: cupy.matmul(x, y), sync, runs_for(n))
        add_run(compute, "gpu", n, timing, "cuda:%d" % c.device.id)
        elementwise(compute, (x + 1).sum().item(), (a.astype(np.float64) + 1).sum())
        return cupy.asnumpy(c)

    gpu_result = None
    if count > 0:
        stage("compute-gpu")
        gpu_result = attempt("compute-gpu", on_gpu)
    stage("compute-cpu")  # CuPy has no CPU device: NumPy is its CPU counterpart
    c = np.matmul(a, b)
    timing = timed(lambda: np.matmul(a, b), lambda c: None, runs_for(n))
    add_run(compute, "cpu", n, timing, "numpy")
    if gpu_result is not None:
        compare_host(compute, gpu_result, c)


# -------------------------------------------------------------- ONNX Runtime
def _varint(v):
    out = bytearray()
    while True:
        byte = v & 0x7F
        v >>= 7
        out.append(byte | (0x80 if v else 0))
        if not v:
            return bytes(out)


def _field(number, payload):
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    if isinstance(payload, str):
        payload = payload.encode()
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def matmul_model(n):
    """An ONNX model C = MatMul(A, B) on float32 n×n, encoded by hand (the onnx
    package is not a dependency of onnxruntime)."""
    dim = _field(1, _field(1, n))                               # Dimension.dim_value
    shape = _field(2, dim + dim)                                # TypeProto.Tensor.shape
    tensor_type = _field(1, _field(1, 1) + shape)               # elem_type FLOAT
    def value(name):
        return _field(1, name) + _field(2, tensor_type)         # ValueInfoProto
    node = _field(1, "A") + _field(1, "B") + _field(2, "C") + _field(4, "MatMul")
    graph = (_field(1, node) + _field(2, "ongpu-verify") + _field(11, value("A")) + _field(11, value("B"))
             + _field(12, value("C")))
    return _field(1, 7) + _field(7, graph) + _field(8, _field(2, 13))  # ir_version 7 (onnxruntime >= 1.6), opset 13


def probe_onnxruntime(requested):
    stage("import")
    t = time.perf_counter()
    import numpy as np
    import onnxruntime as ort
    result["import_seconds"] = time.perf_counter() - t
    result["version"] = ort.__version__
    stage("devices")
    available = ort.get_available_providers()
    result["available_providers"] = available
    session, used = None, []
    if "CUDAExecutionProvider" in available:
        # A real session with the CUDA provider and no silent CPU fallback for
        # any node: what it reports using is what runs.
        options = ort.SessionOptions()
        options.add_session_config_entry("session.disable_cpu_ep_fallback", "1")
        session = attempt("devices-gpu", lambda: ort.InferenceSession(
            matmul_model(size_for(requested, True)), options, providers=["CUDAExecutionProvider"]))
        used = session.get_providers() if session is not None else []
    result["session_providers"] = used
    has_gpu = "CUDAExecutionProvider" in used
    result["devices"] = ([{"kind": "gpu", "name": "CUDAExecutionProvider"}] if has_gpu else []) + [
        {"kind": "cpu", "name": "CPUExecutionProvider"}]
    result["memory"] = "the CUDA provider's arena grows as needed"
    n = size_for(requested, has_gpu)
    compute = {"size": n, "dtype": "float32"}
    result["compute"] = compute
    rng = np.random.default_rng(0)
    a, b = random_matrix(rng, n), random_matrix(rng, n)

    def on_gpu():
        va = ort.OrtValue.ortvalue_from_numpy(a, "cuda", 0)
        vb = ort.OrtValue.ortvalue_from_numpy(b, "cuda", 0)
        binding = session.io_binding()
        binding.bind_ortvalue_input("A", va)
        binding.bind_ortvalue_input("B", vb)
        binding.bind_output("C", "cuda", 0)

        def step():
            session.run_with_iobinding(binding)
            return binding.get_outputs()[0]

        out = step()
        timing = timed(step, lambda c: None, runs_for(n))  # run_with_iobinding synchronises the stream
        add_run(compute, "gpu", n, timing, "%s:%d" % (out.device_name(), 0))
        return out.numpy()

    gpu_result = None
    if has_gpu:
        stage("compute-gpu")
        gpu_result = attempt("compute-gpu", on_gpu)
    stage("compute-cpu")
    cpu_session = ort.InferenceSession(matmul_model(n), providers=["CPUExecutionProvider"])
    if not used:
        result["session_providers"] = cpu_session.get_providers()
    feed = {"A": a, "B": b}
    c = cpu_session.run(None, feed)[0]
    timing = timed(lambda: cpu_session.run(None, feed), lambda c: None, runs_for(n))
    add_run(compute, "cpu", n, timing, "CPUExecutionProvider")
    if gpu_result is not None:
        compare_host(compute, gpu_result, c)


PROBES = {"tensorflow": probe_tensorflow, "torch": probe_torch, "jax": probe_jax, "cupy": probe_cupy,
          "onnxruntime": probe_onnxruntime}


def main():
    framework = sys.argv[1] if len(sys.argv) > 1 else ""
    requested = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    result["framework"] = framework
    result["python"] = "%d.%d.%d" % sys.version_info[:3]
    probe = PROBES.get(framework)
    if probe is None:
        result["errors"].append({"stage": "arguments", "type": "ValueError", "message": "unknown framework " + framework})
        finish()
    try:
        probe(requested)
    except BaseException as e:  # noqa: BLE001  (ImportError, RuntimeError, SystemExit from a framework)
        error(current_stage[0], e)
    stage("libraries")
    finish()


main()
