"""Command line of the release tool: ``python -m app.deploy COMMAND`` (tag, exists, release,
status, rollback, promote, hold).

Exit codes (docs/app-release.md has what a person does after each): 0 done; 1 the
release failed and everything was restored (``exists``: the tag is not there); 2 bad
input, nothing touched; 3 restoring failed too, the message names what needs manual
attention; 4 another release holds the image's lock; 5 AWS could not be asked (region,
credentials, access, network); 6 ``status`` found drift; 7 ``status`` could not read
something; 130 interrupted before anything was changed.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from app.deploy.clients import AwsClients
from app.deploy.exceptions import (
    AwsAccessError,
    BadInputError,
    DeployError,
    InterruptedBySignalError,
    ManifestNotFoundError,
)
from app.deploy.lock import DEFAULT_TTL, LockOwner, LockPolicy
from app.deploy.manifest import (
    MANIFEST_PARAMETER_ENV,
    DeployManifest,
    parse_manifest,
    read_manifest,
    ssm_name_problem,
)
from app.deploy.output import error_document, nothing_recorded, print_json, print_plan, print_result
from app.deploy.parser import parse
from app.deploy.recheck import ManifestRecheck, restarting
from app.deploy.release import Releaser, ReleaseResult, WaitPolicy
from app.deploy.retry import RetryPolicy, access_problem
from app.deploy.signals import Interrupts
from app.deploy.tags import current_tag, validate_tag

if TYPE_CHECKING:
    pass

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_RESTORE_FAILED = 3
EXIT_LOCK_HELD = 4
EXIT_NO_AWS = 5
EXIT_INTERRUPTED = 130
# status: EXIT_DRIFT (6) and EXIT_UNREADABLE (7), in app.deploy.exceptions.

MAX_LOCK_SECONDS = 24 * 3600


class StderrProgress:
    """Progress, one line per event and target, safe to call from worker threads."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def __call__(self, target: str, message: str) -> None:
        with self._lock:
            print(f"[{target}] {message}", file=self._stream, flush=True)


def _stderr_writer(stream: TextIO) -> Any:
    """How a signal handler writes a line: straight to the descriptor, taking no lock."""
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return lambda message: None
    return lambda message: os.write(descriptor, message.encode())


def main(
    argv: Sequence[str] | None = None,
    *,
    clients: AwsClients | None = None,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    retry: RetryPolicy | None = None,
    wait: WaitPolicy | None = None,
    interrupts: Interrupts | None = None,
    exiting: bool = False,
) -> int:
    """Run the CLI; returns the exit code. Tests inject clients, environment and streams.

    ``exiting``: the process ends when this returns (``python -m app.deploy``), so
    SIGINT and SIGTERM are ignored from then on (``Interrupts.installed``).
    """
    args = parse(argv)
    env = os.environ if env is None else env
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    as_json = getattr(args, "json", False)
    interrupts = interrupts or Interrupts(_stderr_writer(err))
    try:
        with interrupts.installed(exiting=exiting):
            return _run(args, env, clients, out, err, retry, wait, interrupts)
    except DeployError as exc:
        message = str(exc)
        if isinstance(exc, InterruptedBySignalError):
            message += "; nothing was changed"
        print(f"error: {message}", file=err)
        if as_json:
            print_json(out, error_document(exc, message))
        return exc.exit_code
    except KeyboardInterrupt as exc:
        # Raised by a signal only before the first AWS write (app.deploy.signals).
        message = f"interrupted by {exc.args[0] if exc.args else 'SIGINT'}; nothing was changed"
        print(f"error: {message}", file=err)
        if as_json:
            print_json(
                out,
                {"ok": False, "exitCode": EXIT_INTERRUPTED,
                 "errorType": InterruptedBySignalError.__name__, "error": message},
            )  # fmt: skip
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - botocore/network errors before any change
        # Reached only before a release changes anything: release() restores and
        # raises DeployError for every failure after that point.
        problem = access_problem(exc)
        code = EXIT_NO_AWS if problem else EXIT_FAILED
        message = f"cannot ask AWS: {problem}" if problem else f"{type(exc).__name__}: {exc}"
        message += "; nothing was changed"
        print(f"error: {message}", file=err)
        if as_json:
            print_json(
                out,
                {"ok": False, "exitCode": code, "errorType": type(exc).__name__,
                 "error": message},
            )  # fmt: skip
        return code


