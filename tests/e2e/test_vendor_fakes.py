"""The vendor boundary: fake libnvidia-ml / libcuda found through the real
dynamic loader, failing in each way real drivers do (tests/fakes)."""
import time

import pytest

from conftest import doctor, ongpu

ROOT = "healthy-1gpu"


def test_healthy_gpu_is_usable_and_read_fully():
    r = doctor(root=ROOT, scenario="healthy.conf")
    assert r.rc == 0, r.out
    doc = r.json()
    assert doc["verdict"]["gpu_usable"] is True
    assert doc["findings"] == []
    gpu = doc["facts"]["nvml"]["gpus"][0]
    assert gpu["name"] == "NVIDIA H100 80GB HBM3"
    assert gpu["compute_capability"] == "9.0"
    assert gpu["memory_total_bytes"] == 85899345920
    dev = doc["facts"]["cuda"]["devices"][0]
    assert dev["uuid"] == gpu["uuid"]  # the same GPU through both APIs
    assert dev["context"]["code"] == 0
    assert doc["facts"]["nvml"]["driver_version"] == "580.65.06"
    assert doc["facts"]["cuda"]["driver_version"] == 13000


@pytest.mark.parametrize("scenario,code,name", [
    ("nvml-init-driver-not-loaded.conf", 9, "NVML_ERROR_DRIVER_NOT_LOADED"),
    ("nvml-init-library-not-found.conf", 12, "NVML_ERROR_LIBRARY_NOT_FOUND"),
    ("nvml-init-no-permission.conf", 4, "NVML_ERROR_NO_PERMISSION"),
    ("nvml-init-unknown.conf", 999, "NVML_ERROR_UNKNOWN"),
])
def test_nvml_init_errors(scenario, code, name):
    doc = doctor(root=ROOT, scenario=scenario).json()
    assert doc["facts"]["nvml"]["init"]["code"] == code
    f = next(f for f in doc["findings"] if f["id"] == "nvml.init_failed")
    assert name in f["summary"]
    assert f["fix"]


@pytest.mark.parametrize("scenario,code,finding", [
    ("cuda-init-no-device.conf", 100, "cuda.init_failed"),
    ("cuda-init-operating-system.conf", 304, "cuda.init_failed"),
    ("cuda-init-system-driver-mismatch.conf", 803, "cuda.init_failed"),
    ("cuda-init-unknown.conf", 999, "cuda.init_failed"),
    ("cuda-init-stub.conf", 34, "driver.libcuda_stub"),
])
def test_cuda_init_errors_make_the_gpu_unusable(scenario, code, finding):
    r = doctor(root=ROOT, scenario=scenario)
    assert r.rc == 2
    doc = r.json()
    assert doc["facts"]["cuda"]["init"]["code"] == code
    assert doc["verdict"]["root_cause"] == finding


@pytest.mark.parametrize("scenario,api,stage", [
    ("crash-nvml.conf", "nvml", "nvmlInit_v2"),
    ("crash-cuda.conf", "cuda", "cuInit"),
])
def test_a_crash_in_init_is_a_finding(scenario, api, stage):
    r = doctor(root=ROOT, scenario=scenario)
    doc = r.json()
    assert doc["facts"][api]["probe"]["status"] == "crashed"
    assert doc["facts"][api]["probe"]["signal"] == 11
    f = next(f for f in doc["findings"] if f["id"] == f"{api}.probe_crashed")
    assert "SIGSEGV" in f["summary"] and stage in f["summary"]


def _alive(pid):
    """Whether a process with this pid runs (a zombie or none: no)."""
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@pytest.mark.parametrize("scenario,api,stage,rc", [
    ("hang-nvml.conf", "nvml", "nvmlInit_v2", 1),  # CUDA still works: usable, with an error
    ("hang-cuda.conf", "cuda", "cuInit", 2),
])
def test_a_hang_in_init_is_killed_at_the_deadline(scenario, api, stage, rc):
    start = time.monotonic()
    r = doctor("--timeout", "1", root=ROOT, scenario=scenario, timeout=30)
    elapsed = time.monotonic() - start
    assert r.rc == rc
    doc = r.json()
    assert doc["facts"][api]["probe"]["status"] == "timed_out"
    f = next(f for f in doc["findings"] if f["id"] == f"{api}.probe_timed_out")
    assert f["summary"] == f"the driver did not return from {stage} within 1 s"
    assert elapsed < 25, "the doctor itself must not hang"  # a bound on a hang, not a benchmark
    # The probe this run started (its pid is in the facts), not any other run's.
    pid = doc["facts"][api]["probe"]["pid"]
    assert pid > 0 and not _alive(pid), f"the probe {pid} was left behind"


def test_unterminated_strings_do_not_crash_and_are_cut():
    r = doctor(root=ROOT, scenario="unterminated.conf")
    doc = r.json()
    assert doc["facts"]["nvml"]["probe"]["status"] == "ok"
    name = doc["facts"]["nvml"]["gpus"][0]["name"]
    assert name is not None and len(name) <= 96 and name.startswith("X")
    assert "\x00" not in r.out


