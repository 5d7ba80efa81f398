"""The root loop: call the root model, run its ```repl blocks, send back truncated outputs, until the answer is ready.

    rlm = RLM(client, EngineSettings(max_turns=20), subscribers=[print])
    result = rlm.run("Which users ...?", ReplInputs.from_loaded(loaded))

Ends when ``answer["ready"]`` is True (stop_reason "ready"). At the turn limit
or a budget limit, one last call asks for the best answer now; that answer
comes back with ready=False and the limit as stop_reason. A ProviderError of
the root model propagates (the CLI maps it to exit 4) after RunFinished is
emitted. ``rlm_query`` runs ``child`` on a host thread: the same loop over a
new REPL, one level deeper, sharing the client (budget, deadline, concurrency).
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

from ..llm import BudgetExceeded, ContextWindowExceeded, LLMClient, ModelUsage, ProviderError
from ..llm.events import CallFinished
from ..repl import Repl, ReplInputs, ReplSettings, SubcallEvent
from . import prompts
from . import schema as answer_schema
from .card import CARD_CELL
from .events import (AnswerUpdated, CellFinished, CellStarted, Interrupted, LimitReached, ModelReplied, Notice, RunFinished,
                     RunStarted, SubcallFinished, SubcallProgress, SubcallStarted, TurnStarted)
from .parse import extract_code, strip_code
from .subcalls import EngineHandler

Subscriber = Callable[[object], None]


@dataclass(frozen=True)
class EngineSettings:
    max_turns: int = 20
    max_depth: int = 1  # rlm_query at depth >= max_depth is a plain llm_query
    repl: ReplSettings = field(default_factory=ReplSettings)
    system_prompt: Optional[str] = None  # replaces the (per-model) default
    # --schema / rlm check: answer["data"] must match this JSON Schema before ready is accepted (root run only);
    # a non-matching ready answer is sent back with the errors at most schema_retries times.
    schema: Optional[dict] = None
    schema_retries: int = 3


@dataclass
class RunResult:
    answer: str
    ready: bool
    stop_reason: str  # ready | max_turns | max_cost | max_tokens | max_subcalls | timeout | context_window
    turns: int
    usage: dict[str, ModelUsage]
    cost: Optional[float]  # USD; None when a model's price is unknown
    duration: float
    trace_path: Optional[str] = None
    sandbox: str = ""
    message: str = ""  # one line: why the run stopped, when not ready
    data: Any = None  # answer["data"] (the structured answer with a schema), None when unset
    schema_errors: list[str] = field(default_factory=list)  # data against the schema; empty when valid or no schema

    def to_json(self) -> dict[str, Any]:
        return {"answer": self.answer, "data": self.data, "ready": self.ready, "stop_reason": self.stop_reason,
                "message": self.message, "schema_errors": self.schema_errors,
                "turns": self.turns, "cost": self.cost, "duration": round(self.duration, 3),
                "usage": {m: vars(u) for m, u in self.usage.items()}, "trace": self.trace_path, "sandbox": self.sandbox}


@dataclass
class _Outcome:
    answer: str
    ready: bool
    stop_reason: str
    turns: int
    message: str = ""


class _Stop(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class RLM:
    """One run: the root loop and its children, sharing one client and one set of subscribers."""

    def __init__(self, client: LLMClient, settings: Optional[EngineSettings] = None,
                 subscribers: Optional[list[Subscriber]] = None) -> None:
        self.client = client
        self.settings = settings or EngineSettings()
        self.subscribers = list(subscribers or [])
        self._lock = threading.Lock()
        self._answers: dict[int, tuple[str, bool]] = {}
        self.last_answer = ""  # the root REPL's answer content so far (printed on Ctrl-C)
        self.result: Optional[RunResult] = None  # set when run() ends, also when it raises (the partial result)
        self.turns = 0  # root turns started so far
        self.in_cell = False  # the root loop is waiting on a cell (Ctrl-C then interrupts the cell, see interrupt())
        self._repls: "weakref.WeakSet[Repl]" = weakref.WeakSet()
        prev = client.on_event

        def forward(e: object) -> None:
            if prev is not None:
                prev(e)
            self.emit(e)
            if isinstance(e, CallFinished) and e.role == "sub":
                self.emit(SubcallProgress(e.model, e.error is None, e.duration, e.input_tokens, e.output_tokens))

        client.on_event = forward

    def emit(self, event: object) -> None:
        for s in self.subscribers:
            try:
                s(event)
            except Exception:  # a broken view or trace must not break the run
                pass

    # -- entry points ---------------------------------------------------------------
    def run(self, question: str, inputs: Optional[ReplInputs] = None, *, repl: Optional[Repl] = None,
            history: Sequence[tuple[str, str]] = ()) -> RunResult:
        """Answer ``question``. Given ``repl`` (a session's, e.g. ``rlm chat``), run in it and leave it open:
        its variables carry over, ``answer`` starts empty; ``history`` ((question, answer), ...) is told the model.
        """
        t0 = time.monotonic()
        own = repl is None
        if repl is None:
            repl = self._repl(inputs or ReplInputs(), 0)
        else:
            repl.handler = EngineHandler(self, 0)  # this run's client, budget and subscribers
            self._bind(repl, 0)
        out: Optional[_Outcome] = None
        error: Optional[str] = None
        reason = "error"  # what RunFinished says if the run dies before an outcome
        try:
            repl.start()
            if not own:
                repl.run_cell('answer = {"content": "", "ready": False}')  # a new question, a new answer
            card = self._card(repl)
            cfg = self.client.config
            self.emit(RunStarted(question, cfg.model, cfg.sub_model or cfg.model, self.settings.max_turns,
                                 self.settings.max_depth, repl.sandbox, repl.sandbox_reason, len(card)))
            first = prompts.first_message(question, card, history)
            if self.settings.schema is not None:
                first += "\n\n" + prompts.schema_note(self.settings.schema)
            out = self._loop(repl, first, 0)
        except ProviderError as e:
            error, reason = str(e), "provider_error"
            raise
        except KeyboardInterrupt:
            error, reason = "interrupted", "interrupted"
            raise
        finally:
            if own:
                repl.close()
            b = self.client.budget
            o = out or _Outcome(str(repl.answer.get("content", "")), False, reason, self.turns,
                                error or "")
            self.result = self._result(o, repl, t0)
            if o.stop_reason == "interrupted":
                self.emit(Interrupted(o.turns, len(o.answer), "model call" if out is None else "cell"))
            self.emit(RunFinished(o.ready, o.stop_reason, o.turns, time.monotonic() - t0,
                                  b.cost if b.cost_known else None, b.tokens, len(o.answer), error,
                                  {m: vars(u) for m, u in b.snapshot().items()}, o.answer))
        return self.result

    def cancel(self) -> None:
        """Ctrl-C, first step: refuse every further model call. Lock-free, so a signal handler may call it."""
        self.client.budget.cancel("interrupted", "interrupted (Ctrl-C)")

    def interrupt(self) -> None:
        """Ctrl-C: refuse further model calls and interrupt every running cell, root and children.

        Not from a signal handler (it takes locks): the loop then ends with stop_reason "interrupted" and the
        answer as the interrupted cell left it.
        """
        self.cancel()
        with self._lock:
            repls = list(self._repls)
        for r in repls:
            r.interrupt("KeyboardInterrupt: the run was interrupted (Ctrl-C)")

    def _result(self, o: _Outcome, repl: Repl, t0: float) -> RunResult:
        b = self.client.budget
        data = answer_schema.data_of(repl.answer)
        schema = self.settings.schema
        errors = [] if schema is None or o.ready or data is answer_schema.MISSING else answer_schema.validate(schema, data)
        return RunResult(o.answer, o.ready, o.stop_reason, o.turns, b.snapshot(), b.cost if b.cost_known else None,
                         time.monotonic() - t0, sandbox=repl.sandbox, message=o.message,
                         data=answer_schema.present(data), schema_errors=errors)

    def child(self, prompt: str, inputs: Optional[ReplInputs], depth: int) -> str:
        """``rlm_query`` below the depth limit: a loop over its own REPL; returns the answer text."""
        with self._repl(inputs or ReplInputs(), depth) as repl:
            out = self._loop(repl, prompts.child_message(prompt, self._card(repl)), depth)
        if out.ready:
            return out.answer
        return f"[partial answer: the sub-RLM stopped ({out.message or out.stop_reason})]\n{out.answer}"

    # -- internals ------------------------------------------------------------------
    def _repl(self, inputs: ReplInputs, depth: int) -> Repl:
        return self._bind(Repl(inputs, EngineHandler(self, depth), self.settings.repl), depth)

    def _bind(self, r: Repl, depth: int) -> Repl:
        """Send ``r``'s sub-call and answer updates to this run (a session's REPL is bound to each run in turn)."""
        def on_subcall(e: SubcallEvent) -> None:
            if e.phase == "started":
                self.emit(SubcallStarted(e.call_id, e.kind, e.items, e.prompt_chars, depth))
            else:
                self.emit(SubcallFinished(e.call_id, e.kind, e.items, e.duration, e.error, depth))

        r.on_subcall = on_subcall
        r.on_answer = lambda a: self._announce(r, a, depth)
        with self._lock:
            self._repls.add(r)
        self._answers[id(r)] = ("", False)  # the worker's initial answer is not news
        return r

    def _announce(self, repl: Repl, answer: dict, depth: int) -> None:
        """AnswerUpdated once per change, whether the worker pushed it mid-cell or it came with the cell's result."""
        key = (str(answer.get("content", "")), bool(answer.get("ready")))
        with self._lock:
            if self._answers.get(id(repl)) == key:
                return
            self._answers[id(repl)] = key
            if depth == 0:
                self.last_answer = key[0]
        self.emit(AnswerUpdated(key[0], key[1], depth))

    def _card(self, repl: Repl) -> str:
        r = repl.run_cell(CARD_CELL, timeout=max(self.settings.repl.cell_timeout, 120))
        if r.error:  # the card is a convenience: fall back to the worker's one-line description
            return f"{repl.context_description} (no preview: {r.error.strip().splitlines()[-1]})"
        return r.stdout

    def _status(self, turn: int) -> str:
        b = self.client.budget
        lim = b.limits
        sub = f"{b.subcalls}/{lim.max_subcalls}" if lim.max_subcalls is not None else f"{b.subcalls}"
        tok = f"{b.tokens:,}/{lim.max_tokens:,}" if lim.max_tokens is not None else f"{b.tokens:,}"
        cost = f"${b.cost:.4f}" + ("" if b.cost_known else "+")
        cost += f"/${lim.max_cost:g}" if lim.max_cost is not None else ""
        parts = [f"turn {turn}/{self.settings.max_turns}", f"sub-calls {sub}", f"tokens {tok}", f"cost {cost}"]
        left = b.remaining_time()
        if left is not None:
            parts.append(f"time left {max(0.0, left):.0f}s")
        return "[status] " + " | ".join(parts)

    def _complete(self, messages: list[dict], turn: int, depth: int) -> tuple[str, int]:
        """One root-model call; returns (text, blocks). Raises BudgetExceeded/ContextWindowExceeded/ProviderError."""
        sent = sum(len(m["content"] or "") for m in messages)
        c = self.client.complete(messages, role="root")
        text = c.text or ""  # reasoning models may return content=None
        blocks = len(extract_code(text).blocks)
        self.emit(ModelReplied(turn, text, blocks, c.input_tokens, c.output_tokens, c.cost, c.duration, sent, depth))
        return text, blocks

    def _loop(self, repl: Repl, first: str, depth: int) -> _Outcome:
        cfg = self.client.config
        system = self.settings.system_prompt or prompts.system_prompt(cfg.model)
        messages: list[dict] = [{"role": "system", "content": system}, {"role": "user", "content": first}]
        seen_output = False  # has the model been shown the output of any cell yet?
        refused = False
        invalid = 0  # ready answers whose data did not match the schema
        turn = replied = 0  # turns started / turns the model answered
        stop: Optional[_Stop] = None
        try:
            while True:
                if turn >= self.settings.max_turns:
                    raise _Stop("max_turns", f"turn limit of {self.settings.max_turns} reached")
                turn += 1
                if depth == 0:
                    self.turns = turn
                self.emit(TurnStarted(turn, self.settings.max_turns, depth))
                text, _ = self._complete(messages, turn, depth)
                replied = turn
                messages.append({"role": "assistant", "content": text})
                feedback = self._run_reply(repl, text, turn, depth)
                if repl.answer.get("ready"):
                    errors = self._schema_errors(repl, depth) if (seen_output or refused) else []
                    if (seen_output or refused) and not errors:
                        a = repl.answer
                        return _Outcome(str(a.get("content", "")), True, "ready", turn)
                    if errors:  # ready, but answer["data"] does not match the schema: sent back to be fixed
                        invalid += 1
                        if invalid > self.settings.schema_retries:
                            raise _Stop("schema_invalid", f"answer[\"data\"] still did not match the schema after "
                                        f"{invalid} tries ({errors[0]})")
                        note = prompts.schema_invalid(errors, self.settings.schema_retries - invalid + 1)
                        kind = "schema_invalid"
                    else:
                        refused = True  # answered without looking: refused once
                        note, kind = prompts.READY_REFUSED, "ready_refused"
                    repl.run_cell('answer["ready"] = False')
                    self.emit(Notice(turn, kind, note, depth))
                    feedback += "\n\n" + note
                seen_output = seen_output or "[cell " in feedback
                messages.append({"role": "user", "content": feedback + "\n\n" + self._status(turn)})
                if self.client.budget.exceeded is not None:
                    e = self.client.budget.exceeded
                    raise _Stop(e.limit, str(e))
        except BudgetExceeded as e:
            stop = _Stop(e.limit, str(e))
        except ContextWindowExceeded as e:
            stop = _Stop("context_window", str(e))
        except _Stop as e:
            stop = e
        assert stop is not None
        self.emit(LimitReached(stop.reason, str(stop), depth))
        return self._final(repl, messages, replied, depth, stop)

    def _run_reply(self, repl: Repl, text: str, turn: int, depth: int) -> str:
        """Run the reply's code blocks in order; the text the model gets back."""
        found = extract_code(text)
        if not found.blocks:
            kind, msg = ("empty_reply", prompts.EMPTY_REPLY) if not text.strip() else ("no_code", prompts.NO_CODE)
            if found.other_fences:
                msg += prompts.OTHER_FENCE
            self.emit(Notice(turn, kind, msg, depth))
            return msg
        parts: list[str] = []
        n = len(found.blocks)
        for i, code in enumerate(found.blocks, 1):
            left = self.client.budget.remaining_time()
            if left is not None and left <= 0:
                raise self.client.budget.time_out()
            limit = self.settings.repl.cell_timeout if left is None else max(0.5, min(self.settings.repl.cell_timeout, left))
            self.emit(CellStarted(turn, i, code, depth))
            self.in_cell = depth == 0
            try:
                r = repl.run_cell(code, timeout=limit)
            finally:
                self.in_cell = False
            self._announce(repl, r.answer, depth)
            shown = r.to_model()
            self.emit(CellFinished(turn, i, r.duration, len(shown), r.stdout_total + r.stderr_total, r.error,
                                   r.timed_out, r.restarted, depth, shown))
            parts.append(f"[cell {i}/{n}, {r.duration:.2f}s]\n{shown}")
            if r.ready or self.client.budget.exceeded is not None:
                if i < n:
                    parts.append(f"[cells {i + 1}-{n} not run: "
                                 + ("the answer was set ready]" if r.ready else "a limit was reached]"))
                break
        if found.unclosed:
            parts.append(prompts.UNCLOSED)
        if found.other_fences:
            parts.append(prompts.OTHER_FENCE.strip())
        a = repl.answer
        if not a.get("ready") and a.get("content"):
            parts.append(f"[answer] content has {len(str(a['content'])):,} chars; ready is False.")
        return "\n\n".join(parts)

    def _schema_errors(self, repl: Repl, depth: int) -> list[str]:
        schema = self.settings.schema
        if schema is None or depth > 0:
            return []
        return answer_schema.validate(schema, answer_schema.data_of(repl.answer))

    def _final(self, repl: Repl, messages: list[dict], turn: int, depth: int, stop: _Stop) -> _Outcome:
        """One last call for the best answer now (refused by the budget for cost, tokens and time)."""
        partial = str(repl.answer.get("content", "") or "")
        if stop.reason in ("interrupted", "schema_invalid"):  # the user wants out / the model could not comply
            return _Outcome(partial, False, stop.reason, turn, str(stop))
        if messages and messages[-1]["role"] == "assistant":
            messages.append({"role": "user", "content": "(the limit stopped the run before this reply's code ran)"})
        messages.append({"role": "user", "content": prompts.FINAL.format(reason=f"Stopped: {stop}.")})
        _merge_users(messages)
        self.emit(TurnStarted(turn + 1, self.settings.max_turns, depth, final=True))
        try:
            text, _ = self._complete(messages, turn + 1, depth)
            partial = strip_code(text) or partial  # the model's own summary, else what the REPL holds
        except (BudgetExceeded, ContextWindowExceeded):
            pass  # the limit refuses the final call too: the REPL's answer is the best there is
        except ProviderError:
            if depth == 0 and not partial:
                raise
        return _Outcome(partial, False, stop.reason, turn, str(stop))


def _merge_users(messages: list[dict]) -> None:
    """Join consecutive user messages (some providers reject two in a row)."""
    i = 1
    while i < len(messages):
        if messages[i]["role"] == "user" and messages[i - 1]["role"] == "user":
            messages[i - 1] = {"role": "user", "content": f"{messages[i - 1]['content']}\n\n{messages[i]['content']}"}
            del messages[i]
        else:
            i += 1


def run(question: str, inputs: ReplInputs, client: LLMClient, settings: Optional[EngineSettings] = None,
        subscribers: Optional[list[Subscriber]] = None) -> RunResult:
    """One run with a fresh RLM (see the module docstring)."""
    return RLM(client, settings, subscribers).run(question, inputs)
