"""A CodeDeploy test double for Lambda deployments, in front of a moto server over HTTP.

moto 5.2 stores a CodeDeploy deployment and leaves it in ``Created`` forever: nothing
moves the alias, watches alarms or rolls back. The release tool's schema-2 path needs
all of that, so ``FaultProxy.intercept`` hands this double CodeDeploy's calls about
deployments (``CreateDeployment``, ``GetDeployment``, ``BatchGetDeployments``,
``StopDeployment``, ``ListDeployments``) and forwards everything else to moto,
including the Lambda, CloudWatch and CodeDeploy calls the double makes itself to read
the group and move the alias.

What a deployment does here, as CodeDeploy documents it for Lambda (User Guide,
"Deployments on an AWS Lambda compute platform" and "Working with deployment
configurations"):

* ``Created``, then ``InProgress``; the AppSpec's alias must exist and serve the
  AppSpec's ``CurrentVersion`` (else ``Failed``; an assumption: AWS's exact error code
  for this is not documented, the double uses ``INVALID_LAMBDA_CONFIGURATION``);
* traffic moves in the steps of the deployment config, each step setting the alias's
  ``RoutingConfig`` weight on moto (``UpdateAlias``): ``LambdaCanary10Percent5Minutes``
  is 10% for 5 "minutes", then 100%; ``LambdaLinear10PercentEvery1Minute`` adds 10%
  every "minute"; ``LambdaAllAtOnce`` goes straight to 100%. A "minute" lasts
  ``seconds_per_minute`` (default: the environment variable
  ``CODEDEPLOY_DOUBLE_SECONDS_PER_MINUTE``, else 0.05 s), so tests and the benchmark
  run a canary in a fraction of a second;
* throughout, the group's CloudWatch alarms are read from moto (tests set them with
  ``set_alarm_state``). An alarm in ``ALARM`` stops the deployment: ``Stopped`` with
  ``errorInformation.code`` ``ALARM_ACTIVE``, and, if the group rolls back on
  ``DEPLOYMENT_STOP_ON_ALARM``, the alias back on ``CurrentVersion`` with no weights.
  ``StopDeployment`` with ``autoRollbackEnabled`` does the same on request;
* otherwise ``Succeeded``, the alias on ``TargetVersion`` with no weights.

moto 5.2 also answers ``GetDeploymentGroup`` with an empty ``alarmConfiguration`` (a
TODO in its responses), though it stores what the group was created with: the double
reads the group over HTTP and that one field from moto's backend, in this process.

A second ``CreateDeployment`` on a group with an active deployment is refused with
``DeploymentLimitExceededException``, as CodeDeploy does. ``pause()`` holds every
deployment at its first partial step (the alias split) until the test opens it: that
is how a test acts mid-shift (sets an alarm, kills the pipeline) without sleeping.
Deployments go on when the process that started them dies: they live in this double,
in the test process, as CodeDeploy's live in AWS.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from .fakes import REGION
from .faultproxy import Answer

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_codedeploy import CodeDeployClient
    from mypy_boto3_lambda import LambdaClient

SECONDS_PER_MINUTE_ENV = "CODEDEPLOY_DOUBLE_SECONDS_PER_MINUTE"
ACTIVE = ("Created", "Queued", "InProgress", "Baking", "Ready")
TARGET_PREFIX = "CodeDeploy_20141006."

Step = tuple[float, float]
"""The alias's weight on the target version, and the "minutes" to wait after it."""


def steps_of(config: str) -> list[Step] | None:
    """The traffic steps of a predefined Lambda deployment config, or None if unknown."""
    if config == "CodeDeployDefault.LambdaAllAtOnce":
        return [(1.0, 0)]
    canary = re.fullmatch(r"CodeDeployDefault\.LambdaCanary(\d+)Percent(\d+)Minutes?", config)
    if canary:
        percent, minutes = int(canary[1]), int(canary[2])
        return [(percent / 100, minutes), (1.0, 0)]
    linear = re.fullmatch(r"CodeDeployDefault\.LambdaLinear(\d+)PercentEvery(\d+)Minutes?", config)
    if linear:
        percent, minutes = int(linear[1]), int(linear[2])
        steps = [(p / 100, minutes) for p in range(percent, 100, percent)]
        return [*steps, (1.0, 0)]
    return None


