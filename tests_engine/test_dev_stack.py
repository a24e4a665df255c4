"""The dev stack under the real engine: preview, up, idempotence, a release, destroy.

The tests of this module share one workspace and run in file order, each one a step of a
stack's life: first deploy, second ``up``, a release made by CodeDeploy (the stand-in's
cloud changes behind Pulumi's back), the next ``up`` with and without ``--refresh``, and
``destroy``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests_engine.engine import Workspace

ALIAS = "aws:lambda/alias:Alias"
FUNCTION = "api"  # one of Pulumi.dev.yaml's lambdaFunctions


@pytest.fixture(scope="module")
def dev(workspace: Workspace) -> Workspace:
    workspace.init_stack("dev")
    return workspace


def _calls(entries: list[dict[str, Any]], method: str, type_: str = "") -> list[dict[str, Any]]:
    return [
        e
        for e in entries
        if e["method"] == method and (not type_ or e.get("urn", "").split("::")[2].endswith(type_))
    ]


def _alias(workspace: Workspace) -> Any:
    aliases = [
        o for o in workspace.cloud.objects(ALIAS) if o.properties["functionName"].endswith(FUNCTION)
    ]
    assert len(aliases) == 1, f"expected one live alias of {FUNCTION}, have {aliases}"
    return aliases[0]


def _summary(output: str) -> dict[str, int]:
    """The engine's closing "Resources:" block: ``{"created": 80, "unchanged": 3, ...}``."""
    block = output.split("Resources:", 1)[1]
    return {
        word: int(count)
        for count, word in re.findall(r"^\s+[+~\-]?\s*(\d+) (\w+)", block, re.MULTILINE)
    }


def test_preview_runs_the_program_where_the_host_would(dev: Workspace) -> None:
    mark = dev.record.mark()
    result = dev.run("preview", "--stack", "dev")

    runs = _calls(dev.record.since(mark), "Run")
    assert len(runs) == 1, runs
    run = runs[0]
    # What the engine tells the language host: the working directory is the `main`
    # folder, the root directory the folder of Pulumi.yaml.
    assert Path(run["pwd"]) == dev.project / "infra_pulumi"
    assert Path(run["info"]["rootDirectory"]) == dev.project
    assert Path(run["info"]["programDirectory"]) == dev.project / "infra_pulumi"
    assert run["info"]["options"] == {"toolchain": "pip", "virtualenv": ".venv"}
    assert run["dryRun"] is True
    # First deploy: no tag parameter yet, so the program falls back with its own warning.
    assert "does not exist yet" in result.output
    assert "to create" in result.output
    # A preview creates nothing.
    assert not _calls(dev.record.since(mark), "Create")
