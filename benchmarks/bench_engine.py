"""Root context and per-turn overhead of the engine, against the loopback fake server (zero latency).

1. Bytes the root model receives at turn 1 (system prompt + question + context card) for a 1 MB and a
   1 GB input: the card has a fixed budget, so the ratio should be ~1.0 (target: within 5%).
2. Overhead per turn excluding model latency: a 20-turn run of trivial cells; the root call's own
   duration (LiteLLM + HTTP to a zero-latency server) is reported apart from the engine + REPL time.

    python benchmarks/bench_engine.py [--big-mb 1024] [--turns 20]

The 1 GB file is written under benchmarks/.data (git-ignored) and deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

from _util import DATA, row  # noqa: E402
from fakellm import FakeLLM, RecordedRequest  # noqa: E402

from rlm_cli.engine import RLM, EngineSettings  # noqa: E402
from rlm_cli.engine.events import CellFinished, ModelReplied, RunStarted, TurnStarted  # noqa: E402
from rlm_cli.llm import LLMClient, LLMConfig, preload  # noqa: E402
from rlm_cli.repl import ReplInputs, ReplSettings  # noqa: E402

LINE = "2024-05-01T02:00:{s:02d}Z INFO request served path=/api/v1/items/{i} status=200 latency_ms={ms}\n"


def make_log(path: str, size: int) -> None:
    block = "".join(LINE.format(s=i % 60, i=i, ms=i % 97) for i in range(10_000)).encode()
    with open(path, "wb") as f:
        written = 0
        while written + len(block) <= size:
            f.write(block)
            written += len(block)
        f.write(block[: size - written])


def answer_at(turn: int):
    def respond(req: RecordedRequest) -> str:
        n = sum(1 for m in req.messages if m.get("role") == "assistant")
        if n + 1 >= turn:
            return "```repl\nanswer['content'] = 'done'\nanswer['ready'] = True\n```"
        return f"```repl\nx = {n}\nprint(x)\n```"
    return respond


def one_run(server: FakeLLM, path: str, turns: int, sandbox: str) -> tuple[float, list, float]:
    events: list = []
    client = LLMClient(LLMConfig(model="openai/root", sub_model="openai/sub", api_base=server.url,
                                 api_key="sk-bench-dummy", cache=False))
    t0 = time.perf_counter()
    stamps = events.append
    RLM(client, EngineSettings(max_turns=turns + 1, repl=ReplSettings(sandbox=sandbox)),
        [lambda e: stamps((time.perf_counter(), e))]).run(
        "What is the slowest request?", ReplInputs.from_paths([path]))
    client.close()
    return time.perf_counter() - t0, [e for _, e in events], events


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--big-mb", type=int, default=1024)
    ap.add_argument("--turns", type=int, default=20)
    ap.add_argument("--sandbox", default="auto")
    args = ap.parse_args()
    preload().join()
    os.makedirs(DATA, exist_ok=True)
    with FakeLLM(max_lifetime=1200) as server:
        server.script("root", responder=answer_at(2))
        sent = {}
        for label, size in (("1 MB", 1 << 20), (f"{args.big_mb} MB", args.big_mb << 20)):
            fd, path = tempfile.mkstemp(dir=DATA, suffix=".log")
            os.close(fd)
            try:
                t = time.perf_counter()
                make_log(path, size)
                gen = time.perf_counter() - t
                start = len(server.requests)
                total, events, _ = one_run(server, path, 2, args.sandbox)
                first = server.requests[start]
                sent[label] = len(json.dumps(first.messages).encode())
                card = next(e.card_chars for e in events if isinstance(e, RunStarted))
                sb = next(e.sandbox for e in events if isinstance(e, RunStarted))
                row(f"{label}: sandbox", sb)
                row(f"{label}: turn-1 bytes to root (card chars)", f"{sent[label]:,} ({card:,})")
                row(f"{label}: run wall time (file written in {gen:.1f}s)", f"{total:.2f}s")
            finally:
                os.unlink(path)
        a, b = sent.values()
        row("ratio big / small", f"{b / a:.4f}  (target within 0.95-1.05)")

        server.script("root", responder=answer_at(args.turns))
        fd, path = tempfile.mkstemp(dir=DATA, suffix=".log")
        os.close(fd)
        try:
            make_log(path, 1 << 20)
            one_run(server, path, 2, args.sandbox)  # warm-up: LiteLLM's HTTP client, imports
            total, events, stamped = one_run(server, path, args.turns, args.sandbox)
        finally:
            os.unlink(path)
        model = sum(e.duration for e in events if isinstance(e, ModelReplied))
        cells = sum(e.duration for e in events if isinstance(e, CellFinished))
        n = sum(isinstance(e, ModelReplied) for e in events)
        row(f"{n}-turn run, wall", f"{total:.2f}s")
        row("per turn: root call (zero-latency server)", f"{model / n * 1000:.1f} ms")
        loop = stamped[-1][0] - next(t for t, e in stamped if isinstance(e, TurnStarted))
        row("REPL start + context card (once per run)", f"{(total - loop) * 1000:.0f} ms")
        row("per turn: engine + REPL, excluding model", f"{(loop - model) / n * 1000:.1f} ms "
            f"(of which cell execution {cells / n * 1000:.2f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
