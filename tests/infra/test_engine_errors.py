"""The one place that reads engine error text: every known shape, and what it is not."""

from __future__ import annotations

import pytest

from infra_pulumi import engine_errors

TOKEN = "aws:ssm/getParameter:getParameter"
PREFIX = f"invoke of {TOKEN} failed: "
BRIDGE = (
    f"invocation of {TOKEN} returned an error: invoking {TOKEN}: 1 error occurred:\n\t* {{}}\n\n"
)

# Today's text, verbatim as the engine delivers it (terraform-provider-aws retry.NotFoundError).
CURRENT_NOT_FOUND = PREFIX + BRIDGE.format("reading SSM Parameter (/x/y): couldn't find resource")
# Older provider versions surfaced the AWS error code.
LEGACY_NOT_FOUND = PREFIX + BRIDGE.format(
    "Error describing SSM parameter (/x/y): ParameterNotFound: \n\tstatus code: 400"
)
LEGACY_FUNCTION_NOT_FOUND = (
    "invoke of aws:lambda/getFunction:getFunction failed: "
    "ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:1:function:f"
)
ACCESS_DENIED = PREFIX + BRIDGE.format(
    "reading SSM Parameter (/x/y): operation error SSM: GetParameter, https response error "
    "StatusCode: 400, RequestID: 7c1, api error AccessDeniedException: User: "
    "arn:aws:sts::123456789012:assumed-role/ci/x is not authorized to perform: "
    "ssm:GetParameter on resource: arn:aws:ssm:us-east-1:123456789012:parameter/x/y"
)
THROTTLED = PREFIX + BRIDGE.format(
    "reading SSM Parameter (/x/y): operation error SSM: GetParameter, exceeded maximum number "
    "of attempts, 25, https response error StatusCode: 400, RequestID: 1, api error "
    "ThrottlingException: Rate exceeded"
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
    "text", [CURRENT_NOT_FOUND, LEGACY_NOT_FOUND, LEGACY_FUNCTION_NOT_FOUND], ids=str.__len__
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
