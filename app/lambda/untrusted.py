"""Untrusted input, shared by every handler: strict JSON with bounded nesting, clipped echoes.

Python's ``json`` accepts ``NaN`` and ``Infinity`` (not JSON, RFC 8259 section 6) and
raises RecursionError or a bare ValueError on hostile input; here each is one clear error.
"""

from __future__ import annotations

import json
from typing import Any

# Deep enough for any real request; far below where json's recursion gives out (about 1000).
MAX_DEPTH = 64
# How much of a caller's value an error message repeats back.
ECHO_CHARS = 60


class InvalidJSONError(ValueError):
    """Input that is not strict JSON, or nests deeper than MAX_DEPTH."""


class TooDeepError(InvalidJSONError):
    """JSON whose arrays and objects nest deeper than MAX_DEPTH."""


def _refuse_constant(name: str) -> Any:
    raise InvalidJSONError(f"{name} is not JSON")


def _depth(value: object) -> int:
    """How deeply arrays and objects nest in ``value`` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def loads(text: str | bytes) -> Any:
    """Parse strict JSON, nested at most MAX_DEPTH deep.

    Raises:
        TooDeepError: nested too deeply.
        InvalidJSONError: not JSON (including NaN, Infinity, invalid UTF-8 and integers
            longer than Python converts).
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise TooDeepError(f"nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, int digit limit
        raise InvalidJSONError(str(exc)) from None
    if _depth(value) > MAX_DEPTH:
        raise TooDeepError(f"nests deeper than {MAX_DEPTH} levels")
    return value


def dumps(value: object) -> str:
    """Serialize as strict JSON: a float NaN or infinity is an error, never invalid output."""
    return json.dumps(value, allow_nan=False)


def clip(value: object, limit: int = ECHO_CHARS) -> str:
    """A caller's value for an error message (``repr`` unless a str), cut to ``limit`` chars."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"
