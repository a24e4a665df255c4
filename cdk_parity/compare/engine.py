"""Pair the two sides, compare their properties, and judge every difference.

A difference is *intentional* only if ``expected_differences.yaml`` lists it with a
reason; anything else is *unexpected* (or *missing* when one side lacks the resource),
and makes ``python -m cdk_parity compare`` exit non-zero.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cdk_parity.compare.model import Resource, Side
from cdk_parity.exceptions import CdkParityError

Verdict = Literal["same", "intentional", "unexpected", "missing"]

EXPECTED_DIFFERENCES = Path(__file__).resolve().parents[1] / "expected_differences.yaml"


class ExpectedDifference(BaseModel):
    """One reviewed difference: where it applies, and why it is there."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    reason: str = Field(min_length=10)
    key: str | tuple[str, ...] = "*"
    """Glob, or globs, over the resource's key (its physical name)."""
    property: str | None = None
    """The property that differs; None for a resource that exists on one side only."""
    only_in: Side | None = Field(None, alias="onlyIn")
    """For a resource on one side only: which side has it."""
    modes: tuple[str, ...] | None = None
    """CDK tag-lookup modes it applies to; None for all."""

    def covers_property(self, kind: str, key: str, prop: str, mode: str) -> bool:
        return self.only_in is None and self.property == prop and self._matches(kind, key, mode)

    def covers_missing(self, kind: str, key: str, side: Side, mode: str) -> bool:
        return self.only_in == side and self._matches(kind, key, mode)

    def _matches(self, kind: str, key: str, mode: str) -> bool:
        return (
            self.kind == kind
            and any(
                fnmatch.fnmatchcase(key, glob)
                for glob in ((self.key,) if isinstance(self.key, str) else self.key)
            )
            and (self.modes is None or mode in self.modes)
        )


def load_expected(path: Path = EXPECTED_DIFFERENCES) -> list[ExpectedDifference]:
    """Read and validate the reviewed differences; a malformed entry is an error."""
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        raise CdkParityError(f"cannot read {path}: {exc}") from exc
    if not isinstance(entries, list):
        raise CdkParityError(f"{path} must hold a list of differences")
    try:
        parsed = [ExpectedDifference.model_validate(entry) for entry in entries]
    except ValidationError as exc:
        raise CdkParityError(f"{path} has an invalid entry: {exc}") from exc
    ids = [e.id for e in parsed]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CdkParityError(f"{path} repeats ids: {duplicates}")
    return parsed


@dataclass(frozen=True)
class PropertyDifference:
    name: str
    pulumi: Any
    cdk: Any
    expected: ExpectedDifference | None


@dataclass(frozen=True)
class Pair:
    """One row of the comparison: a resource on either side, or both."""

    kind: str
    key: str
    pulumi: Resource | None
    cdk: Resource | None
    verdict: Verdict
    differences: tuple[PropertyDifference, ...] = ()
    reasons: tuple[str, ...] = ()

    @property
    def failing(self) -> bool:
        return self.verdict in ("unexpected", "missing")


@dataclass
class Comparison:
    """Every pair, and which reviewed differences were used."""

    mode: str
    pairs: list[Pair]
    used: set[str] = field(default_factory=set)
    expected: list[ExpectedDifference] = field(default_factory=list)

    def count(self, verdict: Verdict) -> int:
        return sum(1 for p in self.pairs if p.verdict == verdict)

    @property
    def failing(self) -> list[Pair]:
        return [p for p in self.pairs if p.failing]

    @property
    def stale(self) -> list[ExpectedDifference]:
        """Reviewed differences for this mode that no longer occur: candidates for removal."""
        return [
            e
            for e in self.expected
            if e.id not in self.used and (e.modes is None or self.mode in e.modes)
        ]


def compare(
    pulumi: Iterable[Resource],
    cdk: Iterable[Resource],
    expected: Sequence[ExpectedDifference],
    *,
    mode: str,
) -> Comparison:
    """Pair resources by (kind, key) and judge each pair."""
    left = {(r.kind, r.key): r for r in pulumi}
    right = {(r.kind, r.key): r for r in cdk}
    comparison = Comparison(mode=mode, pairs=[], expected=list(expected))
    for kind, key in sorted(set(left) | set(right)):
        a, b = left.get((kind, key)), right.get((kind, key))
        if a is None or b is None:
            side: Side = "pulumi" if a is not None else "cdk"
            match = next((e for e in expected if e.covers_missing(kind, key, side, mode)), None)
            if match is not None:
                comparison.used.add(match.id)
            comparison.pairs.append(
                Pair(
                    kind,
                    key,
                    a,
                    b,
                    "intentional" if match else "missing",
                    reasons=(match.reason,) if match else (),
                )
            )
            continue
        differences = []
        for name in sorted(set(a.props) | set(b.props)):
            if a.props.get(name) == b.props.get(name):
                continue
            match = next((e for e in expected if e.covers_property(kind, key, name, mode)), None)
            if match is not None:
                comparison.used.add(match.id)
            differences.append(
                PropertyDifference(name, a.props.get(name), b.props.get(name), match)
            )
        if not differences:
            verdict: Verdict = "same"
        elif all(d.expected is not None for d in differences):
            verdict = "intentional"
        else:
            verdict = "unexpected"
        reasons = tuple(
            dict.fromkeys(d.expected.reason for d in differences if d.expected is not None)
        )
        comparison.pairs.append(Pair(kind, key, a, b, verdict, tuple(differences), reasons))
    return comparison
