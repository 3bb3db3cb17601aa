"""End-to-end tests of `ongpu report` (src/cli/report.cc, src/render/report_md*.cc,
src/render/redact.cc): one markdown document for an issue or a ticket.

The document is parsed as GitHub would (markdown-it-py, CommonMark with GFM
tables; it comes into the test environment with TensorFlow's keras → rich),
and its content is checked against the inputs: the fake driver's scenario
files, the fixture roots, and the doctor's own JSON on the same machine.
"""
import json
import os
import pathlib
import re
import socket
import subprocess

import pytest
from markdown_it import MarkdownIt

from conftest import FAKE_LIB, FIXTURES, REPO, SCENARIOS, doctor, ongpu
from test_real_frameworks import PYTHON, have
from test_this_machine import HAS_NVIDIA_GPU

MD = MarkdownIt("commonmark", {"html": True}).enable("table")
ZWSP = "\u200b"
FAKE_UUID = "GPU-00000000-1111-2222-3333-444444444444"
# The variables the doctor collects (src/facts/environment.cc).
DOCTOR_VARIABLES = ("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER", "NVIDIA_VISIBLE_DEVICES", "LD_LIBRARY_PATH",
                    "LD_PRELOAD", "JAX_PLATFORMS", "TF_CPP_MIN_LOG_LEVEL", "CUDA_INJECTION64_PATH",
                    "CUDA_ENABLE_COREDUMP_ON_EXCEPTION", "CUDA_COREDUMP_FILE", "CUDA_DEVICE_WAITS_ON_EXCEPTION",
                    "CUDA_LAUNCH_BLOCKING", "CUDA_DISABLE_PTX_JIT", "CUDA_FORCE_PTX_JIT", "NSIGHT_CUDA_DEBUGGER",
                    "CUDA_PROFILE", "COMPUTE_PROFILE")
NAMES = {"tensorflow": "TensorFlow", "torch": "PyTorch", "jax": "JAX", "cupy": "CuPy", "onnxruntime": "ONNX Runtime"}


# ---------------------------------------------------------------- parsing

def inline_text(token):
    """The plain text of an inline token: its text and code, as a reader sees them."""
    out = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return "".join(out).replace(ZWSP, "")


def raw_cells(line):
    """The cells of a raw table row: split at each '|' that no backslash escapes (GFM)."""
    inner = line.strip()[1:-1]
    return len(re.findall(r"(?<!\\)\|", inner)) + 1


class Doc:
    """A rendered report: its tokens, tables (lists of rows of cell texts), code blocks."""

    def __init__(self, text):
        self.text = text
        self.tokens = MD.parse(text)
        self.tables, self.blocks, self.html, self.bullets = [], [], [], []
        table = row = None
        for i, t in enumerate(self.tokens):
            if t.type == "table_open":
                table = []
            elif t.type == "table_close":
                self.tables.append(table)
                table = None
            elif t.type == "tr_open":
                row = []
            elif t.type == "tr_close":
                table.append(row)
            elif t.type == "inline" and row is not None and self.tokens[i - 1].type in ("th_open", "td_open"):
                row.append(inline_text(t))
            elif t.type == "fence":
                self.blocks.append((t.info.strip(), t.content.splitlines()))
            elif t.type in ("html_block", "html_inline"):
                self.html.append((t.type, t.content))
            elif t.type == "inline" and self.tokens[i - 2].type == "list_item_open":
                self.bullets.append(inline_text(t))

    def table(self, *header):
        """The one table whose header starts with these cells."""
        found = [t for t in self.tables if t and t[0][:len(header)] == list(header)]
        assert len(found) == 1, (header, [t[0] for t in self.tables])
        return found[0]

    def plain(self):
        """Every inline text of the document, one per line."""
        return "\n".join(inline_text(t) for t in self.tokens if t.type == "inline")


