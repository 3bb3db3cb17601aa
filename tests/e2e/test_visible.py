"""`ongpu visible` against the fake CUDA driver's own enumeration of
CUDA_VISIBLE_DEVICES (an independent implementation of NVIDIA's documented
rules, tests/fakes/README.md): what ongpu predicts must be what the driver did."""
import json

import pytest

from conftest import FIXTURES, doctor, ongpu

ROOT = "healthy-8gpu"
SCENARIO = "healthy-8gpu.conf"

VALUES = [None, "0", "", "-1", "0,-1,1", "2,1", "GPU-7a1b", "GPU-7a1", "GPU-bogus", "1", "7,6,5", "3,9,1",
          "0,0", "1,abc,2", "0, 1"]


def visible(value, order=None):
    env = {}
    if value is not None:
        env["CUDA_VISIBLE_DEVICES"] = value
    if order is not None:
        env["CUDA_DEVICE_ORDER"] = order
    return ongpu("visible", "--json", "--root", str(__import__("conftest").FIXTURES / ROOT),
                 scenario=SCENARIO, env=env)


@pytest.mark.parametrize("order", [None, "PCI_BUS_ID"])
@pytest.mark.parametrize("value", VALUES, ids=[repr(v) for v in VALUES])
def test_prediction_matches_the_driver(value, order):
    r = visible(value, order)
    doc = r.json()
    predicted = [g["uuid"] for g in doc["visible"]]
    actual = [d["uuid"] for d in (doc["cuda_driver_devices"] or [])]
    assert predicted == actual
    assert r.rc == (0 if predicted else 2)


def test_numbering_is_nvidia_smis():
    # healthy-8gpu.conf makes two GPUs faster: CUDA's default order is 5,3,0,1,2,4,6,7.
    doc = visible("0").json()
    assert [g["nvidia_smi_index"] for g in doc["visible"]] == [5]
    doc = visible("0", "PCI_BUS_ID").json()
    assert [g["nvidia_smi_index"] for g in doc["visible"]] == [0]


def test_stop_is_explained():
    doc = visible("0,-1,1").json()
    assert doc["stopped_at"]["entry"] == "-1"
    assert doc["stopped_at"]["ignored"] == ["1"]
    text = ongpu("visible", "--root", str(__import__("conftest").FIXTURES / ROOT), scenario=SCENARIO,
                 env={"CUDA_VISIBLE_DEVICES": "0,-1,1"}).out
    assert "Ignored after it: 1" in text


def test_doctor_reports_order_and_visibility_findings():
    ids = [f["id"] for f in doctor(root=ROOT, scenario=SCENARIO).json()["findings"]]
    assert "env.device_order_differs" in ids
    ids = [f["id"] for f in doctor(root=ROOT, scenario=SCENARIO, env={"CUDA_DEVICE_ORDER": "PCI_BUS_ID"}).json()["findings"]]
    assert "env.device_order_differs" not in ids
    r = doctor(root=ROOT, scenario=SCENARIO, env={"CUDA_VISIBLE_DEVICES": ""})
    assert r.rc == 2 and r.json()["verdict"]["root_cause"] == "env.cvd_hides_all"
    ids = [f["id"] for f in doctor(root=ROOT, scenario=SCENARIO, env={"CUDA_VISIBLE_DEVICES": "0,-1,1", "CUDA_DEVICE_ORDER": "PCI_BUS_ID"}).json()["findings"]]
    assert "env.cvd_ends_early" in ids
    ids = [f["id"] for f in doctor(root=ROOT, scenario=SCENARIO, env={"CUDA_VISIBLE_DEVICES": "GPU-bogus"}).json()["findings"]]
    assert "env.cvd_hides_all" in ids


def no_driver_facts(tmp_path):
    """Facts of a machine without a driver: this machine's, with the probes'
    libraries made unloadable (so the test holds on a GPU machine too)."""
    saved = tmp_path / "facts.json"
    ongpu("doctor", "--no-python", "--root", str(FIXTURES / "no-gpu"), "--save-facts", str(saved))
    doc = json.loads(saved.read_text())
    facts = doc["facts"]
    for part, lib in (("cuda", "libcuda.so.1"), ("cuda_all", "libcuda.so.1"), ("nvml", "libnvidia-ml.so.1")):
        facts[part]["probe"]["status"] = "ok"
        facts[part]["library"]["loaded"] = False
        facts[part]["library"]["load_error"] = f"{lib}: cannot open shared object file: No such file or directory"
        facts[part]["gpus" if part == "nvml" else "devices"] = []
    saved.write_text(json.dumps(doc))
    return saved


def test_without_a_driver_it_says_so(tmp_path):
    r = ongpu("visible", "--facts-from", str(no_driver_facts(tmp_path)))
    assert "no CUDA driver here: libcuda.so.1 could not be loaded" in r.out, r.out
    assert "did not answer" not in r.out
    assert "No GPU is known here" in r.out


def test_doctor_verbose_says_the_probe_could_not_load_the_library(tmp_path):
    r = ongpu("doctor", "-v", "--facts-from", str(no_driver_facts(tmp_path)))
    assert "NVML probe: ran in" in r.out and "but could not load libnvidia-ml.so.1" in r.out, r.out
    assert "NVML probe: ok" not in r.out

def test_a_variable_that_hides_every_gpu_where_there_is_none():
    r = ongpu("doctor", "--no-python", "--root", str(FIXTURES / "no-gpu"), env={"CUDA_VISIBLE_DEVICES": "-1"})
    assert 'CUDA_VISIBLE_DEVICES="-1": no GPU is known here; it would hide every GPU' in r.out, r.out
