"""Command line of the release tool: ``python -m app.deploy {tag,exists,release,status,rollback}``.

Exit codes: 0 success; 1 the release failed and everything was restored (or
``exists`` found no such tag); 2 bad input, nothing touched; 3 restoring failed too,
and the message names what needs manual attention.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from app.deploy.clients import AwsClients
from app.deploy.exceptions import (
    BadInputError,
    DeployError,
    ManifestNotFoundError,
    ReleaseFailedError,
    RestoreFailedError,
)
from app.deploy.manifest import MANIFEST_PARAMETER_ENV, DeployManifest, load_manifest
from app.deploy.release import Releaser, ReleaseResult, WaitPolicy, result_summary
from app.deploy.retry import RetryPolicy
from app.deploy.tags import current_tag

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_RESTORE_FAILED = 3


class StderrProgress:
    """Progress, one line per event and target, safe to call from worker threads."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def __call__(self, target: str, message: str) -> None:
        with self._lock:
            print(f"[{target}] {message}", file=self._stream, flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app.deploy",
        description="Release an image tag to every Lambda function and ECS service that the "
        "infra stack's deploy manifest names for it.",
        epilog="AWS settings come from the environment: AWS_PROFILE, AWS_REGION or "
        "AWS_DEFAULT_REGION, AWS_ENDPOINT_URL. Exit codes: 0 ok, 1 failed and restored, "
        "2 bad input (nothing touched), 3 restore failed (manual attention needed).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

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
    image_definitions = argparse.ArgumentParser(add_help=False)
    image_definitions.add_argument(
        "--imagedefinitions",
        type=Path,
        default=Path("imagedefinitions.json"),
        metavar="PATH",
        help="where to write imagedefinitions.json for the image's ECS services "
        "(default: ./imagedefinitions.json; written only if the image has ECS targets)",
    )

    commands.add_parser(
        "tag",
        help="print the image tag for this commit",
        description="Print the first 7 characters of CODEBUILD_RESOLVED_SOURCE_VERSION, "
        "or else of `git rev-parse HEAD`.",
    )
    exists = commands.add_parser(
        "exists",
        parents=[manifest_options],
        help="exit 0 if the tag is in the image's ECR repository, 1 if not",
    )
    release = commands.add_parser(
        "release",
        parents=[manifest_options, concurrency, image_definitions],
        help="release a tag to every target of an image",
    )
    for sub in (exists, release):
        sub.add_argument("--image", required=True, help="image name, a key of the manifest")
        sub.add_argument("--tag", required=True, help="image tag, 7-40 lowercase hex")
    commands.add_parser(
        "status",
        parents=[manifest_options, concurrency],
        help="recorded tag against the image each target runs; drift is marked",
    )
    rollback = commands.add_parser(
        "rollback",
        parents=[manifest_options, concurrency, image_definitions],
        help="release the previous tag from the tag parameter's history",
    )
    rollback.add_argument("--image", required=True, help="image name, a key of the manifest")
    return parser


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM (a cancelled pipeline) into KeyboardInterrupt, so a release restores."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    received: list[int] = []

    def interrupt(signum: int, frame: FrameType | None) -> None:
        # Only the first signal interrupts; later ones must not cut the restore short.
        if not received:
            received.append(signum)
            raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(
    argv: Sequence[str] | None = None,
    *,
    clients: AwsClients | None = None,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    retry: RetryPolicy | None = None,
    wait: WaitPolicy | None = None,
) -> int:
    """Run the CLI; returns the exit code. Tests inject clients, environment and streams."""
    args = build_parser().parse_args(argv)
    env = os.environ if env is None else env
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    as_json = getattr(args, "json", False)
    try:
        with _sigterm_as_interrupt():
            return _run(args, env, clients, out, err, retry, wait)
    except DeployError as exc:
        print(f"error: {exc}", file=err)
        if as_json:
            _print_json(out, _error_document(exc))
        return exc.exit_code
    except KeyboardInterrupt:
        # A release turns an interrupt after its first change into ReleaseFailedError,
        # so this one came before any change.
        print("error: interrupted; nothing was changed", file=err)
        return 130
    except Exception as exc:  # noqa: BLE001 - botocore/network errors: report, exit 1
        # Reached only before a release changes anything: release() restores and
        # raises DeployError for every failure after that point.
        message = f"{type(exc).__name__}: {exc}"
        print(f"error: {message}", file=err)
        if as_json:
            _print_json(out, {"ok": False, "exitCode": EXIT_FAILED, "error": message})
        return EXIT_FAILED


def _run(
    args: argparse.Namespace,
    env: Mapping[str, str],
    clients: AwsClients | None,
    out: TextIO,
    err: TextIO,
    retry: RetryPolicy | None,
    wait: WaitPolicy | None,
) -> int:
    if args.command == "tag":
        print(current_tag(env), file=out)
        return EXIT_OK

    if getattr(args, "max_concurrency", 1) < 1:
        raise BadInputError("--max-concurrency must be at least 1")
    max_concurrency = getattr(args, "max_concurrency", 16)
    clients = clients or AwsClients(max_pool_connections=max_concurrency, env=env)
    manifest = _manifest(args, env, clients)
    releaser = Releaser(
        clients,
        manifest,
        progress=StderrProgress(err),
        retry=retry,
        wait=wait,
        max_concurrency=max_concurrency,
    )

    if args.command == "exists":
        found = releaser.exists(args.image, args.tag)
        uri = manifest.image(args.image).image_uri(args.tag)
        if args.json:
            _print_json(
                out, {"image": args.image, "tag": args.tag, "imageUri": uri, "exists": found}
            )
        else:
            print(f"{uri}: {'exists' if found else 'not found'}", file=out)
        return EXIT_OK if found else EXIT_FAILED

    if args.command == "status":
        from app.deploy.status import collect_status, status_table

        images = collect_status(clients, manifest, retry=retry, max_concurrency=max_concurrency)
        if args.json:
            _print_json(out, {"images": [i.to_dict() for i in images]})
        else:
            print(status_table(images), file=out)
        return EXIT_OK

    result: ReleaseResult
    if args.command == "release":
        result = releaser.release(args.image, args.tag, imagedefinitions=args.imagedefinitions)
    else:
        result = releaser.rollback(args.image, imagedefinitions=args.imagedefinitions)
    if args.json:
        _print_json(out, result.to_dict())
    else:
        print(result_summary(result), file=out)
    return EXIT_OK


def _manifest(
    args: argparse.Namespace, env: Mapping[str, str], clients: AwsClients
) -> DeployManifest:
    name = args.manifest_parameter or env.get(MANIFEST_PARAMETER_ENV, "").strip()
    if not name:
        raise ManifestNotFoundError(
            f"no deploy manifest named: pass --manifest-parameter or set {MANIFEST_PARAMETER_ENV} "
            "(the infra stack publishes /<project>/<stack>/deploy-manifest)"
        )
    return load_manifest(clients.ssm, name)


def _error_document(exc: DeployError) -> dict[str, Any]:
    document: dict[str, Any] = {
        "ok": False,
        "exitCode": exc.exit_code,
        "errorType": type(exc).__name__,
        "error": str(exc),
    }
    if isinstance(exc, ReleaseFailedError | RestoreFailedError):
        document["restored"] = exc.restored
    if isinstance(exc, RestoreFailedError):
        document["needsAttention"] = exc.needs_attention
    return document


def _print_json(out: TextIO, document: object) -> None:
    print(json.dumps(document, indent=2), file=out)
