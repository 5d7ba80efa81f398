"""Document: characters, lines, search and chunks checked against plain Python on the same text."""

from __future__ import annotations

import random
import re

import pytest

from rlm_cli.context import Document, FileChangedError, InputError, load
from rlm_cli.context.search import Matcher, required_literal

WORDS = ["héllo wörld", "plain ascii", "日本語テキスト", "emoji 😀 here", "", "ERROR timeout user=42", "tab\there", "x" * 300]


def make_text(n: int = 6000, seed: int = 7) -> str:
    rnd = random.Random(seed)
    return "".join(f"{rnd.choice(WORDS)} {i}\n" for i in range(n))


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    text = make_text()
    path = tmp_path_factory.mktemp("doc") / "mixed.txt"
    path.write_text(text, encoding="utf-8")
    return text, str(path)


def small_blocks(path: str, block: int = 4096) -> Document:
    doc = Document("mixed.txt", path)
    doc.block_size = block  # many blocks, so every block edge case is exercised
    return doc


@pytest.mark.parametrize("block", [4096, 1 << 20])
def test_length_slices_and_lines_match_python(mixed, block):
    text, path = mixed
    doc = small_blocks(path, block)
    assert len(doc) == len(text)
    assert doc.size == len(text.encode())
    rnd = random.Random(1)
    for _ in range(200):
        a = rnd.randrange(len(text))
        b = a + rnd.randrange(20_000)
        assert doc[a:b] == text[a:b]
    assert doc[-5:] == text[-5:]
    assert doc[10] == text[10]
    assert doc.peek(1234, 77) == text[1234:1311]
    assert doc.head(50) == text[:50] and doc.tail(50) == text[-50:]
    lines = text.split("\n")[:-1]
    assert doc.line_count == len(lines)
    for n in [1, 2, 17, 999, len(lines) - 1, len(lines)]:
        assert doc.line(n) == lines[n - 1]
    numbered = doc.lines(10, 12).splitlines()
    assert numbered == [f"{n}| {lines[n - 1]}" for n in (10, 11, 12)]
    assert str(doc) == text


def test_grep_equals_python_re_per_line(mixed):
    text, path = mixed
    doc = small_blocks(path)
    lines = text.split("\n")[:-1]
    for pattern, ic in [("ERROR", False), (r"ERROR.*user=\d+", False), (r"日本語\S+ 1\d\d\b", False),
                        (r"^emoji", False), (r"\d{4}$", False), (r"héllo|tab", False), ("error TIMEOUT", True),
                        (r"x{300} 5", False), ("wörld 59", False)]:
        expected = [(i + 1, l) for i, l in enumerate(lines) if re.search(pattern, l, re.I if ic else 0)]
        got = doc.grep(pattern, ignore_case=ic, max_matches=10**9)
        assert [(m.line, m.text) for m in got] == expected, pattern
    fixed = doc.grep("a.b", fixed=True)
    assert len(fixed) == 0
    capped = doc.grep("ERROR", max_matches=3)
    assert len(capped) == 3 and capped.truncated and "stopped at 3" in str(capped)


def test_grep_context_and_printing(mixed):
    text, path = mixed
    doc = Document("mixed.txt", path)
    lines = text.split("\n")
    m = doc.grep(r"^plain ascii 5\b", context=2)[0]
    assert m.before == tuple(lines[m.line - 3 : m.line - 1])
    assert m.after == tuple(lines[m.line : m.line + 2])
    assert f"mixed.txt:{m.line}: {m.text}" in str(m)
    plain = doc.grep(r"^plain ascii 5\b")
    assert str(plain) == f"mixed.txt:{m.line}: {m.text}"


def test_required_literal_extraction():
    assert required_literal("ERROR.*timeout") == "timeout"
    assert required_literal(r"user_id=\d+") == "user_id="
    assert required_literal("a|b") is None
    assert required_literal("(?i)abc") is None
    m = Matcher("foo.bar", fixed=True)
    assert m.exact and m.literal == b"foo.bar"


def test_invalid_regex_is_a_clear_error(mixed):
    with pytest.raises(InputError, match="invalid regular expression"):
        Document("m", mixed[1]).grep("a(")


@pytest.mark.parametrize("max_chars,overlap", [(1000, 0), (5000, 0), (777, 0), (4000, 500)])
def test_chunks_cover_text_once(mixed, max_chars, overlap):
    text, path = mixed
    doc = small_blocks(path)
    chunks = doc.chunks(max_chars=max_chars, overlap=overlap)
    assert all(len(c.text) <= max_chars for c in chunks)
    lines = text.split("\n")
    if overlap == 0:
        assert "".join(str(c) for c in chunks) == text
        assert all(c.text.endswith("\n") for c in chunks)
    else:
        assert chunks[0].start == 0 and chunks[-1].end == len(text)
        for a, b in zip(chunks, chunks[1:]):
            assert b.start < a.end and a.end - b.start >= min(overlap, 1)
    for c in chunks:
        assert c.text == text[c.start : c.end]
        assert c.text.split("\n")[0] == lines[c.start_line - 1]
        assert c.end_line == c.start_line + c.text.rstrip("\n").count("\n")
    assert f"{chunks[1]}" == chunks[1].text


