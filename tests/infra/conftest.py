"""Fixtures for the infra program's tests: run it under Pulumi's mocks, inspect the plan."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from infra_pulumi.plan import Plan, PlannedResource, evaluate
from infra_pulumi.plan.mocks import (
    EngineError,
    InvokeHandler,
)

LAMBDA_TAG_PARAMETER = "/container-delivery/dev/images/lambda/tag"
WEB_TAG_PARAMETER = "/container-delivery/dev/images/web/tag"

RunProgram = Callable[..., Plan]


@pytest.fixture
def run_program() -> RunProgram:
    """Run the real program (runpy on infra_pulumi/, as Pulumi does) for the dev stack."""

    def run(
        *,
        stack: str = "dev",
        config: dict[str, Any] | None = None,
        invokes: dict[str, InvokeHandler] | None = None,
        preview: bool = True,
    ) -> Plan:
        return evaluate(stack, config=config, invokes=invokes, preview=preview)

    return run


@pytest.fixture(scope="session")
def first_deploy_plan() -> Plan:
    """The dev stack's first deploy: no parameter, no function exists yet."""
    return evaluate("dev")


def raw_engine_error(details: str) -> InvokeHandler:
    def handler(args: Any) -> dict[str, Any]:
        raise EngineError(details)

    return handler


def policy(resource: PlannedResource, key: str = "policy") -> dict[str, Any]:
    value = resource.inputs[key]
    document: dict[str, Any] = json.loads(value) if isinstance(value, str) else value
    return document


def strings(value: Any) -> Iterator[str]:
    """Every string inside a nested input value, JSON documents included."""
    if isinstance(value, str):
        yield value
        if value.startswith(("{", "[")):
            with contextlib.suppress(json.JSONDecodeError):
                yield from strings(json.loads(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@pytest.fixture(scope="session")
def prod_plan() -> Plan:
    """The production example stack, with pipelines and the GitHub preview role, after a
    first release (it requires one)."""
    from infra_pulumi.plan.mocks import released

    return evaluate("prod", invokes=released("abc1234"))


@pytest.fixture(scope="session")
def build_stage_plan() -> Plan:
    """dev, a build stage, with prod's pipelines, GitHub preview role and customer key, after
    a release: the app pipeline as a build stage has it (prod is a promoted stage)."""
    import yaml

    from infra_pulumi.plan.mocks import released
    from infra_pulumi.plan.runner import PROJECT_ROOT

    prod = yaml.safe_load((PROJECT_ROOT / "Pulumi.prod.yaml").read_text())["config"]
    config = {
        key: prod[f"container-delivery:{key}"]
        for key in ("pipelines", "githubPreview", "createKmsKey", "requireRelease")
    }
    return evaluate("dev", config=config, invokes=released("abc1234"))


@pytest.fixture(scope="session")
def prod_build_stage_plan() -> Plan:
    """prod's stack file without promoteFrom: prod's settings as a build stage would have
    them (its own app pipeline and app build), after a release."""
    from infra_pulumi.plan.mocks import released
    from infra_pulumi.plan.runner import stack_config

    config = {
        key: value
        for key, value in stack_config("prod").items()
        if key != "container-delivery:promoteFrom"
    }
    return evaluate("prod", config=config, invokes=released("abc1234"), use_stack_file=False)
