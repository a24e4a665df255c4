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
    parse_stack_values,
)
from infra_pulumi.stack_overlap import check_config_stages, check_stack_overlap

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
    for key, value in (overrides or {}).items():
        values[f"{project}:{key}"] = value if isinstance(value, str) else json.dumps(value)
    # The program's boundary: a misspelt provider key (aws:regin) is refused, and so is a
    # promoteFrom.region other than the stack's aws:region.
    config = parse_stack_values(values, project, stack)
    check_stack_overlap(project, stack, account, project_dir)
    check_config_stages(config, account)
    return CdkStackConfig(config, region=config.region or "us-east-1", account=account)
