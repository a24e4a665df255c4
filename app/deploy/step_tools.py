"""What the applier and the restorer act through: one release's clients, guards and limits.

``parts.py`` builds one ``StepTools`` per release; the applier runs the plan's steps with
it and, after a failure, the restorer undoes them with the same tools.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

    from app.deploy.deployments import Deployments
    from app.deploy.functions import FunctionOps
    from app.deploy.parameter import TagParameter
    from app.deploy.retry import RetryPolicy
    from app.deploy.source_registry import SourceRegistry
    from app.deploy.workers import Progress


class StepTools(msgspec.Struct, frozen=True):
    """The clients and settings one release's steps (and their undoing) use."""

    functions: FunctionOps
    parameter: TagParameter
    deployments: Callable[[], Deployments]
    lambda_: Callable[[], LambdaClient]
    retry: RetryPolicy
    progress: Progress
    max_concurrency: int
    digest: TagParameter | None = None
    """A promoted stage's digest parameter, beside the tag parameter."""
    source: SourceRegistry | None = None
    """A promotion's build-stage registry (the promotion tag)."""


class StepRunner:
    """Base of the applier and the restorer: the release's tools as attributes."""

    def __init__(self, tools: StepTools) -> None:
        self._functions = tools.functions
        self._parameter = tools.parameter
        self._digest = tools.digest
        self._source = tools.source
        self._deployments = tools.deployments
        self._lambda = tools.lambda_
        self._retry = tools.retry
        self._progress = tools.progress
        self._max_concurrency = tools.max_concurrency
