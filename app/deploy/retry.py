"""Bounded exponential backoff for the AWS errors that mean "try again shortly"."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import msgspec
from botocore.exceptions import BotoCoreError, ClientError

T = TypeVar("T")

CALL_ERRORS: tuple[type[Exception], ...] = (ClientError, BotoCoreError)
"""Every way an AWS call fails: an error answer, or no usable answer at all.

botocore raises a ``BotoCoreError`` when the answer is lost (``ConnectionClosedError``,
``ReadTimeoutError``), the endpoint cannot be reached (``EndpointConnectionError``) or
the request cannot be made (no credentials). A lost answer says nothing about whether
the request took effect, so each call site treats it like any other failed call and,
where a write may have landed, reads before deciding.
"""

RETRYABLE_ERROR_CODES = frozenset(
    {
        # Lambda: an update is already in progress on the function.
        "ResourceConflictException",
        # Throttling, as Lambda, SSM, ECR, ECS and DynamoDB spell it.
        "ThrottlingException",
        "TooManyRequestsException",
        # SSM: concurrent updates to one parameter.
        "TooManyUpdates",
        # DynamoDB (the schema-4 release lock): a partition's or the account's throughput,
        # on-demand tables included (DynamoDB Developer Guide, "Error handling with DynamoDB").
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
    }
)


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a ``ClientError`` (matched on the code, never the message)."""
    if isinstance(exc, ClientError):
        return exc.response.get("Error", {}).get("Code")
    return None


def describe_error(exc: BaseException) -> str:
    """A short description: ``Code: message`` for AWS errors, the text otherwise."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return f"{err.get('Code', 'Unknown')}: {err.get('Message', '')}".rstrip(": ")
    return str(exc) or type(exc).__name__


class RetryPolicy(msgspec.Struct, frozen=True):
    """Retry ``RETRYABLE_ERROR_CODES`` up to ``max_attempts`` times with jittered backoff.

    Delays grow as ``base_delay * 2**n``, capped at ``max_delay``; each is drawn from
    [delay/2, delay] so concurrent workers that collided do not collide again.
    """

    max_attempts: int = 6
    base_delay: float = 0.2
    max_delay: float = 5.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int) -> float:
        """The pause after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not crypto

    def call(
        self,
        fn: Callable[[], T],
        on_retry: Callable[[int, str], None] | None = None,
    ) -> T:
        """Call ``fn`` until it succeeds, raises a non-retryable error, or attempts run out."""
        attempt = 1
        while True:
            try:
                return fn()
            except ClientError as exc:
                code = error_code(exc)
                if code not in RETRYABLE_ERROR_CODES or attempt >= self.max_attempts:
                    raise
                if on_retry is not None:
                    on_retry(attempt, code)
                self.sleep(self.delay(attempt))
                attempt += 1


# Error codes that mean "these credentials may not do this" or "these are not valid
# credentials", as the services we call spell them (IAM/STS style and JSON-protocol style).
ACCESS_ERROR_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationToken",
        "MissingAuthenticationTokenException",
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
    }
)


def access_problem(exc: BaseException) -> str | None:
    """A description if ``exc`` means AWS could not be asked at all, else None.

    That is: no region, no or unusable credentials, access denied, or an endpoint
    that cannot be reached. Such an error says nothing about the thing asked for.
    """
    from botocore import exceptions as boto

    if isinstance(exc, ClientError):
        code = error_code(exc)
        return describe_error(exc) if code in ACCESS_ERROR_CODES else None
    environment = (
        boto.NoRegionError,
        boto.InvalidRegionError,
        boto.NoCredentialsError,
        boto.PartialCredentialsError,
        boto.CredentialRetrievalError,
        boto.ProfileNotFound,
        boto.TokenRetrievalError,
        boto.SSOTokenLoadError,
        boto.UnauthorizedSSOTokenError,
        boto.EndpointConnectionError,
        boto.ConnectTimeoutError,
    )
    if isinstance(exc, environment):
        return f"{type(exc).__name__}: {exc}"
    return None
