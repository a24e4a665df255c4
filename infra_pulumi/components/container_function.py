"""A container-image Lambda function with its own execution role and log group, published
as versions behind the ``live`` alias that every invoker calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra_pulumi.components.iam import assume_role, document, log_streams
from infra_pulumi.naming import LIVE_ALIAS

ALIAS_DESCRIPTION = "What every invoker calls; CodeDeploy shifts it between versions."


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
    permissions_boundary: pulumi.Input[str] | None = None
    """The stack's permissions boundary, on each role this creates (permissions_boundary.py)."""


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

    Why ``ignore_changes`` alone would not keep ``pulumi up`` off the alias, and what does:

    - The engine's ``processIgnoreChanges`` (pulumi ``pkg/resource/deploy/step_generator.go``)
      replaces each ignored property of the new inputs with the *old inputs* from the
      state, or removes it when the state has none. So an update of the alias carries the
      ``functionVersion`` recorded in the state and no ``routingConfig``.
    - terraform-provider-aws's ``resourceAliasUpdate`` (``internal/service/lambda/alias.go``)
      sends ``FunctionVersion`` and ``RoutingConfig`` on every ``UpdateAlias``, whatever
      changed, and waits for the weights to clear when the routing config is empty.
    - Hence any other diff on the alias would point ``live`` back at the version in the
      state (the one published at creation, unless the state was refreshed) and clear a
      canary's weights, bypassing CodeDeploy.

    So nothing here lets such an update happen: the alias's inputs are its name, its
    function's name and a constant description, none of which changes between deploys
    (``tests/infra/components/test_container_function.py`` fails if an input could), and
    ``routingConfig`` is never set. Two guards cover a provider upgrade that adds a diff
    anyway. The deploy stage runs ``pulumi up --refresh``: a refresh reads the alias back,
    and pulumi-terraform-bridge's ``ExtractInputsFromOutputs`` (``pkg/tfbridge/schema.go``,
    refresh branch) updates the inputs already in the state, ``functionVersion`` among
    them, so an update would resend the version CodeDeploy set. And the deploy stage holds
    the image's release lock around ``pulumi up`` (``infra_pulumi/buildspec-deploy.yml``),
    so no CodeDeploy shift, and no weights to clear, is in progress while it runs.
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
            permissions_boundary=args.permissions_boundary,
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
            # A constant: an alias input that changed between deploys would make
            # `pulumi up` send UpdateAlias, which resends the version and weights (see the
            # class docstring).
            description=ALIAS_DESCRIPTION,
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
