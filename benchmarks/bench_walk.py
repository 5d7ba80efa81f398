"""Walking a generated tree of 100k files with nested .gitignore files, against git.

git's `ls-files --others --exclude-standard` is the anchor: same set of paths (checked), time ratio.
Usage: python benchmarks/bench_walk.py [--files 100000] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import DATA, row, rss_of  # noqa: E402

IGNORES = ["*.log\n!important.log\n", "build/\ntmp*\n", "*.pyc\n__pycache__/\n", "/local_only.txt\n", "docs/**/draft*\n"]


def make_tree(root: str, n_files: int, seed: int = 5) -> None:
    rnd = random.Random(seed)
    dirs = [""]
    for i in range(max(1, n_files // 40)):
        parent = rnd.choice(dirs[-200:] if len(dirs) > 200 else dirs)
        d = f"{parent}/d{i}".lstrip("/")
        if d.count("/") < 8:
            dirs.append(d)
    for d in dirs:
        os.makedirs(os.path.join(root, d), exist_ok=True)
        if rnd.random() < 0.15:
            with open(os.path.join(root, d, ".gitignore"), "w") as f:
                f.write(rnd.choice(IGNORES))
    names = ["main.py", "util.pyc", "app.log", "important.log", "tmp_x.txt", "readme.md", "local_only.txt", "draft1.md"]
    for i in range(n_files):
        d = rnd.choice(dirs)
        with open(os.path.join(root, d, f"{i}_{rnd.choice(names)}"), "w") as f:
            f.write("x\n")
    subprocess.run(["git", "init", "-q", root], check=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    root = os.path.join(DATA, f"tree_{args.files}")
    if not os.path.isdir(root):
        t = time.perf_counter()
        make_tree(root, args.files)
        print(f"generated {args.files:,} files in {time.perf_counter() - t:.1f} s at {root}")
    from rlm_cli.context import WalkOptions
    from rlm_cli.context.walk import Walker

    git_cmd = ["git", "-C", root, "ls-files", "--others", "--exclude-standard", "-z"]
    subprocess.run(git_cmd, capture_output=True)  # warm the dentry cache for both
    best_git = best_ours = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        out = subprocess.run(git_cmd, capture_output=True, check=True).stdout
        best_git = min(best_git, time.perf_counter() - t)
        t = time.perf_counter()
        ours = {e.rel for e in Walker(root, WalkOptions(hidden=True))}
        best_ours = min(best_ours, time.perf_counter() - t)
    theirs = {p for p in out.decode().split("\0") if p}
    print(f"\nwalk of {args.files:,} files ({len(theirs):,} not ignored)")
    row("git ls-files --others --exclude-standard", f"{best_git:6.2f} s")
    row("rlm Walker (in process)", f"{best_ours:6.2f} s | ratio {best_ours / best_git:5.2f}x | same paths: {ours == theirs}")
    if ours != theirs:
        print("   only rlm:", sorted(ours - theirs)[:5], " only git:", sorted(theirs - ours)[:5])
    t = time.perf_counter()
    kb, proc = rss_of(["inspect", "--json", "--hidden", root])
    row("rlm inspect --json (walk + sniff + count)", f"{time.perf_counter() - t:6.2f} s, peak RSS {kb / 1024:.0f} MB (exit {proc.returncode})")
    if not args.keep:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