def _validate(args: argparse.Namespace, env: Mapping[str, str]) -> str:
    """Everything that can be checked without AWS; returns the manifest parameter name."""
    if getattr(args, "tag", None) is not None:
        validate_tag(args.tag)
    image = getattr(args, "image", None)
    if image is not None and (not image or any(c.isspace() for c in image)):
        raise BadInputError(f"--image {image!r} is not an image name (no spaces, not empty)")
    if getattr(args, "max_concurrency", 1) < 1:
        raise BadInputError("--max-concurrency must be at least 1")
    if not 0 <= getattr(args, "lock_wait", 0) <= MAX_LOCK_SECONDS:
        raise BadInputError(f"--lock-wait must be 0 to {MAX_LOCK_SECONDS} seconds")
    if not 1 <= getattr(args, "lock_ttl", 1) <= MAX_LOCK_SECONDS:
        raise BadInputError(f"--lock-ttl must be 1 to {MAX_LOCK_SECONDS} seconds")
    if args.command == "promote":
        from app.deploy.promote import validate_arguments

        validate_arguments(args.source, args.digest, args.replication_wait, MAX_LOCK_SECONDS)
    definitions = getattr(args, "imagedefinitions", None)
    if definitions is not None and not definitions.resolve().parent.is_dir():
        raise BadInputError(
            f"--imagedefinitions {definitions}: directory {definitions.resolve().parent} "
            "does not exist"
        )
    name = args.manifest_parameter or env.get(MANIFEST_PARAMETER_ENV, "").strip()
    if not name:
        raise ManifestNotFoundError(
            f"no deploy manifest named: pass --manifest-parameter or set {MANIFEST_PARAMETER_ENV} "
            "(the infra stack publishes /<project>/<stack>/deploy-manifest)"
        )
    problem = ssm_name_problem(name)
    if problem:
        raise ManifestNotFoundError(f"deploy manifest parameter name {name!r} {problem}")
    return str(name)


def _run(
    args: argparse.Namespace,
    env: Mapping[str, str],
    clients: AwsClients | None,
    out: TextIO,
    err: TextIO,
    retry: RetryPolicy | None,
    wait: WaitPolicy | None,
    interrupts: Interrupts,
) -> int:
    if args.command == "tag":
        print(current_tag(env), file=out)
        return EXIT_OK

    manifest_name = _validate(args, env)
    max_concurrency = getattr(args, "max_concurrency", 16)
    if clients is None:
        clients = AwsClients(max_pool_connections=max_concurrency, env=env)
        if not clients.session().region_name:
            raise AwsAccessError(
                "no AWS region: set AWS_REGION or AWS_DEFAULT_REGION, or use a profile "
                "with a region; nothing was asked or changed"
            )
    progress = StderrProgress(err)
    return restarting(
        lambda: _command(args, env, clients, out, progress, retry, wait, interrupts, manifest_name),
        progress,
        interrupts,
    )


def _command(
    args: argparse.Namespace,
    env: Mapping[str, str],
    clients: AwsClients,
    out: TextIO,
    progress: StderrProgress,
    retry: RetryPolicy | None,
    wait: WaitPolicy | None,
    interrupts: Interrupts,
    manifest_name: str,
) -> int:
    """One attempt: read the manifest, then run the command (``restarting`` repeats it)."""
    text = _manifest(manifest_name, clients, retry)
    manifest = parse_manifest(text, f"deploy manifest {manifest_name}")
    max_concurrency = getattr(args, "max_concurrency", 16)
    releaser = Releaser(
        clients,
        manifest,
        progress=progress,
        retry=retry,
        wait=wait,
        max_concurrency=max_concurrency,
        lock=LockPolicy(
            ttl=getattr(args, "lock_ttl", DEFAULT_TTL),
            wait=getattr(args, "lock_wait", 0.0),
            break_expired=getattr(args, "break_expired_lock", False),
        ),
        owner=LockOwner.of_this_process(env),
        interrupts=interrupts,
        recheck=ManifestRecheck(clients.ssm, manifest_name, text, retry or RetryPolicy()),
    )

    if args.command == "exists":
        return _exists(args, releaser, manifest, out)
    if args.command == "hold":
        return _hold(args, releaser, interrupts, progress)
    if args.command == "status":
        return _status(args, clients, manifest, out, retry, max_concurrency)
    if args.command == "promote" or (
        getattr(args, "recorded", False) and manifest.image(args.image).promoted
    ):
        return _promote(args, releaser, env, interrupts, progress, out)
    return _release(args, releaser, out)


def _hold(
    args: argparse.Namespace, releaser: Releaser, interrupts: Interrupts, progress: StderrProgress
) -> int:
    from app.deploy.hold import hold

    command = list(args.held_command)
    if command[:1] == ["--"]:
        command = command[1:]
    for image in args.images:
        releaser.manifest.image(image)  # an unknown image is bad input before any lock
    return hold(releaser, args.images, command, interrupts=interrupts, progress=progress)


