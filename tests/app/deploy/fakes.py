"""Test doubles for the release tool: a fake infra stack in moto, and fault injection.

``FakeStack`` creates what the infra stack would (an immutable ECR repository with the
placeholder image, the tag parameter, image-based Lambda functions, ECS services, and
the deploy manifest) through any boto3 session: moto in-process or a moto server.
With ``traffic=True`` (schema 2, issue 14) each function also gets a published first
version, a ``live`` alias on it, two CloudWatch alarms and a CodeDeploy deployment
group that rolls back on failure and on alarm, as SPEC-14 has the infra stack make them.
``use_lock_table`` (schema 4, issue 24) creates the release locks' DynamoDB table as the
contract has the infra stack create it, and publishes the manifest with it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import boto3
from botocore.exceptions import ClientError

REGION = "us-east-1"
PLACEHOLDER = "initial"
LIVE = "live"
CANARY = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
ALL_AT_ONCE = "CodeDeployDefault.LambdaAllAtOnce"
OLD = "aaaaaaa"
NEW = "bbbbbbb"
NEWER = "ccccccc"


def image_manifest(tag: str) -> str:
    """A minimal Docker image manifest; moto's put_image needs ``mediaType``.

    It has one layer of its own: moto derives an image's digest from its layers' digests
    (sha256 of "" for none), and Lambda's ``CodeSha256`` of an image function is that
    digest, so two tags with no layers would look like the same code.
    """
    digest = hashlib.sha256(tag.encode()).hexdigest()
    layer = hashlib.sha256(f"layer of {tag}".encode()).hexdigest()
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1024,
                "digest": f"sha256:{digest}",
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 1,
                    "digest": f"sha256:{layer}",
                }
            ],
        }
    )


@dataclass
class FakeStack:
    """What ``pulumi up`` leaves behind, built directly with boto3 against moto."""

    session: boto3.Session
    project: str = "demo"
    stack: str = "test"
    images: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock_table: str | None = None
    """Schema 4: the release locks' table (``use_lock_table``)."""

    def __post_init__(self) -> None:
        self.ssm = self.session.client("ssm")
        self.ecr = self.session.client("ecr")
        self.lambda_ = self.session.client("lambda")
        self.ecs = self.session.client("ecs")
        self.codedeploy = self.session.client("codedeploy")
        self.cloudwatch = self.session.client("cloudwatch")
        iam = self.session.client("iam")
        try:  # one role for every fake stack of an account (the benchmark makes several)
            self.role_arn = iam.get_role(RoleName="lambda-exec")["Role"]["Arn"]
            return
        except iam.exceptions.NoSuchEntityException:
            pass
        self.role_arn = iam.create_role(
            RoleName="lambda-exec",
            AssumeRolePolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
        )["Role"]["Arn"]

    @property
    def manifest_parameter(self) -> str:
        return f"/{self.project}/{self.stack}/deploy-manifest"

    def prefix(self, name: str) -> str:
        return f"{self.project}-{self.stack}-{name}"

    def add_image(
        self,
        name: str,
        *,
        functions: int = 0,
        ecs_services: int = 0,
        traffic: bool = False,
        deployment_config: str = ALL_AT_ONCE,
    ) -> dict[str, Any]:
        """An image with its repository, placeholder, tag parameter and targets.

        ``traffic``: schema 2, each function behind a ``live`` alias moved by CodeDeploy
        with ``deployment_config``.
        """
        repository = self.ecr.create_repository(
            repositoryName=self.prefix(name), imageTagMutability="IMMUTABLE"
        )["repository"]
        entry: dict[str, Any] = {
            "repositoryName": repository["repositoryName"],
            "repositoryUrl": repository["repositoryUri"],
            "tagParameter": f"/{self.project}/{self.stack}/images/{name}/tag",
            "placeholderTag": PLACEHOLDER,
            "lambdaFunctions": [],
            "ecsServices": [],
        }
        self.images[name] = entry
        self.push(name, PLACEHOLDER)
        self.ssm.put_parameter(Name=entry["tagParameter"], Value=PLACEHOLDER, Type="String")
        placeholder_uri = f"{entry['repositoryUrl']}:{PLACEHOLDER}"
        if traffic:
            folder = entry["tagParameter"].rsplit("/", 1)[0]
            entry["lockParameter"] = f"{folder}/release-lock"
            entry["failedReleasesParameter"] = f"{folder}/failed-releases"
            if functions:
                self.codedeploy.create_application(
                    applicationName=self.application(name), computePlatform="Lambda"
                )
        for i in range(functions):
            function_name = self.prefix(f"{name}-{i}")
            self.lambda_.create_function(
                FunctionName=function_name,
                Role=self.role_arn,
                PackageType="Image",
                Code={"ImageUri": placeholder_uri},
                ImageConfig={"Command": ["jobs.handler" if i % 2 == 0 else "api.handler"]},
                Publish=traffic,
            )
            if traffic:
                entry["lambdaFunctions"].append(
                    self._traffic(name, function_name, deployment_config)
                )
            else:
                entry["lambdaFunctions"].append(function_name)
        if ecs_services:
            cluster = self.prefix("cluster")
            self.ecs.create_cluster(clusterName=cluster)
            for i in range(ecs_services):
                service = self.prefix(f"{name}-svc-{i}")
                self.set_service_image(cluster, service, name, placeholder_uri, create=True)
                entry["ecsServices"].append(
                    {"cluster": cluster, "service": service, "container": name}
                )
        self.publish_manifest()
        return entry

    def set_service_image(
        self, cluster: str, service: str, container: str, uri: str, *, create: bool = False
    ) -> None:
        """Point an ECS service at a new task definition revision running ``uri``."""
        arn = self.ecs.register_task_definition(
            family=service,
            containerDefinitions=[{"name": container, "image": uri, "memory": 128}],
        )["taskDefinition"]["taskDefinitionArn"]
        if create:
            self.ecs.create_service(
                cluster=cluster, serviceName=service, taskDefinition=arn, desiredCount=0
            )
        else:
            self.ecs.update_service(cluster=cluster, service=service, taskDefinition=arn)

    def application(self, image: str) -> str:
        return self.prefix(image)

    def alarm_names(self, function_name: str) -> list[str]:
        return [f"{function_name}-live-errors", f"{function_name}-live-throttles"]

    def _traffic(self, image: str, function_name: str, deployment_config: str) -> dict[str, str]:
        """The alias on version 1, the two alarms, and the deployment group (SPEC-14)."""
        self.lambda_.create_alias(FunctionName=function_name, Name=LIVE, FunctionVersion="1")
        for alarm, metric in zip(
            self.alarm_names(function_name), ("Errors", "Throttles"), strict=True
        ):
            self.cloudwatch.put_metric_alarm(
                AlarmName=alarm,
                Namespace="AWS/Lambda",
                MetricName=metric,
                Dimensions=[
                    {"Name": "FunctionName", "Value": function_name},
                    {"Name": "Resource", "Value": f"{function_name}:{LIVE}"},
                ],
                Statistic="Sum",
                Period=60,
                EvaluationPeriods=1,
                Threshold=1,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
                TreatMissingData="notBreaching",
            )
        self.codedeploy.create_deployment_group(
            applicationName=self.application(image),
            deploymentGroupName=function_name,
            deploymentConfigName=deployment_config,
            serviceRoleArn=self.role_arn,
            deploymentStyle={
                "deploymentType": "BLUE_GREEN",
                "deploymentOption": "WITH_TRAFFIC_CONTROL",
            },
            autoRollbackConfiguration={
                "enabled": True,
                "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"],
            },
            alarmConfiguration={
                "enabled": True,
                "alarms": [{"name": alarm} for alarm in self.alarm_names(function_name)],
            },
        )
        return {
            "name": function_name,
            "alias": LIVE,
            "codeDeployApplication": self.application(image),
            "deploymentGroup": function_name,
        }

    @cached_property
    def dynamodb(self) -> Any:
        return self.session.client("dynamodb")

    def use_lock_table(self) -> str:
        """Schema 4: the table LOCK-SPEC has the infra stack create, and the manifest again.

        ``<project>-<stack>-release-locks``, partition key ``lockKey`` (S) and no sort
        key, on demand, encrypted with the AWS managed key (SSESpecification without a
        key id: DynamoDB API reference, CreateTable), no TTL.
        """
        name = self.prefix("release-locks")
        self.dynamodb.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "lockKey", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "lockKey", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            SSESpecification={"Enabled": True, "SSEType": "KMS"},
        )
        self.lock_table = name
        self.publish_manifest()
        return name

    def lock_item(self, name: str) -> dict[str, Any] | None:
        """Schema 4: the image's lock item (consistent read), or None when free."""
        assert self.lock_table is not None
        key = {"lockKey": {"S": self.images[name]["lockParameter"]}}
        item = self.dynamodb.get_item(TableName=self.lock_table, Key=key, ConsistentRead=True)
        return item.get("Item")

    def put_lock_item(self, name: str, holder: dict[str, Any]) -> None:
        """Schema 4: the image's lock item as another process would have put it."""
        assert self.lock_table is not None
        self.dynamodb.put_item(
            TableName=self.lock_table,
            Item={
                "lockKey": {"S": self.images[name]["lockParameter"]},
                "token": {"S": holder["token"]},
                "holder": {"S": json.dumps(holder)},
            },
        )

    def manifest_document(self) -> dict[str, Any]:
        schema = 2 if any("lockParameter" in entry for entry in self.images.values()) else 1
        if self.lock_table is not None:
            schema = 4
        if schema > 1:
            # Schema 2 requires the release tool's parameters on every image.
            for entry in self.images.values():
                folder = entry["tagParameter"].rsplit("/", 1)[0]
                entry.setdefault("lockParameter", f"{folder}/release-lock")
                entry.setdefault("failedReleasesParameter", f"{folder}/failed-releases")
        document = {
            "schema": schema,
            "project": self.project,
            "stack": self.stack,
            "images": self.images,
        }
        return document if self.lock_table is None else {**document, "lockTable": self.lock_table}

    def publish_manifest(self, value: str | None = None) -> None:
        self.ssm.put_parameter(
            Name=self.manifest_parameter,
            Value=value if value is not None else json.dumps(self.manifest_document()),
            Type="String",
            Overwrite=True,
        )

    def push(self, name: str, tag: str) -> str:
        """Push an image under ``tag`` (immutable) and return its URI."""
        entry = self.images[name]
        self.ecr.put_image(
            repositoryName=entry["repositoryName"], imageManifest=image_manifest(tag), imageTag=tag
        )
        return self.uri(name, tag)

    def uri(self, name: str, tag: str) -> str:
        return f"{self.images[name]['repositoryUrl']}:{tag}"

    def functions(self, name: str) -> list[str]:
        return [
            f["name"] if isinstance(f, dict) else f for f in self.images[name]["lambdaFunctions"]
        ]

    # -- schema 2: the alias and its versions ---------------------------------------------
    # moto 5.2 reports a published version's image as the function's *current* image
    # (its versions share $LATEST's code record), so tests never read the image behind an
    # alias from GetFunction: they read the alias's version number and that version's
    # Description, ``tag=<tag>`` for versions the release tool publishes.

    def alias(self, function_name: str) -> tuple[str, dict[str, float]]:
        """The version the live alias serves, and any additional version's weight."""
        alias = self.lambda_.get_alias(FunctionName=function_name, Name=LIVE)
        weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
        return alias["FunctionVersion"], dict(weights)

    def version_tag(self, function_name: str, version: str) -> str:
        """The tag a version was published for, from its Description (``tag=<tag>``)."""
        config = self.lambda_.get_function_configuration(
            FunctionName=function_name, Qualifier=version
        )
        return str(config.get("Description", "")).removeprefix("tag=")

    def serving(self, name: str) -> dict[str, str]:
        """Per function, the tag of the version its alias serves alone (``split`` if split)."""
        result = {}
        for fn in self.functions(name):
            version, weights = self.alias(fn)
            result[fn] = "split" if weights else self.version_tag(fn, version)
        return result

    def release_directly(self, name: str, tag: str) -> None:
        """What a successful schema-2 release of ``tag`` leaves, written without the tool."""
        self.ssm.put_parameter(
            Name=self.images[name]["tagParameter"], Value=tag, Type="String", Overwrite=True
        )
        for fn in self.functions(name):
            self.set_function_image(fn, self.uri(name, tag))
            version = self.lambda_.publish_version(FunctionName=fn, Description=f"tag={tag}")
            self.lambda_.update_alias(
                FunctionName=fn,
                Name=LIVE,
                FunctionVersion=version["Version"],
                RoutingConfig={"AdditionalVersionWeights": {}},
            )

    def set_alarm(
        self, function_name: str, state: Literal["ALARM", "OK", "INSUFFICIENT_DATA"] = "ALARM"
    ) -> None:
        alarm = self.alarm_names(function_name)[0]
        self.cloudwatch.set_alarm_state(
            AlarmName=alarm, StateValue=state, StateReason="set by the test"
        )

    def recorded_tag(self, name: str) -> str:
        return self.ssm.get_parameter(Name=self.images[name]["tagParameter"])["Parameter"]["Value"]

    def function_images(self, name: str) -> dict[str, str]:
        return {
            fn: self.lambda_.get_function(FunctionName=fn)["Code"]["ImageUri"]
            for fn in self.functions(name)
        }

    def state(self, name: str) -> dict[str, Any]:
        """Everything a release may change, to compare before and after a failure."""
        return {"tag": self.recorded_tag(name), "functions": self.function_images(name)}

    def history(self, name: str) -> list[Any]:
        """Every version of the tag parameter SSM keeps, oldest first (all pages)."""
        parameter = self.images[name]["tagParameter"]
        pages = self.ssm.get_paginator("get_parameter_history").paginate(Name=parameter)
        versions = [version for page in pages for version in page["Parameters"]]
        return sorted(versions, key=lambda version: int(version["Version"]))

    def failed_record(self, name: str) -> dict[int, str]:
        """The failed-release record, read as docs/app-release.md describes it.

        ``<tag parameter's folder>/failed-releases``, value
        ``{"schema": 1, "failed": [[version, tag[:7]], ...]}``; empty if absent.
        """
        folder = self.images[name]["tagParameter"].rsplit("/", 1)[0]
        try:
            value = self.ssm.get_parameter(Name=f"{folder}/failed-releases")["Parameter"]["Value"]
        except self.ssm.exceptions.ParameterNotFound:
            return {}
        document = json.loads(value)
        assert document["schema"] == 1
        return {int(version): tag for version, tag in document["failed"]}

    def lock_value(self, name: str) -> dict[str, Any] | None:
        """The release lock's JSON value, or None when no release holds it."""
        folder = self.images[name]["tagParameter"].rsplit("/", 1)[0]
        try:
            value = self.ssm.get_parameter(Name=f"{folder}/release-lock")["Parameter"]["Value"]
        except self.ssm.exceptions.ParameterNotFound:
            return None
        result: dict[str, Any] = json.loads(value)
        return result

    def set_function_image(self, function_name: str, uri: str) -> None:
        self.lambda_.update_function_code(FunctionName=function_name, ImageUri=uri)


