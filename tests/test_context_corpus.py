"""Corpus: lookup, tree, find, grep across files and chunk packing, against the files themselves."""

from __future__ import annotations

import re

import pytest

from rlm_cli.context import Corpus, load


@pytest.fixture()
def corpus(tmp_path) -> tuple[Corpus, dict[str, str]]:
    files = {
        "src/app/main.py": "import os\n\ndef main():\n    return os.getcwd()  # TODO tidy\n",
        "src/app/util.py": "def helper(x):\n    return x * 2\n",
        "docs/guide.md": "# Guide\nTODO: write the guide\n" + "filler line\n" * 300,
        "big.log": "".join(f"{i} INFO ok\n" if i % 97 else f"{i} ERROR TODO retry\n" for i in range(1, 4001)),
        "notes.txt": "",
    }
    for rel, body in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(body)
    return load([str(tmp_path)]).context, files


def test_lookup_len_and_sizes(corpus):
    c, files = corpus
    assert isinstance(c, Corpus) and len(c) == len(files)
    assert sorted(d.path for d in c.files) == sorted(files)
    assert c["src/app/util.py"].line(1) == "def helper(x):"
    assert c["util.py"] is c["src/app/util.py"]  # a unique suffix is enough
    with pytest.raises(KeyError, match="no file"):
        c["missing.py"]
    assert c.size == sum(len(b.encode()) for b in files.values())
    assert c.line_count == sum(b.count("\n") for b in files.values())


def test_tree_and_find(corpus):
    c, _ = corpus
    tree = c.tree()
    assert "src/ (2 files" in tree and "  app/ (2 files" in tree and "big.log" in tree
    assert [d.path for d in c.find("*.py")] == ["src/app/main.py", "src/app/util.py"]
    assert [d.path for d in c.find("docs/*")] == ["docs/guide.md"]


def test_grep_across_files_matches_python(corpus):
    c, files = corpus
    got = [(m.path, m.line, m.text) for m in c.grep(r"TODO\b", max_matches=10**6)]
    expected = [(p, i + 1, line) for p in sorted(files) for i, line in enumerate(files[p].split("\n")[:-1])
                if re.search(r"TODO\b", line)]
    assert sorted(got) == sorted(expected) and len(got) > 40
    capped = c.grep("TODO", max_matches=5)
    assert len(capped) == 5 and capped.truncated
    assert [m.path for m in c.grep("TODO", glob="*.py")] == ["src/app/main.py"]


def test_chunks_pack_small_files_and_split_big_ones(corpus):
    c, files = corpus
    chunks = c.chunks(max_chars=2000)
    assert all(len(ch.text) == len(ch) <= 2000 for ch in chunks)
    packed = [ch for ch in chunks if ch.files]
    assert packed, "small files should share a chunk"
    # every file's text appears exactly once across the chunks: whole in a packed chunk, or in pieces
    for path, body in files.items():
        pieces = [ch.text for ch in chunks if ch.path == path and not ch.files]
        if pieces:
            assert "".join(pieces) == body
        else:
            holders = [ch for ch in packed if path in ch.files]
            assert len(holders) == 1 and f"=== {path} ===\n{body}" in holders[0].text
