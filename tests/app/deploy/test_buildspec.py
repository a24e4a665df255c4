"""app/buildspec.yml's build phase, run in bash with stand-ins for docker and the tool.

Only exit code 1 of ``exists`` ("not there") may build and push; any code that means
"cannot tell" (2 bad input, 5 AWS could not be asked) must stop the build before
anything is built or pushed, and before any release.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]
TOOL = "/tmp/release-tool/bin/python"


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def run_build_phase(tool: Path, env: dict[str, str]) -> int:
    """Each command in turn, stopping at the first that fails (``on-failure: ABORT``)."""
    spec = yaml.safe_load((REPO_ROOT / "app" / "buildspec.yml").read_text())
    assert spec["phases"]["build"]["on-failure"] == "ABORT"
    for command in spec["phases"]["build"]["commands"]:
        run = subprocess.run(["bash", "-c", command.replace(TOOL, str(tool))], env=env, check=False)
        if run.returncode != 0:
            return run.returncode
    return 0


@pytest.mark.parametrize(
    ("exists_exit", "phase_exit", "calls"),
    [
        (0, 0, ["exists", "exists", "release", "release"]),
        (1, 0, ["exists", "build", "push", "exists", "build", "push", "release", "release"]),
        (2, 2, ["exists"]),
        (5, 5, ["exists"]),
    ],
)
def test_only_not_there_builds_and_pushes(tmp_path, exists_exit, phase_exit, calls):
    log = tmp_path / "calls.log"
    tool = executable(
        tmp_path / "python",
        # "python -m app.deploy <command> ...": log the command; exists answers as set.
        f'#!/bin/sh\necho "$3" >> {log}\n[ "$3" = exists ] && exit {exists_exit}\nexit 0\n',
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    executable(bin_dir / "docker", f'#!/bin/sh\necho "$1" >> {log}\n')
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "IMAGE_TAG": "abcdef1",
        "LAMBDA_REPOSITORY_URL": "123456789012.dkr.ecr.us-east-1.amazonaws.com/cd-dev-lambda",
        "WEB_REPOSITORY_URL": "123456789012.dkr.ecr.us-east-1.amazonaws.com/cd-dev-web",
    }

    assert run_build_phase(tool, env) == phase_exit
    assert log.read_text().split() == calls
