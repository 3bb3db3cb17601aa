"""ongpu summarize: a thousand nodes' documents, made from real doctor runs
(the fake driver's scenarios and the fixture roots, each document given its
own hostname), some broken, truncated, not JSON or not the doctor's; read
from files, from standard input as JSON lines and as srun prints them, with
and without --label; and through a real Slurm cluster when this machine can
start one. Every expectation is computed from the documents generated here."""
import json
import os
import pathlib
import pty
import random
import re
import resource
import shutil
import subprocess
import tempfile
import threading

import jsonschema
import pytest

from conftest import BUILD, FAKE_LIB, FIXTURES, REPO, SCENARIOS, doctor, ongpu
from test_binary import sanitized

SCHEMA = json.loads((REPO / "docs/schema/summarize-1.schema.json").read_text())

# (name, what doctor() gets): real runs whose documents are then given hostnames.
CONFIGS = [
    ("healthy", dict(root="healthy-1gpu", scenario="healthy.conf")),
    ("healthy-8gpu", dict(root="healthy-8gpu", scenario="healthy-8gpu.conf")),
    ("driver-mismatch", dict(root="healthy-1gpu", scenario="cuda-init-system-driver-mismatch.conf")),
    ("nvml-not-loaded", dict(root="healthy-1gpu", scenario="nvml-init-driver-not-loaded.conf")),
    ("pending-retirement", dict(root="healthy-1gpu", scenario="pending-retirement.conf")),
    ("stub", dict(root="healthy-1gpu", scenario="cuda-init-stub.conf")),
    ("crash-nvml", dict(root="healthy-1gpu", scenario="crash-nvml.conf")),
    ("no-gpu", dict(root="no-gpu")),
    ("no-driver", dict(root="gpu-no-driver", env={"LD_LIBRARY_PATH": "/nonexistent"})),
    ("nouveau", dict(root="nouveau")),
    ("secure-boot", dict(root="secure-boot-blocked")),
    ("version-mismatch", dict(root="version-mismatch")),
]
WEIGHTS = {"healthy": 50, "healthy-8gpu": 15}  # the rest: 3 each
RANK = {"ok": 0, "warnings": 1, "unchecked": 2, "not_usable": 3}


def summarize(*args, stdin=b"", env=None, timeout=120):
    e = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    e["NO_COLOR"] = "1"
    e.update(env or {})
    p = subprocess.run([str(BUILD / "ongpu"), "summarize", *args], input=stdin, env=e,
                       capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


@pytest.fixture(scope="session")
def real_docs():
    """One real document per configuration, by name."""
    docs = {}
    for name, kw in CONFIGS:
        r = doctor("--no-python", **kw)
        assert r.rc in (0, 1, 2), (name, r.err)
        docs[name] = r.json()
    # This machine with its Python environments: a larger document.
    r = doctor()
    assert r.rc in (0, 1, 2), r.err
    docs["this-machine"] = r.json()
    if not sanitized:
        # Too few descriptors to start the probes: "unchecked" (exit 70).
        e = {**os.environ, "LD_LIBRARY_PATH": str(FAKE_LIB), "ONGPU_FAKE_SCENARIO": str(SCENARIOS / "healthy.conf"),
             "PATH": "/usr/bin:/bin"}
        p = subprocess.run([str(BUILD / "ongpu"), "doctor", "--json", "--no-python", "--root",
                            str(FIXTURES / "healthy-1gpu")], env=e, capture_output=True, text=True, timeout=60,
                           preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (8, 8)))
        assert p.returncode == 70, p.stderr
        docs["unchecked"] = json.loads(p.stdout)
    statuses = {d["verdict"]["status"] for d in docs.values()}
    assert {"ok", "warnings", "not_usable"} <= statuses, statuses
    return docs


