"""Outlines from real tree-sitter parses: exact kinds, qualified names and line ranges per language.

The samples in ``code_samples/`` were written for this test (one per language);
Python is also checked against the standard library's own ``ast`` as an
independent ground truth.
"""

from __future__ import annotations

import ast
import os
import sysconfig

import pytest

from rlm_cli.context import Corpus, Document, WalkOptions, load
from rlm_cli.context.code import CorpusOutline, Outline, SymbolList
from rlm_cli.context.languages import detect_language

SAMPLES = os.path.join(os.path.dirname(__file__), "code_samples")
STDLIB = sysconfig.get_paths()["stdlib"]


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RLM_CACHE_DIR", str(tmp_path_factory.mktemp("rlm-cache")))


def doc(path: str) -> Document:
    ctx = load([path]).context
    assert isinstance(ctx, Document)
    return ctx


EXPECTED = {
    'Sample.cs': [
        ('namespace', 'Example.Billing', 3, 34), ('interface', 'Example.Billing.IInvoice', 5, 8),
        ('method', 'Example.Billing.IInvoice.Total', 7, 7), ('class', 'Example.Billing.Invoice', 10, 29),
        ('constructor', 'Example.Billing.Invoice.Invoice', 13, 16),
        ('method', 'Example.Billing.Invoice.Total', 20, 23), ('struct', 'Example.Billing.Invoice.Line', 25, 28),
        ('enum', 'Example.Billing.Status', 31, 31), ('record', 'Example.Billing.Customer', 33, 33),
    ],
    'Sample.java': [
        ('class', 'Sample', 5, 30), ('constructor', 'Sample.Sample', 8, 10), ('method', 'Sample.toString', 12, 15),
        ('class', 'Sample.Node', 17, 23), ('method', 'Sample.Node.twice', 20, 22),
        ('interface', 'Sample.Visitor', 25, 27), ('method', 'Sample.Visitor.visit', 26, 26),
        ('enum', 'Sample.Mode', 29, 29), ('record', 'Pair', 32, 36), ('method', 'Pair.sum', 33, 35),
    ],
    'sample.c': [
        ('struct', 'point', 3, 6), ('type', 'size_t2', 8, 10), ('enum', 'color', 12, 12),
        ('function', 'add', 14, 17), ('function', 'find', 19, 23), ('function', 'main', 25, 28),
    ],
    'sample.cpp': [
        ('namespace', 'geo', 3, 21), ('class', 'geo.Shape', 5, 9), ('method', 'geo.Shape.~Shape', 7, 7),
        ('struct', 'geo.Circle', 11, 14), ('method', 'geo.Circle.area', 13, 13), ('function', 'geo.clamp', 16, 19),
        ('class', 'Registry', 23, 28), ('method', 'Registry.add', 30, 32),
    ],
    'sample.go': [
        ('interface', 'Handler', 6, 8), ('struct', 'Server', 10, 12), ('type', 'Port', 14, 14),
        ('function', 'NewServer', 16, 18), ('method', 'Server.Start', 20, 23), ('method', 'Server.String', 25, 27),
    ],
    'sample.js': [
        ('function', 'parseLine', 4, 6), ('function', 'double', 8, 8), ('class', 'Emitter', 10, 22),
        ('method', 'Emitter.constructor', 11, 13), ('method', 'Emitter.on', 15, 17),
        ('method', 'Emitter.create', 19, 21), ('class', 'Queue', 24, 28), ('method', 'Queue.push', 25, 27),
    ],
    'sample.kt': [
        ('class', 'Point', 5, 7), ('method', 'Point.length', 6, 6), ('interface', 'Shape', 9, 11),
        ('method', 'Shape.area', 10, 10), ('class', 'Circle', 13, 21), ('method', 'Circle.area', 14, 16),
        ('object', 'Circle.Companion', 18, 20), ('method', 'Circle.Companion.unit', 19, 19),
        ('object', 'Registry', 23, 25), ('method', 'Registry.register', 24, 24), ('function', 'main', 27, 29),
    ],
    'sample.lua': [
        ('function', 'helper', 3, 5), ('method', 'M.double', 7, 9), ('method', 'M.method', 11, 13),
        ('function', 'global_fn', 15, 17),
    ],
    'sample.md': [
        ('h1', 'Project', 1, 16), ('h2', 'Project > Install', 5, 12),
        ('h3', 'Project > Install > From source', 9, 12), ('h2', 'Project > Usage', 13, 16),
        ('h1', 'Appendix', 17, 19),
    ],
    'sample.php': [
        ('namespace', 'App\\Models', 3, 3), ('interface', 'HasName', 5, 8), ('method', 'HasName.name', 7, 7),
        ('trait', 'Greets', 10, 16), ('method', 'Greets.greet', 12, 15), ('class', 'User', 18, 30),
        ('method', 'User.__construct', 22, 24), ('method', 'User.name', 26, 29), ('function', 'make_user', 32, 35),
    ],
    'sample.py': [
        ('function', 'backoff', 5, 6), ('class', 'RetryPolicy', 9, 25), ('class', 'RetryPolicy.Limits', 12, 14),
        ('method', 'RetryPolicy.Limits.__init__', 13, 14), ('method', 'RetryPolicy.__init__', 16, 17),
        ('method', 'RetryPolicy.next', 19, 22), ('method', 'RetryPolicy.wait', 24, 25), ('class', 'Version', 28, 31),
        ('method', 'Version.__lt__', 30, 31),
    ],
    'sample.rb': [
        ('module', 'Billing', 3, 19), ('class', 'Billing.Invoice', 4, 18),
        ('method', 'Billing.Invoice.initialize', 7, 9), ('method', 'Billing.Invoice.parse', 11, 13),
        ('method', 'Billing.Invoice.total', 15, 17), ('function', 'helper', 21, 23),
    ],
    'sample.rs': [
        ('struct', 'Point', 4, 8), ('enum', 'Shape', 10, 13), ('trait', 'Area', 15, 17),
        ('method', 'Area.area', 16, 16), ('impl', 'Shape', 19, 26), ('method', 'Shape.area', 20, 25),
        ('impl', 'Point', 28, 32), ('method', 'Point.new', 29, 31), ('module', 'geometry', 34, 38),
        ('function', 'geometry.origin', 35, 37), ('function', 'helper', 40, 41), ('macro', 'square', 43, 45),
    ],
    'sample.scala': [
        ('trait', 'Shape', 3, 5), ('method', 'Shape.area', 4, 4), ('class', 'Circle', 7, 9),
        ('method', 'Circle.area', 8, 8), ('object', 'Registry', 11, 17), ('method', 'Registry.add', 14, 16),
        ('class', 'Counter', 19, 21), ('method', 'Counter.inc', 20, 20),
    ],
    'sample.sh': [
        ('function', 'log', 4, 6), ('function', 'build', 8, 11), ('function', 'main', 13, 15),
    ],
    'sample.swift': [
        ('protocol', 'Shape', 3, 5), ('method', 'Shape.area', 4, 4), ('struct', 'Circle', 7, 17),
        ('constructor', 'Circle.init', 10, 12), ('method', 'Circle.area', 14, 16), ('class', 'Registry', 19, 25),
        ('method', 'Registry.add', 22, 24), ('extension', 'Circle', 27, 29), ('method', 'Circle.diameter', 28, 28),
        ('enum', 'Kind', 31, 33), ('function', 'total', 35, 37),
    ],
    'sample.ts': [
        ('interface', 'Shape', 1, 4), ('method', 'Shape.area', 2, 2), ('type', 'Point', 6, 6),
        ('enum', 'Color', 8, 11), ('function', 'component', 13, 15), ('class', 'Circle', 17, 25),
        ('method', 'Circle.constructor', 20, 20), ('method', 'Circle.area', 22, 24),
        ('namespace', 'Geometry', 27, 31), ('function', 'Geometry.distance', 28, 30), ('function', 'scale', 33, 33),
    ],
    'sample.tsx': [
        ('interface', 'ButtonProps', 3, 5), ('function', 'Button', 7, 9), ('function', 'Panel', 11, 13),
        ('class', 'Counter', 15, 21), ('method', 'Counter.render', 18, 20),
    ],
}

