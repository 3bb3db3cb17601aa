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
    fixes: list                 # the root cause's fix lines
    libraries: list             # the frameworks[].libraries[] entries
    findings: list = field(default_factory=list)  # (id, severity, fix lines) of the root cause and the framework's own


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
    fixes, findings = [], []
    for f in doc["findings"]:
        # The root cause may be the machine's (no scope: CUDA_VISIBLE_DEVICES);
        # the framework's own findings carry its scope.
        mine = f.get("scope") == verdict.get("scope")
        if f.get("id") == verdict.get("root_cause") and (mine or not f.get("scope")):
            fixes = f.get("fix", [])
            findings.append((f["id"], f.get("severity", ""), fixes))
        elif mine and f.get("id", "").startswith("framework."):
            findings.append((f["id"], f.get("severity", ""), f.get("fix", [])))
    return Prediction(verdict["device"] == "gpu", verdict.get("root_cause", ""), fixes, libraries, findings)


def compare(obs, pred):
    """Every way the prediction differs from what the framework did."""
    wrong = []
    predicted = {l["soname"]: l for l in pred.libraries}
    # A library found under another name (a fallback soname) is loaded under
    # its own DT_SONAME: the file is what is compared.
    loaded_files = set(obs.loaded.values())
    predicted_files = {os.path.realpath(l["real_path"]) for l in pred.libraries
                       if l["outcome"] == "found" and isinstance(l["real_path"], str)}
    for so, lib in predicted.items():
        real = lib["real_path"] if isinstance(lib["real_path"], str) else None
        # Found, but a library it needs in turn is not: the loader cannot load it.
        unloadable = lib["outcome"] == "found" and bool(lib.get("missing_dependencies"))
        if unloadable:
            if so in obs.loaded:
                wrong.append(f"{so}: predicted unloadable (missing {'; '.join(lib['missing_dependencies'])}), "
                             f"loaded {obs.loaded[so]}")
        elif lib["outcome"] == "found":
            if so not in obs.loaded and os.path.realpath(real) in loaded_files:
                pass
            elif so not in obs.loaded:
                if lib["role"] == "gpu" and obs.registered is not False:
                    wrong.append(f"{so}: predicted {real}, but the framework did not load it")
            elif os.path.realpath(real) != obs.loaded[so]:
                wrong.append(f"{so}: predicted {real}, loaded {obs.loaded[so]}")
        elif so in obs.loaded:
            wrong.append(f"{so}: predicted not found, loaded {obs.loaded[so]}")
    for so, real in obs.own.items():
        if so not in predicted and real not in predicted_files:
            wrong.append(f"{so}: loaded by the framework from {real}, not in the prediction")
    if obs.registered is not None and obs.registered != pred.gpu:
        wrong.append(f"verdict: predicted {'GPU' if pred.gpu else 'CPU'} ({pred.root_cause or 'no root cause'}), "
                     f"the framework {'registered' if obs.registered else 'did not register'} a GPU"
                     f"{': ' + obs.error if obs.error else ''}")
    return wrong


# ------------------------------------------------------------------ scenarios
@dataclass
class Scenario:
    key: str                    # stable name: <env>/<perturbation>
    env: str                    # tests/ground_truth/envs/<env>.txt
    what: str                   # one line for docs/ground-truth.md
    extra: dict = field(default_factory=dict)     # environment variables for both runs
    remove: tuple = ()          # site-packages entries (globs) removed in a scratch copy
    uninstall: tuple = ()       # distributions removed from a scratch copy as pip uninstall does (by RECORD)
    pip: tuple = ()             # pip arguments run in a scratch copy (from PyPI, through pip's cache)
    expect_registered: object = "any"             # what the framework must do, where the scenario is about that
    # A disagreement known and not yet fixed in ongpu's model: the test is an
    # expected failure with this reason (strict: it fails once they agree).
    known_gap: str = ""


SITE = "lib/python3.11/site-packages"
TOOLKIT_LIB = "/usr/local/cuda/lib64"

# Disagreements known and not yet fixed, by scenario key (none today).
KNOWN_GAPS = {}

