"""The guardrails pack, running as Pulumi's policy host runs it, and resources built for a test.

One pack process per test worker; each check sends the policy config (Configure) and a
small plan of resources (Analyze each, then AnalyzeStack) through the engine's protocol.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pulumi_aws  # noqa: F401 - registers the resource modules that say which types take tags
import pytest

from infra_pulumi.plan.policy_run import PackSession, Violation, session
from infra_pulumi.plan.runner import PROJECT_ROOT, Plan, PlannedResource

POLICY_DIR = PROJECT_ROOT / "policy"
PROJECT = "shop"
STACK = "test"
ROOT = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
#: The provider config a test stack has: the region and the project's tags.
CONFIG = {
    "aws:region": "eu-west-1",
    "aws:defaultTags": json.dumps({"tags": {"project": PROJECT, "stack": STACK}}),
}
ACCOUNT = "111122223333"
REGISTRY = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com"

Check = Callable[..., list[Violation]]


def resource(
    typ: str, name: str, inputs: dict[str, Any], outputs: dict[str, Any] | None = None
) -> PlannedResource:
    """A custom resource as the plan records it; outputs default to the inputs."""
    return PlannedResource(
        urn=f"urn:pulumi:{STACK}::{PROJECT}::{typ}::{name}",
        type=typ,
        name=name,
        custom=True,
        parent=ROOT,
        inputs=inputs,
        outputs={**inputs, **(outputs or {})},
        dependencies=(),
        ignore_changes=(),
    )


def document(*statements: Mapping[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [dict(s) for s in statements]})


def of(violations: list[Violation], rule: str) -> list[Violation]:
    return [v for v in violations if v.policy == rule]


@pytest.fixture(scope="session")
def pack() -> Iterator[PackSession]:
    with session(POLICY_DIR, PROJECT, STACK, CONFIG) as running:
        yield running


@pytest.fixture
def check(pack: PackSession) -> Check:
    """Violations of the pack for these resources, under this policy config."""

    def run(
        *resources: PlannedResource, policy_config: dict[str, Any] | None = None
    ) -> list[Violation]:
        pack.configure(policy_config or {})
        plan = Plan(project=PROJECT, stack=STACK, resources=list(resources))
        return pack.analyze(plan, CONFIG).violations

    return run
