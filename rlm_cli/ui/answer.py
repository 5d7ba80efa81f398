"""The final answer on stdout: rendered Markdown on a terminal, the text unchanged otherwise (pipes, files, scripts)."""

from __future__ import annotations

import sys
from typing import Any, Optional


def print_answer(text: str, stream: Any = None, markdown: Optional[bool] = None) -> None:
    """Print ``text``; ``markdown=None`` renders Markdown only when ``stream`` is a terminal."""
    stream = stream or sys.stdout
    if markdown is None:
        isatty = getattr(stream, "isatty", None)
        markdown = bool(isatty and isatty())
    if not markdown or not text.strip():
        print(text, file=stream, flush=True)
        return
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(file=stream, highlight=False)
    if console.is_dumb_terminal:
        print(text, file=stream, flush=True)
        return
    console.print(Markdown(text))
