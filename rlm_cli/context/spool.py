"""Files the loader writes: stdin spooled to disk and UTF-16 transcoded to UTF-8.

Both go to the user cache dir and are removed when the process exits, so a
multi-gigabyte pipe costs disk, not RAM, and can be mapped like any file.
"""

from __future__ import annotations

import atexit
import codecs
import os
import stat
import tempfile
from typing import BinaryIO

from .types import InputError

COPY_BLOCK = 1 << 20
_created: list[str] = []


def spool_dir() -> str:
    from platformdirs import user_cache_dir

    d = os.environ.get("RLM_CACHE_DIR") or user_cache_dir("rlm")
    path = os.path.join(d, "spool")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def _new_file(prefix: str) -> tuple[int, str]:
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=".txt", dir=spool_dir())
    _created.append(path)
    return fd, path


@atexit.register
def _cleanup() -> None:
    for p in _created:
        try:
            os.unlink(p)
        except OSError:
            pass


def stdin_is_readable(fd: int = 0) -> bool:
    """Only a pipe, socket or regular file is read: a terminal or /dev/null in CI never is."""
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode) or stat.S_ISSOCK(mode)


def spool_stream(stream: BinaryIO) -> str:
    """Copy ``stream`` to a cache file in 1 MiB blocks; returns its path."""
    fd, path = _new_file("stdin-")
    with os.fdopen(fd, "wb") as out:
        while True:
            block = stream.read(COPY_BLOCK)
            if not block:
                break
            out.write(block)
    return path


def spool_stdin() -> str:
    if os.isatty(0) or not stdin_is_readable(0):
        raise InputError("stdin is not a pipe or file: pipe data in (cat big.log | rlm ...) or give a PATH")
    return spool_stream(os.fdopen(os.dup(0), "rb"))


def transcode_utf16(path: str) -> str:
    """UTF-16 (with BOM) to a UTF-8 cache file; the BOM picks the byte order."""
    fd, out_path = _new_file("utf16-")
    decoder = codecs.getincrementaldecoder("utf-16")("replace")
    with open(path, "rb") as src, os.fdopen(fd, "wb") as out:
        while True:
            block = src.read(COPY_BLOCK)
            out.write(decoder.decode(block, final=not block).encode("utf-8", "surrogatepass"))
            if not block:
                break
    return out_path
