"""An image-tag parameter: the stack owns its existence, the app pipeline owns its value."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from cdk_parity.reference.tags import PLACEHOLDER_TAG, TAG_PATTERN


class ImageTagParameter(Construct):
    """``/<project>/<stack>/images/<image>/tag``, created with ``initial``.

    The template value stays ``initial``, so CloudFormation never writes it again
    after the app pipeline has: the equivalent of Pulumi's ``ignore_changes``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        image: str,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, construct_id)
        self.parameter = ssm.StringParameter(
            self,
            "Parameter",
            parameter_name=name,
            string_value=PLACEHOLDER_TAG,
            allowed_pattern=TAG_PATTERN,
            tier=ssm.ParameterTier.STANDARD,
            description=(
                f"Released tag of the {image} image. Written by the app pipeline; "
                "created by the infra stack, which ignores later values."
            ),
        )
        # Kept with the stack's data (the released tag), or deleted with the stack.
        self.parameter.apply_removal_policy(removal_policy)
