#!/usr/bin/env python3
"""Writes docs/findings.md from the finding catalog: ids, links and severities
in src/rules/catalog_entries.h, what each means and its fix in
src/render/catalog_words.h.

Run it after changing the catalog; a unit test (rules/catalog_test.cc) fails
when an id is missing from the document.
"""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parent.parent
src = (root / "src/rules/catalog_entries.h").read_text()
words_src = (root / "src/render/catalog_words.h").read_text()
# A string may be split into adjacent literals (clang-format wraps them).
lit = r'((?:"(?:[^"\\]|\\.)*"\s*)+)'
entry = re.compile(r'\{"([a-z_]+\.[a-z_]+)", (\w+), (\w+)\}')
word = re.compile(r'\{"([a-z_]+\.[a-z_]+)",\s*' + lit + r',\s*' + lit + r'\}', re.S)


def joined(literals):
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', literals))

titles = {
    "hardware": "NVIDIA GPU on the PCI bus", "kernel_module": "Kernel module", "device_nodes": "Device nodes",
    "userspace_driver": "User-space driver", "nvml": "NVML", "cuda": "CUDA driver API",
    "gpu_state": "GPU state", "environment": "Environment",
    "framework": "Framework build (per framework)", "cuda_libraries": "CUDA libraries (per framework)",
    "compatibility": "Compatibility (per framework)",
    "live": "Live check (`ongpu verify`, per framework)",
}
rows = {}
words = {m.group(1): (m.group(2), m.group(3)) for m in word.finditer(words_src)}
for m in entry.finditer(src):
    fid, link, sev = m.groups()
    meaning, fix = (joined(w) for w in words[fid])
    rows.setdefault(link, []).append((fid, sev, meaning.replace('\\"', '"'), fix.replace('\\"', '"')))

# The explains relation (src/rules/explains.cc): its pairs and their sources.
exp_src = (root / "src/rules/explains.cc").read_text()
constants = {}
for m in re.finditer(r'constexpr std::string_view (k\w+) =\s*((?:"(?:[^"\\]|\\.)*"\s*)+);', exp_src):
    constants[m.group(1)] = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2)))
pair = re.compile(r'\{"([a-z_]+\.[a-z_]+)",\s*"([a-z_]+\.[a-z_]+)",\s*' + lit + r',\s*(\w+),\s*(\w+)\}', re.S)
explains = [(a, b, joined(when), constants.get(src, src)) for a, b, when, _, src in pair.findall(exp_src)]

out = ["# Findings", "",
       "Every finding `ongpu doctor` and `ongpu verify` can report, by link of the chain. The id is stable: scripts may",
       "match on it. Severity `error` means the link is broken; `warning` means CUDA can work but something is wrong",
       "or surprising. When the GPU cannot be used, the root cause is the first error in chain order, unless another",
       "finding explains it (below): then that finding is the root cause, and an error.",
       "The doctor prints a fix specific to the machine (the exact variable value to export, the",
       "GPU index, the group to join); the fix below is the general one.", "",
       "This file is generated from `src/rules/catalog_entries.h` and `src/render/catalog_words.h` by",
       "`tools/gen-findings-doc.py`.", ""]
for link, title in titles.items():
    if link not in rows:
        continue
    out += [f"## {title}", "", "| id | severity | meaning | fix |", "|---|---|---|---|"]
    for fid, sev, meaning, fix in rows[link]:
        out.append(f"| `{fid}` | {sev} | {meaning} | {fix} |")
    out.append("")
out += ["## What explains what", "",
        "A finding later in the chain can be the cause of an earlier one: an Exclusive_Process GPU in use is why the",
        "CUDA context could not be created. Where both are found and the condition holds, the explainer is the root",
        "cause (`src/rules/explains.cc`; a unit test covers each pair with a fact set where both fire).", "",
        "| cause | explains | when | source |", "|---|---|---|---|"]
for a, b, when, src in explains:
    out.append(f"| `{a}` | `{b}` | {when or 'whenever both are found'} | {src} |")
out.append("")
(root / "docs/findings.md").write_text("\n".join(out))
print(f"wrote {sum(len(v) for v in rows.values())} findings, {len(explains)} explains-pairs")
