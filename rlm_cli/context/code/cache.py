"""Parse cache: tags per file, keyed by (path, size, mtime), in SQLite under the user cache dir.

SQLite in WAL mode makes concurrent runs safe (readers never block, writers
wait on a busy timeout); a row per real path keeps the file bounded as files
change. Any cache failure (read-only disk, locked too long, a corrupt file)
turns the cache off for this process instead of failing the outline.
"""

from __future__ import annotations

import atexit
import json
import os
import sqlite3
import threading
from dataclasses import dataclass

from .parse import Tags

SCHEMA = 1  # bump when Tags or the language tables change meaning: old rows are ignored
FLUSH_EVERY = 200


def cache_path() -> str:
    from platformdirs import user_cache_dir

    root = os.environ.get("RLM_CACHE_DIR") or user_cache_dir("rlm")
    return os.path.join(root, "code", f"tags-v{SCHEMA}.sqlite")


@dataclass(frozen=True)
class Key:
    path: str  # absolute real path
    size: int
    mtime_ns: int
    language: str


def file_key(real_path: str, language: str) -> Key | None:
    try:
        st = os.stat(real_path)
    except OSError:
        return None
    return Key(os.path.abspath(real_path), st.st_size, st.st_mtime_ns, language)


class TagCache:
    """One connection per process (reopened after fork); writes are batched into few transactions."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._pid = 0
        self._pending: list[tuple] = []
        self._lock = threading.Lock()
        self.disabled = False

    def _connect(self) -> sqlite3.Connection | None:
        if self.disabled:
            return None
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        path = self.path or cache_path()
        try:
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            conn = sqlite3.connect(path, timeout=10, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS tags (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER,"
                         " language TEXT, data TEXT, refs TEXT)")
        except (sqlite3.Error, OSError):
            self.disabled = True
            return None
        self._conn, self._pid, self._pending = conn, os.getpid(), []
        return conn

    def get(self, key: Key, display_path: str = "", refs: bool = False) -> Tags | None:
        """Cached tags when the file is unchanged; ``refs`` also loads the referenced names (for the map)."""
        with self._lock:
            conn = self._connect()
            if conn is None:
                return None
            try:
                row = conn.execute(f"SELECT size, mtime_ns, language, data{', refs' if refs else ''} FROM tags"
                                   " WHERE path = ?", (key.path,)).fetchone()
            except sqlite3.Error:
                return None
        if row is None or (row[0], row[1], row[2]) != (key.size, key.mtime_ns, key.language):
            return None
        try:
            return Tags.from_json(json.loads(row[3]), json.loads(row[4]) if refs else None, display_path)
        except (ValueError, KeyError, TypeError):
            return None

    def put(self, key: Key, tags: Tags, flush: bool = True) -> None:
        with self._lock:
            if self._connect() is None:
                return
            data = json.dumps(tags.outline_json(), separators=(",", ":"))
            refs = json.dumps(tags.refs or {}, separators=(",", ":"))
            self._pending.append((key.path, key.size, key.mtime_ns, key.language, data, refs))
            if flush or len(self._pending) >= FLUSH_EVERY:
                self._flush()

    def flush(self) -> None:
        with self._lock:
            self._flush()

    def _flush(self) -> None:
        if not self._pending or self._conn is None or self._pid != os.getpid():
            self._pending = []
            return
        rows, self._pending = self._pending, []
        try:
            with self._conn:
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany("INSERT OR REPLACE INTO tags VALUES (?, ?, ?, ?, ?, ?)", rows)
        except sqlite3.Error:
            pass  # locked past the timeout or disk full: the next run parses again, that is all

    def close(self) -> None:
        self.flush()
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None


_shared: dict[str, TagCache] = {}


def shared_cache() -> TagCache:
    """The process-wide cache for the current cache dir (tests switch dirs with RLM_CACHE_DIR)."""
    path = cache_path()
    if path not in _shared:
        _shared[path] = TagCache(path)
    return _shared[path]


@atexit.register
def _flush_all() -> None:
    for cache in _shared.values():
        cache.flush()
