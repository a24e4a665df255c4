"""``python -m infra_pulumi.plan``: print what the program would create, offline.

No AWS account and no Pulumi CLI: the program runs under Pulumi's mock runtime,
and every tag parameter and function is answered as "not found", so the plan tells
the first-deploy story.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console

from infra_pulumi.exceptions import InfraError
from infra_pulumi.plan.render import render
from infra_pulumi.plan.runner import evaluate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra_pulumi.plan",
        description="Evaluate the Pulumi program offline and print the planned resources.",
    )
    parser.add_argument("--stack", default="dev", help="stack whose Pulumi.<stack>.yaml to use")
    parser.add_argument(
        "--json",
        type=Path,
        default=Path("out/plan.json"),
        metavar="PATH",
        help="where to write the plan as JSON (default: out/plan.json; '-' for stdout only)",
    )
    args = parser.parse_args(argv)
    # Wide enough for the inputs column when piped into a log; a terminal sets its own.
    console = Console(stderr=str(args.json) == "-", width=None if sys.stdout.isatty() else 140)
    err = Console(stderr=True)

    err.print(f"Evaluating the program for stack [bold]{args.stack}[/bold] under mocks…")
    try:
        plan = evaluate(args.stack)
    except (InfraError, FileNotFoundError) as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        return 1

    render(plan, console)
    document = json.dumps(plan.to_json(), indent=2, sort_keys=True)
    if str(args.json) == "-":
        sys.stdout.write(document + "\n")
    else:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(document + "\n", encoding="utf-8")
        err.print(f"Plan written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
