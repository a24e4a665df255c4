"""The ``aws:`` provider keys of a stack: only keys the provider reads, and default tags
AWS accepts (a misspelt ``aws:regin`` would otherwise deploy to the default Region)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from infra_pulumi.config_errors import did_you_mean, format_problems
from infra_pulumi.exceptions import ConfigError
from infra_pulumi.service_limits import default_tags_problems


def provider_keys() -> list[str]:
    """The ``aws:`` config keys the pinned pulumi-aws reads: its config module's properties
    (``pulumi_aws.config``), in the provider's camelCase."""
    # Through the package: it loads lazily, and importing its `vars` module on its own
    # is a circular import; the typing stubs do not declare the module attribute.
    import pulumi_aws.config as aws_config

    config_vars: Any = aws_config.vars  # type: ignore[attr-defined]
    exported = vars(config_vars._ExportableConfig).items()
    return sorted(_camel(name) for name, value in exported if isinstance(value, property))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def check_default_tags(text: object) -> None:
    """Refuse provider ``defaultTags`` that AWS would refuse on the first resource it tags
    (``service_limits.default_tags_problems``); ``text`` is the key's JSON, as Pulumi
    hands structured config to a program, or None when the stack sets none."""
    if text is None:
        return
    try:
        value: Any = json.loads(text) if isinstance(text, str) else text
    except ValueError as exc:
        raise ConfigError(f"aws:defaultTags: not valid structured config: {exc}") from exc
    if not isinstance(value, dict) or set(value) - {"tags"}:
        raise ConfigError(f"aws:defaultTags: should be a mapping with the key tags (got {value!r})")
    problems = default_tags_problems(value.get("tags") or {})
    if problems:
        raise ConfigError(format_problems([f"aws:defaultTags: {p}" for p in problems]))


def check_provider_keys(keys: Sequence[str]) -> None:
    """Refuse an ``aws:`` key the provider does not read: a misspelt ``aws:regin`` would
    otherwise pass silently and the stack would deploy to the default region."""
    known = provider_keys()
    unknown = sorted(key for key in keys if key not in known)
    if unknown:
        raise ConfigError(
            format_problems(
                [
                    f"aws:{key}: not a config key of the AWS provider{did_you_mean(key, known)}"
                    for key in unknown
                ]
            )
        )
