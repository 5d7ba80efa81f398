"""REPL figures: worker start-up per sandbox, trivial cell round trip, and context.grep
over a 1 GB file inside the worker against the same call on the host.

    python benchmarks/bench_repl.py [--size-mb 1024] [--cells 300]

The 1 GB file is generated under benchmarks/.data (git-ignored) and deleted after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from rlm_cli.context import load
from rlm_cli.repl import Repl, ReplSettings
from rlm_cli.repl.sandbox import bwrap_problem

DATA = Path(__file__).parent / ".data"
LINE = b"2024-05-01T02:%02d:%02d INFO request served user=%06d path=/api/items status=200 bytes=%d\n"


def make_file(path: Path, size: int) -> int:
    """A log of ``size`` bytes with a rare needle every ~10 MB; returns the needle count."""
    block = b"".join(LINE % (i % 60, i % 60, i, i * 7 % 9999) for i in range(10_000))
    needles = 0
    with open(path, "wb") as f:
        written = 0
        while written < size:
            f.write(block)
            written += len(block)
            if written // (10 << 20) > needles:
                f.write(b"2024-05-01T02:59:59 ERROR NEEDLE-42 upstream timeout user=000042\n")
                needles += 1
    return needles


def median_ms(xs: list[float]) -> str:
    return f"median {statistics.median(xs) * 1e3:.1f} ms (min {min(xs) * 1e3:.1f}, max {max(xs) * 1e3:.1f})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--cells", type=int, default=300)
    ap.add_argument("--starts", type=int, default=7)
    args = ap.parse_args()
    modes = ["process"] + (["bwrap"] if bwrap_problem() is None else [])
    if "bwrap" not in modes:
        print(f"bwrap: skipped ({bwrap_problem()})")
    DATA.mkdir(exist_ok=True)
    small = DATA / "small.txt"
    small.write_text("hello\n")
    big = DATA / "big.log"
    try:
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
        for mode in modes:
            starts = []
            for _ in range(args.starts):
                t0 = time.perf_counter()
                repl = Repl([str(small)], settings=ReplSettings(sandbox=mode)).start()
                starts.append(time.perf_counter() - t0)
                repl.close()
            print(f"worker start-up [{mode}]: {median_ms(starts)} over {args.starts}")
        for mode in modes:
            with Repl([str(small)], settings=ReplSettings(sandbox=mode)) as repl:
                for _ in range(20):
                    repl.run_cell("pass")
                rts = []
                for _ in range(args.cells):
                    t0 = time.perf_counter()
                    repl.run_cell("x = 1")
                    rts.append(time.perf_counter() - t0)
            rts.sort()
            print(f"trivial cell round trip [{mode}]: {median_ms(rts)}, p95 {rts[int(len(rts) * 0.95)] * 1e3:.2f} ms "
                  f"over {args.cells}")

        t0 = time.perf_counter()
        needles = make_file(big, args.size_mb << 20)
        print(f"generated {big.stat().st_size / 2**30:.2f} GiB in {time.perf_counter() - t0:.1f} s "
              f"({needles} matching lines)")
        host_doc = load([str(big)]).context
        cell = ("import time\nt = time.perf_counter()\nm = context.grep('NEEDLE-42', max_matches=10**6)\n"
                "print(len(m), time.perf_counter() - t)")
        results: dict[str, list[float]] = {"host": []}
        repls = {mode: Repl([str(big)], settings=ReplSettings(sandbox=mode, cell_timeout=600)).start() for mode in modes}
        try:
            for mode in modes:
                results[f"worker [{mode}]"] = []
            for _ in range(3):  # interleaved, so page-cache state is the same for each
                t0 = time.perf_counter()
                n = len(host_doc.grep("NEEDLE-42", max_matches=10**6))
                results["host"].append(time.perf_counter() - t0)
                assert n == needles, n
                for mode, repl in repls.items():
                    t0 = time.perf_counter()
                    res = repl.run_cell(cell)
                    wall = time.perf_counter() - t0
                    assert res.error is None and res.stdout.split()[0] == str(needles), res.to_model()
                    results[f"worker [{mode}]"].append(wall)
        finally:
            for repl in repls.values():
                repl.close()
        base = statistics.median(results["host"])
        for name, xs in results.items():
            med = statistics.median(xs)
            print(f"context.grep over {args.size_mb} MiB, {name}: median {med:.3f} s "
                  f"({args.size_mb / med:.0f} MiB/s, {med / base:.2f}x host) runs {[round(x, 3) for x in xs]}")
    finally:
        for p in (small, big):
            try:
                p.unlink()
            except FileNotFoundError:
                pass


if __name__ == "__main__":
    main()
