"""The parse cache: reused when a file is unchanged, invalidated when it changes, safe with concurrent runs."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from rlm_cli.context import load
from rlm_cli.context.code.cache import TagCache, cache_path, file_key

SAMPLES = os.path.join(os.path.dirname(__file__), "code_samples")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("RLM_CACHE_DIR", str(d))
    return d


def rows(path: str) -> dict[str, tuple[int, int]]:
    with sqlite3.connect(path) as conn:
        return {p: (s, m) for p, s, m in conn.execute("SELECT path, size, mtime_ns FROM tags")}


def test_second_run_reads_the_cache(cache_dir):
    load([SAMPLES]).context.outline()
    db = cache_path()
    assert db.startswith(str(cache_dir)) and os.path.exists(db)
    stored = rows(db)
    assert len(stored) == len(os.listdir(SAMPLES))
    key = file_key(os.path.join(SAMPLES, "sample.py"), "python")
    tags = TagCache(db).get(key, "sample.py", refs=True)  # a fresh connection, as a second run would open
    assert [s.qualified_name for s in tags.symbols] == ["backoff", "RetryPolicy", "Version"]
    assert tags.refs["backoff"] == 1  # the call in next(); its own def line is not a reference
    assert tags.refs["functools"] == 3  # the import and two decorators
    assert "RetryPolicy" not in tags.refs  # only named inside a string annotation


def test_changed_file_is_parsed_again(cache_dir, tmp_path):
    src = tmp_path / "mod.py"
    src.write_text("def one():\n    pass\n")
    assert [s.name for s in load([str(src)]).context.outline()] == ["one"]
    st = os.stat(src)
    src.write_text("def two():\n    pass\n")  # same size: only the mtime tells them apart
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert [s.name for s in load([str(src)]).context.outline()] == ["two"]
    src.write_text("def two():\n    pass\n\n\nclass Three:\n    pass\n")  # new size
    d = load([str(src)]).context
    assert [str(s) for s in d.outline()] == ["function two  L1-2", "class Three  L5-6"]
    assert list(rows(cache_path()).values()) == [(os.stat(src).st_size, os.stat(src).st_mtime_ns)]  # one row per path


def test_same_document_sees_an_edit(cache_dir, tmp_path):
    src = tmp_path / "live.py"
    src.write_text("def a():\n    pass\n")
    d = load([str(src)]).context
    assert [s.name for s in d.outline()] == ["a"]
    src.write_text("def a():\n    pass\n\ndef b():\n    pass\n")
    os.utime(src, ns=(0, os.stat(src).st_mtime_ns + 1_000_000))
    d.close()
    d._index = None  # the Document re-maps the grown file (what a reload does)
    assert [s.name for s in d.outline()] == ["a", "b"]


def test_unusable_cache_dir_still_outlines(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("RLM_CACHE_DIR", str(blocker))
    assert [s.name for s in load([os.path.join(SAMPLES, "sample.py")]).context.outline()][:1] == ["backoff"]


def test_corrupt_cache_file_still_outlines(cache_dir):
    db = cache_path()
    os.makedirs(os.path.dirname(db))
    with open(db, "wb") as f:
        f.write(b"this is not a database" * 100)
    assert len(load([SAMPLES]).context.outline()) == len(os.listdir(SAMPLES))


def test_concurrent_runs_share_the_cache(cache_dir, tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    for i in range(60):
        (tree / f"m{i}.py").write_text(f"class C{i}:\n    def f(self):\n        return {i}\n")
    env = dict(os.environ, RLM_CACHE_DIR=str(cache_dir))
    procs = [subprocess.Popen([sys.executable, "-m", "rlm_cli", "outline", "--no-ignore", str(tree)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [e for _o, e in outs]
    assert len({o for o, _e in outs}) == 1 and "class C59  L1-3" in outs[0][0]
    assert len(rows(cache_path())) == 60
