"""``promote`` under real conditions (issue 22): a digest that is late or never there, the
lock, a signal mid-promotion, a lost answer. Real CLI processes, one moto server.

Where a test needs a process at a given point, the fault proxy holds that process's
request until the test has acted (no sleep orders anything); the presence double
(presence_double.py) makes the digest unreadable for a while, or for good.
"""

from __future__ import annotations

import json
import re
import signal
import sys

import pytest

from .fakes import NEW
from .faultproxy import Rule, ecr, lambda_update, lost_answer
from .presence_double import LateDigest, chain

pytestmark = pytest.mark.e2e

PROMOTE = ("promote", "--image", "lambda", "--from", "dev")


def test_a_digest_readable_only_later_is_waited_for_with_progress(
    stages, proxy, codedeploy, deploy
):
    digest = stages.digest("lambda", NEW)
    late = LateDigest(digest, after=1.0)
    proxy.intercept = chain(late, codedeploy)

    run = deploy(*PROMOTE, "--replication-wait", "60")

    assert run.returncode == 0, run.stderr
    assert late.refused >= 1
    assert late.answered == 1  # the first answer that found it ended the wait
    # How many seconds the line says depends on how fast ECR answered: not asserted here
    # (test_source_registry.py checks the wait's arithmetic on a clock the test moves).
    assert re.search(
        rf"\[demo-dev-lambda\] waiting for {digest} to be readable \(\d+s of 60s\)", run.stderr
    ), run.stderr
    assert f"[demo-dev-lambda] {digest} is readable" in run.stderr
    assert stages.recorded("lambda") == (NEW, digest)


def test_a_digest_never_readable_times_out_and_changes_nothing(stages, proxy, codedeploy, deploy):
    digest = stages.digest("lambda", NEW)
    late = LateDigest(digest, after=None)
    proxy.intercept = chain(late, codedeploy)
    before = stages.snapshot("lambda")

    run = deploy(*PROMOTE, "--replication-wait", "1", "--json")

    assert run.returncode == 1, run.stderr
    document = json.loads(run.stdout)
    assert document["errorType"] == "DigestNotPresentError"
    assert (
        "was not readable after 1s (--replication-wait); nothing was changed" in (document["error"])
    )
    assert document["restored"] == []
    assert late.refused >= 1  # how many looks fit in 1 s depends on the machine
    assert stages.snapshot("lambda") == before  # no lock taken, no tag, no record


def test_the_promoted_stages_other_lock_holders_wait_for_a_running_promotion(stages, proxy, spawn):
    """``hold`` (pulumi up in the Deploy stage) and ``release --recorded`` take the lock
    promote holds: each is exit 4 naming the promotion while it runs, and changes nothing."""
    first_update = proxy.hold(lambda_update(stages.prod.functions("lambda")[0]))
    first = spawn(*PROMOTE, "--max-concurrency", "1")
    first_update.wait_arrived()  # the promotion holds prod's lock and is changing things

    held = spawn("hold", "--image", "lambda", "--", sys.executable, "-c", "print('ran')").finish()
    recorded = spawn("release", "--image", "lambda", "--recorded").finish()
    first_update.open()
    finished_first = first.finish()

    for other in (held, recorded):
        assert other.returncode == 4, other.stderr
        assert f"promote of image lambda by pid {first.pid} on " in other.stderr
    assert "ran" not in held.stdout  # hold never started its command
    assert finished_first.returncode == 0, finished_first.stderr
    assert stages.recorded("lambda") == (NEW, stages.digest("lambda", NEW))
    assert stages.prod.lock_value("lambda") is None


