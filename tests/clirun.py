"""Running ``python -m rlm_cli`` against the fake server, isolated from the user's config, cache and runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, List

from fakellm import FakeLLM

KEY = "sk-test-not-a-real-key-0123456789"
ROOT, SUB = "root-model", "sub-model"


def cli_env(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RLM_", "GITHUB_"))}
    env.update(RLM_CACHE_DIR=str(tmp_path / "cache"), RLM_DATA_DIR=str(tmp_path / "data"),
               RLM_CONFIG_DIR=str(tmp_path / "config"), NO_COLOR="1", **extra)
    return env


def model_args(server: FakeLLM) -> List[str]:
    return ["-m", f"openai/{ROOT}", "--sub-model", f"openai/{SUB}", "--api-base", server.url, "--api-key", KEY,
            "--sandbox", "process", "--no-cache"]


def run_cli(args: List[str], tmp_path: Path, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rlm_cli", *args], capture_output=True, text=True,
                          env=cli_env(tmp_path, **env), timeout=timeout, stdin=subprocess.DEVNULL, cwd=tmp_path)


def start_cli(args: List[str], tmp_path: Path, **env: str) -> "subprocess.Popen[str]":
    return subprocess.Popen([sys.executable, "-m", "rlm_cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=cli_env(tmp_path, **env), stdin=subprocess.DEVNULL, cwd=tmp_path)


def trace_records(tmp_path: Path) -> List[dict[str, Any]]:
    import json

    traces = sorted((tmp_path / "data" / "runs").glob("*.jsonl"))
    assert len(traces) == 1, traces
    return [json.loads(line) for line in traces[0].read_text().splitlines() if line.strip()]


def invoke(args: List[str], tmp_path: Path, **env: str) -> Any:
    """The CLI in this process (LiteLLM is imported once per test session): ``.exit_code``, ``.stdout``, ``.stderr``.

    For the exit statuses that ``main()`` maps (4) or that need a real process (130), use ``run_cli``.
    """
    from typer.testing import CliRunner

    from rlm_cli.cli import app

    full = {k: None for k in os.environ if k.startswith(("RLM_", "GITHUB_"))}
    full.update(cli_env(tmp_path, **env))
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        return CliRunner().invoke(app, args, env=full, catch_exceptions=False)
    finally:
        os.chdir(old)
