"""The runs log: list, replay and remove the JSONL traces that ``rlm ask`` records (``trace.TraceWriter``).

Listing reads only the first line (metadata) and the last line (``RunFinished``)
of each trace, and imports neither Rich nor the engine, so ``rlm runs list``
stays fast with hundreds of runs. ``show`` replays the recorded events through
the same view ``rlm ask`` uses (not animated) and prints the answer on stdout.
A run is named by its id or any unique prefix of it or of its last part
(``rlm runs show 3f9a``), or ``last`` for the newest.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any, Iterator, Optional

from .exits import EXIT_OK, EXIT_USAGE, error
from .trace import runs_dir as _runs_dir


@dataclass
class RunSummary:
    id: str
    path: str
    started: Optional[float]
    question: str
    model: str
    outcome: str  # ready | stopped (<reason>) | unfinished (no RunFinished: running, killed or crashed)
    turns: Optional[int]
    cost: Optional[float]
    duration: Optional[float]
    tokens: Optional[int]


def _trace_files(directory: str) -> list[str]:
    """Trace names (without .jsonl), newest first (names start with the start time)."""
    try:
        names = [n[:-6] for n in os.listdir(directory) if n.endswith(".jsonl")]
    except FileNotFoundError:
        return []
    return sorted(names, reverse=True)


def _last_line(f: Any, size: int) -> bytes:
    """The last non-empty line of a binary file, reading backwards in blocks (an answer can be long)."""
    end = size
    buf = b""
    while end > 0:
        start = max(0, end - 65536)
        f.seek(start)
        buf = f.read(end - start) + buf
        end = start
        stripped = buf.rstrip(b"\n")
        cut = stripped.rfind(b"\n")
        if cut >= 0:
            return stripped[cut + 1:]
    return buf.rstrip(b"\n")


def _json(line: bytes) -> dict:
    try:
        record = json.loads(line)
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}


def summarize(path: str) -> RunSummary:
    with open(path, "rb") as f:
        meta = _json(f.readline())
        size = os.fstat(f.fileno()).st_size
        last = _json(_last_line(f, size)) if f.tell() < size else {}
    run_id = os.path.basename(path)[:-6]
    if last.get("type") == "RunFinished":
        outcome = "ready" if last.get("ready") else f"stopped ({last.get('stop_reason', '?')})"
    else:
        outcome, last = "unfinished", {}
    return RunSummary(run_id, path, meta.get("started"), str(meta.get("question", "")), str(meta.get("model", "")),
                      outcome, last.get("turns"), last.get("cost"), last.get("duration"), last.get("tokens"))


def iter_runs(directory: Optional[str] = None) -> Iterator[RunSummary]:
    directory = directory or _runs_dir()
    for name in _trace_files(directory):
        try:
            yield summarize(os.path.join(directory, name + ".jsonl"))
        except OSError:
            continue  # removed while listing


class RunNotFound(Exception):
    pass


def resolve(ref: str, directory: Optional[str] = None) -> str:
    """The trace path of the run ``ref`` names; RunNotFound with a one-line reason otherwise."""
    directory = directory or _runs_dir()
    names = _trace_files(directory)
    if ref == "last":
        if not names:
            raise RunNotFound("no runs recorded yet")
        return os.path.join(directory, names[0] + ".jsonl")
    ref = ref[:-6] if ref.endswith(".jsonl") else os.path.basename(ref)
    exact = [n for n in names if n == ref]
    found = exact or [n for n in names if ref and (n.startswith(ref) or n.rsplit("-", 1)[-1].startswith(ref))]
    if not found:
        raise RunNotFound(f"no run matches {ref!r} (rlm runs list shows them)")
    if len(found) > 1:
        shown = ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")
        raise RunNotFound(f"{ref!r} matches {len(found)} runs ({shown}): give more of the id")
    return os.path.join(directory, found[0] + ".jsonl")


# -- commands -------------------------------------------------------------------------

def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def list_command(limit: int = 20, json_out: bool = False) -> int:
    runs = list(iter_runs())
    total = len(runs)
    if limit:
        runs = runs[:limit]
    if json_out:
        print(json.dumps([asdict(r) for r in runs], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not runs:
        print(f"rlm: no runs recorded in {_runs_dir()}", file=sys.stderr)
        return EXIT_OK
    rows = [("ID", "DATE", "OUTCOME", "TURNS", "COST", "TIME", "MODEL", "QUESTION")]
    for r in runs:
        rows.append((r.id.rsplit("-", 1)[-1],
                     time.strftime("%Y-%m-%d %H:%M", time.localtime(r.started)) if r.started else "?",
                     r.outcome, "" if r.turns is None else str(r.turns),
                     "" if r.cost is None else f"${r.cost:.4f}",
                     "" if r.duration is None else f"{r.duration:.1f}s", _short(r.model, 28), ""))
    widths = [max(len(row[i]) for row in rows) for i in range(7)]
    try:
        cols = os.get_terminal_size(sys.stdout.fileno()).columns if sys.stdout.isatty() else 120
    except (OSError, ValueError):
        cols = 120
    room = max(20, cols - sum(widths) - 2 * 7)
    for row, r in zip(rows, [None, *runs]):
        question = "QUESTION" if r is None else _short(r.question, room)
        cells = [row[i].rjust(widths[i]) if i in (3, 4, 5) else row[i].ljust(widths[i]) for i in range(7)]
        print("  ".join(cells + [question]).rstrip())
    if total > len(runs):
        print(f"rlm: {total - len(runs)} older run(s) not shown (-n 0 shows all)", file=sys.stderr)
    return EXIT_OK


class _Record:
    """A trace line as an event: the view dispatches on the class name and reads attributes."""

    def __init__(self, fields: dict) -> None:
        self.__dict__.update(fields)


_TYPES: dict[str, type] = {}


def _event(record: dict) -> Any:
    name = str(record.get("type", ""))
    cls = _TYPES.get(name) or _TYPES.setdefault(name, type(name, (_Record,), {}))
    fields = {k: v for k, v in record.items() if k != "type"}
    fields.setdefault("depth", 0)
    return cls(fields)


def show_command(ref: str, verbose: bool = False) -> int:
    try:
        path = resolve(ref)
    except RunNotFound as e:
        error(str(e))
        return EXIT_USAGE
    from rich.console import Console

    from .ui.answer import print_answer
    from .ui.live import LiveView

    with open(path, encoding="utf-8") as f:
        records = [r for r in (_json(line.encode()) for line in f) if r]
    meta = records[0] if records and records[0].get("type") == "run" else {}
    view = LiveView(Console(stderr=True, highlight=False), limits=meta.get("limits") or {}, verbose=verbose,
                    animate=False)
    answer: Optional[str] = None
    finished = False
    for record in records[1:] if meta else records:
        try:
            view(_event(record))
        except Exception:  # a line from an older or damaged trace: the rest still replays
            pass
        if record.get("type") == "AnswerUpdated" and record.get("depth", 0) == 0:
            answer = record.get("content", "")
        elif record.get("type") == "RunFinished":
            finished = True
            answer = record.get("answer", answer)
    view.close()
    if not finished:
        print("rlm: this run did not finish (still running, killed or crashed); its last answer follows",
              file=sys.stderr)
    if answer:
        print_answer(answer)
    return EXIT_OK


def rm_command(refs: list[str], all_runs: bool = False) -> int:
    directory = _runs_dir()
    if all_runs == bool(refs):
        error("give run ids or --all, not both" if refs else "give a run id (or a unique prefix), or --all")
        return EXIT_USAGE
    if all_runs:
        paths = [os.path.join(directory, n + ".jsonl") for n in _trace_files(directory)]
    else:
        try:
            paths = list(dict.fromkeys(resolve(r, directory) for r in refs))
        except RunNotFound as e:
            error(str(e))
            return EXIT_USAGE
    removed = 0
    for p in paths:
        try:
            os.remove(p)
            removed += 1
        except FileNotFoundError:
            pass
    what = os.path.basename(paths[0])[:-6] if removed == 1 and not all_runs else f"{removed} runs"
    print(f"rlm: removed {what}", file=sys.stderr)
    return EXIT_OK
