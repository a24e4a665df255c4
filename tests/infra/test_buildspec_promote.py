"""infra_pulumi/buildspec-promote.yml's build phase, run in bash with a stand-in release tool.

The stand-in answers ``promote --dry-run --json`` with the fields the buildspec reads
(``tag``, ``digest``: the contract with ``app.deploy promote``, ISSUE22 contract and
docs/app-release.md) and logs every call, so the test sees what each step runs, in
which order, what it exports to the pipeline and what it leaves for the ECS deploy action.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra_pulumi.plan.runner import PROJECT_ROOT

LAMBDA_DIGEST = "sha256:" + "1" * 64
WEB_DIGEST = "sha256:" + "2" * 64
WEB_REPOSITORY = "111122223333.dkr.ecr.ap-northeast-1.amazonaws.com/container-delivery-dev-web"
EXPORTED = ("PROMOTE_FROM", "PROMOTE_TAG", "PROMOTE_LAMBDA_DIGEST", "PROMOTE_WEB_DIGEST")

FAKE_TOOL = """#!/bin/sh
# python -c ...: the buildspec's JSON field reader runs on a real interpreter.
if [ "$1" = "-c" ]; then exec {python} "$@"; fi
echo "$*" >> {log}
image=""; tag="abc1234"; dry=no
while [ $# -gt 0 ]; do
  case "$1" in
    --image) image="$2"; shift ;;
    --tag) tag="$2"; shift ;;
    --dry-run) dry=yes ;;
  esac
  shift
done
code=$(cat {codes}/$image 2>/dev/null || echo 0)
[ "$code" = 0 ] || exit "$code"
if [ "$dry" = yes ]; then
  if [ "$image" = lambda ]; then digest={lambda_digest}; else digest={web_digest}; fi
  printf '{{"ok": true, "dryRun": true, "image": "%s", "tag": "%s", "digest": "%s"}}\\n' \\
    "$image" "$tag" "$digest"
fi
"""


def run_step(
    tmp_path: Path, step: str, *, fail: dict[str, int] | None = None
) -> tuple[int, dict[str, str], list[str]]:
    """The build phase with PROMOTE_STEP=step: exit code, exported values, tool calls."""
    tool_dir = tmp_path / "tool" / "bin"
    tool_dir.mkdir(parents=True)
    codes = tmp_path / "codes"
    codes.mkdir()
    for image, code in (fail or {}).items():
        (codes / image).write_text(str(code))
    log = tmp_path / "calls.log"
    log.touch()
    tool = tool_dir / "python"
    tool.write_text(
        FAKE_TOOL.format(
            python=sys.executable,
            log=log,
            codes=codes,
            lambda_digest=LAMBDA_DIGEST,
            web_digest=WEB_DIGEST,
        )
    )
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    spec = yaml.safe_load((PROJECT_ROOT / "infra_pulumi" / "buildspec-promote.yml").read_text())
    assert spec["phases"]["build"]["on-failure"] == "ABORT"
    assert tuple(spec["env"]["exported-variables"]) == EXPORTED
    env = {
        "PATH": os.environ["PATH"],
        "RELEASE_TOOL": str(tmp_path / "tool"),
        "PROMOTE_STEP": step,
        "PROMOTE_FROM": "dev",
        "WEB_REPOSITORY_URL": WEB_REPOSITORY,
        "DEPLOY_MANIFEST_PARAMETER": "/container-delivery/prod/deploy-manifest",
    }
    if step == "promote":  # what the pipeline hands the Promote action from the plan
        env |= {
            "PROMOTE_TAG": "abc1234",
            "PROMOTE_LAMBDA_DIGEST": LAMBDA_DIGEST,
            "PROMOTE_WEB_DIGEST": WEB_DIGEST,
        }
    code = 0
    exported: dict[str, str] = {}
    for command in spec["phases"]["build"]["commands"]:
        # CodeBuild runs the commands in one shell and reads the exported variables from
        # it afterwards: print them after the command, in the same shell.
        show = "; ".join(f'printf "%s=%s\\n" {v} "${{{v}:-}}"' for v in EXPORTED)
        done = subprocess.run(
            ["bash", "-c", f"{command}\n{show}"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            code = done.returncode
            break
        exported = dict(
            line.split("=", 1)
            for line in done.stdout.splitlines()
            if line.split("=", 1)[0] in EXPORTED
        )
    return code, exported, log.read_text().splitlines()


def test_the_plan_step_exports_the_tag_and_each_images_digest(tmp_path: Path) -> None:
    code, exported, calls = run_step(tmp_path, "plan")
    assert code == 0
    assert exported == {
        "PROMOTE_FROM": "dev",
        "PROMOTE_TAG": "abc1234",
        "PROMOTE_LAMBDA_DIGEST": LAMBDA_DIGEST,
        "PROMOTE_WEB_DIGEST": WEB_DIGEST,
    }
    assert calls == [
        "-m app.deploy promote --image lambda --from dev --dry-run --json",
        "-m app.deploy promote --image web --from dev --tag abc1234 --dry-run --json",
    ]
    plan = json.loads((tmp_path / "promotion-plan.json").read_text())
    assert plan["lambda"]["digest"] == LAMBDA_DIGEST
    assert not (tmp_path / "imagedefinitions.json").exists()


@pytest.mark.parametrize("code", [2, 5])
def test_a_plan_the_tool_refuses_stops_the_step_with_its_code(tmp_path: Path, code: int) -> None:
    result, _, calls = run_step(tmp_path, "plan", fail={"lambda": code})
    assert result == code
    assert len(calls) == 1  # web was never planned


def test_the_promote_step_promotes_exactly_the_approved_digests_then_writes_imagedefinitions(
    tmp_path: Path,
) -> None:
    code, _, calls = run_step(tmp_path, "promote")
    assert code == 0
    promote = (
        "-m app.deploy promote --image {} --from dev --tag abc1234 --digest {} --lock-wait 600"
    )
    assert calls == [promote.format("lambda", LAMBDA_DIGEST), promote.format("web", WEB_DIGEST)]
    definitions = json.loads((tmp_path / "imagedefinitions.json").read_text())
    assert definitions == [{"name": "web", "imageUri": f"{WEB_REPOSITORY}@{WEB_DIGEST}"}]


@pytest.mark.parametrize(("image", "calls_made"), [("lambda", 1), ("web", 2)])
def test_a_failed_promotion_leaves_nothing_for_the_ecs_deploy(
    tmp_path: Path, image: str, calls_made: int
) -> None:
    code, _, calls = run_step(tmp_path, "promote", fail={image: 1})
    assert code == 1
    assert len(calls) == calls_made
    assert not (tmp_path / "imagedefinitions.json").exists()


def test_an_unknown_step_is_refused(tmp_path: Path) -> None:
    code, _, calls = run_step(tmp_path, "deploy")
    assert code == 2
    assert calls == []


@pytest.mark.parametrize("step", ["plan", "promote"])
def test_every_call_the_buildspec_makes_is_one_the_real_tool_accepts(
    tmp_path: Path, step: str
) -> None:
    """The stand-in accepts anything; the release tool's own parser must accept the calls."""
    from app.deploy.parser import parse

    code, _, calls = run_step(tmp_path, step)
    assert code == 0
    for call in calls:
        module, *argv = call.split()[1:]
        assert module == "app.deploy"
        args = parse(argv)
        assert (args.command, args.source) == ("promote", "dev"), call