def check_structure(text):
    """What GitHub needs to render it as meant; returns the parsed document."""
    doc = Doc(text)
    lines = text.splitlines()
    # <details> balanced; a blank line after <summary> and before </details>.
    assert lines.count("<details>") == lines.count("</details>")
    for i, line in enumerate(lines):
        if line == "<details>":
            assert re.fullmatch(r"<summary>[^<>]*</summary>", lines[i + 1]), lines[i + 1]
            assert lines[i + 2] == "", f"no blank line after {lines[i + 1]}"
        if line == "</details>":
            assert lines[i - 1] == "", f"no blank line before </details> (line {i})"
    # The only HTML is ours, in blocks of its own: never inline, never from a value.
    for kind, content in doc.html:
        assert kind == "html_block", content
        for part in content.strip().splitlines():
            assert re.fullmatch(r"</?details>|<summary>[^<>]*</summary>", part), part
    assert not any(t.type == "link_open" for t in doc.tokens)
    # Every table row has as many cells as its header, in the raw text too
    # (a renderer pads or cuts a bad row silently).
    i = 0
    while i < len(lines):
        if not lines[i].startswith("|"):
            i += 1
            continue
        header = raw_cells(lines[i])
        j = i
        while j < len(lines) and lines[j].startswith("|"):
            assert lines[j].rstrip().endswith("|"), lines[j]
            assert raw_cells(lines[j]) == header, lines[j]
            j += 1
        i = j
    for table in doc.tables:
        assert all(len(row) == len(table[0]) for row in table), table
    # Every fence closed: markdown-it would run a lone one to the end.
    assert sum(1 for line in lines if line.lstrip().startswith("```")) % 2 == 0
    return doc


def scenario_values(name):
    """key = value lines of a fake driver scenario, over healthy.conf's defaults."""
    values = {}
    for path in (SCENARIOS / "healthy.conf", SCENARIOS / name):
        for line in path.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                k, v = line.split("=", 1)
                values[k.strip()] = v.strip()
    return values


def report(*args, **kw):
    return ongpu("report", *args, **kw)


# ---------------------------------------------------------------- the command

def test_help_lists_report_and_its_options():
    r = ongpu("help")
    assert r.rc == 0 and re.search(r"^  report +one markdown document", r.out, re.M), r.out
    r = report("--help")
    assert r.rc == 0
    for option in ("--verify", "--redact", "-o,--output", "--python", "--python-only", "--no-python",
                   "--root", "--facts-from", "--timeout", "--knowledge", "Exit codes"):
        assert option in r.out, option
    # Markdown is the output: the doctor's --json is no option of it.
    assert "--json" not in r.out
    assert report("--json").rc == 64


@pytest.mark.parametrize("scenario,root", [
    ("healthy.conf", "healthy-1gpu"),
    ("cuda-init-system-driver-mismatch.conf", "healthy-1gpu"),
    ("nvml-init-version-mismatch.conf", "version-mismatch"),
    ("exclusive-busy.conf", "healthy-1gpu"),
    (None, "no-gpu"),
    (None, "nouveau"),
    (None, "container-no-uvm"),
])
def test_the_report_says_what_the_doctor_says(scenario, root):
    args = ["--no-python", "--root", str(FIXTURES / root)]
    d = doctor(*args, scenario=scenario)
    expected = d.json()
    r = report(*args, scenario=scenario)
    assert r.rc == d.rc == expected["verdict"]["exit_code"], r.err
    doc = check_structure(r.out)
    plain = doc.plain()
    # The headline words of each verdict status (docs/report.md).
    status = expected["verdict"]["status"]
    headline = {"ok": ["GPU usable"], "warnings": ["GPU usable, with warnings"],
                "not_usable": ["GPU not usable", "no framework can use the GPU"],
                "unchecked": ["could not be checked"]}[status]
    assert doc.tokens[0].tag == "h2" and inline_text(doc.tokens[1]) in [f"ongpu report: {h}" for h in headline]
    assert expected["verdict"]["summary"] in plain
    assert f"Exit code {d.rc}." in plain
    # The chain: one row per link, its state and headline.
    chain = doc.table("", "link")
    assert [row[1] for row in chain[1:]] == [link["title"] for link in expected["links"]]
    for row, link in zip(chain[1:], expected["links"]):
        assert row[0].split()[-1] == link["status"], (row, link["status"])
        assert row[2].startswith(link["headline"]), (row[2], link["headline"])
    # The root cause, with each line of its fix as a command to paste or a step.
    cause = expected["verdict"]["root_cause"]
    if cause:
        finding = next(f for f in expected["findings"] if f["id"] == cause)
        assert re.search(rf"Root cause \([^)]*\): .*{re.escape(finding['summary'])} {re.escape(cause)}", plain), plain
        commands = [line for info, lines in doc.blocks if info == "sh" for line in lines]
        for fix in finding["fix"]:
            assert fix in commands or fix in doc.bullets, (fix, commands, doc.bullets)
    else:
        assert "Root cause" not in plain
    # The machine in one table, from the scenario.
    machine = doc.table("ongpu")
    row = dict(zip(machine[0], machine[1]))
    assert row["ongpu"] == ongpu("--version").out.split()[1]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", row["date"])
    if scenario:
        values = scenario_values(scenario)
        if expected["facts"]["nvml"]["driver_version"]:
            assert row["driver"] == values["driver_version"]
            assert row["GPUs"] == f"1 × {values['gpu.0.name']}"
    else:
        assert row["GPUs"] in ("none", f"{len(expected['facts']['pci']['nvidia_devices'] or [])} on the PCI bus")
    # The environment variables: only those the doctor reads, never the whole environment.
    assert "<summary>Environment variables</summary>" in r.out
    for t in doc.tables:
        if t[0] == ["variable", "value"]:
            assert {row[0] for row in t[1:]} <= set(DOCTOR_VARIABLES), t


