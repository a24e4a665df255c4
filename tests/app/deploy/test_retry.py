"""RetryPolicy: which AWS errors are retried, how often, and with what pauses."""

import pytest

from app.deploy.retry import RetryPolicy, describe_error, error_code

from .fakes import client_error


class Flaky:
    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


@pytest.mark.parametrize(
    "code",
    [
        "ResourceConflictException",
        "ThrottlingException",
        "TooManyRequestsException",
        "TooManyUpdates",
    ],
)
def test_retryable_codes_are_retried(code):
    sleeps: list[float] = []
    flaky = Flaky(client_error(code, "Op"), client_error(code, "Op"))

    assert RetryPolicy(sleep=sleeps.append).call(flaky) == "done"
    assert flaky.calls == 3
    assert len(sleeps) == 2


def test_other_codes_are_raised_at_once():
    flaky = Flaky(client_error("AccessDeniedException", "Op"))

    with pytest.raises(Exception, match="AccessDeniedException") as raised:
        RetryPolicy(sleep=lambda s: None).call(flaky)

    assert error_code(raised.value) == "AccessDeniedException"
    assert flaky.calls == 1


def test_matches_the_code_not_the_message():
    flaky = Flaky(client_error("ValidationException", "Op", "Rate exceeded, ResourceConflict"))

    with pytest.raises(Exception, match="ValidationException"):
        RetryPolicy(sleep=lambda s: None).call(flaky)


def test_gives_up_after_max_attempts():
    flaky = Flaky(*[client_error("ThrottlingException", "Op")] * 10)
    retries = []

    with pytest.raises(Exception, match="ThrottlingException"):
        RetryPolicy(max_attempts=4, sleep=lambda s: None).call(
            flaky, on_retry=lambda attempt, code: retries.append((attempt, code))
        )

    assert flaky.calls == 4
    assert retries == [
        (1, "ThrottlingException"),
        (2, "ThrottlingException"),
        (3, "ThrottlingException"),
    ]


def test_backoff_grows_exponentially_and_is_capped():
    policy = RetryPolicy(base_delay=0.5, max_delay=3.0)

    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (9, 3.0)]:
        delays = [policy.delay(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays), (attempt, delays)


def test_describe_error():
    assert describe_error(client_error("Code", "Op", "text")) == "Code: text"
    assert describe_error(ValueError("plain")) == "plain"
    assert describe_error(KeyboardInterrupt()) == "KeyboardInterrupt"
