"""python -m ongpu ARGS: the ongpu binary with ARGS, for where its bin
directory is not on PATH (a Jupyter cell: !python -m ongpu doctor)."""

from ongpu._cli import main

main()
