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
Manifest schema 4 keeps the lock in a DynamoDB table, which deletes conditionally
(``app.deploy.table_lock``); the wait and the break are shared (``app.deploy.image_lock``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Unpack

from app.deploy.exceptions import AwsAccessError, DeployError
from app.deploy.image_lock import (
    DEFAULT_TTL,
    ImageLock,
    LockHolder,
    LockOptions,
    LockOwner,
    LockPolicy,
    iso_time,
)
from app.deploy.retry import CALL_ERRORS, RetryPolicy, access_problem, describe_error, error_code
from app.deploy.shell import shell_command

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient


__all__ = ["DEFAULT_TTL", "LockHolder", "LockOwner", "LockPolicy", "ReleaseLock", "read_lock"]


def read_lock(ssm: SSMClient, name: str, retry: RetryPolicy, ttl: float) -> LockHolder | None:
    """The current holder of lock ``name``, or None if it is free."""
    try:
        response = retry.call(lambda: ssm.get_parameter(Name=name))
    except ssm.exceptions.ParameterNotFound:
        return None
    parameter = response["Parameter"]
    modified = parameter.get("LastModifiedDate") or datetime.now(UTC)
    return LockHolder.parse(parameter["Value"], modified, ttl)


class ReleaseLock(ImageLock):
    """The lock of one image as an SSM parameter (manifest schemas 1 to 3)."""

    def __init__(self, ssm: SSMClient, name: str, **options: Unpack[LockOptions]) -> None:
        super().__init__(name, **options)
        self._ssm = ssm

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
        self._stamp()
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
                f"{iso_time(self.holder.expires_at)}"
            ) from exc
        if current is not None and current.token == self.holder.token:
            self._progress(self.name, "the answer to the lock's create was lost; it is ours")
            self.held = True
            return True
        raise self._fail(exc, "take") from exc

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
            if current is None or current.token != self.holder.token:
                self.held = False
                return self._not_ours(current)
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
            f"waits for it to expire at {iso_time(self.holder.expires_at)}, or delete it: "
            + shell_command("aws", "ssm", "delete-parameter", "--name", self.name)
        )
