"""Typed events of a run, delivered synchronously to subscribers (``Callable[[object], None]``).

Sub-call and answer events arrive on REPL host threads, several at once, so a
subscriber must be thread-safe and quick. LLM-layer events (``CallStarted``,
``CallRetrying``, ``CallFinished``) are passed through unchanged as well.
``depth`` is 0 for the root loop and 1+ for child RLMs started by ``rlm_query``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass(frozen=True)
class RunStarted:
    question: str
    model: str
    sub_model: str
    max_turns: int
    max_depth: int
    sandbox: str
    sandbox_reason: str
    card_chars: int


@dataclass(frozen=True)
class TurnStarted:
    turn: int
    max_turns: int
    depth: int = 0
    final: bool = False  # the one extra call that asks for the best answer after a limit


@dataclass(frozen=True)
class ModelReplied:
    turn: int
    text: str
    blocks: int
    input_tokens: int
    output_tokens: int
    cost: Optional[float]
    duration: float
    sent_chars: int  # characters of the messages sent this turn (what the root model received)
    depth: int = 0


@dataclass(frozen=True)
class CellStarted:
    turn: int
    index: int  # 1-based within the turn
    code: str
    depth: int = 0


@dataclass(frozen=True)
class CellFinished:
    turn: int
    index: int
    duration: float
    output_chars: int  # what the model gets back
    total_chars: int  # the true length of stdout + stderr
    error: Optional[str]
    timed_out: bool
    restarted: bool
    depth: int = 0
    output: str = ""  # what the model got back (head and tail), so views and `rlm runs show` can print it


@dataclass(frozen=True)
class SubcallStarted:
    call_id: int
    kind: str  # llm_query | llm_batch | rlm_query
    items: int
    prompt_chars: int
    depth: int = 0


@dataclass(frozen=True)
class SubcallProgress:
    """One sub-model request of a running sub-call finished (a batch item, for example)."""

    model: str
    ok: bool
    duration: float
    input_tokens: int
    output_tokens: int
    depth: int = 0


@dataclass(frozen=True)
class SubcallFinished:
    call_id: int
    kind: str
    items: int
    duration: float
    error: Optional[str]
    depth: int = 0


@dataclass(frozen=True)
class AnswerUpdated:
    content: str
    ready: bool
    depth: int = 0


@dataclass(frozen=True)
class Notice:
    """Something the model was told about its own conduct (no code, ready refused...)."""

    turn: int
    kind: str  # no_code | empty_reply | ready_refused | other_fence
    message: str
    depth: int = 0


@dataclass(frozen=True)
class LimitReached:
    limit: str  # max_turns | max_cost | max_tokens | max_subcalls | timeout | context_window | schema_invalid | interrupted
    message: str
    depth: int = 0


@dataclass(frozen=True)
class Interrupted:
    """Ctrl-C ended the run (emitted just before RunFinished); the partial answer is what the REPL held."""

    turns: int
    answer_chars: int
    during: str  # cell (the cell was interrupted and returned) | model call (a model reply was abandoned)
    depth: int = 0


@dataclass(frozen=True)
class RunFinished:
    ready: bool
    stop_reason: str
    turns: int
    duration: float
    cost: Optional[float]
    tokens: int
    answer_chars: int
    error: Optional[str] = None
    usage: dict[str, Any] = field(default_factory=dict)
    answer: str = ""  # the final (or partial) answer, so a trace alone reproduces the run