def test_top_of_the_report_fits_on_a_screen():
    r = report("--no-python", "--root", str(FIXTURES / "healthy-1gpu"),
               scenario="cuda-init-system-driver-mismatch.conf")
    top = r.out.split("### Chain")[0]
    assert 0 < len(top.splitlines()) <= 30, top


def test_every_interpreter_and_framework_with_real_tensorflow():
    """The test environment's real TensorFlow, JAX and ONNX Runtime: on this CPU
    machine, each on the CPU for the doctor's reason."""
    if not have("tensorflow"):
        pytest.fail("tensorflow is missing from the test environment")
    args = ["--python", PYTHON, "--python-only"]
    expected = doctor(*args, env={"LD_LIBRARY_PATH": ""}, timeout=120).json()
    r = report(*args, env={"LD_LIBRARY_PATH": ""}, timeout=120)
    assert r.rc == expected["verdict"]["exit_code"], r.err
    doc = check_structure(r.out)
    rows = doc.table("", "framework")[1:]
    assert len(rows) == len(expected["frameworks"]) >= 3
    for fw in expected["frameworks"]:
        row = next(r for r in rows if r[1].startswith(f"{NAMES[fw['framework']]} {fw['version']}"))
        assert row[3] == f"{PYTHON} (Python {fw['python_version']})"
        assert row[4] == {"gpu": "GPU", "cpu": "CPU", "unknown": "unknown"}[fw["device"]]
        if fw["device"] != "gpu":
            assert row[5] == f"{fw['summary']} {fw['root_cause']}", row
    tf = next(fw for fw in expected["frameworks"] if fw["framework"] == "tensorflow")
    if not HAS_NVIDIA_GPU:
        assert tf["device"] == "cpu" and tf["root_cause"] == "pci.no_nvidia_device"
    # Its CUDA libraries, as the doctor resolved them.
    assert "<summary>CUDA libraries per framework</summary>" in r.out
    tf_facts = next(f for e in expected["facts"]["python"]["environments"] for f in e["frameworks"]
                    if f["framework"] == "tensorflow")
    libraries = [t for t in doc.tables if t[0][:2] == ["library", "needed"]]
    listed = {row[0] for t in libraries for row in t[1:]}
    assert tf_facts["libraries"] and {lib["soname"] for lib in tf_facts["libraries"]} <= listed


# ---------------------------------------------------------------- output file

def test_output_file_holds_the_report_and_stdout_is_empty(tmp_path):
    out = tmp_path / "report.md"
    args = ["--no-python", "--root", str(FIXTURES / "healthy-1gpu")]
    r = report(*args, "-o", str(out), scenario="healthy.conf")
    assert r.rc == 0, r.err
    assert r.out == "" and r.err == ""
    text = out.read_text()
    check_structure(text)
    stdout = report(*args, scenario="healthy.conf").out
    def strip_dates(s):  # and the probes' measured times
        return re.sub(r"\d+(\.\d+)? ms", "N ms", re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "DATE", s))
    assert strip_dates(text) == strip_dates(stdout)
    # An existing file is replaced, not appended to.
    out.write_text("x" * 100000)
    assert report(*args, "-o", str(out), scenario="healthy.conf").rc == 0
    assert strip_dates(out.read_text()) == strip_dates(stdout)
    # "-" is standard output.
    assert strip_dates(report(*args, "-o", "-", scenario="healthy.conf").out) == strip_dates(stdout)


