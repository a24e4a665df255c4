"""Normalise the Pulumi plan and the CloudFormation template to ``Resource`` entries.

Each kind's two rules live together in ``cdk_parity.compare.kinds``. A native type no
kind takes is kept as an ``unmapped`` entry, so a resource added on one side always
shows up in the comparison.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cdk_parity.compare.kinds import KINDS, CfnSide, PulumiSide
from cdk_parity.compare.model import Resource
from infra_pulumi.plan import Plan

#: Properties that hold the ARN of another entry (a key); named as that entry once known,
#: so a stack-owned key reads the same on both sides however its ARN is written.
_REFERENCES = ("kmsKey",)


def _name_references(entries: list[Resource], side: PulumiSide | CfnSide) -> list[Resource]:
    named = []
    for entry in entries:
        refs = {
            k: side.symbols.name(v)
            for k, v in entry.props.items()
            if k in _REFERENCES and isinstance(v, str)
        }
        named.append(replace(entry, props={**entry.props, **refs}) if refs else entry)
    return named


def pulumi_resources(plan: Plan) -> list[Resource]:
    """The plan's custom resources in the common form."""
    side = PulumiSide(plan)
    out = [r for kind in KINDS if not kind.reads_others for r in kind.from_pulumi(side)]
    side.index(out)
    out = _name_references(out, side)
    out += [r for kind in KINDS if kind.reads_others for r in kind.from_pulumi(side)]
    return out + side.unmapped()


def cdk_resources(template: Mapping[str, Any], *, account: str, region: str) -> list[Resource]:
    """The template's resources in the common form."""
    side = CfnSide(template, account=account, region=region)
    out = [r for kind in KINDS if not kind.reads_others for r in kind.from_cfn(side)]
    side.index(out)
    out = _name_references(out, side)
    out += [r for kind in KINDS if kind.reads_others for r in kind.from_cfn(side)]
    return out + side.unmapped()
