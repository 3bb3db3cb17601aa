"""The doctor on the machine the tests run on, with the real CUDA toolkit's
stub (TESTING.md §3). The CI machine has no NVIDIA GPU and no driver."""
import os
import pathlib
import shutil

import pytest

from conftest import doctor, ongpu

STUB = pathlib.Path("/usr/local/cuda/lib64/stubs/libcuda.so")
HAS_NVIDIA_GPU = any(
    (p / "vendor").read_text().strip() == "0x10de" and (p / "class").read_text().startswith("0x03")
    for p in pathlib.Path("/sys/bus/pci/devices").iterdir()
) if pathlib.Path("/sys/bus/pci/devices").exists() else False

pytestmark = pytest.mark.skipif(HAS_NVIDIA_GPU, reason="this machine has an NVIDIA GPU (tools/gpu-check.sh covers it)")


def test_no_gpu_no_driver_says_so_and_exits_2():
    r = doctor(env={"LD_LIBRARY_PATH": ""})
    assert r.rc == 2
    doc = r.json()
    assert doc["verdict"]["gpu_usable"] is False
    assert doc["verdict"]["root_cause"] == "pci.no_nvidia_device"
    assert doc["facts"]["pci"]["nvidia_devices"] == []
    assert doc["facts"]["cuda"]["library"]["loaded"] is False
    assert doc["facts"]["nvml"]["library"]["loaded"] is False


def test_text_output_names_the_cause():
    r = ongpu("doctor", env={"LD_LIBRARY_PATH": ""})
    assert r.rc == 2
    assert "[✗] NVIDIA GPU on the PCI bus: no NVIDIA GPU on the PCI bus" in r.out
    assert "\x1b[" not in r.out  # not a terminal: no colour


@pytest.mark.skipif(not STUB.exists(), reason="the CUDA toolkit's stub libcuda is not installed")
def test_real_toolkit_stub_is_named_with_its_ld_library_path_entry(tmp_path):
    stubdir = tmp_path / "cuda-stubs"
    stubdir.mkdir()
    shutil.copy(STUB, stubdir / "libcuda.so.1")  # a copy: not in a stubs/ directory by name
    other = "/opt/ongpu-test/lib"
    r = doctor(env={"LD_LIBRARY_PATH": f"{other}:{stubdir}"})
    doc = r.json()
    assert doc["facts"]["cuda"]["init"]["code"] == 34  # CUDA_ERROR_STUB_LIBRARY from the real stub
    stub = [f for f in doc["findings"] if f["id"] == "driver.libcuda_stub"]
    assert stub, doc["findings"]
    assert str(stubdir) in stub[0]["summary"]
    assert f"export LD_LIBRARY_PATH={other} " in stub[0]["fix"][0]


@pytest.mark.skipif(not STUB.exists(), reason="the CUDA toolkit's stub libcuda is not installed")
def test_stub_symlink_names_the_real_file(tmp_path):
    (tmp_path / "libcuda.so.1").symlink_to(STUB)
    doc = doctor(env={"LD_LIBRARY_PATH": str(tmp_path)}).json()
    assert doc["facts"]["cuda"]["library"]["stub"] is True
    assert doc["facts"]["cuda"]["library"]["real_path"] == os.path.realpath(STUB)
    stub = next(f for f in doc["findings"] if f["id"] == "driver.libcuda_stub")
    assert os.path.realpath(STUB) in stub["summary"]
