"""Every documented exit status, produced for real by `python -m rlm_cli` processes against the fake server:
0 answered, 1 a check failed, 2 usage/configuration, 3 a limit without a ready answer, 4 the provider failed,
130 interrupted. The interrupted one winds down while the others run, one after another.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Dict, List

from clirun import KEY, run_cli, start_cli
from fakellm import Fault, FakeLLM
from test_engine import repl

LOOK = repl("print(context.line_count)")


def args(server: FakeLLM, root: str) -> List[str]:
    return ["-m", f"openai/{root}", "--api-base", server.url, "--api-key", KEY, "--sandbox", "process", "--no-cache"]


def _own(tmp_path: Path, name: str) -> Path:
    """Each process its own data dir (and so its own trace)."""
    (tmp_path / name).mkdir()
    return tmp_path / name


def test_every_exit_status(fake_llm: FakeLLM, tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("alpha\nbeta\n")
    fake_llm.script("ok", replies=[LOOK, repl("answer['content'] = '2 lines'\nanswer['ready'] = True")])
    fake_llm.script("fail", replies=[LOOK, repl(
        "answer['data'] = {'verdict': 'fail', 'summary': 'alpha is there', 'findings': "
        "[{'path': context.path, 'line': 1, 'message': 'alpha found'}]}\nanswer['ready'] = True")])
    fake_llm.script("limit", responder=lambda req: LOOK)  # never ready
    fake_llm.fault("down", Fault(status=401, message="Incorrect API key provided"), times=10)
    fake_llm.script("slow", replies=[repl("import time\nanswer['content'] = 'half done'\ntime.sleep(30)")])
    d = str(doc)
    cases: Dict[str, List[str]] = {
        "ok": ["ask", "How many lines?", d, *args(fake_llm, "ok")],
        "fail": ["check", "The file never mentions alpha", d, *args(fake_llm, "fail")],
        "usage": ["ask", "q", d],  # no model anywhere
        "bad_flag": ["ask", "q", d, "--format", "yaml", *args(fake_llm, "ok")],
        "limit": ["ask", "q", d, *args(fake_llm, "limit"), "--max-turns", "2", "--json"],
        "down": ["ask", "q", d, *args(fake_llm, "down")],
        "slow": ["ask", "q", d, *args(fake_llm, "slow")],
    }
    slow = start_cli(cases.pop("slow"), _own(tmp_path, "slow"))
    runs = tmp_path / "slow" / "data" / "runs"
    deadline = time.monotonic() + 40
    while not any('"CellStarted"' in p.read_text() for p in runs.glob("*.jsonl")):
        assert time.monotonic() < deadline and slow.poll() is None, slow.communicate()
        time.sleep(0.05)
    slow.send_signal(signal.SIGINT)
    done = {name: run_cli(argv, _own(tmp_path, name)) for name, argv in cases.items()}  # while "slow" winds down
    slow_out, slow_err = slow.communicate(timeout=30)

    def code(name: str) -> int:
        return done[name].returncode

    def out(name: str) -> str:
        return done[name].stdout

    def err(name: str) -> str:
        return done[name].stderr

    assert code("ok") == 0 and out("ok") == "2 lines\n", err("ok")
    assert code("fail") == 1 and out("fail") == f"FAIL: alpha is there\n{doc}:1: alpha found\n", err("fail")
    assert code("usage") == 2 and "RLM_MODEL" in err("usage") and "Traceback" not in err("usage")
    assert code("bad_flag") == 2 and "yaml" in err("bad_flag")
    assert code("limit") == 3, err("limit")
    assert json.loads(out("limit"))["stop_reason"] == "max_turns" and "partial" in err("limit")
    assert code("down") == 4 and err("down").strip().splitlines()[-1].startswith("rlm: error: root model")
    assert KEY not in err("down")
    assert slow.returncode == 130 and slow_out == "half done\n", slow_err