@dataclass
class Deployment:
    """One deployment's record: what it moves, and what happened to it."""

    id: str
    application: str
    group: str
    config: str
    description: str
    revision: dict[str, Any]
    function: str
    alias: str
    current: str
    target: str
    steps: list[Step]
    alarms: list[str]
    rollback_on: set[str]
    status: str = "Created"
    created: float = field(default_factory=time.time)
    completed: float | None = None
    error: tuple[str, str] | None = None
    rollback_message: str = ""
    weights: list[float] = field(default_factory=list)
    """Every weight the double gave the target version, in order (1.0 when all)."""
    stop: threading.Event = field(default_factory=threading.Event)
    stop_with_rollback: bool = True

    def info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "applicationName": self.application,
            "deploymentGroupName": self.group,
            "deploymentConfigName": self.config,
            "deploymentId": self.id,
            "status": self.status,
            "description": self.description,
            "creator": "user",
            "createTime": self.created,
            "computePlatform": "Lambda",
            "revision": self.revision,
        }
        if self.completed is not None:
            info["completeTime"] = self.completed
        if self.error:
            info["errorInformation"] = {"code": self.error[0], "message": self.error[1]}
        if self.rollback_message:
            info["rollbackInfo"] = {"rollbackMessage": self.rollback_message}
        return info


@dataclass
class Pause:
    """Holds deployments at their first partial traffic step until ``open()``."""

    held: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)
    opened: threading.Event = field(default_factory=threading.Event)

    def arrive(self) -> None:
        with self.changed:
            self.held += 1
            self.changed.notify_all()

    def wait_arrived(self, count: int = 1, timeout: float = 60) -> None:
        """Block until ``count`` deployments have split their traffic (a safety timeout)."""
        with self.changed:
            if not self.changed.wait_for(lambda: self.held >= count, timeout):
                raise AssertionError(f"{self.held} of {count} deployments reached a traffic step")

    def open(self) -> None:
        self.opened.set()


def _stored_alarms(application: str, group: str) -> dict[str, Any]:
    """The alarm configuration moto stored for a group (its answer leaves it out)."""
    from moto.backends import get_backend
    from moto.core import DEFAULT_ACCOUNT_ID

    backend = get_backend("codedeploy")[DEFAULT_ACCOUNT_ID][REGION]
    stored: Any = backend.deployment_groups[application][group].alarm_configuration
    return dict(stored or {})  # the request's dict: moto keeps it as given


def _error(code: str, message: str, status: int = 400) -> Answer:
    body = json.dumps({"__type": code, "message": message}).encode()
    return status, [("x-amzn-ErrorType", code), ("Content-Type", "application/json")], body


def _ok(document: dict[str, Any]) -> Answer:
    return 200, [("Content-Type", "application/x-amz-json-1.1")], json.dumps(document).encode()


