"""``python -m cdk_parity compare``: the Pulumi program and the CDK reference, side by side.

Evaluates the Pulumi program offline (the infra side's offline plan), synthesizes the
CDK app offline, normalises both to one vocabulary, pairs their resources, and writes
``report.md``, ``report.html`` and ``report.json``. Exit 1 when any difference is not
listed in ``cdk_parity/expected_differences.yaml``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from cdk_parity.reference.tag_lookup import TagMode

DEFAULT_STACKS = ("dev", "prod")


def _compare(args: argparse.Namespace) -> int:
    from cdk_parity.compare.run import run
    from cdk_parity.report import render

    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    result = run(
        args.stack or list(DEFAULT_STACKS),
        mode=TagMode.parse(args.mode),
        probe_stack=args.probe_stack,
        expected_path=Path(args.expected) if args.expected else None,
        progress=progress,
        timing_runs=args.timing_runs,
        measure_memory=not args.no_memory,
    )
    markdown, html = render.write(result, Path(args.out))
    summary = render.summary(result)
    for line in summary.lines:
        print(line)
    for line in render.failing_lines(result):
        print(line)
    print(f"report: {markdown} and {html}")
    if summary.failing:
        print(
            "Unexpected differences: align the two sides, or record each intentional one "
            "with its reason in cdk_parity/expected_differences.yaml.",
            file=sys.stderr,
        )
        return 1
    return 0


def register(commands: Any) -> None:
    """Add the ``compare`` subcommand to ``python -m cdk_parity``."""
    parser = commands.add_parser(
        "compare", help="compare the Pulumi program with the CDK reference"
    )
    parser.add_argument(
        "--stack",
        action="append",
        help=f"stack to compare (repeatable; default: {' and '.join(DEFAULT_STACKS)})",
    )
    parser.add_argument(
        "--mode",
        default=str(TagMode.SYNTH_TIME),
        choices=[m.value for m in TagMode],
        help="CDK tag-lookup mode to pair against (default synth-time, the talk's workaround)",
    )
    parser.add_argument(
        "--probe-stack",
        help="stack for the first-deploy probe of all three modes (default: the first)",
    )
    parser.add_argument("--out", default="out/parity", help="report directory (default out/parity)")
    parser.add_argument(
        "--timing-runs",
        type=int,
        default=5,
        help="warm runs of each side, in turn, per stack, for the timing ratio (default 5)",
    )
    parser.add_argument(
        "--no-memory",
        action="store_true",
        help="skip the peak-memory runs (each side once more in a fresh process)",
    )
    parser.add_argument(
        "--expected",
        help="reviewed differences file (default cdk_parity/expected_differences.yaml)",
    )
    parser.set_defaults(handler=_compare)
