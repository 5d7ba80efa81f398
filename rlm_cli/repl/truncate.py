"""Head-and-tail truncation of cell output, and the bounded buffer that feeds it.

The model sees the start and the end of long output (where the useful parts
usually are) and is told the true length and how much was left out, so it can
narrow its next cell instead of guessing. ``CappedText`` keeps only what could
ever be shown, so a cell printing 10 GB costs a few KB in both processes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Truncated:
    text: str
    total: int  # true length in characters
    omitted: int  # characters left out (0 when shown whole)


def omission_note(total: int, omitted: int) -> str:
    return f"\n[... {omitted:,} characters omitted; the output was {total:,} characters in all ...]\n"


def truncate(text: str, limit: int, total: int | None = None) -> Truncated:
    """Keep about ``limit`` characters: the first half and the last half, with a note between.

    ``total`` is the true length when ``text`` is already a head+tail excerpt of
    a longer output (as ``CappedText`` produces); the omitted count includes the
    part that was never kept.
    """
    true_total = len(text) if total is None else total
    if true_total <= limit and len(text) == true_total:
        return Truncated(text, true_total, 0)
    head_n = limit // 2
    tail_n = limit - head_n
    # For an excerpt, its own head and tail are the true head and tail.
    head, tail = text[:head_n], (text[-tail_n:] if tail_n else "")
    omitted = true_total - len(head) - len(tail)
    return Truncated(head + omission_note(true_total, omitted) + tail, true_total, omitted)


class CappedText:
    """Append-only text that keeps the first ``keep`` and last ``keep`` characters and counts the rest."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.head: list[str] = []
        self.head_len = 0
        self.tail = ""
        self.total = 0

    def write(self, s: str) -> int:
        n = len(s)
        self.total += n
        room = self.keep - self.head_len
        if room > 0:
            part = s[:room]
            self.head.append(part)
            self.head_len += len(part)
            s = s[room:]
        if s:
            # Only the last ``keep`` characters of the overflow can ever be shown.
            self.tail = (self.tail + s[-self.keep:])[-self.keep:]
        return n

    def excerpt(self) -> tuple[str, int]:
        """(kept text, true total). The kept text is whole when nothing was dropped."""
        head = "".join(self.head)
        return head + self.tail, self.total
