"""Customer-managed KMS keys, with their alias folded in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.kinds.common import RETAINING, on_delete, statements
from cdk_parity.compare.model import Resource


def _policy_lines(policy: Any) -> list[str]:
    """Each statement as one line, Sid left out (CDK's default statement has none)."""
    lines = []
    for statement in statements(policy):
        kept = {k: v for k, v in statement.items() if k != "Sid"}
        for key in ("Action",):
            if isinstance(kept.get(key), list):
                kept[key] = sorted(kept[key])
        lines.append(json.dumps(kept, sort_keys=True))
    return sorted(lines)


def _refers_to(raw: Any, logical: str) -> bool:
    """Whether a raw (unrendered) template value names ``logical`` (Ref or GetAtt)."""
    return f'"{logical}"' in json.dumps(raw.get("TargetKeyId"))


class KmsKey(Kind):
    """Rotation, deletion window, key policy statements, what deleting the stack does to
    it (``deleted`` schedules the key's deletion); keyed by the alias."""

    name = "kms-key"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        aliases = plan.of("aws:kms/alias:Alias")
        for key in plan.of("aws:kms/key:Key"):
            mine = [a for a in aliases if a.inputs.get("targetKeyId") == key.outputs.get("keyId")]
            alias = str(mine[0].inputs["name"]) if mine else f"key:{key.name}"
            props = {
                "rotation": key.inputs.get("enableKeyRotation"),
                "deletionWindowDays": key.inputs.get("deletionWindowInDays"),
                "policy": _policy_lines(key.inputs.get("policy")),
                "onDelete": on_delete(
                    protected=key.protect,
                    retained=key.retain_on_delete,
                    emptied=False,
                    holds_data=False,
                ),
            }
            yield plan.resource(self.name, alias, props, key, *mine)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        aliases = template.of("AWS::KMS::Alias")
        for logical, props in template.of("AWS::KMS::Key"):
            mine = [
                (alias_logical, alias)
                for alias_logical, alias in aliases
                if _refers_to(template.resources[alias_logical]["Properties"], logical)
            ]
            alias_name = str(mine[0][1]["AliasName"]) if mine else f"key:{logical}"
            normalised = {
                "rotation": props.get("EnableKeyRotation"),
                "deletionWindowDays": props.get("PendingWindowInDays"),
                "policy": _policy_lines(props.get("KeyPolicy")),
                "onDelete": on_delete(
                    protected=False,
                    retained=template.resources[logical].get("DeletionPolicy") in RETAINING,
                    emptied=False,
                    holds_data=False,
                ),
            }
            yield template.resource(
                self.name, alias_name, normalised, logical, *(a for a, _ in mine)
            )
