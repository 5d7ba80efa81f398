"""Finding the code a root model wants run in its reply."""

from __future__ import annotations

import re
from dataclasses import dataclass

# ```repl is the contract; ```python / ```py are accepted because models write them out of habit.
_FENCE = re.compile(r"^[ \t]*```[ \t]*(repl|python|py|python3)[ \t]*\r?\n(.*?)(?:(?P<close>^[ \t]*```[ \t]*$)|\Z)",
                    re.MULTILINE | re.DOTALL | re.IGNORECASE)
_ANY_FENCE = re.compile(r"^[ \t]*```", re.MULTILINE)


@dataclass(frozen=True)
class Extracted:
    blocks: list[str]  # code to run, in order
    other_fences: int  # fenced blocks in another (or no) language: not run, but worth a hint
    unclosed: bool  # the last block had no closing fence (reply cut by max tokens?)


def extract_code(text: str | None) -> Extracted:
    """The ```repl / ```python blocks of a reply, in order; an unclosed last block runs to the end."""
    text = text or ""
    blocks: list[str] = []
    unclosed = False
    for m in _FENCE.finditer(text):
        unclosed = m.group("close") is None
        if m.group(2).strip():
            blocks.append(m.group(2).rstrip() + "\n")
    other = len(_ANY_FENCE.findall(_FENCE.sub("", text)))
    return Extracted(blocks, (other + 1) // 2, unclosed)


def strip_code(text: str | None) -> str:
    """The prose of a reply without its code blocks (for a final answer given as text)."""
    return _FENCE.sub("", text or "").strip()
