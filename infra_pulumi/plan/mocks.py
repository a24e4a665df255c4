"""Pulumi unit-test mocks that answer like AWS would, for the offline plan and the tests.

Resources get realistic ARNs, URLs and ids. Invokes are answered by handlers keyed by
token; a handler returns the provider's result (camelCase keys) or raises
``EngineError`` to reproduce an error exactly as the engine delivers it.

Longer than the project's ~400-line guide: one answer per resource type and per invoke
the program uses, kept in one module so that ``provider_facts.py`` is its only source
of provider texts and a reader can check every answer against it side by side.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import grpc
import pulumi

from infra_pulumi.plan import provider_facts as facts

EXAMPLE_ACCOUNT = "123456789012"
#: The Region an offline evaluation answers with when the stack sets no ``aws:region``.
DEFAULT_REGION = "us-east-1"

#: An invoke's result; or, as a tuple, a result plus the provider's check failures
#: ``[(property, reason)]``, which the SDK reports as
#: ``invoke of <tok> failed: <reason> (<property>)``.
InvokeResult = dict[str, Any] | tuple[dict[str, Any], list[tuple[str, str]]]
InvokeHandler = Callable[[Mapping[str, Any]], InvokeResult]

SSM_GET_PARAMETER = facts.SSM_GET_PARAMETER.invoke
LAMBDA_GET_FUNCTION = facts.LAMBDA_GET_FUNCTION.invoke
ECS_GET_SERVICE = facts.ECS_GET_SERVICE.invoke
ECS_GET_TASK_DEFINITION = facts.ECS_GET_TASK_DEFINITION.invoke
ECR_GET_IMAGE = facts.ECR_GET_IMAGE.invoke


class EngineError(grpc.RpcError):
    """An invoke error as the engine returns it over gRPC.

    Raising a ``grpc.RpcError`` from ``Mocks.call`` takes the SDK's real error path:
    the SDK turns ``details()`` into ``Exception("invoke of <tok> failed: <details>")``
    and does not also record it as an unhandled error (an ordinary exception would be).
    """

    def __init__(self, details: str) -> None:
        super().__init__(details)
        self._details = details

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.UNKNOWN

    def details(self) -> str:
        return self._details


def provider_error(token: str, text: str) -> EngineError:
    """The bridge's wrapping of a provider diagnostic, as seen from pulumi-aws 7."""
    return EngineError(
        f"invocation of {token} returned an error: invoking {token}: "
        f"1 error occurred:\n\t* {text}\n\n"
    )


def not_found(token: str, where: facts.Where | None = None) -> InvokeHandler:
    """A handler that answers "does not exist" with the provider's own text for ``token``.

    The text comes from the truth table (``provider_facts``) and nowhere else.
    """

    def handler(args: Mapping[str, Any]) -> InvokeResult:
        raise provider_error(token, facts.not_found_text(token, args, where))

    return handler


def failing(token: str, code: str, where: facts.Where | None = None) -> InvokeHandler:
    """A handler that fails as the provider reports AWS's ``code`` (e.g.
    ``AccessDeniedException``, ``ThrottlingException``) on this invoke's first call."""
    entry = facts.facts_for(token)

    def handler(args: Mapping[str, Any]) -> InvokeResult:
        call = entry.calls_for(args)[0]
        service, operation = _SDK_OPERATION[call.action]
        text = facts.aws_error_text(
            entry, args, where or facts.Where(), service=service, operation=operation, code=code
        )
        raise provider_error(token, text)

    return handler


#: The SDK's service id and operation name of each first call, as smithy-go prints them.
_SDK_OPERATION = {
    "ssm:GetParameter": ("SSM", "GetParameter"),
    "lambda:GetFunction": ("Lambda", "GetFunction"),
    "lambda:ListVersionsByFunction": ("Lambda", "ListVersionsByFunction"),
    "ecs:DescribeServices": ("ECS", "DescribeServices"),
    "ecs:DescribeTaskDefinition": ("ECS", "DescribeTaskDefinition"),
    "ecr:DescribeImages": ("ECR", "DescribeImages"),
}

#: The provider's answers for a thing that does not exist, one per invoke that can say so.
parameter_not_found = not_found(SSM_GET_PARAMETER)
function_not_found = not_found(LAMBDA_GET_FUNCTION)
service_not_found = not_found(ECS_GET_SERVICE)
image_not_found = not_found(ECR_GET_IMAGE)


