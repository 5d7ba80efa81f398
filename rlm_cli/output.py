"""What `rlm ask` prints on stdout (--format), the JSON result it documents, and the exit status that goes with it.

Formats: none given, the answer (rendered Markdown on a terminal, the text as is
otherwise); ``text``, the answer exactly as the model wrote it; ``markdown``, a
Markdown document (answer, structured data, a line of run figures) to paste
into an issue; ``json``, the result object described by
``schemas/result.schema.json`` (README, "JSON output"). With ``--schema`` the
text formats print ``answer["data"]`` as JSON when the model set it.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Optional

from .exits import EXIT_INTERRUPTED, EXIT_LIMIT, EXIT_OK

FORMATS = ("text", "markdown", "json")
RESULT_SCHEMA = os.path.join(os.path.dirname(__file__), "schemas", "result.schema.json")


@dataclass
class AskRun:
    """One finished (or interrupted) run with what the output needs besides the engine's RunResult."""

    question: str
    result: Any  # engine.RunResult
    model: str
    sub_model: str
    skipped: list[dict[str, str]] = field(default_factory=list)  # inputs left out: path, reason
    # a file as the model names it (relative to its input directory) -> as the shell names it (input dir joined)
    on_disk: dict[str, str] = field(default_factory=dict)

    @property
    def interrupted(self) -> bool:
        return self.result.stop_reason == "interrupted"


def result_json(run: AskRun) -> dict[str, Any]:
    """The documented JSON result (schemas/result.schema.json)."""
    out = run.result.to_json()
    out.update(question=run.question, model=run.model, sub_model=run.sub_model, skipped=run.skipped)
    return out


def exit_code(result: Any) -> int:
    if result.ready:
        return EXIT_OK
    return EXIT_INTERRUPTED if result.stop_reason == "interrupted" else EXIT_LIMIT


def usage_line(result: Any) -> str:
    """"3 turns, 12,345 tokens, $0.0123, 4.2 s" for footers and summaries."""
    tokens = sum(u.input_tokens + u.output_tokens for u in result.usage.values())
    cost = "cost unknown" if result.cost is None else f"${result.cost:.4f}"
    return f"{result.turns} turn{'s' if result.turns != 1 else ''}, {tokens:,} tokens, {cost}, {result.duration:.1f} s"


def stop_note(result: Any) -> str:
    """Why a not-ready run stopped, one line."""
    if result.stop_reason == "interrupted":
        return "interrupted (Ctrl-C)"
    return f"{result.message or result.stop_reason}"


def markdown(run: AskRun) -> str:
    r = run.result
    parts = []
    if not r.ready:
        parts.append(f"> **Partial answer**: the run stopped without a ready answer: {stop_note(r)}.\n")
    parts.append(r.answer.strip() or "_(no answer)_")
    if r.data is not None:
        parts.append("```json\n" + json.dumps(r.data, indent=2, ensure_ascii=False) + "\n```")
    if r.schema_errors:
        parts.append("Schema errors:\n\n" + "\n".join(f"- {e}" for e in r.schema_errors))
    skipped = f", {len(run.skipped)} input{'s' if len(run.skipped) != 1 else ''} skipped" if run.skipped else ""
    parts.append(f"---\n_rlm: {'ready' if r.ready else r.stop_reason}, {usage_line(r)}, {run.model}{skipped}_")
    return "\n\n".join(parts)


def print_ask(run: AskRun, fmt: Optional[str], structured: bool, quiet: bool) -> int:
    """Print the run's result in ``fmt`` (None: as ui.answer decides) and return the exit status."""
    r = run.result
    if fmt == "json":
        print(json.dumps(result_json(run), indent=2, ensure_ascii=False))
    elif fmt == "markdown":
        print(markdown(run))
    elif structured and r.data is not None:
        print(json.dumps(r.data, indent=2, ensure_ascii=False))
    elif fmt == "text":
        print(r.answer)
    else:
        from .ui.answer import print_answer

        print_answer(r.answer)  # Markdown on a terminal, plain text otherwise
    sys.stdout.flush()
    if r.trace_path and not quiet:
        print(f"rlm: trace: {r.trace_path}", file=sys.stderr)
    if not r.ready:  # said even with --quiet: a script must not take a partial answer for a whole one
        print(f"rlm: stopped without a ready answer: {stop_note(r)} (the answer above is partial)", file=sys.stderr)
        for e in r.schema_errors[:5]:
            print(f"rlm:   schema: {e}", file=sys.stderr)
    return exit_code(r)


def parse_schema(value: str) -> dict:
    """``--schema FILE|JSON``: inline JSON (starts with ``{``) or a file holding it; checked as a JSON Schema.

    Raises InputError (exit 2, one line) for an unreadable file, bad JSON or an invalid schema.
    """
    from .context.types import InputError
    from .engine.schema import SchemaError, check_schema

    text, where = value, "--schema"
    if not value.lstrip().startswith("{"):
        try:
            with open(value, encoding="utf-8") as f:
                text, where = f.read(), f"--schema {value}"
        except OSError as e:
            raise InputError(f"--schema: {value}: {e.strerror or e} (give a file or inline JSON)") from None
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"{where}: not JSON: {e}") from None
    try:
        check_schema(schema)
    except SchemaError as e:
        raise InputError(f"{where}: {e}") from None
    return schema
