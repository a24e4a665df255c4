"""An image-tag parameter: infra owns its existence, the app pipeline owns its value."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra_pulumi.naming import DIGEST_PATTERN, NO_DIGEST, PLACEHOLDER_TAG

#: Enforced by SSM itself, so even a hand-run put-parameter cannot store ``latest``.
ALLOWED_TAG_PATTERN = rf"^({PLACEHOLDER_TAG}|[0-9a-f]{{7,40}})$"


@dataclass
class ImageTagParameterArgs:
    """Inputs of an ``ImageTagParameter``."""

    parameter_name: str
    """Full SSM name, ``/<project>/<stack>/images/<image>/tag``."""
    image: str
    """Image key, for the description."""


class _InfraOwnedParameter(pulumi.ComponentResource):
    """A String parameter infra creates with a first value and never writes again.

    ``ignore_changes=["insecureValue"]`` is what lets the release tool write its values
    without the next ``pulumi up`` putting the first one back. Because infra creates it,
    its name is known in advance and IAM policies can name its exact ARN.
    """

    parameter: aws.ssm.Parameter
    parameter_name: pulumi.Output[str]
    parameter_arn: pulumi.Output[str]

    def __init__(
        self,
        type_: str,
        name: str,
        args: ImageTagParameterArgs,
        *,
        first_value: str,
        allowed_pattern: str,
        description: str,
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        super().__init__(type_, name, None, opts)
        self.parameter = aws.ssm.Parameter(
            f"{name}-parameter",
            name=args.parameter_name,
            type="String",
            tier="Standard",
            # insecure_value: a tag or a digest is not sensitive, and previews should show it.
            insecure_value=first_value,
            allowed_pattern=allowed_pattern,
            description=description,
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["insecureValue"]),
        )
        self.parameter_name = self.parameter.name
        self.parameter_arn = self.parameter.arn
        self.register_outputs({"parameter_name": self.parameter_name})


class ImageTagParameter(_InfraOwnedParameter):
    """A tag parameter: created with the placeholder tag; the app pipeline writes releases."""

    def __init__(
        self, name: str, args: ImageTagParameterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(
            "container-delivery:ssm:ImageTagParameter",
            name,
            args,
            first_value=PLACEHOLDER_TAG,
            allowed_pattern=ALLOWED_TAG_PATTERN,
            description=(
                f"Released tag of the {args.image} image. Written by the app pipeline; "
                "created by the infra stack, which ignores later values."
            ),
            opts=opts,
        )


#: Enforced by SSM: an image digest, or ``initial`` (nothing promoted yet).
ALLOWED_DIGEST_PATTERN = rf"{DIGEST_PATTERN}|^{NO_DIGEST}$"


class ImageDigestParameter(_InfraOwnedParameter):
    """A promoted stage's digest parameter: created with ``initial``; Pulumi ignores later values.

    ``app.deploy promote`` records the digest it released here, next to the tag in the
    tag parameter; targets run the build stage's repository at this digest (README,
    "Build once, promote").
    """

    def __init__(
        self, name: str, args: ImageTagParameterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(
            "container-delivery:ssm:ImageDigestParameter",
            name,
            args,
            first_value=NO_DIGEST,
            allowed_pattern=ALLOWED_DIGEST_PATTERN,
            description=(
                f"Promoted digest of the {args.image} image. Written by app.deploy promote; "
                "created by the infra stack, which ignores later values."
            ),
            opts=opts,
        )
