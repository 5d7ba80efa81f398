"""Keys: a local server needs none; a hosted provider without one fails at once, not after retries."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from fakellm import FakeLLM
from rlm_cli.llm import LLMClient, LLMConfig, ProviderError, RetryPolicy


def test_local_server_without_any_key_is_reached(fake_llm: FakeLLM, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    fake_llm.script("local", replies=["pong"])
    c = LLMClient(LLMConfig(model="openai/local", api_base=fake_llm.url, cache=False))
    assert c.complete([{"role": "user", "content": "ping"}]).text == "pong"
    assert fake_llm.requests[0].authorization == "Bearer no-key"


def test_missing_credentials_fail_on_the_first_attempt(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    c = LLMClient(LLMConfig(model="openai/gpt-4o-mini", cache=False,
                            retry=RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=2.0)))
    t = time.perf_counter()
    with pytest.raises(ProviderError) as info:
        c.complete([{"role": "user", "content": "hi"}])
    assert time.perf_counter() - t < 1.0  # five attempts with 1 s backoff would take seconds
    assert info.value.attempts == 1
    assert "--api-key" in str(info.value) and "\n" not in str(info.value)
