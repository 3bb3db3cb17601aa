"""ongpu from Python: will this interpreter's framework run on the GPU?

    import ongpu
    ongpu.require_gpu("torch")   # raises GPUUnavailableError, with the cause and the fix

The checks run the ongpu binary installed with this package in a child
process and read its JSON (docs/json-schema.md). Nothing is loaded into the
calling process: no vendor library, no thread, no signal handler. For the
calling interpreter, the facts the binary would ask a second interpreter
for (prefix, site directories) come from this one (ongpu/_query.py). Importing
this module costs about what importing nothing costs; subprocess and json
are imported on the first call.
"""

__all__ = [
    "OngpuError",
    "GPUUnavailableError",
    "binary",
    "check",
    "require_gpu",
    "verify",
]

# The JSON schema versions this module reads; a binary that writes another
# is refused rather than misread.
DOCTOR_SCHEMA_VERSION = 1
VERIFY_SCHEMA_VERSION = 1

# The names require_gpu() accepts for each framework the doctor reports.
_ALIASES = {
    "tensorflow": "tensorflow", "tf": "tensorflow",
    "torch": "torch", "pytorch": "torch",
    "jax": "jax",
    "cupy": "cupy",
    "onnxruntime": "onnxruntime", "ort": "onnxruntime", "onnx": "onnxruntime",
}


class OngpuError(RuntimeError):
    """ongpu itself could not answer: binary missing, usage error, internal
    error, timeout, or output this module cannot read."""


class GPUUnavailableError(RuntimeError):
    """The framework would run on the CPU (or is not installed) in this
    interpreter. `framework`, `root_cause` (a finding id or None),
    `summary`, `fix` (list of commands or steps) and `report` (the doctor's
    whole JSON) say why."""

    def __init__(self, message, framework, root_cause, summary, fix, report):
        super().__init__(message)
        self.framework = framework
        self.root_cause = root_cause
        self.summary = summary
        self.fix = fix
        self.report = report

    def __reduce__(self):  # raised in a multiprocessing worker, it crosses back whole
        return (type(self), (str(self), self.framework, self.root_cause, self.summary, self.fix,
                             self.report))


def binary():
    """The path of the ongpu executable: $ONGPU_BINARY when set, else the one
    pip installed with this package, else the first `ongpu` on PATH."""
    from ongpu._locate import find_binary

    return find_binary()


def _run(args, schema_version, answers, timeout, stdin=None):
    import json
    import os
    import signal
    import subprocess

    exe = binary()
    args = [os.fspath(a) if isinstance(a, os.PathLike) else str(a) for a in args]
    try:
        proc = subprocess.Popen([exe] + args, stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        raise OngpuError("cannot run %s: %s" % (exe, e)) from None
    try:
        out, err = proc.communicate(input=stdin, timeout=timeout)
    except BaseException as e:
        # SIGTERM, not subprocess's SIGKILL: ongpu then ends the probes and the
        # framework children it started (docs/guarantees.md); SIGKILL would
        # leave them, perhaps holding GPU memory.
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=10)
        except BaseException:
            proc.kill()
            proc.wait()
        if isinstance(e, subprocess.TimeoutExpired):
            raise OngpuError("ongpu did not answer within %s s: %s" % (timeout, " ".join(args))) from None
        raise
    err = err.decode("utf-8", "replace").strip()
    if proc.returncode not in answers:
        failed = OngpuError("ongpu %s exited %d: %s" % (args[0], proc.returncode, err[-2000:] or "no message"))
        failed.returncode, failed.stderr = proc.returncode, err
        raise failed
    try:
        doc = json.loads(out.decode("utf-8", "replace"))
    except ValueError as e:
        raise OngpuError("ongpu %s printed no JSON (%s): %s" % (args[0], e, err[-2000:])) from None
    if not isinstance(doc, dict) or doc.get("schema_version") != schema_version:
        got = doc.get("schema_version") if isinstance(doc, dict) else type(doc).__name__
        raise OngpuError("ongpu %s wrote schema version %r; this module reads %d (upgrade the "
                         "ongpu package)" % (args[0], got, schema_version))
    return doc


def _interpreter(python):
    import os
    import sys

    path = os.fspath(python) if python else sys.executable
    if not path:
        raise OngpuError("no interpreter to check: sys.executable is empty here; pass python=")
    return path


def _own_answer(interpreter):
    """This interpreter's answer to the doctor's query about itself
    (ongpu/_query.py, the file the binary runs in a child for any other
    interpreter), as bytes; None when another interpreter is meant or this
    one cannot answer for itself, and the doctor then asks a child."""
    import sys

    if interpreter != sys.executable:
        return None
    try:
        from ongpu._query import answer

        text = answer(in_process=True)
    except Exception:
        return None
    return None if text is None else text.encode("ascii")


