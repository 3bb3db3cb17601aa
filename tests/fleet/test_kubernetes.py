"""The Kubernetes manifests in contrib/kubernetes, checked without a cluster.

No API server can run on the test machines, so the manifests are checked
in three other ways. kubernetes-validate --strict checks them against the
API's schemas for every Kubernetes version it ships. yamllint checks their
form. The tests below check what they mean, which no schema knows: no GPU
taken from the scheduler, the GPU taint tolerated, paths and images that
agree between files. The node-problem-detector plugin script runs for real,
against the ongpu binary and the fake NVIDIA driver of tests/fakes.

The tools are found beside the interpreter that runs pytest (the test
environment of tools/test.sh). ONGPU_BUILD names the build directory, as
in tests/e2e.
"""
import copy
import hashlib
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "contrib" / "kubernetes"
JOB_DIR = K8S / "job"
BUILD = Path(os.environ.get("ONGPU_BUILD", REPO / "build")).resolve()
SCENARIOS = REPO / "tests" / "fakes" / "scenarios"
TOOLS = Path(sys.executable).parent
README = (K8S / "README.md").read_text()
README_FLAT = " ".join(README.split())  # for sentences, whatever their line breaks
NPD_SCRIPT = K8S / "npd" / "ongpu-npd-check.sh"
NPD_CONFIG = K8S / "npd" / "ongpu-monitor.json"
TEXTFILE_DIR = "/var/lib/node_exporter/textfile_collector"
GPU = "nvidia.com/gpu"


def tool(name):
    path = TOOLS / name
    assert path.is_file(), f"{name} is not beside {sys.executable}: install tests/requirements.txt there"
    return str(path)


def load(path):
    return [d for d in yaml.safe_load_all(Path(path).read_text()) if d is not None]


def manifests():
    """Every Kubernetes object file: the YAML files that are not kustomize's or yamllint's."""
    return sorted(p for p in K8S.rglob("*.yaml") if p.name not in ("kustomization.yaml", ".yamllint.yaml"))


def one(docs, kind, name=None):
    found = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"{len(found)} {kind} {name or ''} in the manifests"
    return found[0]


def pod_spec(doc):
    if doc["kind"] in ("DaemonSet", "Deployment", "StatefulSet", "Job"):
        return doc["spec"]["template"]["spec"]
    return None


def all_containers(spec):
    return spec.get("initContainers", []) + spec["containers"]


def mount_of(container, volume):
    mounts = [m for m in container.get("volumeMounts", []) if m["name"] == volume]
    assert len(mounts) == 1, f"container {container['name']} mounts volume {volume} {len(mounts)} times"
    return mounts[0]


def volume(spec, name):
    return next(v for v in spec["volumes"] if v["name"] == name)


# --- kustomize, done here for the features the kustomizations use -----------

KUSTOMIZE_FIELDS = {"apiVersion", "kind", "resources", "images", "configMapGenerator"}


def split_image(image):
    """(name, tag) as kustomize's images: matches them: the tag follows the last ':' after the last '/'."""
    slash = image.rfind("/")
    colon = image.rfind(":")
    return (image[:colon], image[colon + 1:]) if colon > slash else (image, None)


def render(kdir):
    """kubectl kustomize KDIR without kubectl, for what the kustomizations here use.

    The suffix of a generated ConfigMap's name is kustomize's own hash of its
    contents; here it is a stand-in of the same form, and the comparison with
    kubectl's output (test_render_agrees_with_kubectl) checks only that every
    reference carries the same suffix as the ConfigMap."""
    k = yaml.safe_load((kdir / "kustomization.yaml").read_text())
    assert set(k) <= KUSTOMIZE_FIELDS, f"render() does not know {set(k) - KUSTOMIZE_FIELDS}"
    docs = [d for r in k.get("resources", []) for d in load(kdir / r)]
    generated = {}
    for g in k.get("configMapGenerator", []):
        assert set(g) <= {"name", "namespace", "files"}, f"render() does not know {g}"
        data = {Path(f).name: (kdir / f).read_text() for f in g["files"]}
        digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:10]
        name = f"{g['name']}-{digest}"
        meta = {"name": name, **({"namespace": g["namespace"]} if "namespace" in g else {})}
        docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data})
        generated[(g.get("namespace"), g["name"])] = name
    images = {i["name"]: i for i in k.get("images", [])}
    for d in docs:
        spec = pod_spec(d)
        if spec is None:
            continue
        for c in all_containers(spec):
            name, tag = split_image(c["image"])
            if name in images:
                new = images[name]
                c["image"] = f"{new.get('newName', name)}:{new.get('newTag', tag)}"
        for v in spec.get("volumes", []):
            key = (d["metadata"].get("namespace"), v.get("configMap", {}).get("name"))
            if key in generated:
                v["configMap"]["name"] = generated[key]
    return docs


