"""The command line's grammar: ``python -m app.deploy COMMAND``, one subparser per command."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from app.deploy.lock import DEFAULT_TTL
from app.deploy.manifest import MANIFEST_PARAMETER_ENV
from app.deploy.source_registry import DEFAULT_WAIT


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse a command line; an unknown option is reported by the command it follows.

    argparse's subcommands leave what they do not know to the top-level parser, which
    would print the top-level usage for ``release ... --frobnicate``; the command's own
    usage says what it takes.
    """
    parser, commands = _build()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        command = commands.get(getattr(args, "command", ""))
        (command or parser).error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser (``parse`` is what the CLI uses)."""
    return _build()[0]


def _build() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser = argparse.ArgumentParser(
        prog="python -m app.deploy",
        description="Release an image tag to every Lambda function and ECS service that the "
        "infra stack's deploy manifest names for it.",
        epilog="AWS settings come from the environment: AWS_PROFILE, AWS_REGION or "
        "AWS_DEFAULT_REGION, AWS_ENDPOINT_URL. Exit codes: 0 ok, 1 failed and restored "
        "(exists: not found), 2 bad input (nothing touched), 3 restore failed (manual "
        "attention needed), 4 another release holds the lock, 5 AWS could not be asked "
        "(region, credentials, access, network), 6 status: drift, 7 status: unreadable, "
        "130 interrupted before any change.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    manifest_options, concurrency, changes = _shared_options()
    commands.add_parser(
        "tag",
        help="print the image tag for this commit",
        description="Print the first 7 characters of CODEBUILD_RESOLVED_SOURCE_VERSION, "
        "or else of `git rev-parse HEAD`.",
    )
    exists = commands.add_parser(
        "exists",
        parents=[manifest_options],
        help="exit 0 if the tag is in the image's ECR repository, 1 if not, 5 if AWS "
        "could not be asked",
    )
    release = commands.add_parser(
        "release",
        parents=[manifest_options, concurrency, changes],
        help="release a tag to every target of an image (manifest schema 2: publish a "
        "version and shift each function's alias to it through CodeDeploy)",
    )
    exists.add_argument("--image", required=True, help="image name, a key of the manifest")
    exists.add_argument("--tag", required=True, help="image tag, 7-40 lowercase hex")
    release.add_argument("--image", required=True, help="image name, a key of the manifest")
    which = release.add_mutually_exclusive_group(required=True)
    which.add_argument("--tag", help="image tag, 7-40 lowercase hex")
    which.add_argument(
        "--recorded",
        action="store_true",
        help="the tag the image's tag parameter records, read once the lock is held (the "
        "infra deploy stage's release); nothing to release while it holds the placeholder",
    )
    commands.add_parser(
        "status",
        parents=[manifest_options, concurrency],
        help="recorded tag against the image each target runs (schema 2: what each alias "
        "serves, deployments in progress, pending configuration); exit 6 on drift, "
        "7 if something cannot be read",
    )
    rollback = commands.add_parser(
        "rollback",
        parents=[manifest_options, concurrency, changes],
        help="release the previous tag from the tag parameter's history (schema 2: "
        "deployed with CodeDeployDefault.LambdaAllAtOnce)",
    )
    rollback.add_argument("--image", required=True, help="image name, a key of the manifest")
    _promote(commands, manifest_options, concurrency, changes)
    hold = commands.add_parser(
        "hold",
        parents=[manifest_options, _lock_options()],
        help="run a command while holding the release locks of images (the infra deploy "
        "stage's pulumi up); exits with the command's exit code",
        usage="python -m app.deploy hold --image IMAGE [--image IMAGE ...] [options] "
        "-- COMMAND [ARG ...]",
    )
    hold.add_argument(
        "--image",
        required=True,
        action="append",
        dest="images",
        help="image whose release lock to hold (repeatable)",
    )
    hold.add_argument("held_command", nargs=argparse.REMAINDER, metavar="-- COMMAND")
    return parser, dict(commands.choices)


def _promote(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    *parents: argparse.ArgumentParser,
) -> None:
    promote = commands.add_parser(
        "promote",
        parents=list(parents),
        help="a promoted stage (manifest schema 3): release the digest its build stage "
        "released, by digest, recording tag and digest",
        description="Read the build stage through its promotion reader role, choose the tag "
        "(default: the one it records) and its digest, check both, wait until the digest "
        "is readable, tag it promoted-<stage>-<tag> there, then release it here as release "
        "does. With --dry-run --json, stdout's tag and digest are what a pipeline exports.",
    )
    promote.add_argument("--image", required=True, help="image name, a key of the manifest")
    promote.add_argument(
        "--from",
        required=True,
        dest="source",
        metavar="STAGE",
        help="the build stage's stack (must be the manifest's stage.from.stack)",
    )
    promote.add_argument(
        "--tag", help="image tag, 7-40 lowercase hex (default: the build stage's recorded tag)"
    )
    promote.add_argument(
        "--digest",
        metavar="sha256:...",
        help="refuse unless the tag's digest is this one (the digest a person approved)",
    )
    promote.add_argument(
        "--replication-wait",
        type=float,
        default=DEFAULT_WAIT,
        metavar="SECONDS",
        help="wait up to this long for the digest to be readable where this stage pulls it "
        f"(default: {DEFAULT_WAIT:g}; exit 1, nothing changed, after that)",
    )


def _shared_options() -> tuple[argparse.ArgumentParser, ...]:
    """The option groups several commands share: manifest, concurrency, changes."""
    manifest_options = argparse.ArgumentParser(add_help=False)
    manifest_options.add_argument(
        "--manifest-parameter",
        metavar="NAME",
        help=f"SSM parameter holding the deploy manifest (default: ${MANIFEST_PARAMETER_ENV}), "
        "e.g. /<project>/<stack>/deploy-manifest",
    )
    manifest_options.add_argument(
        "--json", action="store_true", help="print machine-readable JSON on stdout"
    )
    concurrency = argparse.ArgumentParser(add_help=False)
    concurrency.add_argument(
        "--max-concurrency",
        type=int,
        default=16,
        metavar="N",
        help="targets updated or read at once (default: 16)",
    )
    changes = argparse.ArgumentParser(add_help=False)
    changes.add_argument(
        "--imagedefinitions",
        type=Path,
        default=Path("imagedefinitions.json"),
        metavar="PATH",
        help="where to write imagedefinitions.json for the image's ECS services "
        "(default: ./imagedefinitions.json; written only if the image has ECS targets)",
    )
    _add_lock_options(changes)
    changes.add_argument(
        "--dry-run",
        action="store_true",
        help="print the plan (one line per step, with its guard and restore) and change "
        "nothing: no lock, no write; exit 0 whether or not there is anything to change",
    )
    return manifest_options, concurrency, changes


def _lock_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    _add_lock_options(options)
    return options


def _add_lock_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lock-wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait up to this long for another release of the image to finish "
        "(default: 0, fail at once with exit 4)",
    )
    parser.add_argument(
        "--lock-ttl",
        type=float,
        default=DEFAULT_TTL,
        metavar="SECONDS",
        help="how long this release's lock is valid if the process dies "
        f"(default: {DEFAULT_TTL:g})",
    )
    parser.add_argument(
        "--break-expired-lock",
        action="store_true",
        help="delete a lock whose expiry has passed (its holder died) and go ahead; logged",
    )
