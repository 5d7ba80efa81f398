"""`rlm chat`: one REPL for the session (variables persist), the model told the earlier questions and answers.

The session runs as a user scripts it: `rlm chat PATH` with questions on stdin,
one per line, against the loopback fake model with scripted root replies.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List

from fakellm import FakeLLM, RecordedRequest

ROOT = "root-model"
Q1 = "How many log lines are there per level?"
Q2 = "Which level is the most common, and how often?"


def repl(code: str) -> str:
    return f"```repl\n{code.strip()}\n```\n"


SCRIPT = {
    Q1: [repl("from collections import Counter\ncounts = Counter(l.split()[1] for l in str(context).splitlines())\n"
              "print(dict(counts))"),
         repl("answer['content'] = ', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))\n"
              "answer['ready'] = True")],
    # Q2 uses `counts` from Q1 without recomputing it, and prints `answer` to show it was reset.
    Q2: [repl("print(answer)\ntop = counts.most_common(1)[0]\nprint(top)"),
         repl("answer['content'] = f'{top[0]} ({top[1]} lines)'\nanswer['ready'] = True")],
}


def responder(req: RecordedRequest) -> str:
    first = req.messages[1]["content"]
    question = Q2 if f"Question: {Q2}" in first else Q1
    n = sum(1 for m in req.messages if m.get("role") == "assistant")
    replies = SCRIPT[question]
    return replies[min(n, len(replies) - 1)]


def chat(args: List[str], tmp_path: Path, stdin: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RLM_")}
    env.update(RLM_CACHE_DIR=str(tmp_path / "cache"), RLM_DATA_DIR=str(tmp_path / "data"),
               RLM_CONFIG_DIR=str(tmp_path / "config"))
    return subprocess.run([sys.executable, "-m", "rlm_cli", "chat", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=120, cwd=tmp_path)


def test_chat_keeps_variables_and_tells_the_model_earlier_answers(fake_llm: FakeLLM, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    levels = ["INFO"] * 5 + ["ERROR"] * 3 + ["WARN"] * 2
    log.write_text("".join(f"2024-05-01T02:00:{i:02d}Z {lvl} event {i}\n" for i, lvl in enumerate(levels)))
    fake_llm.script(ROOT, responder=responder)
    proc = chat([str(log), "-m", f"openai/{ROOT}", "--api-base", fake_llm.url, "--api-key", "sk-test-dummy",
                 "--sandbox", "process", "--no-cache", "--json", "-q"], tmp_path, f"{Q1}\n\n{Q2}\n/exit\nnot asked\n")
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["question"] for r in results] == [Q1, Q2]
    assert all(r["ready"] for r in results)
    assert results[0]["answer"] == "ERROR: 3, INFO: 5, WARN: 2"
    assert results[1]["answer"] == "INFO (5 lines)"  # computed from Q1's `counts`: the REPL persisted

    reqs = fake_llm.requests_for(ROOT)
    q2_reqs = [r for r in reqs if f"Question: {Q2}" in r.messages[1]["content"]]
    assert len(q2_reqs) == 2
    first = q2_reqs[0].messages[1]["content"]
    assert f"Q1: {Q1}" in first and "A1: ERROR: 3, INFO: 5, WARN: 2" in first
    assert first.index(Q1) < first.index(f"Question: {Q2}")
    shown = q2_reqs[1].messages[-1]["content"]  # Q2's first cell: answer was reset, `counts` was there
    assert "{'content': '', 'ready': False}" in shown and "('INFO', 5)" in shown
    assert "NameError" not in shown
    q1_first = next(r for r in reqs if f"Question: {Q1}" in r.messages[1]["content"]).messages[1]["content"]
    assert "Earlier in this session" not in q1_first
    assert not any("not asked" in r.messages[1]["content"] for r in reqs)  # /exit ended the session
    assert len(list((tmp_path / "data" / "runs").glob("*.jsonl"))) == 2  # one trace per question


def test_chat_needs_a_path_and_a_model(tmp_path: Path) -> None:
    proc = chat([str(tmp_path), "-m", "openai/x", "-"], tmp_path, "")
    assert proc.returncode == 2 and "cannot be stdin" in proc.stderr
    proc = chat([str(tmp_path)], tmp_path, "hello\n")
    assert proc.returncode == 2 and "no model configured" in proc.stderr and "Traceback" not in proc.stderr
