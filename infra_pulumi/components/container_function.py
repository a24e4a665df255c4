"""A container-image Lambda function with its own execution role and log group."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.iam import assume_role, document, log_streams


@dataclass
class ContainerFunctionArgs:
    """Inputs of a ``ContainerFunction``."""

    function_name: str
    """Physical function name (carries the project and stack prefix)."""
    role_name: str
    """Physical execution role name."""
    log_group_name: str
    """``/aws/lambda/<function name>``: where Lambda writes the function's logs."""
    image_uri: pulumi.Input[str]
    """``<repository>:<tag>`` with a resolved tag, never ``latest``."""
    command: Sequence[str]
    """Image CMD: selects the handler inside the shared Lambda image."""
    memory_mb: int = 512
    timeout_seconds: int = 30
    architecture: str = "x86_64"
    log_retention_days: int = 30
    environment: Mapping[str, str] = field(default_factory=dict)
    kms_key_arn: pulumi.Input[str] | None = None
    """Customer-managed key for the log group; None uses CloudWatch's default encryption."""
    image_dependencies: Sequence[pulumi.Resource] = field(default_factory=tuple)
    """Resources that must exist before the function: the placeholder push, the pull policy."""


class ContainerFunction(pulumi.ComponentResource):
    """``PackageType=Image`` Lambda; its role can write to its own log group and nothing else."""

    function: aws.lambda_.Function
    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]
    role_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(
        self, name: str, args: ContainerFunctionArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:lambda:ContainerFunction", name, None, opts)
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
            assume_role_policy=assume_role("lambda.amazonaws.com"),
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-logs-policy",
            role=role.id,
            policy=document([log_streams(log_group.arn)]),
            opts=child,
        )
        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=args.function_name,
            package_type="Image",
            image_uri=args.image_uri,
            image_config=aws.lambda_.FunctionImageConfigArgs(commands=list(args.command)),
            role=role.arn,
            architectures=[args.architecture],
            memory_size=args.memory_mb,
            timeout=args.timeout_seconds,
            environment=(
                aws.lambda_.FunctionEnvironmentArgs(variables=dict(args.environment))
                if args.environment
                else None
            ),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON", log_group=log_group.name
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[log_group, role_policy, *args.image_dependencies],
            ),
        )
        self.function_name = self.function.name
        self.function_arn = self.function.arn
        self.role_arn = role.arn
        self.log_group_name = log_group.name
        self.register_outputs(
            {"function_name": self.function_name, "function_arn": self.function_arn}
        )
