"""`rlm ask`: wire the layers for one run and print the result (the CLI command only parses flags).

Plain output: the answer on stdout, one progress line per step on stderr
(the Rich view is a separate subscriber, elsewhere). Exit 0 for a ready
answer, 3 when a limit stopped the run (the partial answer is printed), 2 for
usage errors; a ProviderError propagates to ``exits.run_guarded`` (4).
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from .exits import EXIT_LIMIT, EXIT_OK, EXIT_USAGE, error


@dataclass
class AskOptions:
    model: Optional[str]
    sub_model: Optional[str] = None
    api_base: Optional[str] = None
    api_key: Optional[str] = None
    max_turns: int = 20
    max_depth: int = 1
    max_subcalls: Optional[int] = None
    max_cost: Optional[float] = None
    max_tokens: Optional[int] = None
    timeout: Optional[float] = None
    cell_timeout: float = 60.0
    concurrency: int = 16
    cache: bool = True
    sandbox: str = "auto"
    json_out: bool = False
    quiet: bool = False
    log: bool = True


class Progress:
    """One plain line per step on stderr; thread-safe (sub-call events come from pool threads)."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self._lock = threading.Lock()

    def _say(self, text: str) -> None:
        with self._lock:
            print(f"rlm: {text}", file=self.stream, flush=True)

    def __call__(self, e: object) -> None:
        name = type(e).__name__
        d = getattr(e, "depth", 0)
        pad = "  " * d
        if name == "RunStarted":
            self._say(f"model {e.model} (sub {e.sub_model}), sandbox {e.sandbox}")  # type: ignore[attr-defined]
        elif name == "TurnStarted":
            self._say(f"{pad}{'final call' if e.final else f'turn {e.turn}/{e.max_turns}'}")  # type: ignore[attr-defined]
        elif name == "ModelReplied":
            self._say(f"{pad}  reply: {e.blocks} code block(s), {e.duration:.1f}s")  # type: ignore[attr-defined]
        elif name == "CellFinished":
            err = f" error: {e.error.strip().splitlines()[-1][:120]}" if e.error else ""  # type: ignore[attr-defined]
            self._say(f"{pad}  cell {e.index}: {e.duration:.2f}s, {e.total_chars:,} chars out{err}")  # type: ignore[attr-defined]
        elif name == "SubcallStarted":
            self._say(f"{pad}  {e.kind} x{e.items} started")  # type: ignore[attr-defined]
        elif name == "SubcallFinished":
            err = f" ({e.error})" if e.error else ""  # type: ignore[attr-defined]
            self._say(f"{pad}  {e.kind} x{e.items} done in {e.duration:.1f}s{err}")  # type: ignore[attr-defined]
        elif name == "CallRetrying":
            self._say(f"{pad}  {e.role} model retry {e.attempt} in {e.delay:.1f}s: {e.reason}")  # type: ignore[attr-defined]
        elif name == "Notice":
            self._say(f"{pad}  note: {e.kind}")  # type: ignore[attr-defined]
        elif name == "LimitReached":
            self._say(f"{pad}limit: {e.message}")  # type: ignore[attr-defined]
        elif name == "RunFinished":
            cost = "cost unknown" if e.cost is None else f"${e.cost:.4f}"  # type: ignore[attr-defined]
            self._say(f"{'ready' if e.ready else 'stopped (' + e.stop_reason + ')'} after {e.turns} turn(s), "  # type: ignore[attr-defined]
                      f"{e.tokens:,} tokens, {cost}, {e.duration:.1f}s")  # type: ignore[attr-defined]


def ask(question: str, paths: Sequence[str], walk: Any, o: AskOptions) -> int:
    if not o.model:
        from .config import no_model_message

        error(no_model_message())  # every way to set one, and the provider keys found (names only)
        return EXIT_USAGE
    from .llm import preload

    preload()  # LiteLLM's import overlaps loading the input
    from .context.load import load  # the function, even where the submodule shadows the package attribute
    from .engine import RLM, EngineSettings
    from .llm import Limits, LLMClient, LLMConfig
    from .repl import ReplInputs, ReplSettings

    loaded = load(list(paths), walk).require_some()  # no PATH: stdin when piped, never a terminal
    inputs = ReplInputs.from_loaded(loaded, walk)
    api_key = o.api_key  # flag, RLM_API_KEY or a config file (config.resolve)
    config = LLMConfig(model=o.model, sub_model=o.sub_model, api_base=o.api_base, api_key=api_key,
                       concurrency=o.concurrency, cache=o.cache)
    limits = Limits(max_cost=o.max_cost, max_tokens=o.max_tokens, max_subcalls=o.max_subcalls, timeout=o.timeout)
    settings = EngineSettings(max_turns=o.max_turns, max_depth=o.max_depth,
                              repl=ReplSettings(sandbox=o.sandbox, cell_timeout=o.cell_timeout))
    subscribers: list = [] if o.quiet else [Progress()]
    trace = None
    if o.log:
        from .trace import TraceWriter

        trace = TraceWriter({"question": question, "model": o.model, "sub_model": o.sub_model or o.model,
                             "api_base": o.api_base, "inputs": list(loaded.roots),
                             "limits": vars(limits), "max_turns": o.max_turns, "max_depth": o.max_depth,
                             "sandbox": o.sandbox}, secrets=[api_key])
        subscribers.append(trace)
    client = LLMClient(config, limits)
    rlm = RLM(client, settings, subscribers)
    try:
        result = rlm.run(question, inputs)
    except KeyboardInterrupt:
        if rlm.last_answer:  # Ctrl-C: the partial answer first, then exit 130 (exits.run_guarded)
            print(rlm.last_answer)
        raise
    finally:
        client.close()
        if trace is not None:
            trace.close()
    result.trace_path = trace.path if trace is not None else None
    if o.json_out:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        print(result.answer)
    if trace is not None and not o.quiet:
        print(f"rlm: trace: {trace.path}", file=sys.stderr)
    if result.ready:
        return EXIT_OK
    print(f"rlm: stopped without a ready answer: {result.message or result.stop_reason} "
          "(the answer above is partial)", file=sys.stderr)
    return EXIT_LIMIT
