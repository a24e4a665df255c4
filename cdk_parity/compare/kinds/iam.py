"""IAM roles (inline policies and managed attachments folded in) and OIDC providers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.kinds.common import allowed_actions, principals
from cdk_parity.compare.model import Resource


class IamRole(Kind):
    """Who may assume it, what it may do, managed policies, permissions boundary."""

    name = "iam-role"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for role in plan.of("aws:iam/role:Role"):
            name = role.inputs["name"]
            inline = [
                p for p in plan.of("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == name
            ]
            attached = [
                p
                for p in plan.of("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                if p.inputs["role"] == name
            ]
            props = {
                "trustedBy": principals(role.inputs["assumeRolePolicy"]),
                "allowedActions": allowed_actions(p.inputs["policy"] for p in inline),
                "managedPolicies": sorted(p.inputs["policyArn"] for p in attached),
                "permissionsBoundary": role.inputs.get("permissionsBoundary"),
            }
            yield plan.resource(self.name, name, props, role, *inline, *attached)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        policies_for: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        for logical, props in template.of("AWS::IAM::Policy"):
            for role in props.get("Roles", []):
                policies_for[str(role)].append((logical, props.get("PolicyDocument")))
        for logical, props in template.of("AWS::IAM::Role"):
            name = props.get("RoleName")
            attached = policies_for.get(name or f"${{{logical}}}", [])
            inline = [p.get("PolicyDocument") for p in props.get("Policies", [])]
            normalised = {
                "trustedBy": principals(props.get("AssumeRolePolicyDocument")),
                "allowedActions": allowed_actions([*inline, *(doc for _, doc in attached)]),
                "managedPolicies": sorted(str(a) for a in props.get("ManagedPolicyArns", [])),
                "permissionsBoundary": props.get("PermissionsBoundary"),
            }
            yield template.resource(
                self.name,
                name or f"logical:{logical}",
                normalised,
                logical,
                *(policy for policy, _ in attached),
            )


class OidcProvider(Kind):
    """GitHub's OIDC provider for the pull-request preview role, keyed by its URL."""

    name = "oidc-provider"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for provider in plan.of("aws:iam/openIdConnectProvider:OpenIdConnectProvider"):
            props = {"clientIds": sorted(provider.inputs.get("clientIdLists", []))}
            yield plan.resource(self.name, provider.inputs["url"], props, provider)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::IAM::OIDCProvider"):
            normalised = {"clientIds": sorted(props.get("ClientIdList", []))}
            yield template.resource(self.name, props["Url"], normalised, logical)
