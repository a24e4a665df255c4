"""The provider truth table: what each invoke the program makes does in the real provider.

One entry per invoke token: the exact text of "not found" (and of "several matched"),
the AWS API calls the data source makes (as IAM actions on their resource ARN shapes),
and the outputs it returns. The offline mocks take their not-found texts from here and
nowhere else, and the IAM tests check every role that runs ``pulumi preview`` or
``pulumi up`` against the calls listed here.

Every entry was read from terraform-provider-aws, the code pulumi-aws 7.x bridges, at
commit ``5f2286d6d836`` (2026-06-02, CHANGELOG "6.48.0 (Unreleased)"): the revision of
``github.com/hashicorp/terraform-provider-aws`` that the Go module proxy serves
(``v1.60.1-0.20260602190131-5f2286d6d836``). Which upstream commit pulumi-aws 7.51.1
(the pin in requirements.txt) bridges could not be confirmed here: its provider module
(``github.com/pulumi/pulumi-aws/provider/v7``) is not served by the proxy this machine
reaches. When the pin moves, re-read each ``source`` below at the upstream version the
new pulumi-aws names and update the entry; ``tests/infra/plan/test_provider_facts.py``
then shows which classification or grant no longer holds.

How a provider error reaches the program (the engine and bridge wrap the provider's
diagnostic; see ``infra_pulumi.engine_errors``)::

    invoke of <token> failed: invocation of <token> returned an error: invoking <token>:
    1 error occurred:\\n\\t* <provider text>\\n\\n

AWS SDK for Go v2 error texts inside a provider text are formatted by smithy-go
(``errors.go``: ``operation error <service>: <operation>, <err>``), aws-sdk-go-v2
(``aws/transport/http/response_error.go``: ``https response error StatusCode: <n>,
RequestID: <id>, <err>``; ``aws/retry/errors.go``: ``exceeded maximum number of attempts,
<n>, <err>``), a modeled error type (``<Code>: <Message>``) or an unmodeled one
(``api error <Code>: <Message>``).

The module is a table, longer than the project's ~400-line guide: one entry per invoke,
each quoting its source, so that one file answers "what does the provider really say".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Args = Mapping[str, Any]
When = Literal["always", "found"]

#: The request id in texts this module builds; a real one is a UUID that varies per call.
EXAMPLE_REQUEST_ID = "0c9d9f2e-7a4b-4f1e-9c1d-5b8e2f6a3d10"


@dataclass(frozen=True)
class Where:
    """The partition, region and account an invoke runs in."""

    partition: str = "aws"
    region: str = "us-east-1"
    account: str = "123456789012"


@dataclass(frozen=True)
class ApiCall:
    """One AWS API call a data source makes, as IAM authorizes it."""

    action: str
    """The IAM action, e.g. ``ecr:DescribeImages``."""
    shape: str
    """The resource ARN shape IAM checks, for people, e.g.
    ``arn:<partition>:ecr:<region>:<account>:repository/<repositoryName>``; ``*`` where
    the action takes no resource-level permission."""
    resource: Callable[[Args, Where], str]
    """The same ARN built from the invoke's arguments."""
    when: When = "always"
    """``always``: made on every read; ``found``: made only once the first call found it."""
    requires_permission: bool = True
    """False for the few calls AWS authorizes without a policy (``sts:GetCallerIdentity``)."""
    note: str = ""


@dataclass(frozen=True)
class InvokeFacts:
    """What one invoke does in the real provider."""

    invoke: str
    data_source: str
    """The Terraform data source the token bridges."""
    source: str
    """terraform-provider-aws file and function the entry was read from."""
    calls: Mapping[str, tuple[ApiCall, ...]]
    """The calls of each branch of the data source's read (see ``branch``)."""
    outputs: tuple[str, ...]
    """The invoke's result properties, as Pulumi names them (camelCase)."""
    not_found: Mapping[str, str] = field(default_factory=dict)
    """Per branch: the provider's text when the thing does not exist; ``{...}`` are the
    invoke's arguments (and ``{arn}``, the ARN AWS names in its own message)."""
    several_matched: str | None = None
    """The provider's text when more than one thing matched, where the data source has one."""
    error_prefix: Mapping[str, str] = field(default_factory=dict)
    """Per branch: how the data source prefixes any other error of its first call."""
    legacy_not_found: tuple[str, ...] = ()
    """Not-found texts of older provider versions, still recognised (see each entry)."""
    other_errors: Mapping[str, str] = field(default_factory=dict)
    """Other answers the program tells apart, by name, as templates of the arguments."""
    branch: Callable[[Args], str] = lambda _args: "read"
    """Which branch of the read the arguments take."""

    def calls_for(self, args: Args) -> tuple[ApiCall, ...]:
        return self.calls[self.branch(args)]

    def not_found_text(self, args: Args, where: Where) -> str:
        """The provider's exact not-found text for these arguments."""
        branch = self.branch(args)
        if branch not in self.not_found:
            raise KeyError(f"{self.data_source} has no not-found answer on its {branch} branch")
        arn = self.calls_for(args)[0].resource(args, where)
        return self.not_found[branch].format(**dict(args), arn=arn)