def kubectl_render(kdir):
    out = subprocess.run([shutil.which("kubectl"), "kustomize", str(kdir)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return [d for d in yaml.safe_load_all(out.stdout) if d is not None]


def rendered(kdir):
    """kubectl's output where kubectl is installed (this function's own where not)."""
    if shutil.which("kubectl"):
        return kubectl_render(kdir)
    warnings.warn("kubectl is not installed: the kustomizations were rendered by the test's own render()")
    return render(kdir)


MAIN = rendered(K8S)
JOB = rendered(JOB_DIR)


def normalised(docs):
    """The documents with generated ConfigMap names as NAME-HASH, after checking every use agrees."""
    text = json.dumps(docs, sort_keys=True)
    for cm in (d for d in docs if d["kind"] == "ConfigMap"):
        m = re.fullmatch(r"(.+)-[a-z0-9]{10}", cm["metadata"]["name"])
        assert m, cm["metadata"]["name"]
        text = text.replace(f'"{m.group(0)}"', f'"{m.group(1)}-HASH"')
    return sorted((json.dumps(d, sort_keys=True) for d in json.loads(text)))


def test_render_agrees_with_kubectl():
    """render() is what the checks fall back on where kubectl is missing: its output must be kubectl's."""
    for kdir in (K8S, JOB_DIR):
        ours = render(kdir)
        assert not any("example.invalid" in json.dumps(d) for d in ours)
        config_maps = {(d["metadata"].get("namespace"), d["metadata"]["name"]) for d in ours
                       if d["kind"] == "ConfigMap"}
        for d in ours:
            for v in (pod_spec(d) or {}).get("volumes", []):
                if "configMap" in v:
                    assert (d["metadata"].get("namespace"), v["configMap"]["name"]) in config_maps
        if shutil.which("kubectl"):
            assert normalised(ours) == normalised(kubectl_render(kdir)), kdir
        else:
            warnings.warn("kubectl is not installed: render() was not compared with it")


# --- kubernetes-validate --strict ---------------------------------------------


def schema_versions():
    """The Kubernetes versions whose strict schemas the installed kubernetes-validate ships."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None:
        return ["none: kubernetes_validate is not installed"]
    found = []
    for p in (Path(spec.origin).parent / "kubernetes-json-schema").iterdir():
        m = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)-local-strict", p.name)
        if m:
            found.append(tuple(int(x) for x in m.groups()))
    return [".".join(map(str, v)) for v in sorted(found)] or ["none found"]


VERSIONS = schema_versions()


def test_readme_names_the_validated_versions():
    first, last = (".".join(v.split(".")[:2]) for v in (VERSIONS[0], VERSIONS[-1]))
    assert f"against each Kubernetes version from {first} to {last};" in README_FLAT
    assert len(VERSIONS) >= 2


def test_manifests_are_the_expected_ones():
    names = [str(p.relative_to(K8S)) for p in manifests()]
    assert names == ["job/require-gpu-job.yaml", "namespace.yaml", "npd-daemonset.yaml", "npd-rbac.yaml",
                     "textfile-daemonset.yaml"]


@pytest.mark.parametrize("version", VERSIONS)
def test_kubernetes_validate_strict(version, tmp_path):
    main, job = tmp_path / "kustomize-main.yaml", tmp_path / "kustomize-job.yaml"
    main.write_text(yaml.safe_dump_all(MAIN))
    job.write_text(yaml.safe_dump_all(JOB))
    files = [str(p) for p in manifests()] + [str(main), str(job)]
    out = subprocess.run([tool("kubernetes-validate"), "--strict", "-k", version, *files],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    passed = out.stdout.count(" passed for resource ")
    assert passed == sum(len(load(f)) for f in files), out.stdout


def test_strict_validation_rejects_an_unknown_field(tmp_path):
    """The control for the test above: --strict is on and reads these documents."""
    ds = copy.deepcopy(one(MAIN, "DaemonSet", "ongpu-textfile"))
    ds["spec"]["template"]["spec"]["containers"][0]["resourcez"] = {}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(ds))
    out = subprocess.run([tool("kubernetes-validate"), "--strict", "-k", VERSIONS[-1], str(bad)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "resourcez" in out.stdout + out.stderr


# --- yamllint -------------------------------------------------------------------


def test_yamllint():
    out = subprocess.run([tool("yamllint"), "-s", "-c", str(K8S / ".yamllint.yaml"), str(K8S)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_yamllint_config_is_strict(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("a:\n- on\nb: yes\n")
    out = subprocess.run([tool("yamllint"), "-s", "-c", str(K8S / ".yamllint.yaml"), str(bad)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "(indentation)" in out.stdout and "(truthy)" in out.stdout


# --- what the DaemonSets mean -------------------------------------------------------


def tolerates(tolerations, key, value, effect):
    """Kubernetes' matching of a taint by a list of tolerations (core/v1 Toleration)."""
    for t in tolerations:
        if t.get("effect") and t["effect"] != effect:
            continue
        if t.get("operator", "Equal") == "Exists":
            if not t.get("key") or t["key"] == key:
                return True
        elif t.get("key") == key and t.get("value", "") == value:
            return True
    return False


def schedules_on(spec, labels):
    """Whether a node with these labels satisfies the pod's nodeSelector and required node affinity."""
    if any(labels.get(k) != v for k, v in spec.get("nodeSelector", {}).items()):
        return False
    required = spec.get("affinity", {}).get("nodeAffinity", {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution")
    if not required:
        return True

    def matches(e):
        op, key = e["operator"], e["key"]
        if op == "In":
            return labels.get(key) in e["values"]
        if op == "NotIn":
            return labels.get(key) not in e["values"]
        if op == "Exists":
            return key in labels
        if op == "DoesNotExist":
            return key not in labels
        raise AssertionError(f"operator {op}")

    return any(all(matches(e) for e in term.get("matchExpressions", [])) for term in required["nodeSelectorTerms"])


DAEMONSETS = [d for d in MAIN if d["kind"] == "DaemonSet"]


def test_there_are_two_daemonsets():
    assert sorted(d["metadata"]["name"] for d in DAEMONSETS) == ["ongpu-node-problem-detector", "ongpu-textfile"]


@pytest.mark.parametrize("ds", DAEMONSETS, ids=lambda d: d["metadata"]["name"])
def test_daemonset_sees_every_gpu_without_taking_one(ds):
    spec = pod_spec(ds)
    for c in all_containers(spec):
        for part in ("requests", "limits"):
            asked = c.get("resources", {}).get(part, {})
            assert not [r for r in asked if r.startswith("nvidia.com/")], f"{c['name']} {part} {asked}"
    for c in spec["containers"]:
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        assert env.get("NVIDIA_VISIBLE_DEVICES") == "all", c["name"]
        assert {"compute", "utility"} <= set(env.get("NVIDIA_DRIVER_CAPABILITIES", "").split(",")), c["name"]
    assert spec.get("runtimeClassName") == "nvidia"


@pytest.mark.parametrize("ds", DAEMONSETS, ids=lambda d: d["metadata"]["name"])
def test_daemonset_tolerates_the_gpu_taint_and_runs_on_gpu_nodes_only(ds):
    spec = pod_spec(ds)
    for value, effect in (("present", "NoSchedule"), ("", "NoSchedule"), ("true", "NoExecute"),
                          ("present", "PreferNoSchedule")):
        assert tolerates(spec["tolerations"], GPU, value, effect), (value, effect)
    assert not tolerates(spec["tolerations"], "dedicated", "db", "NoSchedule")
    assert schedules_on(spec, {"nvidia.com/gpu.present": "true", "kubernetes.io/os": "linux"})
    assert schedules_on(spec, {"feature.node.kubernetes.io/pci-10de.present": "true"})
    assert not schedules_on(spec, {"kubernetes.io/os": "linux"})
    assert not schedules_on(spec, {"nvidia.com/gpu.present": "false"})


@pytest.mark.parametrize("ds", DAEMONSETS, ids=lambda d: d["metadata"]["name"])
def test_daemonset_selector_matches_its_pods_only(ds):
    selector = ds["spec"]["selector"]
    assert set(selector) == {"matchLabels"}
    labels = ds["spec"]["template"]["metadata"]["labels"]
    assert selector["matchLabels"].items() <= labels.items()
    for other in DAEMONSETS:
        if other is not ds:
            other_labels = other["spec"]["template"]["metadata"]["labels"]
            assert not selector["matchLabels"].items() <= other_labels.items(), other["metadata"]["name"]


@pytest.mark.parametrize("ds", DAEMONSETS, ids=lambda d: d["metadata"]["name"])
def test_daemonset_containers_are_confined(ds):
    for c in all_containers(pod_spec(ds)):
        sc = c["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False and sc["readOnlyRootFilesystem"] is True, c["name"]
        assert sc["capabilities"]["drop"] == ["ALL"] and "add" not in sc["capabilities"], c["name"]
        assert not sc.get("privileged"), c["name"]
        assert "cpu" not in c["resources"].get("limits", {}), c["name"]
        assert "memory" in c["resources"]["limits"], c["name"]


def textfile_container():
    spec = pod_spec(one(MAIN, "DaemonSet", "ongpu-textfile"))
    (c,) = spec["containers"]
    return spec, c


def test_textfile_daemonset_writes_into_the_host_textfile_directory():
    spec, c = textfile_container()
    assert c["command"][:2] == ["/bin/sh", "-c"]
    m = re.search(r"^\s*ongpu doctor (.*)$", c["command"][2], re.M)
    assert m, c["command"][2]
    args = m.group(1).split()
    assert "--no-python" in args
    target = Path(args[args.index("--prometheus") + 1])
    assert target.suffix == ".prom"  # node_exporter's textfile collector reads *.prom only
    (mount,) = [m for m in c["volumeMounts"] if Path(m["mountPath"]) == target.parent]
    assert not mount.get("readOnly")
    host = volume(spec, mount["name"])["hostPath"]
    assert host == {"path": TEXTFILE_DIR, "type": "DirectoryOrCreate"}
    assert f"--collector.textfile.directory={TEXTFILE_DIR}" in README_FLAT


def run_textfile_loop(tmp_path, interval):
    """The DaemonSet's command as it stands, with a stand-in ongpu that logs its arguments."""
    _, c = textfile_container()
    stub = tmp_path / "bin" / "ongpu"
    stub.parent.mkdir()
    log = tmp_path / "calls"
    stub.write_text(f'#!/bin/sh\necho "$*" >> {log}\n')
    stub.chmod(0o755)
    env = {e["name"]: e["value"] for e in c["env"]}
    assert "ONGPU_INTERVAL_SECONDS" in env and env["ONGPU_INTERVAL_SECONDS"] == "60"
    if interval is not None:
        env["ONGPU_INTERVAL_SECONDS"] = interval
    env["PATH"] = f"{stub.parent}:/usr/bin:/bin"
    proc = subprocess.Popen(c["command"], env=env, start_new_session=True)
    return proc, log


def wait_for_lines(log, n, proc, limit=10):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if log.exists() and len(log.read_text().splitlines()) >= n:
            return log.read_text().splitlines()
        assert proc.poll() is None, f"the loop exited {proc.returncode}"
        time.sleep(0.02)
    raise AssertionError(f"fewer than {n} checks in {limit} s")


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    start = time.monotonic()
    try:
        return proc.wait(timeout=5), time.monotonic() - start
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the loop's sleep, orphaned by the trap's exit
        except ProcessLookupError:
            pass
        proc.wait()


def test_textfile_loop_repeats_the_check(tmp_path):
    proc, log = run_textfile_loop(tmp_path, "0.05")
    lines = wait_for_lines(log, 3, proc)
    assert set(lines) == {"doctor --no-python --prometheus /textfile/ongpu.prom"}
    rc, _ = stop(proc)
    assert rc == 0


def test_textfile_loop_stops_at_once_on_sigterm(tmp_path):
    """With the manifest's 60 s interval: SIGTERM during the sleep ends the pod now, not 60 s later."""
    proc, log = run_textfile_loop(tmp_path, None)
    wait_for_lines(log, 1, proc)
    time.sleep(0.2)  # into the sleep
    rc, took = stop(proc)
    assert rc == 0 and took < 3


# --- node-problem-detector ----------------------------------------------------------------


def npd():
    spec = pod_spec(one(MAIN, "DaemonSet", "ongpu-node-problem-detector"))
    (c,) = spec["containers"]
    (init,) = spec["initContainers"]
    return spec, c, init


def go_seconds(d):
    m = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", d)
    assert m and d, d
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)


def script_default(var):
    m = re.search(r"\$\{" + var + r":-([^}]+)\}", NPD_SCRIPT.read_text())
    assert m, var
    return m.group(1)


def test_npd_config_is_valid_for_node_problem_detector():
    """The checks node-problem-detector makes as it starts (custompluginmonitor/types/config.go Validate)."""
    cfg = json.loads(NPD_CONFIG.read_text())
    assert cfg["plugin"] == "custom"
    timeout = go_seconds(cfg["pluginConfig"]["timeout"])
    for rule in cfg["rules"]:
        assert rule["type"] in ("permanent", "temporary")
        assert go_seconds(rule.get("timeout", cfg["pluginConfig"]["timeout"])) <= timeout
        if rule["type"] == "permanent":
            assert rule["condition"] in [c["type"] for c in cfg["conditions"]]
            assert rule["reason"] not in [c["reason"] for c in cfg["conditions"]]


def test_npd_timing():
    """The script's deadline and its SIGKILL grace end before node-problem-detector's own timeout,
    which sends SIGKILL to the process group, and a run ends before the next begins."""
    cfg = json.loads(NPD_CONFIG.read_text())["pluginConfig"]
    grace = int(re.search(r"timeout -k (\d+) ", NPD_SCRIPT.read_text()).group(1))
    deadline = int(script_default("ONGPU_NPD_DEADLINE"))
    probe = int(script_default("ONGPU_NPD_PROBE_TIMEOUT"))
    assert 2 * probe < deadline  # NVML's probe and CUDA's, one after the other, may each hang
    assert deadline + grace < go_seconds(cfg["timeout"]) <= go_seconds(cfg["invoke_interval"])


def test_npd_runs_the_mounted_config_and_script():
    spec, c, init = npd()
    cfg = json.loads(NPD_CONFIG.read_text())
    config_flag = [a for a in c["command"] if a.startswith("--config.custom-plugin-monitor=")]
    assert config_flag == [f"--config.custom-plugin-monitor={mount_of(c, 'config')['mountPath']}/{NPD_CONFIG.name}"]
    (rule,) = cfg["rules"]
    assert rule["path"] == f"{mount_of(c, 'config')['mountPath']}/{NPD_SCRIPT.name}"
    config_volume = volume(spec, "config")["configMap"]
    assert config_volume["defaultMode"] & 0o111 == 0o111  # node-problem-detector executes the path
    generated = one(MAIN, "ConfigMap")
    assert config_volume["name"] == generated["metadata"]["name"]
    assert generated["data"][NPD_SCRIPT.name] == NPD_SCRIPT.read_text()
    assert generated["data"][NPD_CONFIG.name] == NPD_CONFIG.read_text()
    assert os.access(NPD_SCRIPT, os.X_OK)
    # the binary: copied by the init container into the volume the script reads it from
    binary = script_default("ONGPU")
    assert init["command"] == ["cp", DOCKERFILE_BINARY, binary]
    assert Path(binary).parent == Path(mount_of(init, "ongpu-bin")["mountPath"])
    assert Path(binary).parent == Path(mount_of(c, "ongpu-bin")["mountPath"])
    assert "emptyDir" in volume(spec, "ongpu-bin")
    env = {e["name"]: e for e in c["env"]}
    assert env["NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"


def test_npd_service_account_may_set_node_conditions():
    spec, _, _ = npd()
    sa = one(MAIN, "ServiceAccount")
    binding = one(MAIN, "ClusterRoleBinding")
    assert spec["serviceAccountName"] == sa["metadata"]["name"]
    # a ClusterRole of Kubernetes' RBAC bootstrap policy: get nodes, patch nodes/status, events
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                  "name": "system:node-problem-detector"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": sa["metadata"]["name"],
                                    "namespace": sa["metadata"]["namespace"]}]


# --- the plugin script, for real --------------------------------------------------------------


def ongpu_binary():
    binary = BUILD / "ongpu"
    assert binary.is_file(), f"{binary} is missing: build ongpu or set ONGPU_BUILD"
    return binary


def driver_env(scenario, **extra):
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LD_LIBRARY_PATH": str(BUILD / "fakes" / "lib"),
           "ONGPU_FAKE_SCENARIO": str(scenario)}
    env.update(extra)
    return env


def plugin(env, limit=60):
    out = subprocess.run([str(NPD_SCRIPT)], env=env, capture_output=True, text=True, timeout=limit,
                         stdin=subprocess.DEVNULL)
    assert out.stdout.count("\n") == 1 and out.stderr == "", (out.stdout, out.stderr)
    return out.returncode, out.stdout.strip()


MAX_MESSAGE = json.loads(NPD_CONFIG.read_text())["pluginConfig"]["max_output_length"]
OK, NON_OK, UNKNOWN = 0, 1, 2

VERDICTS = [
    # scenario, ongpu's --timeout, ongpu doctor's exit, the plugin's, its message
    ("healthy.conf", 10, 0, OK, r"GPU usable: CUDA can use 1 GPU here"),
    ("pending-retirement.conf", 10, 1, OK,
     r"GPU usable: CUDA can use 1 GPU here, with warnings \[gpu\.retired_pages_pending\]"),
    ("hang-nvml.conf", 1, 1, OK, r"GPU usable: CUDA can use 1 GPU here, with warnings \[nvml\.probe_timed_out\]"),
    ("cuda-init-system-driver-mismatch.conf", 10, 2, NON_OK,
     r"GPU not usable: CUDA cannot use a GPU here: cuInit failed: CUDA_ERROR_SYSTEM_DRIVER_MISMATCH .*"
     r" \[cuda\.init_failed\]"),
    ("hang-cuda.conf", 1, 2, NON_OK,
     r"GPU not usable: CUDA cannot use a GPU here: the driver did not return from cuInit within 1 s"
     r" \[cuda\.probe_timed_out\]"),
    ("exclusive-busy.conf", 10, 2, OK,
     r"GPU busy, not broken: .* is Exclusive_Process and already used by process \d+"
     r" \[gpu\.exclusive_process_busy\]"),
]


@pytest.mark.parametrize("scenario,probe_timeout,doctor_rc,plugin_rc,message", VERDICTS,
                         ids=[v[0] for v in VERDICTS])
def test_plugin_maps_the_doctors_verdict(scenario, probe_timeout, doctor_rc, plugin_rc, message):
    binary = ongpu_binary()
    env = driver_env(SCENARIOS / scenario)
    direct = subprocess.run([str(binary), "doctor", "--no-python", "--timeout", str(probe_timeout)], env=env,
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert direct.returncode == doctor_rc, direct.stdout + direct.stderr
    rc, text = plugin(dict(env, ONGPU=str(binary), ONGPU_NPD_PROBE_TIMEOUT=str(probe_timeout)))
    assert rc == plugin_rc and re.fullmatch(message, text), (rc, text)
    assert len(text) <= MAX_MESSAGE


def processes_with(needle):
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if needle.encode() in environ.read_bytes():
                found.append(environ.parent.name)
        except OSError:
            pass
    return found


def test_plugin_stops_a_hung_doctor_at_its_deadline_and_leaves_nothing(tmp_path):
    """NVML hangs for longer than the script's deadline: Unknown, and no hung probe is left behind."""
    scenario = tmp_path / "hang-nvml-beyond-deadline.conf"
    shutil.copy(SCENARIOS / "hang-nvml.conf", scenario)
    env = driver_env(scenario, ONGPU=str(ongpu_binary()), ONGPU_NPD_DEADLINE="1", ONGPU_NPD_PROBE_TIMEOUT="30")
    start = time.monotonic()
    rc, text = plugin(env)
    assert rc == UNKNOWN and time.monotonic() - start < 10
    assert text == "ongpu could not check: doctor did not finish within 1s (vendor probe deadline 30s) and was stopped"
    end = time.monotonic() + 3
    while processes_with(str(scenario)) and time.monotonic() < end:
        time.sleep(0.05)
    assert processes_with(str(scenario)) == []


def test_plugin_without_ongpu_is_unknown(tmp_path):
    rc, text = plugin(driver_env(SCENARIOS / "healthy.conf", ONGPU=str(tmp_path / "ongpu")))
    assert rc == UNKNOWN
    assert text == (f"ongpu could not check: no executable at {tmp_path / 'ongpu'}"
                    " (the install-ongpu init container copies it there)")


def test_plugin_when_ongpu_gives_no_verdict_is_unknown():
    """ongpu's usage error (64) says nothing about the GPU."""
    env = driver_env(SCENARIOS / "healthy.conf", ONGPU=str(ongpu_binary()), ONGPU_NPD_PROBE_TIMEOUT="soon")
    rc, text = plugin(env)
    assert rc == UNKNOWN and text.startswith("ongpu could not check: doctor exited 64: "), text


def test_plugin_when_ongpu_is_killed_is_unknown(tmp_path):
    """As the out-of-memory killer would end it."""
    killed = tmp_path / "ongpu"
    killed.write_text("#!/bin/sh\nkill -KILL $$\n")
    killed.chmod(0o755)
    rc, text = plugin(driver_env(SCENARIOS / "healthy.conf", ONGPU=str(killed)))
    assert (rc, text) == (UNKNOWN, "ongpu could not check: doctor was killed by signal 9")


# --- the Job ---------------------------------------------------------------------------


def job():
    j = one(JOB, "Job")
    return j, pod_spec(j)


def test_job_runs_the_workload_under_ongpu_run_require_gpu():
    j, spec = job()
    (init,) = spec["initContainers"]
    (c,) = spec["containers"]
    argv = c["command"] + c.get("args", [])
    assert argv[1:4] == ["run", "--require-gpu", "--"] and len(argv) > 4
    assert init["command"] == ["cp", DOCKERFILE_BINARY, argv[0]]
    shared = init["volumeMounts"][0]["name"]
    assert "emptyDir" in volume(spec, shared)
    assert Path(mount_of(init, shared)["mountPath"]) == Path(argv[0]).parent
    assert Path(mount_of(c, shared)["mountPath"]) == Path(argv[0]).parent


def test_job_requests_a_gpu_and_fails_at_once_on_exit_99():
    j, spec = job()
    (c,) = spec["containers"]
    assert int(c["resources"]["limits"][GPU]) >= 1
    assert int(c["resources"].get("requests", {}).get(GPU, c["resources"]["limits"][GPU])) >= 1
    assert spec["restartPolicy"] in ("Never", "OnFailure")
    policy = j["spec"]["podFailurePolicy"]
    assert spec["restartPolicy"] == "Never"  # podFailurePolicy requires it
    fail = [r for r in policy["rules"] if r["action"] == "FailJob"]
    assert [r["onExitCodes"] for r in fail] == [{"containerName": c["name"], "operator": "In", "values": [99]}]
    assert j["spec"]["backoffLimit"] >= 1
    assert tolerates(spec["tolerations"], GPU, "present", "NoSchedule")


def test_job_sees_host_pids_as_a_non_root_user():
    """NVML reports host PIDs; ongpu run can match them with its command's processes only in the host's
    PID namespace (docs/run.md)."""
    _, spec = job()
    assert spec["hostPID"] is True
    for c in all_containers(spec):
        assert c["securityContext"]["runAsNonRoot"] is True and c["securityContext"]["runAsUser"] != 0
        assert c["securityContext"]["allowPrivilegeEscalation"] is False


# --- images and the Dockerfile ---------------------------------------------------------


def dockerfile_binary():
    lines = (K8S / "Dockerfile").read_text().splitlines()
    froms = [i for i, line in enumerate(lines) if line.startswith("FROM ")]
    copies = [line.split() for line in lines[froms[-1]:] if line.startswith("COPY ")]
    (copy_line,) = copies
    return copy_line[-1]


DOCKERFILE_BINARY = dockerfile_binary()


def test_dockerfile_puts_ongpu_on_the_path():
    """The textfile loop calls plain `ongpu`."""
    assert DOCKERFILE_BINARY == "/usr/local/bin/ongpu"
    text = (K8S / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["/usr/local/bin/ongpu"]' in text
    wheel = re.search(r"^COPY (\S+\.whl) ", text, re.M).group(1)
    install = (REPO / "docs" / "install.md").read_text()
    documented = re.search(r"ongpu-<version>-py3-none-\S+?\.whl", install).group(0)
    assert re.fullmatch(wheel.replace(".", r"\.").replace("*", ".*"), documented.replace("<version>", "0.1.0"))


def images(docs):
    return [c["image"] for d in docs if pod_spec(d) for c in all_containers(pod_spec(d))]


def test_placeholders_are_replaced_by_the_kustomizations():
    raw = images([d for p in manifests() for d in load(p)])
    placeholders = {split_image(i)[0] for i in raw if i.startswith("example.invalid/")}
    assert placeholders == {"example.invalid/ongpu", "example.invalid/training-image"}
    others = {i for i in raw if not i.startswith("example.invalid/")}
    assert others == {"registry.k8s.io/node-problem-detector/node-problem-detector:v0.8.20"}
    for kdir, docs in ((K8S, MAIN), (JOB_DIR, JOB)):
        k = yaml.safe_load((kdir / "kustomization.yaml").read_text())
        expected = {f"{i['newName']}:{i['newTag']}" for i in k["images"]}
        used = set(images(docs)) - others
        assert used == expected, kdir
        assert not any(i.startswith("example.invalid/") for i in images(docs))


# --- the README's snippets ---------------------------------------------------------------


def readme_blocks(lang):
    return re.findall(r"```" + lang + r"\n(.*?)```", README, re.S)


def apply_json_patch(doc, ops):
    """RFC 6902 replace and remove, which the README's patches use; a path that is not there fails."""
    for op in ops:
        *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        node = doc
        for p in parents:
            node = node[int(p)] if isinstance(node, list) else node[p]
        key = int(last) if isinstance(node, list) else last
        assert key in node if isinstance(node, dict) else key < len(node), op["path"]
        if op["op"] == "replace":
            node[key] = op["value"]
        elif op["op"] == "remove":
            del node[key]
        else:
            raise AssertionError(op["op"])


def readme_patches():
    patches = []
    for block in readme_blocks("yaml"):
        doc = yaml.safe_load(block)
        patches += doc.get("patches", [])
    return patches


def test_readme_images_block_is_the_kustomizations():
    blocks = [yaml.safe_load(b) for b in readme_blocks("yaml")]
    (shown,) = [b["images"] for b in blocks if "images" in b]
    assert shown == yaml.safe_load((K8S / "kustomization.yaml").read_text())["images"]


def test_readme_patches_change_what_they_say():
    textfile, runtime = readme_patches()
    docs = copy.deepcopy(MAIN)
    for patch in (textfile, runtime):
        targets = [d for d in docs if d["kind"] == patch["target"]["kind"]
                   and patch["target"].get("name", d["metadata"]["name"]) == d["metadata"]["name"]]
        assert targets, patch["target"]
        for d in targets:
            apply_json_patch(d, yaml.safe_load(patch["patch"]))
    new_dir = yaml.safe_load(textfile["patch"])[0]["value"]
    spec = pod_spec(one(docs, "DaemonSet", "ongpu-textfile"))
    (c,) = spec["containers"]
    target = re.search(r"--prometheus (\S+)", c["command"][2]).group(1)
    (mount,) = [m for m in c["volumeMounts"] if Path(m["mountPath"]) == Path(target).parent]
    assert volume(spec, mount["name"])["hostPath"]["path"] == new_dir
    assert all("runtimeClassName" not in pod_spec(d) for d in docs if d["kind"] == "DaemonSet")


def test_readme_commands_name_what_exists():
    sh = "\n".join(readme_blocks("sh"))
    for kdir in re.findall(r"kubectl (?:apply|create) -k (\S+)", sh):
        assert (REPO / kdir / "kustomization.yaml").is_file(), kdir
    build = re.search(r"docker build -f (\S+) -t (\S+) (\S+)", sh)
    assert (REPO / build.group(1)).is_file()
    assert build.group(2) in images(MAIN)
    # where tools/package.sh puts the wheels ($out is build-pack)
    assert build.group(3) == "build-pack/wheelhouse"
    assert 'auditwheel" repair --plat "$plat" -w "$out/wheelhouse"' in (REPO / "tools" / "package.sh").read_text()
    assert re.search(r"kubectl logs -f job/(\S+)", sh).group(1) == one(JOB, "Job")["metadata"]["name"]
    cfg = json.loads(NPD_CONFIG.read_text())
    assert f'@.type=="{cfg["conditions"][0]["type"]}"' in sh


def test_readme_states_the_npd_settings():
    cfg = json.loads(NPD_CONFIG.read_text())
    (condition,) = cfg["conditions"]
    (rule,) = cfg["rules"]
    assert f"sets the node condition `{condition['type']}`" in README_FLAT
    assert f"| False | `{condition['reason']}` |" in README_FLAT
    assert f"| True | `{rule['reason']}`;" in README_FLAT
    assert f"every {go_seconds(cfg['pluginConfig']['invoke_interval'])} s" in README_FLAT
    deadline, probe = script_default("ONGPU_NPD_DEADLINE"), script_default("ONGPU_NPD_PROBE_TIMEOUT")
    assert f"no answer within {deadline} s" in README_FLAT
    assert f"after {deadline} s (`ONGPU_NPD_DEADLINE`)" in README_FLAT
    assert f"own {go_seconds(cfg['pluginConfig']['timeout'])} s timeout" in README_FLAT
    assert f"is {probe} s (`ONGPU_NPD_PROBE_TIMEOUT`)" in README_FLAT
    assert "validated offline only" in README_FLAT and "never been applied to a live cluster" in README_FLAT