SCENARIOS = [Scenario(f"{name}/as-installed", name, "as pip installs it", known_gap=KNOWN_GAPS.get(f"{name}/as-installed", ""))
             for name in env_names()] + [
    Scenario("tf-2.20/CUDA_VISIBLE_DEVICES=", "tf-2.20", "CUDA_VISIBLE_DEVICES set empty: every GPU hidden",
             extra={"CUDA_VISIBLE_DEVICES": ""}, expect_registered=False),
    Scenario("tf-2.20/no-nvidia-wheels", "tf-2.20",
             "a CUDA build without its wheels: only the system's CUDA 13 libraries (ld.so.cache)",
             remove=("nvidia", "nvidia_*.dist-info"), expect_registered=False),
    Scenario("tf-2.20/toolkit-on-LD_LIBRARY_PATH", "tf-2.20",
             "the CUDA 13 toolkit's lib64 first on LD_LIBRARY_PATH (its cuDNN 9 wins over the wheel's)",
             extra={"LD_LIBRARY_PATH_PREPEND": TOOLKIT_LIB}),
    Scenario("torch-2.10/older-cublas-on-LD_LIBRARY_PATH", "torch-2.10",
             "an older cuBLAS 12 (TensorFlow 2.20's wheel) first on LD_LIBRARY_PATH: torch preloads its own",
             extra={"LD_LIBRARY_PATH_PREPEND": "@tf-2.20@/" + SITE + "/nvidia/cublas/lib"}),
    Scenario("jax-cuda12/plugin-0.10.1", "jax-cuda12",
             "the CUDA plugin and its PJRT part of JAX 0.10.1 under jax and jaxlib 0.10.2 (as `pip install -U jax "
             "jaxlib` leaves an older `jax[cuda12]`)",
             pip=("install --no-deps jax-cuda12-plugin==0.10.1 jax-cuda12-pjrt==0.10.1",)),
    Scenario("onnxruntime-gpu/no-toolkit-in-cache", "onnxruntime-gpu",
             "LD_LIBRARY_PATH names the toolkit's lib64 (the same CUDA 13 copies as ld.so.cache)",
             extra={"LD_LIBRARY_PATH_PREPEND": TOOLKIT_LIB}),
]


# Each pinned NVIDIA wheel removed in turn, for the environments whose
# framework shows its verdict (TensorFlow) or loads its libraries at import or
# backend start (torch, JAX). What each removal leaves behind is the
# framework's business; the oracle judges the doctor's prediction of it.
UNINSTALL_IN_TURN = ("tf-2.20", "torch-2.15", "jax-cuda12")


def nvidia_distributions(name):
    """The nvidia-* distributions installed in a cached environment, by their
    dist-info directory (empty when the environment is not installed yet: the
    test then fails on the missing environment, not here)."""
    site = env_python(name).parent.parent / SITE
    out = []
    for d in sorted(site.glob("nvidia_*.dist-info")):
        m = re.match(r"^(nvidia_[A-Za-z0-9_]+?)-[0-9][^-]*\.dist-info$", d.name)
        if m:
            out.append(m.group(1).replace("_", "-"))
    return out


# What a removal means, where it is worth a word in docs/ground-truth.md.
UNINSTALL_NOTES = {
    "tf-2.20/without nvidia-cudnn-cu12": "the CUDA 13 toolkit's cuDNN 9 in ld.so.cache is what is left",
    "tf-2.20/without nvidia-cuda-nvrtc-cu12": "TensorFlow does not open it",
    "jax-cuda12/without nvidia-cusolver-cu12": "opened on first use",
    "jax-cuda12/without nvidia-cudnn-cu12": "the plugin's preload fails, the CUDA 13 toolkit's cuDNN 9 in ld.so.cache "
                                            "is found",
}

SCENARIOS += [Scenario(key, name, f"{dist} removed (pip uninstall)"
                       + (f": {UNINSTALL_NOTES[key]}" if key in UNINSTALL_NOTES else ""),
                       uninstall=(dist,), known_gap=KNOWN_GAPS.get(key, ""))
              for name in UNINSTALL_IN_TURN for dist in nvidia_distributions(name)
              for key in [f"{name}/without {dist}"]]


def resolve_extra(extra):
    out = {}
    for k, v in extra.items():
        for name in env_names():
            v = v.replace(f"@{name}@", str(env_python(name).parent.parent))
        out[k] = v
    return out


def uninstall_from(site, dist):
    """Remove a distribution's files as pip uninstall does: every path its
    RECORD lists, then directories left empty. Files are unlinked, so the
    cached copies that share them stay intact."""
    stem = dist.replace("-", "_")
    infos = [d for d in site.glob(f"{stem}-*.dist-info")
             if re.match(rf"^{re.escape(stem)}-[0-9]", d.name)]
    if len(infos) != 1:
        raise AssertionError(f"{dist}: {len(infos)} dist-info directories in {site}")
    dirs = set()
    for line in (infos[0] / "RECORD").read_text().splitlines():
        rel = line.rsplit(",", 2)[0] if line.count(",") >= 2 else line
        if not rel:
            continue
        path = Path(os.path.normpath(site / rel))
        if path.is_file() or path.is_symlink():
            path.unlink()
            dirs.add(path.parent)
    subprocess.run(["rm", "-rf", str(infos[0])], check=True)
    for d in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
        while d != site and d.is_dir() and not any(d.iterdir()):
            d.rmdir()
            d = d.parent


