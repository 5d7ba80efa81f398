"""Framed messages between the host and the worker: 4-byte length, then JSON.

One frame is one dict with a ``t`` (type) key. Host to worker: ``init``,
``cell``, ``interrupt``, ``reply``, ``exit``. Worker to host: ``ready``,
``fatal``, ``result``, ``answer`` (sent the moment ``answer["ready"]`` is set),
``call`` (a sub-call request: ``llm_query``, ``llm_batch`` or ``rlm_query``).
Sub-calls carry an ``id`` so replies can arrive in any order. The channel is a
pair of pipes, never the cell's stdout, so nothing a cell prints can forge a
frame.
"""

from __future__ import annotations

import json
import struct
import threading
from typing import Any, BinaryIO

HEADER = struct.Struct(">I")
MAX_FRAME = 1 << 30  # a frame this large is a bug or an attack, not a message


class ChannelClosed(EOFError):
    """The other side went away (exited, was killed, or closed the pipe)."""


class FrameWriter:
    """Writes whole frames; safe to share between threads."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, msg: dict[str, Any]) -> None:
        data = json.dumps(msg, default=str, separators=(",", ":")).encode("utf-8", "surrogatepass")
        if len(data) > MAX_FRAME:
            raise ValueError(f"message of {len(data):,} bytes is over the {MAX_FRAME:,}-byte frame limit")
        with self._lock:
            try:
                self._stream.write(HEADER.pack(len(data)) + data)
                self._stream.flush()
            except (BrokenPipeError, ValueError, OSError) as e:
                raise ChannelClosed(str(e)) from None

    def close(self) -> None:
        try:
            self._stream.close()
        except OSError:
            pass


def read_frame(stream: BinaryIO) -> dict[str, Any]:
    """The next message; ``ChannelClosed`` at end of stream (or on a torn frame)."""
    head = _read_exact(stream, HEADER.size)
    (n,) = HEADER.unpack(head)
    if n > MAX_FRAME:
        raise ChannelClosed(f"frame of {n:,} bytes announced: channel is corrupt")
    return json.loads(_read_exact(stream, n).decode("utf-8", "surrogatepass"))


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    parts, need = [], n
    while need:
        try:
            b = stream.read(need)
        except (OSError, ValueError) as e:
            raise ChannelClosed(str(e)) from None
        if not b:
            raise ChannelClosed("end of stream")
        parts.append(b)
        need -= len(b)
    return b"".join(parts)