def _ssm_parameter(args: Args, where: Where) -> str:
    # A name with a leading '/' (a hierarchy) joins the ARN without a second '/'.
    name = str(args["name"])
    path = name if name.startswith("/") else f"/{name}"
    return f"arn:{where.partition}:ssm:{where.region}:{where.account}:parameter{path}"


def _function(args: Args, where: Where) -> str:
    return (
        f"arn:{where.partition}:lambda:{where.region}:{where.account}"
        f":function:{args['functionName']}"
    )


def _qualified_function(args: Args, where: Where) -> str:
    return f"{_function(args, where)}:{args['qualifier']}"


def _ecs_service(args: Args, where: Where) -> str:
    cluster = str(args["clusterArn"]).rsplit("/", 1)[-1]
    return (
        f"arn:{where.partition}:ecs:{where.region}:{where.account}"
        f":service/{cluster}/{args['serviceName']}"
    )


def _ecr_repository(args: Args, where: Where) -> str:
    # A promoted stage reads its build stage's registry: registryId is then that account,
    # and IAM authorizes the call on that account's repository (both the caller's policy
    # and the repository's policy must allow it).
    registry = args.get("registryId") or where.account
    return (
        f"arn:{where.partition}:ecr:{where.region}:{registry}:repository/{args['repositoryName']}"
    )


def _anything(_args: Args, _where: Where) -> str:
    return "*"


SSM_GET_PARAMETER = InvokeFacts(
    invoke="aws:ssm/getParameter:getParameter",
    data_source="aws_ssm_parameter",
    source=(
        "internal/service/ssm/parameter_data_source.go dataParameterRead; "
        "internal/service/ssm/parameter.go findParameterByName (ParameterNotFound -> "
        "retry.NotFoundError, whose text is internal/retry/error.go's)"
    ),
    calls={
        "read": (
            ApiCall(
                "ssm:GetParameter",
                "arn:<partition>:ssm:<region>:<account>:parameter/<name without its leading />",
                _ssm_parameter,
                note="WithDecryption=true (the default); a String parameter needs no kms:Decrypt",
            ),
        )
    },
    outputs=(
        "arn",
        "id",
        "insecureValue",
        "name",
        "region",
        "type",
        "value",
        "version",
        "withDecryption",
    ),
    not_found={"read": "reading SSM Parameter ({name}): couldn't find resource"},
    error_prefix={"read": "reading SSM Parameter ({name})"},
    # Provider versions built on aws-sdk-go v1 passed SSM's error on in that SDK's format
    # (`<Code>: <Message>\n\tstatus code: <n>`); the wording around it is not in the
    # revision above, only the code is certain.
    legacy_not_found=(
        "Error describing SSM parameter ({name}): ParameterNotFound: \n\tstatus code: 400",
    ),
)

