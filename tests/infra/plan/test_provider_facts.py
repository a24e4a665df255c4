"""The provider truth table against the pulumi-aws SDK, the engine-error classifier and the mocks.

The table (``infra_pulumi/plan/provider_facts.py``) is what terraform-provider-aws says;
these tests check that the program's classifier agrees with it, that the mocks speak
only its texts, and that every invoke the program makes has an entry.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pulumi_aws as aws
import pytest

from infra_pulumi import engine_errors
from infra_pulumi.plan import evaluate
from infra_pulumi.plan import mocks as offline
from infra_pulumi.plan import provider_facts as facts

#: Example arguments per invoke, as the program passes them.
ARGS: dict[str, list[dict[str, Any]]] = {
    facts.SSM_GET_PARAMETER.invoke: [{"name": "/container-delivery/dev/images/lambda/tag"}],
    facts.LAMBDA_GET_FUNCTION.invoke: [
        {"functionName": "container-delivery-dev-api", "qualifier": "live"},
        {"functionName": "container-delivery-dev-api"},
    ],
    facts.ECS_GET_SERVICE.invoke: [
        {
            "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/container-delivery-dev",
            "serviceName": "container-delivery-dev-web",
        }
    ],
    facts.ECS_GET_TASK_DEFINITION.invoke: [
        {"taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7"}
    ],
    facts.ECR_GET_IMAGE.invoke: [
        {
            "registryId": "123456789012",
            "repositoryName": "container-delivery-dev-lambda",
            "imageDigest": "sha256:" + "c" * 64,
        }
    ],
}

#: The SDK's result class of each invoke: the outputs the table lists must be its fields.
#: (Through the invoke functions: importing their modules by name would replace the
#: functions on the lazily loaded package, and break the program run in the same process.)
RESULTS: dict[str, Callable[..., Any]] = {
    facts.SSM_GET_PARAMETER.invoke: aws.ssm.get_parameter,
    facts.LAMBDA_GET_FUNCTION.invoke: aws.lambda_.get_function,
    facts.ECS_GET_SERVICE.invoke: aws.ecs.get_service,
    facts.ECS_GET_TASK_DEFINITION.invoke: aws.ecs.get_task_definition,
    facts.ECR_GET_IMAGE.invoke: aws.ecr.get_image,
    facts.GET_CALLER_IDENTITY.invoke: aws.get_caller_identity,
    facts.GET_REGION.invoke: aws.get_region,
    facts.GET_PARTITION.invoke: aws.get_partition,
    facts.GET_AVAILABILITY_ZONES.invoke: aws.get_availability_zones,
    facts.ECR_GET_AUTHORIZATION_TOKEN.invoke: aws.ecr.get_authorization_token,
}


def engine_text(token: str, provider_text: str) -> Exception:
    """The exception the program sees: the engine's and the bridge's wrapping of a text."""
    details = offline.provider_error(token, provider_text).details()
    return Exception(f"invoke of {token} failed: {details}")


def not_found_cases() -> list[tuple[str, dict[str, Any]]]:
    return [
        (token, args)
        for token, entry in facts.TABLE.items()
        for args in ARGS.get(token, [])
        if entry.branch(args) in entry.not_found
    ]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@pytest.mark.parametrize("token", sorted(RESULTS))
def test_the_outputs_are_the_sdk_results_fields(token: str) -> None:
    function = RESULTS[token]
    result = inspect.signature(function).return_annotation
    if isinstance(result, str):
        result = getattr(inspect.getmodule(function), result.strip("'\""))
    fields = {_camel(p) for p in list(inspect.signature(result.__init__).parameters)[1:]}
    assert set(facts.TABLE[token].outputs) == fields


def test_every_entry_names_its_source_and_each_call_its_arn_shape() -> None:
    for entry in facts.TABLE.values():
        assert entry.source.startswith("internal/service/"), entry.invoke
        for calls in entry.calls.values():
            for call in calls:
                assert call.shape == "*" or call.shape.startswith("arn:<partition>:"), call


@pytest.mark.parametrize(("token", "args"), not_found_cases())
def test_the_classifier_reads_every_not_found_text_as_not_found(
    token: str, args: dict[str, Any]
) -> None:
    text = facts.not_found_text(token, args)
    assert engine_errors.is_not_found(engine_text(token, text)), text


#: findTaskDefinition maps every HTTP 400 to not found, AccessDenied included (see its
#: entry): the program never reads that invoke's not-found as absence, which
#: tests/infra/test_web_service.py checks.
DISTINGUISHABLE = [c for c in not_found_cases() if c[0] != facts.ECS_GET_TASK_DEFINITION.invoke]


@pytest.mark.parametrize(("token", "args"), DISTINGUISHABLE)
@pytest.mark.parametrize("code", ["AccessDeniedException", "ThrottlingException"])
def test_denied_and_throttled_are_never_not_found(
    token: str, args: dict[str, Any], code: str
) -> None:
    handler = offline.failing(token, code)
    with pytest.raises(offline.EngineError) as info:
        handler(args)
    error = Exception(f"invoke of {token} failed: {info.value.details()}")
    assert code in str(error)
    assert not engine_errors.is_not_found(error), str(error)


def test_legacy_not_found_texts_are_still_not_found() -> None:
    for entry in facts.TABLE.values():
        for args in ARGS.get(entry.invoke, []):
            for text in entry.legacy_not_found:
                error = engine_text(entry.invoke, text.format(**args))
                assert engine_errors.is_not_found(error), text


def test_several_matched_is_not_not_found() -> None:
    texts = [(e.invoke, e.several_matched) for e in facts.TABLE.values() if e.several_matched]
    assert texts, "the table records at least ECS's and ECR's several-matched texts"
    for token, text in texts:
        assert not engine_errors.is_not_found(engine_text(token, str(text))), text


def test_the_ecs_service_text_is_the_singular_data_source_one() -> None:
    """The first deploy's web read: the text the real provider gives (and no other)."""
    args = ARGS[facts.ECS_GET_SERVICE.invoke][0]
    assert (
        facts.not_found_text(facts.ECS_GET_SERVICE.invoke, args) == "no matching ECS Service found"
    )


