"""Shared fixtures."""

from __future__ import annotations

from typing import Iterator

import pytest

from fakellm import FakeLLM


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    """A loopback OpenAI-compatible server (tests/fakellm.py); reach it as ``openai/<name>`` at ``.url``."""
    with FakeLLM(max_lifetime=60) as server:
        yield server
