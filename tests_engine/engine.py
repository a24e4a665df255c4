"""Run the real Pulumi CLI on a copy of the project, against the stand-in providers.

A ``Workspace`` is one temporary project: the program, the stack files and the
placeholder contexts copied from the repository (so stacks can be initialised and
config set without touching the repository's files), a local file backend, a
passphrase, and the stand-ins on ``PATH`` with automatic plugin downloads off.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests_engine.standin.store import CLOUD_ENV, RECORD_ENV, CallRecord, Cloud

REPO = Path(__file__).resolve().parents[1]
ENGINE_BIN = REPO / "tools" / "pulumi-engine" / "bin"
PASSPHRASE = "engine-tests-passphrase"

#: What the program needs from the repository, as `pulumi up` in a clone would see it.
_PROJECT_FILES = ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "requirements.txt")
_PROJECT_DIRS = ("infra_pulumi", "docker", "app")

#: Plugin executables on PATH: the engine prefers a plugin found there to any installed
#: one, whatever version the program asks for (sdk/go/common/workspace/plugins.go,
#: getPluginInfoAndPath, "ambient" plugins).
_PLUGINS = {
    "pulumi-resource-aws": ("tests_engine.standin.provider", "aws"),
    "pulumi-resource-docker": ("tests_engine.standin.provider", "docker"),
    "pulumi-language-python": ("tests_engine.standin.langhost", ""),
}


@dataclass
class Result:
    """One CLI command: what it printed and how it ended."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class EngineCommandError(AssertionError):
    """A CLI command ended other than the test expected; the message has its output."""


class Workspace:
    """A temporary project, its backend and the stand-ins' cloud and record."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.project = root / "project"
        self.home = root / "pulumi-home"
        self.backend = root / "backend"
        self.bin = root / "bin"
        self.cloud = Cloud(root / "cloud.json")
        self.record = CallRecord(root / "calls.jsonl")
        self.pulumi = ENGINE_BIN / "pulumi"

    def setup(self) -> Workspace:
        """Copy the project, write the plugin wrappers and log in to the file backend."""
        if not self.pulumi.exists():
            raise EngineCommandError(
                f"{self.pulumi} does not exist: build the engine first with "
                "tools/pulumi-engine/build.sh (README, 'Running the real Pulumi engine offline')"
            )
        self.project.mkdir(parents=True)
        for name in _PROJECT_FILES:
            shutil.copy2(REPO / name, self.project / name)
        for name in _PROJECT_DIRS:
            shutil.copytree(
                REPO / name, self.project / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        # Pulumi.yaml's virtualenv (.venv, from the project root) is the one running the
        # tests, which has requirements.txt installed: `pulumi install` is not run here.
        (self.project / ".venv").symlink_to(Path(sys.prefix))
        for directory in (self.home, self.backend, self.bin):
            directory.mkdir(parents=True)
        for executable, (module, package) in _PLUGINS.items():
            wrapper = self.bin / executable
            # -P: the engine starts plugins in the program directory; nothing there may
            # shadow a module.
            wrapper.write_text(
                f'#!/bin/sh\nexec "{sys.executable}" -P -m {module} {package} "$@"\n'
                if package
                else f'#!/bin/sh\nexec "{sys.executable}" -P -m {module} "$@"\n'
            )
            wrapper.chmod(0o755)
        self.run("login", f"file://{self.backend}")
        return self

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if k in {"HOME", "LANG", "TMPDIR", "USER"}}
        return {
            **keep,
            "PATH": os.pathsep.join([str(self.bin), str(ENGINE_BIN), "/usr/bin", "/bin"]),
            "PULUMI_HOME": str(self.home),
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_SKIP_CONFIRMATIONS": "true",
            # The copy's program and the repository's stand-ins: the copy comes first, so
            # the program's own imports (infra_pulumi.*) are the copy's.
            "PYTHONPATH": os.pathsep.join([str(self.project), str(REPO)]),
            CLOUD_ENV: str(self.cloud.path),
            RECORD_ENV: str(self.record.path),
        }

    def run(
        self, *args: str, expect: int | None = 0, timeout: float = 300, show: bool = True
    ) -> Result:
        """``pulumi <args>`` in the project; fails unless it exits with ``expect``.

        ``show`` prints the engine's closing summary (the stage's log, with ``-s``)."""
        command = [str(self.pulumi), *args, "--non-interactive", "--color=never"]
        started = time.monotonic()
        done = subprocess.run(
            command,
            cwd=self.project,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        result = Result(
            command[1:], done.returncode, done.stdout, done.stderr, time.monotonic() - started
        )
        # The stage's log (pytest -s) shows each command and the engine's own summary; a
        # command that ends unexpectedly shows all of its output in the failure.
        print(f"\n$ pulumi {' '.join(args)}  ({result.seconds:.1f}s, exit {done.returncode})")
        if show and "Resources:" in result.stdout:
            print("Resources:" + result.stdout.rsplit("Resources:", 1)[1].rstrip())
        if expect is not None and done.returncode != expect:
            raise EngineCommandError(
                f"`pulumi {' '.join(args)}` exited {done.returncode}, expected {expect}:\n"
                f"{result.output}"
            )
        return result

    def init_stack(self, stack: str) -> None:
        self.run("stack", "init", stack, "--secrets-provider", "passphrase")

    def export(self, stack: str) -> dict[str, Any]:
        """The stack's checkpoint as the backend holds it (``pulumi stack export``)."""
        data: dict[str, Any] = json.loads(
            self.run("stack", "export", "--stack", stack, show=False).stdout
        )
        return data

    def state_file(self, stack: str) -> Path:
        """The file backend's checkpoint file for a stack of this project."""
        project = "container-delivery"
        return self.backend / ".pulumi" / "stacks" / project / f"{stack}.json"


def calls(entries: list[dict[str, Any]], method: str) -> list[dict[str, Any]]:
    """The recorded calls of one protocol method (``Create``, ``Update``, ``Run``...)."""
    return [e for e in entries if e["method"] == method]


def summary(output: str) -> dict[str, int]:
    """The engine's last "Resources:" block: ``{"to create": 81}`` or ``{"created": 81}``,
    ``{"unchanged": 81}``, ``{"updated": 2, "unchanged": 79}``..."""
    if "Resources:" not in output:
        raise AssertionError(f"the engine printed no Resources: summary:\n{output}")
    block = output.rsplit("Resources:", 1)[1].split("\n\n", 1)[0]
    counts: dict[str, int] = {}
    for line in block.strip().splitlines():
        match = re.fullmatch(r"\s*[+~\-]?\s*(\d+) (.+?)\s*", line)
        if match:
            counts[match.group(2)] = int(match.group(1))
    return counts
