"""Pair the two sides, compare their properties, and judge every difference.

A difference is *intentional* only if ``expected_differences.yaml`` lists it with a
reason; anything else is *unexpected* (or *missing* when one side lacks the resource),
and makes ``python -m cdk_parity compare`` exit non-zero. A list-valued property (IAM
grants, security-group rules, ...) differs by what only one side has; entries bound
that with ``pulumiOnly`` / ``cdkOnly`` globs, and every such item must be covered by
one of them, so one more grant on either side is unexpected even where a difference
is already reviewed. Globs know one wildcard, ``*``; every other character (``[``,
``?``) stands for itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cdk_parity.compare.model import Resource, Side
from cdk_parity.exceptions import CdkParityError

Verdict = Literal["same", "intentional", "unexpected", "missing"]

EXPECTED_DIFFERENCES = Path(__file__).resolve().parents[1] / "expected_differences.yaml"

#: History in a reason ("issue 10", "defect 7", "issue #14"): the report shows every
#: reason to readers who know no issue tracker, so a reason explains the design.
_HISTORY = re.compile(r"\b(?:issue|defect)s?\s*#?\s*\d+", re.IGNORECASE)


def _globs(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else value


@cache
def _compiled(glob: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in glob.split("*")), re.DOTALL)


def glob_match(text: str, glob: str) -> bool:
    """``*`` matches any run of characters; nothing else is special."""
    return _compiled(glob).fullmatch(text) is not None


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
    pulumi_only: tuple[str, ...] | None = Field(None, alias="pulumiOnly")
    """For a list-valued property: globs over the items only the Pulumi side has. Set
    either bound and every item only one side has must match one of that side's globs."""
    cdk_only: tuple[str, ...] | None = Field(None, alias="cdkOnly")
    """Likewise for the items only the CDK side has."""
    modes: tuple[str, ...] | None = None
    """CDK tag-lookup modes it applies to; None for all."""
    stacks: tuple[str, ...] | None = None
    """Stacks it applies to (e.g. only one that configures pipelines); None for all."""

    @model_validator(mode="after")
    def _one_shape(self) -> ExpectedDifference:
        if (self.property is None) == (self.only_in is None):
            raise ValueError(f"{self.id}: give exactly one of property and onlyIn")
        if self.only_in is not None and self.is_bounded():
            raise ValueError(f"{self.id}: pulumiOnly/cdkOnly bound a property, not onlyIn")
        history = _HISTORY.search(self.reason)
        if history is not None:
            raise ValueError(
                f"{self.id}: the reason names {history.group(0)!r}; say what the design does "
                "and why, not which issue or defect brought it"
            )
        return self

    def is_bounded(self) -> bool:
        return self.pulumi_only is not None or self.cdk_only is not None

    def applies(self, stack: str | None, mode: str) -> bool:
        return (self.modes is None or mode in self.modes) and (
            self.stacks is None or stack is None or stack in self.stacks
        )

    def about(self, kind: str, key: str, prop: str, mode: str, stack: str | None) -> bool:
        """Whether this entry reviews property ``prop`` of this resource, here."""
        return self.property == prop and self._matches(kind, key, mode, stack)

    def bound_for(self, side: Side, item: str) -> str | None:
        """The glob of this entry that lets ``item`` be on ``side`` only, if any."""
        globs = self.pulumi_only if side == "pulumi" else self.cdk_only
        return next((g for g in globs or () if glob_match(item, g)), None)

    def covers_missing(
        self, kind: str, key: str, side: Side, mode: str, stack: str | None = None
    ) -> bool:
        return self.only_in == side and self._matches(kind, key, mode, stack)

    def _matches(self, kind: str, key: str, mode: str, stack: str | None) -> bool:
        return (
            self.kind == kind
            and any(glob_match(key, glob) for glob in _globs(self.key))
            and self.applies(stack, mode)
        )

    def bound_globs(self) -> list[tuple[Side, str]]:
        return [("pulumi", g) for g in self.pulumi_only or ()] + [
            ("cdk", g) for g in self.cdk_only or ()
        ]


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


