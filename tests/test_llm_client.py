"""LLMClient through the real LiteLLM path against the loopback server (tests/fakellm.py)."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any, List

import pytest

from fakellm import FakeLLM, Fault, Reply
from rlm_cli.llm import (BudgetExceeded, CallFinished, CallRetrying, CallStarted, ContextWindowExceeded, Limits,
                         LLMClient, LLMConfig, ProviderError, RetryPolicy)

KEY = "sk-test-not-a-real-key-0123456789"
FAST = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)


def client(server: FakeLLM, tmp_path: Path, limits: Limits = None, on_event: Any = None, **cfg: Any) -> LLMClient:
    cfg.setdefault("retry", FAST)
    cfg.setdefault("cache_path", str(tmp_path / "cache.sqlite3"))
    cfg.setdefault("model", "openai/root")
    cfg.setdefault("sub_model", "openai/sub")
    return LLMClient(LLMConfig(api_base=server.url, api_key=KEY, **cfg), limits, on_event=on_event)


def user(text: str) -> List[dict]:
    return [{"role": "user", "content": text}]


# -- plain calls ------------------------------------------------------------------

def test_completion_reports_text_usage_and_unknown_cost(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.script("root", replies=[Reply("hello there", prompt_tokens=11, completion_tokens=7)])
    c = client(fake_llm, tmp_path)
    out = c.complete(user("hi"))
    assert (out.text, out.model, out.role) == ("hello there", "openai/root", "root")
    assert (out.input_tokens, out.output_tokens) == (11, 7)
    assert out.cost is None  # not in LiteLLM's price map: unknown, never 0
    assert not out.cached and out.attempts == 1
    [req] = fake_llm.requests
    assert req.model == "root" and req.last_user == "hi" and not req.stream
    assert req.authorization == f"Bearer {KEY}"  # --api-key reaches the server
    usage = c.budget.snapshot()["openai/root"]
    assert (usage.calls, usage.input_tokens, usage.output_tokens, usage.unknown_cost_calls) == (1, 11, 7, 1)
    assert c.budget.tokens == 18 and c.budget.cost == 0.0 and not c.budget.cost_known


def test_streaming_delivers_pieces_and_usage(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.script("root", replies=[Reply("a streamed answer of some length", prompt_tokens=5, completion_tokens=9)])
    pieces: List[str] = []
    out = client(fake_llm, tmp_path).complete(user("go"), stream=True, on_delta=pieces.append)
    assert out.text == "a streamed answer of some length"
    assert len(pieces) > 1 and "".join(pieces) == out.text
    assert (out.input_tokens, out.output_tokens) == (5, 9)
    assert fake_llm.requests[0].stream


def test_known_price_gives_litellm_cost(fake_llm: FakeLLM, tmp_path: Path) -> None:
    import litellm  # the test may import it; the package must not at import time

    fake_llm.script("gpt-4o-mini", replies=[Reply("priced", prompt_tokens=1000, completion_tokens=500)])
    out = client(fake_llm, tmp_path).complete(user("x"), model="openai/gpt-4o-mini")
    info = litellm.get_model_info("openai/gpt-4o-mini")
    expected = 1000 * info["input_cost_per_token"] + 500 * info["output_cost_per_token"]
    assert out.cost == pytest.approx(expected) and out.cost > 0


def test_query_uses_sub_model_and_system_prompt(fake_llm: FakeLLM, tmp_path: Path) -> None:
    assert client(fake_llm, tmp_path).query("what?", system="be brief") == "echo: what?"
    [req] = fake_llm.requests
    assert req.model == "sub" and req.messages[0] == {"role": "system", "content": "be brief"}


# -- retries and provider failures --------------------------------------------------

def test_429_is_retried_after_retry_after(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.fault("sub", Fault(status=429, retry_after=0.3), times=2)
    events: List[Any] = []
    assert client(fake_llm, tmp_path, on_event=events.append).query("hi") == "echo: hi"
    reqs = fake_llm.requests_for("sub")
    assert [r.status for r in reqs] == [429, 429, 200]
    gaps = [b.started - a.started for a, b in zip(reqs, reqs[1:])]
    assert all(g >= 0.3 for g in gaps), gaps  # Retry-After honoured, not our 10 ms backoff
    retries = [e for e in events if isinstance(e, CallRetrying)]
    assert [e.attempt for e in retries] == [1, 2] and all(e.delay >= 0.3 and "429" in e.reason for e in retries)
    assert isinstance(events[-1], CallFinished) and events[-1].attempts == 3 and events[-1].error is None


def test_500_exhausts_retries_with_a_clear_error(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.fault("root", Fault(status=500), times=10)
    with pytest.raises(ProviderError) as info:
        client(fake_llm, tmp_path).complete(user("hi"))
    e = info.value
    assert len(fake_llm.requests) == 3  # our three attempts, none of LiteLLM's or the OpenAI SDK's own
    assert e.status == 500 and e.attempts == 3
    msg = str(e)
    assert "openai/root" in msg and "after 3 attempts" in msg and "500" in msg and "\n" not in msg
    assert KEY not in msg and KEY not in repr(e)


def test_secret_echoed_by_provider_is_redacted(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.fault("root", Fault(status=401, message=f"Incorrect API key provided: {KEY}"))
    with pytest.raises(ProviderError) as info:
        client(fake_llm, tmp_path).complete(user("hi"))
    assert len(fake_llm.requests) == 1  # 401 is not retried
    assert KEY not in str(info.value) and KEY[:12] not in str(info.value)
    assert "401" in str(info.value)


def test_dropped_connection_is_retried(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.fault("sub", Fault(close=True))
    assert client(fake_llm, tmp_path).query("again") == "echo: again"
    assert len(fake_llm.requests) == 2


def test_provider_down_is_a_provider_error(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = LLMClient(LLMConfig(model="openai/root", api_base=f"http://127.0.0.1:{port}/v1", api_key=KEY, retry=FAST,
                            cache_path=str(tmp_path / "c.sqlite3")))
    t0 = time.monotonic()
    with pytest.raises(ProviderError) as info:
        c.complete(user("hi"))
    assert time.monotonic() - t0 < 5
    assert "openai/root" in str(info.value) and KEY not in str(info.value)


# -- batches and concurrency ---------------------------------------------------------

def test_batch_isolates_a_failing_item(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.script("sub", responder=lambda r: Fault(status=500) if "poison" in r.last_user else r.last_user.upper())
    prompts = [f"item {i}" for i in range(8)]
    prompts[3] = "poison"
    out = client(fake_llm, tmp_path).batch(prompts)
    assert out[:3] == ["ITEM 0", "ITEM 1", "ITEM 2"] and out[4:] == [f"ITEM {i}" for i in range(4, 8)]
    assert out[3].startswith("[ERROR]") and "500" in out[3] and "\n" not in out[3]


def test_batch_respects_the_concurrency_bound(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.script("sub", latency=0.05)
    out = client(fake_llm, tmp_path, concurrency=4, cache=False).batch([f"p{i}" for i in range(24)])
    assert out == [f"echo: p{i}" for i in range(24)]
    assert fake_llm.max_in_flight == 4  # saturated, never exceeded


def test_bound_is_shared_by_concurrent_callers(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.script("sub", latency=0.05)
    c = client(fake_llm, tmp_path, concurrency=3, cache=False)
    results: List[List[str]] = [[], []]
    threads = [threading.Thread(target=lambda k=k: results.__setitem__(k, c.batch([f"{k}-{i}" for i in range(9)])))
               for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results[1] == [f"echo: 1-{i}" for i in range(9)]
    assert fake_llm.max_in_flight == 3


# -- budgets and the deadline ------------------------------------------------------

def test_max_subcalls_stops_a_batch(fake_llm: FakeLLM, tmp_path: Path) -> None:
    c = client(fake_llm, tmp_path, Limits(max_subcalls=3), cache=False)
    with pytest.raises(BudgetExceeded) as info:
        c.batch([f"p{i}" for i in range(6)])
    assert info.value.limit == "max_subcalls" and len(fake_llm.requests) == 3
    assert c.budget.exceeded is info.value or c.budget.exceeded.limit == "max_subcalls"
    with pytest.raises(BudgetExceeded):
        c.query("one more")
    c.complete(user("the root may still answer"))  # sub-call limit does not bind the root model


def test_max_tokens_refuses_the_next_call(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.script("sub", responder=lambda r: Reply("x", prompt_tokens=50, completion_tokens=10))
    c = client(fake_llm, tmp_path, Limits(max_tokens=100), cache=False)
    c.query("a")
    c.query("b")  # 60 used < 100: allowed (a call cannot be priced before it is made)
    with pytest.raises(BudgetExceeded) as info:
        c.query("c")
    assert info.value.limit == "max_tokens" and "100" in str(info.value) and len(fake_llm.requests) == 2


def test_max_cost_refuses_the_next_call(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.script("gpt-4o-mini", responder=lambda r: Reply("x", prompt_tokens=100_000, completion_tokens=0))
    c = client(fake_llm, tmp_path, Limits(max_cost=0.01), cache=False, model="openai/gpt-4o-mini")
    c.complete(user("a"))  # $0.015 spent, over the $0.01 limit
    with pytest.raises(BudgetExceeded) as info:
        c.complete(user("b"))
    assert info.value.limit == "max_cost" and len(fake_llm.requests) == 1 and c.budget.cost > 0.01


def test_hanging_provider_stops_at_the_deadline(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.fault("root", Fault(hang=30))
    c = client(fake_llm, tmp_path, Limits(timeout=0.6))
    t0 = time.monotonic()
    with pytest.raises(BudgetExceeded) as info:
        c.complete(user("hi"))
    assert info.value.limit == "timeout"
    assert time.monotonic() - t0 < 1.5


def test_hanging_batch_stops_at_the_deadline(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.fault("sub", Fault(hang=30), times=100)
    c = client(fake_llm, tmp_path, Limits(timeout=0.6), concurrency=4, cache=False)
    t0 = time.monotonic()
    with pytest.raises(BudgetExceeded):
        c.batch([f"p{i}" for i in range(20)])
    assert time.monotonic() - t0 < 2.0
    assert len(fake_llm.requests) <= 4  # the queued items were refused, not sent


# -- cache ---------------------------------------------------------------------------

def test_cache_hit_costs_no_request(fake_llm: FakeLLM, tmp_path: Path) -> None:
    first = client(fake_llm, tmp_path).complete(user("same question"))
    again = client(fake_llm, tmp_path)  # a new run, same cache file
    hit = again.complete(user("same question"))
    assert len(fake_llm.requests) == 1
    assert hit.cached and hit.text == first.text and hit.cost == 0.0 and hit.attempts == 0
    assert again.budget.tokens == 0 and again.budget.snapshot()["openai/root"].cached == 1
    again.complete(user("another question"))
    assert len(fake_llm.requests) == 2


def test_no_cache_always_asks(fake_llm: FakeLLM, tmp_path: Path) -> None:
    c = client(fake_llm, tmp_path, cache=False)
    c.query("q")
    c.query("q")
    assert len(fake_llm.requests) == 2 and not (tmp_path / "cache.sqlite3").exists()


# -- context window --------------------------------------------------------------------

def test_configured_window_refuses_an_oversized_sub_call(fake_llm: FakeLLM, tmp_path: Path) -> None:
    c = client(fake_llm, tmp_path, context_windows={"openai/sub": 50})
    out = c.batch(["short", "word " * 400])
    assert out[0] == "echo: short"
    assert out[1].startswith("[ERROR]") and "context window" in out[1] and "openai/sub" in out[1]
    assert len(fake_llm.requests) == 1  # the oversized one was never sent
    with pytest.raises(ContextWindowExceeded):
        c.complete(user("word " * 400), role="sub")


def test_known_model_window_comes_from_litellm(fake_llm: FakeLLM, tmp_path: Path) -> None:
    c = client(fake_llm, tmp_path, sub_model="openai/gpt-4o-mini")
    out = c.query("word " * 140_000)  # ~140k tokens > gpt-4o-mini's 128k
    assert out.startswith("[ERROR]") and "128000" in out and not fake_llm.requests


def test_unknown_model_window_is_not_checked(fake_llm: FakeLLM, tmp_path: Path) -> None:
    assert client(fake_llm, tmp_path).query("word " * 2000).startswith("echo:")


def test_provider_context_error_becomes_an_error_string(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.fault("sub", Fault(status=400, message="This model's maximum context length is 8192 tokens. "
                                                    "However, your messages resulted in 9000 tokens."))
    out = client(fake_llm, tmp_path).query("big")
    assert out.startswith("[ERROR]") and "context window" in out and len(fake_llm.requests) == 1


# -- events ------------------------------------------------------------------------------

def test_events_bracket_each_call(fake_llm: FakeLLM, tmp_path: Path) -> None:
    fake_llm.script("sub", responder=lambda r: Fault(status=500) if r.last_user == "bad" else Reply("ok", 3, 2))
    events: List[Any] = []
    lock = threading.Lock()

    def on_event(e: Any) -> None:
        with lock:
            events.append(e)

    client(fake_llm, tmp_path, on_event=on_event, cache=False).batch(["good", "bad"])
    started = [e for e in events if isinstance(e, CallStarted)]
    finished = {e.call_id: e for e in events if isinstance(e, CallFinished)}
    assert len(started) == 2 and set(finished) == {e.call_id for e in started}
    ok = [e for e in finished.values() if e.error is None]
    bad = [e for e in finished.values() if e.error is not None]
    assert len(ok) == 1 and (ok[0].input_tokens, ok[0].output_tokens, ok[0].cost) == (3, 2, None)
    assert len(bad) == 1 and "500" in bad[0].error and bad[0].attempts == 3 and bad[0].role == "sub"
