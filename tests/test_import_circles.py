"""No package of the project imports itself in a circle, a lazy or type-only import included
(the budgets of the tree: "no import circle"). cdk_parity's rooms have their own, stricter
test (tests/cdk_parity/test_layers.py), whose import graph this reuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cdk_parity.test_layers import cycles, module_graph

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("package", ["app", "infra_pulumi", "policy", "cdk_parity"])
def test_no_import_circle(package: str) -> None:
    graph = module_graph(ROOT / package)
    assert len(graph) > 10, sorted(graph)  # the package was read
    assert cycles(graph) == []
