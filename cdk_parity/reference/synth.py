"""Offline synthesis: the CloudFormation templates of the CDK reference, without the CDK CLI.

``synthesize`` builds the app in-process and reads the cloud assembly. No AWS call is
made unless ``synth-time`` mode is selected without ``offline``; Docker is not needed
(a ``DockerImageAsset`` is only staged into the assembly at synth time).
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aws_cdk import App

from cdk_parity.reference.config import EXAMPLE_ACCOUNT, CdkStackConfig, load_stack_config
from cdk_parity.reference.stack import ContainerDeliveryStack
from cdk_parity.reference.tag_lookup import DEFAULT_MODE, ResolvedTag, TagLookupOptions, TagMode

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

#: Zones an offline synth uses: the same two the Pulumi offline plan's mocks answer.
OFFLINE_ZONE_SUFFIXES = ("a", "c")

#: The feature flags ``cdk.json`` sets (the CDK CLI reads them from there; an in-process
#: synth gets them here). ``serverAccessLogsUseBucketPolicy``, which ``cdk init`` sets in
#: new projects: a bucket that receives S3 server access logs admits the logging service
#: by bucket policy, since its ACLs are disabled (BucketOwnerEnforced).
FEATURE_FLAGS: Mapping[str, Any] = {"@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True}


def availability_zones_key(account: str, region: str) -> str:
    """The context key CDK's availability-zones lookup is cached under."""
    return f"availability-zones:account={account}:region={region}"


def offline_context(settings: CdkStackConfig) -> dict[str, Any]:
    """The app's feature flags, and answers to the lookups an offline synth cannot make,
    like the Pulumi plan's mocks.

    Only the zone list: the tag lookups are left missing on purpose, so ``lookup``
    mode shows what CDK does without the CLI.
    """
    zones = [f"{settings.region}{suffix}" for suffix in OFFLINE_ZONE_SUFFIXES]
    return {**FEATURE_FLAGS, availability_zones_key(settings.account, settings.region): zones}


def build_stack(
    app: App, settings: CdkStackConfig, tag_lookup: TagLookupOptions
) -> ContainerDeliveryStack:
    """Add the reference stack to an app; ``app.py`` and ``synthesize`` share this."""
    return ContainerDeliveryStack(
        app, settings.stack_name, settings=settings, tag_lookup=tag_lookup
    )


@dataclass(frozen=True)
class Synthesis:
    """What one offline synth produced."""

    stack_name: str
    """CloudFormation stack name, ``<project>-<stack>``."""
    mode: TagMode
    templates: dict[str, dict[str, Any]]
    """Stack name -> CloudFormation template."""
    seconds: float
    """Wall time of building and synthesizing the app (jsii start-up excluded)."""
    image_tags: dict[str, ResolvedTag] = field(default_factory=dict)
    """Per image: the tag as the template uses it (a token in deploy-time mode), resolved."""
    missing_context: list[str] = field(default_factory=list)
    """Lookups CDK could not answer offline (the CLI would perform them and re-synth)."""

    @property
    def template(self) -> dict[str, Any]:
        """The one stack's template."""
        return self.templates[self.stack_name]


def synthesize(
    stack: str = "dev",
    mode: str | TagMode = DEFAULT_MODE,
    outdir: Path | None = None,
    *,
    offline: bool = False,
    ssm_client_factory: Callable[[str], SSMClient] | None = None,
    context: Mapping[str, Any] | None = None,
    account: str = EXAMPLE_ACCOUNT,
    overrides: Mapping[str, Any] | None = None,
) -> Synthesis:
    """Synthesize the reference for ``Pulumi.<stack>.yaml`` with the given tag-lookup mode.

    ``synth-time`` mode reads the tag parameters with boto3 (``ssm_client_factory``
    builds the client for a region; default boto3, honouring ``AWS_ENDPOINT_URL``);
    ``offline=True`` answers those reads as "not found" instead, like the Pulumi
    offline plan. Other errors raise ``TagLookupError``. The other modes make no AWS
    call. ``context`` adds or overrides context values, e.g. a cached
    ``value_from_lookup`` answer. ``overrides`` set config keys over the stack file's, as
    ``pulumi config set`` would. Nothing is written outside ``outdir`` (a temporary
    directory when None).
    """
    settings = load_stack_config(stack, account=account, overrides=overrides)
    options = TagLookupOptions(
        mode=TagMode.parse(str(mode)), offline=offline, ssm_client_factory=ssm_client_factory
    )
    values = {**offline_context(settings), **(context or {})}
    with tempfile.TemporaryDirectory(prefix="cdk-parity-") as scratch:
        target = Path(outdir) if outdir is not None else Path(scratch)
        started = time.perf_counter()
        app = App(outdir=str(target), context=values, analytics_reporting=False)
        built = build_stack(app, settings, options)
        assembly = app.synth()
        seconds = time.perf_counter() - started
        # Read the assembly's files: jsii cannot marshal every manifest artifact type.
        templates, missing = read_assembly(Path(assembly.directory))
        tags = {
            image: ResolvedTag(r.image, r.parameter, built.resolve(r.tag), r.source)
            for image, r in built.resolved_tags.items()
        }
    return Synthesis(
        stack_name=settings.stack_name,
        mode=options.mode,
        templates=templates,
        seconds=seconds,
        image_tags=tags,
        missing_context=missing,
    )


def read_assembly(directory: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Templates by stack name, and the missing-context keys, of a cloud assembly directory."""
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    templates: dict[str, dict[str, Any]] = {}
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        properties = artifact["properties"]
        template = json.loads((directory / properties["templateFile"]).read_text(encoding="utf-8"))
        templates[properties.get("stackName", artifact.get("displayName"))] = template
    missing = sorted(entry["key"] for entry in manifest.get("missing", []))
    return templates, missing
