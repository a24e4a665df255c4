"""IAM roles (their policies folded in) and OIDC providers.

A role is keyed by what uses it (``codebuild-project:<name>``, ``lambda-function:<name>``,
``ecs-task-definition:<family>#execution``), so a role CDK's constructs create and
name themselves pairs with the Pulumi role that serves the same resource. A role
nothing uses (the GitHub preview role) is keyed by its name. CDK's per-action pipeline
roles are folded into their pipeline's role: together they are what the pipeline may do.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.kinds.common import grants, principals
from cdk_parity.compare.model import Resource

#: Where each side names a resource's role: native type -> (property, key suffix).
PULUMI_ROLE_USERS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "aws:lambda/function:Function": (("role", ""),),
    "aws:codebuild/project:Project": (("serviceRole", ""),),
    "aws:codepipeline/pipeline:Pipeline": (("roleArn", ""),),
    "aws:codedeploy/deploymentGroup:DeploymentGroup": (("serviceRoleArn", ""),),
    "aws:scheduler/schedule:Schedule": (("target.roleArn", ""),),
    "aws:ecs/taskDefinition:TaskDefinition": (
        ("executionRoleArn", "#execution"),
        ("taskRoleArn", "#task"),
    ),
}
CFN_ROLE_USERS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "AWS::Lambda::Function": (("Role", ""),),
    "AWS::CodeBuild::Project": (("ServiceRole", ""),),
    "AWS::CodePipeline::Pipeline": (("RoleArn", ""),),
    "AWS::CodeDeploy::DeploymentGroup": (("ServiceRoleArn", ""),),
    "AWS::Scheduler::Schedule": (("Target.RoleArn", ""),),
    "AWS::ECS::TaskDefinition": (("ExecutionRoleArn", "#execution"), ("TaskRoleArn", "#task")),
}


def _field(props: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (``target.roleArn``), or None."""
    value: Any = props
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _boundary(arn: Any, side: PulumiSide | CfnSide) -> str | None:
    """The boundary policy, named as its entry (``[iam-managed-policy <name>]``) when known."""
    return side.symbols.name(str(arn)) if arn is not None else None


def _key(users: list[str], name: str) -> str:
    return " + ".join(sorted(users)) if users else name


class IamRole(Kind):
    """Its name, who may assume it, what it may do, managed policies, permissions boundary."""

    name = "iam-role"
    reads_others = True

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        users: dict[str, list[str]] = defaultdict(list)
        for typ, fields in PULUMI_ROLE_USERS.items():
            for user in plan.of(typ):
                entry = plan.symbols.entry_of[user.urn]
                for field, suffix in fields:
                    if _field(user.inputs, field):
                        role_arn = str(_field(user.inputs, field))
                        users[role_arn].append(f"{entry.kind}:{entry.key}{suffix}")
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
                "name": name,
                "trustedBy": principals(role.inputs["assumeRolePolicy"]),
                "grants": grants((p.inputs["policy"] for p in inline), plan.symbols.name),
                "managedPolicies": sorted(p.inputs["policyArn"] for p in attached),
                "permissionsBoundary": _boundary(role.inputs.get("permissionsBoundary"), plan),
            }
            key = _key(users.get(str(role.outputs.get("arn")), []), name)
            yield plan.resource(self.name, key, props, role, *inline, *attached)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        roles = dict(template.of("AWS::IAM::Role"))
        users, action_roles = _cfn_users(template, roles)
        folded_away = {role for folded in action_roles.values() for role in folded}
        for logical, props in roles.items():
            if logical in folded_away:
                continue
            sources, docs = _cfn_documents(template, logical, props)
            for action_role in action_roles.get(logical, []):
                action_sources, action_docs = _cfn_documents(
                    template, action_role, roles[action_role]
                )
                sources += [action_role, *action_sources]
                docs += action_docs
            # Assuming its own action roles is plumbing once they are folded in.
            internal = {
                f"sts:AssumeRole on {arn}"
                for role in action_roles.get(logical, [])
                for arn in template.render.arns(role)
            }
            name = props.get("RoleName")
            normalised = {
                "name": name,
                "trustedBy": principals(props.get("AssumeRolePolicyDocument")),
                "grants": [g for g in grants(docs, template.symbols.name) if g not in internal],
                "managedPolicies": sorted(str(a) for a in props.get("ManagedPolicyArns", [])),
                "permissionsBoundary": _boundary(props.get("PermissionsBoundary"), template),
            }
            key = _key(users.get(logical, []), name or f"logical:{logical}")
            yield template.resource(self.name, key, normalised, logical, *sources)


def _cfn_users(
    template: CfnSide, roles: Mapping[str, Any]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Per role, the entries that use it; per pipeline role, its actions' roles."""
    arn_to_role = {arn: logical for logical in roles for arn in template.render.arns(logical)}
    users: dict[str, list[str]] = defaultdict(list)
    action_roles: dict[str, list[str]] = defaultdict(list)
    for typ, fields in CFN_ROLE_USERS.items():
        for logical, props in template.of(typ):
            entry = template.symbols.entry_of[logical]
            for field, suffix in fields:
                role = arn_to_role.get(str(_field(props, field)))
                if role is not None:
                    users[role].append(f"{entry.kind}:{entry.key}{suffix}")
            owner = arn_to_role.get(str(props.get("RoleArn")))
            for stage in props.get("Stages", []) if owner else []:
                for action in stage.get("Actions", []):
                    role = arn_to_role.get(str(action.get("RoleArn")))
                    if role is not None and role != owner:
                        action_roles[str(owner)].append(role)
    return users, action_roles


def _cfn_documents(
    template: CfnSide, logical: str, props: Mapping[str, Any]
) -> tuple[list[str], list[Any]]:
    """A role's policy resources, and every policy document it carries or is attached."""
    reference = str(template.render.render({"Ref": logical}))
    attached = [
        (policy, p.get("PolicyDocument"))
        for policy, p in template.of("AWS::IAM::Policy")
        if reference in [str(r) for r in p.get("Roles", [])]
    ]
    inline = [p.get("PolicyDocument") for p in props.get("Policies", [])]
    return [policy for policy, _ in attached], [*inline, *(doc for _, doc in attached)]


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
