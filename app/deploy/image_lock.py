"""The release lock's holder and policy, and what every lock store does alike: wait for a
held lock, break an expired one when asked, warn when it is no longer ours. The stores:
an SSM parameter (``app.deploy.lock``, schemas 1 to 3), a DynamoDB item (``table_lock``)."""

from __future__ import annotations

import json
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

import msgspec

from app.deploy.exceptions import LockHeldError

if TYPE_CHECKING:
    from app.deploy.retry import RetryPolicy
    from app.deploy.signals import Interrupts

LOCK_SCHEMA = 1
#: Seconds a lock is valid unless ``--lock-ttl`` says otherwise (see ``LockPolicy.ttl``).
DEFAULT_TTL = 3600.0


class LockPolicy(msgspec.Struct, frozen=True):
    """How long a lock is valid, how long to wait for one, and whether to break it."""

    ttl: float = DEFAULT_TTL
    """Seconds until a lock expires; longer than any release (CodeBuild's default timeout
    is an hour), since an expired lock may be broken while its holder still works."""
    wait: float = 0.0
    """Seconds to wait for a held lock; 0 fails at once with ``LockHeldError``."""
    break_expired: bool = False
    """Delete a lock whose expiry has passed (logged), instead of failing."""
    first_poll: float = 0.25
    max_poll: float = 2.0
    """Polls of a held lock start at ``first_poll`` seconds and grow by half up to this:
    a few GetParameter calls a second at most, far below SSM's default throughput."""


class LockOwner(msgspec.Struct, frozen=True):
    """Who takes a lock: enough for a person to find the process or the build."""

    host: str
    pid: int
    build_id: str | None

    @classmethod
    def of_this_process(cls, env: Mapping[str, str]) -> LockOwner:
        import socket  # imported late: start-up time is most of a release (see manifest.py)

        return cls(socket.gethostname(), os.getpid(), env.get("CODEBUILD_BUILD_ID") or None)


class LockHolder(msgspec.Struct, frozen=True):
    """The value of a lock parameter: who holds it, for what, since and until when."""

    owner: LockOwner
    command: str
    image: str
    started_at: datetime
    expires_at: datetime
    token: str = msgspec.field(default_factory=lambda: os.urandom(16).hex())

    def to_json(self) -> str:
        return json.dumps(
            {
                "schema": LOCK_SCHEMA,
                "token": self.token,
                "host": self.owner.host,
                "pid": self.owner.pid,
                "codebuildBuildId": self.owner.build_id,
                "command": self.command,
                "image": self.image,
                "startedAt": iso_time(self.started_at),
                "expiresAt": iso_time(self.expires_at),
            },
            separators=(",", ":"),
        )

    @classmethod
    def parse(cls, text: str, last_modified: datetime, ttl: float) -> LockHolder:
        """Read a lock value; one this tool did not write counts as held by someone unknown.

        Its expiry is then the parameter's last-modified time plus ``ttl``, so even a
        lock created by hand can eventually be broken.
        """
        try:
            data: Any = json.loads(text)
            return cls(
                owner=LockOwner(str(data["host"]), int(data["pid"]), data.get("codebuildBuildId")),
                command=str(data["command"]),
                image=str(data["image"]),
                started_at=_parse_iso(data["startedAt"]),
                expires_at=_parse_iso(data["expiresAt"]),
                token=str(data["token"]),
            )
        except (ValueError, KeyError, TypeError):
            return cls(
                owner=LockOwner("unknown host", 0, None),
                command="unknown command",
                image="?",
                started_at=last_modified,
                expires_at=last_modified + timedelta(seconds=ttl),
                token="",
            )

    def describe(self) -> str:
        build = f", CodeBuild build {self.owner.build_id}" if self.owner.build_id else ""
        return (
            f"{self.command} of image {self.image} by pid {self.owner.pid} on "
            f"{self.owner.host}{build}, started {iso_time(self.started_at)}, "
            f"expires {iso_time(self.expires_at)}"
        )

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.to_json())
        del result["schema"], result["token"]
        return result


