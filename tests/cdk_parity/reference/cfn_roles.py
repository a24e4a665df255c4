"""The IAM principals a CloudFormation template creates, as IAM would evaluate them once
deployed: each role with its inline, attached and managed policies and its boundary.

The template's intrinsic functions are resolved here, for one account and Region, from
CloudFormation's own rules (the "Intrinsic function reference" and each resource's
``Ref``/``Fn::GetAtt`` return values), not with the comparison's renderer: a test should
not read the templates through the tool it is part of. A resource without a physical
name gets what CloudFormation generates, ``<stack name>-<logical id>-<suffix>``; the
suffix is left out, the stack-name prefix (which IAM patterns match) is kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.aws_managed_policies import MANAGED
from tests.iam_policy import Principal

#: Types whose Ref is the physical name, and the property that sets it.
_NAMES = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::CodeBuild::Project": "Name",
    "AWS::SSM::Parameter": "Name",
}

#: ``Fn::GetAtt <logical>.Arn`` per type, from the physical name.
_ARNS = {
    "AWS::IAM::Role": "arn:aws:iam::{account}:role/{name}",
    "AWS::IAM::ManagedPolicy": "arn:aws:iam::{account}:policy/{name}",
    "AWS::S3::Bucket": "arn:aws:s3:::{name}",
    "AWS::Logs::LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}:*",
    "AWS::Lambda::Function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "AWS::ECR::Repository": "arn:aws:ecr:{region}:{account}:repository/{name}",
    "AWS::CodeBuild::Project": "arn:aws:codebuild:{region}:{account}:project/{name}",
    "AWS::KMS::Key": "arn:aws:kms:{region}:{account}:key/{name}",
}


@dataclass(frozen=True)
class Resolver:
    """Resolves one template's values for an account and Region."""

    template: Mapping[str, Any]
    stack_name: str
    account: str
    region: str

    @property
    def resources(self) -> Mapping[str, Any]:
        return self.template.get("Resources", {})

    def name(self, logical: str) -> str:
        """The physical name: the template's, or the prefix of the one CloudFormation makes."""
        resource = self.resources[logical]
        prop = _NAMES.get(resource["Type"])
        given = resource.get("Properties", {}).get(prop) if prop else None
        if given is not None:
            return str(self.resolve(given))
        generated = f"{self.stack_name}-{logical}"
        return generated.lower() if resource["Type"] == "AWS::S3::Bucket" else generated[:64]

    def arn(self, logical: str) -> str:
        form = _ARNS.get(
            self.resources[logical]["Type"], "arn:aws:unknown:{region}:{account}:{name}"
        )
        return form.format(account=self.account, region=self.region, name=self.name(logical))

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::Partition": "aws",
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.template.get("Parameters", {}):
            return str(self.template["Parameters"][name].get("Default", name))
        if self.resources[name]["Type"] == "AWS::IAM::ManagedPolicy":
            return self.arn(name)  # a managed policy's Ref is its ARN
        return self.name(name)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((function, argument),) = value.items()
            if function == "Ref":
                return self.ref(argument)
            if function == "Fn::GetAtt":
                logical, attribute = argument
                return self.arn(logical) if attribute == "Arn" else self.name(logical)
            if function == "Fn::Join":
                delimiter, parts = argument
                return delimiter.join(str(self.resolve(p)) for p in parts)
            if function == "Fn::Sub":
                return re.sub(r"\$\{([^}]+)\}", lambda m: self._sub(m.group(1)), argument)
            if function == "Fn::Select":
                index, items = argument
                return self.resolve(items)[int(index)]
            if function == "Fn::Split":
                delimiter, source = argument
                return str(self.resolve(source)).split(delimiter)
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, name: str) -> str:
        if "." in name:
            logical, attribute = name.split(".", 1)
            return self.resolve({"Fn::GetAtt": [logical, attribute]})
        return self.ref(name)


def principals(resolver: Resolver) -> dict[str, Principal]:
    """Every role of the template by physical name, as IAM evaluates it."""
    managed = {
        resolver.arn(logical): resolver.resolve(r["Properties"]["PolicyDocument"])
        for logical, r in resolver.resources.items()
        if r["Type"] == "AWS::IAM::ManagedPolicy"
    }

    def document(arn: str) -> dict[str, Any]:
        if arn in managed:
            return dict(managed[arn])
        if arn not in MANAGED:
            raise KeyError(f"{arn} is not in tests/aws_managed_policies.py: copy it there")
        return MANAGED[arn]

    found: dict[str, Principal] = {}
    for logical, role in resolver.resources.items():
        if role["Type"] != "AWS::IAM::Role":
            continue
        props = resolver.resolve(role.get("Properties", {}))
        boundary = props.get("PermissionsBoundary")
        principal = Principal(
            resolver.name(logical), boundary=document(boundary) if boundary else None
        )
        principal.policies += [p["PolicyDocument"] for p in props.get("Policies", [])]
        principal.policies += [document(arn) for arn in props.get("ManagedPolicyArns", [])]
        found[resolver.name(logical)] = principal
    for resource in resolver.resources.values():
        if resource["Type"] not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            continue
        props = resolver.resolve(resource["Properties"])
        for role in props.get("Roles", []):
            found[role].policies.append(props["PolicyDocument"])
    return found
