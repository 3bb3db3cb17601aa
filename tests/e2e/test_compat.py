"""`ongpu compat`: what a framework version needs and what a driver allows,
from the embedded knowledge tables or a --knowledge override
(docs/knowledge.md)."""
import pathlib
import shutil

from conftest import REPO, ongpu

KNOWLEDGE = REPO / "knowledge"


def items(doc, section):
    for s in doc["sections"]:
        if s["key"] == section:
            return {i["key"]: i for i in s["items"]}
    raise AssertionError(f"no section {section}: {[s['key'] for s in doc['sections']]}")


def test_tensorflow_text_names_requirements_and_sources():
    r = ongpu("compat", "tensorflow==2.15.0")
    assert r.rc == 0, r.err
    out = r.out
    assert out.startswith("tensorflow 2.15.0")
    for needle in ("3.9 – 3.11", "12.2", "8.9", "535.54.03", "minor-version compatibility",
                   "tensorflow[and-cuda]", "WSL2", "Sources", "[1] tensorflow/docs"):
        assert needle in out, needle
    assert r.err == ""


def test_tensorflow_json():
    r = ongpu("compat", "--json", "tensorflow==2.15.0")
    assert r.rc == 0, r.err
    doc = r.json()
    assert doc["schema_version"] == 1
    assert doc["kind"] == "framework"
    assert (doc["framework"], doc["version"], doc["matched"], doc["match"]) == \
        ("tensorflow", "2.15.0", "2.15.0", "exact")
    req = items(doc, "requirements")
    assert req["cuda"]["version"] == "12.2"
    assert req["cudnn"]["version"] == "8.9"
    assert (req["python"]["min"], req["python"]["max"]) == ("3.9", "3.11")
    assert req["driver"]["linux_min"] == "535.54.03"
    assert req["driver"]["cuda_release"] == "12.2 GA"
    assert req["driver_minor_compat"]["linux_min"] == "525"
    notes = items(doc, "notes")
    assert "and_cuda" in notes and "no_windows_native_gpu" in notes
    for s in doc["sections"]:
        for i in s["items"]:
            assert i["source"], (s["key"], i["key"])
    assert doc["tables"]["tensorflow_gpu.csv"] == "embedded"


def test_driver_470_text_and_json():
    r = ongpu("compat", "--driver", "470.82.01")
    assert r.rc == 0, r.err
    assert "11.4 Update 4" in r.out
    assert "2.11.0" in r.out and "2.14.0" in r.out

    doc = ongpu("compat", "--driver", "470.82.01", "--json").json()
    assert doc["kind"] == "driver" and doc["driver"] == "470.82.01"
    cuda = items(doc, "cuda")
    assert cuda["newest_toolkit"]["release"] == "11.4 Update 4"
    assert cuda["minor_compat"]["cuda_major"] == "11"
    fw = items(doc, "frameworks")
    assert fw["tensorflow"]["version"] == "2.11.0"
    assert fw["tensorflow_minor_compat"]["version"] == "2.14.0"
    assert fw["torch"]["index_tag"] == "cu113"
    assert "extra" not in fw["jax"]


def test_torch_and_jax():
    doc = ongpu("compat", "--json", "torch==2.3.0").json()
    assert items(doc, "cu121")["driver"]["linux_min"] == "530.30.02"
    assert items(doc, "cu118")["cuda"]["version"] == "11.8"
    doc = ongpu("compat", "--json", "jax==0.4.30").json()
    assert items(doc, "extras")["cuda13"]["available"] == "no"
    assert items(doc, "extras")["cuda12"]["available"] == "yes"


def test_unknown_version_framework_and_usage_exit_64():
    r = ongpu("compat", "tensorflow==2.99")
    assert r.rc == 64
    assert "tensorflow==2.99: not in the table; known: 2.0.0 … 2.21.0" in r.err
    assert r.out == ""
    r = ongpu("compat", "caffe==1.0")
    assert r.rc == 64 and "unknown framework" in r.err
    assert ongpu("compat").rc == 64
    assert ongpu("compat", "tensorflow==2.15.0", "--driver", "470.82.01").rc == 64
    assert ongpu("compat", "--driver", "four-seventy").rc == 64


