"""The one place that reads engine error text: every known shape, and what it is not."""

from __future__ import annotations

import pytest

from infra_pulumi import engine_errors
from infra_pulumi.plan import provider_facts as facts
from infra_pulumi.plan.mocks import provider_error

TOKEN = facts.SSM_GET_PARAMETER.invoke
PREFIX = f"invoke of {TOKEN} failed: "
SSM_ARGS = {"name": "/x/y"}


def engine_text(token: str, provider_text: str) -> str:
    """What the program's exception says: the SDK's prefix around the engine's details."""
    return f"invoke of {token} failed: {provider_error(token, provider_text).details()}"


def ssm_error(code: str) -> str:
    return engine_text(
        TOKEN,
        facts.aws_error_text(
            facts.SSM_GET_PARAMETER, SSM_ARGS, facts.Where(), service="SSM",
            operation="GetParameter", code=code,
        ),
    )  # fmt: skip


# Every not-found text is the provider truth table's (infra_pulumi/plan/provider_facts.py).
CURRENT_NOT_FOUND = engine_text(TOKEN, facts.not_found_text(TOKEN, SSM_ARGS))
LEGACY_NOT_FOUND = engine_text(
    TOKEN, facts.SSM_GET_PARAMETER.legacy_not_found[0].format(**SSM_ARGS)
)
FUNCTION_NOT_FOUND = engine_text(
    facts.LAMBDA_GET_FUNCTION.invoke,
    facts.not_found_text(facts.LAMBDA_GET_FUNCTION.invoke, {"functionName": "f"}),
)
ACCESS_DENIED = ssm_error("AccessDeniedException")
THROTTLED = ssm_error("ThrottlingException")
BRIDGE = (
    f"invocation of {TOKEN} returned an error: invoking {TOKEN}: 1 error occurred:\n\t* {{}}\n\n"
)
NETWORK = PREFIX + BRIDGE.format(
    "reading SSM Parameter (/x/y): operation error SSM: GetParameter, exceeded maximum number "
    "of attempts, 25, https response error StatusCode: 0, RequestID: , request send failed, "
    'Post "https://ssm.us-east-1.amazonaws.com/": dial tcp: lookup ssm.us-east-1.amazonaws.com: '
    "no such host"
)
REGION = PREFIX + BRIDGE.format("invalid AWS Region: moon-1")
CHECK_FAILURE = PREFIX + "Missing required argument (name)"


@pytest.mark.parametrize(
    "text", [CURRENT_NOT_FOUND, LEGACY_NOT_FOUND, FUNCTION_NOT_FOUND], ids=str.__len__
)
def test_not_found_shapes_are_recognised(text: str) -> None:
    assert engine_errors.is_not_found(Exception(text))


@pytest.mark.parametrize(
    "text",
    [ACCESS_DENIED, THROTTLED, NETWORK, REGION, CHECK_FAILURE],
    ids=["access-denied", "throttled", "network", "region", "check-failure"],
)
def test_other_failures_are_not_not_found(text: str) -> None:
    assert engine_errors.is_invoke_error(Exception(text))
    assert not engine_errors.is_not_found(Exception(text))


def test_only_invoke_errors_can_mean_not_found() -> None:
    # A bug in the program that happens to carry the words must not trigger a fallback.
    assert not engine_errors.is_not_found(KeyError("couldn't find resource"))
    assert not engine_errors.is_not_found(RuntimeError("ParameterNotFound"))


def test_describe_strips_engine_and_bridge_prefixes() -> None:
    assert (
        engine_errors.describe(Exception(CURRENT_NOT_FOUND))
        == "reading SSM Parameter (/x/y): couldn't find resource"
    )
    assert engine_errors.describe(Exception(CHECK_FAILURE)) == "Missing required argument (name)"
    assert engine_errors.describe(ValueError("plain")) == "plain"
