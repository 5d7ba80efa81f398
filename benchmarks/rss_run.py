"""Run `rlm ARGS...` in this process and print its peak RSS (VmHWM) to stderr at exit.

Peak RSS must be read inside the child: a child's ru_maxrss includes the parent's RSS
at fork time, while /proc/self/status VmHWM belongs to the exec'd image alone.
Used by the benchmarks and by tests that bound memory: python benchmarks/rss_run.py grep X FILE
"""

import atexit
import sys


def _hwm() -> None:
    kb = [line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
    sys.stderr.write(f"\nVMHWM_KB={kb}\n")


atexit.register(_hwm)
from rlm_cli.cli import main  # noqa: E402

sys.argv = ["rlm"] + sys.argv[1:]
main()
