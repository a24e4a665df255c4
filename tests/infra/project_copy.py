"""A copy of the project's stack files in a test's folder, as a user adds and edits them."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from infra_pulumi.plan.runner import PROJECT_ROOT

STACK_FILES = ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml")


def copy_project(target: Path, **new_stacks: str) -> Path:
    """The project and stack files in ``target``; ``ci="dev"`` adds ``Pulumi.ci.yaml`` as a
    copy of dev's (a name with ``-`` is given with ``_``: ``prod_eu`` is ``prod-eu``)."""
    for name in STACK_FILES:
        shutil.copy2(PROJECT_ROOT / name, target / name)
    for stack, source in new_stacks.items():
        copied = target / f"Pulumi.{stack.replace('_', '-')}.yaml"
        shutil.copy2(PROJECT_ROOT / f"Pulumi.{source}.yaml", copied)
    return target


def link_program(project: Path) -> None:
    """The program's folder (Pulumi.yaml's ``main``, where the runner runs it) and the
    placeholders' build contexts, so the copy can be evaluated."""
    for folder in ("infra_pulumi", "docker"):
        (project / folder).symlink_to(PROJECT_ROOT / folder)


def edit_config(project: Path, stack: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Change ``Pulumi.<stack>.yaml``'s ``config`` mapping in place."""
    path = project / f"Pulumi.{stack}.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document["config"])
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
