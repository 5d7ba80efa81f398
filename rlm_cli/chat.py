"""`rlm chat PATH...`: follow-up questions on one loaded input, in one REPL whose variables persist.

The input is loaded once and one sandboxed worker holds it for the session.
Each question is a run of the engine loop over that worker (``RLM.run(...,
repl=..., history=...)``): a fresh client, so limits and --timeout apply per
question; ``answer`` reset; the earlier questions and answers told to the
model. Questions come from the terminal (prompt on stderr, answers on stdout),
or, when stdin is not a terminal, one per line, so sessions can be scripted.
``/exit`` or end of input ends the session; ``/vars`` lists the REPL's variables.

Exit status: 0 when every question was answered, 3 when a limit stopped at
least one, 4 when the provider failed on one (the session goes on), 2 for
usage errors, 130 on Ctrl-C (after the partial answer).
"""

from __future__ import annotations

import json
import sys
from typing import Any, Iterator, Optional, Sequence, TextIO

from .ask import AskOptions
from .exits import EXIT_LIMIT, EXIT_OK, EXIT_PROVIDER, EXIT_USAGE, error

EXIT_COMMANDS = ("/exit", "/quit")
HELP = "Ask a question about the input; /vars lists the REPL's variables; /exit or Ctrl-D ends the session."


def questions(stream: TextIO, interactive: bool, err: TextIO) -> Iterator[str]:
    """Questions, one per line, blank lines skipped, until /exit or end of input."""
    n = 0
    while True:
        if interactive:
            err.write(f"rlm [{n + 1}]> ")
            err.flush()
            try:
                line = input()  # readline editing on a terminal; the prompt is on stderr, stdout stays answers
            except EOFError:
                err.write("\n")
                return
        else:
            line = stream.readline()
            if not line:
                return
        q = line.strip()
        if not q:
            continue
        if q in EXIT_COMMANDS:
            return
        n += not q.startswith("/")  # the prompt counts questions, not commands
        yield q


def chat(paths: Sequence[str], walk: Any, o: AskOptions, stdin: Optional[TextIO] = None) -> int:
    if not o.model:
        from .config import no_model_message

        error(no_model_message())
        return EXIT_USAGE
    if not paths or "-" in paths:
        error("rlm chat needs PATH arguments: its questions are read from the terminal or stdin, so the input "
              "cannot be stdin (save it to a file first)")
        return EXIT_USAGE
    stdin = stdin or sys.stdin
    from .llm import preload

    preload()
    from .context.load import load
    from .repl import Repl, ReplInputs, ReplSettings

    loaded = load(list(paths), walk).require_some()
    repl = Repl(ReplInputs.from_loaded(loaded, walk), settings=ReplSettings(sandbox=o.sandbox,
                                                                           cell_timeout=o.cell_timeout))
    interactive = stdin.isatty()
    if interactive and not o.quiet:
        print(f"rlm: {HELP}", file=sys.stderr)
    history: list[tuple[str, str]] = []
    code = EXIT_OK
    with repl:
        for q in questions(stdin, interactive, sys.stderr):
            if q == "/vars":
                print(repl.run_cell("SHOW_VARS()").stdout.rstrip())
                continue
            if q.startswith("/"):
                print(f"rlm: {HELP}" if q == "/help" else f"rlm: unknown command {q}. {HELP}", file=sys.stderr)
                continue
            code = max(code, _one(q, repl, history, list(loaded.roots), o))
    return code


def _one(question: str, repl: Any, history: list[tuple[str, str]], roots: list[str], o: AskOptions) -> int:
    """One question as one engine run in the session's REPL; prints its answer; returns its exit status."""
    from .engine import RLM, EngineSettings
    from .llm import Limits, LLMClient, LLMConfig, ProviderError
    from .ui import progress_view

    limits = Limits(max_cost=o.max_cost, max_tokens=o.max_tokens, max_subcalls=o.max_subcalls, timeout=o.timeout)
    client = LLMClient(LLMConfig(model=o.model, sub_model=o.sub_model, api_base=o.api_base, api_key=o.api_key,
                                 concurrency=o.concurrency, cache=o.cache), limits)
    view = progress_view(quiet=o.quiet, verbose=o.verbose, limits=vars(limits))
    subscribers: list = [] if view is None else [view]
    trace = None
    if o.log:
        from .trace import TraceWriter, public_url

        trace = TraceWriter({"question": question, "model": o.model, "sub_model": o.sub_model or o.model,
                             "api_base": public_url(o.api_base), "inputs": roots, "limits": vars(limits),
                             "max_turns": o.max_turns, "max_depth": o.max_depth, "sandbox": o.sandbox,
                             "chat_turn": len(history) + 1}, secrets=[o.api_key])
        subscribers.append(trace)
    rlm = RLM(client, EngineSettings(max_turns=o.max_turns, max_depth=o.max_depth, repl=repl.settings), subscribers)
    try:
        result = rlm.run(question, repl=repl, history=history)
    except ProviderError as e:
        error(str(e))  # one question failed; the session (and its variables) goes on
        return EXIT_PROVIDER
    except KeyboardInterrupt:
        if rlm.last_answer:
            print(rlm.last_answer)
        raise
    finally:
        client.close()
        if view is not None:
            view.close()
        if trace is not None:
            trace.close()
    history.append((question, result.answer))
    result.trace_path = trace.path if trace is not None else None
    if o.json_out:  # one object per line: a JSONL stream, one line per question
        print(json.dumps({"question": question, **result.to_json()}, ensure_ascii=False), flush=True)
    else:
        from .ui.answer import print_answer

        print_answer(result.answer)
        print(flush=True)
    if result.ready:
        return EXIT_OK
    print(f"rlm: stopped without a ready answer: {result.message or result.stop_reason} "
          "(the answer above is partial)", file=sys.stderr)
    return EXIT_LIMIT
