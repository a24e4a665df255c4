"""Nothing that runs as a role starts before that role's policies exist."""

from __future__ import annotations

import pytest

from infra_pulumi.plan import Plan, PlannedResource, evaluate
from infra_pulumi.plan.mocks import released
from tests.infra.conftest import strings

POLICY_TYPES = {
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
}


def _policies_by_role(plan: Plan) -> dict[str, list[PlannedResource]]:
    by_role: dict[str, list[PlannedResource]] = {}
    for resource in plan.resources:
        if resource.type in POLICY_TYPES:
            by_role.setdefault(str(resource.inputs["role"]), []).append(resource)
    return by_role


def _depends_on(plan: Plan, resource: PlannedResource, target: str) -> bool:
    """Direct or transitive dependency (what the engine orders by)."""
    seen: set[str] = set()
    stack = list(resource.dependencies)
    while stack:
        urn = stack.pop()
        if urn == target:
            return True
        if urn in seen:
            continue
        seen.add(urn)
        try:
            stack.extend(plan.by_urn(urn).dependencies)
        except KeyError:
            continue
    return False


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_user_of_a_role_depends_on_all_of_its_policies(stack: str) -> None:
    plan = evaluate(stack, invokes=released("abc1234"))
    policies = _policies_by_role(plan)
    roles = {r.inputs["name"]: r for r in plan.of_type("aws:iam/role:Role")}
    checked = 0
    for resource in plan.resources:
        # A managed policy (the permissions boundary) names roles in its document; it
        # does not run as them.
        if not resource.custom or resource.type in POLICY_TYPES | {
            "aws:iam/role:Role",
            "aws:iam/policy:Policy",
        }:
            continue
        used = {
            name
            for name in roles
            if any(s == f"arn:aws:iam::123456789012:role/{name}" for s in strings(resource.inputs))
        }
        for role in used:
            for role_policy in policies.get(role, []):
                assert _depends_on(plan, resource, role_policy.urn), (
                    f"{resource.urn} runs as {role} but can be created before {role_policy.urn}"
                )
                checked += 1
    assert checked >= (2 if stack == "dev" else 6)
