"""The offline commands' output: inspect, grep, peek. No model, no LiteLLM.

They print what the model's helpers return, so a user can see exactly what
the model would see.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections import Counter

from .context import Corpus, Document, FileChangedError, InputError, Loaded
from .context.search import RG_MIN_BYTES, Matcher, rg_scan
from .context.types import human_size

CHARS_PER_TOKEN = 4  # a rough, model-independent estimate
TOP_FILES = 25


def _file_row(doc: Document) -> dict:
    root = doc.root
    chars = len(doc)
    row = {"path": doc.rel, "bytes": doc.size, "chars": chars, "lines": doc.line_count,
           "tokens_est": -(-chars // CHARS_PER_TOKEN), "language": doc.language, "encoding": doc.encoding}
    if root:
        row["root"] = root
    if doc.invalid_bytes:
        row["invalid_utf8_bytes"] = doc.invalid_bytes
    return row


def inspect_report(loaded: Loaded, json_out: bool = False, all_files: bool = False) -> int:
    """Print the report; exit 2 when nothing at all would load."""
    rows = []
    for doc in loaded.documents:
        try:
            rows.append(_file_row(doc))
        except (FileChangedError, InputError) as e:
            loaded.skipped.append(_skip(doc.path, str(e)))
        finally:
            doc.close()
    totals = {k: sum(r[k] for r in rows) for k in ("bytes", "chars", "lines", "tokens_est")}
    totals["files"] = len(rows)
    totals["skipped"] = len(loaded.skipped)
    languages = Counter(r["language"] or "other" for r in rows)
    if json_out:
        payload = {"inputs": loaded.roots, "totals": totals, "languages": dict(languages.most_common()),
                   "files": rows, "skipped": [{"path": s.path, "reason": s.reason} for s in loaded.skipped]}
        print(json.dumps(payload, indent=2 if sys.stdout.isatty() else None))
    else:
        _print_inspect(rows, loaded, totals, languages, all_files)
    return 0 if rows else 2


def _skip(path: str, message: str):
    from .context import Skipped

    return Skipped(path, message.split(": ", 1)[-1])


def _print_inspect(rows: list[dict], loaded: Loaded, totals: dict, languages: Counter, all_files: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    shown = rows if all_files else sorted(rows, key=lambda r: -r["bytes"])[:TOP_FILES]
    title = "Files" if all_files or len(rows) <= TOP_FILES else f"Largest {len(shown)} of {len(rows):,} files (--all lists every one)"
    table = Table(title=title, title_justify="left")
    for col, just in (("path", "left"), ("size", "right"), ("lines", "right"), ("~tokens", "right"), ("language", "left")):
        table.add_column(col, justify=just)
    for r in shown:
        note = f" [yellow]({r['invalid_utf8_bytes']} invalid UTF-8 bytes replaced)[/]" if r.get("invalid_utf8_bytes") else ""
        enc = " [dim](utf-16)[/]" if r["encoding"] == "utf-16" else ""
        table.add_row(r["path"] + note + enc, human_size(r["bytes"]), f"{r['lines']:,}", f"{r['tokens_est']:,}", r["language"] or "")
    console.print(table)
    langs = ", ".join(f"{k} {v}" for k, v in languages.most_common(8))
    console.print(f"[bold]{totals['files']:,} files[/], {human_size(totals['bytes'])}, {totals['lines']:,} lines, "
                  f"~{totals['tokens_est']:,} tokens" + (f"  ({langs})" if langs else ""))
    if loaded.skipped:
        reasons = Counter(s.reason for s in loaded.skipped)
        skipped = Table(title=f"Skipped {len(loaded.skipped):,}", title_justify="left")
        skipped.add_column("reason")
        skipped.add_column("count", justify="right")
        skipped.add_column("examples")
        for reason, n in reasons.most_common():
            examples = [s.path for s in loaded.skipped if s.reason == reason][:3]
            skipped.add_row(reason, f"{n:,}", ", ".join(examples))
        console.print(skipped)
    if not rows:
        console.print("[red]nothing would be loaded[/]")


def _colour() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def grep_command(loaded: Loaded, pattern: str, *, ignore_case: bool, fixed: bool, context: int,
                 max_count: int, count_only: bool) -> int:
    """Print matches as the model's .grep() returns them; returns the number of matching lines."""
    matcher = Matcher(pattern, ignore_case=ignore_case, fixed=fixed)
    out = sys.stdout
    colour = _colour()
    n = 0
    for doc in loaded.documents:
        try:
            if context and not count_only:
                # Context lines come from the document's line index, as the model's .grep(context=) does.
                limit = max_count - n if max_count else 1 << 62
                for m in doc.grep(matcher, context=context, max_matches=limit):
                    out.write(str(m) + "\n--\n")
                    n += 1
            else:
                for line_no, text in _matches(doc, matcher):
                    n += 1
                    if not count_only:
                        out.write(_format(doc.path, line_no, text, matcher, colour))
                    if max_count and n >= max_count:
                        break
        except FileChangedError as e:
            print(f"rlm: warning: {e}", file=sys.stderr)
        finally:
            doc.close()
        if max_count and n >= max_count:
            break
    if count_only:
        out.write(f"{n}\n")
    return n


def _matches(doc: Document, matcher: Matcher):
    """Matching lines of one file; ripgrep finds exact literals in big plain UTF-8 files."""
    if matcher.exact and doc.encoding == "utf-8" and doc.size >= RG_MIN_BYTES:
        rg = shutil.which("rg")
        doc._open()  # finds a BOM: rg -E none would count it as text of line 1, so BOM files stay here
        if rg and not doc._base:
            return rg_scan(rg, doc.real_path, matcher, doc._read, doc._release)
    return doc.iter_matches(matcher)


def _format(path: str, line_no: int, text: str, matcher: Matcher, colour: bool) -> str:
    if not colour:
        return f"{path}:{line_no}: {text}\n"
    text = matcher.regex.sub(lambda m: f"\x1b[1;31m{m.group(0)}\x1b[0m", text)
    return f"\x1b[35m{path}\x1b[0m:\x1b[32m{line_no}\x1b[0m: {text}\n"


def peek_command(loaded: Loaded, *, lines: str | None, start: int, chars: int) -> None:
    ctx = loaded.context
    if isinstance(ctx, Corpus):
        print(ctx.tree())
        return
    if lines:
        m = re.fullmatch(r"(\d*):(\d*)|(\d+)", lines.strip())
        if not m:
            raise InputError(f"--lines: expected A:B, A: or :B (1-based), got {lines!r}")
        if m.group(3):
            a = b = int(m.group(3))
        else:
            a = int(m.group(1) or 1)
            b = int(m.group(2)) if m.group(2) else ctx.line_count
        print(ctx.lines(a, b))
        return
    text = ctx.peek(start, chars)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
