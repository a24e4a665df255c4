"""Lambda functions: read one, update its code guarded by ``RevisionId``, wait, publish.

The applier moves functions forward and the restorer moves them back with the same
calls; both are guarded, so a function someone else changed is refused by Lambda and
reported, never overwritten.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from app.deploy.exceptions import DeployError, InvalidTargetError, RevisionConflictError
from app.deploy.retry import CALL_ERRORS, RetryPolicy, describe_error
from app.deploy.traffic import version_description

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_lambda.type_defs import GetFunctionResponseTypeDef

    from app.deploy.signals import Interrupts
    from app.deploy.workers import Progress


class WaitPolicy(msgspec.Struct, frozen=True):
    """How to poll ``LastUpdateStatus`` after ``UpdateFunctionCode``.

    botocore's ``function_updated_v2`` waiter polls every 1 s (and its sibling
    waiters every 5 s); a small image update often settles sooner, so polling starts
    at ``first_delay`` and backs off by ``factor`` up to ``max_delay``. ``timeout``
    bounds the total time slept.
    """

    first_delay: float = 0.05
    factor: float = 2.0
    max_delay: float = 2.0
    timeout: float = 600.0
    sleep: Callable[[float], None] = time.sleep


class FunctionState(msgspec.Struct, frozen=True):
    """A function as read before the release: its image and its ``RevisionId``.

    ``config`` is ``$LATEST``'s whole configuration, which schema 2 compares with the
    version its alias serves.
    """

    image: str
    revision: str
    config: Mapping[str, Any] = msgspec.field(default_factory=dict)


class FunctionOps:
    """The Lambda calls of a release and its restore, each retried and guarded."""

    def __init__(
        self,
        lambda_: LambdaClient,
        *,
        retry: RetryPolicy,
        wait: WaitPolicy,
        progress: Progress,
        interrupts: Interrupts,
    ) -> None:
        self._lambda = lambda_
        self._retry = retry
        self._wait = wait
        self._progress = progress
        self._interrupts = interrupts

    def read(self, name: str) -> FunctionState:
        """``GetFunction``: the image, ``RevisionId`` and configuration of an image function."""
        lambda_ = self._lambda
        try:
            response = self._retry.call(lambda: lambda_.get_function(FunctionName=name))
        except lambda_.exceptions.ResourceNotFoundException as exc:
            raise InvalidTargetError(
                f"Lambda function {name}, named in the deploy manifest, does not exist"
            ) from exc
        config = response["Configuration"]
        if config.get("PackageType") != "Image":
            raise InvalidTargetError(
                f"Lambda function {name} is not a container-image function "
                f"(PackageType {config.get('PackageType')!r})"
            )
        return FunctionState(
            response["Code"].get("ImageUri", ""), revision_of(name, response), dict(config)
        )

    def get(self, name: str) -> GetFunctionResponseTypeDef:
        lambda_ = self._lambda
        try:
            return self._retry.call(lambda: lambda_.get_function(FunctionName=name))
        except CALL_ERRORS as exc:
            raise DeployError(
                f"Lambda function {name}: GetFunction failed: {describe_error(exc)}"
            ) from exc

    def settled(self, name: str, *, interruptible: bool) -> GetFunctionResponseTypeDef:
        """``GetFunction`` once ``LastUpdateStatus`` is no longer ``InProgress``.

        A release stops waiting when a signal arrives (``interruptible``); a restore
        never does, since it must know each function's state before putting it back.
        """
        delay, slept = self._wait.first_delay, 0.0
        while True:
            response = self.get(name)
            if response["Configuration"].get("LastUpdateStatus") != "InProgress":
                return response
            if interruptible:
                self._interrupts.check()
            if slept >= self._wait.timeout:
                raise DeployError(
                    f"Lambda function {name}: update still InProgress after "
                    f"{self._wait.timeout:.0f}s"
                )
            self._wait.sleep(delay)
            slept += delay
            delay = min(delay * self._wait.factor, self._wait.max_delay)

    def move(
        self,
        name: str,
        uri: str,
        revision: str,
        *,
        interruptible: bool,
        saw_revision: Callable[[str], None] | None = None,
    ) -> dict[str, Any]:
        """Update one function to ``uri`` if still at ``revision``, wait, and verify it.

        ``saw_revision`` is told each ``RevisionId`` the function reports after this
        update: the guard of a later restore. Returns the settled configuration.
        """
        seen = saw_revision or (lambda revision: None)
        self._progress(name, f"updating to {uri}")
        self._update(name, uri, revision, seen)
        self._progress(name, "waiting for the update")
        response = self.settled(name, interruptible=interruptible)
        config = response["Configuration"]
        if config.get("LastUpdateStatus") == "Failed":
            raise DeployError(
                f"Lambda function {name}: update failed: "
                f"{config.get('LastUpdateStatusReasonCode', '')} "
                f"{config.get('LastUpdateStatusReason', '')}".rstrip()
            )
        seen(revision_of(name, response))
        reported = response["Code"].get("ImageUri")
        if reported != uri:
            raise DeployError(f"Lambda function {name}: reports image {reported}, expected {uri}")
        self._progress(name, "verified")
        return dict(config)

    def _update(self, name: str, uri: str, revision: str, seen: Callable[[str], None]) -> None:
        lambda_ = self._lambda
        try:
            updated = self._retry.call(
                lambda: lambda_.update_function_code(
                    FunctionName=name, ImageUri=uri, RevisionId=revision
                ),
                on_retry=lambda attempt, code: self._progress(
                    name, f"{code}, retrying (attempt {attempt + 1})"
                ),
            )
            if updated.get("RevisionId"):
                seen(updated["RevisionId"])
        except lambda_.exceptions.PreconditionFailedException as exc:
            # botocore may have retried a request that had landed (its response lost):
            # then the function already reports ``uri``. Anything else is someone
            # else's change, reported and left alone.
            current = self.get(name)
            if current["Code"].get("ImageUri") != uri:
                raise RevisionConflictError(
                    f"Lambda function {name}: changed by someone else since revision "
                    f"{revision} (now {current['Configuration'].get('RevisionId')}, image "
                    f"{current['Code'].get('ImageUri')}); not overwritten"
                ) from exc
            seen(revision_of(name, current))
        except CALL_ERRORS as exc:
            raise DeployError(
                f"Lambda function {name}: UpdateFunctionCode failed: {describe_error(exc)}"
            ) from exc

    def publish(self, name: str, latest: Mapping[str, Any], tag: str) -> str:
        """``PublishVersion`` of what this release read or wrote, and nothing else.

        ``CodeSha256`` and ``RevisionId`` make Lambda refuse if ``$LATEST`` changed since
        (PreconditionFailedException). When nothing changed since the last version,
        Lambda returns that version instead of a new one.
        """
        lambda_ = self._lambda
        try:
            response = self._retry.call(
                lambda: lambda_.publish_version(
                    FunctionName=name,
                    Description=version_description(tag),
                    CodeSha256=str(latest.get("CodeSha256", "")),
                    RevisionId=str(latest.get("RevisionId", "")),
                )
            )
        except lambda_.exceptions.PreconditionFailedException as exc:
            raise RevisionConflictError(
                f"Lambda function {name}: changed by someone else since revision "
                f"{latest.get('RevisionId')}; no version published"
            ) from exc
        except CALL_ERRORS as exc:
            raise DeployError(
                f"Lambda function {name}: PublishVersion failed: {describe_error(exc)}"
            ) from exc
        if response.get("CodeSha256") != latest.get("CodeSha256"):
            raise DeployError(
                f"Lambda function {name}: PublishVersion returned version "
                f"{response.get('Version')} with code {response.get('CodeSha256')}, "
                f"expected {latest.get('CodeSha256')}"
            )
        return response["Version"]


def revision_of(name: str, response: GetFunctionResponseTypeDef) -> str:
    """The ``RevisionId`` of a ``GetFunction`` answer; refuses to go on without one."""
    revision = response["Configuration"].get("RevisionId")
    if not revision:
        # AWS always returns one; an endpoint that does not cannot guard an update.
        raise DeployError(
            f"Lambda function {name}: GetFunction returned no RevisionId, so an update "
            "could not be guarded against concurrent changes; refusing to go on "
            "(is AWS_ENDPOINT_URL a Lambda emulator without revision support?)"
        )
    return revision