def test_absurd_device_count_is_capped_and_reported():
    doc = doctor(root=ROOT, scenario="absurd-count.conf").json()
    assert doc["facts"]["nvml"]["device_count"] == 100000
    assert len(doc["facts"]["nvml"]["gpus"]) == 64
    assert "nvml.absurd_device_count" in [f["id"] for f in doc["findings"]]


@pytest.mark.parametrize("scenario,finding", [
    ("prohibited.conf", "gpu.compute_prohibited"),
    ("exclusive-busy.conf", "gpu.exclusive_process_busy"),
    ("mig-no-instance.conf", "gpu.mig_no_instance"),
    ("pending-retirement.conf", "gpu.retired_pages_pending"),
    ("remap-pending.conf", "gpu.row_remap_pending"),
    ("context-fails.conf", "cuda.context_failed"),
])
def test_gpu_state_findings(scenario, finding):
    doc = doctor(root=ROOT, scenario=scenario).json()
    assert finding in [f["id"] for f in doc["findings"]], doc["findings"]


def test_mig_with_an_instance_is_fine():
    doc = doctor(root=ROOT, scenario="mig-with-instance.conf").json()
    assert "gpu.mig_no_instance" not in [f["id"] for f in doc["findings"]]
    assert doc["facts"]["nvml"]["gpus"][0]["mig_enabled"] is True


def test_library_path_and_version_come_from_the_loader():
    from conftest import FAKE_LIB_VERSIONED
    doc = doctor(root=ROOT, scenario="healthy.conf", lib=FAKE_LIB_VERSIONED).json()
    lib = doc["facts"]["cuda"]["library"]
    assert lib["path"] == str(FAKE_LIB_VERSIONED / "libcuda.so.1")
    assert lib["real_path"] == str(FAKE_LIB_VERSIONED / "libcuda.so.580.65.06")
    assert lib["version"] == "580.65.06"
    assert lib["ld_library_path_entry"] == str(FAKE_LIB_VERSIONED)
    assert lib["stub"] is False


def test_verbose_text_shows_probe_times():
    r = ongpu("doctor", "-v", "--root", str(__import__("conftest").FIXTURES / ROOT), scenario="healthy.conf")
    assert r.rc == 0
    assert "NVML probe: ok in" in r.out and "CUDA probe: ok in" in r.out
    assert "No issues found" in r.out


# The return codes NVIDIA documents for nvmlInit_v2 (NVML API reference) and
# cuInit (cuda.h), plus those seen in the field (18: version mismatch,
# 100/304/999 for cuInit): each must be named and explained, never crash ongpu.
@pytest.mark.parametrize("code", [4, 9, 12, 18, 999])
def test_every_documented_nvml_init_error(tmp_path, code):
    scenario = tmp_path / "s.conf"
    scenario.write_text(f"nvml.init = error:{code}\n")
    doc = doctor(root=ROOT, scenario=str(scenario)).json()
    init = doc["facts"]["nvml"]["init"]
    assert init["code"] == code and init["name"].startswith("NVML_ERROR_") and init["message"]
    assert {"nvml.init_failed", "driver.version_mismatch"} & {f["id"] for f in doc["findings"]}


@pytest.mark.parametrize("code", [1, 100, 101, 304, 803, 804, 999])
def test_every_documented_cuinit_error(tmp_path, code):
    scenario = tmp_path / "s.conf"
    scenario.write_text(f"cuda.init = error:{code}\n")
    r = doctor(root=ROOT, scenario=str(scenario))
    doc = r.json()
    init = doc["facts"]["cuda"]["init"]
    assert init["code"] == code and init["name"].startswith("CUDA_ERROR_")
    assert r.rc == 2
    f = next(f for f in doc["findings"] if f["id"] == "cuda.init_failed")
    assert init["name"] in f["summary"] and f["fix"]


def test_ongpu_itself_never_loads_the_driver():
    # LD_DEBUG makes every process print its library loads to its own stderr:
    # ongpu's stderr is ours; the probes' goes into their facts.
    r = doctor(root=ROOT, scenario="healthy.conf", env={"LD_DEBUG": "libs"})
    assert "libcuda.so.1" not in r.err and "libnvidia-ml.so.1" not in r.err
    doc = r.json()
    assert "libcuda.so.1" in doc["facts"]["cuda"]["probe"]["stderr_tail"]
    assert "libnvidia-ml.so.1" in doc["facts"]["nvml"]["probe"]["stderr_tail"]


# A GPU-state finding that explains the CUDA failure is the root cause, not
# the symptom that comes first in chain order (src/rules/explains.cc).
@pytest.mark.parametrize("scenario,cause,symptom", [
    ("exclusive-busy.conf", "gpu.exclusive_process_busy", "cuda.context_failed"),
    ("prohibited.conf", "gpu.compute_prohibited", "cuda.context_failed"),
    ("mig-no-instance.conf", "gpu.mig_no_instance", "cuda.init_failed"),
])
def test_the_cause_is_the_root_cause_not_the_symptom(scenario, cause, symptom):
    r = doctor(root=ROOT, scenario=scenario)
    doc = r.json()
    ids = [f["id"] for f in doc["findings"]]
    assert cause in ids and symptom in ids, ids
    assert doc["verdict"]["root_cause"] == cause
    assert r.rc == 2
