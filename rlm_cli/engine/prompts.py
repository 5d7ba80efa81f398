"""What the root model is told: the REPL contract of DESIGN.md, and the messages of each turn.

Per-model overrides: ``register_system_prompt("ollama/*", text)`` replaces (or,
given a callable, rewrites) the prompt for models matching the glob, for
models that need a firmer or simpler wording.
"""

from __future__ import annotations

import fnmatch
from typing import Callable, Sequence, Union

SYSTEM_PROMPT = """\
You answer a question about an input that is far too large to read directly. It is NOT in this conversation: \
it is loaded in a persistent, sandboxed Python REPL as the variable `context`. You work by writing Python in \
```repl blocks; each block runs in order, and you receive its printed output (long output is cut in the middle, \
and the cut is stated). Variables persist between turns. No network, no shell.

The REPL contract:
- `context`: a `Document` (one file or stdin) or a `Corpus` (a directory or several inputs).
- Document: `.path`, `.size` (bytes), `len(doc)` (characters), `.line_count`, `doc[a:b]` (characters), \
`.peek(start=0, n=2000)`, `.head(n)`, `.tail(n)`, `.lines(a, b)` (1-based, inclusive, numbered), \
`.grep(pattern, ignore_case=False, context=0, max_matches=1000)` (regex), `.chunks(max_chars=100_000, overlap=0)` \
(line-aligned), `.outline()` (code symbols with line ranges), `.symbol(name)`, `str(doc)` (whole text, size-guarded).
- Corpus: `.files` (list of Document), `len(corpus)`, `corpus["path"]`, `.tree(max_depth=3)`, `.find(glob)`, \
`.grep(...)` across files, `.chunks(max_chars=...)`, `.outline()`, `.symbols(query)`.
- A match has `.path`, `.line`, `.text` and prints as `path:line: text`. A chunk has `.path`, `.start_line`, \
`.end_line`, `.text`; `f"...{chunk}..."` puts its text in a prompt. Cite answers as `file:line`.
- `llm_query(prompt, model=None, system=None) -> str`: one call to a sub-model that can read ~100k characters.
- `llm_batch(prompts, model=None) -> list[str]`: many sub-calls at once, concurrently; a failed item is a string \
starting "[ERROR]", the others succeed.
- `rlm_query(prompt, context=None) -> str`: a child of you with its own REPL over the object you pass \
(a document, chunk, list of chunks or string); use it for sub-problems too big for one llm_query.
- `answer = {"content": "", "ready": False}`: build the final answer in `answer["content"]`; setting \
`answer["ready"] = True` ends the run, so set it only when you have checked the answer.
- `SHOW_VARS()` lists your variables. numpy, scipy and sympy are importable.

How to work:
1. Look before answering: check sizes, peek, grep. Never print the whole input; print counts, samples and slices.
2. Filter with Python first (grep, regex, parsing, counting); exact questions usually have exact answers in code.
3. Delegate reading only what code cannot judge, and batch it: build a list of prompts and call `llm_batch` once \
(not `llm_query` in a loop). Keep each prompt under ~100k characters.
4. Verify, then write `answer["content"]` (complete and self-contained; cite file:line where it helps) and set \
`answer["ready"] = True` in a turn AFTER you have seen the output that supports it.
Every reply must contain at least one ```repl block until the answer is ready. Keep each cell quick.
"""

Override = Union[str, Callable[[str], str]]
_OVERRIDES: list[tuple[str, Override]] = []


def register_system_prompt(model_glob: str, prompt: Override) -> None:
    """Use ``prompt`` (a text, or a function of the default text) for models matching ``model_glob``."""
    _OVERRIDES.append((model_glob, prompt))


def system_prompt(model: str) -> str:
    for glob, prompt in reversed(_OVERRIDES):  # the last registration wins
        if fnmatch.fnmatchcase(model, glob):
            return prompt(SYSTEM_PROMPT) if callable(prompt) else prompt
    return SYSTEM_PROMPT


HISTORY_ANSWER_CHARS = 4000  # of each earlier answer: enough to refer back to, never the whole session


def first_message(question: str, card: str, history: Sequence[tuple[str, str]] = ()) -> str:
    return (f"{history_text(history)}Question: {question}\n\nThe input, loaded in the REPL as `context` (only this description is shown "
            f"to you; explore it with code):\n{card}\n\nStart by exploring `context` in a ```repl block.")


def history_text(history: Sequence[tuple[str, str]]) -> str:
    """Earlier questions of the session (``rlm chat``) and their answers; the REPL kept their variables."""
    if not history:
        return ""
    parts = ["Earlier in this session you answered these questions about the same input. The REPL still holds "
             "the variables you defined then (SHOW_VARS() lists them); `answer` was reset for the new question."]
    for i, (q, a) in enumerate(history, 1):
        if len(a) > HISTORY_ANSWER_CHARS:
            a = a[:HISTORY_ANSWER_CHARS] + f"\n[... {len(a) - HISTORY_ANSWER_CHARS:,} more characters of this answer]"
        parts.append(f"Q{i}: {q}\nA{i}: {a}")
    return "\n\n".join(parts) + "\n\nThe new question:\n"


def child_message(question: str, card: str) -> str:
    return (f"A parent model delegated this task to you: {question}\n\nYour `context`:\n{card}\n\n"
            "Explore `context` in ```repl blocks, then put the result in answer[\"content\"] and set "
            "answer[\"ready\"] = True.")


NO_CODE = ("Your reply had no ```repl block, so nothing ran. Write Python in a ```repl block to explore `context`; "
           "when your answer is checked, set answer[\"content\"] = ... and answer[\"ready\"] = True in a block.")
OTHER_FENCE = (" Only ```repl (or ```python) blocks run; other fenced blocks are ignored.")
EMPTY_REPLY = ("Your reply was empty (no text, no code). Reply with a ```repl block of Python that explores "
               "`context` or sets answer[\"ready\"] = True.")
UNCLOSED = "[note] your last code block had no closing ``` (reply cut short?); it ran as written."
READY_REFUSED = ("You set answer[\"ready\"] = True before seeing any output from the REPL, so the answer was not "
                 "accepted and answer[\"ready\"] was reset to False (the content is kept). Look at the output above "
                 "and check the answer against the input; then set answer[\"ready\"] = True again.")
FINAL = ("{reason} No more code will run. Reply now with the best answer you can give from what you found, as plain "
         "text (say what is uncertain or missing).")


# -- structured answers (--schema, rlm check): the value goes in answer["data"] (engine/schema.DATA_KEY) ----------
SCHEMA_NOTE = """\
This run needs a structured answer. Put it in `answer["data"]` as plain Python values (dict, list, str, int, \
float, bool, None) matching this JSON Schema, and put a short human-readable version in `answer["content"]`:
```json
{schema}
```
When you set `answer["ready"] = True`, `answer["data"]` is validated against the schema; if it does not match, \
ready is reset and you are told what to fix."""


def schema_note(schema: dict) -> str:
    import json

    return SCHEMA_NOTE.format(schema=json.dumps(schema, indent=1, ensure_ascii=False))


def schema_invalid(errors: list[str], tries_left: int) -> str:
    listed = "\n".join(f"- {e}" for e in errors)
    return (f"answer[\"data\"] does not match the required JSON Schema, so the answer was not accepted and "
            f"answer[\"ready\"] was reset to False:\n{listed}\nFix answer[\"data\"] in a ```repl block and set "
            f"answer[\"ready\"] = True again ({tries_left} more {'try' if tries_left == 1 else 'tries'} before the "
            "run stops without an answer).")
