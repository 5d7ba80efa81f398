"""`rlm check ASSERTION [PATH...]`: an `rlm ask` run whose answer is a verdict, for CI.

The run is an ordinary one with a built-in schema (``CHECK_SCHEMA``) and a
question that frames the job: verify the assertion with code and cite
file:line. The engine validates ``answer["data"]`` against the schema and
sends errors back (engine/schema.py). Reports: text, markdown, json (the
documented result object), github (github.py), sarif (sarif.py).
Exit 0 pass, 1 fail, 3 no verdict within the limits, 130 interrupted.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field, replace
from typing import Any, Optional, Sequence

from .exits import EXIT_CHECK_FAILED, EXIT_INTERRUPTED, EXIT_LIMIT, EXIT_OK

SEVERITIES = ("error", "warning", "note")

CHECK_SCHEMA: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "rlm check verdict",
    "type": "object",
    "required": ["verdict", "summary", "findings"],
    "properties": {
        "verdict": {"enum": ["pass", "fail"], "description": "fail when at least one violation was found"},
        "summary": {"type": "string", "minLength": 1, "description": "one or two sentences"},
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "line", "message"],
                "properties": {
                    "path": {"type": "string", "minLength": 1, "description": "the file as `context` names it"},
                    "line": {"type": ["integer", "null"], "minimum": 1,
                             "description": "1-based; null only for a finding about a whole file or a missing one"},
                    "message": {"type": "string", "minLength": 1},
                    "severity": {"enum": list(SEVERITIES)},
                },
            },
        },
    },
    # A failed check names at least one violation; a pass may list notes.
    "if": {"properties": {"verdict": {"const": "fail"}}},
    "then": {"properties": {"findings": {"minItems": 1}}},
}

QUESTION = """\
Check this assertion against the input: {assertion!r}

