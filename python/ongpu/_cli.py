import os
import sys


def main():
    from ongpu import OngpuError, binary

    try:
        exe = binary()
    except OngpuError as e:
        sys.stderr.write("ongpu: %s\n" % e)
        sys.exit(127)
    sys.stdout.flush()
    sys.stderr.flush()
    # The binary replaces this process: its exit code and signals are the user's.
    try:
        os.execv(exe, [exe] + sys.argv[1:])
    except OSError as e:  # another architecture's binary, a noexec mount
        sys.stderr.write("ongpu: cannot run %s: %s\n" % (exe, e))
        sys.exit(126)
