"""The JSONL trace of a run: a metadata line, then one line per event, flushed as written.

A subscriber like any other (``TraceWriter(...)`` is callable with an event).
Flushing per event means a crash or a kill keeps everything up to it. Known
secrets and anything shaped like a key are redacted from every line.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
import uuid
from typing import Any, Iterable, Optional


def data_dir() -> str:
    """Where runs are recorded: $RLM_DATA_DIR, else the user data dir."""
    env = os.environ.get("RLM_DATA_DIR")
    if env:
        return env
    from platformdirs import user_data_dir

    return user_data_dir("rlm")


def runs_dir() -> str:
    return os.path.join(data_dir(), "runs")


def public_url(url: Optional[str]) -> Optional[str]:
    """``url`` without user:password (an API base may carry credentials; a trace must not)."""
    if not url or "@" not in url:
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if not parts.username and not parts.password:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return vars(value) if hasattr(value, "__dict__") else str(value)


class TraceWriter:
    """Writes ``<runs_dir>/<time>-<id>.jsonl``; thread-safe (events come from REPL host threads)."""

    def __init__(self, metadata: dict[str, Any], secrets: Iterable[Optional[str]] = (),
                 directory: Optional[str] = None) -> None:
        from .llm.errors import redact  # here, so `rlm runs` can import runs_dir() without the llm layer

        self._redact = redact
        directory = directory or runs_dir()
        os.makedirs(directory, mode=0o700, exist_ok=True)
        self.run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:8]
        self.path = os.path.join(directory, self.run_id + ".jsonl")
        self._secrets = [s for s in secrets if s]
        self._lock = threading.Lock()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # traces hold inputs' excerpts
        self._f: Any = os.fdopen(fd, "w", encoding="utf-8")
        self._t0 = time.monotonic()
        self._write({"type": "run", "id": self.run_id, "started": time.time(), **metadata})

    def _write(self, record: dict[str, Any]) -> None:
        line = self._redact(json.dumps(_jsonable(record), ensure_ascii=False, default=str), self._secrets)
        with self._lock:
            if self._f is None:
                return
            self._f.write(line + "\n")
            self._f.flush()

    def __call__(self, event: object) -> None:
        self._write({"type": type(event).__name__, "t": round(time.monotonic() - self._t0, 4), **_jsonable(event)})

    def close(self) -> None:
        with self._lock:
            if self._f is not None:
                self._f.close()
                self._f = None