LANGUAGES = {"Sample.cs": "csharp", "Sample.java": "java", "sample.c": "c", "sample.cpp": "cpp", "sample.go": "go",
             "sample.js": "javascript", "sample.kt": "kotlin", "sample.lua": "lua", "sample.md": "markdown",
             "sample.php": "php", "sample.py": "python", "sample.rb": "ruby", "sample.rs": "rust",
             "sample.scala": "scala", "sample.sh": "bash", "sample.swift": "swift", "sample.ts": "typescript",
             "sample.tsx": "tsx"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_outline_per_language(name):
    d = doc(os.path.join(SAMPLES, name))
    assert d.language == LANGUAGES[name]
    outline = d.outline()
    assert isinstance(outline, Outline) and outline.note is None
    assert [(s.kind, s.qualified_name, s.start_line, s.end_line) for s in outline.flat()] == EXPECTED[name]
    assert all(s.path.endswith(name) for s in outline.flat())


def test_nesting_and_printing():
    outline = doc(os.path.join(SAMPLES, "sample.py")).outline()
    assert [s.name for s in outline] == ["backoff", "RetryPolicy", "Version"]
    policy = outline[1]
    assert [c.qualified_name for c in policy.children] == [
        "RetryPolicy.Limits", "RetryPolicy.__init__", "RetryPolicy.next", "RetryPolicy.wait"]
    assert [c.qualified_name for c in policy.children[0].children] == ["RetryPolicy.Limits.__init__"]
    text = str(outline).splitlines()
    assert text[0].endswith("sample.py (9 definitions, python)")
    assert "class RetryPolicy  L9-25" in text
    assert "  method RetryPolicy.next  L19-22" in text
    assert "    method RetryPolicy.Limits.__init__  L13-14" in text


def test_decorators_included_in_ranges():
    outline = doc(os.path.join(SAMPLES, "sample.py")).outline()
    nxt = outline.find("RetryPolicy.next")[0]
    assert (nxt.start_line, nxt.end_line) == (19, 22)  # two decorator lines, then def at 21
    assert outline.find("Version")[0].start_line == 28  # @functools.total_ordering
    rust = doc(os.path.join(SAMPLES, "sample.rs")).outline()
    assert rust.find("Point")[0].start_line == 4  # #[derive(...)] above `pub struct Point`
    assert rust.find("helper")[0].start_line == 40  # #[cfg(test)]
    ts = doc(os.path.join(SAMPLES, "sample.ts")).outline()
    assert ts.find("Circle")[0].start_line == 17  # @component
    java = doc(os.path.join(SAMPLES, "Sample.java")).outline()
    assert java.find("toString")[0].start_line == 12  # @Override


def test_symbol_source():
    d = doc(os.path.join(SAMPLES, "sample.py"))
    src = d.symbol("RetryPolicy.next")
    lines = open(os.path.join(SAMPLES, "sample.py")).read().split("\n")
    assert src == "\n".join(lines[18:22]) + "\n"
    assert (src.start_line, src.end_line) == (19, 22)
    assert repr(src).startswith(f"# {d.path}:19-22 (method RetryPolicy.next)")
    assert d.symbol("wait").startswith("    async def wait(self)")  # unique simple name
    assert d.symbol("Limits.__init__") == "\n".join(lines[12:14]) + "\n"
    with pytest.raises(KeyError, match="ambiguous.*RetryPolicy.Limits.__init__"):
        d.symbol("__init__")
    with pytest.raises(KeyError, match="close: RetryPolicy"):
        d.symbol("RetryPolicyy")
    go = doc(os.path.join(SAMPLES, "sample.go"))
    assert go.symbol("Server.Start").splitlines()[0] == "func (s *Server) Start() error {"
    cpp = doc(os.path.join(SAMPLES, "sample.cpp"))
    assert cpp.symbol("Registry::add").startswith("void Registry::add(")


def test_corpus_outline_and_symbols():
    corpus = load([SAMPLES]).context
    assert isinstance(corpus, Corpus)
    out = corpus.outline()
    assert isinstance(out, CorpusOutline)
    assert len(out) == len(EXPECTED) and out.no_outline == 0
    assert sum(len(o.flat()) for o in out) == sum(len(v) for v in EXPECTED.values())
    hits = corpus.symbols("area")
    assert isinstance(hits, SymbolList)
    got = {(s.path.rsplit("/", 1)[-1], s.qualified_name, s.start_line) for s in hits}
    assert ("sample.rs", "Shape.area", 20) in got and ("sample.swift", "Circle.area", 14) in got
    assert all("area" in s.qualified_name.lower() for s in hits)
    assert "sample.py:19-22  method RetryPolicy.next" in str(corpus.symbols(r"^RetryPolicy\.n"))
    assert str(corpus.symbols("no_such_thing_xyz")) == "[no matching definitions]"
    assert [s.qualified_name for s in corpus.symbols("Retry")] == ["RetryPolicy"]  # capital: case-sensitive
    assert [s.qualified_name for s in corpus.symbols("retry")] == ["RetryPolicy"]  # smart case
    assert [s.qualified_name for s in corpus.symbols("Policy.w")] == ["RetryPolicy.wait"]  # a dot: qualified
    assert len(corpus.symbols("(")) == 0  # a bad regex is read as a literal, not an error


def _ast_defs(source: str) -> list[tuple[str, int, int]]:
    out = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                q = prefix + child.name
                out.append((q, start, child.end_lineno))
                visit(child, q + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return sorted(out)


@pytest.mark.parametrize("rel", ["argparse.py", "dataclasses.py", "json/decoder.py", "asyncio/base_events.py",
                                 "functools.py", "typing.py"])
def test_python_outline_matches_ast(rel):
    path = os.path.join(STDLIB, rel)
    got = sorted((s.qualified_name, s.start_line, s.end_line) for s in doc(path).outline().flat())
    assert got == _ast_defs(open(path, encoding="utf-8").read())


def test_shebang_and_header_detection(tmp_path):
    script = tmp_path / "deploy"
    script.write_text("#!/usr/bin/env python3\n\ndef main():\n    pass\n")
    assert detect_language(str(script), b"#!/usr/bin/env python3\n") == "python"
    assert [s.qualified_name for s in doc(str(script)).outline()] == ["main"]
    sh = tmp_path / "run"
    sh.write_text("#!/bin/bash\nsetup() {\n  echo hi\n}\n")
    assert str(doc(str(sh)).outline().flat()[0]) == "function setup  L2-4"
    header = tmp_path / "widget.h"
    header.write_text("#pragma once\nnamespace ui {\nclass Widget {\n public:\n  void draw() {}\n};\n}\n")
    out = doc(str(header)).outline()
    assert out.language == "cpp" and out.note is None
    assert [s.qualified_name for s in out.flat()] == ["ui", "ui.Widget", "ui.Widget.draw"]
    assert detect_language("x.tsx") == "tsx" and detect_language("a.kts") == "kotlin"
    assert detect_language("tool.pyw") == "python" and detect_language("x.gemspec") == "ruby"
    assert detect_language("serve", b"#!/usr/bin/env -S deno run\n") == "typescript"
    assert detect_language("job", b"#!/usr/bin/env luajit\n") == "lua"


def test_broken_source_gets_best_effort_outline(tmp_path):
    bad = tmp_path / "broken.py"
    bad.write_text("def ok():\n    return 1\n\ndef broken(:\n    pass\n\nclass Fine:\n    def m(self):\n        pass\n")
    out = doc(str(bad)).outline()
    assert out.note == "syntax errors: outline is best-effort"
    names = [s.qualified_name for s in out.flat()]
    assert "ok" in names and "Fine" in names
    assert "best-effort" in str(out)
    js = tmp_path / "broken.js"
    js.write_text("function a() { return 1 }\nclass {{{{ \n")
    assert doc(str(js)).outline().note == "syntax errors: outline is best-effort"
    garbage = tmp_path / "noise.rs"
    garbage.write_bytes(b"\xff\xfe fn \x00\x01 {{{{ ))) \xc3\x28\n" * 50)
    doc(str(garbage)).outline()  # no exception, whatever it finds


def test_unknown_language_says_no_outline(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("just text\n")
    d = doc(str(p))
    out = d.outline()
    assert len(out) == 0 and out.note == "no outline: no parser for text"
    assert "[no outline: no parser for text]" in str(out)
    with pytest.raises(KeyError, match="no definition"):
        d.symbol("anything")
    empty = tmp_path / "empty.py"
    empty.write_text("")
    assert list(doc(str(empty)).outline()) == [] and doc(str(empty)).outline().note is None


def test_too_large_file_gets_a_note(tmp_path, monkeypatch):
    from rlm_cli.context.code import outline as outline_mod

    monkeypatch.setattr(outline_mod, "MAX_PARSE_BYTES", 100)
    p = tmp_path / "big.py"
    p.write_text("def f():\n    pass\n" * 20)
    d = doc(str(p))
    assert d.outline().note.startswith("no outline:") and "parse limit" in d.outline().note
    chunks = d.chunks(max_chars=60)  # falls back to line chunks
    assert "".join(c.text for c in chunks) == p.read_text()


def test_stdlib_corpus_outline_lists_only_code(tmp_path):
    corpus = load([os.path.join(STDLIB, "json")], WalkOptions(no_ignore=True)).context
    out = corpus.outline()
    assert {o.path.rsplit("/", 1)[-1] for o in out} >= {"decoder.py", "encoder.py", "scanner.py", "tool.py"}
    assert "JSONDecoder" in [s.name for s in out.flat()]
