"""The example stacks as their stack files declare them, and the parameter values a test reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import yaml

from infra_pulumi.plan.mocks import InvokeHandler, released

ROOT = Path(__file__).resolve().parents[2]
TAG = "abc1234"
DIGEST = "sha256:" + "d1" * 32


def promote_from(stack: str) -> dict[str, Any] | None:
    """``container-delivery:promoteFrom`` of ``Pulumi.<stack>.yaml``: set on a promoted stage."""
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    value = (document.get("config") or {}).get("container-delivery:promoteFrom")
    return dict(value) if value else None


def released_answers() -> dict[str, InvokeHandler]:
    """The provider's answers after a release of ``TAG``: every tag parameter holds ``TAG``,
    a promoted stage's digest parameters hold ``DIGEST``, and its build stage's repository
    holds ``DIGEST`` tagged ``TAG`` (what ``app.deploy promote`` checks and records; the
    promoted stage's program looks the digest up there before it runs it)."""
    return released(TAG, DIGEST)


def lock_table(manifest: msgspec.Struct) -> Any:
    """The ``lockTable`` the release tool read, in the contract's own field name (the
    reader's struct encoded back), so the check names the contract, not a Python name."""
    return msgspec.to_builtins(manifest).get("lockTable")
