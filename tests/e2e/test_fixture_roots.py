"""The doctor against fixture roots (tests/fixtures/README.md): captured /proc,
/sys and /dev trees, with the fake vendor libraries where a driver answers."""
import pytest

from conftest import doctor

# (fixture, scenario or None for "no driver library at all", findings that
# must fire, findings that must not, exit code)
CASES = [
    ("no-gpu", None, ["pci.no_nvidia_device"],
     ["module.not_loaded", "driver.libcuda_missing", "nodes.missing"], 2),
    ("gpu-no-driver", None, ["pci.no_driver_bound", "module.not_loaded", "driver.libcuda_missing"],
     ["pci.no_nvidia_device", "nodes.missing"], 2),
    ("secure-boot-blocked", None, ["module.not_loaded"], [], 2),
    ("nouveau", None, ["pci.nouveau_bound"], ["module.not_loaded"], 2),
    ("vfio", None, ["pci.vfio_bound"], ["module.not_loaded"], 2),
    ("healthy-1gpu", "healthy.conf", [], [], 0),
    # The node is missing because the module is: one finding, not two.
    ("container-no-uvm", "healthy.conf", ["module.uvm_not_loaded"], ["nodes.missing", "nodes.uvm_missing"], 1),
    ("wsl2", None, ["driver.libcuda_missing"], ["pci.no_nvidia_device", "module.not_loaded", "nodes.missing"], 2),
    ("version-mismatch", "healthy.conf", [], [], None),  # see test_version_mismatch
    ("nodes-inaccessible", "healthy.conf", ["nodes.inaccessible"], ["nodes.missing"], 1),
    ("nodes-missing", "healthy.conf", ["nodes.missing"], ["nodes.uvm_missing", "module.not_loaded"], 1),
]


@pytest.mark.parametrize("root,scenario,must,must_not,rc", CASES, ids=[c[0] for c in CASES])
def test_fixture(root, scenario, must, must_not, rc):
    r = doctor(root=root, scenario=scenario, env=None if scenario else {"LD_LIBRARY_PATH": "/nonexistent"})
    found = r.ids()
    for i in must:
        assert i in found, f"{i} missing from {found}"
    for i in must_not:
        assert i not in found, f"{i} should not fire: {found}"
    if rc is not None:
        assert r.rc == rc, r.out
        assert r.json()["verdict"]["exit_code"] == rc


def test_healthy_fixture_reads_the_machine():
    doc = doctor(root="healthy-8gpu", scenario="healthy-8gpu.conf").json()
    facts = doc["facts"]
    assert len(facts["pci"]["nvidia_devices"]) == 8  # NVSwitches are not GPUs
    assert facts["kernel_module"]["version"] == "550.54.15"
    assert facts["kernel_module"]["flavor"] == "proprietary"
    assert {n["path"] for n in facts["device_nodes"]["nodes"]} >= {f"/dev/nvidia{i}" for i in range(8)}


def test_secure_boot_is_named_only_when_on():
    on = doctor(root="secure-boot-blocked", env={"LD_LIBRARY_PATH": "/nonexistent"}).json()
    off = doctor(root="gpu-no-driver", env={"LD_LIBRARY_PATH": "/nonexistent"}).json()
    summary = lambda d: next(f["summary"] for f in d["findings"] if f["id"] == "module.not_loaded")
    assert "Secure Boot" in summary(on)
    assert "Secure Boot" not in summary(off)


def test_inaccessible_nodes_name_the_group():
    doc = doctor(root="nodes-inaccessible", scenario="healthy.conf").json()
    bad = [f for f in doc["findings"] if f["id"] == "nodes.inaccessible"]
    assert {f["summary"].split(" ")[0] for f in bad} == {"/dev/nvidiactl", "/dev/nvidia0"}
    assert all("usermod -aG video" in f["fix"][0] for f in bad)


def test_version_mismatch():
    # The kernel module is 550.54.14; the library files are named 580.65.06
    # (tests/fakes, lib-versioned), as after an upgrade without a reboot.
    from conftest import FAKE_LIB_VERSIONED
    doc = doctor(root="version-mismatch", scenario="healthy.conf", lib=FAKE_LIB_VERSIONED).json()
    found = [f for f in doc["findings"] if f["id"] == "driver.version_mismatch"]
    assert found, doc["findings"]
    assert "550.54.14" in found[0]["summary"] and "580.65.06" in found[0]["summary"]
    assert doc["facts"]["cuda"]["library"]["version"] == "580.65.06"


def test_nvml_version_mismatch_error_is_explained():
    doc = doctor(root="healthy-1gpu", scenario="nvml-init-version-mismatch.conf").json()
    ids = [f["id"] for f in doc["findings"]]
    assert "driver.version_mismatch" in ids
    assert "nvml.init_failed" not in ids  # one explanation, not two


def test_root_must_exist():
    r = doctor("--root", "/nonexistent/root")
    assert r.rc == 64
