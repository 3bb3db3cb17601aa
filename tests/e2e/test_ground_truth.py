"""The ground-truth suite (issue: the doctor's prediction must equal what the
real frameworks do). For every scenario of tests/ground_truth/ground_truth.py —
a real environment of GPU wheels from PyPI, perturbed or not — the framework
is observed under the fake driver and `ongpu doctor --json` must have
predicted exactly that: each CUDA library (found or not, which file) and the
verdict. Every LD_LIBRARY_PATH fix the doctor prints is applied and the
framework observed again. The environments come from
tools/ground-truth-envs.sh (tools/test.sh runs it)."""
import os
import platform
import shutil
import sys

import pytest

from conftest import BUILD, FAKE_LIB, REPO

sys.path.insert(0, str(REPO / "tests" / "ground_truth"))
import ground_truth as gt  # noqa: E402

_outcomes = []


@pytest.fixture(scope="module", autouse=True)
def write_table():
    yield
    if _outcomes:
        machine = f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        if not QUICK:  # the table is the full run's
            (BUILD / "ground-truth.md").write_text(gt.markdown(_outcomes, machine))


# tools/test.sh sets ONGPU_GROUND_TRUTH_QUICK for its sanitizer pass: every
# environment and named perturbation, without the removals in turn and without
# applying the fixes (the full suite ran in the release pass before it).
QUICK = os.environ.get("ONGPU_GROUND_TRUTH_QUICK") == "1"
RUN = [s for s in gt.SCENARIOS if not (QUICK and s.uninstall)]


@pytest.mark.parametrize("sc", RUN, ids=[s.key for s in RUN])
def test_prediction_equals_the_framework(sc, tmp_path, request):
    python = gt.env_python(sc.env)
    if not python.exists():
        pytest.fail(f"{python} is missing: run tools/ground-truth-envs.sh (tools/test.sh does)")
    if sc.known_gap:
        request.node.add_marker(pytest.mark.xfail(reason=sc.known_gap, strict=True))
    try:
        out = gt.run_scenario(sc, BUILD / "ongpu", FAKE_LIB, tmp_path, apply=not QUICK)
    finally:
        # A scratch copy with a pip fix applied holds gigabytes of new files:
        # pytest would keep every one until the session ends (and three
        # sessions' worth after that).
        shutil.rmtree(tmp_path, ignore_errors=True)
    _outcomes.append(out)
    assert out.disagreements == [], "\n".join(out.disagreements)