def ecs_service_running(image_uri: str, container: str = "web") -> dict[str, InvokeHandler]:
    """getService and getTaskDefinition handlers for a service whose container runs ``image_uri``.

    The task definition is revision 7: one the app pipeline registered, not Pulumi.
    """

    def service(args: Mapping[str, Any]) -> InvokeResult:
        family = args["serviceName"]
        return {
            "serviceName": family,
            "clusterArn": args["clusterArn"],
            "taskDefinition": f"arn:aws:ecs:us-east-1:{EXAMPLE_ACCOUNT}:task-definition/{family}:7",
            "desiredCount": 2,
            "launchType": "FARGATE",
            "arn": f"arn:aws:ecs:us-east-1:{EXAMPLE_ACCOUNT}:service/{family}",
            "id": family,
        }

    def task_definition(args: Mapping[str, Any]) -> InvokeResult:
        definitions = [{"name": container, "image": image_uri, "essential": True}]
        return {
            "taskDefinition": args["taskDefinition"],
            "containerDefinitions": json.dumps(definitions),
            "family": "web",
            "revision": 7,
            "id": args["taskDefinition"],
        }

    return {ECS_GET_SERVICE: service, ECS_GET_TASK_DEFINITION: task_definition}


def parameter_value(value: str) -> InvokeHandler:
    """A getParameter handler that finds the parameter with ``value``."""

    def handler(args: Mapping[str, Any]) -> InvokeResult:
        name = args["name"]
        return {
            "id": name,
            "name": name,
            "type": "String",
            "value": value,
            "insecureValue": value,
            "version": 3,
            "withDecryption": True,
            "arn": f"arn:aws:ssm:us-east-1:{EXAMPLE_ACCOUNT}:parameter{name}",
        }

    return handler


def image_tags(*tags: str) -> InvokeHandler:
    """A getImage handler for a digest that exists and carries ``tags``."""

    def handler(args: Mapping[str, Any]) -> InvokeResult:
        return {
            "id": args["imageDigest"],
            "imageDigest": args["imageDigest"],
            "imageTags": list(tags),
            "registryId": args.get("registryId", EXAMPLE_ACCOUNT),
            "repositoryName": args["repositoryName"],
            "imagePushedAt": 1767225600,
            "imageSizeInBytes": 52428800,
            # The data source builds it from DescribeRepositories' repositoryUri.
            "imageUri": f"{args.get('registryId', EXAMPLE_ACCOUNT)}.dkr.ecr.us-east-1."
            f"amazonaws.com/{args['repositoryName']}@{args['imageDigest']}",
        }

    return handler


#: The digest a promoted stage records in the ``released`` answers (an example, not real).
RELEASED_DIGEST = "sha256:" + hashlib.sha256(b"container-delivery example release").hexdigest()


def released(tag: str, digest: str = RELEASED_DIGEST) -> dict[str, InvokeHandler]:
    """A stage after a release of ``tag``: its tag parameters hold ``tag``; a promoted
    stage's digest parameters hold ``digest``, which its build stage's repository holds
    with ``tag`` (what ``app.deploy promote`` records and checks). A build stage reads no
    digest parameter, so the same answers serve both kinds of stage."""
    values = {"tag": tag, "digest": digest}

    def parameters(args: Mapping[str, Any]) -> InvokeResult:
        kind = str(args["name"]).rsplit("/", 1)[-1]
        return parameter_value(values.get(kind, tag))(args)

    return {SSM_GET_PARAMETER: parameters, ECR_GET_IMAGE: image_tags(tag)}


def ecr_images(known: Mapping[tuple[str, str, str], Sequence[str]]) -> InvokeHandler:
    """A getImage handler for a registry holding exactly ``known``: ``(registry id,
    repository, digest) -> tags``; any other image answers the provider's not-found text."""

    def handler(args: Mapping[str, Any]) -> InvokeResult:
        key = (str(args.get("registryId")), str(args["repositoryName"]), str(args["imageDigest"]))
        if key not in known:
            raise provider_error(ECR_GET_IMAGE, facts.not_found_text(ECR_GET_IMAGE, args))
        return image_tags(*known[key])(args)

    return handler


