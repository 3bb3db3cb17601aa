#!/usr/bin/env python3
"""Compares two recordings of the end-to-end tests' outputs
(ONGPU_E2E_RECORD=FILE, tests/e2e/conftest.py): a refactoring that must not
change what ongpu prints is checked by recording before and after.

  tools/compare-outputs.py BEFORE AFTER   # exit 1 and a diff per changed output
"""
import collections
import difflib
import json
import re
import sys


# What a live framework prints and how long it took differ from run to run.
NOISY = {"stderr_tail", "runs_ms", "import_seconds"}


def steady(text):
    try:
        doc = json.loads(text)
    except ValueError:
        return re.sub(r"\d\d:\d\d:", "HH:MM:", text)

    def drop(x):
        if isinstance(x, dict):
            return {k: drop(v) for k, v in x.items() if k not in NOISY}
        if isinstance(x, list):
            return [drop(v) for v in x]
        return x
    return json.dumps(drop(doc), indent=1, ensure_ascii=False)


def load(path):
    calls = collections.defaultdict(list)
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            r["out"] = steady(r["out"])
            calls[(r["test"], json.dumps(r["args"]))].append(r)
    return calls


before, after = load(sys.argv[1]), load(sys.argv[2])
changed = 0
for key in sorted(set(before) | set(after)):
    a, b = before.get(key, []), after.get(key, [])
    if len(a) != len(b):
        print(f"{key[0]} {key[1]}: {len(a)} calls before, {len(b)} after")
        changed += 1
        continue
    for x, y in zip(a, b):
        for field in ("rc", "out", "err"):
            if x[field] != y[field]:
                changed += 1
                print(f"== {key[0]} {key[1]}: {field}")
                print("\n".join(difflib.unified_diff(str(x[field]).splitlines(), str(y[field]).splitlines(),
                                                     "before", "after", lineterm="", n=1)))
print(f"{len(before)} outputs compared, {changed} changed", file=sys.stderr)
sys.exit(1 if changed else 0)
