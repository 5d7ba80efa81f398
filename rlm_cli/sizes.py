"""Human sizes for flags: 100M, 2G, 512k, 4096."""

from __future__ import annotations

import re

from .context.types import InputError

_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text: str, flag: str = "size") -> int:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", text.lower())
    if not m:
        raise InputError(f"{flag}: cannot read {text!r} as a size (examples: 4096, 512K, 100M, 2G)")
    return int(float(m.group(1)) * _UNITS[m.group(2)])