def function_image(image_uri: str, *, latest: str | None = None) -> InvokeHandler:
    """A getFunction handler for a function whose ``live`` alias serves ``image_uri``.

    ``latest`` is what ``$LATEST`` (an unqualified read) runs, when it differs from what
    the alias serves: a configuration change not shifted yet, or the placeholder.
    """

    def handler(args: Mapping[str, Any]) -> InvokeResult:
        qualifier = args.get("qualifier")
        image = latest if qualifier is None and latest is not None else image_uri
        return {
            "functionName": args["functionName"],
            "imageUri": image,
            "qualifier": qualifier,
            "version": "3" if qualifier else "$LATEST",
        }

    return handler


def function_without_alias(image_uri: str) -> InvokeHandler:
    """A getFunction handler for a function deployed before the ``live`` alias existed."""

    def handler(args: Mapping[str, Any]) -> InvokeResult:
        if args.get("qualifier") is not None:
            return function_not_found(args)
        return {"functionName": args["functionName"], "imageUri": image_uri}

    return handler


#: ELB accounts of two Regions, from terraform-provider-aws's table
#: (internal/service/elb/service_account_data_source.go, serviceAccountPerRegionMap).
ELB_ACCOUNTS = {"ap-northeast-1": "582318560864", "us-east-1": "127311923021"}


def elb_service_account(args: Mapping[str, Any]) -> InvokeResult:
    """The provider's answer for a Region with an ELB account, or its error for one without."""
    region = str(args["region"])
    if region not in ELB_ACCOUNTS:
        text = facts.ELB_GET_SERVICE_ACCOUNT.other_errors["unsupported region"]
        raise provider_error(facts.ELB_GET_SERVICE_ACCOUNT.invoke, text.format(region=region))
    account = ELB_ACCOUNTS[region]
    return {"arn": f"arn:aws:iam::{account}:root", "id": account, "region": region}


@dataclass(frozen=True)
class InvokeAnswer:
    """One invoke the program made and how it was answered."""

    token: str
    args: dict[str, Any]
    outcome: Literal["found", "not found", "error"]
    """``found``: a result; ``not found``: the provider's not-found text; ``error``: any
    other failure."""


@dataclass
class OfflineMocks(pulumi.runtime.Mocks):
    """Mocks for one offline evaluation. ``invokes`` overrides the default answers.

    By default nothing exists yet (the first deploy): every read answers with the
    provider's own not-found text from the truth table, for this region and account.
    """

    region: str = DEFAULT_REGION
    account: str = EXAMPLE_ACCOUNT
    invokes: dict[str, InvokeHandler] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    answers: list[InvokeAnswer] = field(default_factory=list)

    @property
    def where(self) -> facts.Where:
        return facts.Where(region=self.region, account=self.account)

    def __post_init__(self) -> None:
        defaults: dict[str, InvokeHandler] = {
            token: not_found(token, self.where)
            for token, entry in facts.TABLE.items()
            if entry.not_found
        }
        defaults |= {
            facts.ELB_GET_SERVICE_ACCOUNT.invoke: elb_service_account,
            "aws:index/getCallerIdentity:getCallerIdentity": lambda _: {
                "accountId": self.account,
                "arn": f"arn:aws:sts::{self.account}:assumed-role/offline-plan/session",
                "userId": "AROAEXAMPLE:session",
                "id": self.account,
            },
            "aws:index/getRegion:getRegion": lambda _: {
                "region": self.region,
                "name": self.region,
                "id": self.region,
                "endpoint": f"ec2.{self.region}.amazonaws.com",
                "description": self.region,
            },
            "aws:index/getPartition:getPartition": lambda _: {
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
                "id": "aws",
                "reverseDnsPrefix": "com.amazonaws",
            },
            "aws:ecr/getAuthorizationToken:getAuthorizationToken": lambda args: {
                "authorizationToken": "b2ZmbGluZTpwbGFu",
                "userName": "AWS",
                "password": "offline-plan-not-a-real-token",
                "proxyEndpoint": f"https://{args.get('registryId', self.account)}.dkr.ecr."
                f"{self.region}.amazonaws.com",
                "expiresAt": "2099-01-01T00:00:00Z",
                "id": self.region,
            },
            "aws:index/getAvailabilityZones:getAvailabilityZones": lambda _: {
                "names": [f"{self.region}a", f"{self.region}c"],
                "zoneIds": ["az1", "az2"],
                "id": self.region,
            },
        }
        self.invokes = {**defaults, **self.invokes}

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        arguments = dict(args.args)
        self.calls.append((args.token, arguments))
        handler = self.invokes.get(args.token)
        if handler is None:
            raise EngineError(
                f"the offline plan has no answer for invoke {args.token}; "
                "add one to infra_pulumi/plan/mocks.py"
            )
        try:
            result = handler(args.args)
        except EngineError as exc:
            self.answers.append(
                InvokeAnswer(args.token, arguments, self._outcome(args.token, arguments, exc))
            )
            raise
        self.answers.append(InvokeAnswer(args.token, arguments, "found"))
        return result if isinstance(result, tuple) else (result, [])

    def _outcome(
        self, token: str, arguments: dict[str, Any], error: EngineError
    ) -> Literal["not found", "error"]:
        """Whether ``error`` is the table's not-found text for this invoke (not the program's
        classification: the IAM tests read this, and must not share what they check)."""
        try:
            text = facts.not_found_text(token, arguments, self.where)
        except KeyError:
            return "error"
        return "not found" if text in error.details() else "error"

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        outputs = _outputs_for(args.typ, args.name, inputs, self.region, self.account)
        resource_id = str(outputs.get("id") or inputs.get("name") or f"{args.name}-id")
        return resource_id, {**inputs, **outputs}


