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
        literal = None if ignore_case else (pattern if fixed else required_literal(source))
        # UTF-8 is self-synchronising: a literal's bytes occur in the raw bytes exactly where the
        # literal occurs in the decoded text (U+FFFD aside), so candidates are found without decoding.
        self.literal = literal.encode("utf-8") if literal and "\ufffd" not in literal else None
        # When the whole regex is that literal, containing it is matching it.
        self.exact = self.literal is not None and (fixed or re.escape(literal) == source or literal == source)

    def lines_in(self, data: bytes) -> Iterator[tuple[int, str | None]]:
        """(0-based line index within ``data``, line text) for each matching line.

        The last item is (newlines in ``data``, None), so callers count each byte once.
        """
        if self.literal is not None:
            hay, needle, nl = data, self.literal, b"\n"
        else:
            hay, needle, nl = data.decode("utf-8", "replace"), None, "\n"
        find, search = hay.find, self.regex.search
        pos, n, line, last = 0, len(hay), 0, 0
        while pos <= n:
            if needle is not None:
                i = find(needle, pos)
            else:
                m = search(hay, pos)
                i = -1 if m is None else m.start()
            if i < 0:
                break
            ls = hay.rfind(nl, 0, i) + 1
            le = find(nl, i)
            if le < 0:
                le = n
            text = hay[ls:le]
            if needle is not None:
                text = text.decode("utf-8", "replace")
                ok = self.exact or search(text) is not None
            else:  # a match that spills past the line end may still leave a match inside it
                ok = m.end() <= le or search(text) is not None
            if ok:
                line += hay.count(nl, last, ls)
                last = ls
                yield line, text
            pos = le + 1
        yield line + hay.count(nl, last), None

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
        newlines = 0
        for index, text in matcher.lines_in(data):
            if text is None:
                newlines = index
                break
            n = line_no + index
            if n != last_yield:  # a line split across windows matches once
                last_yield = n
                yield n, matcher.show(text)
        line_no += newlines
        release(pos, stop)
        pos = stop


RG_MIN_BYTES = 32 << 20  # below this, starting rg costs more than it saves


RG_MAX_COLUMNS = 1 << 16  # longer lines are re-read here, so rg never ships a 500 MB line


def rg_scan(rg: str, path: str, matcher: Matcher, read: Callable[[int, int], bytes],
            release: Callable[[int, int], None] = lambda a, b: None) -> Iterator[tuple[int, str]]:
    """The same (line number, shown text) as ``scan`` for an exact literal, found by ripgrep.

    Only for the offline ``rlm grep`` on big files: rg's line counting is SIMD, ours is
    not. Literal matching has one meaning in both engines, so the results are identical
    (tests compare them); lines are decoded and cut exactly as ``scan`` does. A line
    longer than ``RG_MAX_COLUMNS`` is read back through ``read`` (at most one window).
    """
    import subprocess

    assert matcher.exact and matcher.literal is not None
    # -E none: no BOM sniffing or transcoding, so byte offsets are file offsets (callers skip BOM files).
    cmd = [rg, "--no-config", "-E", "none", "-F", "-n", "-b", "--no-heading", "--no-filename", "-a",
           "--max-columns", str(RG_MAX_COLUMNS), "-e", matcher.literal.decode("utf-8"), "--", path]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None
        for raw in proc.stdout:
            num, _, rest = raw.rstrip(b"\n").partition(b":")
            offset, _, text = rest.partition(b":")
            if text.startswith(b"[Omitted long"):  # rg 13: "...long line with N matches]", rg 15: "...long matching line]"
                text = _window_with(read, release, int(offset), matcher.literal)
            yield int(num), matcher.show(text.decode("utf-8", "replace"))


def _window_with(read: Callable[[int, int], bytes], release: Callable[[int, int], None], start: int,
                 literal: bytes) -> bytes:
    """The first window (of MAX_LINE_WINDOW bytes, from ``start``) of a long line holding ``literal``."""
    pos = start
    while True:
        window = read(pos, pos + MAX_LINE_WINDOW)
        release(pos, pos + len(window))
        end = window.find(b"\n")
        line = window if end < 0 else window[:end]
        if literal in line or end >= 0 or len(window) < MAX_LINE_WINDOW:
            return line
        pos += MAX_LINE_WINDOW