def test_what_people_type():
    # `pip install torch` installs 2.15.0 today: the table knows it.
    r = ongpu("compat", "torch==2.15.0")
    assert r.rc == 0 and "Python        3.11 – 3.15" in r.out, r.out + r.err
    # An extra, as pip takes it; for jax, only that extra, with JAX's Python range.
    r = ongpu("compat", "jax[cuda12]==0.10.2", "--json")
    assert r.rc == 0, r.err
    doc = r.json()
    assert list(items(doc, "extras")) == ["cuda12"]
    python = items(doc, "requirements")["python"]
    assert (python["min"], python["max"]) == ("3.11", "3.14"), python
    # A range or a bare name: say what to type.
    for spec, want in (("torch>=2.5", "torch==VERSION"), ("jax[cuda12]", "jax[cuda12]==VERSION")):
        r = ongpu("compat", spec)
        assert r.rc == 64 and want in r.err, r.err


def test_knowledge_override_changes_the_answer(tmp_path):
    text = (KNOWLEDGE / "tensorflow_gpu.csv").read_text()
    assert "2.15.0,3.9,3.11,,8.9,12.2," in text
    (tmp_path / "tensorflow_gpu.csv").write_text(
        text.replace("2.15.0,3.9,3.11,,8.9,12.2,", "2.15.0,3.9,3.11,,8.9,12.3,"))
    doc = ongpu("compat", "--json", "--knowledge", str(tmp_path), "tensorflow==2.15.0").json()
    req = items(doc, "requirements")
    assert req["cuda"]["version"] == "12.3"
    assert req["driver"]["linux_min"] == "545.23.06"  # the 12.3 GA row of the embedded table
    assert doc["tables"]["tensorflow_gpu.csv"] == str(tmp_path / "tensorflow_gpu.csv")
    assert doc["tables"]["cuda_driver.csv"] == "embedded"


def test_malformed_override_names_file_and_line(tmp_path):
    shutil.copy(KNOWLEDGE / "cuda_driver.csv", tmp_path / "cuda_driver.csv")
    with open(tmp_path / "cuda_driver.csv", "a") as f:
        f.write('9.0,"unterminated\n')
    r = ongpu("compat", "--knowledge", str(tmp_path), "--driver", "470.82.01")
    assert r.rc == 64
    lines = (KNOWLEDGE / "cuda_driver.csv").read_text().count("\n")
    assert f"{tmp_path / 'cuda_driver.csv'}:{lines + 1}:" in r.err, r.err


def test_help():
    r = ongpu("compat", "--help")
    assert r.rc == 0
    assert "--driver" in r.out and "--knowledge" in r.out
    assert "compat" in ongpu("help").out


def test_no_escape_sequence_from_a_knowledge_override_reaches_the_terminal(tmp_path):
    # Issue: hardening §4: a --knowledge note and an unknown command name are shown, never obeyed.
    text = (KNOWLEDGE / "tensorflow_gpu.csv").read_text()
    assert "2.15.0,3.9,3.11,,8.9,12.2," in text
    lines = text.splitlines()
    header = lines[0].split(",")
    row = next(i for i, l in enumerate(lines) if l.startswith("2.15.0,"))
    cells = lines[row].split(",")
    cells[header.index("source")] = "\x1b]0;owned\x07\x1b[2Jsource"
    lines[row] = ",".join(cells)
    (tmp_path / "tensorflow_gpu.csv").write_text("\n".join(lines) + "\n")
    r = ongpu("compat", "--knowledge", str(tmp_path), "tensorflow==2.15.0", env={"NO_COLOR": "1"})
    assert r.rc in (0, 1), r.err
    assert "\x1b" not in r.out + r.err and "\x07" not in r.out + r.err
    r = ongpu("\x1b[2Jdoctorr")
    assert r.rc == 64 and "\x1b" not in r.err and "is not a command" in r.err
