"""Line-aligned chunking that covers a text exactly once (plus optional overlap)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from .types import Chunk

if TYPE_CHECKING:
    from .document import Document


def line_chunks(doc: "Document", max_chars: int = 100_000, overlap: int = 0) -> list[Chunk]:
    """Cut ``doc`` at the last line end before each ``max_chars`` boundary.

    Chunks only record offsets; a line longer than ``max_chars`` is split inside.
    """
    if max_chars <= 0:
        raise ValueError("max_chars must be positive")
    if not 0 <= overlap < max_chars:
        raise ValueError("overlap must be >= 0 and smaller than max_chars")
    total = len(doc)
    out: list[Chunk] = []
    start, line = 0, 1
    while start < total:
        window = doc._text(start, min(total, start + max_chars))
        if start + len(window) >= total:
            cut = len(window)
        else:
            k = window.rfind("\n")
            cut = k + 1 if k >= 0 else len(window)
        body = window[:cut]
        newlines = body.count("\n")
        end_line = line + newlines - (1 if body.endswith("\n") else 0)
        out.append(Chunk(doc.path, line, end_line, start, start + cut, partial(doc._text, start, start + cut)))
        if start + cut >= total:
            break
        nxt = cut
        if overlap:
            j = window.rfind("\n", 0, cut - overlap)
            nxt = j + 1 if j >= 0 and j + 1 > 0 else max(1, cut - overlap)
        line += window.count("\n", 0, nxt)
        start += nxt
    return out
