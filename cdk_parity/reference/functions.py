"""Container-image Lambda functions from ECR: the talk's point 3.

``DockerImageFunction`` with ``DockerImageCode.from_ecr(repository, tag_or_digest=...)``
needs no Lambda source on the infra side. One image serves every function; the image
command picks the handler.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_parity.reference.common import retention
from cdk_parity.reference.config import StackConfig
from cdk_parity.reference.placeholder import PlaceholderImage


class ContainerFunction(Construct):
    """A ``PackageType=Image`` function with its own role and its own log group."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function_name: str,
        role_name: str,
        repository: ecr.IRepository,
        tag: str,
        command: Sequence[str],
        memory_mb: int,
        timeout_seconds: int,
        architecture: str,
        log_retention_days: int,
        environment: Mapping[str, str],
        kms_key_arn: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        # An explicit log group: CDK's log_retention prop would add a LogRetention
        # custom resource (and its Lambda) instead.
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/lambda/{function_name}",
            retention=retention(log_retention_days),
            encryption_key=(
                kms.Key.from_key_arn(self, "LogKey", kms_key_arn) if kms_key_arn else None
            ),
        )
        self.role = iam.Role(
            self,
            "Role",
            role_name=role_name,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.DockerImageFunction(
            self,
            "Function",
            function_name=function_name,
            code=lambda_.DockerImageCode.from_ecr(repository, tag_or_digest=tag, cmd=list(command)),
            role=self.role,
            architecture=(
                lambda_.Architecture.ARM_64
                if architecture == "arm64"
                else lambda_.Architecture.X86_64
            ),
            memory_size=memory_mb,
            timeout=Duration.seconds(timeout_seconds),
            environment=dict(environment) or None,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
        )


def container_functions(
    scope: Construct,
    config: StackConfig,
    *,
    repository: ecr.IRepository,
    tag: str,
    placeholder: PlaceholderImage,
    kms_key_arn: str | None,
) -> dict[str, lambda_.Function]:
    """Every function of the stack config, by short name, all from the one Lambda image."""
    names = config.naming
    functions: dict[str, lambda_.Function] = {}
    for fn in config.lambda_functions:
        function = ContainerFunction(
            scope,
            f"Function-{fn.name}",
            function_name=names.function(fn.name),
            role_name=names.function_role(fn.name),
            repository=repository,
            tag=tag,
            command=fn.command,
            memory_mb=fn.memory_mb,
            timeout_seconds=fn.timeout_seconds,
            architecture=config.lambda_architecture,
            log_retention_days=config.log_retention_days,
            environment=fn.environment,
            kms_key_arn=kms_key_arn,
        )
        # The talk's point 4: the function can only be created once `initial` exists.
        function.function.node.add_dependency(placeholder.deployment)
        functions[fn.name] = function.function
    return functions
