"""Reads glibc's LD_DEBUG=files,libs trace: which object asked for which
library, how the loader searched, and which file it mapped (or that it found
none).

The lines it reads (glibc elf/dl-load.c, _dl_map_object and _dl_debug_printf
callers; the same wording from glibc 2.17 to 2.41):

  file=libcusolver.so.11 [0];  dynamically loaded by /x/libtensorflow_framework.so.2 [0]
  file=libnvJitLink.so.12 [0];  needed by /y/libcusparse.so.12 [0]
  find library=libcusolver.so.11 [0]; searching
   search path=/a:/b		(RUNPATH from file /x/libtensorflow_framework.so.2)
   search cache=/etc/ld.so.cache
    trying file=/a/libcusolver.so.11
  file=libcusolver.so.11 [0];  generating link map

A request that is followed by no "generating link map" for its name failed.
A request for a name that is already loaded (by soname) prints nothing: the
first request is the one that brings a library in. dlopen holds the loader's
lock, so requests from several threads do not interleave.
"""

import glob
import os
import re
from dataclasses import dataclass, field

_REQUEST = re.compile(r"^file=(\S+) \[\d+\];\s+(needed by|dynamically loaded by) (\S+) \[\d+\]$")
_MAPPED = re.compile(r"^file=(\S+) \[\d+\];\s+generating link map$")
_SEARCH = re.compile(r"^search path=\S*\s+\((.*)\)$")
_CACHE = re.compile(r"^search cache=(\S+)$")
_TRYING = re.compile(r"^trying file=(\S+)$")


@dataclass
class Request:
    name: str               # soname, or an absolute path (a preload by path)
    requester: str          # the object that asked
    how: str                # "needed" (DT_NEEDED) or "dlopen"
    searched: list = field(default_factory=list)  # "RUNPATH from file X", "LD_LIBRARY_PATH", "ld.so.cache", ...
    tried: list = field(default_factory=list)
    path: str = ""          # the file mapped; "" when the loader found none

    @property
    def soname(self):
        return os.path.basename(self.name)


def parse_lines(lines):
    requests = []
    current = None
    for raw in lines:
        # "     12345:\tfile=..." : drop the pid and the tab.
        line = raw.split(":", 1)[1].strip() if re.match(r"^\s*\d+:", raw) else raw.strip()
        m = _REQUEST.match(line)
        if m:
            current = Request(m.group(1), m.group(3), "needed" if m.group(2) == "needed by" else "dlopen")
            requests.append(current)
            continue
        if current is None:
            continue
        if m := _MAPPED.match(line):
            if m.group(1) == current.name:
                current.path = current.tried[-1] if current.tried else current.name
            current = None
        elif m := _SEARCH.match(line):
            current.searched.append(m.group(1))
        elif m := _CACHE.match(line):
            current.searched.append("ld.so.cache")
        elif m := _TRYING.match(line):
            current.tried.append(m.group(1))
    return requests


def parse_files(prefix):
    """Every trace file LD_DEBUG_OUTPUT=prefix wrote (one per process: prefix.PID)."""
    requests = []
    for path in sorted(glob.glob(glob.escape(prefix) + ".*")):
        with open(path, errors="replace") as f:
            requests += parse_lines(f)
    return requests
