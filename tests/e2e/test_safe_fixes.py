"""Every printed fix is safe to paste (issue: hardening §4). Facts are made
hostile — every path, PCI address, group, version and name carries command
substitutions, quotes, a newline and terminal escape sequences — and fed to
the doctor with --facts-from (files users attach to bug reports), and to
verify through an interpreter path. Each fix line is then run by bash in a
sandbox where every external command is only logged (PATH names an empty
directory; command_not_found_handle records the call): nothing the values
carry may run, and the text report shows no control character."""
import json
import os
import re
import subprocess

import pytest

from conftest import doctor, ongpu, REPO

ENVS = REPO / "tests" / "fixtures" / "python"
ESC = "\x1b"
# Runs `touch` in every way a shell would: $(), backticks, ;, |, &&, a new line.
PAYLOAD = ("$(touch PWNED-dollar)`touch PWNED-tick`;touch PWNED-semi|touch PWNED-pipe&&touch PWNED-and"
           "'\"\ntouch PWNED-newline\x1b[2J\x1b]0;title\x07")
# For a shell without $'...' (dash): a quote after a backslash must not end a quoted string.
DASH = "\n';touch PWNED-dash #"
BUS = re.compile(r"^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$")


def hostile(value, key=""):
    """The same value, made hostile the same way everywhere it occurs, so the
    relations between facts (a path under a directory, one PCI address in two
    places) still hold and the findings still fire."""
    if isinstance(value, dict):
        return {k: hostile(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [hostile(v, key) for v in value]
    if not isinstance(value, str):
        return value
    if value.startswith("/"):
        return "/h" + PAYLOAD.replace("/", "") + value
    if BUS.match(value):
        return value + PAYLOAD
    if key in ("group", "distribution", "name") and value:
        return value + DASH + PAYLOAD
    return value


def in_sandbox(line, tmp_path):
    """Runs one fix line with bash, and with /bin/sh (dash on Debian, which
    has no $'...'); returns the external commands it tried."""
    box = tmp_path / "box"
    stubs = tmp_path / "stubs"
    box.mkdir(exist_ok=True)
    stubs.mkdir(exist_ok=True)
    log = tmp_path / "commands.log"
    log.write_text("")
    touch = stubs / "touch"  # the payload's command: logged, never run
    touch.write_text(f"#!/bin/sh\necho touch >> '{log}'\n")
    touch.chmod(0o755)
    prelude = 'command_not_found_handle() { printf "%s\\n" "$1" >> "$ONGPU_LOG"; return 127; }\n'
    env = {"PATH": str(stubs), "HOME": str(box), "ONGPU_LOG": str(log), "USER": "user"}
    subprocess.run(["/bin/bash", "-c", prelude + line], cwd=box, timeout=20, capture_output=True, env=env)
    subprocess.run(["/bin/sh", "-c", line], cwd=box, timeout=20, capture_output=True, env=env)
    pwned = sorted(p.name for p in box.iterdir() if p.name.startswith("PWNED"))
    return log.read_text().split(), pwned


def saved_facts(tmp_path, name, *args, **kw):
    path = tmp_path / f"{name}.json"
    r = doctor("--save-facts", str(path), *args, **kw)
    assert r.rc in (0, 1, 2), r.err
    doc = json.loads(path.read_text())
    bad = tmp_path / f"{name}-hostile.json"
    bad.write_text(json.dumps(hostile(doc)))
    return bad


SOURCES = {
    # A GPU bound to vfio-pci: "echo <PCI address> | sudo tee …/unbind".
    "vfio": dict(root="vfio"),
    # Device nodes of a group: "sudo usermod -aG <group> $USER".
    "nodes": dict(root="nodes-inaccessible", scenario="healthy-8gpu.conf"),
    # The CUDA stub on LD_LIBRARY_PATH: "export LD_LIBRARY_PATH=<the rest>   # drops <entry>".
    "stub": dict(root="healthy-1gpu", scenario="cuda-init-stub.conf"),
    # Every other fixture root and fake-driver scenario, for the templates they reach.
    **{f"root-{r}": dict(root=r, scenario="healthy.conf")
       for r in ("container-no-uvm", "gpu-no-driver", "healthy-8gpu", "no-gpu", "nodes-missing", "nouveau",
                 "secure-boot-blocked", "version-mismatch", "wsl2")},
    **{f"scenario-{c}": dict(root="healthy-8gpu", scenario=f"{c}.conf")
       for c in ("exclusive-busy", "mig-no-instance", "pending-retirement", "remap-pending", "prohibited",
                 "context-fails", "crash-cuda", "nvml-init-no-permission", "cuda-init-system-driver-mismatch")},
    "cvd": dict(root="healthy-8gpu", scenario="healthy-8gpu.conf", env={"CUDA_VISIBLE_DEVICES": "1,GPU-nope,0"}),
    # Frameworks: pip commands with the interpreter, names and versions.
    "frameworks": dict(root="healthy-1gpu", scenario="healthy.conf",
                       args=("--python", str(ENVS / "tf-aarch64-wheel" / "bin" / "python"),
                             "--python", str(ENVS / "tf-221-without-wheels" / "bin" / "python"),
                             "--python", str(ENVS / "jax-skew" / "bin" / "python"),
                             "--python", str(ENVS / "torch-cpu" / "bin" / "python"))),
}


CARRIERS = ("vfio", "nodes", "stub", "frameworks")


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_fixes_from_hostile_saved_facts_run_nothing_but_themselves(tmp_path, name):
    src = dict(SOURCES[name])
    args = src.pop("args", ())
    facts = saved_facts(tmp_path, name, *args, **src)
    r = ongpu("doctor", "--json", "--facts-from", str(facts))
    assert r.rc in (0, 1, 2), r.err
    doc = r.json()
    fixes = [fix for f in doc["findings"] for fix in f.get("fix", [])]
    if name in CARRIERS:  # these reach templates that carry values from the facts
        assert any("PWNED" in f for f in fixes), f"no fix carries a hostile value: {fixes}"
    for fix in fixes:
        assert not any(ord(c) < 0x20 or c == "\x7f" for c in fix), f"a control byte in {fix!r}"
        called, pwned = in_sandbox(fix, tmp_path)
        assert pwned == [] and "touch" not in called, f"pasting {fix!r} ran {called} and made {pwned}"
    text = ongpu("doctor", "--facts-from", str(facts), env={"NO_COLOR": "1"})
    assert ESC not in text.out and "\x07" not in text.out
    assert not any(line.lstrip().startswith("touch PWNED") for line in text.out.splitlines())


def test_a_quoted_value_means_exactly_its_bytes(tmp_path):
    # The $'...' form for control bytes round-trips through bash.
    facts = saved_facts(tmp_path, "vfio", root="vfio")
    doc = ongpu("doctor", "--json", "--facts-from", str(facts)).json()
    fix = next(f for x in doc["findings"] for f in x.get("fix", []) if f.startswith("echo "))
    word = fix[len("echo "):fix.index(" | sudo tee")]
    out = subprocess.run(["/bin/bash", "-c", f"printf %s {word}"], capture_output=True, text=True,
                         env={"PATH": "/nonexistent"}).stdout
    # Saved facts lose their control bytes other than newline and tab when read
    # (ESC and BEL become "?"); the newline is kept, and quoted as \x0a.
    assert BUS.match(out[:12]) and out[12:] == PAYLOAD.replace(ESC, "?").replace("\x07", "?"), repr(out)
    assert "\\x0a" in word and "\n" not in word


def test_verify_quotes_the_interpreter_path_it_prints(tmp_path):
    weird = tmp_path / ("v" + PAYLOAD.replace("/", ""))
    (weird / "bin").mkdir(parents=True)
    (weird / "bin" / "python").symlink_to("/usr/bin/python3")
    r = ongpu("verify", "--python", str(weird / "bin" / "python"), "--framework", "torch", "--json",
              env={"PYTHONPATH": str(tmp_path / "nothing-here")}, timeout=120)
    doc = r.json()
    fixes = [fix for fw in doc["frameworks"] for f in fw["findings"] for fix in f.get("fix", [])]
    assert any("PWNED" in f for f in fixes), fixes
    for fix in fixes:
        called, pwned = in_sandbox(fix, tmp_path)
        assert pwned == [] and "touch" not in called, f"pasting {fix!r} ran {called} and made {pwned}"
    text = ongpu("verify", "--python", str(weird / "bin" / "python"), "--framework", "torch",
                 env={"PYTHONPATH": str(tmp_path / "nothing-here"), "NO_COLOR": "1"}, timeout=120)
    assert ESC not in text.out and "\x07" not in text.out
