"""The runs log end to end: `rlm ask` records a trace, `rlm runs list` finds it, `rlm runs show` reproduces the run
(question, code, outputs, answer) through the same view, `rlm runs rm` removes it; unknown ids exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from fakellm import FakeLLM, RecordedRequest
from rlm_cli.runs import RunNotFound, resolve, summarize

KEY = "sk-test-not-a-real-key-0123456789abcdef"
ROOT, SUB = "root-model", "sub-model"


def rlm(args: List[str], tmp_path: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RLM_") and k != "NO_COLOR"}
    env.update(RLM_CACHE_DIR=str(tmp_path / "cache"), RLM_DATA_DIR=str(tmp_path / "data"),
               RLM_CONFIG_DIR=str(tmp_path / "config"), COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "rlm_cli", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def turns(*replies: str):
    def respond(req: RecordedRequest) -> str:
        n = sum(1 for m in req.messages if m.get("role") == "assistant")
        return replies[min(n, len(replies) - 1)]
    return respond


QUESTION = "Which colours are listed, upper-cased?"
CODE_1 = "rows = context.lines(1, 3)\nprint(rows)"
CODE_2 = ("outs = llm_batch([f'colour {i}' for i in range(12)])\nprint('got', len(outs), outs[11])\n"
          "answer['content'] = 'RED, GREEN and BLUE'\nanswer['ready'] = True")


@pytest.fixture
def recorded(fake_llm: FakeLLM, tmp_path: Path) -> subprocess.CompletedProcess:
    """One finished `rlm ask` run (plain progress: stderr is not a terminal)."""
    doc = tmp_path / "colours.txt"
    doc.write_text("red\ngreen\nblue\n")
    fake_llm.script(SUB, responder=lambda req: req.last_user.upper())
    fake_llm.script(ROOT, responder=turns(f"First the lines.\n```repl\n{CODE_1}\n```\n",
                                          f"Now the batch.\n```repl\n{CODE_2}\n```\n"))
    p = rlm(["ask", QUESTION, str(doc), "-m", f"openai/{ROOT}", "--sub-model", f"openai/{SUB}", "--api-base",
             fake_llm.url, "--api-key", KEY, "--sandbox", "process"], tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "RED, GREEN and BLUE\n"  # plain text: stdout is not a terminal
    assert "rlm: turn 1/" in p.stderr and "\x1b" not in p.stderr  # plain lines, no animation
    return p


def test_runs_show_reproduces_a_finished_run(recorded: subprocess.CompletedProcess, tmp_path: Path) -> None:
    traces = list((tmp_path / "data" / "runs").glob("*.jsonl"))
    assert len(traces) == 1
    run_id = traces[0].name[:-6]
    assert KEY not in traces[0].read_text()

    listed = rlm(["runs", "list"], tmp_path)
    assert listed.returncode == 0, listed.stderr
    header, row = listed.stdout.splitlines()
    assert header.split()[:3] == ["ID", "DATE", "OUTCOME"]
    short = run_id.rsplit("-", 1)[-1]
    assert row.startswith(short) and " ready " in row and QUESTION in row and f"openai/{ROOT}" in row
    as_json = json.loads(rlm(["runs", "list", "--json"], tmp_path).stdout)
    assert as_json[0]["id"] == run_id and as_json[0]["turns"] == 2 and as_json[0]["outcome"] == "ready"

    shown = rlm(["runs", "show", short[:5]], tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == recorded.stdout  # the same answer, the same way
    err = shown.stderr
    for piece in (QUESTION, "First the lines.", "rows = context.lines(1, 3)", "1| red", "3| blue",
                  "outs = llm_batch([f'colour {i}' for i in range(12)])", "got 12 COLOUR 11",
                  "llm_batch ×12 done", "✓ ready after 2 turn(s) · 12 sub-calls"):
        assert piece in err, (piece, err)
    assert KEY not in err + shown.stdout
    assert rlm(["runs", "show", "last"], tmp_path).stdout == recorded.stdout

    removed = rlm(["runs", "rm", short], tmp_path)
    assert removed.returncode == 0 and removed.stderr.strip() == f"rlm: removed {run_id}"
    assert not traces[0].exists()


def test_unknown_and_ambiguous_ids_exit_2(tmp_path: Path) -> None:
    runs = tmp_path / "data" / "runs"
    runs.mkdir(parents=True)
    for name in ("20250101-120000-aaaa1111", "20250101-130000-aaaa2222"):
        (runs / f"{name}.jsonl").write_text(json.dumps({"type": "run", "id": name, "question": "q", "model": "m",
                                                        "started": 1.7e9}) + "\n")
    for cmd in (["runs", "show", "zzzz"], ["runs", "rm", "zzzz"], ["runs", "show", "aaaa"]):
        p = rlm(cmd, tmp_path)
        assert p.returncode == 2 and p.stdout == "" and len(p.stderr.strip().splitlines()) == 1, p.stderr
        assert p.stderr.startswith("rlm: error: ") and "Traceback" not in p.stderr
    assert "matches 2 runs" in rlm(["runs", "show", "aaaa"], tmp_path).stderr
    assert rlm(["runs", "rm"], tmp_path).returncode == 2
    listed = rlm(["runs", "list"], tmp_path).stdout
    assert listed.count("unfinished") == 2  # no RunFinished line: killed, crashed or still running
    p = rlm(["runs", "rm", "--all"], tmp_path)
    assert p.returncode == 0 and p.stderr.strip() == "rlm: removed 2 runs" and not list(runs.iterdir())
    assert rlm(["runs", "list"], tmp_path).stderr.startswith("rlm: no runs recorded")


def test_summary_reads_first_and_last_lines_and_prefixes_resolve(tmp_path: Path) -> None:
    path = tmp_path / "20250102-030405-beefcafe.jsonl"
    big_answer = "x" * 200_000  # the RunFinished line is longer than one backwards read
    lines = [{"type": "run", "id": path.stem, "question": "Why?", "model": "openai/m", "started": 1.7e9},
             {"type": "TurnStarted", "t": 0.1, "turn": 1, "max_turns": 3, "depth": 0},
             {"type": "RunFinished", "t": 2.0, "ready": False, "stop_reason": "max_turns", "turns": 3, "duration": 2.0,
              "cost": 0.25, "tokens": 1234, "answer_chars": len(big_answer), "answer": big_answer}]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    s = summarize(str(path))
    assert (s.question, s.outcome, s.turns, s.cost, s.tokens) == ("Why?", "stopped (max_turns)", 3, 0.25, 1234)
    assert resolve("beef", str(tmp_path)) == str(path) == resolve(path.stem, str(tmp_path))
    assert resolve("20250102", str(tmp_path)) == str(path) == resolve("last", str(tmp_path))
    with pytest.raises(RunNotFound):
        resolve("cafe", str(tmp_path))


def test_quiet_prints_nothing_on_stderr_and_no_log_records_nothing(fake_llm: FakeLLM, tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("one\n")
    fake_llm.script(ROOT, responder=turns("```repl\nprint(context.line_count)\n```",
                                          "```repl\nanswer['content'] = 'one line'\nanswer['ready'] = True\n```"))
    p = rlm(["ask", "How many lines?", str(doc), "-m", f"openai/{ROOT}", "--api-base", fake_llm.url, "--api-key",
             KEY, "--sandbox", "process", "-q", "--no-log"], tmp_path)
    assert p.returncode == 0 and p.stdout == "one line\n" and p.stderr == "", p.stderr
    assert not (tmp_path / "data" / "runs").exists() or not list((tmp_path / "data" / "runs").iterdir())
