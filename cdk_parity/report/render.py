"""Write the side-by-side report as Markdown and as a self-contained HTML page."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from cdk_parity.compare.engine import Pair
from cdk_parity.compare.measure import RecordedBenchmark
from cdk_parity.compare.points import Point, points
from cdk_parity.compare.run import Run
from cdk_parity.report.view import (
    CHART_FONT_PX,
    CHART_MAX_WIDTH_PX,
    breakable,
    chart,
    inline_code,
    rows,
    show,
)

__all__ = [
    "Summary",
    "Written",
    "as_json",
    "failing_lines",
    "show",
    "summary",
    "unexpected_points",
    "unreviewed",
    "write",
]

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Summary:
    """The headline numbers of a run, also printed by the command."""

    lines: list[str]
    failing: bool


def _side(side: str) -> str:
    return "Pulumi" if side == "pulumi" else "CDK"


def unreviewed(pair: Pair, *, brief: bool = False) -> list[str]:
    """What makes a failing pair fail, one phrase per property: only what is not reviewed.

    ``brief`` counts a list's unreviewed items instead of naming them (the page's banner;
    the row itself names them).
    """
    if pair.cdk is None:
        return ["only in Pulumi"]
    if pair.pulumi is None:
        return ["only in CDK"]
    phrases = []
    for d in pair.differences:
        if d.expected:
            continue
        if d.is_set_difference:
            items = d.unreviewed or tuple(
                [("pulumi", i) for i in d.only_pulumi] + [("cdk", i) for i in d.only_cdk]
            )
            if brief and items:
                sides = " and ".join(sorted({_side(side) for side, _ in items}))
                phrases.append(f"{d.name}: {len(items)} not reviewed, only in {sides}")
                continue
            shown = "; ".join(f"only in {_side(side)}: {item}" for side, item in items)
            phrases.append(f"{d.name}: {shown or 'same items, another order'}")
        else:
            phrases.append(f"{d.name}: Pulumi {show(d.pulumi)} / CDK {show(d.cdk)}")
    return phrases


def failing(run: Run, *, brief: bool = False) -> list[tuple[str, Pair, list[str]]]:
    """``(stack, pair, what is not reviewed)`` for every failing row."""
    return [
        (r.stack, pair, unreviewed(pair, brief=brief))
        for r in run.runs
        for pair in r.comparison.failing
    ]


def failing_lines(run: Run) -> list[str]:
    """``UNEXPECTED: <stack> <kind> <key>: <what differs>``, one line per failing row."""
    return [
        f"{pair.verdict.upper()}: {stack} {pair.kind} {pair.key}: " + " | ".join(phrases)
        for stack, pair, phrases in failing(run)
    ]


def benchmark_lines(benchmark: RecordedBenchmark) -> list[str]:
    """The recorded whole-process benchmark, one line per stack, with where it ran."""
    return [
        f"whole process, {stack.line()}; benchmarks/plan_vs_synth.py, recorded "
        f"{benchmark.recorded} on {benchmark.machine}, load average {benchmark.load_average:.2f}"
        for stack in benchmark.stacks
    ]


def summary(run: Run) -> Summary:
    lines = []
    for stack_run in run.runs:
        c = stack_run.comparison
        release = f"release {stack_run.release}" if stack_run.release else "first deploy"
        lines.append(
            f"{stack_run.stack} ({release}, CDK {c.mode}): {len(c.pairs)} pairs: "
            f"{c.count('same')} same, {c.count('intentional')} intentional, "
            f"{c.count('unexpected')} unexpected, {c.count('missing')} missing"
        )
        pulumi_count = len([r for r in stack_run.plan.resources if r.custom])
        cdk_count = len(stack_run.synthesis.template.get("Resources", {}))
        lines.append(
            f"{stack_run.stack}: resources Pulumi {pulumi_count} / CloudFormation {cdk_count}"
        )
        pack = stack_run.guardrails
        if pack is not None:
            verdict = "FAIL" if pack.mandatory else "PASS"
            lines.append(f"{stack_run.stack}: guardrails {verdict}, {pack.counts()}")
        timing = stack_run.timing
        if timing is not None:
            ratios = timing.ratios
            lines.append(
                f"{stack_run.stack}: CDK synth / Pulumi offline evaluation "
                f"{timing.median_ratio:.2f}x median of {len(ratios)} warm runs in turn "
                f"(range {min(ratios):.2f}x to {max(ratios):.2f}x; medians "
                f"Pulumi {statistics.median(timing.pulumi_seconds):.2f}s, "
                f"CDK {statistics.median(timing.cdk_seconds):.2f}s)"
            )
    if run.memory:
        shown = {
            side: f"{value / 2**20:.0f} MiB" if value is not None else "unknown"
            for side, value in run.memory.items()
        }
        lines.append(
            f"peak memory, {run.runs[0].stack}, each side in a fresh process: "
            f"Pulumi {shown.get('pulumi')}, CDK {shown.get('cdk')} "
            "(CDK: Python and the jsii Node.js kernel)"
        )
    if run.guardrails_not_run:
        lines.append(f"guardrails policy pack: not run ({run.guardrails_not_run})")
    if run.benchmark:
        lines += benchmark_lines(run.benchmark)
    lines.append(f"lines of code: Pulumi program {run.loc_pulumi}, CDK app {run.loc_cdk}")
    for probe in run.probes:
        needs = (
            "needs the tag parameter at deploy time"
            if probe.needs_parameter_at_deploy
            else "deploys without it"
        )
        lines.append(f"first deploy, CDK {probe.mode}: {needs}")
    if run.stale:
        lines.append(
            "stale reviewed differences (no longer occur): " + ", ".join(e.id for e in run.stale)
        )
    off_points = unexpected_points(run)
    lines += [
        f"UNEXPECTED talk point {p.number}: {p.title}: CDK {p.cdk}; Pulumi {p.pulumi}"
        for p in off_points
    ]
    return Summary(lines=lines, failing=run.failing or bool(off_points))


def unexpected_points(run: Run) -> list[Point]:
    """Talk points whose two sides disagree: they fail the run like an unexpected row."""
    return [p for p in points(run) if p.verdict == "unexpected"]


def _counts(run: Run) -> dict[str, list[tuple[str, dict[str, int]]]]:
    """Per stack and kind, how many rows have each verdict."""
    counts: dict[str, list[tuple[str, dict[str, int]]]] = {}
    for r in run.runs:
        kinds = sorted({p.kind for p in r.comparison.pairs})
        counts[r.stack] = [
            (
                kind,
                {
                    verdict: sum(
                        1 for p in r.comparison.pairs if p.kind == kind and p.verdict == verdict
                    )
                    for verdict in ("same", "intentional", "unexpected", "missing")
                },
            )
            for kind in kinds
        ]
    return counts


def _context(run: Run) -> dict[str, Any]:
    return {
        "run": run,
        "points": points(run),
        "summary": summary(run),
        "failing": failing(run, brief=True),
        "charts": {r.stack: chart(r.comparison, title=r.stack) for r in run.runs},
        "chart_font_px": CHART_FONT_PX,
        "chart_max_width_px": CHART_MAX_WIDTH_PX,
        "tables": {r.stack: rows(r.comparison) for r in run.runs},
        "counts": _counts(run),
        "show": show,
        "breakable": breakable,
        "inline_code": inline_code,
    }


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class Written:
    """The three files of one report."""

    markdown: Path
    html: Path
    json: Path

    @property
    def paths(self) -> tuple[Path, Path, Path]:
        return self.markdown, self.html, self.json


def write(run: Run, directory: Path) -> Written:
    """Write ``report.md``, ``report.html`` and ``report.json`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    environment = _environment()
    context = _context(run)
    written = Written(directory / "report.md", directory / "report.html", directory / "report.json")
    written.markdown.write_text(
        environment.get_template("report.md.j2").render(**context), encoding="utf-8"
    )
    written.html.write_text(
        environment.get_template("report.html.j2").render(**context), encoding="utf-8"
    )
    written.json.write_text(
        json.dumps(as_json(run), indent=2, default=str) + "\n", encoding="utf-8"
    )
    return written


def _pair(pair: Pair) -> dict[str, Any]:
    return {
        "kind": pair.kind,
        "key": pair.key,
        "verdict": pair.verdict,
        "reasons": list(pair.reasons),
        "differences": [
            {
                "property": d.name,
                "pulumi": d.pulumi,
                "cdk": d.cdk,
                "expected": [e.id for e in d.expected],
                "onlyPulumi": list(d.only_pulumi),
                "onlyCdk": list(d.only_cdk),
                "unreviewed": [list(item) for item in d.unreviewed],
            }
            for d in pair.differences
        ],
        "pulumi": pair.pulumi.props if pair.pulumi else None,
        "cdk": pair.cdk.props if pair.cdk else None,
    }


def as_json(run: Run) -> dict[str, Any]:
    point_rows: list[Point] = points(run)
    return {
        "summary": summary(run).lines,
        "failing": summary(run).failing,
        "points": [p.__dict__ for p in point_rows],
        "stacks": [
            {
                "stack": r.stack,
                "release": r.release,
                "mode": r.comparison.mode,
                "pulumiSeconds": r.pulumi_seconds,
                "cdkSynthSeconds": r.synthesis.seconds,
                "timing": (
                    {
                        "pulumiSeconds": list(r.timing.pulumi_seconds),
                        "cdkSeconds": list(r.timing.cdk_seconds),
                        "ratios": list(r.timing.ratios),
                        "medianRatio": r.timing.median_ratio,
                    }
                    if r.timing
                    else None
                ),
                "guardrails": r.guardrails.to_json() if r.guardrails else None,
                "pairs": [_pair(p) for p in r.comparison.pairs],
            }
            for r in run.runs
        ],
        "firstDeploy": [p.__dict__ for p in run.probes],
        "staleDifferences": [e.id for e in run.stale],
        "staleBounds": [list(bound) for bound in run.stale_bounds],
        "peakMemoryBytes": run.memory,
        "wholeProcessBenchmark": run.benchmark.to_json() if run.benchmark else None,
        "guardrailsNotRun": run.guardrails_not_run,
    }
