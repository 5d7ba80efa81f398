"""`rlm ask`: wire the layers for one run and print the result (the CLI command only parses flags).

The answer on stdout (Markdown on a terminal), progress on stderr: the Rich
live view on a terminal, plain lines otherwise, nothing with --quiet (``ui``). Exit 0 for a ready
answer, 3 when a limit stopped the run (the partial answer is printed), 2 for
usage errors, 130 after Ctrl-C (the partial answer is printed; ``interrupts``); a
ProviderError propagates to ``exits.run_guarded`` (4). Formats: ``output``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from .exits import EXIT_USAGE, error


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
    verbose: bool = False  # full cell outputs and reasoning, children's steps, sub-call details
    log: bool = True
    format: Optional[str] = None  # text | markdown | json (output.FORMATS); None: the answer, rendered on a terminal
    schema: Optional[dict] = None  # --schema: answer["data"] must match it (engine/schema.py)


def ask(question: str, paths: Sequence[str], walk: Any, o: AskOptions) -> int:
    """One run, its result printed in the chosen format; the exit status (130 after Ctrl-C)."""
    run = execute(question, paths, walk, o)
    if isinstance(run, int):
        return run
    from .output import print_ask

    return print_ask(run, "json" if o.json_out else o.format, o.schema is not None, o.quiet)


def execute(question: str, paths: Sequence[str], walk: Any, o: AskOptions) -> Any:
    """Load, run and record one run: an ``output.AskRun`` (also after a first Ctrl-C), or an exit status."""
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
    settings = EngineSettings(max_turns=o.max_turns, max_depth=o.max_depth, schema=o.schema,
                              repl=ReplSettings(sandbox=o.sandbox, cell_timeout=o.cell_timeout))
    from .ui import progress_view

    view = progress_view(quiet=o.quiet, verbose=o.verbose, limits=vars(limits))  # Rich on a terminal, else lines
    subscribers: list = [] if view is None else [view]
    trace = None
    if o.log:
        from .trace import TraceWriter, public_url

        trace = TraceWriter({"question": question, "model": o.model, "sub_model": o.sub_model or o.model,
                             "api_base": public_url(o.api_base), "inputs": list(loaded.roots),
                             "limits": vars(limits), "max_turns": o.max_turns, "max_depth": o.max_depth,
                             "sandbox": o.sandbox}, secrets=[api_key])
        subscribers.append(trace)
    client = LLMClient(config, limits)
    rlm = RLM(client, settings, subscribers)
    from .interrupts import InterruptGuard

    try:
        with InterruptGuard(rlm, quiet=o.quiet):  # 1st Ctrl-C ends the run with its partial answer, 2nd exits
            try:
                result = rlm.run(question, inputs)
            except KeyboardInterrupt:
                result = rlm.result  # the partial result, stop_reason "interrupted"
                if result is None:
                    raise
    finally:
        client.close()
        if view is not None:
            view.close()  # the live area is gone before the answer is printed
        if trace is not None:
            trace.close()
    result.trace_path = trace.path if trace is not None else None
    from .output import AskRun

    return AskRun(question, result, o.model, o.sub_model or o.model,
                  [{"path": k.path, "reason": k.reason} for k in loaded.skipped],
                  {d.path: f"{d.root.rstrip('/')}/{d.rel}" for d in loaded.documents if d.root})
