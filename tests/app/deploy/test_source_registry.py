"""``SourceRegistry.wait_present`` on a clock the test moves: the polls, the progress
lines and the timeout, without timing anything (the end-to-end tests in
test_e2e_promote_safety.py check the same wait through the real CLI and ECR's answers)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from app.deploy.exceptions import DigestNotPresentError
from app.deploy.retry import RetryPolicy
from app.deploy.signals import Interrupts
from app.deploy.source_registry import PresencePolicy, SourceRegistry

DIGEST = "sha256:" + "ab" * 32
IMAGE: Any = SimpleNamespace(
    repository_name="demo-dev-lambda",
    repository_url="111122223333.dkr.ecr.ap-northeast-1.amazonaws.com/demo-dev-lambda",
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class TickingInterrupts(Interrupts):
    """No signal ever arrives; a wait moves the test's clock instead of sleeping."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock
        self.waits: list[float] = []

    def wait(self, seconds: float) -> bool:
        self.waits.append(round(seconds, 4))
        self.clock.now += seconds
        return False


class Registry(SourceRegistry):
    """The digest is absent for the first ``absent`` looks (None: never there)."""

    def __init__(self, absent: int | None, clock: Clock, lines: list[str]) -> None:
        self.ticks = TickingInterrupts(clock)
        super().__init__(
            lambda: None,  # type: ignore[arg-type,return-value]
            stage="dev",
            reader_role="arn:aws:iam::111122223333:role/demo-dev-promotion-reader",
            retry=RetryPolicy(),
            progress=lambda name, text: lines.append(f"[{name}] {text}"),
            interrupts=self.ticks,
        )
        self.absent = absent
        self.looks = 0

    def present(self, image: Any, digest: str) -> bool:
        self.looks += 1
        return self.absent is not None and self.looks > self.absent


def test_a_late_digest_is_polled_with_growing_delays_and_progress_every_few_seconds() -> None:
    clock, lines = Clock(), list[str]()
    registry = Registry(absent=8, clock=clock, lines=lines)

    registry.wait_present(IMAGE, DIGEST, PresencePolicy(timeout=60, clock=clock))

    assert registry.looks == 9
    # 0.25 s growing by half, up to 5 s.
    assert registry.ticks.waits == [0.25, 0.375, 0.5625, 0.8438, 1.2656, 1.8984, 2.8477, 4.2715]
    assert lines == [
        f"[demo-dev-lambda] waiting for {DIGEST} to be readable (0s of 60s)",
        # 5.2 s waited by the sixth look: a line at most every 5 s.
        f"[demo-dev-lambda] waiting for {DIGEST} to be readable (5s of 60s)",
        f"[demo-dev-lambda] {DIGEST} is readable",
    ]


def test_a_digest_that_never_comes_times_out_at_the_limit_and_says_what_to_do() -> None:
    clock, lines = Clock(), list[str]()
    registry = Registry(absent=None, clock=clock, lines=lines)

    with pytest.raises(DigestNotPresentError) as raised:
        registry.wait_present(IMAGE, DIGEST, PresencePolicy(timeout=1, clock=clock))

    # Looks at 0, 0.25, 0.625 and 1.0 s: the last wait is cut to the time left.
    assert registry.looks == 4
    assert registry.ticks.waits == [0.25, 0.375, 0.375]
    assert str(raised.value) == (
        f"{IMAGE.repository_url}@{DIGEST} was not readable after 1s (--replication-wait); "
        "nothing was changed. Promote again once it is"
    )


def test_a_zero_wait_looks_once() -> None:
    clock, lines = Clock(), list[str]()
    registry = Registry(absent=None, clock=clock, lines=lines)

    with pytest.raises(DigestNotPresentError):
        registry.wait_present(IMAGE, DIGEST, PresencePolicy(timeout=0, clock=clock))

    assert registry.looks == 1
    assert lines == []


@pytest.mark.parametrize(
    ("region", "suffix", "partition"),
    [
        ("ap-northeast-1", "amazonaws.com", "aws"),
        ("cn-north-1", "amazonaws.com.cn", "aws-cn"),
        ("us-gov-west-1", "amazonaws.com", "aws-us-gov"),
    ],
)
def test_the_repository_arn_in_a_refusal_is_in_the_regions_partition(
    region: str, suffix: str, partition: str
) -> None:
    """IAM names the repository by ARN; its partition follows from the Region's name."""
    from app.deploy.plan import TagSource
    from app.deploy.source_registry import _repository_arn

    url = f"111122223333.dkr.ecr.{region}.{suffix}/demo-dev-lambda"
    step = TagSource("demo-dev-lambda", url, "promoted-prod-abc1234", "sha256:" + "a" * 64)
    assert _repository_arn(step) == (
        f"arn:{partition}:ecr:{region}:111122223333:repository/demo-dev-lambda"
    )
