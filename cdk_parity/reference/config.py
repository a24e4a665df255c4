"""Adapter: the stack config the CDK reference shares with the Pulumi program, and nothing else.

Both sides are built from one input: ``Pulumi.<stack>.yaml``, read the way Pulumi hands
it to a program and validated by the Pulumi side's config model. This module and
``cdk_parity.reference.naming`` are the only places the reference imports ``infra_pulumi``
(``tests/cdk_parity/test_independence.py`` enforces it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra_pulumi.exceptions import ConfigError
from infra_pulumi.plan.runner import PROJECT_ROOT, project_name, stack_config
from infra_pulumi.stack_config import (
    DeploymentAlarmsConfig,
    LambdaFunctionConfig,
    NetworkConfig,
    StackConfig,
    WebConfig,
    check_provider_keys,
    parse_config,
)

__all__ = [
    "EXAMPLE_ACCOUNT",
    "PROJECT_ROOT",
    "CdkStackConfig",
    "ConfigError",
    "DeploymentAlarmsConfig",
    "LambdaFunctionConfig",
    "NetworkConfig",
    "StackConfig",
    "WebConfig",
    "load_stack_config",
]

#: The account of offline synths: no lookup ever reaches it. Override with ``-c account=``.
EXAMPLE_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class CdkStackConfig:
    """The validated project config plus what CDK needs on top: the stack's environment."""

    config: StackConfig
    region: str
    account: str = EXAMPLE_ACCOUNT

    @property
    def stack_name(self) -> str:
        """CloudFormation stack name: the physical prefix, ``<project>-<stack>``."""
        return self.config.naming.prefix


def load_stack_config(
    stack: str,
    *,
    account: str = EXAMPLE_ACCOUNT,
    project_dir: Path = PROJECT_ROOT,
    overrides: Mapping[str, Any] | None = None,
) -> CdkStackConfig:
    """Read ``Pulumi.<stack>.yaml`` and validate it (``ConfigError`` names a bad key).

    ``overrides`` set keys of the project's namespace over the file's, as ``pulumi config
    set`` would: ``{"protectData": False}``; structured values as Python values.
    """
    project = project_name(project_dir)
    values = stack_config(stack, project_dir)
    # A misspelt provider key (aws:regin) is refused here as the program refuses it.
    check_provider_keys([key.removeprefix("aws:") for key in values if key.startswith("aws:")])
    for key, value in (overrides or {}).items():
        values[f"{project}:{key}"] = value if isinstance(value, str) else json.dumps(value)
    namespace = f"{project}:"
    raw = {key.removeprefix(namespace): v for key, v in values.items() if key.startswith(namespace)}
    region = values.get("aws:region", "us-east-1")
    return CdkStackConfig(parse_config(raw, project, stack), region=region, account=account)