def test_long_line_is_split_inside_chunks(tmp_path):
    p = tmp_path / "long.txt"
    text = "a" * 2500 + "\nshort\n"
    p.write_text(text)
    chunks = Document("long.txt", str(p)).chunks(max_chars=1000)
    assert "".join(c.text for c in chunks) == text
    assert [c.start_line for c in chunks[:3]] == [1, 1, 1]


def test_encodings_bom_crlf_and_invalid_bytes(tmp_path):
    u16 = tmp_path / "u16.txt"
    u16.write_bytes("héllo\r\nwörld\r\n".encode("utf-16"))
    doc = load([str(u16)]).context
    assert doc.encoding == "utf-16" and str(doc) == "héllo\r\nwörld\r\n"
    assert doc.line(2) == "wörld" and doc.grep("wö")[0].line == 2
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbffirst\nsecond\n")
    doc = load([str(bom)]).context
    assert doc.head(5) == "first" and doc.line_count == 2
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok \xff\xfe end\nfine\n")
    doc = load([str(bad)]).context
    assert doc.invalid_bytes == 2 and doc.line(1) == "ok \ufffd\ufffd end"


def test_empty_file(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    doc = load([str(p)]).context
    assert len(doc) == 0 and doc.line_count == 0 and doc[:10] == "" and doc.grep("x") == []
    assert doc.chunks() == [] and "no lines" in doc.lines(1, 3)


def test_file_shrinking_after_open_raises_instead_of_crashing(tmp_path):
    p = tmp_path / "shrink.txt"
    p.write_text("line\n" * 400_000)
    doc = Document("shrink.txt", str(p))
    assert doc.line_count == 400_000
    with open(p, "r+b") as f:
        f.truncate(100)
    with pytest.raises(FileChangedError, match="shrank or vanished"):
        doc[1_000_000:1_000_010]
    p.unlink()
    with pytest.raises(FileChangedError):
        Document("gone.txt", str(p)).head()


def test_str_guard(tmp_path, monkeypatch):
    import rlm_cli.context.document as dm

    p = tmp_path / "big.txt"
    p.write_text("y" * 1000)
    monkeypatch.setattr(dm, "MAX_STR_CHARS", 100)
    with pytest.raises(InputError, match="use slicing|Use slicing"):
        str(Document("big.txt", str(p)))


def test_grep_line_numbers_across_many_scan_blocks(mixed):
    text, path = mixed
    one_block = [(m.line, m.text) for m in Document("m", path).grep("ERROR", max_matches=10**9)]
    stepped = Document("m", path)
    stepped.scan_block = 50_000  # many scan blocks: line numbers carried across them
    many_blocks = [(m.line, m.text) for m in stepped.grep("ERROR", max_matches=10**9)]
    lines = text.split("\n")
    assert one_block == many_blocks == [(i + 1, l) for i, l in enumerate(lines) if "ERROR" in l]


@pytest.mark.skipif(not __import__("shutil").which("rg"), reason="ripgrep not installed (.ci/run installs it)")
def test_ripgrep_path_gives_identical_results(tmp_path, mixed, monkeypatch):
    import rlm_cli.context.search as search
    from rlm_cli.context.search import rg_scan

    monkeypatch.setattr(search, "RG_MAX_COLUMNS", 2000)  # the 8000-byte line takes the read-back path

    text, _ = mixed
    p = tmp_path / "tricky.txt"
    p.write_bytes(b"needle at start\r\n" + text.encode() + b"bad \xff needle\n" + b"y" * 5000 + b"needle" + b"z" * 3000 + b"\nlast needle")
    doc = Document("tricky.txt", str(p))
    for literal in ("needle", "ERROR timeout", "日本語", "wörld 59"):
        m = Matcher(literal, fixed=True)
        assert list(rg_scan("rg", str(p), m, doc._read)) == list(doc.iter_matches(m)), literal


def test_lines_read_forward_across_a_long_line(tmp_path):
    from rlm_cli.context.document import MAX_LINE_CHARS

    p = tmp_path / "long_middle.txt"
    p.write_text("first\r\n" + "y" * 30_000 + "\nthird\n" + "z" * MAX_LINE_CHARS + "\nlast")
    doc = Document("long_middle.txt", str(p))
    rows = doc.lines(1, 5).splitlines()
    assert rows[0] == "1| first"
    assert rows[1] == "2| " + "y" * MAX_LINE_CHARS + " … [line continues: 30,001 bytes in all]"
    assert rows[2] == "3| third"
    assert rows[3] == "4| " + "z" * MAX_LINE_CHARS  # exactly at the cap: shown whole
    assert rows[4] == "5| last" and doc.line(5) == "last" and doc.line(2).startswith("yyy")
    m = doc.grep("third", context=2)[0]
    assert m.before == ("first", "y" * MAX_LINE_CHARS + " … [line continues: 30,001 bytes in all]")
    assert m.after == ("z" * MAX_LINE_CHARS, "last")
