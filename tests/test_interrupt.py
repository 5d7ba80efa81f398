"""Ctrl-C on a real `rlm ask` process: SIGINT mid-cell, mid-model-call and mid-batch ends the run with the partial
answer and exit 130, and the trace records it; a second SIGINT exits at once.

The moment to interrupt is found by polling the run's trace (flushed per event), not by sleeping blindly.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable, List

import pytest

from clirun import ROOT, SUB, model_args, start_cli, trace_records
from fakellm import Fault, FakeLLM, RecordedRequest
from test_engine import repl


def wait_for(tmp_path: Path, proc: "subprocess.Popen[str]", seen: Callable[[List[dict]], bool],
             timeout: float = 30) -> None:
    """Until the trace satisfies ``seen`` (the process must still be running)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        runs = list((tmp_path / "data" / "runs").glob("*.jsonl"))
        if runs:
            records = [json.loads(x) for x in runs[0].read_text().splitlines() if x.endswith("}")]
            if seen(records):
                return
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"timed out; stderr: {proc.communicate()[1][-2000:]}")


def started(kind: str, n: int = 1) -> Callable[[List[dict]], bool]:
    return lambda records: sum(r["type"] == kind for r in records) >= n


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    d = tmp_path / "a.txt"
    d.write_text("".join(f"row {i}\n" for i in range(100)))
    return d


def finish(proc: "subprocess.Popen[str]", timeout: float = 15) -> tuple[str, str, float]:
    t0 = time.monotonic()
    out, err = proc.communicate(timeout=timeout)
    return out, err, time.monotonic() - t0


def test_sigint_mid_cell_stops_the_batch_and_prints_the_cells_partial_answer(
        fake_llm: FakeLLM, tmp_path: Path, doc: Path) -> None:
    fake_llm.script(SUB, responder=lambda req: "ok", latency=1.0)  # 40 items, 2 at a time: 20 s if not stopped
    fake_llm.script(ROOT, replies=[repl(
        "for i in range(1, 101):\n    answer['content'] = f'partial: {i} rows checked'\n"
        "outs = llm_batch([f'item {i}' for i in range(40)])\nanswer['content'] += ' (batch done)'")])
    proc = start_cli(["ask", "Check every row", str(doc), *model_args(fake_llm), "--concurrency", "2"], tmp_path)
    wait_for(tmp_path, proc, lambda records: len(fake_llm.requests_for(SUB)) >= 2)
    proc.send_signal(signal.SIGINT)
    out, err, took = finish(proc)
    assert proc.returncode == 130, err
    assert out == "partial: 100 rows checked\n"  # as the interrupted cell left it (set during the cell)
    assert took < 4 and "Traceback" not in err and "interrupted" in err  # not the batch, nor its in-flight items
    records = trace_records(tmp_path)
    assert [r["type"] for r in records[-2:]] == ["Interrupted", "RunFinished"]
    assert records[-2]["during"] == "cell" and records[-1]["stop_reason"] == "interrupted"
    cell = [r for r in records if r["type"] == "CellFinished"][-1]
    assert "interrupted" in cell["error"]
    assert len(fake_llm.requests_for(ROOT)) == 1  # no final call after Ctrl-C
    time.sleep(1.2)  # anything still queued would have been sent by now
    assert len(fake_llm.requests_for(SUB)) <= 4


def test_sigint_during_model_call_keeps_the_last_answer(fake_llm: FakeLLM, tmp_path: Path, doc: Path) -> None:
    def respond(req: RecordedRequest) -> object:
        if any(m.get("role") == "assistant" for m in req.messages):
            return Fault(hang=30)  # the second turn never comes back
        return repl("answer['content'] = 'draft: 100 rows'\nprint(context.line_count)")

    fake_llm.script(ROOT, responder=respond)
    proc = start_cli(["ask", "How many rows?", str(doc), *model_args(fake_llm), "--json"], tmp_path)
    wait_for(tmp_path, proc, started("TurnStarted", 2))
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err, took = finish(proc)
    assert proc.returncode == 130, err
    result = json.loads(out)
    assert result["answer"] == "draft: 100 rows" and result["ready"] is False
    assert result["stop_reason"] == "interrupted" and result["turns"] == 2
    assert took < 5
    records = trace_records(tmp_path)
    assert [r["type"] for r in records[-2:]] == ["Interrupted", "RunFinished"]
    assert records[-2]["during"] == "model call"


def test_second_sigint_exits_at_once(fake_llm: FakeLLM, tmp_path: Path, doc: Path) -> None:
    fake_llm.script(ROOT, replies=[repl(
        "import time\nanswer['content'] = 'stubborn'\nwhile True:\n    try:\n        time.sleep(0.05)\n"
        "    except KeyboardInterrupt:\n        pass")])
    proc = start_cli(["ask", "q", str(doc), *model_args(fake_llm)], tmp_path)
    wait_for(tmp_path, proc, started("CellStarted"))
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)
    assert proc.poll() is None  # the cell swallowed the interrupt; the grace period has not run out
    proc.send_signal(signal.SIGINT)
    out, err, took = finish(proc)
    assert proc.returncode == 130 and took < 2
    assert "interrupted again: exiting now" in err
