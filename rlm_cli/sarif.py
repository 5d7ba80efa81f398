"""`rlm check --format sarif`: the report as SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

One run, one rule (the assertion), one result per finding with a location
relative to the working directory (``%SRCROOT%``). The verdict and summary go
in the run's properties; ``invocations[0].executionSuccessful`` is False when
the run stopped without a verdict.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from . import __version__

if TYPE_CHECKING:
    from .check import CheckReport

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"


def rule_id(assertion: str) -> str:
    """Stable per assertion, so code scanning tracks each check's alerts apart."""
    return "rlm-check/" + hashlib.sha256(assertion.encode()).hexdigest()[:12]


def sarif_log(report: "CheckReport") -> dict[str, Any]:
    rid = rule_id(report.assertion)
    results = []
    for f in report.findings:
        result: dict[str, Any] = {"ruleId": rid, "ruleIndex": 0, "level": f.severity, "message": {"text": f.message}}
        if f.path:
            loc: dict[str, Any] = {"artifactLocation": {"uri": quote(f.path), "uriBaseId": "%SRCROOT%"}}
            if f.line:
                loc["region"] = {"startLine": f.line}
            result["locations"] = [{"physicalLocation": loc}]
        results.append(result)
    r = report.run.result
    invocation: dict[str, Any] = {"executionSuccessful": report.verdict is not None}
    if report.verdict is None:
        invocation["toolExecutionNotifications"] = [{"level": "error", "message": {"text": report.headline}}]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "rlm", "version": __version__, "semanticVersion": __version__,
                "rules": [{
                    "id": rid, "name": "RlmCheck",
                    "shortDescription": {"text": _first_line(report.assertion)},
                    "fullDescription": {"text": report.assertion},
                    "defaultConfiguration": {"level": "error"},
                    "help": {"text": f"rlm check verified this assertion with {report.run.model}: {report.assertion}"},
                }],
            }},
            "invocations": [invocation],
            "results": results,
            "properties": {"verdict": report.verdict, "summary": report.summary, "stopReason": r.stop_reason,
                           "model": report.run.model, "trace": r.trace_path},
        }],
    }


def _first_line(text: str, n: int = 200) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "(empty assertion)"
    return line if len(line) <= n else line[: n - 3] + "..."