def group_key(doc):
    """The group a document falls in, by the rule docs/fleet-summarize.md states."""
    v = doc["verdict"]
    if v["status"] in ("not_usable", "unchecked"):
        ids = [v["root_cause"]] if v["root_cause"] else [f["id"] for f in doc["findings"] if f["severity"] == "error"]
    elif v["status"] == "warnings":
        ids = [f["id"] for f in doc["findings"] if f["severity"] != "info"]
    else:
        ids = []
    return v["status"], tuple(dict.fromkeys(ids))


def with_host(doc, host):
    d = json.loads(json.dumps(doc))
    d["facts"]["host"]["hostname"] = host
    return d


def host_names(n, rng):
    """n names as a cluster has them: numbered series with gaps, a few others."""
    names = []
    i = 0
    while len(names) < n * 8 // 10:
        i += 1 + (rng.random() < 0.1)  # a gap now and then
        names.append(f"gpu{i:04d}")
    names += [f"dgx-a100-{j:02d}" for j in range(1, n // 10 + 1)]
    j = 0
    while len(names) < n:
        j += 1
        names.append(f"node{j}.cluster.example")
    return names


class Fleet:
    """The generated inputs and what summarize must say about them."""

    def __init__(self, docs, seed=1):
        rng = random.Random(seed)
        names = [c for c in docs if c != "unchecked"]
        weights = [WEIGHTS.get(c, 3) for c in names]
        self.entries = []  # dicts: kind, doc or text, host, expected
        hosts = host_names(880, rng)
        self.by_host = {}
        for h in hosts:
            cfg = rng.choices(names, weights)[0]
            self.entries.append({"kind": "doc", "doc": with_host(docs[cfg], h), "host": h})
            self.by_host[h] = [self.entries[-1]]
        if "unchecked" in docs:
            for h in rng.sample(hosts, 3):
                self.entries.append({"kind": "doc", "doc": with_host(docs["unchecked"], h), "host": h})
                self.by_host[h].append(self.entries[-1])
        # No hostname: named by where they were read.
        for _ in range(8):
            d = json.loads(json.dumps(docs[rng.choice(names)]))
            d["facts"]["host"]["hostname"] = None
            self.entries.append({"kind": "doc", "doc": d, "host": None})
        # The same host twice: five with the same report, and others with another.
        for h in rng.sample(hosts, 8):
            first = self.by_host[h][0]["doc"]
            other = first if len(self.by_host[h]) == 1 and rng.random() < 0.6 else docs[rng.choice(names)]
            self.entries.append({"kind": "doc", "doc": with_host(other, h), "host": h})
            self.by_host[h].append(self.entries[-1])
        # What cannot be read.
        for _ in range(40):
            h = rng.choice(hosts) + "-t"
            text = json.dumps(with_host(docs[rng.choice(names)], h))
            cut = text[: rng.randrange(10, len(text) - 10)]
            named = h if f'"hostname": "{h}"' in cut else None
            self.entries.append({"kind": "truncated", "text": cut, "host": named})
        for _ in range(24):
            text = json.dumps(with_host(docs[rng.choice(names)], rng.choice(hosts) + "-x"))
            assert '"schema_version": 1,' in text
            self.entries.append({"kind": "invalid_json", "text": text.replace('"schema_version": 1,', '"schema_version": 1', 1),
                                 "host": None})
        junk = ["slurmstepd: error: *** STEP 4242.0 ON gpu0007 CANCELLED AT 2026-12-03T03:00:00 ***",
                "Segmentation fault (core dumped)", "ongpu: command not found", "<html>502 Bad Gateway</html>"]
        for k in range(16):
            self.entries.append({"kind": "not_json", "text": junk[k % len(junk)], "host": None})
        for k in range(8):
            h = rng.choice(hosts) + "-v2"
            d = with_host(docs[rng.choice(names)], h)
            d["schema_version"] = 2
            self.entries.append({"kind": "wrong_schema", "text": json.dumps(d), "host": h})
        visible = ongpu("visible", "--json", "--root", str(FIXTURES / "healthy-8gpu"), scenario="healthy-8gpu.conf")
        assert visible.rc == 0, visible.err
        for k in range(4):
            self.entries.append({"kind": "wrong_schema", "text": json.dumps(visible.json()), "host": None})
        for k in range(4):
            self.entries.append({"kind": "wrong_schema", "text": json.dumps({"hello": "world", "k": k}), "host": None})
        assert len(self.entries) <= 1000
        while len(self.entries) < 1000:  # round up with healthy nodes of their own
            h = f"spare{len(self.entries):04d}"
            self.entries.append({"kind": "doc", "doc": with_host(docs["healthy"], h), "host": h})
            self.by_host[h] = [self.entries[-1]]
        # Lines that are not JSON are one unreadable part as long as they run,
        # and a truncated document takes the lines after it up to the next
        # one that starts with '{' (docs/fleet-summarize.md): each line of
        # junk goes between two whole documents.
        junk_entries = [e for e in self.entries if e["kind"] == "not_json"]
        rest = [e for e in self.entries if e["kind"] != "not_json"]
        rng.shuffle(rest)
        for e in junk_entries:
            spots = [k for k in range(1, len(rest)) if rest[k - 1]["kind"] not in ("truncated", "not_json")
                     and rest[k]["kind"] != "not_json"]
            rest.insert(rng.choice(spots), e)
        self.entries = rest
        assert not any(a["kind"] in ("truncated", "not_json") and b["kind"] == "not_json"
                       for a, b in zip(self.entries, self.entries[1:]))

    def text(self, e, pretty):
        if e["kind"] == "doc":
            return json.dumps(e["doc"], indent=2 if pretty else None)
        return e["text"]

    def expected(self, name_of):
        """name_of(index of an entry) -> the name summarize gives a document without a hostname."""
        nodes = {}  # name -> (rank, key, first index)
        sources = {}
        for i, e in enumerate(self.entries):
            if e["kind"] != "doc":
                continue
            name = e["host"] or name_of(i)
            key = group_key(e["doc"])
            sources.setdefault(name, []).append(key)
            # The worst report; of two as bad, the cause first in alphabetical order.
            if name not in nodes or (-RANK[key[0]], key[1]) < (-nodes[name][0], nodes[name][1][1]):
                nodes[name] = (RANK[key[0]], key)
        groups = {}
        for name, (_, key) in nodes.items():
            groups.setdefault(key, set()).add(name)
        unreadable = {}
        for e in self.entries:
            if e["kind"] != "doc":
                unreadable[e["kind"]] = unreadable.get(e["kind"], 0) + 1
        dups = {n: len(set(keys)) == 1 for n, keys in sources.items() if len(keys) > 1}
        return groups, unreadable, dups

    def documents(self):
        return sum(e["kind"] == "doc" for e in self.entries)


def expand(hostlist):
    """Slurm's hostlist notation, expanded (an implementation apart from ongpu's)."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(hostlist + ","):
        if c == "[":
            depth += 1
        elif c == "]":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(hostlist[start:i])
            start = i + 1
    out = set()
    for p in parts:
        m = re.fullmatch(r"(.*?)\[([^\]]*)\](.*)", p)
        if not m:
            out.add(p)
            continue
        for r in m.group(2).split(","):
            a, _, b = r.partition("-")
            b = b or a
            width = len(a) if a.startswith("0") and len(a) > 1 else 0
            for n in range(int(a), int(b) + 1):
                out.add(f"{m.group(1)}{n:0{width}d}{m.group(3)}")
    return out


def check_summary(out, fleet, name_of, source_pattern):
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    groups, unreadable, dups = fleet.expected(name_of)
    got = {(g["status"], tuple(g["causes"])): g for g in doc["groups"]}
    assert set(got) == set(groups)
    for key, names in groups.items():
        g = got[key]
        assert set(g["nodes"]) == names, key
        assert g["count"] == len(names)
        assert expand(g["hostlist"]) == names, (key, g["hostlist"])
        assert sum(v["count"] for v in g["variants"]) == len(names)
        assert set().union(*(set(v["nodes"]) for v in g["variants"])) == names
        for v in g["variants"]:
            assert expand(v["hostlist"]) == set(v["nodes"])
    # The order: worst first, then the largest.
    order = [(-RANK[g["status"]], -g["count"]) for g in doc["groups"]]
    assert order == sorted(order)
    assert doc["nodes"] == sum(len(n) for n in groups.values())
    assert doc["documents"] == fleet.documents()
    kinds = {}
    for u in doc["unreadable"]:
        kinds[u["kind"]] = kinds.get(u["kind"], 0) + 1
        assert re.fullmatch(source_pattern, u["source"]), u["source"]
    assert kinds == unreadable
    # Truncated documents are named when the part that arrived names them.
    truncated_named = sorted(e["host"] for e in fleet.entries if e["kind"] == "truncated" and e["host"])
    assert sorted(u["node"] for u in doc["unreadable"] if u["kind"] == "truncated" and u["node"]) == truncated_named
    v2 = sorted(e["host"] for e in fleet.entries if e["kind"] == "wrong_schema" and e["host"])
    assert sorted(u["node"] for u in doc["unreadable"] if u["kind"] == "wrong_schema" and u["node"]) == v2
    assert {d["node"]: d["agree"] for d in doc["duplicates"]} == dups
    worst = max(RANK[k[0]] for k in groups)
    assert doc["exit_code"] == (2 if worst >= 2 else 1)
    return doc


@pytest.fixture(scope="session")
def fleet(real_docs):
    return Fleet(real_docs)


def test_a_thousand_documents_as_json_lines_on_stdin(fleet):
    text = "\n".join(fleet.text(e, pretty=False) for e in fleet.entries) + "\n"
    rc, out, err = summarize("--json", stdin=text.encode())
    doc = check_summary(out, fleet, lambda i: "stdin" if i == 0 else f"stdin:{i + 1}", r"stdin(, line \d+)?")
    assert rc == doc["exit_code"] == 2, err
    assert not doc["looks_interleaved"]


def test_a_thousand_files(fleet, tmp_path):
    # One document per file, pretty as the doctor prints it or compact; the
    # broken ones in files of their own too.
    paths = []
    for i, e in enumerate(fleet.entries):
        p = tmp_path / f"doctor-{i:04d}.json"
        p.write_text(fleet.text(e, pretty=i % 2 == 0) + "\n")
        paths.append(str(p))
    rc, out, err = summarize("--json", *paths)
    check_summary(out, fleet, lambda i: paths[i], re.escape(str(tmp_path)) + r"/doctor-\d{4}\.json")
    assert rc == 2, err
    # The same in one file of pretty documents back to back.
    one = tmp_path / "all.json"
    one.write_text("".join(fleet.text(e, pretty=True) + "\n" for e in fleet.entries))
    lines = [1]
    for e in fleet.entries[:-1]:
        lines.append(lines[-1] + fleet.text(e, pretty=True).count("\n") + 1)
    rc, out, err = summarize("--json", str(one))
    check_summary(out, fleet, lambda i: str(one) if lines[i] == 1 else f"{one}:{lines[i]}",
                  re.escape(str(one)) + r"(, line \d+)?")


# What srun prints, as Slurm 22.05's source has it (src/slurmd/slurmstepd/io.c,
# src/common/write_labelled_message.c; docs/fleet-summarize.md): slurmstepd
# cuts each task's output into messages of at most 1024 bytes, a line per
# message when it fits; srun writes the messages of all tasks in the order
# they arrive; --label puts "%*d: " before each line and ends a message that
# does not end a line with a newline of its own.
def stepd_messages(out):
    msgs = []
    while out:
        nl = out.find(b"\n")
        line = nl + 1 if nl >= 0 else 0
        take = 1024 if line >= 1024 or (line == 0 and len(out) >= 1024) else line or len(out)
        msgs.append(out[:take])
        out = out[take:]
    return msgs


def srun_output(outputs, rng, label=True):
    msgs = [stepd_messages(o) for o in outputs]
    width = len(str(len(outputs) - 1))
    nxt = [0] * len(msgs)
    open_tasks = [t for t in range(len(msgs)) if msgs[t]]
    out = []
    while open_tasks:
        t = rng.choice(open_tasks)
        m = msgs[t][nxt[t]]
        nxt[t] += 1
        if nxt[t] == len(msgs[t]):
            open_tasks.remove(t)
        if not label:
            out.append(m)
            continue
        for line in m.splitlines(keepends=True):
            out.append(b"%*d: " % (width, t) + line + (b"" if line.endswith(b"\n") else b"\n"))
    return b"".join(out)


def test_srun_labelled_output_of_a_thousand_tasks(fleet):
    # One task per entry, pretty-printed as `ongpu doctor --json` prints.
    rng = random.Random(7)
    outputs = [(fleet.text(e, pretty=True) + ("\n" if e["kind"] != "truncated" else "")).encode()
               for e in fleet.entries]
    text = srun_output(outputs, rng)
    assert re.match(rb" *\d+: ", text)
    rc, out, err = summarize("--json", stdin=text)
    doc = check_summary(out, fleet, lambda i: f"stdin:task{i}", r"stdin, task \d+")
    assert rc == 2, err
    # Each unreadable part is where its task put it.
    for u in doc["unreadable"]:
        task = int(re.fullmatch(r"stdin, task (\d+)", u["source"]).group(1))
        assert u["kind"] == fleet.entries[task]["kind"]


def test_srun_output_without_labels_is_recognised_as_mixed(fleet, tmp_path):
    rng = random.Random(8)
    healthy = [e for e in fleet.entries if e["kind"] == "doc"][:64]
    outputs = [(fleet.text(e, pretty=True) + "\n").encode() for e in healthy]
    text = srun_output(outputs, rng, label=False)
    rc, out, err = summarize("--json", stdin=text)
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert doc["nodes"] < 64 and doc["unreadable"] and doc["looks_interleaved"]
    rc, out, err = summarize(stdin=text, env={"COLUMNS": "100"})
    assert "srun -l -N 64 ongpu doctor --json --no-python | ongpu summarize" in " ".join(out.split())


def test_the_table(fleet):
    text = "\n".join(fleet.text(e, pretty=False) for e in fleet.entries) + "\n"
    rc, out, err = summarize(stdin=text.encode(), env={"COLUMNS": "100"})
    assert rc == 2, err
    groups, unreadable, dups = fleet.expected(lambda i: "stdin" if i == 0 else f"stdin:{i + 1}")
    nodes = sum(len(n) for n in groups.values())
    headline = " ".join(out.split("\n\n")[0].split())
    assert headline.startswith(f"{nodes:,} nodes: "), out[:200]
    assert headline.endswith(f" (from {fleet.documents()} documents); {sum(unreadable.values())} inputs unreadable"), headline
    for (status, causes), names in groups.items():
        word = {"ok": "usable", "warnings": "warnings", "not_usable": "not usable", "unchecked": "unchecked"}[status]
        row = re.search(rf"^ +{len(names):,}  {word} +{re.escape(causes[0] if causes else '-')}[ ,]", out, re.M)
        assert row, (status, causes, out)
    assert re.search(rf"^ +{sum(unreadable.values())}  unreadable  ", out, re.M)
    assert "… and " in out and "more (-v lists them all)" in out
    # Within the width, but for the fixes: commands to paste are not wrapped.
    in_fix = False
    for line in out.splitlines():
        in_fix = "fix:" in line or (in_fix and re.match(r" {12,}\S", line) is not None)
        if not in_fix:
            assert len(line) <= 100, line
    # The fix of every not-usable group is printed, as the documents give it.
    for e in fleet.entries:
        if e["kind"] == "doc" and e["doc"]["verdict"]["status"] == "not_usable":
            root = e["doc"]["verdict"]["root_cause"]
            f = next(f for f in e["doc"]["findings"] if f["id"] == root)
            for fix in f["fix"]:
                assert fix in out
    assert len(re.findall(r"reported \d times", " ".join(out.split()))) == min(len(dups), 10)
    # -v lists every unreadable input and every node reported twice.
    rc, out, err = summarize("-v", stdin=text.encode(), env={"COLUMNS": "100"})
    assert "-v lists them all" not in out
    for name, agree in dups.items():
        m = re.search(rf"{re.escape(name)} reported \d times \([^)]*\): counted once, by its worst report(; the "
                      r"reports disagree)?", " ".join(out.split()))
        assert m and (m.group(1) is None) == agree, name
    assert sum(1 for line in out.splitlines()
               if re.match(r" +(\S+ \()?stdin(, line \d+)?\)?: ", line)) == sum(unreadable.values())


def test_files_and_stdin_together(fleet, tmp_path):
    docs = [e for e in fleet.entries if e["kind"] == "doc" and e["host"]][:20]
    a = tmp_path / "a.json"
    a.write_text("\n".join(fleet.text(e, pretty=False) for e in docs[:10]) + "\n")
    stdin = "\n".join(fleet.text(e, pretty=True) for e in docs[10:]).encode()
    rc, out, err = summarize("--json", str(a), "-", stdin=stdin)
    doc = json.loads(out)
    assert doc["documents"] == 20
    assert {n for g in doc["groups"] for n in g["nodes"]} == {e["host"] for e in docs}


def test_exit_codes(real_docs, tmp_path):
    def code(*names, extra=""):
        text = "\n".join(json.dumps(with_host(real_docs[n], f"n{i}")) for i, n in enumerate(names)) + extra
        return summarize(stdin=text.encode())[0]

    by_status = {}
    for name, d in real_docs.items():
        by_status.setdefault(d["verdict"]["status"], []).append(name)
    ok, warn, bad = by_status["ok"], by_status["warnings"], by_status["not_usable"]
    assert code(*ok, *ok) == 0
    assert code(*ok, warn[0]) == 1
    assert code(*ok, extra="\n{\"truncated\": ") == 1
    assert code(*ok, *warn, bad[0]) == 2
    if "unchecked" in by_status:
        assert code(*ok, by_status["unchecked"][0]) == 2
    assert summarize(stdin=b"{\"a\": [1,")[0] == 2  # nothing readable: no node known to work


def test_no_input(tmp_path):
    for stdin in (b"", b"\n \n\t\n"):
        rc, out, err = summarize(stdin=stdin)
        assert rc == 66 and out == ""
        assert "no documents: standard input was empty" in err
    empty = tmp_path / "empty.json"
    empty.write_text("")
    rc, out, err = summarize(str(empty))
    assert rc == 66 and f"{empty} is empty" in err


def test_unreadable_files(real_docs, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(with_host(real_docs["healthy"], "gpu1")))
    rc, out, err = summarize("--json", str(good), str(tmp_path / "missing.json"), str(tmp_path))
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    assert rc == 1
    assert [(u["kind"], u["source"]) for u in doc["unreadable"]] == [
        ("cannot_read", str(tmp_path / "missing.json")), ("cannot_read", str(tmp_path))]
    assert "No such file or directory" in doc["unreadable"][0]["message"]
    assert "Is a directory" in doc["unreadable"][1]["message"]


def test_usage(tmp_path):
    assert summarize("--no-such-flag")[0] == 64
    rc, out, err = summarize("--help")
    assert rc == 0 and "Exit codes" in out and "srun -l" in out
    r = ongpu("help")
    assert re.search(r"^  summarize +\S", r.out, re.M), r.out
    # Standard input a terminal, nothing named: say how to use it, do not wait.
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(str(BUILD / "ongpu"), [str(BUILD / "ongpu"), "summarize"])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 64
    assert b"standard input is a terminal" in out


def test_gigabytes_and_huge_lines_take_bounded_memory(real_docs):
    # 0.9 GiB through a pipe: a 100 MiB line that is not JSON, a document
    # with a 100 MiB string, one of 9 MiB (over the 8 MiB limit), 700 MiB of
    # lines that are not JSON; and one good document at the end.
    def limit():  # 64 MiB of address space in all: far less than one of those lines
        if not sanitized:
            resource.setrlimit(resource.RLIMIT_AS, (64 << 20, 64 << 20))
    proc = subprocess.Popen([str(BUILD / "ongpu"), "summarize", "--json"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit)
    chunk = b"x" * (1 << 20)

    def feed():
        w = proc.stdin
        try:
            write_all(w)
        except BrokenPipeError:
            pass  # it ended early: the exit code says why

    def write_all(w):
        for _ in range(100):
            w.write(chunk)
        w.write(b"\n{\"a\": \"")
        for _ in range(100):
            w.write(chunk)
        w.write(b"\"}\n{\"big\": [" + b"1," * (9 << 19) + b"1]}\n")
        line = (b"y" * 1023 + b"\n") * 1024
        for _ in range(700):
            w.write(line)
        w.write(json.dumps(with_host(real_docs["healthy"], "gpu1")).encode() + b"\n")
        w.close()

    t = threading.Thread(target=feed)
    t.start()
    watchdog = threading.Timer(300, proc.kill)  # never hang: a kill fails the test below
    watchdog.start()
    out = proc.stdout.read()
    err = proc.stderr.read()
    status = proc.wait()
    watchdog.cancel()
    t.join()
    assert status == 1, err
    doc = json.loads(out)
    assert doc["nodes"] == 1
    kinds = [u["kind"] for u in doc["unreadable"]]
    assert kinds == ["not_json", "too_large", "too_large", "not_json"], kinds
    assert doc["unreadable"][0]["bytes"] == 100 << 20
    assert doc["unreadable"][3]["bytes"] == (700 << 20) - 1  # without its last line break


# ------------------------------------------------------------ a real Slurm cluster

def _slurm_ready():
    missing = [t for t in ("srun", "slurmctld", "slurmd", "munged", "mungekey", "unshare", "ip") if not shutil.which(t)
               and not os.path.exists(f"/usr/sbin/{t}")]
    return missing


@pytest.fixture(scope="session")
def slurm_run(tmp_path_factory, real_docs):
    """Runs shell commands against a real one-node Slurm cluster (root only)."""
    if os.geteuid() != 0:
        pytest.skip("a Slurm cluster of its own needs root (namespaces, munged, slurmd)")
    missing = _slurm_ready()
    assert not missing, f"missing {missing}: tools/deps.sh --tests installs Slurm and munge"

    # munged wants every directory above its socket open to all (pytest's
    # own temporary directory is not): a directory of its own under /tmp.
    base = pathlib.Path(tempfile.mkdtemp(prefix="ongpu-slurm-", dir="/tmp"))
    base.chmod(0o755)
    runs = []

    def run(script, timeout=240):
        d = base / f"cluster{len(runs)}"
        runs.append(d)
        p = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "--net", "bash",
                            str(REPO / "tests/e2e/slurm_cluster.sh"), str(d), script],
                           capture_output=True, text=True, timeout=timeout,
                           env={**os.environ, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        assert p.returncode == 0, p.stdout + p.stderr + "".join(
            f"\n--- {log}\n" + log.read_text()[-2000:] for log in (d / "log").glob("*") if log.is_file())
        return d
    yield run
    shutil.rmtree(base, ignore_errors=True)


# Each srun task is a node of its own: a copy of a fixture root with its
# hostname, and a fake driver scenario.
TASK_CONFIGS = ["healthy", "healthy", "driver-mismatch", "healthy", "pending-retirement", "healthy",
                "nvml-not-loaded", "healthy", "stub", "healthy", "healthy", "crash-nvml"]


def _task_script(tmp_path, tasks):
    roots = tmp_path / "roots"
    cfg = dict(CONFIGS)
    lines = ["#!/bin/bash", "case $SLURM_PROCID in"]
    for t in range(tasks):
        kw = cfg[TASK_CONFIGS[t % len(TASK_CONFIGS)]]
        root = roots / f"node{t:02d}"
        shutil.copytree(FIXTURES / kw["root"], root, symlinks=True)
        (root / "proc/sys/kernel").mkdir(parents=True, exist_ok=True)
        (root / "proc/sys/kernel/hostname").write_text(f"node{t:02d}\n")
        scenario = SCENARIOS / kw["scenario"]
        lines.append(f"  {t}) exec env -i PATH=/usr/bin:/bin LD_LIBRARY_PATH={FAKE_LIB} "
                     f"ONGPU_FAKE_SCENARIO={scenario} {BUILD / 'ongpu'} doctor --json --no-python --root {root} ;;")
    lines.append("esac")
    script = tmp_path / "task.sh"
    script.write_text("\n".join(lines) + "\n")
    script.chmod(0o755)
    return script


def _sanitized():
    out = subprocess.run(["readelf", "-d", str(BUILD / "ongpu")], capture_output=True, text=True).stdout
    return "libasan" in out or "libubsan" in out


# Under the ASan build, the crashing fake NVML inside a Slurm task was judged
# nvml.probe_failed where the same build outside Slurm said
# nvml.probe_crashed (CI, 2026-12-03; the cause is not yet known), so the
# documents no longer matched. Vendor crashes under ASan are tested in
# test_vendor_fakes.py; the release build runs this test.
@pytest.mark.skipif(_sanitized(), reason="a sanitizer build runs under slurmd's environment")
def test_real_srun(slurm_run, real_docs, tmp_path):
    tasks = 16
    script = _task_script(tmp_path, tasks)
    expected = {}
    for t in range(tasks):
        expected.setdefault(group_key(real_docs[TASK_CONFIGS[t % len(TASK_CONFIGS)]]), set()).add(f"node{t:02d}")
    cluster = slurm_run(
        f"srun -l -n {tasks} {script} > labelled.txt; srun -u -l -n {tasks} {script} > unbuffered.txt; "
        f"srun -n {tasks} -o doctor-%t.json {script}; srun -n {tasks} {script} > plain.txt; true")
    labelled = (cluster / "labelled.txt").read_bytes()
    assert re.match(rb" *\d+: \{", labelled), labelled[:100]
    for name in ("labelled.txt", "unbuffered.txt"):
        rc, out, err = summarize("--json", str(cluster / name))
        doc = json.loads(out)
        jsonschema.validate(doc, SCHEMA)
        assert {(g["status"], tuple(g["causes"])): set(g["nodes"]) for g in doc["groups"]} == expected, name
        assert doc["unreadable"] == [] and doc["duplicates"] == []
        assert rc == 2
    files = sorted(str(p) for p in cluster.glob("doctor-*.json"))
    assert len(files) == tasks
    rc, out, err = summarize("--json", *files)
    assert {(g["status"], tuple(g["causes"])): set(g["nodes"]) for g in json.loads(out)["groups"]} == expected
    # Without --label the tasks' lines may or may not have met; whatever
    # came, summarize reads it without failing and counts only whole documents.
    rc, out, err = summarize("--json", str(cluster / "plain.txt"))
    doc = json.loads(out)
    assert rc == doc["exit_code"] in (1, 2) and doc["nodes"] <= tasks
    for g in doc["groups"]:
        assert set(g["nodes"]) <= expected[(g["status"], tuple(g["causes"]))]
