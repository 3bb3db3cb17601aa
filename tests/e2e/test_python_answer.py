"""What an interpreter says about itself, asked two ways: the doctor starting
it (`python -I -S -c <python/ongpu/_query.py>`) and the interpreter answering
in process (`ongpu doctor --python-answer`, as the Python API does). The
oracle for the site directories is the real interpreter itself: what its
importlib.metadata finds is what the doctor must list."""
import json
import os
import pathlib
import pty
import subprocess

import pytest

from conftest import BUILD, REPO, doctor, ongpu

SYSTEM_PYTHON = pathlib.Path("/usr/bin/python3")
pytestmark = pytest.mark.skipif(not SYSTEM_PYTHON.exists(), reason="needs /usr/bin/python3")


def in_process_answer(python, env=None):
    """The answer as ongpu.check() computes it, in a normally started `python`."""
    code = ("import sys; sys.path.insert(0, %r); from ongpu._query import answer; "
            "a = answer(in_process=True); sys.stdout.write('NONE' if a is None else a)" % str(REPO / "python"))
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True,
                          env=env).stdout


def user_site_env(tmp_path):
    """A HOME whose user site holds one distribution, usersitepkg 1.0."""
    home = tmp_path / "home"
    ver = subprocess.run([str(SYSTEM_PYTHON), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                         capture_output=True, text=True, check=True).stdout.strip()
    dist = home / ".local" / "lib" / f"python{ver}" / "site-packages" / "usersitepkg-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: usersitepkg\nVersion: 1.0\n\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONNOUSERSITE", "PYTHONUSERBASE", "PYTHONPATH")}
    env["HOME"] = str(home)
    return env


def real_finds(python, env):
    code = ("import importlib.metadata as m\ntry:\n    print(m.version('usersitepkg'))\n"
            "except m.PackageNotFoundError:\n    print('absent')\n")
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True,
                          env=env).stdout.strip() == "1.0"


def environment(python, env, *extra):
    r = doctor("--python", str(python), "--python-only", *extra, env=env)
    assert r.rc in (0, 1, 2), r.err
    envs = r.json()["facts"]["python"]["environments"]
    assert len(envs) == 1
    return envs[0]


def make_venv(tmp_path, name, *flags):
    d = tmp_path / name
    subprocess.run([str(SYSTEM_PYTHON), "-m", "venv", "--without-pip", *flags, str(d)], check=True)
    return d / "bin" / "python"


