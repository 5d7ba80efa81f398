"""Definition-aware chunks: cover the text exactly once, stay under max_chars, never cut a small definition."""

from __future__ import annotations

import ast
import os
import sysconfig

import pytest

from rlm_cli.context import Document, load

SAMPLES = os.path.join(os.path.dirname(__file__), "code_samples")
STDLIB = sysconfig.get_paths()["stdlib"]


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RLM_CACHE_DIR", str(tmp_path_factory.mktemp("rlm-cache")))


@pytest.fixture(scope="module")
def big_python(tmp_path_factory) -> str:
    """A 50,000-line Python file: classes with methods, decorated functions, module-level code between them."""
    rows: list[str] = []
    i = 0
    while len(rows) < 50_000:
        rows += [f"# section {i}", f"CONST_{i} = {i}", "", "",
                 f"class Service{i}:", f'    """Service number {i}."""', "",
                 "    def __init__(self):", f"        self.n = {i}", "",
                 "    @property", "    def double(self):", "        return self.n * 2", "",
                 "    def run(self, x):", "        if x:", "            return x + self.n", "        return None",
                 "", "", "@staticmethod", f"def helper_{i}(a, b):", "    return a + b", "", ""]
        i += 1
    path = tmp_path_factory.mktemp("big") / "big.py"
    path.write_text("\n".join(rows[:50_000]) + "\n")
    return str(path)


def doc(path: str) -> Document:
    return load([path]).context


def check_cover(d: Document, chunks, max_chars: int) -> str:
    text = str(d)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for a, b in zip(chunks, chunks[1:]):
        assert a.end == b.start  # contiguous: nothing twice, nothing skipped
    assert "".join(c.text for c in chunks) == text
    for c in chunks:
        assert 0 < len(c) <= max_chars
        assert c.start_line == text.count("\n", 0, c.start) + 1
        assert c.end_line == text.count("\n", 0, c.end - 1) + 1
    return text


def assert_no_small_definition_split(d: Document, chunks, max_chars: int) -> int:
    """Every definition that fits in max_chars lies inside one chunk; returns how many were checked."""
    text = str(d)
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    checked = 0
    for s in d.outline().flat():
        a = starts[s.start_line - 1]
        b = starts[s.end_line] if s.end_line < len(starts) else len(text)
        if b - a <= max_chars:
            assert any(c.start <= a and b <= c.end for c in chunks), f"{s} was split"
            checked += 1
    return checked


@pytest.mark.parametrize("name", sorted(os.listdir(SAMPLES)))
@pytest.mark.parametrize("max_chars", [60, 200, 100_000])
def test_samples_cover_exactly_once(name, max_chars):
    d = doc(os.path.join(SAMPLES, name))
    chunks = d.chunks(max_chars=max_chars)
    check_cover(d, chunks, max_chars)
    assert_no_small_definition_split(d, chunks, max_chars)


@pytest.mark.parametrize("rel", ["argparse.py", "typing.py", "asyncio/tasks.py", "email/_header_value_parser.py"])
@pytest.mark.parametrize("max_chars", [1_500, 8_000, 40_000])
def test_stdlib_chunks(rel, max_chars):
    d = doc(os.path.join(STDLIB, rel))
    chunks = d.chunks(max_chars=max_chars)
    check_cover(d, chunks, max_chars)
    assert assert_no_small_definition_split(d, chunks, max_chars) > 10


def test_cuts_fall_between_top_level_definitions():
    path = os.path.join(STDLIB, "argparse.py")
    d = doc(path)
    tree = ast.parse(open(path, encoding="utf-8").read())
    # Line ranges of top-level definitions, decorators included (independent of tree-sitter).
    spans = [(min([n.lineno] + [x.lineno for x in n.decorator_list]), n.end_lineno) for n in tree.body
             if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    chunks = d.chunks(max_chars=20_000)
    for c in chunks[1:]:
        for a, b in spans:
            if b - a < 300:  # a small definition: a cut inside it would be a bug
                assert not (a < c.start_line <= b), f"chunk at line {c.start_line} cuts definition at {a}-{b}"


def test_a_definition_alone_too_big_is_cut_inside():
    path = os.path.join(STDLIB, "argparse.py")
    d = doc(path)
    parser_cls = d.outline().find("ArgumentParser")[0]
    chunks = d.chunks(max_chars=6_000)
    inside = [c for c in chunks if parser_cls.start_line < c.start_line <= parser_cls.end_line]
    assert inside  # ArgumentParser is ~50 KB: it had to be split, at its methods
    methods = {m.start_line for m in parser_cls.children}
    comment_led = {m.start_line - k for m in parser_cls.children for k in range(1, 6)}
    assert sum(c.start_line in methods | comment_led for c in inside) >= len(inside) // 2


def test_overlap_falls_back_to_line_chunks():
    d = doc(os.path.join(SAMPLES, "sample.py"))
    chunks = d.chunks(max_chars=120, overlap=30)
    assert chunks[0].start == 0 and chunks[-1].end == len(d)
    assert any(b.start < a.end for a, b in zip(chunks, chunks[1:]))


def test_50k_line_file(big_python):
    d = doc(big_python)
    assert d.line_count == 50_000
    outline = d.outline()
    source = open(big_python, encoding="utf-8").read()
    expected = sum(isinstance(n, (ast.FunctionDef, ast.ClassDef)) for n in ast.walk(ast.parse(source)))
    assert len(outline.flat()) == expected
    first = outline[0]
    assert (first.kind, first.qualified_name, first.start_line, first.end_line) == ("class", "Service0", 5, 18)
    assert [str(c) for c in first.children] == ["method Service0.__init__  L8-9", "method Service0.double  L11-13",
                                                 "method Service0.run  L15-18"]
    assert str(outline[1]) == "function helper_0  L21-23"
    chunks = d.chunks(max_chars=50_000)
    check_cover(d, chunks, 50_000)
    assert assert_no_small_definition_split(d, chunks, 50_000) == expected
    assert d.symbol("Service1999.run").startswith("    def run(self, x):")