def test_a_second_promotion_exits_4_or_waits_while_the_first_holds_the_lock(stages, proxy, spawn):
    first_update = proxy.hold(lambda_update(stages.prod.functions("lambda")[0]))
    first = spawn(*PROMOTE, "--max-concurrency", "1")
    first_update.wait_arrived()  # the first holds prod's lock and has begun changing things

    fast = spawn(*PROMOTE).finish()
    waiting = spawn(*PROMOTE, "--lock-wait", "60", "--json")
    waiting.wait_for_line("waiting")
    first_update.open()
    finished_first, finished_waiting = first.finish(), waiting.finish()

    assert fast.returncode == 4, fast.stderr
    assert f"promote of image lambda by pid {first.pid} on " in fast.stderr
    assert finished_first.returncode == 0, finished_first.stderr
    assert finished_waiting.returncode == 0, finished_waiting.stderr
    assert finished_waiting.json()["noop"] is True  # it planned from what the first left
    digest = stages.digest("lambda", NEW)
    assert stages.recorded("lambda") == (NEW, digest)
    assert stages.prod.lock_value("lambda") is None


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_mid_promotion_restores_everything_and_exits_1(stages, proxy, spawn, signum):
    before = stages.snapshot("lambda")
    digest = stages.digest("lambda", NEW)
    update = proxy.hold(lambda_update(stages.prod.functions("lambda")[0]))
    promotion = spawn(*PROMOTE, "--max-concurrency", "1", "--json")
    update.wait_arrived()  # tagged in dev, both parameters written, an update in flight

    promotion.send(signum)
    promotion.wait_for_line("[signal]")
    update.open()
    finished = promotion.finish()

    assert finished.returncode == 1, finished.stderr
    document = finished.json()
    assert document["errorType"] == "ReleaseFailedError"
    assert f"interrupted by {signum.name}" in document["error"]
    restored = document["restored"]
    assert f"ECR {stages.dev.images['lambda']['repositoryUrl']}: tag promoted-prod-{NEW} " \
        "removed again" in restored  # fmt: skip
    assert "SSM parameter /demo/prod/images/lambda/digest back to 'initial'" in restored
    assert "SSM parameter /demo/prod/images/lambda/tag back to 'initial'" in restored
    after = stages.snapshot("lambda")
    assert after == before, (before, after)
    assert stages.dev_tags("lambda", digest) == [NEW]
    written = [int(v["Version"]) for v in stages.prod.history("lambda") if v["Value"] == NEW]
    assert set(stages.prod.failed_record("lambda")) == set(written) != set()


def test_a_lost_answer_to_the_promotion_tag_is_its_own_tag(stages, proxy, deploy):
    digest = stages.digest("lambda", NEW)
    rule = proxy.add(lost_answer(ecr("PutImage", imageTag=f"promoted-prod-{NEW}"), times=1))

    run = deploy(*PROMOTE)

    assert run.returncode == 0, run.stderr
    assert rule.hits == 1  # botocore sent it again; ECR answered ImageAlreadyExists
    assert stages.dev_tags("lambda", digest) == sorted([NEW, f"promoted-prod-{NEW}"])
    assert stages.recorded("lambda") == (NEW, digest)


@pytest.mark.parametrize(
    ("refusal", "exit_code"),
    [
        # The infra stack's reader role has no ecr:BatchDeleteImage, by design (README,
        # "Build once, promote"): AWS's code for a refused action. The tag stays, named.
        ("AccessDeniedException", 1),
        # Anything else that stops the removal needs a person.
        ("RepositoryNotFoundException", 3),
    ],
)
def test_a_promotion_tag_that_cannot_be_removed_is_named_with_the_command(
    stages, proxy, spawn, refusal, exit_code
):
    digest = stages.digest("lambda", NEW)
    proxy.add(Rule(ecr("BatchDeleteImage"), 400, refusal))
    update = proxy.hold(lambda_update(stages.prod.functions("lambda")[0]))
    promotion = spawn(*PROMOTE, "--max-concurrency", "1", "--json")
    update.wait_arrived()

    promotion.send(signal.SIGTERM)
    promotion.wait_for_line("[signal]")
    update.open()
    finished = promotion.finish()

    assert finished.returncode == exit_code, finished.stderr
    url = stages.dev.images["lambda"]["repositoryUrl"]
    command = (
        f"aws ecr batch-delete-image --registry-id {url.split('.')[0]} --repository-name "
        f"demo-dev-lambda --image-ids imageTag=promoted-prod-{NEW}"
    )
    if exit_code == 1:
        assert "needsAttention" not in finished.json()  # exit 1: restored
        [left] = [n for n in finished.json()["restored"] if "promoted-prod-" in n]
        assert left.startswith(f"ECR {url}: tag promoted-prod-{NEW} left on {digest}")
        assert f"run {command} as someone who may delete images there" in left
    else:
        (attention,) = finished.json()["needsAttention"]
        assert attention.startswith(
            f"ECR {url}: tag promoted-prod-{NEW} (on {digest}) must be removed ({command}, "
            "as someone who may delete images there)"
        )
        assert refusal in attention
    # Everything in prod was put back all the same; only the tag is left, and named.
    assert stages.recorded("lambda") == ("initial", "initial")
    assert stages.dev_tags("lambda", digest) == sorted([NEW, f"promoted-prod-{NEW}"])
    assert stages.prod.lock_value("lambda") is None
