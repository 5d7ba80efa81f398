"""Line-oriented search: a matcher (what matches) and a scanner (how bytes are read).

A line matches when ``re.search`` finds the pattern in it, exactly as Python's
``re`` would on that line alone; that is the contract the model relies on.
Speed comes from ripgrep's trick: when the regex requires a literal, find the
literal with ``str.find`` (memchr-class speed) and run the regex only on lines
that contain it.
"""

from __future__ import annotations

import re
from typing import Callable, Iterator

try:  # Python 3.11+
    from re import _constants as _sre_c, _parser as _sre_p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre_c  # type: ignore[no-redef]
    import sre_parse as _sre_p  # type: ignore[no-redef]

from .types import InputError

SCAN_BLOCK = 8 << 20  # bytes read per step; line-aligned
MAX_LINE_WINDOW = 16 << 20  # a longer line is searched in windows of this size
SHOW_CHARS = 1000  # the text of a matching line is cut to about this much around the match


def required_literal(pattern: str) -> str | None:
    """The longest literal every match must contain, read off the regex's parse tree."""
    try:
        parsed = _sre_p.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    best, run = "", []
    for op, arg in parsed:
        if op is _sre_c.LITERAL:
            run.append(chr(arg))
            continue
        if len(run) > len(best):
            best = "".join(run)
        run = []
    if len(run) > len(best):
        best = "".join(run)
    return best or None


class Matcher:
    """A compiled line pattern: a Python regex, or a literal with ``fixed=True``."""

    def __init__(self, pattern: str, ignore_case: bool = False, fixed: bool = False) -> None:
        source = re.escape(pattern) if fixed else pattern
        try:
            self.regex = re.compile(source, re.MULTILINE | (re.IGNORECASE if ignore_case else 0))
        except re.error as e:
            raise InputError(f"invalid regular expression {pattern!r}: {e}") from None
        self.pattern = pattern
        self.literal = None if ignore_case else (pattern if fixed else required_literal(source))
        # When the whole regex is that literal, containing it is matching it.
        self.exact = self.literal is not None and (fixed or re.escape(self.literal) == source or self.literal == source)

    def matches(self, line: str) -> bool:
        return self.regex.search(line) is not None

    def matching_lines(self, text: str) -> Iterator[tuple[int, int]]:
        """(start, end) of each matching line in ``text`` (end excludes the newline)."""
        find, search, lit = text.find, self.regex.search, self.literal
        pos, n = 0, len(text)
        while pos <= n:
            if lit is not None:
                i = find(lit, pos)
                if i < 0:
                    return
                spans_line = True
            else:
                m = search(text, pos)
                if m is None:
                    return
                i = m.start()
                spans_line = False
            ls = text.rfind("\n", 0, i) + 1
            le = find("\n", i)
            if le < 0:
                le = n
            if spans_line:
                ok = self.exact or search(text, ls, le) is not None
            else:
                ok = m.end() <= le or search(text, ls, le) is not None
            if ok:
                yield ls, le
            pos = le + 1

    def show(self, line: str) -> str:
        """The line as printed: without its line ending, cut around the match if long."""
        line = line.rstrip("\r")
        if len(line) <= SHOW_CHARS:
            return line
        m = self.regex.search(line)
        s = max(0, (m.start() if m else 0) - SHOW_CHARS // 5)
        head = "… " if s else ""
        return f"{head}{line[s:s + SHOW_CHARS]} … [{len(line):,} chars in line]"


def scan(read: Callable[[int, int], bytes], base: int, end: int, matcher: Matcher,
         release: Callable[[int, int], None] = lambda a, b: None,
         block: int = SCAN_BLOCK) -> Iterator[tuple[int, str]]:
    """(line number, shown text) of each matching line in bytes [base, end)."""
    pos, line_no, last_yield = base, 1, 0
    while pos < end:
        stop = min(end, pos + block)
        data = read(pos, stop)
        if stop < end:
            cut = data.rfind(b"\n")
            while cut < 0 and stop < end and len(data) < MAX_LINE_WINDOW:
                more = read(stop, min(end, stop + block))
                cut = more.find(b"\n")
                if cut >= 0:
                    more = more[: cut + 1]
                    cut = len(data) + cut
                data += more
                stop = pos + len(data)
            if cut >= 0 and stop < end:
                data = data[: cut + 1]
                stop = pos + cut + 1
        text = data.decode("utf-8", "replace")
        last = 0
        for ls, le in matcher.matching_lines(text):
            line_no += text.count("\n", last, ls)
            last = ls
            if line_no != last_yield:  # a line split across windows matches once
                last_yield = line_no
                yield line_no, matcher.show(text[ls:le])
        line_no += text.count("\n", last)
        release(pos, stop)
        pos = stop
