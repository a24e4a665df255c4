"""A container-image Lambda function with its own execution role and log group, published
as versions behind the ``live`` alias that every invoker calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.iam import assume_role, document, log_streams
from infra_pulumi.naming import LIVE_ALIAS


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
    """``PackageType=Image`` Lambda; its role can write to its own log group and nothing else.

    Every change of code or configuration publishes a version (``publish=True``), and the
    ``live`` alias is what schedules, Function URLs and people invoke. Pulumi owns the
    alias's *existence*: it creates it on the version published at creation (the
    placeholder's, on a first deploy) and from then on ignores which version it points at
    and its traffic weights (``ignore_changes``). CodeDeploy and the app's release tool own
    those, just as infra owns the tag parameter's existence and the app owns its value.
    Without ``ignore_changes`` every ``pulumi up`` would move the alias to the newest
    version at once, skipping the canary and its alarms, or undo a shift in progress.
    A configuration change (memory, timeout, environment) therefore reaches ``$LATEST``
    and a new version, but not the alias: the infra pipeline's deploy stage shifts it
    through CodeDeploy with a release of the current tag.
    """

    function: aws.lambda_.Function
    alias: aws.lambda_.Alias
    function_name: pulumi.Output[str]
    function_arn: pulumi.Output[str]
    alias_name: pulumi.Output[str]
    alias_arn: pulumi.Output[str]
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
            # Each code or configuration change publishes an immutable version: what the
            # alias, and so CodeDeploy, shifts traffic between.
            publish=True,
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
        self.alias = aws.lambda_.Alias(
            f"{name}-alias",
            name=LIVE_ALIAS,
            function_name=self.function.name,
            # The version published when the function was created; afterwards CodeDeploy
            # and the release tool move it (see the class docstring).
            function_version=self.function.version,
            description="What every invoker calls; CodeDeploy shifts it between versions.",
            opts=pulumi.ResourceOptions(
                parent=self, ignore_changes=["functionVersion", "routingConfig"]
            ),
        )
        self.function_name = self.function.name
        self.function_arn = self.function.arn
        self.alias_name = self.alias.name
        self.alias_arn = self.alias.arn
        self.role_arn = role.arn
        self.log_group_name = log_group.name
        self.register_outputs(
            {
                "function_name": self.function_name,
                "function_arn": self.function_arn,
                "alias_arn": self.alias_arn,
            }
        )
