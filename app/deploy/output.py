"""What the command line prints: a plan, a result, a no-op, an error, as text or JSON."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any, TextIO

from app.deploy.exceptions import DeployError, ReleaseFailedError, RestoreFailedError
from app.deploy.result import result_summary

if TYPE_CHECKING:
    from app.deploy.plan import ReleasePlan
    from app.deploy.result import ReleaseResult

EXIT_OK = 0


def print_plan(args: argparse.Namespace, plan: ReleasePlan, out: TextIO) -> int:
    if args.json:
        print_json(out, plan.to_dict())
    else:
        print("\n".join(plan.lines()), file=out, flush=True)
    return EXIT_OK


def print_result(args: argparse.Namespace, result: ReleaseResult, out: TextIO) -> int:
    if args.json:
        print_json(out, result.to_dict())
    else:
        print(result_summary(result), file=out, flush=True)
    return EXIT_OK


def nothing_recorded(args: argparse.Namespace, out: TextIO) -> int:
    """``release --recorded`` while the parameter holds the placeholder: exit 0, no change."""
    if args.json:
        print_json(out, {"ok": True, "noop": True, "image": args.image, "tag": None})
    else:
        message = f"{args.image}: no release recorded yet (the placeholder); nothing to release"
        print(message, file=out, flush=True)
    return EXIT_OK


def error_document(exc: DeployError, message: str) -> dict[str, Any]:
    document: dict[str, Any] = {
        "ok": False,
        "exitCode": exc.exit_code,
        "errorType": type(exc).__name__,
        "error": message,
    }
    if isinstance(exc, ReleaseFailedError | RestoreFailedError):
        document["restored"] = exc.restored
    if isinstance(exc, RestoreFailedError):
        document["needsAttention"] = exc.needs_attention
    return document


def print_json(out: TextIO, document: object) -> None:
    print(json.dumps(document, indent=2), file=out, flush=True)
