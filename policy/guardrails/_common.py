"""What the rules share: props as the engine hands them over, glob lists, the stack's release need.

Props arrive with the Pulumi schema's camelCase names; JSON documents (policies, container
definitions) arrive as strings. Reading an unknown value during a preview raises the
policy SDK's ``UnknownValueError``, which the SDK reports as "can't run during preview".
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pulumi

#: The SDK's ReportViolation; its ``urn`` argument is optional (only stack rules pass it).
Report = Callable[..., None]

#: Config properties of every rule that applies only to stacks which must run a release.
RELEASE_SCHEMA: dict[str, dict[str, Any]] = {
    "releaseStacks": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Stack names (globs) that always require a release, e.g. prod*.",
    },
    "releaseConfigKey": {
        "type": "string",
        "default": "requireRelease",
        "description": (
            "Boolean stack config key that marks a stack requiring a release; without a "
            "namespace, the project's."
        ),
    },
}


def as_list(value: Any) -> list[Any]:
    """A property that may be one value or a list of them (IAM's Action, Resource)."""
    if value is None:
        return []
    # The policy SDK hands lists over as read-only Sequence proxies, not lists.
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    return [value]


def as_json(value: Any) -> Any:
    """A document the schema types as a string (policy, containerDefinitions), parsed."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return value


def matches_any(value: str, patterns: Iterable[str]) -> bool:
    """``fnmatch`` globs, case-sensitive: ``*`` matches anything, ``?`` one character."""
    return any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns)


def requires_release(config: Mapping[str, Any]) -> bool:
    """Whether this stack must run a release: its name matches ``releaseStacks`` or its
    config sets ``releaseConfigKey`` to true. The engine passes the stack and its config
    to the policy process (``PULUMI_STACK``, ``PULUMI_CONFIG``)."""
    stack = pulumi.get_stack()
    if matches_any(stack, config.get("releaseStacks") or []):
        return True
    key = str(config.get("releaseConfigKey") or "requireRelease")
    namespace, sep, name = key.rpartition(":")
    settings = pulumi.Config(namespace if sep else pulumi.get_project())
    value = settings.get(name if sep else key)
    return value is not None and value.strip().lower() == "true"


def resource_label(urn: str) -> str:
    """``type::name`` from a URN, for messages about another resource."""
    return urn.rsplit("::", 1)[-1]
