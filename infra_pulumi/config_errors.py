"""Stack config errors as a user reads them: one problem a line, each naming the key.

pydantic's errors name Python classes and fields; these name the stack file's keys (with
the project's namespace), what was wrong, and the close key a misspelling meant.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError


def did_you_mean(key: str, known: Sequence[str]) -> str:
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {by_lower[close[0]]}?"
    return f"; known keys: {', '.join(known)}"


def describe(
    exc: ValidationError, project: str, values: Mapping[str, Any], root: type[BaseModel]
) -> str:
    """``exc`` of validating ``values`` as ``root`` (the stack config model), key by key."""
    lines: list[str] = []
    for error in exc.errors():
        location = [str(part) for part in error["loc"]]
        message = str(error["msg"]).removeprefix("Value error, ")
        if not location:
            # A rule across keys: the message names what it is about; the input is the
            # whole config, which would bury it.
            lines.append(f"{project} config: {message}")
            continue
        key = f"{project}:{location[0]}"
        where = "".join(f"[{part}]" for part in location[1:])
        if error["type"] == "extra_forbidden":
            known = _known_keys(root, error["loc"][:-1])
            hint = did_you_mean(location[-1], known)
            lines.append(f"{key}{where}: not a key here{hint}")
            continue
        if error["type"] == "missing":
            lines.append(f"{key}{where}: required, and missing")
            continue
        if error["type"] == "model_type":
            # pydantic says "a valid dictionary or instance of <class>": the user wrote YAML.
            keys = ", ".join(_known_keys(root, error["loc"]))
            got = _short(error.get("input"))
            lines.append(f"{key}{where}: should be a mapping with keys {keys} (got {got})")
            continue
        lines.append(f"{key}{where}: {message} (got {_short(error.get('input'))})")
    return format_problems(lines)


def format_problems(lines: Sequence[str]) -> str:
    """One problem on one line; several as a count and one indented line each."""
    if len(lines) == 1:
        return f"invalid stack config: {lines[0]}"
    return "\n".join([f"invalid stack config ({len(lines)} problems):", *(f"  {x}" for x in lines)])


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _known_keys(root: type[BaseModel], location: Sequence[int | str]) -> list[str]:
    """The keys (aliases) the model accepts at a location, e.g. ("lambdaFunctions", 0)."""
    model: Any = root
    internal = _INTERNAL  # the program fills these in; a user sets them nowhere else
    for part in location:
        if isinstance(part, int):
            continue
        field = next(
            (f for name, f in model.model_fields.items() if (f.alias or name) == part), None
        )
        if field is None:
            return []
        model = _model_of(field.annotation)
        if model is None:
            return []
        internal = frozenset[str]()  # below the top level, stack and region are the user's keys
    return [f.alias or name for name, f in model.model_fields.items() if name not in internal]


#: The root model's fields the program sets from Pulumi (project, stack, aws:region), not keys.
_INTERNAL = frozenset({"project", "stack", "region"})


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation like ``WebConfig | None`` or ``tuple[X, ...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_of(arg)
        if found is not None:
            return found
    return None