_EC2_ID_PREFIXES = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
}


def _outputs_for(
    typ: str, logical: str, inputs: dict[str, Any], region: str, account: str
) -> dict[str, Any]:
    """The computed outputs AWS gives a new resource of type ``typ`` (ids, ARNs, URLs).

    One branch per resource type the program creates, in the shape of each service's ARN:
    a table more than logic, so it stays one function over the ~60-line guide.
    """
    name = str(inputs.get("name") or logical)
    arn = f"arn:aws:{typ.split(':')[1].split('/')[0]}:{region}:{account}:{name}"
    if typ == "aws:ecr/repository:Repository":
        return {
            "arn": f"arn:aws:ecr:{region}:{account}:repository/{name}",
            "repositoryUrl": f"{account}.dkr.ecr.{region}.amazonaws.com/{name}",
            "registryId": account,
            "id": name,
        }
    if typ == "aws:iam/policy:Policy":
        arn = f"arn:aws:iam::{account}:policy/{name}"
        return {"arn": arn, "id": arn, "policyId": "ANPA" + name}
    if typ == "aws:iam/role:Role":
        return {"arn": f"arn:aws:iam::{account}:role/{name}", "id": name, "uniqueId": "AROA" + name}
    if typ == "aws:cloudwatch/logGroup:LogGroup":
        return {"arn": f"arn:aws:logs:{region}:{account}:log-group:{name}", "id": name}
    if typ == "aws:lambda/function:Function":
        function_arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
        # publish=True: creating the function publishes version 1.
        version = "1" if inputs.get("publish") else "$LATEST"
        return {
            "arn": function_arn,
            "qualifiedArn": f"{function_arn}:{version}",
            "invokeArn": f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
            f"{function_arn}/invocations",
            "version": version,
            "id": name,
        }
    if typ == "aws:lambda/alias:Alias":
        alias_arn = f"arn:aws:lambda:{region}:{account}:function:{inputs['functionName']}:{name}"
        return {
            "arn": alias_arn,
            "invokeArn": f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
            f"{alias_arn}/invocations",
            "id": alias_arn,
        }
    if typ == "aws:lambda/functionUrl:FunctionUrl":
        url_id = hashlib.sha256(f"{typ}/{logical}".encode()).hexdigest()[:32]
        function = inputs["functionName"]
        return {
            "functionArn": f"arn:aws:lambda:{region}:{account}:function:{function}",
            "functionUrl": f"https://{url_id}.lambda-url.{region}.on.aws/",
            "urlId": url_id,
            "id": f"{function}/{inputs.get('qualifier', '')}",
        }
    if typ == "aws:lambda/permission:Permission":
        return {"id": str(inputs.get("statementId") or logical)}
    if typ == "aws:codedeploy/application:Application":
        return {
            "arn": f"arn:aws:codedeploy:{region}:{account}:application:{name}",
            "applicationId": str(uuid.UUID(hashlib.md5(name.encode()).hexdigest())),  # noqa: S324
            "name": name,
            "id": name,
        }
    if typ == "aws:codedeploy/deploymentGroup:DeploymentGroup":
        app, group = inputs["appName"], inputs["deploymentGroupName"]
        return {
            "arn": f"arn:aws:codedeploy:{region}:{account}:deploymentgroup:{app}/{group}",
            "deploymentGroupId": str(uuid.UUID(hashlib.md5(group.encode()).hexdigest())),  # noqa: S324
            "computePlatform": "Lambda",
            "id": f"{app}:{group}",
        }
    if typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
        return {"arn": f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}", "id": name}
    if typ == "aws:scheduler/schedule:Schedule":
        group = inputs.get("groupName", "default")
        return {
            "arn": f"arn:aws:scheduler:{region}:{account}:schedule/{group}/{name}",
            "id": f"{group}/{name}",
        }
    if typ == "aws:kms/key:Key":
        key_id = str(uuid.UUID(hashlib.md5(logical.encode()).hexdigest()))  # noqa: S324 - an id
        return {"arn": f"arn:aws:kms:{region}:{account}:key/{key_id}", "keyId": key_id}
    if typ == "aws:ssm/parameter:Parameter":
        return {"arn": f"arn:aws:ssm:{region}:{account}:parameter{name}", "id": name}
    if typ == "aws:dynamodb/table:Table":
        # The provider's id of a table is its name (terraform-provider-aws, table.go).
        return {"arn": f"arn:aws:dynamodb:{region}:{account}:table/{name}", "id": name}
    short_id = hashlib.sha256(f"{typ}/{logical}".encode()).hexdigest()[:17]
    if typ in _EC2_ID_PREFIXES:
        return {"id": f"{_EC2_ID_PREFIXES[typ]}-{short_id}", "arn": arn}
    if typ == "aws:lb/loadBalancer:LoadBalancer":
        return {
            "arn": f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{name}/"
            f"{short_id[:16]}",
            "dnsName": f"{name}-{short_id[:10]}.{region}.elb.amazonaws.com",
        }
    if typ == "aws:lb/targetGroup:TargetGroup":
        return {
            "arn": f"arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{name}/"
            f"{short_id[:16]}"
        }
    if typ == "aws:ecs/cluster:Cluster":
        return {"arn": f"arn:aws:ecs:{region}:{account}:cluster/{name}", "id": name}
    if typ == "aws:ecs/taskDefinition:TaskDefinition":
        family = inputs.get("family", logical)
        return {
            "arn": f"arn:aws:ecs:{region}:{account}:task-definition/{family}:1",
            "revision": 1,
        }
    if typ == "aws:ecs/service:Service":
        cluster = str(inputs.get("cluster", "")).rsplit("/", 1)[-1]
        return {"id": f"arn:aws:ecs:{region}:{account}:service/{cluster}/{name}"}
    if typ == "aws:codebuild/project:Project":
        return {"arn": f"arn:aws:codebuild:{region}:{account}:project/{name}", "id": name}
    if typ == "aws:codepipeline/pipeline:Pipeline":
        return {"arn": f"arn:aws:codepipeline:{region}:{account}:{name}", "id": name}
    if typ == "aws:s3/bucket:Bucket":
        # With bucket_prefix, S3 (through Terraform) appends a 26-character unique suffix.
        prefix = inputs.get("bucketPrefix")
        bucket = str(
            inputs.get("bucket") or (f"{prefix}{short_id:0<26}"[:63] if prefix else logical)
        )
        return {"arn": f"arn:aws:s3:::{bucket}", "id": bucket, "bucket": bucket}
    if typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        host = str(inputs.get("url", "")).removeprefix("https://")
        return {"arn": f"arn:aws:iam::{account}:oidc-provider/{host}"}
    if typ == "docker:index/image:Image":
        digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
        image_name = str(inputs.get("imageName", ""))
        return {"repoDigest": f"{image_name.rsplit(':', 1)[0]}@sha256:{digest}"}
    return {"arn": arn}