LAMBDA_GET_FUNCTION = InvokeFacts(
    invoke="aws:lambda/getFunction:getFunction",
    data_source="aws_lambda_function",
    source=(
        "internal/service/lambda/function_data_source.go dataSourceFunctionRead; "
        "internal/service/lambda/function.go findFunction (ResourceNotFoundException -> "
        "retry.NotFoundError), findLatestFunctionVersionByName (no such mapping: "
        "ListVersionsByFunction's error is passed on as the SDK formats it), "
        "findFunctionConcurrencyByName"
    ),
    branch=lambda args: "qualified" if args.get("qualifier") else "unqualified",
    calls={
        # With a qualifier (the program reads the `live` alias): GetFunction on the
        # qualified ARN; GetFunction then returns no Concurrency, so the data source reads
        # it with GetFunctionConcurrency on the unqualified function.
        "qualified": (
            ApiCall(
                "lambda:GetFunction",
                "arn:<partition>:lambda:<region>:<account>:function:<functionName>:<qualifier>",
                _qualified_function,
            ),
            ApiCall(
                "lambda:GetFunctionConcurrency",
                "arn:<partition>:lambda:<region>:<account>:function:<functionName>",
                _function,
                when="found",
            ),
        ),
        # Without one: the newest published version first (ListVersionsByFunction), then
        # GetFunction on it; with no published version, on $LATEST (the function's ARN).
        "unqualified": (
            ApiCall(
                "lambda:ListVersionsByFunction",
                "arn:<partition>:lambda:<region>:<account>:function:<functionName>",
                _function,
            ),
            ApiCall(
                "lambda:GetFunction",
                "arn:<partition>:lambda:<region>:<account>:function:<functionName>",
                _function,
                when="found",
                note=(
                    "qualified with the newest published version (function:<name>:<n>) when "
                    "one exists; this program reads a function unqualified only when it "
                    "has no live alias, i.e. was deployed before versions were published"
                ),
            ),
        ),
    },
    outputs=(
        "architectures",
        "arn",
        "capacityProviderConfigs",
        "codeSha256",
        "codeSigningConfigArn",
        "deadLetterConfig",
        "description",
        "durableConfigs",
        "environment",
        "ephemeralStorages",
        "fileSystemConfigs",
        "functionName",
        "handler",
        "id",
        "imageUri",
        "invokeArn",
        "kmsKeyArn",
        "lastModified",
        "layers",
        "loggingConfigs",
        "memorySize",
        "qualifiedArn",
        "qualifiedInvokeArn",
        "qualifier",
        "region",
        "reservedConcurrentExecutions",
        "responseStreamingInvokeArn",
        "role",
        "runtime",
        "signingJobArn",
        "signingProfileVersionArn",
        "sourceCodeHash",
        "sourceCodeSize",
        "sourceKmsKeyArn",
        "tags",
        "tenancyConfigs",
        "timeout",
        "tracingConfig",
        "version",
        "vpcConfig",
    ),
    not_found={
        "qualified": "reading Lambda Function ({functionName}): couldn't find resource",
        # Lambda's own message ("Function not found: <arn>", as moto's
        # UnknownFunctionException also says) inside the SDK's formatting.
        "unqualified": (
            "reading Lambda Function ({functionName}) latest version: operation error "
            "Lambda: ListVersionsByFunction, https response error StatusCode: 404, "
            f"RequestID: {EXAMPLE_REQUEST_ID}, ResourceNotFoundException: "
            "Function not found: {arn}"
        ),
    },
    error_prefix={
        "qualified": "reading Lambda Function ({functionName})",
        "unqualified": "reading Lambda Function ({functionName}) latest version",
    },
)

ECS_GET_SERVICE = InvokeFacts(
    invoke="aws:ecs/getService:getService",
    data_source="aws_ecs_service",
    source=(
        "internal/service/ecs/service_data_source.go dataSourceServiceRead "
        '(tfresource.SingularDataSourceFindError("ECS Service", err)); '
        "internal/service/ecs/service.go findServiceByTwoPartKey/findServices "
        "(ClusterNotFoundException, ServiceNotFoundException and a MISSING failure -> "
        "retry.NotFoundError); internal/tfresource/errors.go SingularDataSourceFindError"
    ),
    calls={
        "read": (
            ApiCall(
                "ecs:DescribeServices",
                "arn:<partition>:ecs:<region>:<account>:service/<cluster name>/<serviceName>",
                _ecs_service,
                note="Include=[TAGS]; tags come back in the same answer (no ListTagsForResource)",
            ),
        )
    },
    outputs=(
        "arn",
        "availabilityZoneRebalancing",
        "capacityProviderStrategies",
        "clusterArn",
        "createdAt",
        "createdBy",
        "deploymentConfigurations",
        "deploymentControllers",
        "deployments",
        "desiredCount",
        "enableEcsManagedTags",
        "enableExecuteCommand",
        "events",
        "healthCheckGracePeriodSeconds",
        "iamRole",
        "id",
        "launchType",
        "loadBalancers",
        "networkConfigurations",
        "orderedPlacementStrategies",
        "pendingCount",
        "placementConstraints",
        "platformFamily",
        "platformVersion",
        "propagateTags",
        "region",
        "runningCount",
        "schedulingStrategy",
        "serviceName",
        "serviceRegistries",
        "status",
        "tags",
        "taskDefinition",
        "taskSets",
    ),
    # A missing cluster reads the same: the first deploy meets exactly this text.
    not_found={"read": "no matching ECS Service found"},
    several_matched=(
        "multiple ECS Services matched; use additional constraints to reduce matches to a "
        "single ECS Service"
    ),
    error_prefix={"read": "reading ECS Service"},
)

