"""Write the side-by-side report as Markdown and as a self-contained HTML page."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from cdk_parity.compare.engine import Pair
from cdk_parity.compare.points import Point, points
from cdk_parity.compare.run import Run

TEMPLATES = Path(__file__).with_name("report_templates")


@dataclass(frozen=True)
class Summary:
    """The headline numbers of a run, also printed by the command."""

    lines: list[str]
    failing: bool


def show(value: Any) -> str:
    """A property value as short, readable text."""
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(show(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


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
        ratio = stack_run.synthesis.seconds / stack_run.pulumi_seconds
        warmth = "cold, first in this process" if stack_run.cold else "warm"
        lines.append(
            f"{stack_run.stack}: resources Pulumi {pulumi_count} / CloudFormation {cdk_count}; "
            f"Pulumi offline evaluation {stack_run.pulumi_seconds:.2f}s, "
            f"CDK synth {stack_run.synthesis.seconds:.2f}s "
            f"(CDK/Pulumi {ratio:.1f}x, {warmth})"
        )
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
    return Summary(lines=lines, failing=run.failing)


def _context(run: Run) -> dict[str, Any]:
    return {
        "run": run,
        "points": points(run),
        "summary": summary(run),
        "show": show,
        "verdict_order": ["unexpected", "missing", "intentional", "same"],
    }


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def write(run: Run, directory: Path) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` (and ``report.json``) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    environment = _environment()
    context = _context(run)
    markdown = directory / "report.md"
    html = directory / "report.html"
    markdown.write_text(
        environment.get_template("report.md.j2").render(**context), encoding="utf-8"
    )
    html.write_text(environment.get_template("report.html.j2").render(**context), encoding="utf-8")
    (directory / "report.json").write_text(
        json.dumps(as_json(run), indent=2, default=str) + "\n", encoding="utf-8"
    )
    return markdown, html


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
                "expected": d.expected.id if d.expected else None,
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
        "failing": run.failing,
        "points": [p.__dict__ for p in point_rows],
        "stacks": [
            {
                "stack": r.stack,
                "release": r.release,
                "mode": r.comparison.mode,
                "pulumiSeconds": r.pulumi_seconds,
                "cdkSynthSeconds": r.synthesis.seconds,
                "pairs": [_pair(p) for p in r.comparison.pairs],
            }
            for r in run.runs
        ],
        "firstDeploy": [p.__dict__ for p in run.probes],
        "staleDifferences": [e.id for e in run.stale],
    }
