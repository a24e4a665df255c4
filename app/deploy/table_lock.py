"""The release lock of manifest schema 4: an item of a DynamoDB table, written conditionally,
with the upgrade guard that also honours the SSM lock of older manifests (``TableLock``).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Unpack

import msgspec
from botocore.exceptions import ClientError

from app.deploy.exceptions import AwsAccessError, DeployError, LockTableNotFoundError
from app.deploy.image_lock import ImageLock, LockHolder, LockOptions, iso_time
from app.deploy.lock import ReleaseLock, read_lock
from app.deploy.retry import CALL_ERRORS, RetryPolicy, access_problem, describe_error, error_code
from app.deploy.shell import shell_command

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_ssm import SSMClient


KEY = "lockKey"
"""The table's partition key (type S): an image's ``lockParameter``."""
CONDITION_FAILED = "ConditionalCheckFailedException"
#: Answers that say the request was refused, so nothing was written (with any 4xx).
_REFUSED = frozenset({"ResourceNotFoundException", "ValidationException"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def holder_of(item: dict[str, Any]) -> LockHolder:
    """The holder an item names; its ``token`` attribute is the one conditions compare.

    An item this tool did not write counts as held by someone unknown, expired since
    1970: the item has no time of its own, and ``--break-expired-lock`` breaks it only
    when a person asks (the table has no TTL: never silently).
    """
    holder = LockHolder.parse(item.get("holder", {}).get("S", ""), _EPOCH, ttl=0)
    return msgspec.structs.replace(holder, token=item.get("token", {}).get("S", ""))


def read_table_lock(
    dynamodb: DynamoDBClient, table: str, name: str, retry: RetryPolicy
) -> LockHolder | None:
    """The holder of lock ``name`` in ``table`` (a consistent read), or None if it is free."""
    response = retry.call(
        lambda: dynamodb.get_item(TableName=table, Key={KEY: {"S": name}}, ConsistentRead=True)
    )
    item = response.get("Item")
    return holder_of(dict(item)) if item else None


def _retried(exc: ClientError) -> bool:
    """True if botocore sent the request more than once: an earlier attempt may have landed."""
    return bool(exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0))


class TableLock(ImageLock):
    """The lock of one image as an item of the manifest's ``lockTable`` (schema 4).

    The item is keyed by the image's ``lockParameter`` (``lockKey``) and holds the
    holder's ``token`` and ``holder`` (``LockHolder.to_json()``). ``PutItem`` with
    ``attribute_not_exists(lockKey)`` takes it, ``DeleteItem`` with ``#t = :mine`` gives
    it back in one round trip, and ``DeleteItem`` with ``#t = :theirs`` breaks an expired
    one atomically: of two breakers, one deletes and the other's condition fails. An
    answer that is lost is judged by a consistent read of the item's token.

    The upgrade guard: beside each ``PutItem``, ``GetParameter`` reads the image's SSM
    lock (the one manifests before schema 4 use, under the same name). While it exists
    the image is held by whoever took it (``hold`` running the ``pulumi up`` that
    publishes schema 4, or a release that read the older manifest): the item this
    attempt took is given back and the attempt counts as held, described by the SSM
    lock's holder; ``--break-expired-lock`` breaks an expired SSM lock as
    ``app.deploy.lock`` does.
    """

    def __init__(
        self,
        dynamodb: DynamoDBClient,
        ssm: SSMClient,
        table: str,
        name: str,
        **options: Unpack[LockOptions],
    ) -> None:
        super().__init__(name, **options)
        self.table = table
        self._dynamodb = dynamodb
        self._ssm = ssm
        # The upgrade guard's lock: read, waited for and broken as schemas 1 to 3 do.
        self._older = ReleaseLock(ssm, name, **options)
        self._blocked_by_older = False

    def _label(self) -> str:
        if self._blocked_by_older:
            return (
                f"release lock {self.name} (the SSM parameter that releases and hold of a "
                "manifest before schema 4 take)"
            )
        return f"release lock {self.name} in DynamoDB table {self.table}"

    def _fail(self, exc: BaseException, doing: str) -> DeployError:
        if error_code(exc) == "ResourceNotFoundException":
            return LockTableNotFoundError(
                f"DynamoDB table {self.table}, the deploy manifest's lockTable, does not exist "
                f"here ({describe_error(exc)}); the infra stack that publishes schema 4 "
                "creates it: run pulumi up on it, or check AWS_REGION and the account of the "
                "credentials; nothing was changed"
            )
        problem = access_problem(exc)
        if problem is not None:
            return AwsAccessError(
                f"cannot {doing} {self._label()}: {problem}. The app build role needs "
                f"dynamodb:PutItem, dynamodb:GetItem and dynamodb:DeleteItem on table "
                f"{self.table} for key {self.name} (the infra stack grants them); nothing "
                "was changed"
            )
        return DeployError(f"cannot {doing} {self._label()}: {describe_error(exc)}")

    def _delete_command(self) -> str:
        """The command that deletes the item if it still holds this run's token."""
        return shell_command(
            *("aws", "dynamodb", "delete-item", "--table-name", self.table),
            *("--key", json.dumps({KEY: {"S": self.name}})),
            *("--condition-expression", "#t = :mine"),
            *("--expression-attribute-names", json.dumps({"#t": "token"})),
            *("--expression-attribute-values", json.dumps({":mine": {"S": self.holder.token}})),
        )

    # -- take ----------------------------------------------------------------------------

    def try_acquire(self) -> bool:
        """One attempt: ``PutItem`` beside the guard's read of the SSM lock."""
        self._stamp()
        self._blocked_by_older = False  # until this attempt's guard says otherwise
        with ThreadPoolExecutor(max_workers=1) as pool:
            guard = pool.submit(read_lock, self._ssm, self.name, self._retry, self._policy.ttl)
            try:
                taken = self._put()
            finally:
                guard_failure = guard.exception()
        self.held = taken
        if guard_failure is not None:
            raise self._guard_failed(guard_failure) from guard_failure
        older = guard.result()
        if older is None:
            return taken
        if taken:
            self._progress(
                self.name,
                f"the SSM lock of a manifest before schema 4 is held ({older.describe()}); "
                "giving the table's lock back",
            )
            note = self._give_back()
            if note:
                self._progress(self.name, f"WARNING: could not give it back{note}")
        self._blocked_by_older = True  # what _current and _break look at, and messages name
        return False

    def _put(self) -> bool:
        dynamodb = self._dynamodb
        try:
            self._retry.call(
                lambda: dynamodb.put_item(
                    TableName=self.table,
                    Item={
                        KEY: {"S": self.name},
                        "token": {"S": self.holder.token},
                        "holder": {"S": self.holder.to_json()},
                    },
                    ConditionExpression=f"attribute_not_exists({KEY})",
                )
            )
        except CALL_ERRORS as exc:
            if error_code(exc) == CONDITION_FAILED:
                # Also the answer to a retried put whose first attempt landed but whose
                # answer was lost: the token then says the item is this run's.
                current = self._read()
                return current is not None and current.token == self.holder.token
            if error_code(exc) in _REFUSED or (isinstance(exc, ClientError) and _status(exc) < 500):
                raise self._fail(exc, "take") from exc  # refused: nothing was written
            return self._after_a_failed_put(exc)
        return True

    def _after_a_failed_put(self, exc: BaseException) -> bool:
        """A put without an answer (or with a server error) may have landed: read, decide."""
        if access_problem(exc) is not None:
            raise self._fail(exc, "take") from exc
        try:
            current = read_table_lock(self._dynamodb, self.table, self.name, self._retry)
        except CALL_ERRORS as read_failure:
            raise DeployError(
                f"cannot take {self._label()}: {describe_error(exc)}; the put may have "
                f"landed, and reading the item failed too ({describe_error(read_failure)}). "
                f"If it holds token {self.holder.token} it is this run's (nothing was "
                f"changed): delete it with {self._delete_command()}, or it blocks releases "
                f"of image {self.holder.image} until {iso_time(self.holder.expires_at)}"
            ) from exc
        if current is not None and current.token == self.holder.token:
            self._progress(self.name, "the answer to the lock's put was lost; it is ours")
            return True
        raise self._fail(exc, "take") from exc

    def _guard_failed(self, exc: BaseException) -> DeployError:
        """The SSM lock could not be read: give back what was taken, then say why."""
        given_back = self._give_back() if self.held else ""
        problem = access_problem(exc)
        text = (
            f"cannot read release lock {self.name} in SSM, the lock of manifests before "
            f"schema 4 that the upgrade guard checks: {problem or describe_error(exc)}"
        )
        if problem is not None:
            return AwsAccessError(
                f"{text}. The app build role needs ssm:GetParameter on it (the infra stack "
                f"grants it){given_back or '; nothing was changed'}"
            )
        return DeployError(f"{text}{given_back or '; nothing was changed'}")

    def _give_back(self) -> str:
        """Delete the item this attempt took; what to tell if it may still be there."""
        warning = self.release()
        return f"; and {warning}" if warning and self.held else ""

    # -- read and break ------------------------------------------------------------------

    def _read(self) -> LockHolder | None:
        try:
            return read_table_lock(self._dynamodb, self.table, self.name, self._retry)
        except CALL_ERRORS as exc:
            raise self._fail(exc, "read") from exc

    def _current(self) -> LockHolder | None:
        return self._older._current() if self._blocked_by_older else self._read()

    def _break(self, expired: LockHolder) -> None:
        if self._blocked_by_older:
            self._older._break(expired)  # check-then-delete, as schemas 1 to 3 break it
            return
        self._progress(self.name, f"breaking expired lock: {expired.describe()}")
        try:
            self._delete(":theirs", expired.token)
        except CALL_ERRORS as exc:
            if error_code(exc) != CONDITION_FAILED:
                raise self._fail(exc, "break") from exc
            current = self._read()
            if current is not None and current.token == expired.token:
                # The condition cannot match this item (a token that is not a string?):
                # trying again would only loop.
                raise DeployError(
                    f"cannot break {self._label()}: its item does not match its own token "
                    f"{expired.token!r}; once its holder is gone, delete it by hand: "
                    + shell_command(
                        *("aws", "dynamodb", "delete-item", "--table-name", self.table),
                        *("--key", json.dumps({KEY: {"S": self.name}})),
                    )
                ) from exc
            self._progress(self.name, "not broken: another broke or took it first; looking again")
            return
        self._progress(self.name, "broke the expired lock")

    def _delete(self, whose: str, token: str) -> None:
        """``DeleteItem`` if the item holds ``token`` (``whose``: ``:mine`` or ``:theirs``,
        as the contract writes them); a hand-written item may have no token at all."""
        condition = f"#t = {whose}" if token else f"#t = {whose} OR attribute_not_exists(#t)"
        dynamodb = self._dynamodb
        self._retry.call(
            lambda: dynamodb.delete_item(
                TableName=self.table,
                Key={KEY: {"S": self.name}},
                ConditionExpression=condition,
                ExpressionAttributeNames={"#t": "token"},
                ExpressionAttributeValues={whose: {"S": token}},
            )
        )

    # -- release -------------------------------------------------------------------------

    def release(self) -> str | None:
        """Drop the lock if held and still ours; a warning to show if not, else None.

        One conditional ``DeleteItem`` on this run's token: a lock someone broke and took
        anew is never deleted. When the condition fails on botocore's retry, an earlier
        attempt may have deleted it (its answer lost): nothing is said. A delete without
        any answer is judged by reading the item.
        """
        if not self.held:
            return None
        try:
            self._delete(":mine", self.holder.token)
        except ClientError as exc:
            if error_code(exc) != CONDITION_FAILED:
                return self._after_a_failed_delete(exc)
            self.held = False
            if _retried(exc):
                return None
            try:
                return self._not_ours(self._read())
            except DeployError:
                return f"{self._label()} was no longer this process's; left as it is"
        except Exception as exc:  # noqa: BLE001 - any failed call, a lost answer included
            return self._after_a_failed_delete(exc)
        self.held = False
        return None

    def _after_a_failed_delete(self, exc: BaseException) -> str | None:
        """The delete failed: is the item still this run's?"""
        try:
            current = read_table_lock(self._dynamodb, self.table, self.name, self._retry)
        except Exception:  # noqa: BLE001 - reported below, with the command
            current = self.holder
        if current is None or current.token != self.holder.token:
            self.held = False
            return None
        return (
            f"could not release {self._label()} ({describe_error(exc)}); the next release "
            f"waits for it to expire at {iso_time(self.holder.expires_at)}, or delete it: "
            + self._delete_command()
        )


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500))
