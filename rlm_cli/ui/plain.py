"""Plain progress on a stderr that is not a terminal (CI, logs): one line per step, no animation, no colour.

With ``verbose`` the code of each cell and its output (as the model got it) follow the step lines, indented.
"""

from __future__ import annotations

import sys
import threading
from typing import Any


class PlainProgress:
    """One ``rlm: ...`` line per step; thread-safe (sub-call events come from pool threads)."""

    def __init__(self, stream: Any = None, verbose: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.verbose = verbose
        self._lock = threading.Lock()

    def _say(self, text: str) -> None:
        with self._lock:
            print(f"rlm: {text}", file=self.stream, flush=True)

    def _block(self, text: str, pad: str) -> None:
        with self._lock:
            for line in text.rstrip("\n").splitlines():
                print(f"rlm: {pad}    | {line}", file=self.stream)
            self.stream.flush()

    def close(self) -> None:
        pass

    def __call__(self, e: Any) -> None:
        name = type(e).__name__
        pad = "  " * getattr(e, "depth", 0)
        if name == "RunStarted":
            self._say(f"model {e.model} (sub {e.sub_model}), sandbox {e.sandbox}")
        elif name == "TurnStarted":
            self._say(f"{pad}{'final call' if e.final else f'turn {e.turn}/{e.max_turns}'}")
        elif name == "ModelReplied":
            self._say(f"{pad}  reply: {e.blocks} code block(s), {e.duration:.1f}s")
        elif name == "CellStarted" and self.verbose:
            self._say(f"{pad}  cell {e.index}:")
            self._block(e.code, pad)
        elif name == "CellFinished":
            err = f" error: {e.error.strip().splitlines()[-1][:120]}" if e.error else ""
            self._say(f"{pad}  cell {e.index}: {e.duration:.2f}s, {e.total_chars:,} chars out{err}")
            if self.verbose and getattr(e, "output", ""):
                self._block(e.output, pad)
        elif name == "SubcallStarted":
            detail = f", {e.prompt_chars:,} prompt chars" if self.verbose else ""
            self._say(f"{pad}  {e.kind} x{e.items} started{detail}")
        elif name == "SubcallFinished":
            err = f" ({e.error})" if e.error else ""
            self._say(f"{pad}  {e.kind} x{e.items} done in {e.duration:.1f}s{err}")
        elif name == "CallRetrying":
            self._say(f"{pad}  {e.role} model retry {e.attempt} in {e.delay:.1f}s: {e.reason}")
        elif name == "Notice":
            self._say(f"{pad}  note: {e.kind}")
        elif name == "LimitReached":
            self._say(f"{pad}limit: {e.message}")
        elif name == "RunFinished":
            cost = "cost unknown" if e.cost is None else f"${e.cost:.4f}"
            self._say(f"{'ready' if e.ready else 'stopped (' + e.stop_reason + ')'} after {e.turns} turn(s), "
                      f"{e.tokens:,} tokens, {cost}, {e.duration:.1f}s")
