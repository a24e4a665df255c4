"""rollback: the previous recorded tag, from the tag parameter's history."""

import pytest

from app.deploy.exceptions import NoPreviousTagError, ReleaseFailedError

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
