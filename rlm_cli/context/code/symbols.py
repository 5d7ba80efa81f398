"""Result types for code intelligence: a definition, a file's outline, lists of them.

They are structured (dataclasses with kind, names, 1-based inclusive line
ranges, children) and print the way the model reads them: an indented
``kind qualified.name  Lstart-Lend`` listing, and ``path:start-end`` wherever
results span several files, so answers can cite ``file:line``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator


@dataclass(eq=False)
class Symbol:
    """One definition. ``start_line`` includes its decorators/attributes; both ends are inclusive."""

    kind: str
    name: str
    qualified_name: str
    start_line: int
    end_line: int
    children: list["Symbol"] = field(default_factory=list)
    path: str = ""

    @property
    def lines(self) -> int:
        return self.end_line - self.start_line + 1

    def walk(self) -> Iterator["Symbol"]:
        """This definition and everything nested in it, in source order."""
        yield self
        for c in self.children:
            yield from c.walk()

    def __str__(self) -> str:
        return f"{self.kind} {self.qualified_name}  L{self.start_line}-{self.end_line}"

    def __repr__(self) -> str:
        where = f"{self.path}:{self.start_line}-{self.end_line}" if self.path else f"L{self.start_line}-{self.end_line}"
        return f"Symbol({self.kind} {self.qualified_name} {where})"

    def to_list(self) -> list:
        return [self.kind, self.name, self.qualified_name, self.start_line, self.end_line,
                [c.to_list() for c in self.children]]

    @classmethod
    def from_list(cls, row: list, path: str = "") -> "Symbol":
        kind, name, qual, a, b, kids = row
        return cls(kind, name, qual, a, b, [cls.from_list(k, path) for k in kids], path)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "qualified_name": self.qualified_name,
                "start_line": self.start_line, "end_line": self.end_line,
                "children": [c.to_dict() for c in self.children]}


def _render(symbols: list[Symbol], indent: str = "", max_depth: int | None = None, depth: int = 1) -> list[str]:
    rows: list[str] = []
    for s in symbols:
        rows.append(f"{indent}{s}")
        if s.children and (max_depth is None or depth < max_depth):
            rows += _render(s.children, indent + "  ", max_depth, depth + 1)
    return rows


class Outline(list):
    """A file's top-level definitions (each with its nested ``children``).

    ``note`` says why the outline is empty or partial (no parser for the
    language, syntax errors, too large); it is never an exception.
    """

    def __init__(self, symbols: list[Symbol] | None = None, path: str = "", language: str | None = None,
                 note: str | None = None) -> None:
        super().__init__(symbols or [])
        self.path = path
        self.language = language
        self.note = note

    def flat(self) -> list[Symbol]:
        """Every definition, nested ones included, in source order."""
        return [s for top in self for s in top.walk()]

    def find(self, name: str) -> list[Symbol]:
        """Definitions whose qualified name or simple name is ``name`` (``::`` and ``#`` read as ``.``)."""
        want = name.replace("::", ".").replace("#", ".").strip()
        exact = [s for s in self.flat() if s.qualified_name == want]
        if exact:
            return exact
        tail = [s for s in self.flat() if s.qualified_name.endswith("." + want) or s.qualified_name.endswith(" > " + want)]
        return tail or [s for s in self.flat() if s.name == want]

    def header(self) -> str:
        n = len(self.flat())
        lang = f", {self.language}" if self.language else ""
        return f"{self.path} ({n} definition{'s' if n != 1 else ''}{lang})"

    def render(self, max_depth: int | None = None, indent: str = "") -> str:
        rows = _render(list(self), indent, max_depth)
        if self.note:
            rows.append(f"{indent}[{self.note}]")
        return "\n".join(rows)

    def __str__(self) -> str:
        body = self.render()
        return f"{self.header()}\n{body}" if body else self.header()

    __repr__ = __str__

    def to_dict(self) -> dict:
        return {"path": self.path, "language": self.language, "note": self.note,
                "symbols": [s.to_dict() for s in self]}


class CorpusOutline(list):
    """Outlines of the code files of a corpus, one per file that has a parser."""

    def __init__(self, outlines: list[Outline] | None = None, no_outline: int = 0) -> None:
        super().__init__(outlines or [])
        self.no_outline = no_outline  # files with no parser for their language (text, data, ...)

    def flat(self) -> list[Symbol]:
        return [s for o in self for s in o.flat()]

    def __str__(self) -> str:
        parts = [f"{o.header()}\n{o.render(indent='  ')}".rstrip() for o in self if len(o) or o.note]
        empty = sum(1 for o in self if not len(o) and not o.note)
        tail = []
        if empty:
            tail.append(f"{empty} code file(s) with no definitions")
        if self.no_outline:
            tail.append(f"{self.no_outline} file(s) in languages without an outline")
        if tail:
            parts.append("[" + "; ".join(tail) + "]")
        return "\n".join(parts)

    __repr__ = __str__

    def to_dict(self) -> dict:
        return {"files": [o.to_dict() for o in self], "no_outline": self.no_outline}


class SymbolList(list):
    """Definitions from several files, printed one per line as ``path:start-end  kind qualified.name``."""

    truncated: bool = False

    def __str__(self) -> str:
        rows = [f"{s.path}:{s.start_line}-{s.end_line}  {s.kind} {s.qualified_name}" for s in self]
        if self.truncated:
            rows.append(f"[stopped at {len(self)} definitions: narrow the query or raise max_results]")
        return "\n".join(rows) if rows else "[no matching definitions]"

    __repr__ = __str__


class Source(str):
    """The text of one definition; ``path``/``start_line``/``end_line`` say where it came from.

    ``print(src)`` shows the bare source; its repr (what a REPL echoes) leads
    with ``path:start-end`` so the location is never lost.
    """

    path: str
    start_line: int
    end_line: int
    symbol: Symbol

    def __new__(cls, text: str, path: str, symbol: Symbol) -> "Source":
        obj = super().__new__(cls, text)
        obj.path, obj.start_line, obj.end_line, obj.symbol = path, symbol.start_line, symbol.end_line, symbol
        return obj

    def __repr__(self) -> str:
        return f"# {self.path}:{self.start_line}-{self.end_line} ({self.symbol.kind} {self.symbol.qualified_name})\n{str(self)}"
