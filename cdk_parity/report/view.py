"""What the report templates show, prepared in Python: rows, set differences, the chart.

The HTML page is self-contained: its one picture, the per-kind summary, is an inline
SVG drawn here, and nothing is loaded from elsewhere.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from cdk_parity.compare.engine import Comparison, Pair, PropertyDifference

#: Verdict colours, shared by the chart and the page's badges.
COLOURS = {
    "same": "#1a7f37",
    "intentional": "#0969da",
    "unexpected": "#cf222e",
    "missing": "#bf8700",
}
VERDICTS = ("unexpected", "missing", "intentional", "same")


def show(value: Any) -> str:
    """A property value as short, readable text."""
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(show(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


_BREAK_AFTER = re.compile(r"([/\-:#._,|=])")
#: Inside a long CamelCase logical id: before a capital that follows a small letter or a digit.
_BREAK_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def breakable(text: Any) -> Markup:
    """Escaped text that may wrap after separators (``/ - : # . _``) and between the words
    of a CamelCase id, never inside a word."""
    # Entities (&lt;, &#39;) hold no capital letter, so no break lands inside one.
    escaped = _BREAK_CAMEL.sub("<wbr>", str(escape(str(text))))
    return Markup(_BREAK_AFTER.sub(r"\1<wbr>", escaped))  # noqa: S704 - escaped


_CODE = re.compile(r"`([^`]+)`")


def inline_code(text: Any) -> Markup:
    """Escaped text with Markdown's `code` spans as ``<code>``, so no backtick shows."""
    return Markup(_CODE.sub(r"<code>\1</code>", str(escape(str(text)))))  # noqa: S704 - escaped


@dataclass(frozen=True)
class Difference:
    """One differing property of a row, as the page shows it."""

    name: str
    is_set: bool
    only_pulumi: tuple[str, ...]
    only_cdk: tuple[str, ...]
    pulumi: str
    cdk: str
    reviewed: tuple[str, ...]
    """Ids of the reviewed differences that cover it; empty when it is unexpected."""
    unreviewed: frozenset[tuple[str, str]]
    """``(side, item)`` pairs no reviewed difference covers, to be marked."""

    @classmethod
    def of(cls, d: PropertyDifference) -> Difference:
        return cls(
            name=d.name,
            is_set=d.is_set_difference,
            only_pulumi=d.only_pulumi,
            only_cdk=d.only_cdk,
            pulumi=show(d.pulumi),
            cdk=show(d.cdk),
            reviewed=tuple(e.id for e in d.expected),
            unreviewed=frozenset(d.unreviewed),
        )


@dataclass(frozen=True)
class Row:
    pair: Pair
    differences: tuple[Difference, ...]

    @property
    def properties(self) -> list[tuple[str, str, str, bool]]:
        """``(name, Pulumi, CDK, differs)`` for every property either side has."""
        pulumi = self.pair.pulumi.props if self.pair.pulumi else {}
        cdk = self.pair.cdk.props if self.pair.cdk else {}
        names = list(dict.fromkeys([*pulumi, *cdk]))
        differing = {d.name for d in self.differences}
        return [
            (
                name,
                show(pulumi.get(name)) if self.pair.pulumi else "—",
                show(cdk.get(name)) if self.pair.cdk else "—",
                name in differing,
            )
            for name in names
        ]

    @property
    def notes(self) -> list[tuple[str, str, str]]:
        """``(note, Pulumi, CDK)``: raw texts kept beside the compared properties."""
        pulumi = self.pair.pulumi.notes if self.pair.pulumi else {}
        cdk = self.pair.cdk.notes if self.pair.cdk else {}
        return [
            (name, show(pulumi.get(name)), show(cdk.get(name)))
            for name in dict.fromkeys([*pulumi, *cdk])
        ]


@dataclass(frozen=True)
class KindGroup:
    """The rows of one kind that are the same on both sides, collapsed under a count."""

    kind: str
    rows: tuple[Row, ...]


def rows(comparison: Comparison) -> tuple[list[Row], list[KindGroup]]:
    """The rows that differ, worst first; and the same rows, grouped by kind."""
    order = {verdict: i for i, verdict in enumerate(VERDICTS)}
    differing = sorted(
        (p for p in comparison.pairs if p.verdict != "same"),
        key=lambda p: (order[p.verdict], p.kind, p.key),
    )
    same: dict[str, list[Row]] = defaultdict(list)
    for pair in comparison.pairs:
        if pair.verdict == "same":
            same[pair.kind].append(Row(pair, ()))
    return (
        [Row(p, tuple(Difference.of(d) for d in p.differences)) for p in differing],
        [KindGroup(kind, tuple(group)) for kind, group in sorted(same.items())],
    )


#: The chart's width in its own units. The page shows it at most ``CHART_MAX_WIDTH_PX``
#: wide and on a 390 px phone about 370 px wide, so its text, drawn at ``CHART_FONT_PX``,
#: shows at 12 to 16 px: drawn wider, it would shrink to 7 px on a phone.
CHART_WIDTH = 360
CHART_FONT_PX = 12
CHART_MAX_WIDTH_PX = 480
#: A generous average advance of Helvetica and Arial, in ems, to size text with no font
#: metrics at hand: labels laid out with it never overrun their column.
CHAR_EM = 0.6


def _text_width(text: str) -> float:
    return len(text) * CHAR_EM * CHART_FONT_PX


def _legend(width: int) -> tuple[list[str], int]:
    """The verdict swatches, wrapped to ``width``; and the height they take."""
    parts, x, y = [], 0.0, 4
    for verdict in ("same", "intentional", "unexpected", "missing"):
        entry = 16 + _text_width(verdict) + 12
        if x and x + entry > width:
            x, y = 0.0, y + 18
        parts.append(
            f'<rect x="{x:.1f}" y="{y}" width="12" height="12" rx="2" fill="{COLOURS[verdict]}"/>'
            f'<text x="{x + 16:.1f}" y="{y + 10}" class="legend">{verdict}</text>'
        )
        x += entry
    return parts, y + 18


def chart(comparison: Comparison, *, title: str) -> Markup:
    """Per kind, one bar of same / intentional / unexpected / missing resources (inline SVG)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for pair in comparison.pairs:
        counts[pair.kind][pair.verdict] += 1
    kinds = sorted(counts, key=lambda k: (-sum(counts[k].values()), k))
    label_width = max((_text_width(k) for k in kinds), default=0) + 12
    bar_width = CHART_WIDTH - label_width - 34  # room for the total after the bar
    scale = bar_width / max(sum(c.values()) for c in counts.values()) if counts else 0
    legend, top = _legend(CHART_WIDTH)
    row = 22
    height = top + 8 + row * len(kinds)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="chart-{escape(title)}">',
        f'<title id="chart-{escape(title)}">{escape(title)}: resources per kind by verdict</title>',
        *legend,
    ]
    for index, kind in enumerate(kinds):
        y = top + 8 + index * row
        parts.append(
            f'<text x="{label_width - 8:.1f}" y="{y + 14}" text-anchor="end" class="kind">'
            f"{escape(kind)}</text>"
        )
        offset: float = label_width
        for verdict in ("same", "intentional", "unexpected", "missing"):
            count = counts[kind][verdict]
            if not count:
                continue
            width_px = count * scale
            parts.append(
                f'<rect x="{offset:.1f}" y="{y + 2}" width="{width_px:.1f}" height="16" '
                f'fill="{COLOURS[verdict]}"><title>{escape(kind)}: {count} {verdict}</title></rect>'
            )
            if width_px >= _text_width(str(count)) + 4:
                parts.append(
                    f'<text x="{offset + width_px / 2:.1f}" y="{y + 14}" text-anchor="middle" '
                    f'class="count">{count}</text>'
                )
            offset += width_px
        parts.append(
            f'<text x="{offset + 6:.1f}" y="{y + 14}" class="total">'
            f"{sum(counts[kind].values())}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()
