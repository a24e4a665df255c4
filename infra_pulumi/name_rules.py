"""Each AWS service's documented rule for the physical names this stack gives it.

Pulumi's mocks accept any name; AWS does not. The stack derives every physical name
from the project and stack names (``Naming``), so the config is checked against these
rules when it is loaded, and a bad name fails there, before ``pulumi up`` meets it.
Each rule is transcribed from the service's API reference or user guide, named in
``source``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class NameRule:
    """One service's naming rule: length, characters, and reserved prefixes or suffixes."""

    service: str
    pattern: str
    """The characters (and separators) allowed, as a regular expression for the whole name."""
    max_length: int
    description: str
    """The rule in words, as the error message shows it."""
    source: str
    min_length: int = 1
    reserved_prefixes: tuple[str, ...] = ()
    """Refused at the start of the name, compared case-insensitively."""
    reserved_suffixes: tuple[str, ...] = ()
    forbid_ip_address: bool = False

    def problems(self, name: str) -> list[str]:
        """What is wrong with ``name`` under this rule; empty when it is valid."""
        found: list[str] = []
        if not self.min_length <= len(name) <= self.max_length:
            found.append(
                f"it is {len(name)} characters long; "
                f"{self.min_length} to {self.max_length} are allowed"
            )
        if re.fullmatch(self.pattern, name) is None:
            found.append("it has characters or separators the rule does not allow")
        for prefix in self.reserved_prefixes:
            if name.lower().startswith(prefix.lower()):
                found.append(f"it starts with the reserved prefix {prefix!r}")
        for suffix in self.reserved_suffixes:
            if name.endswith(suffix):
                found.append(f"it ends with the reserved suffix {suffix!r}")
        if self.forbid_ip_address:
            try:
                ipaddress.IPv4Address(name)
            except ValueError:
                pass
            else:
                found.append("it is formatted as an IP address")
        return found


_ALNUM_HYPHEN_32 = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"

