"""``cdk_parity`` in three rooms, layered: reference, then compare, then report, then the CLI.

A module imports only from its own room or a lower one, and no modules import each other
in a circle (lazy imports inside functions count: they are circles deferred, not gone).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.cdk_parity.imports import cycles, module_graph

PACKAGE = Path(__file__).resolve().parents[2] / "cdk_parity"

#: Lower rooms first; a module may import its own room's modules and those of lower rooms.
LAYERS = (
    ("cdk_parity", "cdk_parity.exceptions"),
    ("cdk_parity.reference",),
    ("cdk_parity.compare",),
    ("cdk_parity.report",),
    ("cdk_parity.__main__",),
)


def layer(module: str) -> int:
    """The room of ``module``: the last layer with a prefix that names it."""
    found = [
        number
        for number, prefixes in enumerate(LAYERS)
        for prefix in prefixes
        if module == prefix or (prefix != "cdk_parity" and module.startswith(f"{prefix}."))
    ]
    assert found, f"{module} is in no room of LAYERS: add it"
    return max(found)


def upward(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports from a lower room to a higher one."""
    return sorted(
        (source, target)
        for source, targets in graph.items()
        for target in targets
        if layer(target) > layer(source)
    )


def test_no_module_imports_a_higher_room() -> None:
    graph = module_graph(PACKAGE)
    assert {layer(m) for m in graph} == set(range(len(LAYERS)))
    assert upward(graph) == [], "the reference must not know the comparison, nor it the report"


def test_no_import_circle() -> None:
    assert cycles(module_graph(PACKAGE)) == []


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "cdk_parity"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_the_check_sees_a_planted_upward_import(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    _append(copy / "reference" / "synth.py", "\nfrom cdk_parity.report.render import write\n")
    assert upward(module_graph(copy)) == [
        ("cdk_parity.reference.synth", "cdk_parity.report.render")
    ]


def test_the_check_sees_a_planted_lazy_circle(tmp_path: Path) -> None:
    """measure importing run back inside a function: the circle this package once had."""
    copy = _copy(tmp_path)
    _append(
        copy / "compare" / "measure.py",
        "\n\ndef _late() -> None:\n    from cdk_parity.compare import run\n",
    )
    graph = module_graph(copy)
    assert cycles(graph) == [["cdk_parity.compare.measure", "cdk_parity.compare.run"]]
    assert upward(graph) == []
