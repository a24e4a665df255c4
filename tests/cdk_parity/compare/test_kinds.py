"""The kind registry: one unit per kind, named once; every reviewed difference names one."""

from __future__ import annotations

import inspect

from cdk_parity.compare.engine import load_expected
from cdk_parity.compare.kinds import KINDS, Kind


def test_each_kind_is_registered_once_with_both_rules() -> None:
    names = [kind.name for kind in KINDS]
    assert len(names) == len(set(names)), names
    for kind in KINDS:
        assert isinstance(kind, Kind)
        # Both rules are written in the kind's own class, next to each other.
        assert "from_pulumi" in type(kind).__dict__, kind.name
        assert "from_cfn" in type(kind).__dict__, kind.name


def test_a_kind_fits_on_one_screen() -> None:
    for kind in KINDS:
        lines = len(inspect.getsource(type(kind)).splitlines())
        assert lines <= 80, f"{kind.name}: {lines} lines"


def test_every_reviewed_difference_names_a_registered_kind() -> None:
    # "unmapped" is the engine's entry for a native type no kind takes yet.
    names = {kind.name for kind in KINDS} | {"unmapped"}
    unknown = [(e.id, e.kind) for e in load_expected() if e.kind not in names]
    assert unknown == []