def check(framework=None, python=None, timeout=120, doctor_args=()):
    """The doctor's JSON report (docs/schema/doctor-1.schema.json) for this
    interpreter (or `python`) and the driver stack under it. With
    `framework`, its `frameworks` list holds that framework's verdicts only.
    `doctor_args` go to `ongpu doctor` as they are (["--timeout", "30"]).
    Raises OngpuError when ongpu cannot answer; a broken GPU is an answer."""
    interpreter = _interpreter(python)
    args = ["doctor", "--json", "--python", interpreter, "--python-only"]
    extra = list(doctor_args)
    # For the calling interpreter, its facts (prefix, site directories) are
    # read here and handed over, instead of the doctor starting it again;
    # not when doctor_args name interpreters of their own.
    answer = None
    if not any(str(a).startswith("--python") for a in extra):
        answer = _own_answer(interpreter)
    if answer is None:
        doc = _run(args + extra, DOCTOR_SCHEMA_VERSION, (0, 1, 2), timeout)
    else:
        try:
            doc = _run(args + ["--python-answer", "-"] + extra, DOCTOR_SCHEMA_VERSION, (0, 1, 2), timeout,
                       stdin=answer)
        except OngpuError as e:
            # A binary older than --python-answer (ONGPU_BINARY, or another
            # ongpu on PATH): ask it the old way.
            if getattr(e, "returncode", None) != 64 or "--python-answer" not in getattr(e, "stderr", ""):
                raise
            doc = _run(args + extra, DOCTOR_SCHEMA_VERSION, (0, 1, 2), timeout)
    if framework is not None:
        name = _framework_name(framework)
        doc["frameworks"] = [f for f in doc.get("frameworks", []) if f.get("framework") == name]
    return doc


def _framework_name(framework):
    name = _ALIASES.get(str(framework).lower())
    if name is None:
        raise ValueError("unknown framework %r: one of %s" % (framework, ", ".join(sorted(set(_ALIASES.values())))))
    return name


def _finding(doc, finding_id):
    for f in doc.get("findings", []):
        if f.get("id") == finding_id:
            return f
    return {}


def require_gpu(framework, python=None, timeout=120, doctor_args=()):
    """Returns the GPUs CUDA sees here (the doctor's facts.cuda.devices) when
    `framework` would run on the GPU in this interpreter (or `python`).
    Otherwise raises GPUUnavailableError naming the root cause and its fix."""
    name = _framework_name(framework)
    interpreter = _interpreter(python)
    doc = check(name, python=interpreter, timeout=timeout, doctor_args=doctor_args)
    verdicts = doc["frameworks"]
    envs = ((doc.get("facts") or {}).get("python") or {}).get("environments") or []
    probe = (envs[0].get("probe") or {}) if envs else {}
    if probe.get("status") != "ok":
        # Not an answer about the framework: the interpreter itself did not answer.
        raise OngpuError("%s did not answer ongpu's query (%s): %s" % (
            interpreter, probe.get("status", "not found"), probe.get("stderr_tail") or "no message"))
    if not verdicts:
        summary = "%s is not installed in %s" % (name, interpreter)
        raise GPUUnavailableError(summary, name, None, summary, [], doc)
    # One interpreter was asked; several rows are one framework's distributions.
    if any(v.get("device") == "gpu" for v in verdicts):
        return ((doc.get("facts") or {}).get("cuda") or {}).get("devices") or []
    v = verdicts[0]
    cause = v.get("root_cause")
    finding = _finding(doc, cause)
    fix = list(finding.get("fix") or [])
    where = "would run on the CPU" if v.get("device") == "cpu" else "may not use the GPU"
    summary = v.get("summary") or "%s %s" % (name, where)
    message = "%s %s in %s: %s" % (name, where, interpreter, summary)
    if cause:
        message += " [%s]" % cause
    if fix:
        message += "\nfix:\n" + "\n".join("  " + step for step in fix)
    raise GPUUnavailableError(message, name, cause, summary, fix, doc)


def verify(framework=None, python=None, timeout=300):
    """The live proof (`ongpu verify --json`, docs/schema/verify-1.schema.json):
    a small computation through the framework in this interpreter (or
    `python`), in a child process. Returns the report; its `verdict` says
    whether the GPU computed. Raises OngpuError when ongpu cannot answer."""
    args = ["verify", "--json", "--python", _interpreter(python)]
    if framework is not None:
        args += ["--framework", _framework_name(framework)]
    return _run(args, VERIFY_SCHEMA_VERSION, (0, 1, 2), timeout)
