"""Start-up: `rlm --help` and offline commands, wall time and proof that heavy modules stay out.

Usage: python benchmarks/bench_startup.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import row  # noqa: E402

HEAVY = ("litellm", "tree_sitter", "tree_sitter_language_pack", "openai", "numpy")
RLM = os.path.join(os.path.dirname(sys.executable), "rlm")


def wall(cmd: list[str], n: int = 10) -> tuple[float, float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2], times[0]


def heavy_imports(args: list[str]) -> list[str]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "rlm_cli", *args], capture_output=True, text=True)
    mods = {l.split("|")[-1].strip().split(".")[0] for l in proc.stderr.splitlines() if "import time:" in l}
    return sorted(m for m in mods if m in HEAVY)


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "a.py"), "w") as f:
            f.write("def f():\n    return 1\n")
        print("start-up (median of 10, best in brackets); target for --help < 0.30 s")
        for args in (["--help"], ["inspect", d], ["grep", "return", d], ["peek", os.path.join(d, "a.py")]):
            med, best = wall([RLM, *args])
            heavy = heavy_imports(args)
            row(f"rlm {' '.join(args[:1])}", f"{med:5.3f} s ({best:5.3f}) | heavy modules imported: {heavy or 'none'}")
        med, best = wall([sys.executable, "-c", "pass"])
        row("python -c pass (floor)", f"{med:5.3f} s ({best:5.3f})")


if __name__ == "__main__":
    main()
