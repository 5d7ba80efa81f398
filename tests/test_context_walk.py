"""Walking: git's own listing is the ground truth for ignore semantics."""

from __future__ import annotations

import os
import random
import subprocess

import pytest

from rlm_cli.context import WalkOptions, load
from rlm_cli.context.walk import Walker

GITIGNORES = {
    ".gitignore": "*.log\n!keep.log\nbuild/\n/root_only.txt\ndocs/**/draft*\n*.tmp\n",
    "src/.gitignore": "generated/\n!important.tmp\nsecret*\n",
    "src/deep/.gitignore": "!secret_ok.py\n*.py[co]\n",
    "docs/.gitignore": "# comment\n\n\\#hash.txt\nnotes/*.md\n!notes/keep.md\n",
}
FILES = [
    "a.txt", "x.log", "keep.log", "root_only.txt", "sub/root_only.txt", "build/out.bin.txt", "sub/build/o.txt",
    "src/main.py", "src/important.tmp", "src/other.tmp", "src/secret.key", "src/generated/g.py",
    "src/deep/secret_ok.py", "src/deep/secret_no.txt", "src/deep/m.pyc", "src/deep/m.py", "docs/#hash.txt",
    "docs/a/draft1.md", "docs/a/final.md", "docs/notes/x.md", "docs/notes/keep.md", "docs/notes/sub/y.md",
    ".hidden/h.txt", "src/.env", "weird name with spaces.txt", "ünïcode.txt",
]


def build_tree(root, extra_random: int = 300, seed: int = 3):
    rnd = random.Random(seed)
    files = list(FILES)
    dirs = ["", "src", "src/deep", "docs/a", "lib/x/y", "build", "src/generated", "docs/notes"]
    exts = [".py", ".log", ".tmp", ".txt", ".md", ".pyc"]
    for i in range(extra_random):
        d = rnd.choice(dirs)
        files.append(f"{d}/{rnd.choice(['f', 'secret', 'draft', 'keep'])}{i}{rnd.choice(exts)}".lstrip("/"))
    for rel in files:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"content of {rel}\n")
    for rel, body in GITIGNORES.items():
        (root / rel).write_text(body)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".git" / "info").mkdir(parents=True, exist_ok=True)
    (root / ".git" / "info" / "exclude").write_text("*.excluded\n")
    (root / "z.excluded").write_text("x\n")


def git_listing(root) -> set[str]:
    out = subprocess.run(["git", "-C", str(root), "ls-files", "--others", "--exclude-standard", "-z"],
                         check=True, capture_output=True).stdout
    return {p for p in out.decode().split("\0") if p}


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("walk")
    build_tree(root)
    return root


def test_same_paths_as_git(tree):
    walker = Walker(str(tree), WalkOptions(hidden=True))
    ours = {e.rel for e in walker}
    assert ours == git_listing(tree)
    reasons = {s.path: s.reason for s in walker.skipped}
    assert reasons["x.log"] == "ignored by .gitignore"
    assert reasons["src/generated/"] == "ignored by src/.gitignore"
    assert reasons["z.excluded"] == "ignored by .git/info/exclude"
    assert reasons[".git/"] == "version-control directory"


def test_subdirectory_walk_applies_parent_gitignores(tree):
    ours = {e.rel for e in Walker(str(tree / "src"), WalkOptions(hidden=True))}
    expected = {p[len("src/"):] for p in git_listing(tree) if p.startswith("src/")}
    assert ours == expected


def test_hidden_skipped_by_default_and_recorded(tree):
    walker = Walker(str(tree))
    ours = {e.rel for e in walker}
    assert ".hidden/h.txt" not in ours and "src/.env" not in ours
    assert {"path": ".hidden", "reason": "hidden (use --hidden)"} in [{"path": s.path, "reason": s.reason} for s in walker.skipped]


def test_rlmignore_wins_over_gitignore(tmp_path):
    (tmp_path / ".gitignore").write_text("*.md\n")
    (tmp_path / ".rlmignore").write_text("!README.md\nvendor/\n")
    for rel in ["README.md", "other.md", "vendor/v.py", "main.py"]:
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_text("x\n")
    walker = Walker(str(tmp_path))
    assert {e.rel for e in walker} == {"README.md", "main.py"}
    assert {s.path: s.reason for s in walker.skipped}["vendor/"] == "ignored by .rlmignore"
    assert {e.rel for e in Walker(str(tmp_path), WalkOptions(no_ignore=True))} >= {"other.md", "vendor/v.py"}


def test_include_exclude_and_size_caps(tmp_path):
    for rel, size in [("a.py", 10), ("b.txt", 10), ("big.py", 5000), ("sub/c.py", 10)]:
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_text("x" * (size - 1) + "\n")
    loaded = load([str(tmp_path)], WalkOptions(include=("*.py",), exclude=("sub/",), max_file_size=1000))
    assert sorted(d.path for d in loaded.documents) == ["a.py"]
    reasons = {s.path: s.reason for s in loaded.skipped}
    assert reasons["b.txt"] == "excluded by --include/--exclude"
    assert reasons["big.py"].startswith("larger than the per-file cap")
    capped = load([str(tmp_path)], WalkOptions(max_total_size=25))
    assert len(capped.documents) == 2
    assert sum(s.reason.startswith("total size cap") for s in capped.skipped) == 2


def test_symlinks_and_loops(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.txt").write_text("f\n")
    os.symlink("..", tmp_path / "d" / "loop")
    os.symlink("f.txt", tmp_path / "d" / "link.txt")
    os.symlink("missing", tmp_path / "d" / "dangling")
    walker = Walker(str(tmp_path))
    assert {e.rel for e in walker} == {"d/f.txt"}
    assert {s.path: s.reason for s in walker.skipped}["d/loop"] == "symlink (use --follow-symlinks)"
    walker = Walker(str(tmp_path), WalkOptions(follow_symlinks=True))
    assert {e.rel for e in walker} == {"d/f.txt", "d/link.txt"}
    reasons = {s.path: s.reason for s in walker.skipped}
    assert reasons["d/loop/"] == "symlink loop (directory already visited)"
    assert reasons["d/dangling"] == "broken symlink"


def test_fifo_in_a_tree_is_skipped_not_read(tmp_path):
    (tmp_path / "ok.txt").write_text("ok\n")
    os.mkfifo(tmp_path / "pipe")
    loaded = load([str(tmp_path)])
    assert [d.path for d in loaded.documents] == ["ok.txt"]
    assert {s.path: s.reason for s in loaded.skipped}["pipe"] == "not a regular file (fifo)"
