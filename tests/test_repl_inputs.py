"""The worker opens exactly what the host loaded: one walk per run, one list of skips."""

from __future__ import annotations

from pathlib import Path

from rlm_cli.context import load
from rlm_cli.repl import Repl, ReplInputs, ReplSettings


def test_worker_uses_the_hosts_file_list_and_skips(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "a.py").write_text("def a():\n    return 1\n")
    (repo / "notes.md").write_text("# notes\n")
    (repo / "blob.bin").write_bytes(b"\x00\x01")
    loaded = load([str(repo)])
    # A file that appears after the host walked is not in the run: the worker does not walk again.
    (repo / "late.txt").write_text("added after loading\n")
    with Repl(ReplInputs.from_loaded(loaded), settings=ReplSettings(sandbox="process")) as repl:
        res = repl.run_cell("print(sorted(d.path for d in context.files))\n"
                            "print([(s.path, s.reason) for s in context.skipped])\n"
                            "print(context['src/a.py'].line(2), context['src/a.py'].language)")
    assert res.error is None, res.error
    files, skipped, line = res.stdout.strip().splitlines()
    assert files == repr(sorted(d.path for d in loaded.documents)) == "['notes.md', 'src/a.py']"
    assert skipped == repr([(s.path, s.reason) for s in loaded.skipped])
    assert "blob.bin" in skipped
    assert line == "    return 1 python"


def test_single_file_stays_a_document(tmp_path: Path) -> None:
    f = tmp_path / "app.log"
    f.write_text("one\ntwo\n")
    with Repl(ReplInputs.from_loaded(load([str(f)])), settings=ReplSettings(sandbox="process")) as repl:
        res = repl.run_cell("print(type(context).__name__, context.path, context.line_count)")
    assert res.stdout.strip() == f"Document {f} 2"
