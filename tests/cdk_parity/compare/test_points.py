"""The talk's points read from the comparison: one rule for one difference on both images.

Expected verdicts come from what each point claims: an image from ECR named the same way
on both sides is *same*; named differently (a tag against a digest pin) it is
*intentional* only while the comparison has reviewed that difference.
"""

from __future__ import annotations

import dataclasses

from cdk_parity.compare.engine import compare
from cdk_parity.compare.points import points
from cdk_parity.compare.run import Run

PIN = "@sha256:… (digest pin)"


def test_ecs_and_lambda_points_judge_the_same_difference_alike(parity_run: Run) -> None:
    """dev, a first deploy: Pulumi pins both placeholders by digest, CDK names `initial`."""
    assert parity_run.runs[0].stack == "dev"
    found = {p.number: p for p in points(parity_run)}
    ecs, functions = found[2], found[3]
    assert (ecs.verdict, functions.verdict) == ("intentional", "intentional")
    assert f"container-delivery-dev-web{PIN}" in ecs.pulumi
    assert "container-delivery-dev-web:initial" in ecs.cdk
    assert f"container-delivery-dev-lambda{PIN}" in functions.pulumi
    assert "container-delivery-dev-lambda:initial" in functions.cdk


def test_after_a_release_both_points_are_the_same(parity_run: Run) -> None:
    """prod, a promoted stage, after a promotion: both sides run the build stage's
    repository, pinned by the promoted digest."""
    prod = parity_run.runs[1]
    assert prod.stack == "prod"
    assert prod.release is not None
    found = {p.number: p for p in points(dataclasses.replace(parity_run, runs=[prod]))}
    assert (found[2].verdict, found[3].verdict) == ("same", "same")
    assert "container-delivery-dev-lambda@sha256:… (digest pin)" in found[3].pulumi
    assert "container-delivery-dev-lambda@sha256:… (digest pin)" in found[3].cdk


def test_an_unreviewed_image_difference_makes_its_point_unexpected(parity_run: Run) -> None:
    """Without the review of the functions' digest pin, point 3 fails; point 2 keeps its."""
    trimmed = [e for e in parity_run.expected if e.id != "placeholder-pinned-by-digest"]
    dev = parity_run.runs[0]
    unreviewed = dataclasses.replace(
        dev, comparison=compare(dev.pulumi, dev.cdk, trimmed, mode="synth-time", stack="dev")
    )
    found = {p.number: p for p in points(dataclasses.replace(parity_run, runs=[unreviewed]))}
    assert (found[2].verdict, found[3].verdict) == ("intentional", "unexpected")


def test_another_repository_makes_its_point_unexpected(parity_run: Run) -> None:
    dev = parity_run.runs[0]
    moved = [
        dataclasses.replace(r, props={**r.props, "repository": "elsewhere"})
        if r.kind == "ecs-task-definition"
        else r
        for r in dev.pulumi
    ]
    found = {
        p.number: p
        for p in points(
            dataclasses.replace(parity_run, runs=[dataclasses.replace(dev, pulumi=moved)])
        )
    }
    assert found[2].verdict == "unexpected"
    assert found[3].verdict == "intentional"
