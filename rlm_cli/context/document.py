"""``Document``: one text file as a lazily paged, read-only object.

The file is memory-mapped on first use; nothing is decoded until asked for.
Scans (grep, counting, chunking) read block by block and drop the pages
behind them, so a 10 GB file costs a few MiB of RSS. Characters are UTF-8 with
invalid bytes replaced (and counted in ``invalid_bytes``); UTF-16 inputs are
transcoded to UTF-8 by the loader before they get here.
"""

from __future__ import annotations

import mmap
import os
from typing import Iterator

from .search import SCAN_BLOCK, Matcher, scan
from .textindex import BLOCK, TextIndex, build_index
from .types import Chunk, FileChangedError, InputError, Match, MatchList

MAX_STR_CHARS = 50_000_000  # str(doc) refuses more: slice, grep or chunk instead
MAX_LINE_CHARS = 5_000  # lines()/grep show at most this much of one line
PAGE = mmap.PAGESIZE
SMALL_FILE = 256 << 10


class Document:
    """A text file the model can slice, search and chunk without loading it.

    ``path`` is what people read (relative to the input root, or ``<stdin>``);
    ``real_path`` is the file on disk that backs it.
    """

    block_size = BLOCK  # index granularity; tests shrink it to exercise block edges
    scan_block = SCAN_BLOCK  # bytes read per search step

    def __init__(self, path: str, real_path: str, *, encoding: str = "utf-8", language: str | None = None) -> None:
        self.path = path
        self.real_path = real_path
        self.encoding = encoding
        self.language = language
        self.root: str | None = None  # the input this file was found under
        self.rel = path  # the path relative to that input
        self._map: mmap.mmap | bytes | None = None
        self._base = 0
        self._end = 0
        self._mtime_ns = 0
        self._index: TextIndex | None = None
        self._transcoded: str | None = None  # UTF-8 copy of a UTF-16 file
        self._block: tuple[int, str] = (-1, "")  # last decoded block, for sequential slicing

    # -- opening and guarding -------------------------------------------------
    def _open(self) -> mmap.mmap | bytes:
        if self._map is not None:
            self._check_unchanged()
            return self._map
        if self.encoding == "utf-16" and self._transcoded is None:
            from .spool import transcode_utf16

            self._transcoded = transcode_utf16(self.real_path)
        try:
            fd = os.open(self._transcoded or self.real_path, os.O_RDONLY)
        except FileNotFoundError:
            raise FileChangedError(f"{self.path}: file disappeared after it was listed") from None
        except PermissionError:
            raise InputError(f"{self.path}: permission denied") from None
        try:
            st = os.fstat(fd)
            self._mtime_ns = st.st_mtime_ns
            # Small files are read: a map costs more system calls than it saves, and read bytes cannot SIGBUS.
            if st.st_size < SMALL_FILE:
                self._map = os.read(fd, st.st_size)
            else:
                self._map = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)
        self._end = len(self._map)
        self._base = 3 if self._map[:3] == b"\xef\xbb\xbf" else 0
        return self._map

    def _check_unchanged(self) -> None:
        """Touching mapped pages past a shrunk file's end kills the process (SIGBUS): refuse first."""
        if not isinstance(self._map, mmap.mmap):
            return
        try:
            st = os.stat(self._transcoded or self.real_path)
        except FileNotFoundError:
            st = None
        if st is None or st.st_size < self._end:
            self.close()
            self._index = None
            raise FileChangedError(f"{self.path}: file shrank or vanished while being read; reload it")

    def close(self) -> None:
        """Unmap the file; the next access maps it again."""
        if isinstance(self._map, mmap.mmap):
            self._map.close()
        self._map = None
        self._block = (-1, "")

    def _read(self, a: int, b: int) -> bytes:
        return self._open()[a:b]

    def _release(self, a: int, b: int) -> None:
        """Drop scanned pages from this process's RSS (they stay in the page cache)."""
        m = self._map
        if isinstance(m, mmap.mmap) and hasattr(m, "madvise"):
            lo = a - a % PAGE
            if b - lo > 0:
                m.madvise(mmap.MADV_DONTNEED, lo, min(b, len(m)) - lo)

    @property
    def index(self) -> TextIndex:
        if self._index is None:
            m = self._open()
            self._index = build_index(self._read, self._base, len(m), self._release, self.block_size)
        return self._index

    # -- sizes ------------------------------------------------------------------
    @property
    def size(self) -> int:
        """Bytes on disk (after transcoding, for UTF-16 inputs)."""
        if self._map is None:
            try:
                return os.stat(self.real_path).st_size
            except OSError:
                return 0
        return self._end

    def __len__(self) -> int:
        return self.index.total_chars

    @property
    def line_count(self) -> int:
        return self.index.line_count

    @property
    def invalid_bytes(self) -> int:
        """Bytes that were not valid UTF-8 and read as U+FFFD."""
        return self.index.invalid_bytes

    def __repr__(self) -> str:
        return f"Document({self.path!r}, {self.size:,} bytes)"

    def __bool__(self) -> bool:
        return True

    # -- characters ---------------------------------------------------------------
    def __getitem__(self, key: slice | int) -> str:
        if isinstance(key, int):
            n = len(self)
            i = key + n if key < 0 else key
            if not 0 <= i < n:
                raise IndexError("Document index out of range")
            return self._text(i, i + 1)
        if not isinstance(key, slice):
            raise TypeError("Document indices must be integers or slices")
        a, b, step = key.indices(len(self))
        text = self._text(a, b) if b > a else ""
        return text if step == 1 else text[::step]

    def _text(self, a: int, b: int) -> str:
        """Characters [a, b), decoded one block at a time."""
        idx = self.index
        parts: list[str] = []
        i = idx.block_of_char(a)
        while a < b and i < len(idx.starts) - 1:
            c0 = idx.chars[i]
            text = self._block_text(i)
            parts.append(text[a - c0 : b - c0])
            a = idx.chars[i + 1]
            i += 1
        return "".join(parts)

    def _block_text(self, i: int) -> str:
        if self._block[0] != i:
            idx = self.index
            self._block = (i, self._read(idx.starts[i], idx.starts[i + 1]).decode("utf-8", "replace"))
        return self._block[1]

    def peek(self, start: int = 0, n: int = 2000) -> str:
        """``n`` characters from character offset ``start``."""
        return self[start : start + n]

    def head(self, n: int = 2000) -> str:
        return self[:n]

    def tail(self, n: int = 2000) -> str:
        return self[max(0, len(self) - n) :]

    def __str__(self) -> str:
        n = len(self)
        if n > MAX_STR_CHARS:
            raise InputError(
                f"{self.path} has {n:,} characters; str() stops at {MAX_STR_CHARS:,}. "
                "Use slicing, .grep(), .lines() or .chunks() instead."
            )
        return self._text(0, n)

    # -- lines --------------------------------------------------------------------
    def _line_start(self, n: int) -> int:
        """Byte offset where 1-based line ``n`` starts (the end offset past the last line)."""
        idx = self.index
        if n <= 1:
            return idx.starts[0]
        k = n - 1  # the newline that ends line n-1
        if k > idx.newlines[-1]:
            return idx.starts[-1]
        i = idx.block_of_newline(k)
        start = idx.starts[i]
        data = self._read(start, idx.starts[i + 1])
        pos = -1
        for _ in range(k - idx.newlines[i]):
            pos = data.find(b"\n", pos + 1)
        return start + pos + 1

    def _line_texts(self, a: int, b: int, max_chars: int = MAX_LINE_CHARS) -> Iterator[str]:
        """Lines ``a``..``b`` (1-based, inclusive) as text, reading forward from line ``a``.

        The index is asked once for where line ``a`` starts; each line after it is read
        from where the last one ended, and only an over-long line asks where its end is.
        """
        cap = max_chars * 4
        pos, end = self._line_start(a), self.index.starts[-1]
        for n in range(a, b + 1):
            data = self._read(pos, min(end, pos + cap + 1))
            cut = data.find(b"\n")
            if cut >= 0 or pos + len(data) >= end:
                raw = data if cut < 0 else data[:cut]
                nxt = min(end, pos + len(raw) + 1)  # where line n + 1 starts
            else:  # longer than cap: show its head, find its end through the index
                raw, nxt = data, self._line_start(n + 1)
            text = raw.decode("utf-8", "replace").rstrip("\r")
            if len(text) > max_chars or nxt - pos > cap:
                text = text[:max_chars] + f" … [line continues: {nxt - pos:,} bytes in all]"
            yield text
            pos = nxt

    def lines(self, a: int = 1, b: int | None = None) -> str:
        """Lines ``a`` to ``b`` (1-based, inclusive), numbered; very long lines are cut."""
        total = self.line_count
        if b is None:
            b = a
        a, b = max(1, a), min(b, total)
        if b < a:
            return f"[no lines {a}-{b}: {self.path} has {total:,} lines]"
        width = len(str(b))
        return "\n".join(f"{n:>{width}}| {text}" for n, text in zip(range(a, b + 1), self._line_texts(a, b)))

    def line(self, n: int) -> str:
        """The text of line ``n`` (1-based), unnumbered."""
        return next(self._line_texts(n, n), "")

    # -- search -------------------------------------------------------------------
    def grep(self, pattern: str, ignore_case: bool = False, context: int = 0, max_matches: int = 1000,
             fixed: bool = False) -> MatchList:
        """Lines matching a Python regex (or a literal with ``fixed=True``), as ``path:line: text``."""
        matcher = pattern if isinstance(pattern, Matcher) else Matcher(pattern, ignore_case=ignore_case, fixed=fixed)
        out = MatchList()
        for line_no, text in self.iter_matches(matcher):
            if len(out) >= max_matches:
                out.truncated = True
                break
            before = after = ()
            if context:
                lo, hi = max(1, line_no - context), min(self.line_count, line_no + context)
                around = tuple(self._line_texts(lo, hi))
                before, after = around[: line_no - lo], around[line_no - lo + 1 :]
            out.append(Match(self.path, line_no, text, before, after))
        return out

    def iter_matches(self, matcher: Matcher) -> Iterator[tuple[int, str]]:
        """(line number, line text) for each matching line, scanning block by block."""
        m = self._open()
        yield from scan(self._read, self._base, len(m), matcher, self._release, self.scan_block)

    # -- chunks -------------------------------------------------------------------
    def chunks(self, max_chars: int = 100_000, overlap: int = 0) -> list[Chunk]:
        """Line-aligned chunks that cover the text once (plus ``overlap`` chars carried back).

        A line longer than ``max_chars`` is split inside the line. Chunk text is
        read when used, so chunking a 10 GB file costs only the list. Code files
        with an outline (and ``overlap=0``) are cut between definitions instead.
        """
        from .code.specs import spec_for

        if not overlap and spec_for(self.language) is not None:
            from .code import code_chunks

            return code_chunks(self, max_chars)
        from .chunking import line_chunks

        return line_chunks(self, max_chars, overlap)

    # -- code intelligence (tree-sitter) -------------------------------------------
    def outline(self):
        """Definitions in this file (classes, functions, ...) with line ranges."""
        from .code import outline_document

        return outline_document(self)

    def symbol(self, name: str) -> str:
        """Source of one definition by (qualified) name."""
        from .code import symbol_source

        return symbol_source(self, name)

    def map(self, max_chars: int = 4000) -> str:
        """This file's outline cut to ``max_chars`` (the one-file case of ``Corpus.map``)."""
        from .code import document_map

        return document_map(self, max_chars)


__all__ = ["Document"]
