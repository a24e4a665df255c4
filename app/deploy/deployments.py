"""Schema 2's CodeDeploy deployments: start one per function, watch them, stop them.

One deployment moves one function's alias from the version it serves to a published
one, in the steps of the deployment group's config (``app.deploy.traffic`` has the
AppSpec). Polling reads every unfinished deployment with ``BatchGetDeployments``, 25
at a time, and while one shifts traffic, its alias, to show the step as progress.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec
from botocore.exceptions import ClientError

from app.deploy.exceptions import DeployError
from app.deploy.retry import RetryPolicy, describe_error, error_code
from app.deploy.traffic import ACTIVE_STATUSES, ALL_AT_ONCE, appspec, read_alias

if TYPE_CHECKING:
    from mypy_boto3_codedeploy import CodeDeployClient
    from mypy_boto3_lambda import LambdaClient

    from app.deploy.manifest import LambdaTarget
    from app.deploy.signals import Interrupts
    from app.deploy.workers import Progress

ENDED_STATUSES = frozenset({"Succeeded", "Failed", "Stopped"})


class DeploymentWaitPolicy(msgspec.Struct, frozen=True):
    """How to poll a deployment: from ``first_delay``, growing by ``factor`` to ``max_delay``.

    A canary's first step lasts minutes, so a poll every ``max_delay`` seconds costs the
    release at most that long after CodeDeploy is done (a poll is one request per 25
    deployments); ``timeout`` bounds the wait.
    """

    first_delay: float = 0.1
    factor: float = 1.5
    max_delay: float = 1.0
    timeout: float = 3 * 3600.0
    traffic_interval: float = 5.0
    """How often a split alias is read again to show the next step (a step lasts minutes)."""
    sleep: Callable[[float], None] = time.sleep


class Outcome(msgspec.Struct, frozen=True):
    """How a deployment ended (or, if ``status`` is active, that it has not yet)."""

    deployment_id: str
    status: str
    error: str = ""
    rollback: str = ""

    @property
    def ended(self) -> bool:
        return self.status in ENDED_STATUSES

    def describe(self) -> str:
        text = f"deployment {self.deployment_id} {self.status}"
        if self.error:
            text += f": {self.error}"
        if self.rollback:
            text += f" ({self.rollback})"
        return text


_BATCH = 25
"""BatchGetDeployments takes at most 25 deployment ids."""


def _outcome(deployment_id: str, info: Mapping[str, Any]) -> Outcome:
    """An ``Outcome`` from CodeDeploy's ``DeploymentInfo``."""
    error = info.get("errorInformation") or {}
    rollback = info.get("rollbackInfo") or {}
    return Outcome(
        deployment_id,
        info.get("status", "Unknown"),
        ": ".join(str(v) for v in (error.get("code"), error.get("message")) if v),
        rollback.get("rollbackMessage", "")
        or (
            f"rolled back by deployment {rollback['rollbackDeploymentId']}"
            if rollback.get("rollbackDeploymentId")
            else ""
        ),
    )


