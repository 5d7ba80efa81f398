"""Structured answers (``--schema``, ``rlm check``): the model puts a JSON value in ``answer["data"]``.

The engine validates it when the model sets ``ready``; on failure ready is
reset and the errors go back to the model, a bounded number of times (see
``EngineSettings.schema_retries``). jsonschema is imported on first use, so
a run without a schema never pays for it.
"""

from __future__ import annotations

import json
from typing import Any, Optional

DATA_KEY = "data"  # answer["data"]: the structured answer (documented in README and the system prompt)
MISSING = object()


class SchemaError(ValueError):
    """The schema itself is not a valid JSON Schema; the message is one line."""


def check_schema(schema: Any) -> None:
    """Raise SchemaError unless ``schema`` is a valid JSON Schema (any draft jsonschema knows; default 2020-12)."""
    from jsonschema.exceptions import SchemaError as _Bad
    from jsonschema.validators import validator_for

    if not isinstance(schema, (dict, bool)):
        raise SchemaError(f"a JSON Schema is an object, not {type(schema).__name__}")
    try:
        validator_for(schema).check_schema(schema)
    except _Bad as e:
        where = "/".join(str(p) for p in e.absolute_path) or "(root)"
        raise SchemaError(f"invalid JSON Schema at {where}: {_short(e.message)}") from None


def validate(schema: Any, value: Any = MISSING, max_errors: int = 8) -> list[str]:
    """One line per problem of ``value`` against ``schema`` (empty: valid); ``MISSING`` means no data key was set."""
    if value is MISSING:
        return [f'answer["{DATA_KEY}"] is not set: put the structured answer there']
    from jsonschema.validators import validator_for

    v = validator_for(schema)(schema)
    errors = sorted(v.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
    out = [f"{_path(e.absolute_path)}: {_short(e.message)}" for e in errors[:max_errors]]
    if len(errors) > max_errors:
        out.append(f"... and {len(errors) - max_errors} more")
    return out


def data_of(answer: dict) -> Any:
    """The structured answer, or ``MISSING`` when the model never set it."""
    return answer.get(DATA_KEY, MISSING)


def present(value: Any) -> Optional[Any]:
    """``data_of``'s value for results and JSON output: None when missing."""
    return None if value is MISSING else value


def _path(parts: Any) -> str:
    return f'answer["{DATA_KEY}"]' + "".join(f"[{json.dumps(p)}]" for p in parts)


def _short(text: str, n: int = 300) -> str:
    text = " ".join(text.split())  # an offending value may be a long multi-line repr
    return text if len(text) <= n else text[: n - 3] + "..."
