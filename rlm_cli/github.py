"""`rlm check --format github`: workflow commands that GitHub Actions turns into annotations.

GitHub shows at most 10 error (and 10 warning) annotations per step, so the
first ``MAX_ANNOTATIONS`` findings become annotations and every finding goes
in a Markdown table appended to ``$GITHUB_STEP_SUMMARY`` when it is set.
Escaping follows @actions/core (command.ts): ``%``, CR and LF in the message;
those plus ``:`` and ``,`` in properties.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from .check import CheckReport

MAX_ANNOTATIONS = 10
TITLE = "rlm check"
_LEVEL = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, file: Optional[str] = None, line: Optional[int] = None,
            title: Optional[str] = None) -> str:
    """``::error file=a.py,line=3,title=...::message`` with each part escaped."""
    props = [f"file={escape_property(file)}"] if file else []
    if file and line:
        props.append(f"line={int(line)}")
    if title:
        props.append(f"title={escape_property(title)}")
    return f"::{level}{' ' + ','.join(props) if props else ''}::{escape_data(message)}"


def annotations(report: "CheckReport", summary_path: Optional[str] = None) -> str:
    """The lines for stdout; appends the full report to $GITHUB_STEP_SUMMARY (or ``summary_path``) when set."""
    from .check import markdown

    lines: list[str] = []
    shown = report.findings[:MAX_ANNOTATIONS]
    for f in shown:
        lines.append(command(_LEVEL[f.severity], f.message, f.path or None, f.line, TITLE))
    if report.verdict is None:
        lines.append(command("error", report.headline, title=TITLE))
    lines.append(report.headline)  # a plain line: the log shows the verdict too
    rest = len(report.findings) - len(shown)
    target = summary_path or os.environ.get("GITHUB_STEP_SUMMARY")
    if rest > 0:
        where = "the job summary" if target else "--format markdown or sarif"
        lines.append(f"{rest} more finding{'s' if rest != 1 else ''} not annotated (GitHub shows {MAX_ANNOTATIONS} "
                     f"per step); every finding is in {where}.")
    if target:
        with open(target, "a", encoding="utf-8") as f:
            f.write(markdown(report) + "\n\n")
    return "\n".join(lines)
