"""`pulumi install` installs what the program needs, as Pulumi's Python host runs it.

The host (pulumi/pulumi sdk/python/toolchain/pip.go, InstallDependencies) creates the
virtualenv that Pulumi.yaml names, resolved from the project root, then runs
``python -m pip install -r requirements.txt`` with the *program* directory as working
directory, and only if that directory has a requirements.txt. This test runs the same pip
command from the same directory, as a dry run, and reads pip's own report.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

from infra_pulumi.plan.runner import PROJECT_ROOT, program_directory


def _pins(path: Path) -> set[str]:
    """Names pinned in a requirements file and the files it includes with -r."""
    names: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            names |= _pins(path.parent / line.removeprefix("-r ").strip())
        elif match := re.fullmatch(r"([A-Za-z0-9_.\[\],-]+)==\S+", line):
            names.add(re.sub(r"\[.*\]", "", match.group(1)).lower().replace("_", "-"))
    return names


def test_pulumi_yaml_asks_the_host_for_a_pip_virtualenv_at_the_root() -> None:
    project = yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text())
    assert project["main"] == "infra_pulumi/"
    assert project["runtime"]["options"] == {"toolchain": "pip", "virtualenv": ".venv"}


def test_root_requirements_hold_no_path_that_depends_on_the_working_directory() -> None:
    for line in (PROJECT_ROOT / "requirements.txt").read_text().splitlines():
        assert not line.strip().startswith(("-e", ".")), line


def test_pip_in_the_program_directory_installs_the_project_and_every_pin(
    tmp_path: Path,
) -> None:
    program = program_directory()
    assert (program / "requirements.txt").is_file(), "the host installs nothing without it"
    report = tmp_path / "report.json"
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps",
            "--ignore-installed", "--quiet", "--disable-pip-version-check",
            "--report", str(report), "-r", "requirements.txt",
        ],
        cwd=program,
        check=True,
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    installs = json.loads(report.read_text())["install"]
    by_name = {i["metadata"]["name"].lower().replace("_", "-"): i for i in installs}
    project = by_name.pop("container-delivery")
    assert project["download_info"] == {
        "url": PROJECT_ROOT.as_uri(),
        "dir_info": {"editable": True},
    }
    assert set(by_name) == _pins(PROJECT_ROOT / "requirements.txt")