ECS_GET_TASK_DEFINITION = InvokeFacts(
    invoke="aws:ecs/getTaskDefinition:getTaskDefinition",
    data_source="aws_ecs_task_definition",
    source=(
        "internal/service/ecs/task_definition_data_source.go dataSourceTaskDefinitionRead; "
        "internal/service/ecs/task_definition.go findTaskDefinition (every HTTP 400 -> "
        "retry.NotFoundError: ECS answers AccessDeniedException with 400 too, so a denied "
        "read also says `couldn't find resource`; the program treats any failure here as "
        "an error, never as absence)"
    ),
    calls={
        "read": (
            ApiCall(
                "ecs:DescribeTaskDefinition",
                "*",
                _anything,
                note="the Service Authorization Reference lists no resource type for it",
            ),
        )
    },
    outputs=(
        "arn",
        "arnWithoutRevision",
        "containerDefinitions",
        "cpu",
        "enableFaultInjection",
        "ephemeralStorages",
        "executionRoleArn",
        "family",
        "id",
        "ipcMode",
        "memory",
        "networkMode",
        "pidMode",
        "placementConstraints",
        "proxyConfigurations",
        "region",
        "requiresCompatibilities",
        "revision",
        "runtimePlatforms",
        "status",
        "taskDefinition",
        "taskRoleArn",
        "volumes",
    ),
    not_found={"read": "reading ECS Task Definition ({taskDefinition}): couldn't find resource"},
    error_prefix={"read": "reading ECS Task Definition ({taskDefinition})"},
)

ECR_GET_IMAGE = InvokeFacts(
    invoke="aws:ecr/getImage:getImage",
    data_source="aws_ecr_image",
    source=(
        "internal/service/ecr/image_data_source.go dataSourceImageRead and findImageDetails "
        "(ImageNotFoundException, RepositoryNotFoundException -> retry.NotFoundError); "
        "internal/service/ecr/repository.go findRepository"
    ),
    calls={
        "read": (
            ApiCall(
                "ecr:DescribeImages",
                "arn:<partition>:ecr:<region>:<registryId>:repository/<repositoryName>",
                _ecr_repository,
            ),
            # The image's URI is built from the repository's, read after the image.
            ApiCall(
                "ecr:DescribeRepositories",
                "arn:<partition>:ecr:<region>:<registryId>:repository/<repositoryName>",
                _ecr_repository,
                when="found",
            ),
        )
    },
    outputs=(
        "id",
        "imageDigest",
        "imagePushedAt",
        "imageSizeInBytes",
        "imageTag",
        "imageTags",
        "imageUri",
        "mostRecent",
        "region",
        "registryId",
        "repositoryName",
    ),
    not_found={"read": "reading ECR Images: couldn't find resource"},
    several_matched=(
        "Your query returned more than one result. Please try a more specific search "
        "criteria, or set `most_recent` attribute to true."
    ),
    error_prefix={"read": "reading ECR Images"},
)

GET_CALLER_IDENTITY = InvokeFacts(
    invoke="aws:index/getCallerIdentity:getCallerIdentity",
    data_source="aws_caller_identity",
    source="internal/service/sts/caller_identity_data_source.go (Read: GetCallerIdentity)",
    calls={
        "read": (
            ApiCall(
                "sts:GetCallerIdentity",
                "*",
                _anything,
                requires_permission=False,
                note="AWS STS API reference: no permissions are required for this operation",
            ),
        )
    },
    outputs=("accountId", "arn", "id", "userId"),
)

GET_REGION = InvokeFacts(
    invoke="aws:index/getRegion:getRegion",
    data_source="aws_region",
    source=(
        "internal/service/meta/region_data_source.go (Read: the provider's configured "
        "region and its endpoint; no API call)"
    ),
    calls={"read": ()},
    outputs=("description", "endpoint", "id", "name", "region"),
)

GET_PARTITION = InvokeFacts(
    invoke="aws:index/getPartition:getPartition",
    data_source="aws_partition",
    source="internal/service/meta/partition_data_source.go (Read: no API call)",
    calls={"read": ()},
    outputs=("dnsSuffix", "id", "partition", "reverseDnsPrefix"),
)

