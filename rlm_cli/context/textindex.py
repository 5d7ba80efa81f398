"""A sparse index over UTF-8 bytes: where each block starts in bytes, characters and lines.

One entry per block (1 MiB by default), never one per line, so a 10 GB file costs
~10k entries. Block starts sit on character boundaries so each block decodes on
its own exactly as it would inside the whole text (errors replaced).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from dataclasses import dataclass
from typing import Callable

BLOCK = 1 << 20


def char_boundary(read: Callable[[int, int], bytes], pos: int, lo: int) -> int:
    """Move ``pos`` back (at most 3 bytes) so that it does not split a UTF-8 sequence."""
    probe = read(max(lo, pos - 3), pos + 1)  # ends with the byte at pos
    back = 0
    # Continuation bytes look like 10xxxxxx; a block must not start on one.
    while back < min(3, len(probe) - 1) and probe[-1 - back] & 0xC0 == 0x80:
        back += 1
    return pos - back


@dataclass
class TextIndex:
    """Block starts in bytes, with the characters and newlines that come before each."""

    starts: array  # byte offset of each block start, plus the end offset last
    chars: array  # characters before each block start, plus the total last
    newlines: array  # newlines before each block start, plus the total last
    invalid_bytes: int  # bytes that were not valid UTF-8 (replaced by U+FFFD)
    ends_with_newline: bool

    @property
    def total_chars(self) -> int:
        return self.chars[-1]

    @property
    def line_count(self) -> int:
        if self.starts[-1] == self.starts[0]:
            return 0
        return self.newlines[-1] + (0 if self.ends_with_newline else 1)

    def block_of_char(self, c: int) -> int:
        return max(0, min(bisect_right(self.chars, c) - 1, len(self.starts) - 2))

    def block_of_newline(self, k: int) -> int:
        """Block holding the k-th newline (1-based)."""
        return max(0, min(bisect_right(self.newlines, k - 1) - 1, len(self.starts) - 2))


def build_index(read: Callable[[int, int], bytes], base: int, end: int, release: Callable[[int, int], None],
                block: int = BLOCK) -> TextIndex:
    """Scan [base, end) once, block by block, releasing pages behind the scan."""
    starts, chars, newlines = array("q", [base]), array("q", [0]), array("q", [0])
    invalid = 0
    pos, nchars, nlines = base, 0, 0
    last = b""
    while pos < end:
        stop = min(end, pos + block)
        if stop < end:
            stop = char_boundary(read, stop, pos)
        data = read(pos, stop)
        nlines += data.count(b"\n")
        if data.isascii():
            nchars += len(data)
        else:
            text = data.decode("utf-8", "replace")
            nchars += len(text)
            if "\ufffd" in text:
                invalid += _invalid_bytes(data)
        last = data[-1:]
        release(pos, stop)
        pos = stop
        starts.append(pos)
        chars.append(nchars)
        newlines.append(nlines)
    return TextIndex(starts, chars, newlines, invalid, last == b"\n")


def _invalid_bytes(data: bytes) -> int:
    """Count bytes that strict decoding rejects (a real U+FFFD in the text is valid)."""
    bad, pos = 0, 0
    while True:
        try:
            data[pos:].decode("utf-8")
            return bad
        except UnicodeDecodeError as e:
            if e.reason == "unexpected end of data" and e.end == len(data) - pos:
                return bad + (e.end - e.start)
            bad += e.end - e.start
            pos += e.end
