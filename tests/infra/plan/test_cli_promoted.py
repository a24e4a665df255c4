"""``python -m infra_pulumi.plan`` for a promoted stage: as promoted, with ``--promoted``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from infra_pulumi.exceptions import ConfigError
from infra_pulumi.plan import evaluate
from tests.infra.plan.test_cli import plan_here, run_plan, throwaway_stack

SOURCE = "111122223333.dkr.ecr.ap-northeast-1.amazonaws.com/container-delivery-dev"
DIGEST = "sha256:" + "d" * 64
WEB_DIGEST = "sha256:" + "e" * 64


def test_prod_released_builds_nothing_and_runs_the_build_stages_digests(tmp_path: Path) -> None:
    """The README's command, in a process as Pulumi's host would run the program."""
    out = tmp_path / "plan.json"
    result = run_plan("--stack", "prod", "--released", "abc1234", "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "Promoted stage: builds nothing" in result.stdout
    plan = json.loads(out.read_text())
    assert plan["outputs"]["lambdaImageUri"].startswith(f"{SOURCE}-lambda@sha256:")
    assert plan["outputs"]["webImageUri"].startswith(f"{SOURCE}-web@sha256:")
    names = {r["inputs"].get("name") for r in plan["resources"]}
    assert "container-delivery-prod-app-build" not in names
    assert "container-delivery-prod-promote" in names
    assert "example digest" in plan["tagOrigins"]["lambda"]


def test_promoted_digests_are_planned_as_given(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = plan_here(
        "--stack", "prod", "--released", "abc1234",
        "--promoted", DIGEST, "--promoted", f"web={WEB_DIGEST}",
        "--json", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    plan = json.loads(out.read_text())
    assert plan["resolvedImageTags"] == {
        "lambda": {"tag": "abc1234", "source": "promoted", "digest": DIGEST},
        "web": {"tag": "abc1234", "source": "promoted", "digest": WEB_DIGEST},
    }
    assert plan["outputs"]["lambdaImageUri"] == f"{SOURCE}-lambda@{DIGEST}"
    assert plan["tagOrigins"]["web"].endswith("from --promoted")


def test_the_live_state_file_may_hold_the_digest_parameters(tmp_path: Path) -> None:
    state = tmp_path / "params.json"
    state.write_text(
        json.dumps(
            {
                "/container-delivery/prod/images/lambda/tag": "abc1234",
                "/container-delivery/prod/images/web/tag": "abc1234",
                "/container-delivery/prod/images/lambda/digest": DIGEST,
                "/container-delivery/prod/images/web/digest": WEB_DIGEST,
            }
        )
    )
    result = plan_here("--stack", "prod", "--state", str(state), "--json", "-")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["outputs"]["webImageUri"] == f"{SOURCE}-web@{WEB_DIGEST}"


def test_a_digest_needs_the_tag_it_was_promoted_with() -> None:
    result = plan_here("--stack", "prod", "--promoted", DIGEST, "--json", "-")
    assert result.returncode == 2
    assert "needs the tag it was promoted with" in result.stderr


def test_a_build_stage_is_not_promoted() -> None:
    result = plan_here("--stack", "dev", "--released", "abc1234", "--promoted", DIGEST)
    assert result.returncode == 2
    assert "stack dev is a build stage" in result.stderr


def test_a_digest_is_checked_before_anything_runs() -> None:
    result = plan_here("--stack", "prod", "--released", "abc1234", "--promoted", "sha256:abc")
    assert result.returncode == 2
    assert "is not an image digest" in result.stderr
    result = plan_here("--stack", "prod", "--promoted", f"api={DIGEST}")
    assert result.returncode == 2
    assert "IMAGE one of lambda, web" in result.stderr


def test_dev_shows_who_may_pull_its_images() -> None:
    result = plan_here("--stack", "dev", "--json", "-")
    assert result.returncode == 0, result.stderr
    assert "Build stage: builds and pushes its images; promoted to prod (444455556666)" in (
        result.stderr + result.stdout
    )
    plan = json.loads(result.stdout)
    policies = [
        json.loads(r["inputs"]["policy"])
        for r in plan["resources"]
        if r["type"] == "aws:ecr/repositoryPolicy:RepositoryPolicy"
    ]
    principals = json.dumps(policies)
    assert "arn:aws:iam::444455556666:root" in principals
    assert "arn:aws:lambda:ap-northeast-1:444455556666:function:container-delivery-prod-*" in (
        principals
    )


#: A promoted stage's stack file but for its ``promoteFrom`` value.
PROMOTED_STACK = (
    "config:\n  aws:region: ap-northeast-1\n"
    "  container-delivery:lambdaFunctions: [{name: api, command: [api.handler]}]\n"
    "  container-delivery:promoteFrom: %s\n"
)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        # Not structured: the hand-written reading raised JSONDecodeError, a traceback.
        (
            '"dev"',
            r"config key container-delivery:promoteFrom is not valid structured config: "
            r"Expecting value",
        ),
        # Not an object: it was taken for no promoteFrom ("stack ... is a build stage").
        (
            "[dev]",
            r"container-delivery:promoteFrom: should be a mapping with keys stack, account, "
            r"region \(got \['dev'\]\)",
        ),
        (
            "{stack: dev, acount: '111122223333'}",
            r"container-delivery:promoteFrom\[acount\]: not a key here; did you mean account\?",
        ),
    ],
)
def test_a_bad_promote_from_is_the_programs_config_error(value: str, message: str) -> None:
    """Planned as promoted (``--promoted``), a bad ``promoteFrom`` stops the plan before
    anything is answered for it: exit 2, with the very error the program's config boundary
    gives when it runs."""
    with throwaway_stack(PROMOTED_STACK % value) as stack:
        result = run_plan(
            "--stack", stack, "--released", "abc1234", "--promoted", DIGEST, "--json", "-"
        )
        with pytest.raises(ConfigError) as program:
            evaluate(stack)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    error = " ".join(result.stderr.split("error:", 1)[1].split())
    assert error == " ".join(str(program.value).split())
    assert re.search(message, error), error