Decide whether it holds for the whole input. Verify with code (grep, outline, read the relevant lines) rather \
than guessing, and look at every place it could be violated. Then set answer["data"] to:
- "verdict": "fail" if you found at least one violation, "pass" if you checked and found none;
- "summary": one or two sentences saying what you checked and what you found;
- "findings": one item per violation, each {{"path": the file path exactly as `context` shows it (as in a grep \
match), "line": the 1-based line number of the violation, "message": what is wrong there, "severity": "error"}}; \
use "warning" or "note" for things worth a look that are not violations. An empty list for a clean pass.
Put the summary in answer["content"] too."""


@dataclass
class Finding:
    path: str
    line: Optional[int]
    message: str
    severity: str = "error"

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass
class CheckReport:
    """The verdict of one run, read from answer["data"] (tolerantly: a run that stopped may have left anything)."""

    assertion: str
    run: Any  # output.AskRun
    verdict: Optional[str] = None  # pass | fail; None: no verdict (the run stopped first)
    summary: str = ""
    findings: list[Finding] = field(default_factory=list)

    @classmethod
    def from_run(cls, assertion: str, run: Any) -> "CheckReport":
        r = run.result
        data = r.data if isinstance(r.data, dict) else {}
        findings = [_finding(f, "error" if data.get("verdict") == "fail" else "note", run.on_disk)
                    for f in data.get("findings") or [] if isinstance(f, dict)]
        verdict = data.get("verdict") if r.ready and data.get("verdict") in ("pass", "fail") else None
        summary = str(data.get("summary") or r.answer or "").strip()
        return cls(assertion, run, verdict, summary, findings)

    @property
    def exit_code(self) -> int:
        if self.run.interrupted:
            return EXIT_INTERRUPTED
        if self.verdict is None:
            return EXIT_LIMIT
        return EXIT_OK if self.verdict == "pass" else EXIT_CHECK_FAILED

    @property
    def headline(self) -> str:
        if self.verdict is None:
            from .output import stop_note

            return f"NO VERDICT: the run stopped first: {stop_note(self.run.result)}"
        return f"{self.verdict.upper()}: {self.summary}"


def _finding(f: dict, default_severity: str, on_disk: dict[str, str]) -> Finding:
    line = f.get("line")
    sev = f.get("severity") if f.get("severity") in SEVERITIES else default_severity
    path = str(f.get("path") or "").strip()
    return Finding(relative_path(on_disk.get(path, path)), line if isinstance(line, int) and line > 0 else None,
                   " ".join(str(f.get("message") or "").split()) or "(no message)", sev)


def relative_path(path: str) -> str:
    """A path as CI tools want it: relative to the working directory (the repository root in CI), with slashes."""
    p = path.strip().replace("\\", "/")
    if os.path.isabs(p):
        rel = os.path.relpath(p)
        if not rel.startswith(".."):
            p = rel.replace(os.sep, "/")
    while p.startswith("./"):
        p = p[2:]
    return p


def check(assertion: str, paths: Sequence[str], walk: Any, o: Any, fmt: str = "text",
          output: Optional[str] = None) -> int:
    """Run the check and print (or write) the report; the exit status."""
    from .ask import execute

    run = execute(QUESTION.format(assertion=assertion), paths, walk, replace(o, schema=CHECK_SCHEMA, format=None))
    if isinstance(run, int):
        return run
    report = CheckReport.from_run(assertion, run)
    text = render(report, fmt)
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text, flush=True)
    r = run.result
    if not o.quiet:
        if output:
            print(f"rlm: {fmt} report written to {output}", file=sys.stderr)
        if fmt in ("json", "sarif") or output:
            print(f"rlm: {report.headline}", file=sys.stderr)  # the verdict where a person reading the log sees it
        if r.trace_path:
            print(f"rlm: trace: {r.trace_path}", file=sys.stderr)
    if report.verdict is None:
        print(f"rlm: no verdict: {report.headline.split(': ', 1)[1]}", file=sys.stderr)
    return report.exit_code


def render(report: CheckReport, fmt: str) -> str:
    if fmt == "json":
        from .output import result_json

        out = result_json(report.run)
        out["check"] = {"assertion": report.assertion, "verdict": report.verdict}
        return json.dumps(out, indent=2, ensure_ascii=False)
    if fmt == "sarif":
        from .sarif import sarif_log

        return json.dumps(sarif_log(report), indent=2, ensure_ascii=False)
    if fmt == "github":
        from .github import annotations

        return annotations(report)
    if fmt == "markdown":
        return markdown(report)
    return text(report)


def text(report: CheckReport) -> str:
    lines = [report.headline]
    for f in report.findings:
        tag = "" if f.severity == "error" else f"[{f.severity}] "
        lines.append(f"{f.location}: {tag}{f.message}")
    if report.verdict is None and report.run.result.answer.strip():
        lines += ["", "Partial answer:", report.run.result.answer.strip()]
    return "\n".join(lines)


def markdown(report: CheckReport) -> str:
    """A Markdown report: verdict, assertion, summary, a table of every finding (also the GitHub step summary)."""
    from .output import usage_line

    r = report.run.result
    verdict = {"pass": "✅ pass", "fail": "❌ fail", None: "⚠️ no verdict"}[report.verdict]
    parts = [f"### rlm check: {verdict}", f"**Assertion:** {_cell(report.assertion)}"]
    if report.verdict is None:
        from .output import stop_note

        parts.append(f"The run stopped before a verdict: {stop_note(r)}.")
    if report.summary:
        parts.append(report.summary)
    if report.findings:
        rows = ["| Location | Severity | Message |", "| --- | --- | --- |"]
        rows += [f"| `{_cell(f.location)}` | {f.severity} | {_cell(f.message)} |" for f in report.findings]
        parts.append("\n".join(rows))
    parts.append(f"_rlm: {usage_line(r)}, {report.run.model}_")
    return "\n\n".join(parts)


def _cell(text: str) -> str:
    """Text that stays inside one Markdown table cell."""
    return text.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")