GET_AVAILABILITY_ZONES = InvokeFacts(
    invoke="aws:index/getAvailabilityZones:getAvailabilityZones",
    data_source="aws_availability_zones",
    source="internal/service/ec2/ec2_availability_zones_data_source.go (DescribeAvailabilityZones)",
    calls={
        "read": (
            ApiCall(
                "ec2:DescribeAvailabilityZones",
                "*",
                _anything,
                note="no resource-level permission",
            ),
        )
    },
    outputs=(
        "allAvailabilityZones",
        "excludeNames",
        "excludeZoneIds",
        "filters",
        "groupNames",
        "id",
        "names",
        "region",
        "state",
        "zoneIds",
    ),
)

ECR_GET_AUTHORIZATION_TOKEN = InvokeFacts(
    invoke="aws:ecr/getAuthorizationToken:getAuthorizationToken",
    data_source="aws_ecr_authorization_token",
    source="internal/service/ecr/authorization_token_data_source.go (GetAuthorizationToken)",
    calls={
        "read": (
            ApiCall(
                "ecr:GetAuthorizationToken",
                "*",
                _anything,
                note="registry login is not resource-scoped",
            ),
        )
    },
    outputs=(
        "authorizationToken",
        "expiresAt",
        "id",
        "password",
        "proxyEndpoint",
        "region",
        "registryId",
        "userName",
    ),
)

ELB_GET_SERVICE_ACCOUNT = InvokeFacts(
    invoke="aws:elb/getServiceAccount:getServiceAccount",
    data_source="aws_elb_service_account",
    source=(
        "internal/service/elb/service_account_data_source.go dataSourceServiceAccountRead "
        "(a table of Regions and ELB accounts; no API call)"
    ),
    calls={"read": ()},
    outputs=("arn", "id", "region"),
    # Not "not found": the Region has no ELB account, and the writer is the log delivery
    # service principal instead (infra_pulumi/components/access_logs.py).
    other_errors={"unsupported region": "unsupported ELB Service Account Region ({region})"},
)

#: Every invoke the program makes, by token.
TABLE: dict[str, InvokeFacts] = {
    facts.invoke: facts
    for facts in (
        SSM_GET_PARAMETER,
        LAMBDA_GET_FUNCTION,
        ECS_GET_SERVICE,
        ECS_GET_TASK_DEFINITION,
        ECR_GET_IMAGE,
        GET_CALLER_IDENTITY,
        GET_REGION,
        GET_PARTITION,
        GET_AVAILABILITY_ZONES,
        ECR_GET_AUTHORIZATION_TOKEN,
        ELB_GET_SERVICE_ACCOUNT,
    )
}


def facts_for(token: str) -> InvokeFacts:
    """The table's entry for ``token``; a clear error for an invoke nobody has read yet."""
    try:
        return TABLE[token]
    except KeyError:
        raise KeyError(
            f"no provider facts for invoke {token}: read its data source in "
            "terraform-provider-aws and add an entry to infra_pulumi/plan/provider_facts.py"
        ) from None


def not_found_text(token: str, args: Args, where: Where | None = None) -> str:
    """The provider's text for "does not exist" on this invoke, with these arguments."""
    return facts_for(token).not_found_text(args, where or Where())


def aws_error_text(
    facts: InvokeFacts, args: Args, where: Where, *, service: str, operation: str, code: str
) -> str:
    """A non-not-found AWS error as this data source reports it (for denied/throttled tests).

    The data source's prefix is the same as its not-found text's (``reading <Type> (...)``:
    ``sdkdiag.AppendErrorf``, or ``reading <Type>: %w`` from SingularDataSourceFindError);
    the error is the SDK's, for an unmodeled AWS code (``api error <Code>: <Message>``).
    """
    call = facts.calls_for(args)[0]
    resource = call.resource(args, where)
    messages = {
        "AccessDeniedException": (
            f"User: arn:{where.partition}:sts::{where.account}:assumed-role/preview/session is "
            f"not authorized to perform: {call.action} on resource: {resource} because no "
            f"identity-based policy allows the {call.action} action"
        ),
        "ThrottlingException": "Rate exceeded",
    }
    detail = (
        f"https response error StatusCode: 400, RequestID: {EXAMPLE_REQUEST_ID}, "
        f"api error {code}: {messages[code]}"
    )
    if code == "ThrottlingException":
        # The SDK retries a throttled call; what the provider reports is the last attempt.
        detail = f"exceeded maximum number of attempts, 25, {detail}"
    error = f"operation error {service}: {operation}, {detail}"
    prefix = facts.error_prefix[facts.branch(args)].format(**dict(args))
    return f"{prefix}: {error}"
