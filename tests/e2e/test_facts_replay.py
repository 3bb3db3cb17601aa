"""--save-facts and --facts-from: the rules re-run on saved facts, without
touching the machine."""
import json

from conftest import doctor, ongpu


def test_replay_gives_the_same_report(tmp_path):
    saved = tmp_path / "facts.json"
    live = doctor("--save-facts", str(saved), root="nodes-inaccessible", scenario="healthy-8gpu.conf",
                  env={"CUDA_VISIBLE_DEVICES": "0,-1"})
    replay = doctor("--facts-from", str(saved))  # no fixture root, no fake library, no variable
    assert replay.rc == live.rc
    a, b = live.json(), replay.json()
    assert a["findings"] == b["findings"]
    assert a["verdict"] == b["verdict"]
    assert a["facts"] == b["facts"]
    assert a["unavailable"] == b["unavailable"]
    assert json.loads(saved.read_text())["schema_version"] == 1


def test_replay_keeps_missing_reasons(tmp_path):
    saved = tmp_path / "facts.json"
    doctor("--save-facts", str(saved), root="no-gpu", env={"LD_LIBRARY_PATH": "/nonexistent"})
    doc = json.loads(saved.read_text())
    assert doc["facts"]["nvml"]["init"] is None
    assert "libnvidia-ml.so.1" in doc["unavailable"]["nvml.init"]


def test_bad_facts_file_is_a_clear_usage_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    r = ongpu("doctor", "--facts-from", str(bad))
    assert r.rc == 64 and "not valid JSON" in r.err
    bad.write_text(json.dumps({"schema_version": 1, "facts": {"host": {"uid": "root"}}}))
    r = ongpu("doctor", "--facts-from", str(bad))
    assert r.rc == 64 and "host.uid" in r.err
    r = ongpu("doctor", "--facts-from", str(tmp_path / "missing.json"))
    assert r.rc == 64 and "cannot read" in r.err


def test_unwritable_save_path_is_an_error():
    r = ongpu("doctor", "--save-facts", "/nonexistent-dir/facts.json")
    assert r.rc == 70 and "cannot write" in r.err