def _exists(
    args: argparse.Namespace, releaser: Releaser, manifest: DeployManifest, out: TextIO
) -> int:
    found = releaser.exists(args.image, args.tag)
    uri = manifest.image(args.image).image_uri(args.tag)
    if args.json:
        print_json(out, {"image": args.image, "tag": args.tag, "imageUri": uri, "exists": found})
    else:
        print(f"{uri}: {'exists' if found else 'not found'}", file=out, flush=True)
    return EXIT_OK if found else EXIT_FAILED


def _status(
    args: argparse.Namespace,
    clients: AwsClients,
    manifest: DeployManifest,
    out: TextIO,
    retry: RetryPolicy | None,
    max_concurrency: int,
) -> int:
    from app.deploy.status import collect_status, status_exit_code, status_table

    images = collect_status(clients, manifest, retry=retry, max_concurrency=max_concurrency)
    code = status_exit_code(images)
    if args.json:
        print_json(
            out,
            {
                "ok": code == EXIT_OK,
                "exitCode": code,
                "drift": any(i.drift for i in images),
                "unreadable": any(i.unreadable for i in images),
                "images": [i.to_dict() for i in images],
            },
        )
    else:
        print(status_table(images), file=out, flush=True)
    return code


def _release(args: argparse.Namespace, releaser: Releaser, out: TextIO) -> int:
    """``release`` or ``rollback``; with ``--dry-run`` only their plan."""
    recorded = args.command == "release" and args.recorded
    if args.dry_run:
        if args.command == "release":
            tag: str | None = releaser.recorded_tag(args.image) if recorded else args.tag
            if tag is None:
                return nothing_recorded(args, out)
            plan = releaser.plan_release(args.image, tag, imagedefinitions=args.imagedefinitions)
        else:
            plan = releaser.plan_rollback(args.image, imagedefinitions=args.imagedefinitions)
        return print_plan(args, plan, out)
    result: ReleaseResult
    if recorded:
        outcome = releaser.release_recorded(args.image, imagedefinitions=args.imagedefinitions)
        if outcome is None:
            return nothing_recorded(args, out)
        result = outcome
    elif args.command == "release":
        result = releaser.release(args.image, args.tag, imagedefinitions=args.imagedefinitions)
    else:
        result = releaser.rollback(args.image, imagedefinitions=args.imagedefinitions)
    return print_result(args, result, out)


def _promote(
    args: argparse.Namespace,
    releaser: Releaser,
    env: Mapping[str, str],
    interrupts: Interrupts,
    progress: StderrProgress,
    out: TextIO,
) -> int:
    """``promote``, or ``release --recorded`` in a promoted stage; with ``--dry-run`` only
    the plan (``--json``: its tag and digest)."""
    from app.deploy.promote import promoter
    from app.deploy.source_registry import DEFAULT_WAIT

    promoting = promoter(
        releaser,
        env=env,
        interrupts=interrupts,
        progress=progress,
        replication_wait=getattr(args, "replication_wait", DEFAULT_WAIT),
    )
    definitions = args.imagedefinitions
    if args.command != "promote":  # release --recorded: the recorded digest again
        if args.dry_run:
            plan = promoting.plan_recorded(args.image, imagedefinitions=definitions)
            return nothing_recorded(args, out) if plan is None else print_plan(args, plan, out)
        outcome = promoting.release_recorded(args.image, imagedefinitions=definitions)
        return nothing_recorded(args, out) if outcome is None else print_result(args, outcome, out)
    options = {"tag": args.tag, "digest": args.digest, "imagedefinitions": definitions}
    if args.dry_run:
        return print_plan(args, promoting.plan(args.image, args.source, **options), out)
    return print_result(args, promoting.promote(args.image, args.source, **options), out)


def _manifest(name: str, clients: AwsClients, retry: RetryPolicy | None) -> str:
    """The manifest parameter's value; an access problem is exit 5."""
    try:
        return read_manifest(clients.ssm, name, retry)
    except Exception as exc:
        problem = access_problem(exc)
        if problem is None:  # the manifest's own errors (DeployError) among them
            raise
        raise AwsAccessError(
            f"cannot read deploy manifest {name}: {problem}; nothing was changed. Run with "
            "credentials that may call ssm:GetParameter on it (AWS_PROFILE, AWS_ACCESS_KEY_ID "
            "and AWS_SECRET_ACCESS_KEY, or the build's role), where AWS can be reached"
        ) from exc
