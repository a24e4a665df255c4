"""app/buildspec.yml's push step, run in bash with stand-ins for docker and the tool.

Only exit code 1 of ``exists`` ("not there") may build and push; any code that means
"cannot tell" (2 bad input, 5 AWS could not be asked) must stop the build first.
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


def push_step() -> str:
    spec = yaml.safe_load((REPO_ROOT / "app" / "buildspec.yml").read_text())
    (step,) = [c for c in spec["phases"]["build"]["commands"] if "app.deploy exists" in c]
    return str(step)


def executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.parametrize(
    ("exists_exit", "step_exit", "docker_calls"),
    [
        (0, 0, []),
        (1, 0, ["build", "push", "build", "push"]),
        (2, 2, []),
        (5, 5, []),
    ],
)
def test_only_not_there_builds_and_pushes(tmp_path, exists_exit, step_exit, docker_calls):
    log = tmp_path / "docker.log"
    tool = executable(tmp_path / "python", f"#!/bin/sh\nexit {exists_exit}\n")
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

    run = subprocess.run(
        ["bash", "-c", push_step().replace(TOOL, str(tool))],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert run.returncode == step_exit, run.stderr
    calls = log.read_text().split() if log.exists() else []
    assert calls == docker_calls
