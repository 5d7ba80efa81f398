"""The REPL's sub-calls answered by the models: llm_query/llm_batch over the run's LLMClient, rlm_query by recursion.

One handler per REPL; a child RLM gets its own handler one level deeper. All
share the client, so the budget, the deadline and the concurrency bound are
the run's, whatever the depth.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Optional

from ..repl.inputs import ReplInputs

if TYPE_CHECKING:
    from .loop import RLM


class EngineHandler:
    """``SubcallHandler`` for a REPL at ``depth`` (0: the root's REPL)."""

    def __init__(self, rlm: "RLM", depth: int) -> None:
        self.rlm = rlm
        self.depth = depth

    def llm_query(self, prompt: str, model: Optional[str] = None, system: Optional[str] = None) -> str:
        return self.rlm.client.query(prompt, model=model, system=system)

    def llm_batch(self, prompts: list[str], model: Optional[str] = None) -> list[str]:
        return self.rlm.client.batch(prompts, model=model)

    def rlm_query(self, prompt: str, context: Optional[ReplInputs]) -> str:
        """A child loop over ``context`` one level deeper; at --max-depth, a plain llm_query."""
        if self.depth + 1 > self.rlm.settings.max_depth:
            return self.rlm.client.query(prompt + _inline(context))
        return self.rlm.child(prompt, context, self.depth + 1)


INLINE_MAX = 200_000  # at the depth limit a small context goes into the prompt; a big one cannot


def _inline(context: Optional[ReplInputs]) -> str:
    if context is None or not context.specs:
        return ""
    try:
        if not all(os.path.isfile(s.path) for s in context.specs):
            return ""
        if sum(os.path.getsize(s.path) for s in context.specs) > INLINE_MAX:
            return ""
        parts = []
        for s in context.specs:
            with open(s.path, encoding="utf-8", errors="replace") as f:
                parts.append(f.read())
    except OSError:
        return ""
    return "\n\n<context>\n" + "\n".join(parts) + "\n</context>"