def scratch_copy(name, remove, into, uninstall=()):
    """A copy of a cached environment in `into` made of hard links (seconds, no
    disk), with `remove` taken out of its site-packages, as pip uninstall
    would. Only whole entries are removed from the copy, so the cached files
    the links share are never written to."""
    src = env_python(name).parent.parent
    dst = Path(into) / src.name
    subprocess.run(["cp", "-al", str(src), str(dst)], check=True)
    site = dst / SITE
    for pattern in remove:
        matches = list(site.glob(pattern))
        if not matches:
            raise AssertionError(f"{pattern} is not in {site}")
        for m in matches:
            subprocess.run(["rm", "-rf", str(m)], check=True)
    for dist in uninstall:
        uninstall_from(site, dist)
    return dst / "bin" / "python"


def ld_library_path_fix(fixes):
    """The directory of a printed `export LD_LIBRARY_PATH=DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}` fix."""
    for f in fixes:
        m = re.match(r"^export LD_LIBRARY_PATH=(.+?)\$\{LD_LIBRARY_PATH:\+:\$LD_LIBRARY_PATH\}$", f)
        if m:
            value = m.group(1)
            return value[1:-1] if value.startswith("'") and value.endswith("'") else value
    return None


PIP_ENV = {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}


def plan_fixes(pred, env_root):
    """The printed fixes the suite can apply, in order, as (kind, value):
    ("ld", dir) for an LD_LIBRARY_PATH line, ("unset", VAR), ("pip", command)
    for a pip command run by this environment's own interpreter. Alternatives
    ("or: ...") and fixes outside the environment (a driver upgrade) are not
    applied; they come back as the second list."""
    apply, other = [], []
    seen = set()
    for fid, severity, fixes in pred.findings:
        if severity not in ("error", "warning"):
            continue
        for f in fixes:
            if f in seen or f.startswith("or: "):
                continue
            seen.add(f)
            f = re.sub(r"\s+# [^'\"]*$", "", f)   # a trailing shell comment ("   # or: ...") does nothing
            d = ld_library_path_fix([f])
            m = re.match(r"^unset ([A-Z_][A-Z0-9_]*)$", f)
            if d:
                apply.append(("ld", d))
            elif m:
                apply.append(("unset", m.group(1)))
            elif f.startswith(f"{env_root}/bin/python -m pip ") or f.startswith(f"'{env_root}/bin/python' -m pip "):
                apply.append(("pip", f))
            else:
                other.append(f)
    return apply, other


@dataclass
class Outcome:
    scenario: Scenario
    observation: Observation
    prediction: Prediction
    disagreements: list
    fix: str = ""               # the fixes applied, if any
    fix_registered: object = None


def run_scenario(sc, ongpu, fake_lib, workdir, apply=True):
    python = env_python(sc.env)
    if sc.remove or sc.uninstall or sc.pip:
        python = scratch_copy(sc.env, sc.remove, workdir, sc.uninstall)
    for args in sc.pip:
        pip_in(python, args)
    framework = framework_of(sc.env)
    extra = resolve_extra(sc.extra)
    obs = observe(python, framework, fake_lib, extra)
    pred = prediction_for(predict(ongpu, python, fake_lib, extra), python, framework)
    out = Outcome(sc, obs, pred, compare(obs, pred))
    if sc.expect_registered != "any" and obs.registered != sc.expect_registered:
        out.disagreements.append(f"the scenario expects registered={sc.expect_registered}, "
                                 f"the framework gave {obs.registered} ({obs.error})")
    if apply:
        apply_fixes(out, python, framework, extra, ongpu, fake_lib, workdir)
    return out