class CodeDeployDouble:
    """Answers CodeDeploy's deployment calls and drives each deployment in a thread."""

    def __init__(self, moto_url: str, *, seconds_per_minute: float | None = None) -> None:
        if seconds_per_minute is None:
            seconds_per_minute = float(os.environ.get(SECONDS_PER_MINUTE_ENV, "0.05"))
        self.seconds_per_minute = seconds_per_minute
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        config = Config(retries={"mode": "standard", "max_attempts": 3})
        self._codedeploy: CodeDeployClient = session.client(
            "codedeploy", endpoint_url=moto_url, config=config
        )
        self._lambda: LambdaClient = session.client("lambda", endpoint_url=moto_url, config=config)
        self._cloudwatch: CloudWatchClient = session.client(
            "cloudwatch", endpoint_url=moto_url, config=config
        )
        self.deployments: dict[str, Deployment] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pause: Pause | None = None

    # -- what tests use ----------------------------------------------------------------

    def pause(self) -> Pause:
        """Hold every deployment at its first partial step until the returned pause opens."""
        self._pause = Pause()
        return self._pause

    def of(self, function: str) -> list[Deployment]:
        """The deployments of ``function``'s alias, oldest first."""
        with self._lock:
            found = [d for d in self.deployments.values() if d.function == function]
        return sorted(found, key=lambda d: d.created)

    def wait_all_ended(self, timeout: float = 60) -> None:
        """Block until no deployment is active (a safety timeout, not a sleep)."""
        for thread in list(self._threads):
            thread.join(timeout)
            if thread.is_alive():
                raise AssertionError("a deployment did not end")

    def close(self) -> None:
        self._closed.set()
        if self._pause is not None:
            self._pause.open()
        for thread in list(self._threads):
            thread.join(10)

    # -- the intercept -----------------------------------------------------------------

    def __call__(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> Answer | None:
        target = headers.get("x-amz-target", "")
        if not target.startswith(TARGET_PREFIX):
            return None
        handler = {
            "CreateDeployment": self._create,
            "GetDeployment": self._get,
            "BatchGetDeployments": self._batch_get,
            "StopDeployment": self._stop,
            "ListDeployments": self._list,
        }.get(target.removeprefix(TARGET_PREFIX))
        if handler is None:
            return None  # moto answers: applications, groups, ...
        return handler(json.loads(body or b"{}"))

    def _create(self, request: dict[str, Any]) -> Answer:
        application = request.get("applicationName", "")
        group_name = request.get("deploymentGroupName", "")
        try:
            group = self._codedeploy.get_deployment_group(
                applicationName=application, deploymentGroupName=group_name
            )["deploymentGroupInfo"]
        except ClientError as exc:
            error = exc.response["Error"]
            return _error(error.get("Code", "InvalidInput"), error.get("Message", ""))
        revision = request.get("revision") or {}
        try:
            content = json.loads(revision["appSpecContent"]["content"])
            ((_, resource),) = content["Resources"][0].items()
            properties = resource["Properties"]
            function, alias = properties["Name"], properties["Alias"]
            current, target = properties["CurrentVersion"], properties["TargetVersion"]
        except (KeyError, TypeError, ValueError) as exc:
            return _error("InvalidRevisionException", f"AppSpec content is not valid: {exc!r}")
        config = request.get("deploymentConfigName") or group.get("deploymentConfigName", "")
        steps = steps_of(config)
        if steps is None:
            return _error(
                "DeploymentConfigDoesNotExistException", f"deployment config {config} unknown"
            )
        alarm_config = group.get("alarmConfiguration") or _stored_alarms(application, group_name)
        alarms = (
            [a["name"] for a in alarm_config.get("alarms", [])]
            if alarm_config.get("enabled")
            else []
        )
        rollback = group.get("autoRollbackConfiguration") or {}
        rollback_on: set[str] = (
            set(rollback.get("events", [])) if rollback.get("enabled") else set()
        )
        alphabet = string.ascii_uppercase + string.digits
        deployment = Deployment(
            id="d-" + "".join(secrets.choice(alphabet) for _ in range(9)),
            application=application,
            group=group_name,
            config=config,
            description=request.get("description", ""),
            revision=revision,
            function=function,
            alias=alias,
            current=str(current),
            target=str(target),
            steps=steps,
            alarms=alarms,
            rollback_on=rollback_on,
        )
        with self._lock:
            for other in self.deployments.values():
                if (other.application, other.group) == (application, group_name) and (
                    other.status in ACTIVE
                ):
                    return _error(
                        "DeploymentLimitExceededException",
                        f"The Deployment Group '{group_name}' already has an active "
                        f"Deployment '{other.id}'",
                    )
            self.deployments[deployment.id] = deployment
        thread = threading.Thread(target=self._drive, args=(deployment,), daemon=True)
        self._threads.append(thread)
        thread.start()
        return _ok({"deploymentId": deployment.id})

    def _find(self, request: dict[str, Any]) -> Deployment | Answer:
        with self._lock:
            found = self.deployments.get(request.get("deploymentId", ""))
        if found is None:
            return _error(
                "DeploymentDoesNotExistException",
                f"The deployment {request.get('deploymentId')} does not exist",
            )
        return found

    def _get(self, request: dict[str, Any]) -> Answer:
        found = self._find(request)
        if not isinstance(found, Deployment):
            return found
        with self._lock:
            return _ok({"deploymentInfo": found.info()})

    def _batch_get(self, request: dict[str, Any]) -> Answer:
        ids = request.get("deploymentIds") or []
        if len(ids) > 25:
            return _error("BatchLimitExceededException", "at most 25 deployment ids")
        with self._lock:
            found = [self.deployments[i].info() for i in ids if i in self.deployments]
        return _ok({"deploymentsInfo": found})

    def _stop(self, request: dict[str, Any]) -> Answer:
        found = self._find(request)
        if not isinstance(found, Deployment):
            return found
        with self._lock:
            if found.status not in ACTIVE:
                return _error(
                    "DeploymentAlreadyCompletedException",
                    f"The deployment {found.id} has already completed",
                )
            found.stop_with_rollback = bool(request.get("autoRollbackEnabled", True))
            found.stop.set()
        return _ok({"status": "Pending", "statusMessage": "Stopping the deployment"})

    def _list(self, request: dict[str, Any]) -> Answer:
        statuses = set(request.get("includeOnlyStatuses") or [])
        with self._lock:
            ids = [
                d.id
                for d in sorted(self.deployments.values(), key=lambda d: d.created)
                if d.application == request.get("applicationName", d.application)
                and d.group == request.get("deploymentGroupName", d.group)
                and (not statuses or d.status in statuses)
            ]
        return _ok({"deployments": ids})

    # -- a deployment's life -----------------------------------------------------------

    def _set(self, deployment: Deployment, **changes: Any) -> None:
        with self._lock:
            for key, value in changes.items():
                setattr(deployment, key, value)

    def _route(self, deployment: Deployment, weight: float) -> None:
        if weight >= 1:
            self._lambda.update_alias(
                FunctionName=deployment.function,
                Name=deployment.alias,
                FunctionVersion=deployment.target,
                RoutingConfig={"AdditionalVersionWeights": {}},
            )
        else:
            self._lambda.update_alias(
                FunctionName=deployment.function,
                Name=deployment.alias,
                FunctionVersion=deployment.current,
                RoutingConfig={"AdditionalVersionWeights": {deployment.target: weight}},
            )
        with self._lock:
            deployment.weights.append(weight)

    def _alarming(self, deployment: Deployment) -> list[str]:
        if not deployment.alarms:
            return []
        found = self._cloudwatch.describe_alarms(AlarmNames=deployment.alarms)["MetricAlarms"]
        return sorted(a["AlarmName"] for a in found if a["StateValue"] == "ALARM")

    def _end(
        self, deployment: Deployment, status: str, error: tuple[str, str], event: str | None
    ) -> None:
        """Stop or fail the deployment; roll the alias back if the group says so."""
        rollback = (
            deployment.stop_with_rollback if event is None else event in deployment.rollback_on
        )
        message = ""
        if rollback:
            self._lambda.update_alias(
                FunctionName=deployment.function,
                Name=deployment.alias,
                FunctionVersion=deployment.current,
                RoutingConfig={"AdditionalVersionWeights": {}},
            )
            message = f"rolled back: {deployment.alias} on version {deployment.current} again"
        self._set(
            deployment,
            status=status,
            error=error,
            rollback_message=message,
            completed=time.time(),
        )

    def _interrupted(self, deployment: Deployment) -> bool:
        """Ended by a stop request or an alarm (then True), else False."""
        if deployment.stop.is_set():
            self._end(deployment, "Stopped", ("DEPLOYMENT_STOPPED", "stopped by user"), None)
            return True
        alarming = self._alarming(deployment)
        if alarming:
            self._end(
                deployment,
                "Stopped",
                (
                    "ALARM_ACTIVE",
                    "One or more alarms have been activated according to the Amazon "
                    "CloudWatch metrics you selected, and the affected deployments have been "
                    f"stopped. Activated alarms: <{', '.join(alarming)}>",
                ),
                "DEPLOYMENT_STOP_ON_ALARM",
            )
            return True
        return False

    def _drive(self, deployment: Deployment) -> None:
        try:
            self._live(deployment)
        except Exception as exc:  # noqa: BLE001 - a server reset mid-deployment, at teardown
            if deployment.status in ACTIVE:
                self._set(deployment, status="Failed", error=("INTERNAL_ERROR", repr(exc)))

    def _live(self, deployment: Deployment) -> None:
        self._set(deployment, status="InProgress")
        try:
            alias = self._lambda.get_alias(FunctionName=deployment.function, Name=deployment.alias)
            self._lambda.get_function_configuration(
                FunctionName=deployment.function, Qualifier=deployment.target
            )
        except ClientError as exc:
            error = ("INVALID_LAMBDA_FUNCTION", f"{exc.response['Error'].get('Message', '')}")
            self._end(deployment, "Failed", error, "DEPLOYMENT_FAILURE")
            return
        if alias["FunctionVersion"] != deployment.current:
            error = (
                "INVALID_LAMBDA_CONFIGURATION",
                f"alias {deployment.alias} serves version {alias['FunctionVersion']}, "
                f"not CurrentVersion {deployment.current}",
            )
            self._end(deployment, "Failed", error, "DEPLOYMENT_FAILURE")
            return
        for weight, minutes in deployment.steps:
            if self._closed.is_set() or self._interrupted(deployment):
                return
            self._route(deployment, weight)
            pause = self._pause
            if weight < 1 and pause is not None and len(deployment.weights) == 1:
                pause.arrive()
                while not pause.opened.wait(0.01):
                    if deployment.stop.is_set() or self._closed.is_set():
                        break
            deadline = time.monotonic() + minutes * self.seconds_per_minute
            # Alarms are read a few times a "minute" (at least every 0.5 s), so long
            # scaled canaries (the benchmark's) do not load the server they measure.
            every = min(0.5, max(0.02, self.seconds_per_minute / 10))
            while time.monotonic() < deadline:
                if self._closed.is_set() or self._interrupted(deployment):
                    return
                time.sleep(min(every, max(0.0, deadline - time.monotonic())))
        self._set(deployment, status="Succeeded", completed=time.time())
