"""Views of a run: subscribers to the engine's events (the engine knows nothing of terminals).

- ``live.LiveView``: the Rich view on stderr (reasoning, code, outputs, batch progress, footer);
  animated on a terminal, static when replaying a trace (``rlm runs show``).
- ``plain.PlainProgress``: one line per step, for a stderr that is not a terminal (CI, logs).
- ``answer.print_answer``: the final answer, Markdown on a terminal and plain text otherwise.

Rich is imported only by the module that needs it, so ``rlm --help`` and ``rlm runs list`` stay light.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Mapping, Optional

View = Callable[[object], None]


def progress_view(*, quiet: bool = False, verbose: bool = False, limits: Optional[Mapping[str, Any]] = None,
                  stream: Any = None) -> Optional[View]:
    """The progress subscriber for a run: None with --quiet, the live view on a terminal, plain lines otherwise.

    The returned view has ``close()``: call it when the run ends (it stops the animation).
    """
    if quiet:
        return None
    stream = stream or sys.stderr
    from rich.console import Console

    console = Console(file=stream, highlight=False)
    if console.is_terminal and not console.is_dumb_terminal:
        from .live import LiveView

        return LiveView(console, limits=limits, verbose=verbose)
    from .plain import PlainProgress

    return PlainProgress(stream, verbose=verbose)