CASES = {
    "system": lambda tmp: SYSTEM_PYTHON,
    "venv": lambda tmp: make_venv(tmp, "venv"),
    "venv-with-system-site": lambda tmp: make_venv(tmp, "venv-sys", "--system-site-packages"),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("no_user_site", [False, True], ids=["user-site", "PYTHONNOUSERSITE"])
def test_the_site_directories_are_those_the_interpreter_imports_from(case, no_user_site, tmp_path):
    python = CASES[case](tmp_path)
    env = user_site_env(tmp_path)
    if no_user_site:
        env["PYTHONNOUSERSITE"] = "1"
    # The oracle: does the real interpreter, started as a user starts it, find
    # the distribution in the user site?
    expected = real_finds(python, env)
    assert expected == (case != "venv" and not no_user_site)  # the oracle itself is sane
    asked = environment(python, env)
    names = {d["name"] for d in asked["distributions"]}
    assert ("usersitepkg" in names) == expected, asked["site_packages"]
    # In the interpreter's own import order: the first directory that holds
    # a library is the one the framework loads it from.
    real_path = json.loads(subprocess.run([str(python), "-c", "import json, sys; print(json.dumps(sys.path))"],
                                          capture_output=True, text=True, check=True, env=env).stdout)
    assert [p for p in real_path if p in asked["site_packages"]] == asked["site_packages"], real_path
    # Answered in process: the same environment, no child started.
    answer = tmp_path / "answer.txt"
    answer.write_text(in_process_answer(python, env))
    answered = environment(python, env, "--python-answer", str(answer))
    assert answered["probe"]["status"] == "ok"
    assert answered["probe"]["duration_ms"] == 0 and asked["probe"]["duration_ms"] > 0
    for key in ("executable", "version", "implementation", "prefix", "base_prefix", "site_packages",
                "distributions"):
        assert answered[key] == asked[key], key


def test_the_answer_on_standard_input(tmp_path):
    text = in_process_answer(SYSTEM_PYTHON)
    e = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    e["PATH"] = "/usr/bin:/bin"
    p = subprocess.run([str(BUILD / "ongpu"), "doctor", "--json", "--python", str(SYSTEM_PYTHON), "--python-only",
                        "--python-answer", "-"], input=text, capture_output=True, text=True, env=e, timeout=60)
    assert p.returncode in (0, 1, 2), p.stderr
    env = json.loads(p.stdout)["facts"]["python"]["environments"][0]
    assert env["probe"]["duration_ms"] == 0
    assert env["site_packages"] == [line[5:] for line in text.splitlines() if line.startswith("site=")]


def test_an_interpreter_started_without_site_leaves_the_answer_to_a_child(tmp_path):
    # -S: a venv's sys.prefix is then not the venv's, so the in-process answer
    # would differ from the query's: there is none, and the API asks a child.
    python = make_venv(tmp_path, "venv")
    code = ("import sys; sys.path.insert(0, %r); from ongpu._query import answer; "
            "print(answer(in_process=True) is None)" % str(REPO / "python"))
    assert subprocess.run([str(python), "-S", "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "True"
    assert in_process_answer(python) != "NONE"


def test_an_answered_interpreter_beside_ones_that_are_asked(tmp_path):
    # Without --python-only, python3 on PATH is asked in a child as before;
    # the one named by --python is answered.
    python = make_venv(tmp_path, "venv")
    answer = tmp_path / "answer.txt"
    answer.write_text(in_process_answer(python))
    r = doctor("--python", str(python), "--python-answer", str(answer), env={"PATH": "/usr/bin:/bin"})
    envs = {e["interpreter"]: e for e in r.json()["facts"]["python"]["environments"]}
    assert set(envs) == {str(python), "/usr/bin/python3"}
    assert envs[str(python)]["probe"]["duration_ms"] == 0
    assert envs[str(python)]["site_packages"] == [str(python.parent.parent / "lib" / f"python{v}" / "site-packages")
                                                  for v in [envs[str(python)]["version"].rsplit(".", 1)[0]]]
    assert envs["/usr/bin/python3"]["probe"]["status"] == "ok"
    assert envs["/usr/bin/python3"]["probe"]["duration_ms"] > 0
    assert envs["/usr/bin/python3"]["prefix"] == "/usr"


def test_standard_input_a_terminal_is_refused():
    main, sub = pty.openpty()
    try:
        p = subprocess.run([str(BUILD / "ongpu"), "doctor", "--python", str(SYSTEM_PYTHON), "--python-answer", "-"],
                           stdin=sub, capture_output=True, text=True, timeout=30)
    finally:
        os.close(main)
        os.close(sub)
    assert p.returncode == 64
    assert "standard input is a terminal" in p.stderr


def test_a_garbled_answer_is_an_unchecked_environment(tmp_path):
    answer = tmp_path / "answer.txt"
    answer.write_text("not an answer\n")
    r = doctor("--python", str(SYSTEM_PYTHON), "--python-only", "--python-answer", str(answer))
    env = r.json()["facts"]["python"]["environments"][0]
    assert env["probe"]["status"] == "garbage"
    assert "framework.environment_unchecked" in r.ids()


@pytest.mark.parametrize("args,message", [
    (["--python-answer", "/nonexistent/answer"], "requires --python"),
    (["--python", "/usr/bin/python3", "--python", "/bin/false", "--python-answer", "/dev/null"],
     "needs exactly one --python (got 2)"),
    (["--python", "/usr/bin/python3", "--python-answer", "/nonexistent/answer"],
     "cannot read --python-answer /nonexistent/answer"),
    (["--python", "/usr/bin/python3", "--python-answer", "/dev/zero"], "is larger than 1 MiB"),
])
def test_a_bad_python_answer_is_a_usage_error(args, message):
    r = ongpu("doctor", *args, timeout=30)
    assert r.rc == 64
    assert message in r.err
    assert r.out == ""
