"""Outline and repo-map benchmark over this interpreter's standard library directory.

Each phase runs in a fresh process so its peak RSS is its own:
  cold outline  - empty RLM_CACHE_DIR: every file parsed with tree-sitter, cache written
  warm outline  - same cache dir: every file read back from the parse cache
  map (warm)    - repo map (references folded, ranked, rendered) from the warm cache
  map (cold)    - repo map from an empty cache (parse + rank)
site-packages is excluded (it is not the standard library). Usage: python benchmarks/bench_outline.py [DIR]
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import sysconfig
import tempfile
import time


def peak_rss_mb() -> tuple[float, float]:
    """(ru_maxrss, VmHWM) in MiB; VmHWM belongs to this exec'd image alone."""
    ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        hwm = ru
    return ru, hwm


def child(phase: str, root: str) -> None:
    from rlm_cli.context import WalkOptions, load

    t0 = time.perf_counter()
    corpus = load([root], WalkOptions(no_ignore=True, exclude=("site-packages",))).context
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    if phase == "outline":
        out = corpus.outline()
        result = {"code_files": len(out), "definitions": len(out.flat()), "notes": sum(1 for o in out if o.note)}
    else:
        m = corpus.map(max_chars=8000)
        result = {"code_files": len(m.ranked), "map_chars": len(str(m)), "top": [r.path for r in m.ranked[:5]]}
    wall = time.perf_counter() - t0
    ru, hwm = peak_rss_mb()
    print(json.dumps(dict(result, files=len(corpus.files), load_s=t_load, wall_s=wall, ru_maxrss_mb=ru,
                          vmhwm_mb=hwm)))


def run(phase: str, root: str, cache: str) -> dict:
    env = dict(os.environ, RLM_CACHE_DIR=cache)
    p = subprocess.run([sys.executable, __file__, "--child", phase, root], capture_output=True, text=True, env=env)
    if p.returncode:
        raise SystemExit(p.stderr)
    return json.loads(p.stdout)


def main() -> None:
    root = sys.argv[1] if len(sys.argv) > 1 else sysconfig.get_paths()["stdlib"]
    print(f"outline benchmark over {root} (python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory() as warm_cache, tempfile.TemporaryDirectory() as cold_cache:
        rows = [("cold outline", run("outline", root, warm_cache)),
                ("warm outline", run("outline", root, warm_cache)),
                ("map (warm cache)", run("map", root, warm_cache)),
                ("map (cold cache)", run("map", root, cold_cache))]
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(warm_cache) for f in fs)
    first = rows[0][1]
    print(f"{first['files']:,} files loaded, {first['code_files']:,} with a parser, "
          f"{first['definitions']:,} definitions, {first['notes']} with a note (syntax errors etc.)")
    print(f"{'phase':<18}{'wall s':>9}{'files/s':>10}{'ru_maxrss MiB':>15}{'VmHWM MiB':>11}   (load s)")
    for name, r in rows:
        print(f"{name:<18}{r['wall_s']:>9.2f}{r['code_files'] / r['wall_s']:>10,.0f}{r['ru_maxrss_mb']:>15.0f}"
              f"{r['vmhwm_mb']:>11.0f}   ({r['load_s']:.2f})")
    print(f"parse cache on disk: {size / 2**20:.1f} MiB; map: {rows[2][1]['map_chars']:,} chars, "
          f"top files {', '.join(rows[2][1]['top'])}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
