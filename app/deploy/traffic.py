"""Schema 2: the alias a function's invokers call, and CodeDeploy moving it to a new version.

A release publishes a version of each function (its ``Description`` carries the tag)
and starts one CodeDeploy deployment per function whose alias serves something else.
CodeDeploy shifts the alias's traffic in the steps of the deployment group's config
(``RoutingConfig`` weights), watches the group's alarms, and on failure or alarm moves
the alias back itself, even if the process that started it has died. This module holds
the pieces the release and ``app.deploy.status`` share: reading an alias, comparing
what ``$LATEST`` would publish with what the alias serves, and the AppSpec; starting,
watching and stopping deployments is ``app.deploy.deployments``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

    from app.deploy.manifest import LambdaTarget
    from app.deploy.retry import RetryPolicy

ALL_AT_ONCE = "CodeDeployDefault.LambdaAllAtOnce"
"""The deployment config of ``rollback`` and of a restore: every request at once."""

ACTIVE_STATUSES: tuple[str, ...] = ("Created", "Queued", "InProgress", "Baking", "Ready")
"""Deployment statuses that mean "not over yet" (ListDeployments' ``includeOnlyStatuses``)."""

TAG_DESCRIPTION_PREFIX = "tag="
"""A version the release tool publishes has the Description ``tag=<tag>``."""


class AliasState(msgspec.Struct, frozen=True):
    """Where an alias points: its version, and the weights of any additional version."""

    name: str
    version: str
    weights: Mapping[str, float] = msgspec.field(default_factory=dict)

    @property
    def split(self) -> bool:
        """True while part of the traffic goes to another version."""
        return any(weight > 0 for weight in self.weights.values())

    def describe(self) -> str:
        """``4``, or ``3 90% / 4 10%`` while traffic is split."""
        if not self.split:
            return self.version
        extra = sum(self.weights.values())
        parts = [f"{self.version} {_percent(1 - extra)}"]
        parts += [f"{v} {_percent(w)}" for v, w in sorted(self.weights.items())]
        return " / ".join(parts)

    def serves_only(self, version: str) -> bool:
        return self.version == version and not self.split


def _percent(weight: float) -> str:
    return f"{round(weight * 100, 1):g}%"


def read_alias(lambda_: LambdaClient, target: LambdaTarget, retry: RetryPolicy) -> AliasState:
    """``GetAlias``: the version and the routing weights of ``target``'s alias."""
    response = retry.call(lambda: lambda_.get_alias(FunctionName=target.name, Name=target.alias))
    weights = (response.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return AliasState(target.alias, response["FunctionVersion"], dict(weights))


# What makes two configurations of one function serve differently. Each entry: the
# name shown to a person, and how to read it from a FunctionConfiguration.
_COMPARED: tuple[tuple[str, Callable[[Mapping[str, Any]], object]], ...] = (
    ("code", lambda c: c.get("CodeSha256")),
    ("memory", lambda c: c.get("MemorySize")),
    ("timeout", lambda c: c.get("Timeout")),
    ("environment", lambda c: (c.get("Environment") or {}).get("Variables") or {}),
    ("image config", lambda c: (c.get("ImageConfigResponse") or {}).get("ImageConfig") or {}),
)


def config_differences(latest: Mapping[str, Any], served: Mapping[str, Any]) -> list[str]:
    """What ``$LATEST`` has that the served version has not: code, memory, timeout, ...

    An infra change (``pulumi up``) changes only ``$LATEST``; until a version of it is
    published and shifted, the alias keeps serving the old configuration. ``status``
    shows such a difference as pending, and a release publishes and shifts it.
    """
    return [name for name, read in _COMPARED if read(latest) != read(served)]


def appspec(target: LambdaTarget, current: str, version: str) -> str:
    """The AppSpec of a Lambda deployment: move ``target``'s alias from ``current``.

    Format: CodeDeploy User Guide, "AppSpec 'resources' section (AWS Lambda)".
    """
    document = {
        "version": 0.0,
        "Resources": [
            {
                target.name: {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Name": target.name,
                        "Alias": target.alias,
                        "CurrentVersion": current,
                        "TargetVersion": version,
                    },
                }
            }
        ],
    }
    return json.dumps(document)


def version_description(tag: str) -> str:
    """The ``Description`` of a version the release tool publishes for ``tag``."""
    return f"{TAG_DESCRIPTION_PREFIX}{tag}"


__all__ = [
    "ACTIVE_STATUSES",
    "ALL_AT_ONCE",
    "AliasState",
    "appspec",
    "config_differences",
    "read_alias",
    "version_description",
]