#: Keyed by the kind ``Naming.physical_names`` gives each name.
RULES: Mapping[str, NameRule] = {
    "ecr-repository": NameRule(
        service="Amazon ECR repository",
        # CreateRepository: lowercase components separated by one '.', '_' or '-',
        # optionally in namespaces separated by '/'.
        pattern=r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*",
        min_length=2,
        max_length=256,
        description=(
            "2 to 256 characters; lowercase letters and digits, separated by single "
            "'.', '_' or '-' (no two separators in a row, none at either end)"
        ),
        source="Amazon ECR API Reference, CreateRepository, repositoryName",
    ),
    "lambda-function": NameRule(
        service="AWS Lambda function",
        pattern=r"[A-Za-z0-9_-]+",
        max_length=64,
        description="1 to 64 characters; letters, digits, '-' and '_'",
        source="AWS Lambda API Reference, CreateFunction, FunctionName",
    ),
    "lambda-alias": NameRule(
        service="AWS Lambda alias",
        # Not only digits: those name versions.
        pattern=r"(?![0-9]+$)[A-Za-z0-9_-]+",
        max_length=128,
        description="1 to 128 characters; letters, digits, '-' and '_', not only digits",
        source="AWS Lambda API Reference, CreateAlias, Name",
    ),
    "iam-role": NameRule(
        service="IAM role",
        pattern=r"[\w+=,.@-]+",
        max_length=64,
        description="1 to 64 characters; letters, digits and '+=,.@_-'",
        source="IAM API Reference, CreateRole, RoleName",
    ),
    "iam-policy": NameRule(
        service="IAM managed policy",
        pattern=r"[\w+=,.@-]+",
        max_length=128,
        description="1 to 128 characters; letters, digits and '+=,.@_-'",
        source="IAM API Reference, CreatePolicy, PolicyName",
    ),
    "log-group": NameRule(
        service="CloudWatch Logs log group",
        pattern=r"[A-Za-z0-9_./#-]+",
        max_length=512,
        reserved_prefixes=("aws/",),
        description="1 to 512 characters; letters, digits and '_-/.#'; not starting with 'aws/'",
        source="Amazon CloudWatch Logs API Reference, CreateLogGroup, logGroupName",
    ),
    "load-balancer": NameRule(
        service="Elastic Load Balancing load balancer",
        pattern=_ALNUM_HYPHEN_32,
        max_length=32,
        reserved_prefixes=("internal-",),
        description=(
            "at most 32 characters; letters, digits and hyphens; not starting or ending "
            "with a hyphen; not starting with 'internal-'"
        ),
        source="Elastic Load Balancing API Reference, CreateLoadBalancer, Name",
    ),
    "target-group": NameRule(
        service="Elastic Load Balancing target group",
        pattern=_ALNUM_HYPHEN_32,
        max_length=32,
        description=(
            "at most 32 characters; letters, digits and hyphens; not starting or ending "
            "with a hyphen"
        ),
        source="Elastic Load Balancing API Reference, CreateTargetGroup, Name",
    ),
    "security-group": NameRule(
        service="VPC security group",
        pattern=r"[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]+",
        max_length=255,
        reserved_prefixes=("sg-",),
        description=(
            "1 to 255 characters; letters, digits, spaces and '._-:/()#,@[]+=&;{}!$*'; "
            "not starting with 'sg-'"
        ),
        source="Amazon EC2 API Reference, CreateSecurityGroup, GroupName",
    ),
    "ecs-name": NameRule(
        service="Amazon ECS cluster, service or task definition family",
        pattern=r"[A-Za-z0-9_-]+",
        max_length=255,
        description="1 to 255 characters; letters, digits, '-' and '_'",
        source="Amazon ECS API Reference, CreateCluster / CreateService / RegisterTaskDefinition",
    ),
    "codebuild-project": NameRule(
        service="AWS CodeBuild project",
        pattern=r"[A-Za-z0-9][A-Za-z0-9_-]{1,254}",
        min_length=2,
        max_length=255,
        description=(
            "2 to 255 characters; letters, digits, '-' and '_', starting with a letter or digit"
        ),
        source="AWS CodeBuild API Reference, CreateProject, name",
    ),
    "codepipeline": NameRule(
        service="AWS CodePipeline pipeline",
        pattern=r"[A-Za-z0-9.@_-]+",
        max_length=100,
        description="1 to 100 characters; letters, digits and '.@-_'",
        source="AWS CodePipeline API Reference, PipelineDeclaration, name",
    ),
    "s3-bucket": NameRule(
        service="Amazon S3 bucket",
        pattern=r"[a-z0-9](?:[a-z0-9-]|\.(?!\.))*[a-z0-9]",
        min_length=3,
        max_length=63,
        reserved_prefixes=("xn--", "sthree-", "amzn-s3-demo-"),
        reserved_suffixes=("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"),
        forbid_ip_address=True,
        description=(
            "3 to 63 characters; lowercase letters, digits, '.' and '-', starting and "
            "ending with a letter or digit, no two adjacent periods, not an IP address; "
            "reserved prefixes xn--, sthree-, amzn-s3-demo- and suffixes -s3alias, "
            "--ol-s3, .mrap, --x-s3, --table-s3"
        ),
        source="Amazon S3 User Guide, General purpose bucket naming rules",
    ),
    "ssm-parameter": NameRule(
        service="Systems Manager parameter",
        # A fully qualified name: '/'-separated, each part letters, digits and '_.-'.
        pattern=r"(?:/[A-Za-z0-9_.-]+){1,15}",
        max_length=1011,
        reserved_prefixes=("aws", "ssm", "/aws", "/ssm"),
        description=(
            "a path of at most 15 levels and 1011 characters; letters, digits and '_.-' "
            "in each level; not starting with 'aws' or 'ssm' (any case)"
        ),
        source="AWS Systems Manager User Guide, Parameter Store, naming constraints",
    ),
    "codedeploy-name": NameRule(
        service="AWS CodeDeploy application or deployment group",
        # No character set is documented; the stack's own names are lowercase words and
        # hyphens, so only the length can fail.
        pattern=r"[A-Za-z0-9_.+@-]+",
        max_length=100,
        description="1 to 100 characters",
        source=(
            "AWS CodeDeploy API Reference, CreateApplication applicationName and "
            "CreateDeploymentGroup deploymentGroupName"
        ),
    ),
    "cloudwatch-alarm": NameRule(
        service="CloudWatch alarm",
        # Any UTF-8 but ASCII control characters; a CodeDeploy deployment group refuses
        # alarm names longer than 255 characters as well.
        pattern=r"[^\x00-\x1f\x7f]+",
        max_length=255,
        description="1 to 255 characters, no control characters",
        source="Amazon CloudWatch API Reference, PutMetricAlarm, AlarmName",
    ),
    "schedule": NameRule(
        service="EventBridge Scheduler schedule",
        pattern=r"[0-9a-zA-Z_.-]+",
        max_length=64,
        description="1 to 64 characters; letters, digits and '-_.'",
        source="Amazon EventBridge Scheduler API Reference, CreateSchedule, Name",
    ),
    "dynamodb-table": NameRule(
        service="Amazon DynamoDB table",
        pattern=r"[A-Za-z0-9_.-]+",
        min_length=3,
        max_length=255,
        description="3 to 255 characters; letters, digits, '_', '-' and '.'",
        source=(
            "Amazon DynamoDB Developer Guide, Supported data types and naming rules in "
            "Amazon DynamoDB, Naming rules"
        ),
    ),
    "kms-alias": NameRule(
        service="AWS KMS alias",
        pattern=r"alias/[A-Za-z0-9/_-]+",
        max_length=256,
        reserved_prefixes=("alias/aws/",),
        description=(
            "'alias/' then letters, digits and '/_-', at most 256 characters; not 'alias/aws/...'"
        ),
        source="AWS KMS API Reference, CreateAlias, AliasName",
    ),
}

#: Terraform's ``bucket_prefix`` appends a 26-character unique suffix, so a prefix may be
#: at most 37 characters for the generated name to fit S3's 63.
BUCKET_PREFIX_MAX = 37
BUCKET_UNIQUE_SUFFIX = "2" * 26