@pytest.mark.parametrize("target", ["missing-dir/report.md", "a-directory"])
def test_an_unwritable_output_file_is_a_clear_error_exit_70(tmp_path, target):
    (tmp_path / "a-directory").mkdir()
    path = tmp_path / target
    r = report("--no-python", "--root", str(FIXTURES / "healthy-1gpu"), "-o", str(path), scenario="healthy.conf")
    assert r.rc == 70
    assert r.out == ""
    assert r.err.startswith(f"ongpu report: cannot write {path}: "), r.err
    assert ("No such file or directory" in r.err) if target.startswith("missing") else ("Is a directory" in r.err)


def test_an_output_file_behind_a_symlink_or_of_another_user_is_refused(tmp_path):
    """In a shared /tmp another user could make the file to read the report,
    or a link to have another file overwritten."""
    target = tmp_path / "target"
    target.write_text("keep me")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    r = report("--no-python", "-o", str(link), scenario="healthy.conf")
    assert r.rc == 70 and r.out == ""
    assert r.err == f"ongpu report: cannot write {link}: it is a symbolic link\n"
    assert target.read_text() == "keep me"
    if os.geteuid() == 0:
        theirs = tmp_path / "theirs.md"
        theirs.write_text("theirs")
        os.chown(theirs, 65534, 65534)
        r = report("--no-python", "-o", str(theirs), scenario="healthy.conf")
        assert r.rc == 70
        assert "it belongs to another user" in r.err
        assert theirs.read_text() == "theirs"
    mine = tmp_path / "mine.md"
    mine.write_text("old")
    assert report("--no-python", "-o", str(mine), scenario="healthy.conf").rc in (0, 1, 2)
    assert mine.read_text().startswith("## ongpu report")


def test_a_report_that_is_not_written_leaves_no_file(tmp_path):
    out = tmp_path / "new.md"
    r = report("--facts-from", str(tmp_path / "no-such-facts.json"), "-o", str(out))
    assert r.rc == 64 and "cannot read" in r.err
    assert not out.exists()
    # A usage error is found before the file is touched.
    out.write_text("keep me")
    assert report("--no-such-option", "-o", str(out)).rc == 64
    assert out.read_text() == "keep me"


def test_verify_and_facts_from_exclude_each_other(tmp_path):
    facts = tmp_path / "facts.json"
    assert doctor("--no-python", "--save-facts", str(facts)).rc in (0, 1, 2)
    r = report("--facts-from", str(facts), "--verify")
    assert r.rc == 64 and "excludes" in r.err


def test_saved_facts_are_reported_as_judged_here(tmp_path):
    facts = tmp_path / "facts.json"
    d = doctor("--no-python", "--root", str(FIXTURES / "healthy-1gpu"), "--save-facts", str(facts),
               scenario="cuda-init-system-driver-mismatch.conf")
    r = report("--facts-from", str(facts))
    assert r.rc == d.rc
    check_structure(r.out)
    assert d.json()["verdict"]["root_cause"] in r.out


# ---------------------------------------------------------------- --redact

def real_run_env(home):
    """This machine's own environment, with the fake GPU: its UUID, the host
    name and $HOME (the test environment's interpreter lives under it) appear
    in the report unless redacted."""
    return {"HOME": home, "CUDA_VISIBLE_DEVICES": FAKE_UUID,
            "LD_LIBRARY_PATH": f"{FAKE_LIB}:{home}/cuda/lib64"}