def iso_time(moment: datetime) -> str:
    """``moment`` in UTC to the second, as the lock's value and messages write it."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class LockOptions(TypedDict):
    """What every store's lock takes besides its clients and name (``ImageLock``'s keyword
    arguments), so the stores' constructors name only what they add."""

    holder: LockHolder
    policy: LockPolicy
    retry: RetryPolicy
    progress: Callable[[str, str], None]
    interrupts: Interrupts
    clock: NotRequired[Callable[[], datetime]]
    monotonic: NotRequired[Callable[[], float]]


class ImageLock(ABC):
    """One image's release lock, whatever holds it: ``acquire`` waits for a held lock and
    breaks an expired one when asked, through the store's ``try_acquire``, ``_current``
    and ``_break``; ``release`` gives it back."""

    def __init__(
        self,
        name: str,
        *,
        holder: LockHolder,
        policy: LockPolicy,
        retry: RetryPolicy,
        progress: Callable[[str, str], None],
        interrupts: Interrupts,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.holder = holder
        self.held = False
        self._policy = policy
        self._retry = retry
        self._progress = progress
        self._interrupts = interrupts
        self._clock = clock
        self._monotonic = monotonic

    @abstractmethod
    def try_acquire(self) -> bool:
        """One atomic attempt: True if this process now holds the lock."""

    @abstractmethod
    def release(self) -> str | None:
        """Drop the lock if held and still ours; a warning to show if not, else None."""

    @abstractmethod
    def _current(self) -> LockHolder | None:
        """Who holds what the last attempt found held (None: it is free now)."""

    @abstractmethod
    def _break(self, expired: LockHolder) -> None:
        """Remove ``expired`` if it is still what holds the lock."""

    def _label(self) -> str:
        """The lock as messages name it."""
        return f"release lock {self.name}"

    def _stamp(self) -> None:
        # The lock runs from when it is taken, not from when this release began waiting.
        now = self._clock()
        self.holder = msgspec.structs.replace(
            self.holder, started_at=now, expires_at=now + timedelta(seconds=self._policy.ttl)
        )

    def acquire(self) -> None:
        """Take the lock, waiting up to ``policy.wait`` seconds, else raise ``LockHeldError``."""
        deadline = self._monotonic() + self._policy.wait
        delay = self._policy.first_poll
        while not self.try_acquire():
            current = self._current()
            if current is None:
                continue  # released between the attempt and the read: try again at once
            if current.expires_at <= self._clock():
                if not self._policy.break_expired:
                    raise LockHeldError(
                        f"{self._label()} is held by {current.describe()}, and has "
                        "expired. If that release is no longer running (check the process or "
                        "the build), run again with --break-expired-lock; nothing was changed"
                    )
                self._break(current)
                continue
            remaining = deadline - self._monotonic()
            if remaining <= 0:
                waited = f" after waiting {self._policy.wait:.0f}s" if self._policy.wait else ""
                raise LockHeldError(
                    f"another release holds {self._label()}{waited}: "
                    f"{current.describe()}. Wait for it to finish (or pass --lock-wait "
                    "SECONDS); nothing was changed"
                )
            self._progress(
                self.name,
                f"held by {current.describe()}; waiting ({remaining:.0f}s left)",
            )
            if self._interrupts.wait(min(delay, remaining)):
                self._interrupts.check()
            delay = min(delay * 1.5, self._policy.max_poll)

    def _not_ours(self, current: LockHolder | None) -> str:
        """The warning of a release that finds the lock no longer this process's."""
        if current is None:
            return f"{self._label()} was already gone (broken by someone?)"
        if self.holder.expires_at <= self._clock():
            return (
                f"{self._label()} expired during this run and is no longer this process's; "
                "left as it is"
            )
        return (
            f"{self._label()} is no longer this process's (now held by "
            f"{current.describe()}; were clocks skewed by more than --lock-ttl?); "
            "left as it is"
        )
