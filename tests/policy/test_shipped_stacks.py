"""Both shipped stacks against the pack, through the CLI, exactly as .ci/run runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from infra_pulumi.plan.runner import PROJECT_ROOT

EXIT_POLICY_VIOLATION = 3


def plan_with_pack(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    out = tmp_path / "plan.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "infra_pulumi.plan",
            *args,
            "--json",
            str(out),
            "--policy-pack",
            "policy",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(out.read_text())["policy"] if out.exists() else {}
    return done.returncode, report, done.stdout + done.stderr


def test_dev_passes_every_rule(tmp_path: Path) -> None:
    code, report, output = plan_with_pack(tmp_path, "--stack", "dev")
    assert code == 0, output
    assert report["violations"] == [], output
    assert len(report["policies"]) == 17
    assert "PASS policy pack container-delivery-guardrails" in output


def test_prod_passes_every_rule(tmp_path: Path) -> None:
    code, report, output = plan_with_pack(tmp_path, "--stack", "prod", "--released", "abc1234")
    assert code == 0, output
    assert report["violations"] == [], output
    assert "PASS policy pack container-delivery-guardrails" in output


def test_a_mandatory_violation_fails_the_plan(tmp_path: Path) -> None:
    """dev keeps logs 14 days; a team whose floor is 30 sees exit 3, the rule named."""
    config = tmp_path / "pack.json"
    config.write_text(json.dumps({"log-group-retention": {"minimumRetentionDays": 30}}))
    code, report, output = plan_with_pack(
        tmp_path, "--stack", "dev", "--policy-pack-config", str(config)
    )
    found = {v["policy"] for v in report["violations"]}
    assert found == {"log-group-retention"}, output
    assert code == EXIT_POLICY_VIOLATION
    assert "FAIL policy pack" in output


def test_a_promoted_stage_needs_its_build_stages_registry_allowed(tmp_path: Path) -> None:
    """prod runs dev's digests from dev's registry (account 111122223333). The pack's
    default allows any account's private ECR; a team that lists its registries must list
    the build stage's too, or every promoted target is refused."""
    own = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com"
    build = "111122223333.dkr.ecr.ap-northeast-1.amazonaws.com"
    config = tmp_path / "pack.json"
    config.write_text(json.dumps({"image-registries": {"allowedRegistries": [own]}}))
    code, report, output = plan_with_pack(
        tmp_path, "--stack", "prod", "--released", "abc1234", "--policy-pack-config", str(config)
    )
    assert code == EXIT_POLICY_VIOLATION, output
    refused = [v for v in report["violations"] if v["policy"] == "image-registries"]
    assert len(refused) == 3, refused  # two functions and the web task definition
    assert all(build in v["message"] for v in refused), refused
    config.write_text(json.dumps({"image-registries": {"allowedRegistries": [own, build]}}))
    code, report, output = plan_with_pack(
        tmp_path, "--stack", "prod", "--released", "abc1234", "--policy-pack-config", str(config)
    )
    assert code == 0, output
    assert report["violations"] == [], output