def test_redact_on_a_real_run_leaves_no_name():
    home = os.environ.get("HOME", "/root")
    if not PYTHON.startswith(home + "/"):
        pytest.fail(f"the test environment's interpreter {PYTHON} is not under $HOME {home}")
    args = ["--python", PYTHON, "--python-only"]
    env = real_run_env(home)
    host = socket.gethostname()
    plain = report(*args, env=env, scenario="healthy.conf", timeout=120)
    # Unredacted, they are there: what the redacted run must hide.
    for original in (f"`{host}`", home + "/", FAKE_UUID):
        assert original in plain.out, original
    r = report(*args, "--redact", env=env, scenario="healthy.conf", timeout=120)
    assert r.rc == plain.rc, r.err
    check_structure(r.out)
    for original in (home + "/", FAKE_UUID, FAKE_UUID[4:]):
        assert original not in r.out, f"{original!r} is left in the redacted report"
    # The host name as a name of its own (it may be a short one, inside longer words).
    assert not re.search(rf"(?<![A-Za-z0-9_-]){re.escape(host)}(?![A-Za-z0-9_-])", r.out), host
    # What stands in their place.
    assert "GPU-<uuid-1>" in r.out and "`<host>`" in r.out
    assert "~/" + os.path.relpath(PYTHON, home) in r.out
    assert "replaced by placeholders (`--redact`)" in r.out


def test_redact_hides_a_user_name_in_paths_messages_and_variables(tmp_path):
    """A made-up user whose name and home appear in an interpreter path, a
    library path, an environment variable and an interpreter's error."""
    home = tmp_path / "home" / "zelda-q"
    (home / "bin").mkdir(parents=True)
    broken = home / "bin" / "python3"
    broken.write_text("#!/bin/sh\necho \"zelda-q cannot run $0 on $(uname -n)\" >&2\nexit 3\n")
    broken.chmod(0o755)
    env = {"HOME": str(home), "USER": "zelda-q", "LD_LIBRARY_PATH": f"{FAKE_LIB}:/home/zelda-q/lib",
           "CUDA_INJECTION64_PATH": f"{home}/inject.so"}
    args = ["--python", str(broken), "--python-only", "--root", str(FIXTURES / "healthy-1gpu")]
    plain = report(*args, env=env, scenario="healthy.conf")
    assert "zelda-q" in plain.out and str(home) in plain.out
    r = report(*args, "--redact", env=env, scenario="healthy.conf")
    check_structure(r.out)
    assert "zelda-q" not in r.out, r.out
    assert str(home) not in r.out
    assert "~/bin/python3" in r.out
    assert "/home/&lt;user&gt;/lib" in r.out or "/home/<user>/lib" in r.out
    # Not redacted: the rest, so the report still says what is wrong.
    assert "CUDA_INJECTION64_PATH" in r.out and "~/inject.so" in r.out


# ---------------------------------------------------------------- --verify

def test_verify_adds_the_live_proof_of_each_framework():
    if not have("tensorflow"):
        pytest.fail("tensorflow is missing from the test environment")
    args = ["--python", PYTHON, "--python-only"]
    expected = doctor(*args, env={"LD_LIBRARY_PATH": ""}, timeout=120).json()
    r = report(*args, "--verify", env={"LD_LIBRARY_PATH": ""}, timeout=600)
    doc = check_structure(r.out)
    assert "<summary>Live proof (ongpu verify)</summary>" in r.out
    assert re.search(r"^Live proof \(`ongpu verify`\): [✓!✗] ", r.out, re.M), r.out
    live = doc.table("framework", "interpreter", "result")
    assert live[0] == ["framework", "interpreter", "result", "why"]
    checked = {row[0].split()[0] for row in live[1:]}
    assert checked == {fw["framework"] for fw in expected["frameworks"]}
    for row in live[1:]:
        assert row[1] == PYTHON
        if not HAS_NVIDIA_GPU:
            # No GPU here: each computed on the CPU, for the doctor's reason.
            assert row[2] == "✗ CPU", row
            assert expected["verdict"]["root_cause"] in row[3], row
    if not HAS_NVIDIA_GPU:
        assert r.rc == 2
    # Without --verify there is no live proof.
    assert "Live proof" not in report(*args, env={"LD_LIBRARY_PATH": ""}, timeout=120).out


def test_verify_with_no_framework_to_check_keeps_the_doctors_verdict():
    args = ["--no-python", "--root", str(FIXTURES / "healthy-1gpu")]
    r = report(*args, "--verify", scenario="healthy.conf")
    assert r.rc == doctor(*args, scenario="healthy.conf").rc == 0, r.err
    check_structure(r.out)
    assert r.out.startswith("## ongpu report: GPU usable\n")
    assert "Live proof (`ongpu verify`): ✗ no Python interpreter was found" in r.out
