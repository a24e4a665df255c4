"""The SSM lock's manifest recheck (schemas 1 to 3): once the lock is taken, the manifest
is read again, and a command planned with a manifest that has changed since gives the
lock back and starts over with the new one (``restarting``, at most ``MAX_RESTARTS``).

Why this closes the upgrade's window: a tool that read schema 1 to 3 takes the SSM
lock; a schema-4 tool takes the table's item and, beside its PutItem, reads the SSM lock
(the upgrade guard, ``app.deploy.table_lock``). Let a schema-4 release B read the
manifest (schema 4) at t1, after ``pulumi up`` published it at tp, and its guard read
the SSM lock at g > t1. A release A that read the older manifest takes the SSM lock at
c. If c < g, B's guard sees A's lock and backs off. If c > g, A's re-read at r > c (it
comes after the create, never beside it) is later than g > t1 > tp, so it sees schema
4: A gives the SSM lock back and starts over on the table, where B's item holds it.
The same re-read makes a release that waited (``--lock-wait``) for the ``hold`` around
``pulumi up`` release to the manifest ``pulumi up`` left, not the one read before.
``hold`` is rechecked too, before its command starts, so starting it over is safe.

Schema 4 has no recheck: the exclusion does not need it, and it would add a round trip
to every release (docs/app-release.md, "Not covered").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.deploy.exceptions import ManifestChangedError, ManifestNotFoundError
from app.deploy.manifest import read_manifest

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

    from app.deploy.retry import RetryPolicy
    from app.deploy.signals import Interrupts
    from app.deploy.workers import Progress

#: Starts over a command makes when the manifest keeps changing under it, then exit 4.
MAX_RESTARTS = 3


class ManifestRecheck:
    """The manifest a command was planned with, and the read that tells if it changed."""

    def __init__(self, ssm: SSMClient, name: str, planned: str, retry: RetryPolicy) -> None:
        self.name = name
        self.planned = planned
        self._ssm = ssm
        self._retry = retry

    def check(self, image: str, command: str) -> None:
        """Read the manifest again; raise ``ManifestChangedError`` if it is not the planned
        one. AWS errors propagate (the caller reports them: nothing was changed)."""
        try:
            now: str | None = read_manifest(self._ssm, self.name, self._retry)
        except ManifestNotFoundError:
            now = None
        if now == self.planned:
            return
        raise ManifestChangedError(
            f"deploy manifest {self.name} changed ({_what(now)}) while {command} of {image} "
            "waited for the release lock",
            image,
        )


def _what(value: str | None) -> str:
    """The changed manifest in a few words: deleted, its schema, or unreadable."""
    if value is None:
        return "deleted"
    try:
        return f"now schema {json.loads(value)['schema']}"
    except (ValueError, KeyError, TypeError):
        return "now not valid JSON"


def restarting(attempt: Callable[[], int], progress: Progress, interrupts: Interrupts) -> int:
    """Run ``attempt`` (read the manifest, then the command) again while it reports the
    manifest changed under its lock, at most ``MAX_RESTARTS`` times, then exit 4."""
    for restart in range(1, MAX_RESTARTS + 2):
        try:
            return attempt()
        except ManifestChangedError as exc:
            if restart > MAX_RESTARTS:
                raise ManifestChangedError(
                    f"{exc}, for the {MAX_RESTARTS + 1}th time: gave the lock back and "
                    f"stopped after {MAX_RESTARTS} restarts; nothing was changed. Run again "
                    "once the infra deploy that publishes the manifest has finished",
                    exc.image,
                ) from exc
            progress(
                exc.image,
                f"{exc}: gave the lock back, nothing was changed; starting over with the "
                f"new manifest (restart {restart} of at most {MAX_RESTARTS})",
            )
            interrupts.check()
    raise AssertionError("unreachable: the last attempt returns or raises")
