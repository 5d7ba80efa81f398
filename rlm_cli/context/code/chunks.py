"""Chunks of a code file that fall between definitions, never through a small one.

A file is cut into atoms: each top-level definition (with the comment lines
right above it) and the gaps between them. Atoms are packed greedily up to
``max_chars``. An atom too big on its own is a definition whose children are
cut the same way, or, with no children left, a run of lines cut at line ends.
The chunks cover the text exactly once, in order.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import partial
from typing import TYPE_CHECKING

from ..chunking import line_chunks
from ..types import Chunk
from .outline import tags_for
from .symbols import Symbol

if TYPE_CHECKING:
    from ..document import Document


class _Lines:
    """Character offsets of line starts, so line ranges become text ranges."""

    def __init__(self, text: str) -> None:
        starts = [0]
        find = text.find
        i = find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = find("\n", i + 1)
        if starts[-1] != len(text):
            starts.append(len(text))
        self.starts = starts  # starts[n-1] is where line n begins; the last entry is the end of the text
        self.count = len(starts) - 1
        self.text = text

    def off(self, line: int) -> int:
        return self.starts[min(max(line, 1), self.count + 1) - 1]

    def size(self, a: int, b: int) -> int:
        return self.off(b + 1) - self.off(a)

    def blank(self, line: int) -> bool:
        return not self.text[self.off(line):self.off(line + 1)].strip()

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset)


def code_chunks(doc: "Document", max_chars: int = 100_000, overlap: int = 0) -> list[Chunk]:
    """Definition-aware chunks; plain line chunks when there is no outline or an overlap is asked for."""
    if max_chars <= 0:
        raise ValueError("max_chars must be positive")
    tags = tags_for(doc)
    if overlap or not tags.symbols:
        return line_chunks(doc, max_chars, overlap)
    lines = _Lines(str(doc))
    ranges = _split(lines, 1, lines.count, tags.symbols, max_chars)
    out = []
    for a, b in ranges:
        out.append(Chunk(doc.path, lines.line_of(a), lines.line_of(b - 1), a, b, partial(doc._text, a, b)))
    return out


def _atoms(lines: _Lines, lo: int, hi: int, symbols: list[Symbol],
           max_chars: int) -> list[tuple[int, int, Symbol | None]]:
    """(first line, last line, symbol or None for a gap) covering lines lo..hi in order."""
    spans: list[tuple[int, int, Symbol]] = []
    floor = lo
    for s in symbols:
        a, b = max(s.start_line, floor), min(s.end_line, hi)
        if a > b:
            continue
        lead = a
        while lead > floor and not lines.blank(lead - 1):  # keep doc comments and attributes with it
            lead -= 1
        if lines.size(lead, b) <= max_chars or lines.size(a, b) > max_chars:
            a = lead  # ...unless the lines above are what would push a small definition over the limit
        spans.append((a, b, s))
        floor = b + 1
    atoms: list[tuple[int, int, Symbol | None]] = []
    line = lo
    for a, b, s in spans:
        if a > line:
            atoms.append((line, a - 1, None))
        atoms.append((a, b, s))
        line = b + 1
    if line <= hi:
        atoms.append((line, hi, None))
    return atoms


def _split(lines: _Lines, lo: int, hi: int, symbols: list[Symbol], max_chars: int) -> list[tuple[int, int]]:
    """Character ranges, each at most ``max_chars``, covering lines lo..hi."""
    out: list[tuple[int, int]] = []
    cur: tuple[int, int] | None = None  # lines packed into the open chunk

    def close() -> None:
        nonlocal cur
        if cur is not None:
            out.append((lines.off(cur[0]), lines.off(cur[1] + 1)))
            cur = None

    for a, b, sym in _atoms(lines, lo, hi, symbols, max_chars):
        if cur is not None and lines.size(cur[0], b) <= max_chars:
            cur = (cur[0], b)
            continue
        close()
        if lines.size(a, b) <= max_chars:
            cur = (a, b)
        elif sym is not None and sym.children:
            out += _split(lines, a, b, sym.children, max_chars)
        else:
            out += _by_lines(lines, a, b, max_chars)
    close()
    return [r for r in out if r[1] > r[0]]


def _by_lines(lines: _Lines, lo: int, hi: int, max_chars: int) -> list[tuple[int, int]]:
    """Cut at the last line end that fits; a single line longer than ``max_chars`` is cut inside."""
    out = []
    start, end = lines.off(lo), lines.off(hi + 1)
    while start < end:
        limit = min(end, start + max_chars)
        if limit == end:
            out.append((start, end))
            break
        i = bisect_right(lines.starts, limit) - 1  # last line start at or before the limit
        cut = lines.starts[i] if lines.starts[i] > start else limit
        out.append((start, cut))
        start = cut
    return out
