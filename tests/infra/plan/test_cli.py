"""``python -m infra_pulumi.plan`` end to end, run the way Pulumi's host would see it.

The subprocess runs with ``python -I`` from the project root: nothing but the
virtualenv is on ``sys.path``, so the program only works because the project is installed
(``-e ..`` in infra_pulumi/requirements.txt, which ``pulumi install`` uses), as under
``pulumi up``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from infra_pulumi.plan.runner import PROJECT_ROOT


def run_plan(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-m", "infra_pulumi.plan", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_plan_prints_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = run_plan("--stack", "dev", "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "Offline plan: container-delivery / dev" in result.stdout
    assert "Resolved image tags" in result.stdout
    assert "aws:lambda/function:Function" in result.stdout
    assert "does not exist yet" in result.stdout  # the first-deploy warning
    plan = json.loads(out.read_text())
    assert plan["resolvedImageTags"] == {
        "lambda": {"tag": "initial", "source": "placeholder"},
        "web": {"tag": "initial", "source": "placeholder"},
    }
    types = {r["type"] for r in plan["resources"]}
    assert {"aws:ecr/repository:Repository", "docker:index/image:Image"} <= types


def test_plan_json_to_stdout() -> None:
    result = run_plan("--json", "-")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["stack"] == "dev"


def test_plan_reports_program_errors_without_a_traceback() -> None:
    result = run_plan("--stack", "prod", "--json", "-")
    assert result.returncode == 1
    assert "requireRelease: true" in result.stderr
    assert "Traceback" not in result.stderr


def test_plan_reports_a_missing_stack_file() -> None:
    result = run_plan("--stack", "nope", "--json", "-")
    assert result.returncode == 1
    assert "Pulumi.nope.yaml" in result.stderr
