"""The example stacks as their stack files declare them, and the parameter values a test reads."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from infra_pulumi.plan.mocks import InvokeHandler, parameter_value

ROOT = Path(__file__).resolve().parents[2]
TAG = "abc1234"
DIGEST = "sha256:" + "d1" * 32


def promote_from(stack: str) -> dict[str, Any] | None:
    """``container-delivery:promoteFrom`` of ``Pulumi.<stack>.yaml``: set on a promoted stage."""
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    value = (document.get("config") or {}).get("container-delivery:promoteFrom")
    return dict(value) if value else None


def tag_and_digest() -> InvokeHandler:
    """getParameter answering ``TAG`` for every parameter but a digest parameter (``DIGEST``).

    A promoted stage reads both per image (contract: "Per image: read the tag parameter
    ... AND the digest parameter"); a released one holds a sha256 digest.
    """
    tag, digest = parameter_value(TAG), parameter_value(DIGEST)

    def handler(args: Mapping[str, Any]) -> Any:
        return (digest if str(args["name"]).endswith("/digest") else tag)(args)

    return handler
