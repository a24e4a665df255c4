"""One release per image at a time: a lock that is an SSM parameter, created atomically.

``PutParameter`` with ``Overwrite=False`` either creates the parameter or fails with
``ParameterAlreadyExists``, so of several releases asking at once exactly one gets
the lock. Its value says who holds it, until when, and a random token; the holder
deletes it at the end if it still holds that token. A lock whose holder died
(SIGKILL, a lost build host) stays until it expires, and even then is only broken by
someone who asks for it (``--break-expired-lock``).

SSM has no conditional delete, so breaking and releasing are check-then-delete: two
people breaking the same expired lock at the same instant could both go ahead. That
is why breaking is a deliberate, logged step and never automatic. A create or delete
whose answer is lost is judged by reading the lock: the token says whose it is.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec

from app.deploy.exceptions import AwsAccessError, DeployError, LockHeldError
from app.deploy.retry import CALL_ERRORS, RetryPolicy, access_problem, describe_error, error_code
from app.deploy.shell import shell_command

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

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
                "startedAt": _iso(self.started_at),
                "expiresAt": _iso(self.expires_at),
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
            f"{self.owner.host}{build}, started {_iso(self.started_at)}, "
            f"expires {_iso(self.expires_at)}"
        )

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.to_json())
        del result["schema"], result["token"]
        return result


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_lock(ssm: SSMClient, name: str, retry: RetryPolicy, ttl: float) -> LockHolder | None:
    """The current holder of lock ``name``, or None if it is free."""
    try:
        response = retry.call(lambda: ssm.get_parameter(Name=name))
    except ssm.exceptions.ParameterNotFound:
        return None
    parameter = response["Parameter"]
    modified = parameter.get("LastModifiedDate") or datetime.now(UTC)
    return LockHolder.parse(parameter["Value"], modified, ttl)


class ReleaseLock:
    """The lock of one image: ``try_acquire``/``acquire`` before the first change, ``release``."""

    def __init__(
        self,
        ssm: SSMClient,
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
        self._ssm = ssm
        self._policy = policy
        self._retry = retry
        self._progress = progress
        self._interrupts = interrupts
        self._clock = clock
        self._monotonic = monotonic

    def _fail(self, exc: BaseException, doing: str) -> DeployError:
        problem = access_problem(exc)
        if problem is not None:
            return AwsAccessError(
                f"cannot {doing} release lock {self.name}: {problem}. The app build role needs "
                "ssm:PutParameter, ssm:GetParameter and ssm:DeleteParameter on it "
                "(the infra stack grants them); nothing was changed"
            )
        return DeployError(f"cannot {doing} release lock {self.name}: {describe_error(exc)}")

    def try_acquire(self) -> bool:
        """One atomic attempt: True if this process now holds the lock."""
        ssm = self._ssm
        # The lock runs from when it is taken, not from when this release began waiting.
        now = self._clock()
        self.holder = msgspec.structs.replace(
            self.holder, started_at=now, expires_at=now + timedelta(seconds=self._policy.ttl)
        )
        try:
            self._retry.call(
                lambda: ssm.put_parameter(
                    Name=self.name,
                    Value=self.holder.to_json(),
                    Type="String",
                    Overwrite=False,
                    Description="Release lock of the app release tool (deleted when it ends)",
                )
            )
        except ssm.exceptions.ParameterAlreadyExists:
            # Also the answer to a retried create whose first attempt landed but whose
            # response was lost: the holder's token then says it is ours.
            current = self._current()
            if current is not None and current.token == self.holder.token:
                self.held = True
            return self.held
        except CALL_ERRORS as exc:
            if access_problem(exc) is None:
                return self._after_a_failed_create(exc)
            raise self._fail(exc, "take") from exc
        self.held = True
        return True

    def _after_a_failed_create(self, exc: BaseException) -> bool:
        """A create that failed may still have landed (its answer lost): look, then decide.

        A lock holding this release's token is its own, taken; anything else is the
        create's failure. If the lock cannot even be read, the message says plainly
        that it may be there, whose it would be, and how to remove it.
        """
        try:
            current = read_lock(self._ssm, self.name, self._retry, self._policy.ttl)
        except CALL_ERRORS as read_failure:
            raise DeployError(
                f"cannot take release lock {self.name}: {describe_error(exc)}; the create may "
                f"have landed, and reading the lock failed too ({describe_error(read_failure)}). "
                f"If it holds token {self.holder.token} it is this run's (nothing was changed): "
                "delete it with "
                + shell_command("aws", "ssm", "delete-parameter", "--name", self.name)
                + f", or it blocks releases of image {self.holder.image} until "
                f"{_iso(self.holder.expires_at)}"
            ) from exc
        if current is not None and current.token == self.holder.token:
            self._progress(self.name, "the answer to the lock's create was lost; it is ours")
            self.held = True
            return True
        raise self._fail(exc, "take") from exc

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
                        f"release lock {self.name} is held by {current.describe()}, and has "
                        "expired. If that release is no longer running (check the process or "
                        "the build), run again with --break-expired-lock; nothing was changed"
                    )
                self._break(current)
                continue
            remaining = deadline - self._monotonic()
            if remaining <= 0:
                waited = f" after waiting {self._policy.wait:.0f}s" if self._policy.wait else ""
                raise LockHeldError(
                    f"another release holds release lock {self.name}{waited}: "
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

    def _current(self) -> LockHolder | None:
        try:
            return read_lock(self._ssm, self.name, self._retry, self._policy.ttl)
        except CALL_ERRORS as exc:
            raise self._fail(exc, "read") from exc

    def _break(self, expired: LockHolder) -> None:
        # Re-read just before deleting, so a lock someone else took meanwhile is kept.
        current = self._current()
        if current is None or current.token != expired.token:
            return
        self._progress(self.name, f"breaking expired lock: {expired.describe()}")
        try:
            self._retry.call(lambda: self._ssm.delete_parameter(Name=self.name))
        except self._ssm.exceptions.ParameterNotFound:
            pass
        except CALL_ERRORS as exc:
            raise self._fail(exc, "break") from exc

    def release(self) -> str | None:
        """Drop the lock if held and still ours; a warning to show if not, else None.

        Compare-and-delete: the lock is read first and deleted only if it still holds
        this release's token (someone may have broken it as expired, by their clock,
        and taken it anew). SSM has no conditional delete, so one round trip lies
        between the two. A delete whose answer is lost is judged by reading again.
        """
        if not self.held:
            return None
        try:
            current = self._current()
            if current is None:
                self.held = False
                return f"release lock {self.name} was already gone (broken by someone?)"
            if current.token != self.holder.token:
                self.held = False
                if self.holder.expires_at <= self._clock():
                    return (
                        f"release lock {self.name} expired during this run and is no longer "
                        "this process's; left as it is"
                    )
                return (
                    f"release lock {self.name} is no longer this process's (now held by "
                    f"{current.describe()}; were clocks skewed by more than --lock-ttl?); "
                    "left as it is"
                )
            self._retry.call(lambda: self._ssm.delete_parameter(Name=self.name))
        except Exception as exc:  # noqa: BLE001 - any failed call, a lost answer included
            return self._after_a_failed_delete(exc)
        self.held = False
        return None

    def _after_a_failed_delete(self, exc: BaseException) -> str | None:
        """The delete (or the read before it) failed: is the lock still this run's?"""
        if error_code(exc) == "ParameterNotFound":
            self.held = False  # the retry of a delete that had landed, its answer lost
            return None
        try:
            current = read_lock(self._ssm, self.name, self._retry, self._policy.ttl)
        except Exception:  # noqa: BLE001 - reported below, with the command
            current = self.holder
        if current is None or current.token != self.holder.token:
            self.held = False
            return None
        return (
            f"could not release lock {self.name} ({describe_error(exc)}); the next release "
            f"waits for it to expire at {_iso(self.holder.expires_at)}, or delete it: "
            + shell_command("aws", "ssm", "delete-parameter", "--name", self.name)
        )
