"""Parse one file with tree-sitter into tags: its definitions (nested) and the names it references.

This is the only module that imports tree-sitter, and only when a file is
parsed, so ``rlm --help`` and the non-code commands never load it. Queries do
the tree walking in C: one capture query for definitions and one for
identifiers per language, built from the tables in ``specs``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .specs import TYPE_CONTAINERS, Spec, spec_for
from .symbols import Symbol

MAX_PARSE_BYTES = 8 << 20  # larger files get no outline (and plain line chunks): trees cost ~10x the source
MIN_REF_LEN = 2  # one-letter names say nothing about which file depends on which
_CPP_IN_HEADER = re.compile(rb"^\s*(class\s+\w+\s*[:{]|namespace\s+\w*\s*\{|template\s*<)", re.M)

_parsers: dict[str, Any] = {}
_queries: dict[str, tuple[Any, Any]] = {}


@dataclass
class Tags:
    """What one parse yields; ``note`` explains an empty or partial outline."""

    language: str | None
    symbols: list[Symbol] = field(default_factory=list)
    refs: dict[str, int] | None = field(default_factory=dict)  # None: not loaded (outlines do not need them)
    note: str | None = None

    def outline_json(self) -> dict:
        return {"language": self.language, "symbols": [s.to_list() for s in self.symbols], "note": self.note}

    @classmethod
    def from_json(cls, data: dict, refs: dict[str, int] | None, path: str = "") -> "Tags":
        return cls(data["language"], [Symbol.from_list(r, path) for r in data["symbols"]], refs, data["note"])

    def without_refs(self) -> "Tags":
        return Tags(self.language, self.symbols, None, self.note)


def effective_language(language: str | None, path: str, src: bytes) -> str | None:
    """``.h`` files are C unless they plainly hold C++ (classes, namespaces, templates)."""
    if language == "c" and path.endswith(".h") and _CPP_IN_HEADER.search(src):
        return "cpp"
    return language


def _parser_and_queries(spec: Spec) -> tuple[Any, Any, Any]:
    from tree_sitter import Query
    from tree_sitter_language_pack import get_language, get_parser

    if spec.grammar not in _parsers:
        lang = get_language(spec.grammar)  # type: ignore[arg-type]
        _parsers[spec.grammar] = get_parser(spec.grammar)  # type: ignore[arg-type]

        def pattern(types) -> str | None:
            known = [t for t in types if lang.id_for_node_kind(t, True)]
            return ("[" + " ".join(f"({t})" for t in known) + "] @x") if known else None

        defs, refs = pattern(spec.defs), pattern(spec.refs)
        _queries[spec.grammar] = (Query(lang, defs) if defs else None, Query(lang, refs) if refs else None)
    return _parsers[spec.grammar], *_queries[spec.grammar]


def _captures(query: Any, node: Any) -> list[Any]:
    from tree_sitter import QueryCursor

    if query is None:
        return []
    return QueryCursor(query).captures(node).get("x", [])


def _line_span(start_node: Any, end_node: Any) -> tuple[int, int]:
    """1-based inclusive lines; a node that ends at column 0 ends on the line before."""
    a = start_node.start_point[0] + 1
    end_row, end_col = end_node.end_point
    b = end_row if end_col == 0 and end_row + 1 > a else end_row + 1
    return a, max(a, b)


def _range_node(spec: Spec, node: Any) -> Any:
    """The node whose extent a definition takes: its decorator/export/template wrapper, if any."""
    cur = node
    while cur.parent is not None and cur.parent.type in spec.wrappers:
        parent = cur.parent
        kids = parent.named_children
        if not kids or (kids[0].id != cur.id and kids[-1].id != cur.id):
            break  # one of several declarators: keep its own range
        cur = parent
    if node.type in ("atx_heading", "setext_heading") and node.parent is not None and node.parent.type == "section":
        cur = node.parent  # a heading's section runs to the next heading of the same level
    return cur


def parse_tags(src: bytes, language: str | None, path: str = "") -> Tags:
    """Tags of one file's bytes; never raises: failures come back as a ``note``."""
    language = effective_language(language, path, src)
    spec = spec_for(language)
    if spec is None:
        return Tags(language, note=f"no outline: no parser for {language or 'this file type'}")
    if len(src) > MAX_PARSE_BYTES:
        return Tags(language, note=f"no outline: {len(src) >> 20} MiB is over the {MAX_PARSE_BYTES >> 20} MiB parse limit")
    try:
        parser, def_query, ref_query = _parser_and_queries(spec)
        tree = parser.parse(src)
        root = tree.root_node
        symbols = _symbols(spec, _captures(def_query, root), src, path)
        refs = _refs(_captures(ref_query, root), src, symbols)
        note = "syntax errors: outline is best-effort" if root.has_error else None
        return Tags(language, symbols, refs, note)
    except Exception as e:  # a grammar bug must not take the run down with it
        return Tags(language, note=f"no outline: parser failed ({type(e).__name__}: {e})")


def _symbols(spec: Spec, nodes: list[Any], src: bytes, path: str) -> list[Symbol]:
    found = []
    for node in nodes:
        try:
            described = spec.describe(node, src)
        except Exception:
            described = None
        if not described or not described[1]:
            continue
        outer = _range_node(spec, node)
        first = outer
        prev = outer.prev_named_sibling
        while prev is not None and prev.type in spec.leading:
            first, prev = prev, prev.prev_named_sibling
        a, b = _line_span(first, outer)
        found.append((outer.start_byte, outer.end_byte, described, a, b))
    found.sort(key=lambda f: (f[0], -f[1]))

    top: list[Symbol] = []
    stack: list[tuple[int, int, Symbol]] = []
    for sb, eb, (kind, name, scope), a, b in found:
        while stack and not (stack[-1][0] <= sb and eb <= stack[-1][1] and (sb, eb) != stack[-1][:2]):
            stack.pop()
        parent = stack[-1][2] if stack else None
        name = " ".join(name.split())
        prefix = parent.qualified_name + spec.sep if parent else ""
        qual = prefix + (scope + spec.sep if scope else "") + name
        if kind == "function" and (scope or (parent is not None and parent.kind in TYPE_CONTAINERS)):
            kind = "method"
        sym = Symbol(kind, name, qual, a, b, [], path)
        (parent.children if parent else top).append(sym)
        stack.append((sb, eb, sym))
    return top


def _refs(nodes: list[Any], src: bytes, symbols: list[Symbol]) -> dict[str, int]:
    counts = Counter(src[n.start_byte:n.end_byte] for n in nodes)
    out = {k.decode("utf-8", "replace"): v for k, v in counts.items() if len(k) >= MIN_REF_LEN}
    for top in symbols:  # a definition's own name is not a reference to it
        for s in top.walk():
            if out.get(s.name, 0) > 1:
                out[s.name] -= 1
            else:
                out.pop(s.name, None)
    return out
