"""The Rich view of a run, fed by the engine's events: what the model thought, ran and saw, and where the run stands.

Above the live area, printed once per step: the model's reasoning (dimmed), each
cell's code (highlighted) and its output (head and tail), notes, limits. In the
live area, redrawn at most ``refresh_per_second`` times by Rich's own thread: a
progress bar per running ``llm_batch``/``llm_query`` (done/total, tokens, cost,
elapsed), an indicator per running child ``rlm_query``, and a footer (turn,
depth, sub-calls, tokens, cost against the budget, elapsed).

Cheap and thread-safe: sub-call events arrive from pool threads by the thousand,
so an event only updates counters under a lock; nothing is rendered per event.
Printing never happens while that lock is held (Rich's refresh thread takes it
to draw). With ``animate=False`` (``rlm runs show``) there is no live area: batch
progress and the footer are printed as summary lines instead.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.padding import Padding
from rich.progress_bar import ProgressBar
from rich.rule import Rule
from rich.spinner import Spinner
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from ..engine.parse import strip_code

OUTPUT_LINES = 12  # head + tail lines of a cell's output shown without --verbose
OUTPUT_CHARS = 2_000
REASONING_LINES = 12


@dataclass
class _Task:
    """A running llm_batch / llm_query."""

    kind: str
    items: int
    depth: int
    started: float
    done: int = 0
    failed: int = 0
    tokens: int = 0
    cost: float = 0.0


@dataclass
class _Child:
    """A running rlm_query: a child loop one level deeper."""

    depth: int  # the child's own depth
    started: float
    turn: int = 0
    max_turns: int = 0
    doing: str = "starting"


def _money(x: float) -> str:
    return f"${x:.4f}" if x < 100 else f"${x:,.2f}"


def _clip(text: str, lines: int, chars: int) -> tuple[str, int]:
    """Head and tail of ``text`` within ``lines`` lines and ``chars`` characters; also the lines left out."""
    rows = text.splitlines()
    cut = 0
    if len(rows) > lines:
        head = lines * 2 // 3
        tail = lines - head
        cut = len(rows) - lines
        rows = rows[:head] + [f"… {cut:,} more lines …"] + rows[-tail:]
    out = "\n".join(rows)
    if len(out) > chars:
        out = out[: chars * 2 // 3] + f"\n… {len(out) - chars:,} more characters …\n" + out[-chars // 3:]
    return out, cut


class LiveView:
    """Subscriber: ``RLM(client, settings, [LiveView(Console(stderr=True))])``; call ``close()`` at the end."""

    def __init__(self, console: Console, limits: Optional[Mapping[str, Any]] = None, verbose: bool = False,
                 animate: bool = True, refresh_per_second: float = 8) -> None:
        self.console = console
        self.limits = dict(limits or {})
        self.verbose = verbose
        self.animate = animate
        self._refresh = refresh_per_second
        self._lock = threading.Lock()  # counters
        self._life = threading.Lock()  # starting and stopping the animation
        self._t0 = time.monotonic()
        self._replay_t: Optional[float] = None  # replayed events carry their own time ("t")
        self._live: Optional[Live] = None
        self._closed = False
        # counters (under _lock)
        self.turn = 0
        self.max_turns = 0
        self.depth = 0
        self.subcalls = 0
        self.tokens = 0
        self.cost = 0.0
        self.cost_unknown = False
        self.answer_chars = 0
        self.ready = False
        self._tasks: dict[tuple[int, int], _Task] = {}  # (depth, call_id) -> running sub-call
        self._children: dict[tuple[int, int], _Child] = {}
        self._latest_task: Optional[tuple[int, int]] = None

    # -- life cycle -----------------------------------------------------------------
    def _start(self) -> None:
        if not self.animate or self._live is not None or self._closed:
            return
        # Its own lock: Live.start() draws at once, and drawing takes _lock (child turns start on host threads).
        with self._life:
            if self._live is None and not self._closed:
                live = Live(_Area(self), console=self.console, refresh_per_second=self._refresh, transient=True,
                            redirect_stdout=False, redirect_stderr=False)
                live.start()
                self._live = live

    def _stop(self, close: bool = False) -> None:
        with self._life:
            live, self._live = self._live, None
            self._closed = self._closed or close
            if live is not None:
                live.stop()

    def close(self) -> None:
        """Stop the animation for good (idempotent); the live area is cleared, what was printed stays."""
        self._stop(close=True)

    def __enter__(self) -> "LiveView":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _now(self) -> float:
        return self._replay_t if self._replay_t is not None else time.monotonic()

    def elapsed(self) -> float:
        return self._now() - (0.0 if self._replay_t is not None else self._t0)

    # -- events ---------------------------------------------------------------------
    def __call__(self, e: Any) -> None:
        t = getattr(e, "t", None)  # a replayed trace record
        if isinstance(t, (int, float)):
            self._replay_t = float(t)
        handler = getattr(self, "_on_" + type(e).__name__, None)
        if handler is not None:
            handler(e)

    def _print(self, *renderables: RenderableType, depth: int = 0) -> None:
        if depth:
            renderables = tuple(Padding(r, (0, 0, 0, 2 * depth), expand=isinstance(r, Rule)) for r in renderables)
        self.console.print(*renderables)

    def _shown(self, depth: int) -> bool:
        """Children's steps are printed with --verbose only; their indicator shows them otherwise."""
        return depth == 0 or self.verbose

    def _on_RunStarted(self, e: Any) -> None:
        with self._lock:
            self.max_turns = e.max_turns
            self._t0 = time.monotonic()
        self._print(Text.assemble(("? ", "bold cyan"), (e.question, "bold")))
        self._print(Text(f"model {e.model} · sub-model {e.sub_model} · sandbox {e.sandbox}", style="dim"))
        self._start()

    def _on_TurnStarted(self, e: Any) -> None:
        with self._lock:
            if e.depth == 0:
                self.turn, self.max_turns = e.turn, e.max_turns
            else:
                c = self._child(e.depth)
                if c is not None:
                    c.turn, c.max_turns, c.doing = e.turn, e.max_turns, "thinking"
        self._start()
        if self._shown(e.depth):
            title = "final call" if e.final else f"turn {e.turn}/{e.max_turns}"
            if e.depth:
                title = f"rlm_query depth {e.depth} · {title}"
            self._print(Rule(Text(title, style="bold blue"), style="blue", align="left"), depth=e.depth)

    def _on_ModelReplied(self, e: Any) -> None:
        with self._lock:
            c = self._child(e.depth) if e.depth else None
            if c is not None:
                c.doing = f"replied, {e.blocks} cell(s)"
        if not self._shown(e.depth):
            return
        prose = strip_code(e.text)
        if prose:
            if not self.verbose:
                prose, _ = _clip(prose, REASONING_LINES, OUTPUT_CHARS)
            self._print(Text(prose, style="dim italic"), depth=e.depth)
        cost = "" if e.cost is None else f", {_money(e.cost)}"
        self._print(Text(f"{e.input_tokens:,} in / {e.output_tokens:,} out tokens{cost}, {e.duration:.1f}s",
                         style="dim"), depth=e.depth)

    def _on_CellStarted(self, e: Any) -> None:
        with self._lock:
            c = self._child(e.depth) if e.depth else None
            if c is not None:
                c.doing = f"running cell {e.index}"
        if self._shown(e.depth):
            code = e.code.rstrip("\n")
            self._print(Syntax(code, "python", theme="ansi_dark", background_color="default", word_wrap=True),
                        depth=e.depth)

    def _on_CellFinished(self, e: Any) -> None:
        if not self._shown(e.depth):
            return
        out = getattr(e, "output", "") or ""
        if not self.verbose:
            out, _ = _clip(out, OUTPUT_LINES, OUTPUT_CHARS)
        style = "red" if e.error or e.timed_out else ""
        body = Text(out, style=style or "dim")
        status = "timed out" if e.timed_out else ("error" if e.error else "ok")
        head = Text(f"└ cell {e.index}: {status}, {e.duration:.2f}s, {e.total_chars:,} chars of output"
                    + (" (worker restarted)" if e.restarted else ""), style="red" if style else "green")
        self._print(Padding(body, (0, 0, 0, 2), expand=False), head, depth=e.depth)

    def _on_SubcallStarted(self, e: Any) -> None:
        now = self._now()
        with self._lock:
            if e.kind == "rlm_query":
                self._children[(e.depth, e.call_id)] = _Child(e.depth + 1, now)
            else:
                self._tasks[(e.depth, e.call_id)] = _Task(e.kind, e.items, e.depth, now)
                self._latest_task = (e.depth, e.call_id)
            self.depth = max(self.depth, e.depth + (e.kind == "rlm_query"))
        if self.verbose and e.kind != "llm_query":
            self._print(Text(f"{e.kind} ×{e.items:,} started, {e.prompt_chars:,} prompt chars", style="dim"),
                        depth=e.depth)

    def _on_CallFinished(self, e: Any) -> None:
        with self._lock:
            self.tokens += e.input_tokens + e.output_tokens
            if e.cost is None:
                self.cost_unknown = self.cost_unknown or e.error is None
            else:
                self.cost += e.cost
            if e.role != "sub":
                return
            self.subcalls += 1
            task = self._tasks.get(self._latest_task) if self._latest_task else None
            if task is None and self._tasks:
                task = next(reversed(self._tasks.values()))
            if task is not None:
                task.done += 1
                task.failed += e.error is not None
                task.tokens += e.input_tokens + e.output_tokens
                task.cost += e.cost or 0.0

    def _on_SubcallFinished(self, e: Any) -> None:
        key = (e.depth, e.call_id)
        with self._lock:
            task = self._tasks.pop(key, None)
            child = self._children.pop(key, None)
            if self._latest_task == key:
                self._latest_task = next(reversed(self._tasks), None) if self._tasks else None
            self.depth = max([0] + [c.depth for c in self._children.values()])
        if e.kind == "llm_query" and not self.verbose and not e.error:
            return  # a loop of single queries would flood the screen; the footer counts them
        if not self._shown(e.depth):
            return
        line = Text(f"{e.kind} ×{e.items:,} done in {e.duration:.1f}s", style="dim")
        if task is not None and task.tokens:
            line.append(f", {task.tokens:,} tokens, {_money(task.cost)}", style="dim")
        if task is not None and task.failed:
            line.append(f", {task.failed} failed", style="yellow")
        if e.error:
            line.append(f" ({e.error})", style="red")
        if child is not None:
            line.append(f" (child reached turn {child.turn})", style="dim")
        self._print(line, depth=e.depth)

    def _on_AnswerUpdated(self, e: Any) -> None:
        if e.depth == 0:
            with self._lock:
                self.answer_chars, self.ready = len(e.content), e.ready

    def _on_Notice(self, e: Any) -> None:
        if self._shown(e.depth):
            msg = e.message if self.verbose else e.message.strip().splitlines()[0][:160]
            self._print(Text(f"note ({e.kind}): {msg}", style="yellow"), depth=e.depth)

    def _on_CallRetrying(self, e: Any) -> None:
        self._print(Text(f"{e.role} model {e.model}: retry {e.attempt} in {e.delay:.1f}s: {e.reason}",
                         style="yellow"))

    def _on_LimitReached(self, e: Any) -> None:
        self._print(Text(f"limit: {e.message}", style="bold yellow"), depth=e.depth)

    def _on_RunFinished(self, e: Any) -> None:
        self._stop()  # until the next run's RunStarted (rlm chat feeds one view several runs)
        cost = "cost unknown" if e.cost is None else _money(e.cost)
        if e.ready:
            head = Text("✓ ready", style="bold green")
        else:
            head = Text(f"■ stopped ({e.stop_reason})", style="bold yellow" if e.stop_reason != "error" else "bold red")
        with self._lock:
            subs = self.subcalls
        head.append(f" after {e.turns} turn(s) · {subs:,} sub-calls · {e.tokens:,} tokens · {cost} · "
                    f"{e.duration:.1f}s", style="dim")
        if e.error:
            head.append(f" · {e.error}", style="red")
        self._print(head)

    # -- the live area ----------------------------------------------------------------
    def _child(self, depth: int) -> Optional[_Child]:
        """The most recent running child at ``depth`` (caller holds the lock)."""
        for c in reversed(self._children.values()):
            if c.depth == depth:
                return c
        return None

    def footer(self) -> Text:
        """Turn, depth, sub-calls, tokens, cost against the budget, elapsed."""
        lim = self.limits
        with self._lock:
            turn, max_turns, depth, subs = self.turn, self.max_turns, self.depth, self.subcalls
            tokens, cost, unknown = self.tokens, self.cost, self.cost_unknown
            chars, ready = self.answer_chars, self.ready

        def of(value: str, limit: Any, fmt: str = "{:,}") -> str:
            return value if limit is None else f"{value}/{fmt.format(limit)}"

        parts = [f"turn {turn}/{max_turns}", f"depth {depth}", "sub-calls " + of(f"{subs:,}", lim.get("max_subcalls")),
                 "tokens " + of(f"{tokens:,}", lim.get("max_tokens")),
                 "cost " + of(_money(cost) + ("+" if unknown else ""), lim.get("max_cost"), "${:g}")]
        elapsed = f"{self.elapsed():.1f}s"
        parts.append(of(elapsed, lim.get("timeout"), "{:g}s"))
        if chars:
            parts.append(f"answer {chars:,} chars" + (" ✓" if ready else ""))
        return Text(" · ".join(parts), style="bold")

    def render(self) -> RenderableType:
        """The live area: a bar per running sub-call, an indicator per child, the footer."""
        now = self._now()
        with self._lock:
            tasks = list(self._tasks.values())
            children = list(self._children.values())
        rows: list[RenderableType] = []
        if tasks:
            grid = Table.grid(padding=(0, 1))
            for _ in range(6):
                grid.add_column(no_wrap=True)
            for t in tasks[-8:]:
                grid.add_row(Text("  " * t.depth + t.kind, style="cyan"),
                             ProgressBar(total=max(t.items, 1), completed=t.done, width=30),
                             Text(f"{t.done:,}/{t.items:,}"), Text(f"{t.tokens:,} tok", style="dim"),
                             Text(_money(t.cost), style="dim"), Text(f"{now - t.started:.1f}s", style="dim"))
            rows.append(grid)
        for c in children[-8:]:
            turn = f"turn {c.turn}/{c.max_turns}" if c.turn else "starting"
            rows.append(Spinner("dots", Text(f"{'  ' * (c.depth - 1)}↳ rlm_query depth {c.depth}: {turn} · {c.doing} · "
                                             f"{now - c.started:.1f}s", style="magenta")))
        rows.append(self.footer())
        return Group(*rows)


class _Area:
    """What Rich's Live redraws: rendered from the view's state at each refresh, not at each event."""

    def __init__(self, view: LiveView) -> None:
        self.view = view

    def __rich__(self) -> RenderableType:
        return self.view.render()
