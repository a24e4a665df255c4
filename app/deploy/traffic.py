"""Schema 2: the alias a function's invokers call, and CodeDeploy moving it to a new version.

A release publishes a version of each function (its ``Description`` carries the tag)
and starts one CodeDeploy deployment per function whose alias serves something else.
CodeDeploy shifts the alias's traffic in the steps of the deployment group's config
(``RoutingConfig`` weights), watches the group's alarms, and on failure or alarm moves
the alias back itself, even if the process that started it has died. This module holds
the pieces ``app.deploy.release`` and ``app.deploy.status`` share: reading an alias,
comparing what ``$LATEST`` would publish with what the alias serves, the AppSpec, and
starting, watching and stopping deployments.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from app.deploy.exceptions import DeployError
from app.deploy.retry import RetryPolicy, describe_error, error_code

if TYPE_CHECKING:
    from mypy_boto3_codedeploy import CodeDeployClient
    from mypy_boto3_lambda import LambdaClient

    from app.deploy.manifest import LambdaTarget
    from app.deploy.signals import Interrupts

ALL_AT_ONCE = "CodeDeployDefault.LambdaAllAtOnce"
"""The deployment config of ``rollback`` and of a restore: every request at once."""

ACTIVE_STATUSES: tuple[str, ...] = ("Created", "Queued", "InProgress", "Baking", "Ready")
"""Deployment statuses that mean "not over yet" (ListDeployments' ``includeOnlyStatuses``)."""

ENDED_STATUSES = frozenset({"Succeeded", "Failed", "Stopped"})

TAG_DESCRIPTION_PREFIX = "tag="
"""A version the release tool publishes has the Description ``tag=<tag>``."""

Progress = Callable[[str, str], None]


@dataclass(frozen=True)
class AliasState:
    """Where an alias points: its version, and the weights of any additional version."""

    name: str
    version: str
    weights: Mapping[str, float] = field(default_factory=dict)

    @property
    def split(self) -> bool:
        """True while part of the traffic goes to another version."""
        return any(weight > 0 for weight in self.weights.values())

    def describe(self) -> str:
        """``4``, or ``3 90% / 4 10%`` while traffic is split."""
        if not self.split:
            return self.version
        extra = sum(self.weights.values())
        parts = [f"{self.version} {_percent(1 - extra)}"]
        parts += [f"{v} {_percent(w)}" for v, w in sorted(self.weights.items())]
        return " / ".join(parts)

    def serves_only(self, version: str) -> bool:
        return self.version == version and not self.split


def _percent(weight: float) -> str:
    return f"{round(weight * 100, 1):g}%"


def read_alias(lambda_: LambdaClient, target: LambdaTarget, retry: RetryPolicy) -> AliasState:
    """``GetAlias``: the version and the routing weights of ``target``'s alias."""
    response = retry.call(lambda: lambda_.get_alias(FunctionName=target.name, Name=target.alias))
    weights = (response.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return AliasState(target.alias, response["FunctionVersion"], dict(weights))


# What makes two configurations of one function serve differently. Each entry: the
# name shown to a person, and how to read it from a FunctionConfiguration.
_COMPARED: tuple[tuple[str, Callable[[Mapping[str, Any]], object]], ...] = (
    ("code", lambda c: c.get("CodeSha256")),
    ("memory", lambda c: c.get("MemorySize")),
    ("timeout", lambda c: c.get("Timeout")),
    ("environment", lambda c: (c.get("Environment") or {}).get("Variables") or {}),
    ("image config", lambda c: (c.get("ImageConfigResponse") or {}).get("ImageConfig") or {}),
)


def config_differences(latest: Mapping[str, Any], served: Mapping[str, Any]) -> list[str]:
    """What ``$LATEST`` has that the served version has not: code, memory, timeout, ...

    An infra change (``pulumi up``) changes only ``$LATEST``; until a version of it is
    published and shifted, the alias keeps serving the old configuration. ``status``
    shows such a difference as pending, and a release publishes and shifts it.
    """
    return [name for name, read in _COMPARED if read(latest) != read(served)]


def appspec(target: LambdaTarget, current: str, version: str) -> str:
    """The AppSpec of a Lambda deployment: move ``target``'s alias from ``current``.

    Format: CodeDeploy User Guide, "AppSpec 'resources' section (AWS Lambda)".
    """
    document = {
        "version": 0.0,
        "Resources": [
            {
                target.name: {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Name": target.name,
                        "Alias": target.alias,
                        "CurrentVersion": current,
                        "TargetVersion": version,
                    },
                }
            }
        ],
    }
    return json.dumps(document)


@dataclass(frozen=True)
class DeploymentWaitPolicy:
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
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)


@dataclass(frozen=True)
class Outcome:
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

    def outcome(self, deployment_id: str) -> tuple[Outcome, str]:
        """``GetDeployment``: its status, and its description."""
        codedeploy = self._codedeploy
        info = self._retry.call(lambda: codedeploy.get_deployment(deploymentId=deployment_id))[
            "deploymentInfo"
        ]
        return _outcome(deployment_id, info), info.get("description", "")

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
        shown: dict[str, str] = {}
        steps: dict[str, tuple[float, str]] = {}  # last read of a split alias: when, what
        delay, slept = self._wait.first_delay, 0.0

        def traffic(item: tuple[str, Outcome]) -> tuple[str, str]:
            deployment_id, outcome = item
            alias = read_alias(self._lambda, deployments[deployment_id][0], self._retry)
            if alias.split:
                steps[deployment_id] = (time.monotonic(), alias.describe())
            return deployment_id, f"{outcome.describe()}; {alias.name}: {alias.describe()}"

        def step_due(deployment_id: str) -> bool:
            # Until the split shows, every poll; then every ``traffic_interval``.
            last = steps.get(deployment_id)
            return last is None or time.monotonic() - last[0] >= self._wait.traffic_interval

        while True:
            pending = [d for d in deployments if d not in outcomes]
            found = self.outcomes(pending)
            lines = {d: outcome.describe() for d, (outcome, _) in found.items()}
            for d, (outcome, _) in found.items():
                if d in steps and outcome.status == "InProgress":
                    lines[d] += f"; {deployments[d][0].alias}: {steps[d][1]}"
            # The traffic step, while one is on: not for all-at-once, which has none.
            stepping = [
                (d, outcome)
                for d, (outcome, config) in found.items()
                if outcome.status == "InProgress" and config != ALL_AT_ONCE and step_due(d)
            ]
            lines.update(self._map(traffic, stepping))
            for deployment_id in pending:
                if shown.get(deployment_id) != lines[deployment_id]:
                    shown[deployment_id] = lines[deployment_id]
                    self._progress(deployments[deployment_id][0].name, lines[deployment_id])
                outcome = found[deployment_id][0]
                if outcome.ended:
                    outcomes[deployment_id] = outcome
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


def version_description(tag: str) -> str:
    """The ``Description`` of a version the release tool publishes for ``tag``."""
    return f"{TAG_DESCRIPTION_PREFIX}{tag}"


__all__ = [
    "ACTIVE_STATUSES",
    "ALL_AT_ONCE",
    "AliasState",
    "DeploymentWaitPolicy",
    "Deployments",
    "Outcome",
    "appspec",
    "config_differences",
    "read_alias",
    "version_description",
]
