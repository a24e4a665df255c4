"""`pulumi install` in policy/ installs the pack's pins, as Pulumi's Python host runs pip.

For a policy pack the host's program directory is the pack's folder (``NewPolicyAnalyzer``
and ``InstallPluginDependencies`` pass it as both root and program directory), so pip runs
``install -r requirements.txt`` there; this test runs the same command as a dry run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.policy.conftest import POLICY_DIR


def test_pip_in_the_pack_directory_installs_every_pin(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps",
            "--ignore-installed", "--quiet", "--disable-pip-version-check",
            "--report", str(report), "-r", "requirements.txt",
        ],
        cwd=POLICY_DIR,
        check=True,
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    installs = json.loads(report.read_text())["install"]
    found = {
        i["metadata"]["name"].lower().replace("_", "-"): i["metadata"]["version"] for i in installs
    }
    pins = dict(
        line.split("==")
        for line in (POLICY_DIR / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    assert found == pins


def test_the_pack_stands_on_its_own() -> None:
    """The pack checks the program; it must not share its code (CONVENTIONS, a check
    must not share what it checks), and another stack has no infra_pulumi to import."""
    for path in sorted(POLICY_DIR.rglob("*.py")):
        if "venv" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        assert "infra_pulumi" not in text, path
        assert "cdk_parity" not in text, path
