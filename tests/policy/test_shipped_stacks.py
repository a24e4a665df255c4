"""Both shipped stacks against the pack, through the CLI, exactly as .ci/run runs them.

prod's deploy role does not carry the permissions-boundary condition until issue 20 lands:
its one mandatory finding is named here, so this test changes (to no finding) with it.
"""

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
    assert len(report["policies"]) == 15
    assert "PASS policy pack container-delivery-guardrails" in output


def test_prod_fails_only_the_boundary_rule_until_issue_20(tmp_path: Path) -> None:
    code, report, output = plan_with_pack(tmp_path, "--stack", "prod", "--released", "abc1234")
    found = {
        (v["policy"], v["urn"].rsplit("::", 1)[-1], v["enforcement"]) for v in report["violations"]
    }
    assert found == {("iam-permissions-boundary", "infra-deploy-policy", "mandatory")}, output
    assert code == EXIT_POLICY_VIOLATION
    assert "FAIL policy pack" in output
    assert "iam-permissions-boundary" in output