class Deployments:
    """Start, watch and stop the CodeDeploy deployments of one release."""

    def __init__(
        self,
        codedeploy: CodeDeployClient,
        lambda_: LambdaClient,
        *,
        retry: RetryPolicy,
        wait: DeploymentWaitPolicy,
        progress: Progress,
        max_concurrency: int,
        codedeploy_once: Callable[[], CodeDeployClient] | None = None,
    ) -> None:
        self._codedeploy = codedeploy
        # CreateDeployment has no idempotency token, so botocore must not repeat it on a
        # lost answer: a second deployment from a stale CurrentVersion would undo the
        # first. ``start`` looks for its own deployment instead. That client is made on
        # first use (``prepare_start``, in the main thread: clients are made there).
        self._once_factory = codedeploy_once
        self._once: CodeDeployClient | None = None
        self._lambda = lambda_
        self._retry = retry
        self._wait = wait
        self._progress = progress
        self._max_concurrency = max_concurrency

    # -- reads -------------------------------------------------------------------------

    def active(self, target: LambdaTarget) -> list[str]:
        """The ids of the deployments of ``target``'s group that have not ended."""
        codedeploy = self._codedeploy
        ids: list[str] = []
        pages = codedeploy.get_paginator("list_deployments").paginate(
            applicationName=target.code_deploy_application,
            deploymentGroupName=target.deployment_group,
            includeOnlyStatuses=list(ACTIVE_STATUSES),  # type: ignore[arg-type]
        )
        for page in self._retry.call(lambda: list(pages)):
            ids.extend(page.get("deployments", []))
        return ids

    def find(self, target: LambdaTarget, description: str) -> str | None:
        """The deployment of ``target``'s group with ``description``, finished or not.

        Each release's description is unique (it carries a random id), so this finds
        a deployment whose ``CreateDeployment`` answer was lost, even one that has
        already ended (an all-at-once deployment can end within a second). Only
        deployments created in the last hour are listed (``createTimeRange``), which
        allows for a skewed clock and keeps a long-lived group's listing short.
        """
        codedeploy = self._codedeploy
        since = datetime.now(UTC) - timedelta(hours=1)
        pages = codedeploy.get_paginator("list_deployments").paginate(
            applicationName=target.code_deploy_application,
            deploymentGroupName=target.deployment_group,
            createTimeRange={"start": since},
        )
        listed = self._retry.call(lambda: list(pages))
        ids = [d for page in listed for d in page.get("deployments", [])]
        for deployment_id, (_, _, found) in self._infos(ids).items():
            if found == description:
                return deployment_id
        return None

    def outcomes(self, deployment_ids: Sequence[str]) -> dict[str, tuple[Outcome, str]]:
        """``BatchGetDeployments``, 25 at a time: each one's outcome and config name.

        One request per 25 deployments each round rather than one each: a release to
        50 functions polls with 2 requests, well inside CodeDeploy's request rates.
        """
        found = self._infos(deployment_ids)
        missing = [d for d in deployment_ids if d not in found]
        if missing:
            raise DeployError(f"CodeDeploy does not know deployment(s) {', '.join(missing)}")
        return {d: (outcome, config) for d, (outcome, config, _) in found.items()}

    def _infos(self, deployment_ids: Sequence[str]) -> dict[str, tuple[Outcome, str, str]]:
        """``BatchGetDeployments``: each known deployment's outcome, config and description."""
        codedeploy = self._codedeploy
        chunks = [
            list(deployment_ids[i : i + _BATCH]) for i in range(0, len(deployment_ids), _BATCH)
        ]

        def fetch(chunk: list[str]) -> list[Any]:
            response = self._retry.call(
                lambda: codedeploy.batch_get_deployments(deploymentIds=chunk)
            )
            return list(response.get("deploymentsInfo", []))

        found: dict[str, tuple[Outcome, str, str]] = {}
        for infos in self._map(fetch, chunks):
            for info in infos:
                deployment_id = info.get("deploymentId", "")
                found[deployment_id] = (
                    _outcome(deployment_id, info),
                    info.get("deploymentConfigName", ""),
                    info.get("description", ""),
                )
        return found

    def _map(self, fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
        if len(items) <= 1:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self._max_concurrency, len(items))) as pool:
            return list(pool.map(fn, items))

    # -- writes ------------------------------------------------------------------------

    def prepare_start(self) -> CodeDeployClient:
        """The client ``start`` sends ``CreateDeployment`` with (made now if need be)."""
        if self._once is None:
            self._once = self._once_factory() if self._once_factory else self._codedeploy
        return self._once

    def start(
        self,
        target: LambdaTarget,
        current: str,
        version: str,
        *,
        description: str,
        config: str | None,
    ) -> str:
        """``CreateDeployment`` moving ``target``'s alias from ``current`` to ``version``.

        CreateDeployment has no idempotency token, so it is sent once, never retried by
        botocore. If it fails without saying the request was wrong (a 5xx, a lost
        answer), the group's deployments are read, finished ones included, and the one
        carrying this release's ``description`` is this release's own.
        """
        codedeploy = self.prepare_start()
        kwargs: dict[str, Any] = {
            "applicationName": target.code_deploy_application,
            "deploymentGroupName": target.deployment_group,
            "description": description,
            "revision": {
                "revisionType": "AppSpecContent",
                "appSpecContent": {"content": appspec(target, current, version)},
            },
        }
        if config:
            kwargs["deploymentConfigName"] = config
        try:
            return self._retry.call(lambda: codedeploy.create_deployment(**kwargs))["deploymentId"]
        except ClientError as exc:
            if error_code(exc) in _REFUSED:
                raise DeployError(
                    f"{target.describe()}: CreateDeployment on {target.code_deploy_application}/"
                    f"{target.deployment_group} refused: {describe_error(exc)}"
                ) from exc
            first = exc
        except Exception as exc:  # noqa: BLE001 - a lost answer: look before deciding
            first = exc  # type: ignore[assignment]
        found = self.find(target, description)
        if found is not None:
            return found
        if error_code(first) == "DeploymentLimitExceededException":
            others = ", ".join(self.active(target)) or "(ended since)"
            raise DeployError(
                f"{target.describe()}: deployment group {target.deployment_group} already has "
                f"an active deployment ({others}) that this release did not start"
            ) from first
        raise DeployError(
            f"{target.describe()}: CreateDeployment failed: {describe_error(first)}"
        ) from first

    def stop(self, deployment_id: str) -> None:
        """``StopDeployment`` with rollback: CodeDeploy moves the alias back."""
        codedeploy = self._codedeploy
        try:
            self._retry.call(
                lambda: codedeploy.stop_deployment(
                    deploymentId=deployment_id, autoRollbackEnabled=True
                )
            )
        except ClientError as exc:
            # Already over: what it left is read and judged by the caller.
            if error_code(exc) != "DeploymentAlreadyCompletedException":
                raise

    # -- waiting -----------------------------------------------------------------------

    def wait(
        self,
        deployments: Mapping[str, tuple[LambdaTarget, str]],
        *,
        interrupts: Interrupts | None,
        stop_on_failure: bool,
    ) -> dict[str, Outcome]:
        """Poll every deployment until it ends; progress per function as traffic moves.

        ``deployments`` maps a deployment id to its function and the version it moves
        to. Each round reads every unfinished deployment (and, while it runs, its
        alias, to show the traffic step) side by side. With ``interrupts``, a signal
        stops the wait (``InterruptedBySignalError``); a restore passes None and is
        never cut short. With ``stop_on_failure`` the wait returns at the first
        deployment that fails, leaving the others running.
        """
        outcomes: dict[str, Outcome] = {}
        watch = _Watch(self, deployments)
        delay, slept = self._wait.first_delay, 0.0
        while True:
            pending = [d for d in deployments if d not in outcomes]
            found = self.outcomes(pending)
            watch.show(pending, found)
            outcomes.update((d, found[d][0]) for d in pending if found[d][0].ended)
            if len(outcomes) == len(deployments):
                return outcomes
            if stop_on_failure and any(o.status != "Succeeded" for o in outcomes.values()):
                return outcomes
            if interrupts is not None:
                interrupts.check()
            if slept >= self._wait.timeout:
                late = ", ".join(sorted(d for d in deployments if d not in outcomes))
                raise DeployError(f"deployment(s) {late} not over after {self._wait.timeout:.0f}s")
            self._wait.sleep(delay)
            slept += delay
            delay = min(delay * self._wait.factor, self._wait.max_delay)

    def settle(self, targets: Sequence[LambdaTarget], *, interrupts: Interrupts | None) -> None:
        """Wait for deployments this release did not start, e.g. of a killed pipeline.

        CodeDeploy goes on after the process that started a deployment dies; a
        release reads each alias only once no deployment is moving it.
        """
        if not targets:
            return
        workers = max(1, min(self._max_concurrency, len(targets)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            found = list(pool.map(self.active, targets))
        running = {
            deployment_id: (target, "")
            for target, ids in zip(targets, found, strict=True)
            for deployment_id in ids
        }
        if not running:
            return
        for deployment_id, (target, _) in sorted(running.items()):
            self._progress(
                target.name,
                f"deployment {deployment_id} (not started by this release) is still running "
                f"on group {target.deployment_group}; waiting for it to end",
            )
        self.wait(running, interrupts=interrupts, stop_on_failure=False)


class _Watch:
    """What one wait has shown: the last line per deployment, each split alias's last read."""

    def __init__(
        self, owner: Deployments, deployments: Mapping[str, tuple[LambdaTarget, str]]
    ) -> None:
        self._owner = owner
        self._deployments = deployments
        self._shown: dict[str, str] = {}
        self._steps: dict[str, tuple[float, str]] = {}  # a split alias: when read, what

    def _traffic(self, item: tuple[str, Outcome]) -> tuple[str, str]:
        deployment_id, outcome = item
        owner = self._owner
        alias = read_alias(owner._lambda, self._deployments[deployment_id][0], owner._retry)
        if alias.split:
            self._steps[deployment_id] = (time.monotonic(), alias.describe())
        return deployment_id, f"{outcome.describe()}; {alias.name}: {alias.describe()}"

    def _step_due(self, deployment_id: str) -> bool:
        # Until the split shows, every poll; then every ``traffic_interval``.
        last = self._steps.get(deployment_id)
        interval = self._owner._wait.traffic_interval
        return last is None or time.monotonic() - last[0] >= interval

    def show(self, pending: list[str], found: Mapping[str, tuple[Outcome, str]]) -> None:
        """One progress line per deployment whose state or traffic step changed."""
        lines = {d: outcome.describe() for d, (outcome, _) in found.items()}
        for d, (outcome, _) in found.items():
            if d in self._steps and outcome.status == "InProgress":
                lines[d] += f"; {self._deployments[d][0].alias}: {self._steps[d][1]}"
        # The traffic step, while one is on: not for all-at-once, which has none.
        stepping = [
            (d, outcome)
            for d, (outcome, config) in found.items()
            if outcome.status == "InProgress" and config != ALL_AT_ONCE and self._step_due(d)
        ]
        lines.update(self._owner._map(self._traffic, stepping))
        for deployment_id in pending:
            if self._shown.get(deployment_id) != lines[deployment_id]:
                self._shown[deployment_id] = lines[deployment_id]
                self._owner._progress(
                    self._deployments[deployment_id][0].name, lines[deployment_id]
                )


# CreateDeployment errors that say the request itself is wrong: nothing was started.
_REFUSED = frozenset(
    {
        "ApplicationDoesNotExistException",
        "DeploymentGroupDoesNotExistException",
        "DeploymentConfigDoesNotExistException",
        "InvalidDeploymentConfigNameException",
        "InvalidRevisionException",
        "RevisionRequiredException",
        "InvalidRoleException",
        "AccessDeniedException",
    }
)