def run_pip_command(command):
    """A pip command line, as pasted into bash, without this process's PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_REQUIRE_VIRTUALENV")}
    env.update(PIP_ENV)
    return subprocess.run(["bash", "-c", command], env=env, capture_output=True, text=True, timeout=900)


def pip_in(python, args):
    """`python -m pip ARGS` in a scratch copy (pip unlinks a file before it
    writes one, so the cached files the copy's hard links share stay intact)."""
    p = run_pip_command(f"{python} -m pip {args}")
    if p.returncode != 0:
        raise RuntimeError(f"pip {args} failed (exit {p.returncode}): {p.stderr.strip()[-500:]}")


def apply_fixes(out, python, framework, extra, ongpu, fake_lib, workdir):
    """Every fix the doctor prints for the framework is applied, as a user
    would paste it: an environment variable for both runs, a pip command in a
    scratch copy of the environment (never in the cached one). Then the
    framework is observed again: it must not fail to register the GPU, and the
    doctor must agree with it and no longer report what the fixes were for."""
    env_root = python.parent.parent
    apply, _ = plan_fixes(out.prediction, env_root)
    if not apply:
        return
    # The findings whose fixes are applied: the doctor must not report them again.
    before = {fid for fid, severity, fixes in out.prediction.findings
              if plan_fixes(Prediction(False, "", [], [], [(fid, severity, fixes)]), env_root)[0]}
    if any(kind == "pip" for kind, _ in apply) and Path(workdir) not in env_root.parents:
        # A pip fix for the cached environment itself: apply it to a copy.
        copy = scratch_copy(out.scenario.env, (), workdir)
        apply = [(k, v.replace(str(env_root), str(copy.parent.parent))) for k, v in apply]
        python, env_root = copy, copy.parent.parent
    fixed = dict(extra)
    shown = []
    for kind, value in apply:
        if kind == "ld":
            fixed["LD_LIBRARY_PATH_PREPEND"] = value + (":" + fixed["LD_LIBRARY_PATH_PREPEND"]
                                                        if "LD_LIBRARY_PATH_PREPEND" in fixed else "")
            shown.append(f"LD_LIBRARY_PATH={value}")
        elif kind == "unset":
            fixed.pop(value, None)
            shown.append(f"unset {value}")
        else:
            p = run_pip_command(value)
            shown.append(value.replace(str(env_root), "$VENV"))
            if p.returncode != 0:
                out.disagreements.append(f"the printed fix `{value}` failed (exit {p.returncode}): "
                                         f"{p.stderr.strip()[-500:]}")
                out.fix = "; ".join(shown)
                return
    out.fix = "; ".join(shown)
    again = observe(python, framework, fake_lib, fixed)
    out.fix_registered = again.registered
    if again.registered is False:
        out.disagreements.append(f"the printed fixes ({out.fix}) do not make it register a GPU: {again.error}")
    repred = prediction_for(predict(ongpu, python, fake_lib, fixed), python, framework)
    out.disagreements += [f"after the fixes: {w}" for w in compare(again, repred)]
    still = sorted(before & {fid for fid, severity, _ in repred.findings if severity in ("error", "warning")})
    if still:
        out.disagreements.append(f"after the fixes ({out.fix}) the doctor still reports {', '.join(still)}")


def markdown(outcomes, machine):
    """docs/ground-truth.md: one row per framework × scenario."""
    lines = [
        "# Ground truth: the doctor's prediction against what the real frameworks do",
        "",
        "Generated by `tests/e2e/test_ground_truth.py` (copy of `$ONGPU_BUILD/ground-truth.md`",
        "from the run; `tools/test.sh` runs it). Each row is a real environment from PyPI",
        "(`tests/ground_truth/envs/`), perturbed as the scenario says, on the healthy one-GPU",
        "fixture with the fake driver (`tests/fakes`). *Framework* is what the framework did: whether",
        "it registered a GPU (TensorFlow's `list_physical_devices('GPU')`, JAX's `jax.devices('cuda')`;",
        "\"n/a\" where a fake driver cannot show it: `torch.cuda.is_available()`, CuPy (its runtime is",
        "linked in) and ONNX Runtime go through the CUDA runtime, which needs the real driver), and the",
        "CUDA libraries it loaded (LD_DEBUG and `/proc/self/maps`): at import, when the backend starts,",
        "and for CuPy when each library module (cuBLAS, cuSOLVER, cuSPARSE, cuRAND, cuFFT) is first used. *Doctor* is `ongpu doctor --json` for the same",
        "environment. *Agree* is yes only when every library (needed or not, found or not, which",
        "file) and the verdict match (`ground_truth.compare`). *Fixes applied* are the fixes the",
        "doctor printed for the framework, applied as a user would paste them (a pip command in a",
        "scratch copy of the environment, `$VENV`; an environment variable); the framework is then",
        "observed again (→ what it did), and the doctor must agree and no longer report what they fixed.",
        "",
        f"Run on: {machine}",
        "",
        "| scenario | framework | doctor | agree | fixes applied → framework |",
        "| --- | --- | --- | --- | --- |",
    ]
    for o in outcomes:
        reg = {True: "GPU", False: "no GPU", None: "n/a"}[o.observation.registered]
        libs = len(o.observation.loaded)
        doctor = "GPU" if o.prediction.gpu else f"CPU: `{o.prediction.root_cause}`"
        agree = "yes" if not o.disagreements else "**no**: " + "; ".join(o.disagreements).replace("|", "\\|")
        if o.disagreements and o.scenario.known_gap:
            agree += f" (known gap: {o.scenario.known_gap})"
        fix = f"`{o.fix}` → {({True: 'GPU', False: 'no GPU', None: 'n/a'})[o.fix_registered]}" if o.fix else ""
        lines.append(f"| `{o.scenario.key}`: {o.scenario.what} | {reg}, {libs} CUDA libraries | {doctor} | {agree} | {fix} |")
    return "\n".join(lines) + "\n"
