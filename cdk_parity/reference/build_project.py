"""A CodeBuild project with its own role and log group, for one pipeline stage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import yaml
from aws_cdk import Duration
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_parity.reference.common import retention

#: CodeBuild's Amazon Linux 2023 standard images (Docker included), per architecture: a
#: stack's images build natively on a host of the stack's architecture.
BUILD_IMAGES: Mapping[str, codebuild.IBuildImage] = {
    "x86_64": codebuild.LinuxBuildImage.AMAZON_LINUX_2023_5,
    "arm64": codebuild.LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0,
}


class BuildProject(Construct):
    """A CodeBuild project for one pipeline stage, with the role it creates and its log group.

    The caller grants the project what its stage needs (``repository.grant_pull_push(
    project)``, ...); managed policies go on the project's role. The project creates its
    role, unless ``role_name`` asks for a named one (a policy that must name the role by
    ARN, as the stack's boundary names the deploy role, cannot reference it).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        project_name: str,
        description: str,
        buildspec: str,
        environment: Mapping[str, str],
        secret_environment: Mapping[str, str] | None = None,
        managed_policies: Sequence[str] = (),
        role_name: str | None = None,
        privileged: bool = False,
        architecture: str = "x86_64",
        timeout_minutes: int = 30,
        log_retention_days: int = 30,
        kms_key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/codebuild/{project_name}",
            retention=retention(log_retention_days),
            encryption_key=kms_key,
        )
        self.project = codebuild.PipelineProject(
            self,
            "Project",
            project_name=project_name,
            description=description,
            build_spec=_buildspec(buildspec),
            environment=codebuild.BuildEnvironment(
                build_image=BUILD_IMAGES[architecture],
                compute_type=codebuild.ComputeType.SMALL,
                privileged=privileged,
            ),
            environment_variables=_variables(environment, secret_environment or {}),
            timeout=Duration.minutes(timeout_minutes),
            encryption_key=kms_key,
            logging=codebuild.LoggingOptions(
                cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self.log_group)
            ),
            role=(
                iam.Role(
                    self,
                    "Role",
                    role_name=role_name,
                    assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
                )
                if role_name is not None
                else None
            ),
        )
        role = self.project.role
        assert role is not None  # a PipelineProject without a given role creates one
        self.role = role
        for name in managed_policies:
            role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name(name))


def _buildspec(buildspec: str) -> codebuild.BuildSpec:
    """A path in the source artifact, or the buildspec itself (YAML text, with newlines):
    a pipeline whose source does not hold the file carries it inline."""
    if "\n" not in buildspec:
        return codebuild.BuildSpec.from_source_filename(buildspec)
    return codebuild.BuildSpec.from_object_to_yaml(yaml.safe_load(buildspec))


def _variables(
    environment: Mapping[str, str], secrets: Mapping[str, str]
) -> dict[str, codebuild.BuildEnvironmentVariable]:
    """Plain variables, then Secrets Manager references, each sorted by name."""
    variables = {
        key: codebuild.BuildEnvironmentVariable(value=value)
        for key, value in sorted(environment.items())
    }
    variables.update(
        {
            key: codebuild.BuildEnvironmentVariable(
                value=arn, type=codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER
            )
            for key, arn in sorted(secrets.items())
        }
    )
    return variables
