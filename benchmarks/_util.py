"""Shared helpers for benchmark scripts: timing commands and reading their peak RSS."""

from __future__ import annotations

import os
import subprocess
import sys
import time

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".data")


def run_timed(cmd: list[str], repeat: int = 3, **kw) -> tuple[float, subprocess.CompletedProcess]:
    """Best wall time over ``repeat`` runs, and the last result."""
    best, proc = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, **kw)
        best = min(best, time.perf_counter() - t)
    return best, proc


RSS_RUN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rss_run.py")


def rss_of(args: list[str]) -> tuple[int, subprocess.CompletedProcess]:
    """Peak RSS (KB) of one ``rlm ARGS...`` run, as the process itself saw it."""
    p = subprocess.run([sys.executable, RSS_RUN, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(p.stderr.rsplit("VMHWM_KB=", 1)[1]), p


def rlm_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "rlm_cli", *args]


def row(label: str, value: str) -> None:
    print(f"  {label:<44} {value}")


__all__ = ["DATA", "RSS_RUN", "rlm_cmd", "row", "rss_of", "run_timed"]
