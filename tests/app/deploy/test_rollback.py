"""rollback: the previous recorded tag, from the tag parameter's history."""

import json

import pytest

from app.deploy.exceptions import (
    InvalidTargetError,
    LockHeldError,
    NoPreviousTagError,
    ReleaseFailedError,
)
from app.deploy.lock import LockPolicy

from .fakes import NEW, NEWER, OLD, FaultyClient, fail_when


def test_rollback_releases_the_previous_value(released, make_releaser):
    make_releaser().release("lambda", NEW, imagedefinitions=None)

    result = make_releaser().rollback("lambda", imagedefinitions=None)

    assert (result.tag, result.previous_tag) == (OLD, NEW)
    assert released.state("lambda") == {
        "tag": OLD,
        "functions": {fn: released.uri("lambda", OLD) for fn in released.functions("lambda")},
    }


def test_a_second_rollback_returns_to_the_most_recent_other_value(released, make_releaser):
    make_releaser().release("lambda", NEW, imagedefinitions=None)
    make_releaser().rollback("lambda", imagedefinitions=None)

    result = make_releaser().rollback("lambda", imagedefinitions=None)

    assert result.tag == NEW
    assert released.recorded_tag("lambda") == NEW


def test_rollback_skips_a_release_that_was_undone(released, make_releaser):
    make_releaser().release("lambda", NEW, imagedefinitions=None)
    released.push("lambda", NEWER)
    failing = released.functions("lambda")[0]
    lambda_ = FaultyClient(
        released.lambda_,
        update_function_code=fail_when(
            lambda kw: kw["FunctionName"] == failing, "ServiceException", "UpdateFunctionCode"
        ),
    )
    with pytest.raises(ReleaseFailedError):
        make_releaser(lambda_=lambda_).release("lambda", NEWER, imagedefinitions=None)
    # History now reads: initial, OLD, NEW, NEWER (undone), NEW.
    assert [v["Value"] for v in released.history("lambda")][-2:] == [NEWER, NEW]

    assert make_releaser().previous_tag("lambda") == OLD


def test_rollback_refuses_the_placeholder(stack, make_releaser):
    stack.add_image("lambda", functions=2)
    stack.push("lambda", NEW)
    make_releaser().release("lambda", NEW, imagedefinitions=None)
    before = stack.state("lambda")

    with pytest.raises(NoPreviousTagError, match=r"is the placeholder 'initial'; refusing") as e:
        make_releaser().rollback("lambda", imagedefinitions=None)

    assert e.value.exit_code == 2
    assert stack.state("lambda") == before


def test_rollback_with_no_history_has_nothing_to_do(stack, make_releaser):
    stack.add_image("lambda", functions=1)

    with pytest.raises(NoPreviousTagError, match=r"no earlier value than 'initial'"):
        make_releaser().rollback("lambda", imagedefinitions=None)


def test_rollback_reads_every_page_of_history(released, make_releaser):
    parameter = released.images["lambda"]["tagParameter"]
    # 60 more versions: more than one page of get_parameter_history (50).
    for _ in range(30):
        released.ssm.put_parameter(Name=parameter, Value=NEW, Type="String", Overwrite=True)
        released.ssm.put_parameter(Name=parameter, Value=OLD, Type="String", Overwrite=True)
    released.ssm.put_parameter(Name=parameter, Value=NEWER, Type="String", Overwrite=True)

    assert make_releaser().previous_tag("lambda") == OLD


# -- failed releases are recorded beside the parameter, never as labels (issue 11.3/11.4) -


def tag_parameter(stack):
    return stack.images["lambda"]["tagParameter"]


def fail_one_release(stack, make_releaser, tag):
    failing = stack.functions("lambda")[0]
    lambda_ = FaultyClient(
        stack.lambda_,
        update_function_code=fail_when(
            lambda kw: kw["FunctionName"] == failing and kw["ImageUri"].endswith(tag),
            "ServiceException",
            "UpdateFunctionCode",
        ),
    )
    with pytest.raises(ReleaseFailedError):
        make_releaser(lambda_=lambda_).release("lambda", tag, imagedefinitions=None)


def test_a_failed_release_never_blocks_the_parameter(released, make_releaser):
    """SSM refuses a 101st version while the oldest is labelled: no label, no limit."""
    fail_one_release(released, make_releaser, NEW)
    # Enough later writes that the failed version becomes the oldest and then goes.
    for i in range(100):
        released.ssm.put_parameter(
            Name=tag_parameter(released), Value=[OLD, NEWER][i % 2], Type="String", Overwrite=True
        )
    released.push("lambda", NEWER)

    make_releaser().release("lambda", NEW, imagedefinitions=None)
    result = make_releaser().rollback("lambda", imagedefinitions=None)

    assert result.tag == NEWER
    assert all(not v.get("Labels") for v in released.history("lambda"))


def label_legacy(stack, version):
    stack.ssm.label_parameter_version(
        Name=tag_parameter(stack), ParameterVersion=version, Labels=[f"release-failed-v{version}"]
    )


