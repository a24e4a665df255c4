"""Command line: ``python -m cdk_parity synth --stack dev --mode lookup`` writes the CDK
reference's templates; ``python -m cdk_parity compare`` compares the Pulumi program with
them and writes the report (exit 1 on any difference not in expected_differences.yaml)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cdk_parity.exceptions import CdkParityError, PolicyPackNotFoundError
from cdk_parity.reference.config import ConfigError
from cdk_parity.reference.node import require_node
from cdk_parity.reference.tag_lookup import DEFAULT_MODE, TagMode

#: The stacks ``compare`` compares unless told otherwise.
DEFAULT_STACKS = ("dev", "prod")
#: The guardrails policy pack the report shows the result of, from the working directory.
DEFAULT_POLICY_PACK = "policy"


def _synth(args: argparse.Namespace) -> int:
    from cdk_parity.reference.synth import synthesize

    context = json.loads(Path(args.context_file).read_text()) if args.context_file else None
    result = synthesize(
        args.stack, args.mode, Path(args.out), offline=args.offline, context=context
    )
    for name in result.templates:
        resources = result.templates[name].get("Resources", {})
        print(f"{name}: {len(resources)} resources -> {Path(args.out) / f'{name}.template.json'}")
    for image, tag in result.image_tags.items():
        print(f"  {image} tag: {json.dumps(tag.tag)} ({tag.source}, {tag.parameter})")
    for key in result.missing_context:
        print(f"  missing context (the CDK CLI would look it up): {key}")
    print(f"synthesized in {result.seconds:.2f}s ({result.mode} tag lookup)")
    return 0


def _compare(args: argparse.Namespace) -> int:
    # Imported here: the comparison loads the Pulumi program's runtime, synth does not.
    from cdk_parity.compare.run import run
    from cdk_parity.report import render

    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    pack, not_run = _policy_pack(args)
    result = run(
        args.stack or list(DEFAULT_STACKS),
        mode=TagMode.parse(args.mode),
        probe_stack=args.probe_stack,
        expected_path=Path(args.expected) if args.expected else None,
        progress=progress,
        timing_runs=args.timing_runs,
        measure_memory=not args.no_memory,
        policy_pack=pack,
        policy_pack_not_run=not_run,
    )
    written = render.write(result, Path(args.out))
    summary = render.summary(result)
    for line in summary.lines:
        print(line)
    for line in render.failing_lines(result):
        print(line)
    markdown, html, data = written.paths
    print(f"report: {markdown}, {html} and {data}")
    if summary.failing:
        print(
            "Unexpected differences: align the two sides, or record each intentional one "
            "with its reason in cdk_parity/expected_differences.yaml.",
            file=sys.stderr,
        )
        return 1
    return 0


def _policy_pack(args: argparse.Namespace) -> tuple[Path | None, str | None]:
    """The pack to run over the plans, or why none runs (the report says which)."""
    if args.no_policy_pack:
        return None, "--no-policy-pack"
    if args.policy_pack is not None:
        given = Path(args.policy_pack)
        if not (given / "PulumiPolicy.yaml").is_file():
            raise PolicyPackNotFoundError(
                f"--policy-pack {given}: no PulumiPolicy.yaml in that folder"
            )
        return given.resolve(), None
    default = Path(DEFAULT_POLICY_PACK)
    if not (default / "PulumiPolicy.yaml").is_file():
        return None, f"no policy pack in {default}/ (pass --policy-pack DIR)"
    return default.resolve(), None


def _add_compare(commands: Any) -> None:
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
    pack = parser.add_mutually_exclusive_group()
    pack.add_argument(
        "--policy-pack",
        metavar="DIR",
        help=f"guardrails policy pack to run over each stack's Pulumi plan for the report "
        f"(default: {DEFAULT_POLICY_PACK}/, when it exists; it does not change the exit code)",
    )
    pack.add_argument(
        "--no-policy-pack", action="store_true", help="do not run the guardrails policy pack"
    )
    parser.add_argument(
        "--expected",
        help="reviewed differences file (default cdk_parity/expected_differences.yaml)",
    )
    parser.set_defaults(handler=_compare)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cdk_parity", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    synth = commands.add_parser("synth", help="write the CloudFormation templates, offline")
    synth.add_argument("--stack", default="dev", help="reads Pulumi.<stack>.yaml (default dev)")
    synth.add_argument(
        "--mode",
        default=str(DEFAULT_MODE),
        choices=[m.value for m in TagMode],
        help=f"image-tag lookup mode (default {DEFAULT_MODE})",
    )
    synth.add_argument("--out", default="cdk.out", help="cloud assembly directory")
    synth.add_argument(
        "--offline",
        action="store_true",
        help="synth-time mode: treat every tag parameter as not found (no AWS call)",
    )
    synth.add_argument(
        "--context-file", help="JSON of context values, e.g. a cdk.context.json with lookups"
    )
    synth.set_defaults(handler=_synth)
    _add_compare(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        require_node()
        return int(args.handler(args))
    except (CdkParityError, ConfigError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
