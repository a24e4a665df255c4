"""Tag resolution rules, first on the resolver alone, then through the real program."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from infra_pulumi.exceptions import (
    InvalidTagError,
    LiveTargetLookupError,
    RegressionError,
    ReleaseRequiredError,
    TagLookupError,
)
from infra_pulumi.image_tags import LiveTarget, TagQuery, image_tag, resolve_image_tag
from infra_pulumi.plan import provider_facts as facts
from infra_pulumi.plan.mocks import (
    ECR_GET_IMAGE,
    LAMBDA_GET_FUNCTION,
    RELEASED_DIGEST,
    SSM_GET_PARAMETER,
    failing,
    function_image,
    function_without_alias,
    image_not_found,
    image_tags,
    parameter_value,
    provider_error,
    released,
)
from tests.infra.conftest import (
    LAMBDA_TAG_PARAMETER,
    RunProgram,
    raw_engine_error,
)
from tests.infra.test_engine_errors import (
    ACCESS_DENIED,
    CURRENT_NOT_FOUND,
    LEGACY_NOT_FOUND,
    NETWORK,
    REGION,
    THROTTLED,
)

PARAM = "/p/s/images/lambda/tag"
REPO = "123456789012.dkr.ecr.us-east-1.amazonaws.com/p-s-lambda"


def reader(value: str | None = None, error: str | None = None) -> Callable[[str], str]:
    def read(name: str) -> str:
        assert name == PARAM
        if error is not None:
            raise Exception(error)
        assert value is not None
        return value

    return read


def target(image: str | None) -> LiveTarget:
    return LiveTarget(description="Lambda function p-s-api", read_image=lambda: image)


# --- The resolver on its own ------------------------------------------------------


@pytest.mark.parametrize("value", ["abc1234", "0" * 40, "deadbeefcafe", "initial"])
def test_valid_values_are_used(value: str) -> None:
    resolved = resolve_image_tag(TagQuery("lambda", PARAM), read=reader(value))
    assert (resolved.tag, resolved.source) == (value, "parameter")


@pytest.mark.parametrize(
    "value",
    [
        "latest",
        "",
        " ",
        "abc123",
        "0" * 41,
        "ABC1234",
        "abc1234 ",
        "initial\n",
        "v1.2.3",
        "abcdefg",
    ],
)
def test_malformed_values_fail_clearly(value: str) -> None:
    with pytest.raises(InvalidTagError, match=f"{PARAM} holds") as info:
        resolve_image_tag(TagQuery("lambda", PARAM), read=reader(value))
    assert info.value.value == value


@pytest.mark.parametrize("text", [CURRENT_NOT_FOUND, LEGACY_NOT_FOUND], ids=["current", "legacy"])
def test_not_found_falls_back_to_placeholder(text: str) -> None:
    resolved = resolve_image_tag(TagQuery("lambda", PARAM), read=reader(error=text))
    assert (resolved.tag, resolved.source) == ("initial", "placeholder")


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        (ACCESS_DENIED, "AccessDeniedException"),
        (THROTTLED, "ThrottlingException"),
        (NETWORK, "no such host"),
        (REGION, "invalid AWS Region"),
    ],
    ids=["access-denied", "throttled", "network", "region"],
)
def test_other_failures_never_fall_back(text: str, cause: str) -> None:
    with pytest.raises(TagLookupError, match=cause) as info:
        resolve_image_tag(TagQuery("lambda", PARAM), read=reader(error=text))
    assert info.value.parameter == PARAM
    assert "Not falling back" in str(info.value)


def test_a_bug_in_the_reader_is_not_taken_for_not_found() -> None:
    def broken(name: str) -> str:
        raise KeyError("couldn't find resource")

    with pytest.raises(TagLookupError):
        resolve_image_tag(TagQuery("lambda", PARAM), read=broken)


def test_required_release_makes_not_found_an_error() -> None:
    query = TagQuery("lambda", PARAM, require_release=True)
    with pytest.raises(ReleaseRequiredError, match="requireRelease: true"):
        resolve_image_tag(query, read=reader(error=CURRENT_NOT_FOUND))
    # ...but a present parameter is fine.
    assert resolve_image_tag(query, read=reader("abc1234")).tag == "abc1234"


@pytest.mark.parametrize(
    "running", [f"{REPO}:abc1234", f"{REPO}@sha256:{'a' * 64}", f"{REPO}"], ids=str.__len__
)
def test_missing_parameter_with_a_released_target_is_a_regression(running: str) -> None:
    query = TagQuery("lambda", PARAM, live_targets=[target(None), target(running)])
    with pytest.raises(RegressionError, match="roll it back") as info:
        # A digest that ECR says carries a commit tag is a release.
        resolve_image_tag(
            query, read=reader(error=CURRENT_NOT_FOUND), digest_tags=lambda _: ["abc1234"]
        )
    assert info.value.running_image == running
    assert "p-s-api" in str(info.value)


def test_placeholder_value_with_a_released_target_is_a_regression() -> None:
    # The parameter exists but records no release: e.g. the release step failed after
    # an ECS deployment, or someone reset it by hand.
    query = TagQuery("lambda", PARAM, live_targets=[target(f"{REPO}:abc1234")])
    with pytest.raises(RegressionError, match="holds the placeholder tag"):
        resolve_image_tag(query, read=reader("initial"))


DIGEST = f"{REPO}@sha256:{'b' * 64}"


@pytest.mark.parametrize(
    "tags",
    [["initial"], [], None],
    ids=["placeholder", "untagged-old-placeholder", "expired"],
)
@pytest.mark.parametrize("parameter", ["missing", "initial"])
def test_digest_pinned_placeholder_is_not_a_release(tags: list[str] | None, parameter: str) -> None:
    seen: list[str] = []

    def digest_tags(image: str) -> list[str] | None:
        seen.append(image)
        return tags

    query = TagQuery("lambda", PARAM, live_targets=[target(DIGEST)])
    read = reader(error=CURRENT_NOT_FOUND) if parameter == "missing" else reader("initial")
    resolved = resolve_image_tag(query, read=read, digest_tags=digest_tags)
    assert resolved.tag == "initial"
    assert seen == [DIGEST]


def test_digest_lookup_failure_stops_the_program_not_the_guard() -> None:
    def denied(image: str) -> list[str] | None:
        raise LiveTargetLookupError(f"ECR image {image}", "AccessDeniedException")

    query = TagQuery("lambda", PARAM, live_targets=[target(DIGEST)])
    with pytest.raises(LiveTargetLookupError, match="AccessDeniedException"):
        resolve_image_tag(query, read=reader(error=CURRENT_NOT_FOUND), digest_tags=denied)


def test_placeholder_value_with_targets_on_the_placeholder_is_fine() -> None:
    query = TagQuery("lambda", PARAM, live_targets=[target(f"{REPO}:initial"), target(None)])
    resolved = resolve_image_tag(query, read=reader("initial"))
    assert (resolved.tag, resolved.source) == ("initial", "parameter")


def test_missing_parameter_with_targets_on_the_placeholder_falls_back() -> None:
    query = TagQuery("lambda", PARAM, live_targets=[target(f"{REPO}:initial"), target(None)])
    assert resolve_image_tag(query, read=reader(error=CURRENT_NOT_FOUND)).source == "placeholder"


@pytest.mark.parametrize(
    ("uri", "tag"),
    [
        (f"{REPO}:abc1234", "abc1234"),
        (f"{REPO}:initial", "initial"),
        (f"{REPO}@sha256:{'0' * 64}", None),
        (REPO, None),
        ("localhost:5000/repo", None),
        ("localhost:5000/repo:abc1234", "abc1234"),
    ],
)
def test_image_tag(uri: str, tag: str | None) -> None:
    assert image_tag(uri) == tag


# --- Through the program, with the engine's real invoke error path ----------------


def test_first_deploy_uses_placeholder_and_warns(run_program: RunProgram) -> None:
    plan = run_program()
    assert plan.resolved_tags["lambda"] == {"tag": "initial", "source": "placeholder"}
    assert any(LAMBDA_TAG_PARAMETER in w and "placeholder" in w for w in plan.warnings)
    digest = plan.named("lambda-placeholder-image").outputs["repoDigest"]
    for function in plan.of_type("aws:lambda/function:Function"):
        # The pushed placeholder by digest: a changed placeholder changes this input.
        assert function.inputs["imageUri"] == digest, function.urn


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "up"])
def test_released_tag_is_deployed_in_preview_and_up(run_program: RunProgram, preview: bool) -> None:
    plan = run_program(invokes=released("abc1234"), preview=preview)
    assert plan.resolved_tags["lambda"] == {"tag": "abc1234", "source": "parameter"}
    assert plan.warnings == []
    images = {f.inputs["imageUri"] for f in plan.of_type("aws:lambda/function:Function")}
    assert images == {
        "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/container-delivery-dev-lambda:abc1234"
    }
    assert (SSM_GET_PARAMETER, {"name": LAMBDA_TAG_PARAMETER}) in plan.invokes


def test_legacy_not_found_text_also_falls_back(run_program: RunProgram) -> None:
    def legacy(args: Any) -> Any:
        text = facts.SSM_GET_PARAMETER.legacy_not_found[0].format(**args)
        raise provider_error(SSM_GET_PARAMETER, text)

    plan = run_program(invokes={SSM_GET_PARAMETER: legacy})
    assert plan.resolved_tags["lambda"]["source"] == "placeholder"


@pytest.mark.parametrize(
    "handler",
    [
        failing(SSM_GET_PARAMETER, "AccessDeniedException"),
        failing(SSM_GET_PARAMETER, "ThrottlingException"),
        raw_engine_error("transport is closing"),
        lambda args: ({}, [("name", "expected a string")]),
    ],
    ids=["access-denied", "throttled", "engine-transport", "check-failure"],
)
def test_program_fails_on_other_lookup_errors(run_program: RunProgram, handler: object) -> None:
    with pytest.raises(TagLookupError, match=LAMBDA_TAG_PARAMETER):
        run_program(invokes={SSM_GET_PARAMETER: handler})


def test_program_rejects_latest(run_program: RunProgram) -> None:
    with pytest.raises(InvalidTagError, match="'latest'"):
        run_program(invokes={SSM_GET_PARAMETER: parameter_value("latest")})


def test_program_refuses_to_roll_back_a_released_function(run_program: RunProgram) -> None:
    running = (
        "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/container-delivery-dev-lambda:abc1234"
    )
    with pytest.raises(RegressionError, match="container-delivery-dev-nightly-report"):
        run_program(invokes={LAMBDA_GET_FUNCTION: function_image(running)})


PLACEHOLDER_DIGEST = (
    "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/container-delivery-dev-lambda"
    f"@sha256:{'c' * 64}"
)


@pytest.mark.parametrize(
    ("ecr", "regression"),
    [
        (image_tags("initial"), False),
        (image_tags(), False),
        (image_not_found, False),
        (image_tags("abc1234"), True),
    ],
    ids=["placeholder", "untagged", "expired", "released"],
)
def test_program_reads_a_digest_pinned_function_through_ecr(
    run_program: RunProgram, ecr: object, regression: bool
) -> None:
    invokes = {LAMBDA_GET_FUNCTION: function_image(PLACEHOLDER_DIGEST), ECR_GET_IMAGE: ecr}
    if regression:
        with pytest.raises(RegressionError, match="container-delivery-dev-nightly-report"):
            run_program(invokes=invokes)
        return
    plan = run_program(invokes=invokes)
    assert plan.resolved_tags["lambda"] == {"tag": "initial", "source": "placeholder"}
    (_token, args) = next(c for c in plan.invokes if c[0] == ECR_GET_IMAGE)
    assert args == {
        "registryId": "123456789012",
        "repositoryName": "container-delivery-dev-lambda",
        "imageDigest": f"sha256:{'c' * 64}",
    }


def test_program_fails_if_a_digest_cannot_be_looked_up(run_program: RunProgram) -> None:
    denied = failing(ECR_GET_IMAGE, "AccessDeniedException")
    invokes = {LAMBDA_GET_FUNCTION: function_image(PLACEHOLDER_DIGEST), ECR_GET_IMAGE: denied}
    with pytest.raises(LiveTargetLookupError, match="AccessDeniedException"):
        run_program(invokes=invokes)


def test_program_fails_if_the_live_function_cannot_be_read(run_program: RunProgram) -> None:
    denied = failing(LAMBDA_GET_FUNCTION, "AccessDeniedException")
    with pytest.raises(LiveTargetLookupError, match="container-delivery-dev-nightly-report"):
        run_program(invokes={LAMBDA_GET_FUNCTION: denied})


def test_production_stack_requires_a_release(run_program: RunProgram) -> None:
    with pytest.raises(ReleaseRequiredError, match=LAMBDA_TAG_PARAMETER.replace("dev", "prod")):
        run_program(stack="prod")
    # prod is a promoted stage: a release there is a promotion, tag and digest together.
    plan = run_program(stack="prod", invokes=released("abc1234"))
    assert plan.resolved_tags["lambda"] == {
        "tag": "abc1234",
        "source": "promoted",
        "digest": RELEASED_DIGEST,
    }


RELEASED = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/container-delivery-dev-lambda:abc1234"


def test_the_guard_reads_what_the_alias_serves_not_latest(run_program: RunProgram) -> None:
    """$LATEST on the placeholder (a pulumi up put it there) while the alias still serves a
    release: the alias is what invokers get, so going back to the placeholder is refused."""
    invokes = {
        LAMBDA_GET_FUNCTION: function_image(RELEASED, latest=PLACEHOLDER_DIGEST),
        ECR_GET_IMAGE: image_tags("initial"),
    }
    with pytest.raises(RegressionError, match=r"nightly-report \(alias live\)"):
        run_program(invokes=invokes)


def test_an_alias_on_the_placeholder_is_not_a_release_whatever_latest_runs(
    run_program: RunProgram,
) -> None:
    """$LATEST holds a release not shifted yet; the alias serves the placeholder: fine."""
    invokes = {
        LAMBDA_GET_FUNCTION: function_image(PLACEHOLDER_DIGEST, latest=RELEASED),
        ECR_GET_IMAGE: image_tags("initial"),
    }
    plan = run_program(invokes=invokes)
    assert plan.resolved_tags["lambda"] == {"tag": "initial", "source": "placeholder"}
    reads = [args for token, args in plan.invokes if token == LAMBDA_GET_FUNCTION]
    assert reads
    assert all(args.get("qualifier") == "live" for args in reads), reads


def test_a_function_from_before_the_alias_is_read_through_latest(run_program: RunProgram) -> None:
    """A stack deployed before aliases existed: the function runs a release on $LATEST."""
    with pytest.raises(RegressionError, match="nightly-report"):
        run_program(invokes={LAMBDA_GET_FUNCTION: function_without_alias(RELEASED)})


def test_the_alias_read_fails_loudly_on_other_errors(run_program: RunProgram) -> None:
    denied = failing(LAMBDA_GET_FUNCTION, "AccessDeniedException")
    with pytest.raises(LiveTargetLookupError, match=r"alias live.*AccessDeniedException"):
        run_program(invokes={LAMBDA_GET_FUNCTION: denied})
