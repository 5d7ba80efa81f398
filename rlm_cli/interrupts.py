"""Ctrl-C during a run: the first one stops the run gently, the second one exits at once.

First SIGINT: every later model call is refused (``RLM.cancel``, lock-free),
and the running cells, root and children, are interrupted from a watcher
thread (``RLM.interrupt`` takes locks, which a signal handler must not: the
main thread may hold them). If the root loop is waiting on a cell, the cell
returns with the answer as it left it and the loop ends with stop_reason
"interrupted"; if it is waiting on the model, KeyboardInterrupt abandons the
call. A cell that ignores the interrupt is abandoned the same way after
``grace`` seconds. Second SIGINT: ``os._exit(130)`` (the trace is flushed per event).
"""

from __future__ import annotations

import _thread
import os
import signal
import sys
import threading
from typing import Any, NoReturn, Optional

from .exits import EXIT_INTERRUPTED


class InterruptGuard:
    """``with InterruptGuard(rlm): rlm.run(...)``; a no-op off the main thread (signals go to the main thread)."""

    def __init__(self, rlm: Any, grace: float = 3.0, quiet: bool = False) -> None:
        self.rlm = rlm
        self.grace = grace
        self.quiet = quiet
        self.count = 0
        self._event = threading.Event()
        self._closed = False
        self._escalate = False  # the watcher's own interrupt_main(): raise, do not count it as a second Ctrl-C
        self._prev: Any = None
        self._active = False

    def __enter__(self) -> "InterruptGuard":
        if threading.current_thread() is threading.main_thread():
            self._prev = signal.signal(signal.SIGINT, self._on_sigint)
            self._active = True
            threading.Thread(target=self._watch, name="rlm-interrupt", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed = True
        self._event.set()
        if self._active and self.count == 0:
            signal.signal(signal.SIGINT, self._prev)
        # After a first Ctrl-C the handler stays: a second one while the partial answer is printed exits at once.

    @property
    def interrupted(self) -> bool:
        return self.count > 0

    def _say(self, text: str) -> None:
        if not self.quiet:
            os.write(2, f"\nrlm: {text}\n".encode())  # not print(): the handler may run inside a print

    def _on_sigint(self, signum: int, frame: Optional[object]) -> None:
        if self._escalate:
            self._escalate = False
            raise KeyboardInterrupt
        self.count += 1
        if self.count > 1:
            self._say("interrupted again: exiting now")
            os._exit(EXIT_INTERRUPTED)
        self._say("interrupted: stopping the run (Ctrl-C again to exit at once)")
        self.rlm.cancel()
        self._event.set()
        if not self.rlm.in_cell:
            raise KeyboardInterrupt  # waiting on the model (or between steps): abandon it

    def _watch(self) -> None:
        self._event.wait()
        if self._closed:
            return
        try:
            self.rlm.interrupt()
        except Exception:  # a REPL closing under us: nothing left to interrupt
            pass
        waited = 0.0
        while self.rlm.in_cell and not self._closed and waited < self.grace:
            threading.Event().wait(0.05)
            waited += 0.05
        if self.rlm.in_cell and not self._closed:  # the cell ignored the interrupt: abandon it
            self._escalate = True
            _thread.interrupt_main()


def finish(code: int) -> NoReturn:
    """Exit the process. After an interrupt, sub-calls may still be on the wire in pool threads that the
    interpreter would join at exit (minutes, for a slow model): skip that wait."""
    if code == EXIT_INTERRUPTED:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code)
    sys.exit(code)
