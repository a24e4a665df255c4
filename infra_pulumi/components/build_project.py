"""A CodeBuild project with its own role and log group, for one pipeline stage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.iam import assume_role, bucket_owner, document, log_streams

#: CodeBuild's Amazon Linux standard images, Python 3.11 and Docker preinstalled, per
#: architecture: (environment type, image). A stack builds its images natively on a host
#: of its own architecture, so no build needs CPU emulation (binfmt/QEMU), which
#: CodeBuild hosts do not set up.
BUILD_ENVIRONMENTS: dict[str, tuple[str, str]] = {
    "x86_64": ("LINUX_CONTAINER", "aws/codebuild/amazonlinux-x86_64-standard:5.0"),
    "arm64": ("ARM_CONTAINER", "aws/codebuild/amazonlinux-aarch64-standard:3.0"),
}
BUILD_IMAGE = BUILD_ENVIRONMENTS["x86_64"][1]


@dataclass
class BuildProjectArgs:
    """Inputs of a ``BuildProject``."""

    project_name: str
    role_name: str
    log_group_name: str
    description: str
    buildspec: str
    """Path of the buildspec file inside the source artifact, or the buildspec itself (its
    YAML text) for a pipeline whose source does not hold it."""
    artifact_bucket_arn: pulumi.Input[str]
    account_id: str
    """The account that must own the artifact bucket."""
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Plain environment variables: names of things, never secrets."""
    secret_environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Variable name -> Secrets Manager ARN; CodeBuild resolves them at build time."""
    statements: Sequence[dict[str, Any]] = field(default_factory=tuple)
    """Policy statements beyond logs and artifacts: exactly what this stage needs."""
    managed_policy_arns: Sequence[str] = field(default_factory=tuple)
    permissions_boundary: pulumi.Input[str] | None = None
    """The stack's permissions boundary (see permissions_boundary.py)."""
    privileged: bool = False
    """Docker builds need privileged mode."""
    architecture: str = "x86_64"
    """``x86_64`` or ``arm64``: the build host's, and so the images', architecture."""
    log_retention_days: int = 30
    kms_key_arn: pulumi.Input[str] | None = None
    timeout_minutes: int = 30


class BuildProject(pulumi.ComponentResource):
    """A CodeBuild project reading its source from, and writing artifacts to, the pipeline."""

    project_name: pulumi.Output[str]
    project_arn: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    role_policy: aws.iam.RolePolicy
    environment: Mapping[str, pulumi.Input[str]]

    def __init__(
        self, name: str, args: BuildProjectArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:pipeline:BuildProject", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=args.log_group_name,
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            assume_role_policy=assume_role("codebuild.amazonaws.com"),
            permissions_boundary=args.permissions_boundary,
            opts=child,
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-managed-{index}", role=role.name, policy_arn=policy_arn, opts=child
            )
            for index, policy_arn in enumerate(args.managed_policy_arns)
        ]
        statements: list[dict[str, Any]] = [
            log_streams(log_group.arn),
            {
                "Sid": "PipelineArtifacts",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                "Resource": pulumi.Output.concat(args.artifact_bucket_arn, "/*"),
                "Condition": bucket_owner(args.account_id),
            },
        ]
        if args.secret_environment:
            statements.append(
                {
                    "Sid": "ReadOwnSecrets",
                    "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": sorted(args.secret_environment.values(), key=str),
                }
            )
        if args.kms_key_arn is not None:
            statements.append(
                {
                    "Sid": "ArtifactAndLogKey",
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                    "Resource": args.kms_key_arn,
                }
            )
        self.role_policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=document([*statements, *args.statements]),
            opts=child,
        )
        variables = [
            aws.codebuild.ProjectEnvironmentEnvironmentVariableArgs(
                name=key, value=value, type="PLAINTEXT"
            )
            for key, value in sorted(args.environment.items())
        ] + [
            aws.codebuild.ProjectEnvironmentEnvironmentVariableArgs(
                name=key, value=value, type="SECRETS_MANAGER"
            )
            for key, value in sorted(args.secret_environment.items())
        ]
        environment_type, build_image = BUILD_ENVIRONMENTS[args.architecture]
        project = aws.codebuild.Project(
            f"{name}-project",
            name=args.project_name,
            description=args.description,
            service_role=role.arn,
            build_timeout=args.timeout_minutes,
            source=aws.codebuild.ProjectSourceArgs(type="CODEPIPELINE", buildspec=args.buildspec),
            artifacts=aws.codebuild.ProjectArtifactsArgs(type="CODEPIPELINE"),
            environment=aws.codebuild.ProjectEnvironmentArgs(
                compute_type="BUILD_GENERAL1_SMALL",  # ARM hosts offer SMALL and LARGE
                image=build_image,
                type=environment_type,
                privileged_mode=args.privileged,
                environment_variables=variables,
            ),
            logs_config=aws.codebuild.ProjectLogsConfigArgs(
                cloudwatch_logs=aws.codebuild.ProjectLogsConfigCloudwatchLogsArgs(
                    group_name=log_group.name, status="ENABLED"
                )
            ),
            encryption_key=args.kms_key_arn,
            # Builds run as the role: every policy of it exists before the project does.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.role_policy, *attachments]),
        )
        self.environment = {**args.environment, **args.secret_environment}
        self.project_name = project.name
        self.project_arn = project.arn
        self.role_arn = role.arn
        self.register_outputs({"project_name": self.project_name})
