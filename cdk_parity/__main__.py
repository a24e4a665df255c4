"""Command line of the CDK reference: ``python -m cdk_parity synth --stack dev --mode lookup``."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from cdk_parity.exceptions import CdkParityError
from cdk_parity.reference.config import ConfigError
from cdk_parity.reference.node import require_node
from cdk_parity.reference.tag_lookup import DEFAULT_MODE, TagMode


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
    # Further commands (the comparison) register themselves from their own modules.
    for name in ("cdk_parity.compare",):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        register = getattr(module, "register", None)
        if register is not None:
            register(commands)
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
