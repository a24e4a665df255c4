"""An image's release lock held for one command, and what a failure before any change means.

``release``, ``rollback``, ``hold`` and ``promote`` take it the same way: checks (reads
of ECR) run beside the first attempt, and their failures (bad input, exit 2) come
before the lock's; a lock taken for a command that then cannot go ahead is released
again. From the first attempt on, a signal only sets a flag (``app.deploy.signals``).
The manifest's schema picks the lock: an item of its ``lockTable`` in schema 4
(``app.deploy.table_lock``), else the SSM parameter (``app.deploy.lock``), after which
the manifest is read again (``app.deploy.recheck`` says why).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.deploy.exceptions import AwsAccessError, DeployError, ReleaseFailedError
from app.deploy.lock import LockHolder, LockOwner, LockPolicy, ReleaseLock, read_lock
from app.deploy.retry import CALL_ERRORS, access_problem, describe_error
from app.deploy.table_lock import TableLock, read_table_lock

if TYPE_CHECKING:
    from app.deploy.clients import AwsClients
    from app.deploy.image_lock import ImageLock, LockOptions
    from app.deploy.manifest import ImageTargets
    from app.deploy.recheck import ManifestRecheck
    from app.deploy.retry import RetryPolicy
    from app.deploy.signals import Interrupts
    from app.deploy.workers import Progress


def before_changes(image_name: str, command: str, exc: BaseException) -> DeployError:
    """An AWS error before anything changed: exit 5 if AWS could not be asked, else 1."""
    problem = access_problem(exc)
    if problem is not None:
        return AwsAccessError(
            f"{command} of {image_name} could not ask AWS: {problem}; nothing was changed"
        )
    return ReleaseFailedError(
        f"{command} of {image_name} failed before changing anything: {describe_error(exc)}",
        restored=[],
    )


def result_of(image_name: str, command: str, future: Future[Any]) -> Any:
    """``future.result()``, an AWS error turned into ``before_changes``'s."""
    try:
        return future.result()
    except CALL_ERRORS as exc:
        raise before_changes(image_name, command, exc) from exc


def read_holder(
    clients: AwsClients, table: str | None, name: str, retry: RetryPolicy, ttl: float
) -> LockHolder | None:
    """Who holds the lock ``name`` now (None: free), read without taking it.

    In schema 4 (``table``) the item, and beside it the SSM lock the upgrade guard
    checks: the item's holder if there is one, else the SSM lock's.
    """
    if table is None:
        return read_lock(clients.ssm, name, retry, ttl)
    _ = clients.ssm, clients.dynamodb  # created before the threads share them
    with ThreadPoolExecutor(max_workers=1) as pool:
        older = pool.submit(read_lock, clients.ssm, name, retry, ttl)
        item = read_table_lock(clients.dynamodb, table, name, retry)
    return item or older.result()


class ImageLocks:
    """Takes the release lock of an image for a command, for the duration of a block."""

    def __init__(
        self,
        clients: AwsClients,
        *,
        table: str | None = None,
        owner: LockOwner,
        policy: LockPolicy,
        retry: RetryPolicy,
        progress: Progress,
        interrupts: Interrupts,
        recheck: ManifestRecheck | None = None,
    ) -> None:
        self.clients = clients
        self.recheck = recheck
        """Schemas 1 to 3: the manifest read again once the SSM lock is taken."""
        self.table = table
        """Schema 4's ``lockTable``; None: each lock is an SSM parameter."""
        self.policy = policy
        self._owner = owner
        self._retry = retry
        self._progress = progress
        self._interrupts = interrupts

    @contextmanager
    def held(
        self,
        image_name: str,
        image: ImageTargets,
        command: str,
        checks: Sequence[Callable[[], None]],
    ) -> Iterator[list[str]]:
        """Hold the image's release lock; ``checks`` run beside the first try.

        On the SSM lock, the manifest is read again once the lock is taken, and the lock
        given back with ``ManifestChangedError`` if it changed. Yields a list that holds,
        on exit, a warning if the lock could not be released.
        """
        now = datetime.now(UTC)
        holder = LockHolder(
            owner=self._owner,
            command=command,
            image=image_name,
            started_at=now,
            expires_at=now + timedelta(seconds=self.policy.ttl),
        )
        self.create_clients()
        lock = self._lock(image.lock_parameter_name, holder)
        _ = self.clients.ecr
        warnings: list[str] = []
        # From the first write on, a signal must not cut a step short (app.deploy.signals).
        self._interrupts.defer()
        try:
            with ThreadPoolExecutor(max_workers=len(checks) + 1) as pool:
                attempt = pool.submit(lock.try_acquire)
                futures = [pool.submit(check) for check in checks]
            for future in futures:
                result_of(image_name, command, future)
            result_of(image_name, command, attempt)
            if not lock.held:
                lock.acquire()
            self._progress(lock.name, "lock taken")
            if self.table is None and self.recheck is not None:
                # After the create, never beside it: app.deploy.recheck's argument.
                try:
                    self.recheck.check(image_name, command)
                except CALL_ERRORS as exc:
                    raise before_changes(image_name, command, exc) from exc
            self._interrupts.check()
            yield warnings
        finally:
            warning = lock.release()
            if warning:
                self._progress(lock.name, f"WARNING: {warning}")
                warnings.append(warning)

    def create_clients(self) -> None:
        """Create the lock's clients now, before threads share them (boto3's session is
        not thread-safe)."""
        _ = self.clients.ssm
        if self.table is not None:
            _ = self.clients.dynamodb

    def _lock(self, name: str, holder: LockHolder) -> ImageLock:
        """The lock the manifest's schema uses."""
        options: LockOptions = {
            "holder": holder,
            "policy": self.policy,
            "retry": self._retry,
            "progress": self._progress,
            "interrupts": self._interrupts,
        }
        if self.table is None:
            return ReleaseLock(self.clients.ssm, name, **options)
        return TableLock(self.clients.dynamodb, self.clients.ssm, self.table, name, **options)

    def holder(self, image: ImageTargets) -> LockHolder | None:
        """Who holds the image's lock now, read without taking it (``--dry-run``)."""
        return read_holder(
            self.clients, self.table, image.lock_parameter_name, self._retry, self.policy.ttl
        )
