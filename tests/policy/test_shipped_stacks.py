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
    assert len(report["policies"]) == 16
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
