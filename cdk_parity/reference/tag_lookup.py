"""How the CDK stack learns an image's tag: the three modes the comparison contrasts.

- ``deploy-time`` (the talk's original, point 6): ``StringParameter.value_for_string_parameter``
  emits an ``AWS::SSM::Parameter::Value<String>`` template parameter. CloudFormation
  resolves it at deploy time and has no error handling, so the first deploy fails while
  the parameter does not exist yet (point 7).
- ``synth-time`` (the talk's workaround, point 8): read the parameter with boto3 while
  synthesizing; "not found" falls back to ``initial``, every other error fails the synth.
- ``lookup``: ``StringParameter.value_from_lookup(..., default_value="initial")``, CDK's
  newer native option (aws-cdk PR #31415), resolved by the CDK CLI and cached in
  ``cdk.context.json``. Without the CLI, CDK returns the default and records the lookup
  as missing context.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_cdk import aws_ssm as ssm
from botocore.exceptions import BotoCoreError, ClientError
from constructs import Construct

from cdk_parity.exceptions import InvalidTagError, TagLookupError, UnknownTagModeError
from cdk_parity.reference.tags import PLACEHOLDER_TAG, is_valid_tag

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

#: The CDK context key selecting the mode: ``cdk synth -c tagLookup=synth-time``.
CONTEXT_KEY = "tagLookup"


class TagMode(enum.StrEnum):
    """Where the image tag is resolved."""

    DEPLOY_TIME = "deploy-time"
    SYNTH_TIME = "synth-time"
    LOOKUP = "lookup"

    @classmethod
    def parse(cls, value: str) -> TagMode:
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(m.value for m in cls)
            raise UnknownTagModeError(
                f"context {CONTEXT_KEY}={value!r} is not a tag-lookup mode; use one of {choices}"
            ) from None


#: The talk's original is the default: the reference shows what CDK does out of the box.
DEFAULT_MODE = TagMode.DEPLOY_TIME


@dataclass(frozen=True)
class TagLookupOptions:
    """The selected mode and, for ``synth-time``, how to reach SSM."""

    mode: TagMode = DEFAULT_MODE
    offline: bool = False
    """``synth-time`` only: answer every lookup as "not found", like the Pulumi offline plan."""
    ssm_client_factory: Callable[[str], SSMClient] | None = None
    """``synth-time`` only: builds the SSM client for a region. Default: boto3, which
    honours ``AWS_ENDPOINT_URL`` and the usual credential chain."""


@dataclass(frozen=True)
class ResolvedTag:
    """An image's tag as the template uses it, and where it came from."""

    image: str
    parameter: str
    tag: str
    """A plain tag, or an unresolved CDK token (deploy-time)."""
    source: str
    """One of ``deploy-time-parameter``, ``released``, ``placeholder``, ``context``,
    ``lookup-default``."""


def _default_client(region: str) -> SSMClient:
    import boto3

    return boto3.client("ssm", region_name=region)


Check = Callable[[str, str], str]
"""``(parameter, value) -> value``: refuses a value the parameter may not hold."""


def read_tag_at_synth(
    parameter: str, region: str, options: TagLookupOptions, check: Check | None = None
) -> tuple[str, str]:
    """The talk's workaround: ``(tag, source)``; only ParameterNotFound falls back.

    Errors are told apart by AWS's error code, never by message text. Credentials
    missing, endpoint unreachable and every other ``ClientError`` raise ``TagLookupError``.
    """
    if options.offline:
        return PLACEHOLDER_TAG, "placeholder"
    factory = options.ssm_client_factory or _default_client
    try:
        client = factory(region)
        value = client.get_parameter(Name=parameter)["Parameter"]["Value"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return PLACEHOLDER_TAG, "placeholder"
        raise TagLookupError(
            f"could not read image-tag parameter {parameter} in {region}: {exc}. "
            "Only a missing parameter falls back to the placeholder; fix access and re-run, "
            "or synthesize with --offline to treat every parameter as missing"
        ) from exc
    except BotoCoreError as exc:
        raise TagLookupError(
            f"could not read image-tag parameter {parameter} in {region}: {exc}. "
            "Configure AWS credentials (or AWS_ENDPOINT_URL), or synthesize with --offline"
        ) from exc
    return (check or _validated)(parameter, value), "released"


def _validated(parameter: str, value: str) -> str:
    if not is_valid_tag(value):
        raise InvalidTagError(
            f"image-tag parameter {parameter} holds {value!r}; expected a commit tag "
            f"(7-40 lowercase hex) or {PLACEHOLDER_TAG!r}"
        )
    return value


def lookup_context_key(parameter: str, account: str, region: str) -> str:
    """The ``cdk.context.json`` key the CLI caches a ``value_from_lookup`` answer under."""
    return f"ssm:account={account}:parameterName={parameter}:region={region}"


def resolve_tag(
    scope: Construct,
    image: str,
    parameter: str,
    *,
    region: str,
    account: str,
    options: TagLookupOptions,
    check: Check | None = None,
) -> ResolvedTag:
    """The tag an image's consumers (functions, task definition) are pinned to.

    ``check`` validates another kind of value read the same way (a promoted stage's
    digest parameter, whose "nothing yet" is also ``initial``).
    """
    validate = check or _validated
    if options.mode is TagMode.DEPLOY_TIME:
        token = ssm.StringParameter.value_for_string_parameter(scope, parameter)
        return ResolvedTag(image, parameter, token, "deploy-time-parameter")
    if options.mode is TagMode.SYNTH_TIME:
        tag, source = read_tag_at_synth(parameter, region, options, validate)
        return ResolvedTag(image, parameter, tag, source)
    # LOOKUP: a cached answer is in the context; without one CDK returns the default
    # value and records the lookup as missing, which the CLI would fill and re-synth.
    key = lookup_context_key(parameter, account, region)
    cached: Any = scope.node.try_get_context(key)
    value = ssm.StringParameter.value_from_lookup(scope, parameter, PLACEHOLDER_TAG)
    if cached is None:
        return ResolvedTag(image, parameter, value, "lookup-default")
    return ResolvedTag(image, parameter, validate(parameter, value), "context")
