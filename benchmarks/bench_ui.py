"""Terminal experience costs: `rlm --help` and `rlm runs list` wall time, and the live view's overhead on a big fan-out.

- start-up: `rlm --help`, and `rlm runs list` over 200 recorded traces (target < 0.30 s each);
- overhead: a run whose root does one `llm_batch` of 1,000 prompts against the zero-latency loopback server,
  with the live view on (a terminal console writing to /dev/null, animated) vs quiet (target < 10% apart).
  Runs alternate between the two so drift hits both alike.

    python benchmarks/bench_ui.py [--n 1000] [--repeat 3] [--traces 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
sys.path.insert(0, HERE)

from _util import row  # noqa: E402

RLM = os.path.join(os.path.dirname(sys.executable), "rlm")


def wall(cmd: list[str], env: dict, n: int = 10) -> tuple[float, float]:
    """Median and best wall time of ``n`` runs."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times), min(times)


def fake_traces(directory: str, count: int) -> None:
    """``count`` traces shaped like real ones: metadata, ~100 events with cell outputs, RunFinished with an answer."""
    runs = os.path.join(directory, "runs")
    os.makedirs(runs)
    out = "\n".join(f"{i:4d}| some output line of a cell" for i in range(40))
    for k in range(count):
        name = f"2025{1 + k % 12:02d}{1 + k % 28:02d}-{k % 24:02d}0000-{k:08x}"
        records = [{"type": "run", "id": name, "started": 1.7e9 + k * 3600, "question": f"Question number {k} "
                    "about where the retry policy is configured and what its limits are", "model": "openai/gpt-4o-mini"}]
        for t in range(1, 20):
            records += [{"type": "TurnStarted", "t": t, "turn": t, "max_turns": 20, "depth": 0},
                        {"type": "CellStarted", "t": t, "turn": t, "index": 1, "code": "print(context.grep('retry'))"},
                        {"type": "CellFinished", "t": t, "turn": t, "index": 1, "output": out, "depth": 0}]
        records.append({"type": "RunFinished", "t": 30.0, "ready": True, "stop_reason": "ready", "turns": 19,
                        "duration": 30.0, "cost": 0.0123, "tokens": 45678, "answer": "The answer. " * 200})
        with open(os.path.join(runs, name + ".jsonl"), "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in records)


def startup(traces: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        fake_traces(d, traces)
        env = dict(os.environ, RLM_DATA_DIR=d)
        print("start-up (median of 10, best in brackets); target < 0.30 s")
        for args in (["--help"], ["runs", "list"], ["runs", "list", "-n", "0"]):
            med, best = wall([RLM, *args], env)
            row(f"rlm {' '.join(args)}" + (f" ({traces} traces)" if "list" in args else ""),
                f"{med:5.3f} s ({best:5.3f})")
        med, best = wall([sys.executable, "-c", "import typer.main"], env)
        row("python -c 'import typer.main' (Typer floor)", f"{med:5.3f} s ({best:5.3f})")
        med, best = wall([sys.executable, "-c", "pass"], env)
        row("python -c pass (floor)", f"{med:5.3f} s ({best:5.3f})")
        from rlm_cli.runs import iter_runs  # what `runs list` adds to the floor: summaries of every trace

        times = []
        for _ in range(10):
            t = time.perf_counter()
            assert len(list(iter_runs(os.path.join(d, "runs")))) == traces
            times.append(time.perf_counter() - t)
        row(f"summaries of {traces} traces, in process", f"{statistics.median(times) * 1000:5.1f} ms")


def overhead(n: int, repeat: int) -> float:
    from fakellm import FakeLLM
    from rich.console import Console

    from rlm_cli.engine import RLM as Engine
    from rlm_cli.engine import EngineSettings
    from rlm_cli.llm import LLMClient, LLMConfig, preload
    from rlm_cli.repl import ReplInputs, ReplSettings
    from rlm_cli.ui.live import LiveView

    preload().join()
    code = (f"outs = llm_batch([f'item {{i}}' for i in range({n})])\nprint(len(outs))\n"
            "answer['content'] = str(len(outs))\nanswer['ready'] = True")

    def root(req) -> str:
        return f"One batch.\n```repl\n{code}\n```\n"

    times: dict[str, list[float]] = {"quiet": [], "view": []}
    with tempfile.TemporaryDirectory() as d, FakeLLM(max_lifetime=900) as server, open(os.devnull, "w") as null:
        doc = os.path.join(d, "a.txt")
        with open(doc, "w") as f:
            f.write("x\n")
        server.script("sub", responder=lambda req: "ok")
        server.script("root", responder=root)
        os.environ["RLM_CACHE_DIR"] = os.path.join(d, "cache")
        for r in range(repeat * 2 + 1):
            mode = "view" if r % 2 else "quiet"
            client = LLMClient(LLMConfig(model="openai/root", sub_model="openai/sub", api_base=server.url,
                                         api_key="sk-bench-dummy", cache=False, concurrency=16))
            view = LiveView(Console(file=null, force_terminal=True, width=120)) if mode == "view" else None
            t0 = time.perf_counter()
            result = Engine(client, EngineSettings(max_turns=3, repl=ReplSettings(sandbox="process")),
                            [view] if view else []).run("count", ReplInputs.from_paths([doc]))
            elapsed = time.perf_counter() - t0
            if view is not None:
                view.close()
            client.close()
            assert result.answer == str(n), result.answer
            if r:  # the first run warms LiteLLM's HTTP client up
                times[mode].append(elapsed)
            print(f"  run {r}: {mode:<5} {elapsed:6.3f} s")
    q, v = statistics.median(times["quiet"]), statistics.median(times["view"])
    diff = (v - q) / q
    print(f"live-view overhead, llm_batch of {n} at zero latency (median of {repeat}); target < 10%")
    row("quiet", f"{q:6.3f} s (best {min(times['quiet']):.3f})")
    row("live view (animated, console to /dev/null)", f"{v:6.3f} s (best {min(times['view']):.3f})")
    row("difference", f"{diff * 100:+.1f}%")
    return diff


def per_event(n: int = 100_000) -> None:
    """The view's own cost per sub-call event (what each of the 1,000 items pays), with the animation running."""
    from rich.console import Console

    from rlm_cli.engine.events import SubcallFinished, SubcallStarted
    from rlm_cli.llm import CallFinished
    from rlm_cli.ui.live import LiveView

    with open(os.devnull, "w") as null:
        view = LiveView(Console(file=null, force_terminal=True, width=120))
        view(SubcallStarted(1, "llm_batch", n, 0))
        view._start()
        e = CallFinished(1, "openai/sub", "sub", 100, 10, 0.0001, 0.0, False, 1)
        t0 = time.perf_counter()
        for _ in range(n):
            view(e)
        elapsed = time.perf_counter() - t0
        view(SubcallFinished(1, "llm_batch", n, elapsed, None))
        view.close()
    row("live view, cost per sub-call event", f"{elapsed / n * 1e6:5.2f} us")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--traces", type=int, default=200)
    args = ap.parse_args()
    startup(args.traces)
    per_event()
    diff = overhead(args.n, args.repeat)
    return 0 if diff < 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())