def _item(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


@dataclass(frozen=True)
class PropertyDifference:
    name: str
    pulumi: Any
    cdk: Any
    expected: tuple[ExpectedDifference, ...] = ()
    """The reviewed differences that cover it; empty when it is unexpected."""
    unreviewed: tuple[tuple[Side, str], ...] = ()
    """Of a list difference some entries bound: the items no entry's bounds cover."""

    @property
    def is_set_difference(self) -> bool:
        """Both sides are lists (or one is absent): the difference is what only one has."""
        values = (self.pulumi, self.cdk)
        return any(isinstance(v, list) for v in values) and all(
            v is None or isinstance(v, list) for v in values
        )

    @property
    def only_pulumi(self) -> tuple[str, ...]:
        if not self.is_set_difference:
            return ()
        return tuple(sorted({_item(v) for v in self.pulumi or []} - self._cdk_items))

    @property
    def only_cdk(self) -> tuple[str, ...]:
        if not self.is_set_difference:
            return ()
        return tuple(sorted(self._cdk_items - {_item(v) for v in self.pulumi or []}))

    @property
    def _cdk_items(self) -> set[str]:
        return {_item(v) for v in self.cdk or []}


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
    """Every pair, and which reviewed differences (and which of their bounds) were used."""

    mode: str
    pairs: list[Pair]
    used: set[str] = field(default_factory=set)
    expected: list[ExpectedDifference] = field(default_factory=list)
    stack: str | None = None
    used_bounds: set[tuple[str, Side, str]] = field(default_factory=set)
    """``(entry id, side, glob)`` of every bound glob that matched an item."""

    def count(self, verdict: Verdict) -> int:
        return sum(1 for p in self.pairs if p.verdict == verdict)

    @property
    def failing(self) -> list[Pair]:
        return [p for p in self.pairs if p.failing]

    @property
    def stale(self) -> list[ExpectedDifference]:
        """Reviewed differences for this stack and mode that no longer occur."""
        return [
            e for e in self.expected if e.id not in self.used and e.applies(self.stack, self.mode)
        ]


def _review(
    comparison: Comparison, difference: PropertyDifference, entries: list[ExpectedDifference]
) -> tuple[tuple[ExpectedDifference, ...], tuple[tuple[Side, str], ...]]:
    """The entries that cover ``difference``, and the items none of them covers.

    An entry without bounds covers any difference of its property. Otherwise each item
    only one side has must match a bound of one of the entries; the difference is
    reviewed only when no item is left over. With no entry at all, every item is left.
    """
    unbounded = next((e for e in entries if not e.is_bounded()), None)
    if unbounded is not None:
        return (unbounded,), ()
    if not difference.is_set_difference:
        return (), ()
    used: dict[str, ExpectedDifference] = {}
    bounds: set[tuple[str, Side, str]] = set()
    left: list[tuple[Side, str]] = []
    sides: tuple[tuple[Side, tuple[str, ...]], ...] = (
        ("pulumi", difference.only_pulumi),
        ("cdk", difference.only_cdk),
    )
    for side, items in sides:
        for item in items:
            found = next(
                ((e, g) for e in entries if (g := e.bound_for(side, item)) is not None), None
            )
            if found is None:
                left.append((side, item))
                continue
            entry, glob = found
            used[entry.id] = entry
            bounds.add((entry.id, side, glob))
    if left:
        return (), tuple(left)
    comparison.used_bounds |= bounds
    return tuple(used.values()), ()


def compare(
    pulumi: Iterable[Resource],
    cdk: Iterable[Resource],
    expected: Sequence[ExpectedDifference],
    *,
    mode: str,
    stack: str | None = None,
) -> Comparison:
    """Pair resources by (kind, key) and judge each pair."""
    left = {(r.kind, r.key): r for r in pulumi}
    right = {(r.kind, r.key): r for r in cdk}
    comparison = Comparison(mode=mode, pairs=[], expected=list(expected), stack=stack)
    for kind, key in sorted(set(left) | set(right)):
        a, b = left.get((kind, key)), right.get((kind, key))
        if a is None or b is None:
            side: Side = "pulumi" if a is not None else "cdk"
            match = next(
                (e for e in expected if e.covers_missing(kind, key, side, mode, stack)), None
            )
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
            difference = PropertyDifference(name, a.props.get(name), b.props.get(name))
            entries = [e for e in expected if e.about(kind, key, name, mode, stack)]
            reviewed, unreviewed = _review(comparison, difference, entries)
            comparison.used |= {e.id for e in reviewed}
            differences.append(
                PropertyDifference(name, difference.pulumi, difference.cdk, reviewed, unreviewed)
            )
        if not differences:
            verdict: Verdict = "same"
        elif all(d.expected for d in differences):
            verdict = "intentional"
        else:
            verdict = "unexpected"
        reasons = tuple(dict.fromkeys(e.reason for d in differences for e in d.expected))
        comparison.pairs.append(Pair(kind, key, a, b, verdict, tuple(differences), reasons))
    return comparison