def test_labels_of_earlier_tool_versions_are_skipped_and_migrated(released, make_releaser):
    # History as an earlier version of the tool left it: initial, OLD, NEWER, NEW (its
    # release failed and was labelled), NEWER (restored).
    released.push("lambda", NEWER)
    for value in (NEWER, NEW, NEWER):
        released.ssm.put_parameter(
            Name=tag_parameter(released), Value=value, Type="String", Overwrite=True
        )
    for fn in released.functions("lambda"):
        released.set_function_image(fn, released.uri("lambda", NEWER))
    label_legacy(released, 4)

    result = make_releaser().rollback("lambda", imagedefinitions=None)

    assert result.tag == OLD
    assert released.failed_record("lambda") == {4: NEW}
    assert all(not v.get("Labels") for v in released.history("lambda"))


def test_a_labelled_oldest_version_at_the_limit_is_migrated_and_the_release_goes_on(
    released, make_releaser
):
    label_legacy(released, 1)  # "initial", oldest, labelled by an earlier tool version
    for i in range(98):  # 100 versions in all
        released.ssm.put_parameter(
            Name=tag_parameter(released), Value=[NEW, OLD][i % 2], Type="String", Overwrite=True
        )
    assert len(released.history("lambda")) == 100

    result = make_releaser().release("lambda", NEW, imagedefinitions=None)

    assert result.parameter_changed
    assert released.recorded_tag("lambda") == NEW
    assert all(not v.get("Labels") for v in released.history("lambda"))


def test_a_label_this_tool_did_not_set_is_named_not_removed(released, make_releaser):
    released.ssm.label_parameter_version(
        Name=tag_parameter(released), ParameterVersion=1, Labels=["prod-approved"]
    )
    for i in range(98):
        released.ssm.put_parameter(
            Name=tag_parameter(released), Value=[NEW, OLD][i % 2], Type="String", Overwrite=True
        )
    before = released.state("lambda")

    with pytest.raises(ReleaseFailedError, match=r"carries labels this tool did not set"):
        make_releaser().release("lambda", NEW, imagedefinitions=None)

    assert released.state("lambda") == before
    assert released.history("lambda")[0]["Labels"] == ["prod-approved"]


def test_an_unreadable_record_is_refused_not_ignored(released, make_releaser):
    make_releaser().release("lambda", NEW, imagedefinitions=None)
    folder = tag_parameter(released).rsplit("/", 1)[0]
    released.ssm.put_parameter(Name=f"{folder}/failed-releases", Value="{}", Type="String")

    with pytest.raises(InvalidTargetError, match=r"failed-releases is unreadable") as e:
        make_releaser().rollback("lambda", imagedefinitions=None)

    assert e.value.exit_code == 2
    assert released.recorded_tag("lambda") == NEW


def test_the_record_stays_within_a_standard_parameter(stack):
    """100 failed versions of 40-character tags still fit in 4096 characters."""
    from app.deploy.records import FailureRecords
    from app.deploy.retry import RetryPolicy

    name = "/demo/test/images/big/tag"
    for i in range(100):
        stack.ssm.put_parameter(Name=name, Value=f"{i:040x}", Type="String", Overwrite=True)
    records = FailureRecords(
        stack.ssm,
        tag_parameter=name,
        record_parameter="/demo/test/images/big/failed-releases",
        retry=RetryPolicy(),
        missing_tag_parameter=lambda: AssertionError("missing"),
        progress=lambda target, message: None,
    )
    history = records.history()

    records.record(history, {v.version for v in history}, {})

    value = stack.ssm.get_parameter(Name="/demo/test/images/big/failed-releases")["Parameter"]
    assert len(value["Value"]) < 4096
    assert len(records.read()) == 100


def test_rollback_repairs_what_a_killed_release_left(released, make_releaser, events):
    """The state a SIGKILL mid-release leaves (test_e2e_safety.py makes it for real):
    the parameter on NEW, two functions moved, two not, and the dead holder's lock."""
    functions = released.functions("lambda")
    released.ssm.put_parameter(
        Name=tag_parameter(released), Value=NEW, Type="String", Overwrite=True
    )
    for fn in functions[:2]:
        released.set_function_image(fn, released.uri("lambda", NEW))
    folder = tag_parameter(released).rsplit("/", 1)[0]
    dead = {
        "schema": 1, "token": "dead", "host": "gone", "pid": 9, "codebuildBuildId": None,
        "command": "release", "image": "lambda",
        "startedAt": "2020-01-01T00:00:00Z", "expiresAt": "2020-01-01T01:00:00Z",
    }  # fmt: skip
    released.ssm.put_parameter(Name=f"{folder}/release-lock", Value=json.dumps(dead), Type="String")

    with pytest.raises(LockHeldError, match=r"has expired"):
        make_releaser().rollback("lambda", imagedefinitions=None)
    make_releaser(lock=LockPolicy(break_expired=True)).rollback("lambda", imagedefinitions=None)

    assert released.state("lambda") == {
        "tag": OLD,
        "functions": {fn: released.uri("lambda", OLD) for fn in functions},
    }
    assert any("breaking expired lock" in message for _, message in events)
    assert released.lock_value("lambda") is None
