"""Render CloudFormation values to comparable strings, resolving what is known offline.

``Ref`` to a resource becomes what CloudFormation returns for it: the physical name
when the template sets one (ECR repositories, roles, log groups, ...), the ARN for an
ECS service, or ``${LogicalId}`` when it cannot be known offline. A template
parameter of an SSM type renders as ``{{ssm:<name>}}``: its value only exists at
deploy time. ``Fn::Join``, ``Fn::Select``/``Fn::Split`` and ``Fn::Sub`` are evaluated
over what is known, which turns CDK's ECR image URIs into ``<account>.dkr.ecr...``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: Properties that carry a resource's physical name, per CloudFormation type.
NAME_PROPERTIES: Mapping[str, str] = {
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::SSM::Parameter": "Name",
    "AWS::ECS::Cluster": "ClusterName",
    "AWS::ECS::Service": "ServiceName",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "Name",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "Name",
    "AWS::EC2::SecurityGroup": "GroupName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::CodeBuild::Project": "Name",
    "AWS::CodePipeline::Pipeline": "Name",
    "AWS::CodeDeploy::Application": "ApplicationName",
    "AWS::CodeDeploy::DeploymentGroup": "DeploymentGroupName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::Scheduler::Schedule": "Name",
    "AWS::DynamoDB::Table": "TableName",
}

#: Attributes whose value is derivable from the physical name.
_ARN_FORMATS: Mapping[str, str] = {
    "AWS::ECR::Repository": "arn:aws:ecr:{region}:{account}:repository/{name}",
    "AWS::IAM::Role": "arn:aws:iam::{account}:role/{name}",
    "AWS::Logs::LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}:*",
    "AWS::Lambda::Function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "AWS::S3::Bucket": "arn:aws:s3:::{name}",
    "AWS::CodeBuild::Project": "arn:aws:codebuild:{region}:{account}:project/{name}",
    "AWS::ECS::Cluster": "arn:aws:ecs:{region}:{account}:cluster/{name}",
    "AWS::CodePipeline::Pipeline": "arn:aws:codepipeline:{region}:{account}:{name}",
    "AWS::CloudWatch::Alarm": "arn:aws:cloudwatch:{region}:{account}:alarm:{name}",
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:{region}:{account}:table/{name}",
}


class Renderer:
    """Renders the values of one template."""

    def __init__(self, template: Mapping[str, Any], account: str, region: str) -> None:
        self.resources: Mapping[str, Any] = template.get("Resources", {})
        self.parameters: Mapping[str, Any] = template.get("Parameters", {})
        self.account = account
        self.region = region

    def arns(self, logical_id: str) -> set[str]:
        """Every form an ARN of this resource takes in the rendered template.

        A log group's ``Arn`` attribute ends in ``:*`` in CloudFormation; only its plain
        form (the one Terraform and Pulumi export) is listed, so ``<arn>:*`` reads the
        same on both sides. An SSM parameter has no
        ``Arn`` attribute: CDK joins its ARN from the name, as this does.
        """
        resource = self.resources.get(logical_id)
        if resource is None:
            return set()
        typ = resource["Type"]
        found = {self._get_att(logical_id, "Arn")}
        if typ == "AWS::Logs::LogGroup":
            found = {arn.removesuffix(":*") for arn in found}
        name = self.physical_name(logical_id)
        if typ == "AWS::SSM::Parameter" and name is not None:
            path = name if name.startswith("/") else f"/{name}"
            found.add(f"arn:aws:ssm:{self.region}:{self.account}:parameter{path}")
        if typ == "AWS::CodeDeploy::Application" and name is not None:
            found.add(f"arn:aws:codedeploy:{self.region}:{self.account}:application:{name}")
        if typ == "AWS::CodeDeploy::DeploymentGroup" and name is not None:
            # CodeDeploy's ARN names the group inside its application; CloudFormation
            # exports no Arn attribute, so it is joined as CDK's arnForDeploymentGroup does.
            application = self.render(resource.get("Properties", {}).get("ApplicationName"))
            found.add(
                f"arn:aws:codedeploy:{self.region}:{self.account}:deploymentgroup:"
                f"{application}/{name}"
            )
        if typ in (
            "AWS::ECS::Service",
            "AWS::IAM::ManagedPolicy",
            "AWS::IAM::OIDCProvider",
            "AWS::Lambda::Alias",
        ):
            found.add(self._ref(logical_id))  # CloudFormation's Ref of these is the ARN
        return {arn for arn in found if arn.startswith(("arn:", "${"))}

    def physical_name(self, logical_id: str) -> str | None:
        resource = self.resources.get(logical_id)
        if resource is None:
            return None
        prop = NAME_PROPERTIES.get(resource["Type"])
        value = resource.get("Properties", {}).get(prop) if prop else None
        return self.render(value) if value is not None else None

    def render(self, value: Any) -> Any:
        """Strings for intrinsic functions; lists and dicts rendered element-wise."""
        if isinstance(value, list):
            return [self.render(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {k: self.render(v) for k, v in value.items()}
        ((function, argument),) = value.items()
        if function == "Ref":
            return self._ref(str(argument))
        if function == "Fn::GetAtt":
            logical, attribute = argument if isinstance(argument, list) else argument.split(".")
            return self._get_att(logical, attribute)
        if function == "Fn::Join":
            delimiter, parts = argument
            return delimiter.join(str(self.render(p)) for p in parts)
        if function == "Fn::Select":
            index, items = argument
            rendered = self.render(items)
            if isinstance(rendered, list) and int(index) < len(rendered):
                return rendered[int(index)]
            return f"${{Select:{index}}}"
        if function == "Fn::Split":
            delimiter, source = argument
            return str(self.render(source)).split(delimiter)
        if function == "Fn::Sub":
            text = argument if isinstance(argument, str) else argument[0]
            return re.sub(r"\$\{([^}]+)\}", lambda m: str(self._sub(m.group(1))), text)
        return {k: self.render(v) for k, v in value.items()}

    def _sub(self, name: str) -> Any:
        if "." in name:
            logical, attribute = name.split(".", 1)
            return self._get_att(logical, attribute)
        return self._ref(name)

    def _ref(self, name: str) -> str:
        pseudo = {
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
        }
        if name in pseudo:
            return pseudo[name]
        parameter = self.parameters.get(name)
        if parameter is not None:
            if str(parameter.get("Type", "")).startswith("AWS::SSM::Parameter::Value"):
                return f"{{{{ssm:{parameter.get('Default', name)}}}}}"
            return f"${{param:{name}}}"
        resource = self.resources.get(name)
        if resource is not None and resource["Type"] == "AWS::IAM::ManagedPolicy":
            policy = self.physical_name(name)
            path = str(resource.get("Properties", {}).get("Path", "/"))
            if policy is None:
                return f"${{{name}}}"
            return f"arn:aws:iam::{self.account}:policy{path}{policy}"
        if resource is not None and resource["Type"] == "AWS::IAM::OIDCProvider":
            host = str(resource["Properties"]["Url"]).removeprefix("https://")
            return f"arn:aws:iam::{self.account}:oidc-provider/{host}"
        if resource is not None and resource["Type"] == "AWS::Lambda::Alias":
            properties = resource.get("Properties", {})
            function = self.render(properties.get("FunctionName"))
            if not isinstance(function, str) or function.startswith("${"):
                return f"${{{name}}}"
            base = (
                function
                if function.startswith("arn:")
                else (f"arn:aws:lambda:{self.region}:{self.account}:function:{function}")
            )
            return f"{base}:{properties.get('Name')}"
        if resource is not None and resource["Type"] == "AWS::ECS::Service":
            service = self.physical_name(name)
            cluster = self.render(resource.get("Properties", {}).get("Cluster"))
            if service is None or not isinstance(cluster, str):
                return f"${{{name}}}"
            return f"arn:aws:ecs:{self.region}:{self.account}:service/{cluster}/{service}"
        return self.physical_name(name) or f"${{{name}}}"

    def _get_att(self, logical: str, attribute: str) -> str:
        resource = self.resources.get(logical)
        name = self.physical_name(logical)
        if name is not None and attribute == "Name":
            return name
        if resource is not None and name is not None and attribute == "Arn":
            arn = _ARN_FORMATS.get(resource["Type"])
            if arn is not None:
                return arn.format(region=self.region, account=self.account, name=name)
        return f"${{{logical}.{attribute}}}"
