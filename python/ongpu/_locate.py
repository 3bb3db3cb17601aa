"""Where pip put the ongpu executable. It is a wheel script, so it lands in
the scripts directory of whichever scheme pip installed into; the places are
tried in the order uv's find_uv_bin tries them for its own binary."""

import os
import sys
import sysconfig

_NAME = "ongpu"


def _candidates():
    yield sysconfig.get_path("scripts")
    # The user scheme: pip install --user.
    user = "posix_user" if os.name == "posix" else "nt_user"
    try:
        yield sysconfig.get_path("scripts", scheme=user)
    except KeyError:
        pass
    # pip install --prefix P: the package in P/lib/pythonX.Y/site-packages/ongpu.
    here = os.path.dirname(os.path.abspath(__file__))
    site = os.path.dirname(here)
    yield os.path.join(site, os.pardir, os.pardir, os.pardir, "bin")
    # pip install --target T: the package in T/ongpu, the script in T/bin.
    yield os.path.join(site, "bin")
    yield os.path.join(sys.base_prefix, "bin")


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
