"""Response cache: the same request on unchanged input is answered from disk, at no cost.

A small SQLite file of our own rather than LiteLLM's disk cache: that one needs
the ``diskcache`` package (not installed), and its keys and hit signalling vary
between LiteLLM versions; here the key, the stored fields and the failure
behaviour are ours. SQLite is in the standard library, safe across threads
with a lock, and across concurrent ``rlm`` processes with WAL and a busy timeout.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from .transport import Response

_SCHEMA = """CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY, model TEXT NOT NULL, text TEXT NOT NULL,
    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cost REAL, created REAL NOT NULL)"""


def default_cache_dir() -> Path:
    """``$RLM_CACHE_DIR``, else the platform's user cache dir for rlm."""
    env = os.environ.get("RLM_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("rlm"))


def cache_key(model: str, messages: List[Dict[str, Any]], params: Dict[str, Any], api_base: Optional[str]) -> str:
    """What determines an answer: model, server, messages and sampling parameters. Never the API key."""
    blob = json.dumps({"model": model, "api_base": api_base or "", "messages": messages, "params": params},
                      sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """Thread-safe get/put. Any disk or database error disables the cache for the run instead of failing it."""

    def __init__(self, path: Union[str, Path, None] = None) -> None:
        self.path = Path(path) if path is not None else default_cache_dir() / "responses.sqlite3"
        self._lock = threading.Lock()
        self._db: Optional[sqlite3.Connection] = None
        self.disabled_reason: Optional[str] = None

    def _conn(self) -> Optional[sqlite3.Connection]:
        if self._db is None and self.disabled_reason is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(str(self.path), timeout=5.0, check_same_thread=False, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(_SCHEMA)
                self._db = db
            except (OSError, sqlite3.Error) as e:
                self.disabled_reason = f"response cache off: {e}"
        return self._db

    def get(self, key: str) -> Optional[Response]:
        with self._lock:
            db = self._conn()
            if db is None:
                return None
            try:
                row = db.execute("SELECT model, text, input_tokens, output_tokens, cost FROM responses WHERE key = ?",
                                 (key,)).fetchone()
            except sqlite3.Error as e:
                self.disabled_reason = f"response cache off: {e}"
                return None
        if row is None:
            return None
        return Response(model=row[0], text=row[1], input_tokens=row[2], output_tokens=row[3], cost=row[4])

    def put(self, key: str, response: Response) -> None:
        with self._lock:
            db = self._conn()
            if db is None:
                return
            try:
                db.execute("INSERT OR REPLACE INTO responses VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (key, response.model, response.text, response.input_tokens, response.output_tokens,
                            response.cost, time.time()))
            except sqlite3.Error as e:
                self.disabled_reason = f"response cache off: {e}"

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
