"""Every JSON document ongpu prints validates against its published schema
(docs/schema/), in healthy, broken and crashed states."""
import json

import jsonschema
import pytest

from conftest import REPO, FIXTURES, doctor, ongpu

DOCTOR = json.loads((REPO / "docs/schema/doctor-1.schema.json").read_text())
VISIBLE = json.loads((REPO / "docs/schema/visible-1.schema.json").read_text())
VERIFY = json.loads((REPO / "docs/schema/verify-1.schema.json").read_text())

STATES = [
    ("this machine", {}),
    ("healthy", dict(root="healthy-8gpu", scenario="healthy-8gpu.conf", env={"CUDA_VISIBLE_DEVICES": "0,-1"})),
    ("crash", dict(root="healthy-1gpu", scenario="crash-cuda.conf")),
    ("garbage strings", dict(root="healthy-1gpu", scenario="unterminated.conf")),
    ("stub", dict(root="healthy-1gpu", scenario="cuda-init-stub.conf")),
    ("no driver", dict(root="gpu-no-driver", env={"LD_LIBRARY_PATH": "/nonexistent"})),
    ("mig", dict(root="healthy-1gpu", scenario="mig-with-instance.conf")),
    ("busy", dict(root="healthy-1gpu", scenario="exclusive-busy.conf")),
]


@pytest.mark.parametrize("name,kw", STATES, ids=[s[0] for s in STATES])
def test_doctor_json_matches_schema(name, kw):
    jsonschema.validate(doctor(**kw).json(), DOCTOR)


@pytest.mark.parametrize("value", [None, "", "0", "GPU-7a1b", "1,x"])
def test_visible_json_matches_schema(value):
    env = {} if value is None else {"CUDA_VISIBLE_DEVICES": value}
    r = ongpu("visible", "--json", "--root", str(FIXTURES / "healthy-8gpu"), scenario="healthy-8gpu.conf", env=env)
    jsonschema.validate(r.json(), VISIBLE)


def test_schema_rejects_drift():
    doc = doctor(root="healthy-1gpu", scenario="healthy.conf").json()
    doc["facts"]["nvml"]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, DOCTOR)


def test_no_na_strings_for_missing_facts():
    out = doctor(root="gpu-no-driver", env={"LD_LIBRARY_PATH": "/nonexistent"}).out
    assert '"N/A"' not in out and '"n/a"' not in out


def test_verify_json_matches_schema(tmp_path):
    # A framework that does not import, and one named by a fake interpreter
    # that is not Python at all: both documents follow the schema.
    r = ongpu("verify", "--json", "--framework", "torch", "--size", "16", "--python", "/usr/bin/python3")
    assert r.rc == 2, r.err
    doc = r.json()
    jsonschema.validate(doc, VERIFY)
    assert doc["frameworks"][0]["device"] == "failed"
    # An interpreter named with --python that does not run is a usage error.
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    r = ongpu("verify", "--json", "--framework", "jax", "--python", str(broken))
    assert r.rc == 64 and "cannot run it" in r.err and r.out == ""


def test_verify_json_of_a_real_framework_matches_schema():
    # onnxruntime from the test environment: imports in well under a second.
    import sys
    r = ongpu("verify", "--json", "--framework", "onnxruntime", "--python", sys.executable, timeout=120)
    doc = r.json()
    jsonschema.validate(doc, VERIFY)
    assert doc["frameworks"][0]["live"]["answer"]["compute"]["cpu"]["median_ms"] > 0


def test_summarize_json_matches_schema():
    import subprocess
    from conftest import BUILD
    summarize_schema = json.loads((REPO / "docs/schema/summarize-1.schema.json").read_text())
    docs = [doctor(**kw).out for _, kw in STATES]
    p = subprocess.run([str(BUILD / "ongpu"), "summarize", "--json"], input="\n".join(docs) + "\n{\"cut\": ",
                       capture_output=True, text=True, timeout=60)
    doc = json.loads(p.stdout)
    jsonschema.validate(doc, summarize_schema)
    assert doc["documents"] == len(STATES) and doc["unreadable"][0]["kind"] == "truncated"
    doc["groups"][0]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, summarize_schema)
