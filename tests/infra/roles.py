"""The IAM principals a plan creates: each role with its inline, managed and boundary policies."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from infra_pulumi.plan import Plan
from tests.aws_managed_policies import MANAGED
from tests.iam_policy import Principal


def _document(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value)


def principals(plan: Plan, names: Iterable[str] | None = None) -> dict[str, Principal]:
    """The plan's roles (all, or those ``names``) by physical name, as IAM evaluates them."""
    wanted = None if names is None else set(names)
    customer_managed = {
        str(p.outputs.get("arn")): _document(p.inputs["policy"])
        for p in plan.of_type("aws:iam/policy:Policy")
    }

    def managed(arn: str) -> dict[str, Any]:
        if arn in customer_managed:
            return customer_managed[arn]
        if arn not in MANAGED:
            raise KeyError(f"{arn} is not in tests/aws_managed_policies.py: copy it there")
        return MANAGED[arn]

    found: dict[str, Principal] = {}
    for role in plan.of_type("aws:iam/role:Role"):
        name = str(role.inputs["name"])
        if wanted is not None and name not in wanted:
            continue
        boundary = role.inputs.get("permissionsBoundary")
        found[name] = Principal(name, boundary=managed(str(boundary)) if boundary else None)
    for inline in plan.of_type("aws:iam/rolePolicy:RolePolicy"):
        if (principal := found.get(str(inline.inputs["role"]))) is not None:
            principal.policies.append(_document(inline.inputs["policy"]))
    for attachment in plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        if (principal := found.get(str(attachment.inputs["role"]))) is not None:
            principal.policies.append(managed(str(attachment.inputs["policyArn"])))
    return found
