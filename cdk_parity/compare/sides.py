"""Each side run as the comparison runs it: the Pulumi program evaluated offline, the CDK
reference synthesized, both told the same answer for the image-tag parameters.

``python -m cdk_parity.compare.sides <pulumi|cdk> <stack> <mode>`` runs one side once,
in a fresh process, for the peak-memory measurement (``cdk_parity.compare.measure``).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from cdk_parity.reference.config import load_stack_config
from cdk_parity.reference.promotion import digest_parameter
from cdk_parity.reference.synth import Synthesis, synthesize
from cdk_parity.reference.tag_lookup import TagMode, lookup_context_key
from cdk_parity.reference.tags import IMAGES
from infra_pulumi.plan import Plan, evaluate
from infra_pulumi.plan.mocks import released
from infra_pulumi.plan.runner import project_name, stack_config

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

#: The tag both tools are told is released, for stacks that require a release (prod):
#: a first deploy of such a stack stops by design, so it is compared after one release.
EXAMPLE_RELEASE = "0a1b2c3"
#: The digest a promoted stage (prod) is told was promoted with that tag; the Pulumi side
#: is also told its build stage's repository holds it (what ``promote`` checks).
EXAMPLE_DIGEST = "sha256:" + "0a1b2c3d" * 8

SIDES = ("pulumi", "cdk")


def compared_config(stack: str) -> dict[str, Any]:
    """Config set over a stack file's for the comparison.

    dev is compared as a build stage with pipelines: it gets prod's ``pipelines`` and
    ``githubPreview`` (dev's own file leaves them out until a connection exists, and prod,
    a promoted stage, has a promote pipeline instead of the app pipeline), so the app
    pipeline, its build and the GitHub preview role of a build stage are compared too.
    """
    if stack != "dev":
        return {}
    prod = stack_config("prod")
    project = project_name()
    return {
        key: json.loads(prod[f"{project}:{key}"])
        for key in ("pipelines", "githubPreview")
        if f"{project}:{key}" in prod
    }


def evaluated_config(stack: str) -> dict[str, str]:
    """The config the compared plan was evaluated with, as Pulumi hands config over
    (``ns:key`` -> string): the stack file's, with ``compared_config`` over it."""
    config = stack_config(stack)
    project = project_name()
    for key, value in compared_config(stack).items():
        config[f"{project}:{key}"] = json.dumps(value)
    return config


class _ReleasedParameters:
    """An SSM client for synth-time mode that answers every tag parameter with a release."""

    def __init__(self, tag: str) -> None:
        self.tag = tag

    def get_parameter(self, Name: str, **_: Any) -> dict[str, Any]:  # noqa: N803 - boto3's name
        value = EXAMPLE_DIGEST if Name.endswith("/digest") else self.tag
        return {"Parameter": {"Name": Name, "Type": "String", "Value": value}}


def release_for(stack: str) -> str | None:
    """The tag both sides are told is released: none (first deploy) unless the stack
    requires a release (prod), whose first deploy stops by design."""
    return EXAMPLE_RELEASE if load_stack_config(stack).config.require_release else None


def _context_for(stack: str, mode: TagMode, release: str | None) -> dict[str, Any]:
    if mode is not TagMode.LOOKUP or release is None:
        return {}
    settings = load_stack_config(stack)
    naming = settings.config.naming
    context = {
        lookup_context_key(naming.tag_parameter(image), settings.account, settings.region): release
        for image in IMAGES
    }
    if settings.config.promote_from is not None:
        context |= {
            lookup_context_key(
                digest_parameter(naming, image), settings.account, settings.region
            ): EXAMPLE_DIGEST
            for image in IMAGES
        }
    return context


def synthesize_as(stack: str, mode: TagMode, release: str | None) -> Synthesis:
    """Synthesize with the same answer the Pulumi side gets for the tag parameters."""
    overrides = compared_config(stack)
    if mode is TagMode.SYNTH_TIME:
        if release is None:
            return synthesize(stack, mode, offline=True, overrides=overrides)
        client = cast("SSMClient", _ReleasedParameters(release))
        return synthesize(
            stack, mode, ssm_client_factory=lambda _region: client, overrides=overrides
        )
    return synthesize(stack, mode, context=_context_for(stack, mode, release), overrides=overrides)


def evaluate_as(stack: str, release: str | None) -> tuple[Plan, float]:
    invokes = released(release, EXAMPLE_DIGEST) if release is not None else None
    started = time.perf_counter()
    plan = evaluate(stack, invokes=invokes, config=compared_config(stack))
    return plan, time.perf_counter() - started


def pulumi_seconds(stack: str, release: str | None) -> float:
    return evaluate_as(stack, release)[1]


def cdk_seconds(stack: str, mode: TagMode, release: str | None) -> float:
    return synthesize_as(stack, mode, release).seconds


def side_command(side: str, stack: str, mode: str) -> list[str]:
    """The command that runs one side once in a fresh process (this module's ``main``)."""
    return [sys.executable, "-m", "cdk_parity.compare.sides", side, stack, mode]


def main(argv: Sequence[str]) -> int:
    """Run one side once, as the comparison runs it: ``<pulumi|cdk> <stack> <mode>``."""
    if len(argv) != 3 or argv[0] not in SIDES:
        usage = f"usage: python -m cdk_parity.compare.sides <{'|'.join(SIDES)}> <stack> <mode>"
        print(usage, file=sys.stderr)
        return 2
    side, stack, mode = argv
    release = release_for(stack)
    if side == "pulumi":
        evaluate_as(stack, release)
    else:
        synthesize_as(stack, TagMode.parse(mode), release)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
