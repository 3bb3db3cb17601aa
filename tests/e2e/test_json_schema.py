"""Every JSON document ongpu prints validates against its published schema
(docs/schema/), in healthy, broken and crashed states."""
import json

import jsonschema
import pytest

from conftest import REPO, FIXTURES, doctor, ongpu

DOCTOR = json.loads((REPO / "docs/schema/doctor-1.schema.json").read_text())
VISIBLE = json.loads((REPO / "docs/schema/visible-1.schema.json").read_text())

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
