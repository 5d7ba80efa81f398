"""`rlm grep` and `rlm inspect` over a generated 1 GB (and optionally 4 GB) log, against ripgrep.

Prints wall times, the ratio to rg measured in the same run, and peak RSS.
Usage: python benchmarks/bench_grep.py [--gb 1] [--also-4gb] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import DATA, rlm_cmd, row, rss_of, run_timed  # noqa: E402

LITERAL = "connection reset by peer"
REGEX = r"user_id=\d+ status=5\d\d"


def make_log(path: str, gb: float) -> None:
    """A realistic access/app log; the needles are rare, as in real searches."""
    if os.path.exists(path) and os.path.getsize(path) >= gb * (1 << 30):
        return
    rnd = random.Random(42)
    levels = ["INFO"] * 8 + ["WARN", "DEBUG"]
    paths = ["/api/v1/users", "/api/v1/orders", "/health", "/static/app.js", "/api/v2/search?q=x"]
    lines = []
    for i in range(200_000):
        status = rnd.choice([200] * 30 + [201, 304, 404, 500, 503])
        msg = f"{rnd.choice(levels)} req={i:08x} path={rnd.choice(paths)} user_id={rnd.randrange(10**6)} status={status} ms={rnd.randrange(900)}"
        if rnd.random() < 0.0005:
            msg += " error: connection reset by peer"
        lines.append(f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{i % 59:02d}Z {msg}\n")
    block = "".join(lines).encode()
    target = int(gb * (1 << 30))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        written = 0
        while written < target:
            f.write(block)
            written += len(block)


def bench(path: str, label: str) -> None:
    size_gb = os.path.getsize(path) / (1 << 30)
    print(f"\n{label}: {size_gb:.2f} GiB log at {path}")
    rg = shutil.which("rg")
    # warm the page cache so both tools read from memory
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL)
    for name, pattern, fixed in (("literal", LITERAL, True), ("regex", REGEX, False)):
        f = ["-F"] if fixed else []
        for mode, ours_extra, rg_extra in (("count", ["-c"], ["-c"]), ("numbered lines", [], ["-n", "-H", "--no-heading"])):
            t_ours, p_ours = run_timed(rlm_cmd("grep", *f, *ours_extra, pattern, path))
            out_ours = p_ours.stdout.decode()
            got = out_ours.strip() if mode == "count" else str(out_ours.count("\n"))
            line = f"rlm {t_ours:6.2f} s ({size_gb / t_ours:5.2f} GiB/s) -> {got}"
            if rg:
                t_rg, p_rg = run_timed([rg, *f, *rg_extra, pattern, path])
                out_rg = p_rg.stdout.decode()
                same = got == (out_rg.strip() if mode == "count" else str(out_rg.count("\n")))
                line += f" | rg {t_rg:6.2f} s | ratio {t_ours / t_rg:5.2f}x | same: {same}"
            row(f"{name} {mode}", line)
    for name, args in (("grep literal", ["grep", "-F", "-c", LITERAL, path]), ("grep regex", ["grep", "-c", REGEX, path]),
                       ("inspect", ["inspect", path])):
        kb, p = rss_of(args)
        row(f"peak RSS rlm {name}", f"{kb / 1024:6.1f} MB (exit {p.returncode})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--also-4gb", action="store_true", help="repeat the RSS figures on a 4 GiB file")
    ap.add_argument("--keep", action="store_true", help="keep the generated files in benchmarks/.data")
    args = ap.parse_args()
    made = []
    path = os.path.join(DATA, f"log_{args.gb:g}g.log")
    make_log(path, args.gb)
    made.append(path)
    bench(path, "grep/inspect")
    if args.also_4gb:
        big = os.path.join(DATA, "log_4g.log")
        make_log(big, 4)
        made.append(big)
        print()
        for name, a in (("grep literal", ["grep", "-F", "-c", LITERAL, big]), ("grep regex", ["grep", "-c", REGEX, big]),
                        ("inspect", ["inspect", big])):
            kb, p = rss_of(a)
            row(f"4 GiB peak RSS rlm {name}", f"{kb / 1024:6.1f} MB (exit {p.returncode})")
    if not args.keep:
        for p in made:
            os.unlink(p)


if __name__ == "__main__":
    main()
