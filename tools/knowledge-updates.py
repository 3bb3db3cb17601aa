#!/usr/bin/env python3
"""Lists the framework releases on PyPI that the knowledge tables do not know.

A maintainer's tool, not run in CI (it needs PyPI, and its answer changes with
every release). For TensorFlow, PyTorch and JAX it reads the newest release
each table covers and asks PyPI's JSON API for the releases after it:

  tools/knowledge-updates.py            # what is missing, one line per release
  tools/knowledge-updates.py --json     # the same, as JSON

Each release listed needs rows, each with its source (docs/knowledge.md says
where each table's facts come from; the wheel itself is a source: its METADATA
for Python and pins, torch/version.py, tensorflow/python/platform/build_info.py).
Exit 0 when every table is current, 1 when releases are missing, 2 when PyPI
could not be read. Standard library only.
"""
import argparse
import csv
import json
import pathlib
import re
import sys
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"

# package on PyPI -> (table, column holding a release, what a row covers)
TABLES = {
    "tensorflow": ("tensorflow_gpu.csv", "version", "release"),
    "torch": ("pytorch_cuda.csv", "torch", "series"),      # 2.15 covers 2.15.x
    "jax": ("jax_python.csv", "before", "before"),        # a row covers [from, before)
}


def version_key(v):
    return tuple(int(x) for x in re.findall(r"\d+", v)[:4])


def is_final(v):
    """A final release: no rc, dev, alpha, beta or post suffix."""
    return re.fullmatch(r"\d+(\.\d+)*", v) is not None


def newest_in_table(table, column):
    with open(KNOWLEDGE / table, newline="") as f:
        values = [row[column] for row in csv.DictReader(f) if row.get(column)]
    return max(values, key=version_key)


def pypi_releases(package, timeout):
    url = f"https://pypi.org/pypi/{package}/json"
    with urllib.request.urlopen(url, timeout=timeout) as r:
        doc = json.load(r)
    out = []
    for version, files in doc.get("releases", {}).items():
        if is_final(version) and files and not all(f.get("yanked") for f in files):
            out.append(version)
    return sorted(out, key=version_key)


def missing(package, newest, covers, releases):
    if covers == "series":  # the table has "2.14": 2.14.x is covered
        series = version_key(newest)[:2]
        return [v for v in releases if version_key(v)[:2] > series]
    if covers == "before":  # rows end before this version: it and later ones are not covered
        return [v for v in releases if version_key(v) >= version_key(newest)]
    return [v for v in releases if version_key(v) > version_key(newest)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--timeout", type=float, default=30)
    args = ap.parse_args()
    report = {}
    for package, (table, column, covers) in TABLES.items():
        newest = newest_in_table(table, column)
        try:
            releases = pypi_releases(package, args.timeout)
        except (urllib.error.URLError, OSError, ValueError) as e:
            print(f"knowledge-updates: PyPI did not answer for {package}: {e}", file=sys.stderr)
            return 2
        report[package] = {"table": f"knowledge/{table}", "newest_in_table": newest,
                           "newest_on_pypi": releases[-1] if releases else None,
                           "missing": missing(package, newest, covers, releases)}
    if args.json:
        json.dump(report, sys.stdout, indent=2)
        print()
    else:
        for package, r in report.items():
            state = "current" if not r["missing"] else f"{len(r['missing'])} release(s) missing: " + \
                ", ".join(r["missing"])
            covers = TABLES[package][2]
            upto = f"covers the releases before {r['newest_in_table']}" if covers == "before" else \
                f"ends at {r['newest_in_table']}"
            print(f"{package}: {r['table']} {upto}, PyPI has {r['newest_on_pypi']}: {state}")
    return 1 if any(r["missing"] for r in report.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
