"""``python -m infra_pulumi.plan``: print what the program would create, offline.

No AWS account and no Pulumi CLI: the program runs under Pulumi's mock runtime. By
default every tag parameter and function is answered as "not found", so the plan tells
the first-deploy story. ``--released``, ``--tag`` and ``--state`` plan the stack as it
would be after a release, or as it is live, which a stack with ``requireRelease: true``
needs. A promoted stage (``promoteFrom``) with a released tag is planned as promoted:
``--promoted DIGEST`` (or ``IMAGE=DIGEST``) gives the digest, else an example one is
derived from the tag, and the build stage's repository is answered as holding it.

``--policy-pack DIR`` then runs a Python policy pack over the plan, as
``pulumi preview --policy-pack DIR`` would (``infra_pulumi/plan/policy_run.py``).

Exit codes: 0 planned; 1 the program stopped (a rule of the program, e.g. a regression or
a missing release); 2 bad input (config, stack name, options, state file, policy pack);
3 the policy pack reported a mandatory violation.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

from infra_pulumi.exceptions import ConfigError, InfraError, ReleaseRequiredError
from infra_pulumi.naming import IMAGES, PLACEHOLDER_TAG, Naming, is_valid_tag
from infra_pulumi.plan.mocks import (
    ECR_GET_IMAGE,
    SSM_GET_PARAMETER,
    InvokeHandler,
    InvokeResult,
    ecr_images,
    parameter_not_found,
)
from infra_pulumi.plan.promoted import build_stage_of, digest_option, promoted_answers
from infra_pulumi.plan.render import render
from infra_pulumi.plan.runner import Plan, evaluate, project_name, stack_config

if TYPE_CHECKING:
    from infra_pulumi.plan.policy_run import PolicyReport

EXIT_STOPPED = 1
EXIT_BAD_INPUT = 2
EXIT_POLICY_VIOLATION = 3


class PlanInputError(ConfigError):
    """An option or the state file is not usable."""


def _release_tag(text: str) -> str:
    """A tag given on the command line: what the app pipeline records, or the placeholder."""
    if not is_valid_tag(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a release tag: expected the first 7 (up to 40) lowercase hex "
            f"characters of a commit, e.g. abc1234, or the placeholder {PLACEHOLDER_TAG!r}"
        )
    return text


def _tag_option(text: str) -> tuple[str, str]:
    image, sep, tag = text.partition("=")
    if not sep or image not in IMAGES or not tag:
        raise argparse.ArgumentTypeError(
            f"expected IMAGE=TAG with IMAGE one of {', '.join(IMAGES)}, e.g. lambda=abc1234; "
            f"got {text!r}"
        )
    return image, _release_tag(tag)


def _promoted_option(text: str) -> tuple[str | None, str]:
    try:
        return digest_option(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def read_state(path: Path) -> dict[str, str]:
    """Parameter values from a JSON file: ``{"<name>": "<value>"}``, or the output of
    ``aws ssm get-parameters --names ...`` (``{"Parameters": [{"Name", "Value"}, ...]}``)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanInputError(f"--state {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise PlanInputError(
            f"--state {path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        ) from exc
    if isinstance(document, dict) and isinstance(document.get("Parameters"), list):
        pairs = [(p.get("Name"), p.get("Value")) for p in document["Parameters"]]
    elif isinstance(document, dict):
        pairs = list(document.items())
    else:
        pairs = [(None, None)]
    values: dict[str, str] = {}
    for name, value in pairs:
        if not isinstance(name, str) or not isinstance(value, str):
            raise PlanInputError(
                f"--state {path}: expected parameter names mapped to string values, or the "
                "output of `aws ssm get-parameters`; found an entry that is neither"
            )
        values[name] = value
    return values


def answers(
    naming: Naming,
    *,
    released: str | None,
    tags: Sequence[tuple[str, str]],
    state: Mapping[str, str] | None,
    state_name: str = "",
) -> tuple[dict[str, str], dict[str, str]]:
    """Parameter values to answer with, and where each image's tag comes from."""
    values: dict[str, str] = {}
    origins = {image: "not found: first deploy" for image in IMAGES}
    if state is not None:
        values.update(state)
        for image in IMAGES:
            if naming.tag_parameter(image) in state:
                origins[image] = f"state file {state_name}"
            else:
                origins[image] = f"not in state file {state_name}: not found"
    if released is not None:
        for image in IMAGES:
            values[naming.tag_parameter(image)] = released
            origins[image] = "--released"
    for image, tag in tags:
        values[naming.tag_parameter(image)] = tag
        origins[image] = "--tag"
    return values, origins


def _parameter_handler(values: Mapping[str, str]) -> Any:
    from infra_pulumi.plan.mocks import parameter_value

    def handler(args: Mapping[str, Any]) -> InvokeResult:
        name = str(args["name"])
        if name in values:
            return parameter_value(values[name])(args)
        return parameter_not_found(args)

    return handler


def _promoted_invokes(
    args: argparse.Namespace, project: str, values: dict[str, str], origins: dict[str, str]
) -> dict[str, InvokeHandler]:
    """For a promoted stage: answer its digest parameters and its build stage's images
    (adding both to ``values`` and ``origins``); nothing for a build stage."""
    naming = Naming(project, args.stack)
    source = build_stage_of(args.stack, project)
    if source is None:
        if args.promoted:
            raise PlanInputError(
                f"--promoted: stack {args.stack} is a build stage (no promoteFrom in "
                f"Pulumi.{args.stack}.yaml); a promoted stage runs a digest promoted from one"
            )
        return {}
    recorded = [
        (image, values[naming.digest_parameter(image)])
        for image in IMAGES
        if naming.digest_parameter(image) in values
    ]
    tags = {
        image: values[naming.tag_parameter(image)]
        for image in IMAGES
        if naming.tag_parameter(image) in values
    }
    found = promoted_answers(naming, source, tags, [*recorded, *args.promoted])
    values.update(found.digests)
    for image, origin in found.origins.items():
        origins[image] = f"{origins[image]}; {origin}"
    return {ECR_GET_IMAGE: ecr_images(found.images)} if found.images else {}


def _release_hint(stack: str) -> str:
    return (
        f"Stack {stack} requires a release. Plan it either as it would be after one:\n"
        f"  python -m infra_pulumi.plan --stack {stack} --released <tag>\n"
        f"  python -m infra_pulumi.plan --stack {stack} --tag lambda=<tag> --tag web=<tag>\n"
        "or as it is live, from the tag parameters' values:\n"
        "  aws ssm get-parameters --names <lambda tag parameter> <web tag parameter> "
        "> params.json\n"
        f"  python -m infra_pulumi.plan --stack {stack} --state params.json"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m infra_pulumi.plan",
        allow_abbrev=False,
        description="Evaluate the Pulumi program offline and print the planned resources.",
    )
    parser.add_argument(
        "--stack", default="dev", help="stack whose Pulumi.<stack>.yaml to use (default: dev)"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=Path("out/plan.json"),
        metavar="PATH",
        help="where to write the plan as JSON (default: out/plan.json; '-' for stdout only)",
    )
    parser.add_argument(
        "--released",
        type=_release_tag,
        metavar="TAG",
        help="plan as after releasing TAG of every image",
    )
    parser.add_argument(
        "--tag",
        type=_tag_option,
        action="append",
        default=[],
        metavar="IMAGE=TAG",
        help="plan as after releasing TAG of IMAGE (repeatable; overrides --released)",
    )
    parser.add_argument(
        "--promoted",
        type=_promoted_option,
        action="append",
        default=[],
        metavar="[IMAGE=]DIGEST",
        help="a promoted stage: the digest promoted with the released tag (repeatable; "
        "default: an example digest derived from the tag)",
    )
    parser.add_argument(
        "--state",
        type=Path,
        metavar="FILE",
        help="tag parameter values as JSON ({name: value}, or `aws ssm get-parameters` output)",
    )
    parser.add_argument(
        "--policy-pack",
        type=Path,
        metavar="DIR",
        help="run the Python policy pack in DIR over the plan (e.g. policy)",
    )
    parser.add_argument(
        "--policy-pack-config",
        type=Path,
        metavar="FILE",
        help="JSON config for the policy pack, as `pulumi preview --policy-pack-config`",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Wide enough for the inputs column when piped into a log; a terminal sets its own.
    console = Console(stderr=str(args.json) == "-", width=None if sys.stdout.isatty() else 140)
    err = Console(stderr=True, soft_wrap=True)  # an error is one line, however long

    try:
        state = read_state(args.state) if args.state is not None else None
        project = project_name()
        values, origins = answers(
            Naming(project, args.stack),
            released=args.released,
            tags=args.tag,
            state=state,
            state_name=str(args.state),
        )
        invokes = _promoted_invokes(args, project, values, origins)
        err.print(
            f"Evaluating the program for stack [bold]{escape(args.stack)}[/bold] under mocks…"
        )
        plan = evaluate(
            args.stack, invokes={SSM_GET_PARAMETER: _parameter_handler(values), **invokes}
        )
    except ConfigError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_BAD_INPUT
    except ReleaseRequiredError as exc:
        err.print(
            f"[red]error:[/red] {escape(str(exc))}\n{escape(_release_hint(args.stack))}",
            highlight=False,
        )
        return EXIT_STOPPED
    except InfraError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        return EXIT_STOPPED

    render(plan, console, origins)
    extra: dict[str, Any] = {"tagOrigins": origins}
    report = None
    if args.policy_pack is not None:
        # Imported only when asked for: the pack's runner (jsonschema, the gRPC stubs)
        # costs start-up time every plan would pay otherwise.
        from infra_pulumi.plan.policy_run import render_report

        try:
            report = _run_policy_pack(args, plan)
        except ConfigError as exc:
            err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
            return EXIT_BAD_INPUT
        render_report(report, console)
        extra["policy"] = report.to_json()
    document = json.dumps({**plan.to_json(), **extra}, indent=2, sort_keys=True)
    if str(args.json) == "-":
        sys.stdout.write(document + "\n")
    else:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(document + "\n", encoding="utf-8")
        err.print(f"Plan written to {escape(str(args.json))}")
    return EXIT_POLICY_VIOLATION if report is not None and report.mandatory else 0


def _run_policy_pack(args: argparse.Namespace, plan: Plan) -> PolicyReport:
    from infra_pulumi.plan.policy_run import PolicyPackError, read_policy_config
    from infra_pulumi.plan.policy_run import run as run_policy_pack

    if args.policy_pack_config is not None and not args.policy_pack_config.is_file():
        raise PolicyPackError(f"--policy-pack-config {args.policy_pack_config}: no such file")
    return run_policy_pack(
        args.policy_pack.resolve(),
        plan,
        stack_config(plan.stack),
        read_policy_config(args.policy_pack_config),
    )


if __name__ == "__main__":
    # A short-lived process that builds a great many objects and frees few: importing
    # pulumi_aws's generated modules and evaluating the program. The cyclic collector's
    # passes find nothing to free there and cost about a fifth of the CPU time
    # (benchmarks/plan_vs_synth.py); the process exits right after, which frees it all.
    gc.disable()
    exit_code = main()
    # Skip the interpreter's teardown: unwinding pulumi_aws's thousands of generated
    # classes module by module costs about 0.4 s, a quarter of the run, and frees nothing
    # the operating system would not. Nothing is left to finish: the plan file is written
    # and closed, no atexit hook matters here, and the standard streams are flushed now.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)