def lock_holder(
    pid: int,
    *,
    command: str = "release",
    image: str = "lambda",
    token: str = "e" * 32,
    host: str = "other-host",
    started: str = "2099-01-01T00:00:00Z",
    expires: str = "2099-01-01T01:00:00Z",
) -> dict[str, Any]:
    """A lock's holder as the tool writes it (docs/app-release.md, "One release per image:
    the lock"), written out rather than built with the code under test."""
    return {
        "schema": 1,
        "token": token,
        "host": host,
        "pid": pid,
        "codebuildBuildId": None,
        "command": command,
        "image": image,
        "startedAt": started,
        "expiresAt": expires,
    }


def client_error(code: str, operation: str, message: str = "injected fault") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


Fault = Callable[[dict[str, Any]], None]
"""Called with an operation's keyword arguments; raises to make the call fail."""


Rewrite = Callable[[dict[str, Any], Any], Any]
"""Called with an operation's keyword arguments and response; returns the response to give."""


class FaultyClient:
    """Wraps a boto3 client: named operations run a fault hook first, and are counted.

    ``rewrite`` maps an operation to a function that may alter its response, e.g. to
    make a function report ``LastUpdateStatus: InProgress``.
    """

    def __init__(
        self, client: Any, *, rewrite: dict[str, Rewrite] | None = None, **faults: Fault
    ) -> None:
        self._client = client
        self._faults = faults
        self._rewrite = rewrite or {}
        self._lock = threading.Lock()
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def calls_to(self, operation: str) -> list[dict[str, Any]]:
        return [kwargs for op, kwargs in self.calls if op == operation]

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute) or name in {"get_paginator", "get_waiter"}:
            return attribute

        def call(**kwargs: Any) -> Any:
            with self._lock:
                self.calls.append((name, kwargs))
            fault = self._faults.get(name)
            if fault is not None:
                fault(kwargs)
            response = attribute(**kwargs)
            rewrite = self._rewrite.get(name)
            return response if rewrite is None else rewrite(kwargs, response)

        return call


def fail_when(predicate: Callable[[dict[str, Any]], bool], code: str, operation: str) -> Fault:
    """A fault raising ``code`` whenever ``predicate(kwargs)`` holds."""

    def fault(kwargs: dict[str, Any]) -> None:
        if predicate(kwargs):
            raise client_error(code, operation)

    return fault


def fail_times(
    times: int, code: str, operation: str, predicate: Callable[[dict[str, Any]], bool]
) -> Fault:
    """A fault raising ``code`` for the first ``times`` calls matching ``predicate``."""
    remaining = [times]
    lock = threading.Lock()

    def fault(kwargs: dict[str, Any]) -> None:
        if not predicate(kwargs):
            return
        with lock:
            if remaining[0] <= 0:
                return
            remaining[0] -= 1
        raise client_error(code, operation)

    return fault
