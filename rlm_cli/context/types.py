"""Small value types shared by the context objects: matches, chunks, skips.

They print the way the model (and a user at a terminal) wants to read them:
a match as ``path:line: text``, a chunk as its text, a list of matches one per
line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Match:
    """One matching line. ``line`` is 1-based; ``context`` holds numbered lines around it."""

    path: str
    line: int
    text: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()

    def __str__(self) -> str:
        if not self.before and not self.after:
            return f"{self.path}:{self.line}: {self.text}"
        rows = [f"{self.path}-{self.line - len(self.before) + i}- {t}" for i, t in enumerate(self.before)]
        rows.append(f"{self.path}:{self.line}: {self.text}")
        rows += [f"{self.path}-{self.line + 1 + i}- {t}" for i, t in enumerate(self.after)]
        return "\n".join(rows)

    __repr__ = __str__


class MatchList(list):
    """A list of matches that prints one per line (and says when it was capped)."""

    truncated: bool = False

    def __str__(self) -> str:
        body = "\n".join(str(m) for m in self)
        if self.truncated:
            body += f"\n[stopped at {len(self)} matches: raise max_matches or narrow the pattern]"
        return body

    __repr__ = __str__


@dataclass(frozen=True, eq=False)
class Chunk:
    """A line-aligned slice of one file (or several small files packed together).

    ``str(chunk)`` is its text, so ``f"...{chunk}..."`` puts it in a prompt; the
    text is read when asked for, so a list of chunks over 10 GB costs little.
    ``start``/``end`` are character offsets in the document.
    """

    path: str
    start_line: int
    end_line: int
    start: int
    end: int
    load: Callable[[], str] = field(repr=False, compare=False)
    files: tuple[str, ...] = ()  # for packed chunks: every file inside

    @property
    def text(self) -> str:
        return self.load()

    def __str__(self) -> str:
        return self.load()

    def __len__(self) -> int:
        return self.end - self.start

    def __repr__(self) -> str:
        where = f"{len(self.files)} files: {self.path}" if self.files else f"{self.path}:{self.start_line}-{self.end_line}"
        return f"Chunk({where}, {self.end - self.start:,} chars)"


@dataclass(frozen=True)
class Skipped:
    """A path that was not loaded, and why."""

    path: str
    reason: str


class InputError(Exception):
    """Bad input that stops a run: the message is one clear line for the user (exit 2)."""


class FileChangedError(InputError):
    """The file shrank or vanished after it was opened; reading on would crash (SIGBUS)."""


def human_size(n: float) -> str:
    """1536 -> '1.5 KB'."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
