"""The stack's encryption: its own KMS key the CDK way (``createKmsKey: true``), a
brought-in key (``kmsKeyArn``), or none (AWS-managed keys).

``kms.Key`` keeps CDK's default key policy (the account root may use the key, so IAM
policies apply); CloudWatch Logs is added with ``add_to_resource_policy``, limited to
this stack's log groups by the ``kms:EncryptionContext:aws:logs:arn`` condition
(CloudWatch Logs User Guide, "Encrypt log data in CloudWatch Logs using AWS KMS").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_parity.reference.config import StackConfig
from cdk_parity.reference.lifecycle import data_removal

#: The CodeBuild projects whose log groups the stack's own key encrypts, by short name.
BUILD_PROJECTS = ("infra-preview", "infra-deploy", "app-build")
PROMOTED_BUILD_PROJECTS = ("infra-preview", "infra-deploy", "promote")


def stack_key(
    scope: Construct,
    construct_id: str,
    *,
    alias: str,
    log_groups: Sequence[str],
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
) -> kms.Key:
    """A rotated key with an alias; CloudWatch Logs may use it for ``log_groups`` only.

    ``DESTROY`` schedules the key's deletion (after the pending window) with the stack.
    """
    stack = Stack.of(scope)
    key = kms.Key(
        scope,
        construct_id,
        alias=alias,
        description=f"{alias}: this stack's images, logs and pipeline artifacts",
        enable_key_rotation=True,
        pending_window=Duration.days(30),
        removal_policy=removal_policy,
    )
    logs = iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")
    key.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[logs],
            actions=["kms:Decrypt*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
            resources=["*"],
            conditions={
                "StringEquals": {
                    "kms:EncryptionContext:aws:logs:arn": sorted(
                        f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:{name}"
                        for name in log_groups
                    )
                }
            },
        )
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(principals=[logs], actions=["kms:DescribeKey"], resources=["*"])
    )
    return key


def stack_encryption(
    stack: Stack, config: StackConfig, function_names: Iterable[str]
) -> kms.IKey | None:
    """The key of the stack's images, logs and artifacts; None for AWS-managed keys.

    The stack's own key lets CloudWatch Logs use it for exactly the log groups the stack
    creates: each function's, the web service's, each build project's and the VPC
    flow logs'.
    """
    names = config.naming
    if config.create_kms_key:
        log_groups = [f"/aws/lambda/{physical}" for physical in function_names]
        log_groups.append(f"/ecs/{names.web_service}")
        if config.pipelines is not None:
            # A promoted stage has a promote build where a build stage has its app build.
            builds = PROMOTED_BUILD_PROJECTS if config.promote_from else BUILD_PROJECTS
            log_groups += [f"/aws/codebuild/{names.prefix}-{short}" for short in builds]
        if config.vpc_flow_logs:
            log_groups.append(names.flow_log_group)
        return stack_key(
            stack,
            "StackKey",
            alias=names.kms_alias,
            log_groups=log_groups,
            removal_policy=data_removal(config),
        )
    if config.kms_key_arn:
        return kms.Key.from_key_arn(stack, "Key", config.kms_key_arn)
    return None
