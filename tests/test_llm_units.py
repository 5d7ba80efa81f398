"""The llm layer's pieces without HTTP: backoff, redaction, budgets, the mock transport, lazy import."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from fakellm import FakeLLM
from rlm_cli.llm import (Budget, BudgetExceeded, Limits, LLMClient, LLMConfig, MockTransport, ProviderError,
                         RetryPolicy, TransportError, redact)
from rlm_cli.llm.retry import parse_retry_after


def test_import_does_not_load_litellm() -> None:
    out = subprocess.run([sys.executable, "-c", "import sys, rlm_cli.llm; print('litellm' in sys.modules)"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_backoff_grows_with_jitter_and_honours_retry_after() -> None:
    p = RetryPolicy(base_delay=1.0, max_delay=8.0)
    rng = random.Random(7)
    for n, step in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 8.0)]:
        delays = {p.delay(n, rng=rng) for _ in range(20)}
        assert all(step / 2 <= d <= step for d in delays) and len(delays) > 1
    assert 3.0 <= p.delay(1, retry_after=3.0, rng=rng) <= 3.5
    assert p.delay(1, retry_after=1000.0, rng=rng) <= p.max_retry_after + 1


def test_retry_after_parses_seconds_and_dates() -> None:
    assert parse_retry_after("2") == 2.0 and parse_retry_after("0.5") == 0.5
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


def test_redact_removes_given_and_keyish_secrets() -> None:
    text = "bad key sk-abcdef123456789 sent with Authorization: Bearer tok_987654321 and mysecretvalue"
    out = redact(text, ["mysecretvalue"])
    assert "abcdef123456789" not in out and "tok_987654321" not in out and "mysecretvalue" not in out


def test_config_repr_hides_the_key() -> None:
    assert "sk-hidden-123456" not in repr(LLMConfig(model="m", api_key="sk-hidden-123456"))


def test_budget_counts_per_model_and_reserves_subcalls() -> None:
    b = Budget(Limits(max_subcalls=2))
    b.check("sub")
    b.check("sub")
    with pytest.raises(BudgetExceeded) as info:
        b.check("sub")
    assert info.value.limit == "max_subcalls" and b.exceeded is info.value
    b.check("root")
    b.record("a", input_tokens=3, output_tokens=4, cost=0.5)
    b.record("a", input_tokens=1, output_tokens=1, cost=None)
    b.record("b", cached=True)
    snap = b.snapshot()
    assert (snap["a"].calls, snap["a"].unknown_cost_calls, snap["b"].cached) == (2, 1, 1)
    assert b.tokens == 9 and b.cost == 0.5 and not b.cost_known


def test_deadline_uses_the_clock() -> None:
    now = [100.0]
    b = Budget(Limits(timeout=5), clock=lambda: now[0])
    b.check("root")
    now[0] = 105.0
    with pytest.raises(BudgetExceeded) as info:
        b.check("root")
    assert info.value.limit == "timeout" and b.remaining_time() == 0.0


def test_mock_transport_drives_the_client_without_http(tmp_path: Path) -> None:
    calls = []

    def handler(req):
        calls.append(req)
        if "fail" in req.messages[-1]["content"]:
            raise TransportError("boom", status=503, retryable=True)
        return "ANSWER " + req.messages[-1]["content"]

    c = LLMClient(LLMConfig(model="root-m", sub_model="sub-m", cache=False, retry=RetryPolicy(2, 0.001, 0.001)),
                  transport=MockTransport(handler, windows={"sub-m": 10}))
    assert c.query("x") == "ANSWER x"
    out = c.batch(["a", "fail", "word " * 100])
    assert out[0] == "ANSWER a" and out[1].startswith("[ERROR]") and "context window" in out[2]
    with pytest.raises(ProviderError):
        c.complete([{"role": "user", "content": "fail"}])
    assert c.complete([{"role": "user", "content": "r"}]).model == "root-m"
    assert sum("fail" in r.messages[-1]["content"] for r in calls) == 4  # two attempts each


def test_fake_server_lists_models_and_binds_loopback() -> None:
    with FakeLLM(max_lifetime=10) as server:
        server.script("alpha", replies=["hi"])
        assert server._server.server_address[0] == "127.0.0.1"
        with urllib.request.urlopen(f"{server.url}/models", timeout=5) as r:
            assert [m["id"] for m in json.load(r)["data"]] == ["alpha"]
