"""The offline commands as a user runs them: real processes, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from rlm_cli.context import load

# Reads peak RSS (VmHWM) inside the child: a child's ru_maxrss includes the parent's RSS at fork.
RSS_RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "rss_run.py"


def rlm(*args, stdin=subprocess.DEVNULL, input=None, cwd=None, prefix=()):
    kw = {"input": input} if input is not None else {"stdin": stdin}
    return subprocess.run([*prefix, sys.executable, "-m", "rlm_cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, **kw)


def assert_clean_error(proc, needle: str):
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert needle in proc.stderr
    assert len([l for l in proc.stderr.splitlines() if l.strip()]) == 1, proc.stderr


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    root = tmp_path_factory.mktemp("repo")
    (root / "src").mkdir()
    (root / "src" / "retry.py").write_text("MAX_RETRIES = 5\n\ndef backoff(n):\n    return 2 ** n\n")
    (root / "README.md").write_text("# Demo\nretry policy lives in src/retry.py\n")
    (root / "blob.bin").write_bytes(b"\x00\x01\x02" * 100)
    (root / "latin1.txt").write_bytes(b"caf\xe9 au lait\n")
    (root / ".gitignore").write_text("*.cache\n")
    (root / "x.cache").write_text("ignored\n")
    return root


def test_inspect_json_lists_files_relative_to_root_and_skips(repo):
    proc = rlm("inspect", str(repo), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    files = {f["path"]: f for f in data["files"]}
    assert set(files) == {"src/retry.py", "README.md", "latin1.txt"}
    assert files["src/retry.py"]["lines"] == 4 and files["src/retry.py"]["language"] == "python"
    assert files["src/retry.py"]["bytes"] == (repo / "src" / "retry.py").stat().st_size
    assert files["latin1.txt"]["invalid_utf8_bytes"] == 1
    skipped = {s["path"]: s["reason"] for s in data["skipped"]}
    assert skipped["blob.bin"].startswith("binary")
    assert skipped["x.cache"] == "ignored by .gitignore"
    assert data["totals"]["files"] == 3


def test_inspect_table(repo):
    proc = rlm("inspect", str(repo))
    assert proc.returncode == 0
    assert "src/retry.py" in proc.stdout and "binary" in proc.stdout and "3 files" in proc.stdout


def test_grep_output_and_exit_codes(repo):
    proc = rlm("grep", "retry", str(repo))
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == ["README.md:2: retry policy lives in src/retry.py"]
    proc = rlm("grep", "-i", "RETRIES", str(repo / "src"))
    assert proc.stdout.splitlines() == ["retry.py:1: MAX_RETRIES = 5"]
    assert rlm("grep", "no such text", str(repo)).returncode == 1
    assert rlm("grep", "-c", "e", str(repo)).stdout.strip() == "4"  # Demo, retry..., def, return
    assert_clean_error(rlm("grep", "(", str(repo)), "invalid regular expression")


def test_peek_lines_and_tree(repo):
    proc = rlm("peek", str(repo / "src" / "retry.py"), "--lines", "3:4")
    assert proc.stdout.splitlines() == ["3| def backoff(n):", "4|     return 2 ** n"]
    proc = rlm("peek", str(repo))
    assert "src/ (1 files" in proc.stdout
    assert_clean_error(rlm("peek", str(repo / "README.md"), "--lines", "x"), "--lines")


def test_stdin_pipe_is_spooled_and_read(repo):
    proc = rlm("grep", "needle", input="hay\nneedle here\nhay\n")
    assert proc.stdout == "<stdin>:2: needle here\n"
    proc = rlm("grep", "needle", "-", str(repo / "README.md"), input="needle\n")
    assert proc.stdout.splitlines() == ["<stdin>:1: needle"]


def test_stdin_terminal_is_never_read():
    main, secondary = pty.openpty()
    try:
        proc = rlm("grep", "x", stdin=secondary)
        assert_clean_error(proc, "no input")
        proc = rlm("grep", "x", "-", stdin=secondary)
        assert_clean_error(proc, "stdin is not a pipe or file")
    finally:
        os.close(main)
        os.close(secondary)


def test_null_stdin_in_ci_does_not_hang():
    assert_clean_error(rlm("inspect"), "no input")


def test_missing_path(tmp_path):
    assert_clean_error(rlm("grep", "x", str(tmp_path / "nope")), "no such file or directory")


def test_empty_directory_and_empty_file(tmp_path):
    (tmp_path / "empty").mkdir()
    assert_clean_error(rlm("grep", "x", str(tmp_path / "empty")), "nothing to read")
    proc = rlm("inspect", str(tmp_path / "empty"))
    assert proc.returncode == 2 and "nothing would be loaded" in proc.stdout
    (tmp_path / "e.txt").write_text("")
    assert rlm("grep", "x", str(tmp_path / "e.txt")).returncode == 1
    data = json.loads(rlm("inspect", "--json", str(tmp_path / "e.txt")).stdout)
    assert data["files"][0]["lines"] == 0


def test_binary_file_given_alone(tmp_path):
    (tmp_path / "b.bin").write_bytes(b"ab\x00cd")
    assert_clean_error(rlm("grep", "a", str(tmp_path / "b.bin")), "binary file")


def test_device_file_is_refused():
    assert_clean_error(rlm("grep", "x", "/dev/null"), "not a regular file")


def test_fifo_given_explicitly_is_spooled(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def writer():
        with open(fifo, "w") as f:
            f.write("one\ntwo needle\n")

    t = threading.Thread(target=writer)
    t.start()
    proc = rlm("grep", "needle", str(fifo))
    t.join(5)
    assert proc.stdout.strip().endswith(":2: two needle")


def test_permission_denied(tmp_path):
    d = tmp_path / "perm"
    d.mkdir()
    (d / "ok.txt").write_text("fine\n")
    (d / "locked.txt").write_text("secret\n")
    (d / "locked.txt").chmod(0)
    (d / "closed").mkdir()
    (d / "closed" / "inner.txt").write_text("x\n")
    (d / "closed").chmod(0)
    prefix = ()
    if os.geteuid() == 0:  # root reads anything: drop the capabilities that let it
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: cannot make a file unreadable")
        prefix = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
    try:
        proc = rlm("inspect", "--json", str(d), prefix=prefix)
        data = json.loads(proc.stdout)
        skipped = {s["path"]: s["reason"] for s in data["skipped"]}
        assert [f["path"] for f in data["files"]] == ["ok.txt"]
        assert skipped["locked.txt"] == "permission denied"
        assert skipped["closed/"] == "permission denied"
        assert_clean_error(rlm("grep", "x", str(d / "locked.txt"), prefix=prefix), "permission denied")
    finally:
        (d / "closed").chmod(0o755)


def test_file_vanishing_between_walk_and_read(tmp_path):
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(f"needle in {name}\n")
    corpus = load([str(tmp_path)]).context
    (tmp_path / "b.txt").unlink()
    matches = corpus.grep("needle")
    assert [m.path for m in matches] == ["a.txt", "c.txt"]
    assert ("b.txt", "file disappeared after it was listed") in [(s.path, s.reason) for s in corpus.skipped]


@pytest.fixture(scope="session")
def one_line_500mb(tmp_path_factory):
    path = tmp_path_factory.mktemp("huge") / "oneline.txt"
    block = b"abcdefghij" * (1 << 20)  # 10 MiB, no newline
    with open(path, "wb") as f:
        for i in range(50):
            f.write(block)
            if i == 37:
                f.write(b"NEEDLE")
    return path


@pytest.mark.parametrize("args", [("peek", "--chars", "100"), ("peek", "--lines", "1:1"), ("grep", "-F", "NEEDLE")])
def test_500mb_single_line_is_never_materialised(one_line_500mb, args):
    cmd, *rest = args
    proc = subprocess.run([sys.executable, str(RSS_RUN), cmd, *rest, str(one_line_500mb)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    rss_mb = int(proc.stderr.rsplit("VMHWM_KB=", 1)[1]) / 1024
    assert rss_mb < 150, f"peak RSS {rss_mb:.0f} MB"
    assert len(proc.stdout) < 10_000
    if cmd == "grep":
        assert proc.stdout.startswith(f"{one_line_500mb}:1: ") and "NEEDLE" in proc.stdout


def test_help_and_offline_commands_do_not_import_heavy_modules(repo):
    for args in (["--help"], ["inspect", str(repo)], ["grep", "x", str(repo)]):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "rlm_cli", *args],
                              capture_output=True, text=True)
        imported = [l for l in proc.stderr.splitlines() if "import time:" in l]
        assert imported, "importtime printed nothing"
        heavy = [l for l in imported if l.split("|")[-1].strip().split(".")[0] in ("litellm", "tree_sitter", "tree_sitter_language_pack")]
        assert heavy == [], heavy
