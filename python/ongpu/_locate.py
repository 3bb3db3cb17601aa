"""Where pip put the ongpu executable. It is a wheel script, so it lands in
the scripts directory of the scheme pip installed into. The layouts relative
to this package come first, each checked for its shape, so that a package on
PYTHONPATH or installed with --target runs its own binary, not another
version's; then this interpreter's scripts directories; then PATH."""

import os

_NAME = "ongpu"


def _candidates():
    here = os.path.dirname(os.path.abspath(__file__))
    site = os.path.dirname(here)
    # pip install [--prefix P] (a venv, a system prefix): P/lib/pythonX.Y/site-packages/ongpu.
    lib, pyver = os.path.split(os.path.dirname(site))
    if (os.path.basename(site) in ("site-packages", "dist-packages") and pyver.startswith("python")
            and os.path.basename(lib) in ("lib", "lib64")):
        yield os.path.join(os.path.dirname(lib), "bin")
    # pip install --target T: T/ongpu, with the script in T/bin.
    yield os.path.join(site, "bin")
    import sysconfig  # here, not above: the layouts before need none of it

    yield sysconfig.get_path("scripts")
    try:  # pip install --user
        yield sysconfig.get_path("scripts", scheme="posix_user" if os.name == "posix" else "nt_user")
    except KeyError:
        pass


def find_binary():
    from ongpu import OngpuError

    explicit = os.environ.get("ONGPU_BINARY")
    if explicit:
        if os.access(explicit, os.X_OK) and os.path.isfile(explicit):
            return explicit
        raise OngpuError("ONGPU_BINARY=%s is not an executable file" % explicit)
    for d in _candidates():
        if not d:
            continue
        path = os.path.normpath(os.path.join(d, _NAME))
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    import shutil

    found = shutil.which(_NAME)
    if found:
        return found
    raise OngpuError("the ongpu executable was not found next to this Python package or on PATH; "
                     "reinstall it (pip install --force-reinstall ongpu) or set ONGPU_BINARY")
