# What a Python interpreter says about itself to ongpu: one "key=value" line
# per fact (executable, version, prefix, site directories in import order...).
# One source, two uses:
#   - the ongpu binary embeds this file (CMakeLists.txt) and runs it as
#     `python -I -S -c <this file>` for every interpreter it checks: only the
#     standard library, no .pth file, nothing of the user's imported;
#   - the Python API (ongpu.check, ongpu.require_gpu) calls answer() in the
#     calling interpreter and hands the lines to `ongpu doctor
#     --python-answer -`, which saves starting a second interpreter.
# Standard library only, and no json: importing it would double the child's
# start-up time.
import os
import site
import sys


def answer(in_process=False):
    """The lines, as one string. In process: None when this interpreter did
    not start the way site.py starts one (its sys.prefix is not its venv's),
    so that only a child can answer for it."""
    # Under -S, site.py has not run, so a virtualenv is found here the way
    # site.venv() finds it (pyvenv.cfg beside the executable or one level
    # up), without processing any .pth file.
    prefix, system_site, venv = sys.prefix, True, False
    exe_dir = os.path.dirname(os.path.abspath(sys.executable))
    for conf in (os.path.join(exe_dir, "pyvenv.cfg"), os.path.join(os.path.dirname(exe_dir), "pyvenv.cfg")):
        if os.path.isfile(conf):
            venv, prefix = True, os.path.dirname(exe_dir)
            with open(conf, encoding="utf-8", errors="replace") as f:
                for line in f:
                    key, _, value = line.partition("=")
                    if key.strip().lower() == "include-system-site-packages":
                        system_site = value.strip().lower() == "true"
            break
    if venv and (sys.prefix != prefix or sys.exec_prefix != prefix):
        if in_process:
            return None
        # As site.venv() does: Debian's and Ubuntu's getsitepackages() give a
        # venv its lib/pythonX.Y/site-packages only when sys.prefix is the venv's.
        sys.prefix = sys.exec_prefix = prefix
    # In import order, as site.py adds them: a venv's own directories first,
    # then the user site, then the base installation's.
    own = list(site.getsitepackages([prefix]))
    base = list(site.getsitepackages([sys.base_prefix])) if venv and system_site else []
    # The user site counts as site.py counts it for the user's own programs
    # (site.check_enableusersite() says no under -I): outside a venv, or in
    # one that includes the system site packages; not when PYTHONNOUSERSITE
    # is set or the process runs setuid or setgid.
    user = []
    if system_site and not os.environ.get("PYTHONNOUSERSITE") and os.geteuid() == os.getuid() \
            and os.getegid() == os.getgid():
        try:
            user = [site.getusersitepackages()]
        except Exception:
            pass
    dirs = own + user + base if venv else user + own
    seen = []
    for d in dirs:
        if d not in seen and os.path.isdir(d):
            seen.append(d)
    facts = [("executable", sys.executable), ("version", "%d.%d.%d" % sys.version_info[:3]),
             ("implementation", sys.implementation.name), ("prefix", prefix), ("base_prefix", sys.base_prefix),
             ("platform", sys.platform), ("machine", os.uname().machine if hasattr(os, "uname") else "")]
    facts += [("site", d) for d in seen]
    # A value with a newline, an escape or any byte outside printable ASCII
    # goes as "key:hex=<its bytes in hex>": a venv's path is what it is, and
    # must neither break the lines nor be lost.
    out = []
    for k, v in facts:
        v = str(v)
        if all(" " <= c <= "~" for c in v):
            out.append("%s=%s\n" % (k, v))
        else:
            out.append("%s:hex=%s\n" % (k, os.fsencode(v).hex()))
    return "".join(out)


if __name__ == "__main__":
    sys.stdout.write(answer())
