"""The command line contract: commands, help, version, usage errors."""
import re
import sys

from conftest import ongpu


def test_version():
    r = ongpu("--version")
    assert r.rc == 0
    assert re.fullmatch(r"ongpu \d+\.\d+\.\d+\n", r.out)


def test_help_lists_commands_and_exit_codes():
    r = ongpu("help")
    assert r.rc == 0
    for word in ("doctor", "visible", "Exit codes", "64"):
        assert word in r.out
    assert "__probe" not in r.out


def test_no_arguments_is_a_usage_error():
    r = ongpu()
    assert r.rc == 64
    assert "Usage" in r.err


def test_misspelt_command_suggests_the_right_one():
    r = ongpu("doctr")
    assert r.rc == 64
    assert "Did you mean 'doctor'?" in r.err
    r = ongpu("visibel")
    assert "Did you mean 'visible'?" in r.err


def test_unknown_command_without_a_near_match():
    r = ongpu("frobnicate")
    assert r.rc == 64
    assert "Did you mean" not in r.err


def test_bad_options_exit_64():
    assert ongpu("doctor", "--no-such-flag").rc == 64
    assert ongpu("doctor", "--timeout", "soon").rc == 64
    assert ongpu("doctor", "--timeout", "0").rc == 64
    assert ongpu("doctor", "--root", "/nonexistent/dir").rc == 64


def test_doctor_help_documents_exit_codes():
    r = ongpu("doctor", "--help")
    assert r.rc == 0
    assert "--json" in r.out and "--timeout" in r.out and "Exit codes" in r.out


def test_probe_command_rejects_unknown_probe():
    assert ongpu("__probe", "nonsense").rc == 64


def _run_on_a_terminal(args, env_extra):
    import os
    import pty
    import subprocess
    from conftest import BUILD
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "LD_LIBRARY_PATH")}
    env.update(env_extra)
    env["TERM"] = "xterm"
    main, sub = pty.openpty()
    p = subprocess.Popen([str(BUILD / "ongpu"), *args], stdin=subprocess.DEVNULL, stdout=sub, stderr=subprocess.DEVNULL, env=env)
    os.close(sub)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    p.wait(timeout=30)
    os.close(main)
    return b"".join(chunks).decode("utf-8", "replace")


def test_colour_only_on_a_terminal_and_never_with_no_color():
    assert "\x1b[" in _run_on_a_terminal(["doctor"], {})
    assert "\x1b[" not in _run_on_a_terminal(["doctor"], {"NO_COLOR": "1"})
    assert "\x1b[" not in ongpu("doctor").out


def test_an_ignored_sigchld_does_not_hang_the_doctor():
    # A parent that ignores SIGCHLD passes that on through exec; the kernel then
    # reaps the probes itself.
    import signal
    import subprocess
    from conftest import BUILD
    code = ("import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); "
            f"os.execv({str(BUILD / 'ongpu')!r}, ['ongpu', 'doctor', '--no-python'])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "NVIDIA GPU on the PCI bus" in r.stdout


def test_python_only_checks_the_named_interpreter_alone():
    # PATH has the system's python3, which the doctor would otherwise also check.
    named = sys.executable
    r = ongpu("doctor", "--json", "--python", named, "--python-only")
    envs = [(e["interpreter"], e["source"]) for e in r.json()["facts"]["python"]["environments"]]
    assert envs == [(named, "--python")]
    r = ongpu("doctor", "--json", "--python", named)
    assert len(r.json()["facts"]["python"]["environments"]) > 1  # the search runs without it
    r = ongpu("doctor", "--python-only")
    assert r.rc == 64 and "--python" in r.err
