"""Fixtures for the end-to-end stage: the real Pulumi CLI on a temporary copy of the project.

These tests live outside ``tests/`` (pytest's ``testpaths``), so the README's test command
does not collect them; ``.ci/run`` runs them as their own stage after building the engine:
``.venv/bin/python -m pytest tests_engine``. Each carries the ``engine`` marker.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests_engine.engine import Workspace


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.engine)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """One project copy, backend and stand-in cloud for the tests of a module."""
    return Workspace(tmp_path_factory.mktemp("engine")).setup()
