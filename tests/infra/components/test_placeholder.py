"""Placeholder build paths: configured relative to the project root, handed over absolute."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra_pulumi.components.placeholder import build_paths
from infra_pulumi.exceptions import ConfigError


def test_context_is_resolved_from_the_project_root(tmp_path: Path) -> None:
    (tmp_path / "docker" / "initial").mkdir(parents=True)
    (tmp_path / "docker" / "initial" / "Dockerfile").write_text("FROM scratch\n")
    paths = build_paths("docker/initial", root=str(tmp_path))
    assert paths.context == str(tmp_path / "docker" / "initial")
    assert paths.dockerfile == str(tmp_path / "docker" / "initial" / "Dockerfile")


@pytest.mark.parametrize("context", ["/etc", "../elsewhere", "docker/../../x"])
def test_context_outside_the_project_is_refused(tmp_path: Path, context: str) -> None:
    with pytest.raises(ConfigError, match="must be a path inside the project"):
        build_paths(context, root=str(tmp_path))


def test_context_without_a_dockerfile_is_refused(tmp_path: Path) -> None:
    (tmp_path / "docker" / "empty").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"has no Dockerfile: .*docker/empty/Dockerfile"):
        build_paths("docker/empty", root=str(tmp_path))