@pytest.mark.parametrize(("token", "args"), not_found_cases())
def test_the_default_mocks_answer_with_the_table_text(token: str, args: dict[str, Any]) -> None:
    mocks = offline.OfflineMocks()
    with pytest.raises(offline.EngineError) as info:
        mocks.invokes[token](args)
    assert facts.not_found_text(token, args, mocks.where) in info.value.details()


HANDLERS: list[tuple[str, offline.InvokeHandler, dict[str, Any]]] = [
    (
        offline.SSM_GET_PARAMETER,
        offline.parameter_value("abc1234"),
        ARGS[offline.SSM_GET_PARAMETER][0],
    ),
    (offline.ECR_GET_IMAGE, offline.image_tags("abc1234"), ARGS[offline.ECR_GET_IMAGE][0]),
    *[
        (offline.LAMBDA_GET_FUNCTION, offline.function_image("repo:abc1234"), args)
        for args in ARGS[offline.LAMBDA_GET_FUNCTION]
    ],
    *[
        (token, handler, ARGS[token][0])
        for token, handler in offline.ecs_service_running("repo:abc1234").items()
    ],
    *[
        (token, handler, {"registryId": "123456789012"} if "Authorization" in token else {})
        for token, handler in offline.OfflineMocks().invokes.items()
        if token.startswith("aws:index/") or "Authorization" in token
    ],
]


@pytest.mark.parametrize(("token", "handler", "args"), HANDLERS, ids=lambda v: str(v)[:40])
def test_mock_results_only_use_outputs_the_provider_returns(
    token: str, handler: offline.InvokeHandler, args: dict[str, Any]
) -> None:
    result = handler(args)
    values = result[0] if isinstance(result, tuple) else result
    assert set(values) <= set(facts.TABLE[token].outputs), set(values) - set(
        facts.TABLE[token].outputs
    )


def test_every_invoke_the_program_makes_has_an_entry() -> None:
    """Both stacks, first deploy: the program's full set of invoke tokens is in the table."""
    tokens = {
        token
        for stack, config in (("dev", {}), ("prod", {"requireRelease": "false"}))
        for token, _args in evaluate(stack, config=config).invokes
    }
    assert tokens - set(facts.TABLE) == set()


def test_an_image_in_another_accounts_registry_is_read_on_that_accounts_repository() -> None:
    """A promoted stage reads its build stage's digests with ``registryId`` set to the
    build stage's account: DescribeImages and DescribeRepositories are authorized on that
    account's repository ARN, whatever account the caller is in."""
    args = {
        "registryId": "111122223333",
        "repositoryName": "container-delivery-dev-lambda",
        "imageDigest": "sha256:" + "b" * 64,
    }
    here = facts.Where(region="ap-northeast-1", account="444455556666")
    calls = {c.action: c.resource(args, here) for c in facts.ECR_GET_IMAGE.calls_for(args)}
    expected = "arn:aws:ecr:ap-northeast-1:111122223333:repository/container-delivery-dev-lambda"
    assert calls == {"ecr:DescribeImages": expected, "ecr:DescribeRepositories": expected}


def test_every_invoke_a_promoted_stage_makes_has_an_entry() -> None:
    """prod once promoted: the digest check in the build stage's registry included."""
    tokens = {token for token, _ in evaluate("prod", invokes=offline.released("abc1234")).invokes}
    assert offline.ECR_GET_IMAGE in tokens
    assert tokens - set(facts.TABLE) == set()
