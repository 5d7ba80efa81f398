"""`cat log | rlm ask ...`: the pipe is spooled once and the model's REPL reads it, in either sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fakellm import FakeLLM, Reply
from rlm_cli.repl.sandbox import bwrap_problem

KEY = "sk-test-stdin-0123456789abcdef"


def repl(code: str) -> str:
    return f"Let me look at the input first.\n```repl\n{code}\n```"


@pytest.mark.parametrize("sandbox", ["process", "bwrap"])
def test_piped_log_is_answered_from_the_repl(fake_llm: FakeLLM, tmp_path: Path, sandbox: str) -> None:
    if sandbox == "bwrap" and bwrap_problem():
        pytest.skip(f"bubblewrap cannot run here: {bwrap_problem()}")
    lines = [f"2026-11-23T02:{i % 60:02d}:00Z {'ERROR' if i % 37 == 0 else 'INFO'} user={i % 11} status={500 if i % 37 == 0 else 200}"
             for i in range(5000)]
    expected = sorted({l.split("user=")[1].split()[0] for l in lines if " ERROR " in l})
    fake_llm.script("root-model", replies=[
        Reply(repl("print(type(context).__name__, context.path, context.line_count)\n"
                   "errors = context.grep(r' ERROR user=(\\d+)', max_matches=100000)\n"
                   "users = sorted({m.text.split('user=')[1].split()[0] for m in errors})\n"
                   "print(len(errors), users)")),
        Reply(repl("answer['content'] = 'users with errors: ' + ', '.join(users)\nanswer['ready'] = True")),
    ])
    env = {k: v for k, v in os.environ.items() if not k.startswith("RLM_")}
    env.update(RLM_CACHE_DIR=str(tmp_path / "cache"), RLM_DATA_DIR=str(tmp_path / "data"))
    p = subprocess.run([sys.executable, "-m", "rlm_cli", "ask", "Which users got errors?", "-m", "openai/root-model",
                        "--api-base", fake_llm.url, "--api-key", KEY, "--sandbox", sandbox, "-q", "--no-cache"],
                       input="\n".join(lines) + "\n", capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "users with errors: " + ", ".join(expected)
    second_turn = fake_llm.requests_for("root-model")[1].last_user
    assert f"Document <stdin> {len(lines)}" in second_turn
    assert f"{sum(' ERROR ' in l for l in lines)} {expected!r}".replace('"', "'") in second_turn
    assert not list((tmp_path / "cache" / "spool").glob("*")), "the stdin spool file is removed at exit"
