"""Stack config, read once and validated at the boundary.

Every key lives in the project's namespace. A complete example (``Pulumi.dev.yaml``)::

    config:
      aws:region: ap-northeast-1
      container-delivery:lambdaFunctions:        # required: one entry per function (1-10)
        - name: nightly-report                   # short name; physical name gets the prefix
          command: ["jobs.handler"]              # image CMD: selects the handler
          memoryMb: 512                          # optional, default 512
          timeoutSeconds: 300                    # optional, default 30
          environment: {REPORT_BUCKET: "..."}    # optional, plain (non-secret) values only;
                                                 # Lambda's key pattern, 4 KB in all
          schedule: "cron(0 18 * * ? *)"         # optional: EventBridge Scheduler invokes the
          scheduleTimezone: UTC                  # live alias (cron, rate or at; IANA zone)
        - name: api
          command: ["api.handler"]
          url: {auth: AWS_IAM}                   # optional: a Function URL on the live alias
                                                 # (AWS_IAM: signed callers; NONE: public)
      container-delivery:lambdaDeployment:       # optional: how releases shift traffic
        deploymentConfig: CodeDeployDefault.LambdaAllAtOnce   # or a canary/linear config
        alarms:                                  # per live alias; ALARM stops and rolls back
          errorsThreshold: 1                     # Errors (Sum) in a period
          throttlesThreshold: 1                  # Throttles (Sum) in a period
          periodSeconds: 60                      # a multiple of 60
          evaluationPeriods: 1
      container-delivery:requireRelease: false   # production: true (missing tag = error)
      container-delivery:ecrKeepImages: 30       # commit-tagged images kept per repository
      container-delivery:logRetentionDays: 30    # one of CloudWatch's allowed values
      container-delivery:lambdaArchitecture: x86_64   # or arm64: the architecture of every image
                                                 # (functions and web tasks); placeholders
                                                 # and CodeBuild hosts match it
      container-delivery:placeholderContext: docker/initial_lambda
      container-delivery:createKmsKey: false     # true: the stack creates and owns a key for
                                                 # ECR, CloudWatch Logs and pipeline artifacts
      container-delivery:kmsKeyArn: arn:aws:kms:...   # or bring a key (see the README for the
                                                 # statements its key policy needs)
      container-delivery:web:                    # optional; these are the defaults
        desiredCount: 2
        cpu: 256                                 # Fargate CPU units
        memoryMb: 512
        containerPort: 8000
        healthCheckPath: /healthz
        certificateArn: arn:aws:acm:...          # optional: HTTPS, and HTTP redirects to it
        placeholderContext: docker/initial_web
      container-delivery:network:                # optional: omit to create a VPC
        vpcId: vpc-0123456789abcdef0
        publicSubnetIds: [subnet-a, subnet-b]    # the load balancer's, in two AZs or more
        privateSubnetIds: [subnet-c, subnet-d]   # the tasks'; need a route to ECR and Logs
      container-delivery:pipelines:              # optional: the infra and app CodePipelines
        connectionArn: arn:aws:codeconnections:...:connection/...   # console handshake once
        infraRepository: my-org/infra            # FullRepositoryId of each repository
        appRepository: my-org/app
        branch: main                             # optional, default main
        manualApproval: false                    # optional; default: true when requireRelease
        pulumiVersion: 3.272.0                   # optional; the CLI version CodeBuild installs
        stateBackend:
          url: s3://my-state-bucket/container-delivery   # omit for Pulumi Cloud
          secretArn: arn:aws:secretsmanager:...  # passphrase (s3) or access token (Cloud)
      container-delivery:githubPreview:          # optional: OIDC role for `pulumi preview` on PRs
        repository: my-org/infra                 # only this repository's jobs...
        environment: preview                     # ...in this GitHub environment (default)
        createOidcProvider: true                 # false if the account already has one
        stateBackendUrl: s3://my-state-bucket/container-delivery  # optional: reads scoped to it
      container-delivery:protectData: true       # optional, default requireRelease: protect
                                                 # repositories, key, parameters, buckets from
                                                 # destroy; false lets `pulumi destroy` empty them
      container-delivery:accessLogs:             # optional; each defaults to requireRelease
        loadBalancer: true                       # ALB access logs (encrypted S3 bucket)
        vpcFlowLogs: true                        # the created VPC's flow logs (CloudWatch Logs)
        artifactBucket: true                     # S3 server access logs of the artifact bucket
      container-delivery:promotesTo:             # optional, a build stage: the promoted
        - stack: prod                            # stages (1-16) that pull its images by digest
          account: "444455556666"                # optional, default: this stack's account

A promoted stage (``Pulumi.prod.yaml``) builds nothing: it names its build stage instead,
and has a promote pipeline in place of the app pipeline (README, "Build once, promote")::

      container-delivery:promoteFrom:
        stack: dev                               # required: the build stage's stack name
        account: "111122223333"                  # optional, default: this stack's account
        region: ap-northeast-1                   # optional, default and only allowed value:
                                                 # this stack's Region

Bad config fails here with ``ConfigError``: one line per problem, naming the key (with
its path inside structured values, e.g. ``container-delivery:web[desiredCount]``), the
value seen and what was expected. A key this model does not know, at any level, is refused
with the closest known key as a suggestion, so a misspelt key never passes silently.

This module is longer than the project's ~400-line guide on purpose: it is the stack
file's schema and its complete example above, so that every key a stack may set is found,
validated and explained in one place (the pipeline, preview, access-log and promotion
sections live in ``delivery_config.py``). The errors are worded in ``config_errors.py``,
the ``aws:`` keys checked in ``provider_config.py``, AWS's size limits in
``service_limits.py``.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from infra_pulumi.config_errors import describe, did_you_mean, format_problems
from infra_pulumi.delivery_config import (
    AccessLogsConfig,
    GithubPreviewConfig,
    PipelinesConfig,
    PromoteFromConfig,
    PromotesToConfig,
)
from infra_pulumi.exceptions import ConfigError
from infra_pulumi.name_rules import BUCKET_PREFIX_MAX, BUCKET_UNIQUE_SUFFIX, RULES
from infra_pulumi.naming import Naming, PhysicalName, is_valid_physical_prefix, platform
from infra_pulumi.provider_config import check_default_tags, check_provider_keys
from infra_pulumi.service_limits import (
    MAX_FUNCTIONS,
    MAX_PROMOTED_STAGES,
    lambda_environment_problems,
    too_many,
)

#: Retention values CloudWatch Logs accepts (PutRetentionPolicy).
LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
     2922, 3288, 3653}
)  # fmt: skip

_SHORT_NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,31}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


#: The predefined CodeDeploy deployment configs for Lambda (CodeDeploy User Guide,
#: "Deployment configurations on an AWS Lambda compute platform"), as traffic steps.
LAMBDA_DEPLOYMENT_CONFIGS: tuple[str, ...] = (
    "CodeDeployDefault.LambdaAllAtOnce",
    "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    "CodeDeployDefault.LambdaCanary10Percent10Minutes",
    "CodeDeployDefault.LambdaCanary10Percent15Minutes",
    "CodeDeployDefault.LambdaCanary10Percent30Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
    "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
    "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
)

_RATE = re.compile(r"rate\((?P<value>[1-9][0-9]*) (?P<unit>minutes?|hours?|days?)\)")
_AT = re.compile(r"at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)")
_CRON = re.compile(r"cron\((?P<fields>[^()]+)\)")


def schedule_expression_problem(expression: str) -> str | None:
    """Why EventBridge Scheduler would refuse ``expression``, or None.

    The three forms of the Scheduler User Guide ("Schedule types"): ``rate(value unit)``
    with a singular unit for 1 and a plural one otherwise, ``cron(minutes hours
    day-of-month month day-of-week year)`` with ``?`` in one of the two day fields, and
    ``at(yyyy-mm-ddThh:mm:ss)``.
    """
    rate = _RATE.fullmatch(expression)
    if rate:
        singular = rate["value"] == "1"
        if singular == rate["unit"].endswith("s"):
            return "a rate of 1 takes a singular unit (minute, hour, day), others a plural"
        return None
    if _AT.fullmatch(expression):
        return None
    cron = _CRON.fullmatch(expression)
    if cron:
        fields = cron["fields"].split()
        if len(fields) != 6:
            return (
                "cron takes 6 fields (minutes hours day-of-month month day-of-week year), "
                f"got {len(fields)}"
            )
        if "?" not in (fields[2], fields[4]):
            return "cron needs '?' in day-of-month or day-of-week"
        return None
    return "expected cron(...), rate(value unit) or at(yyyy-mm-ddThh:mm:ss)"


class FunctionUrlConfig(_Model):
    """A Function URL on the function's live alias."""

    auth: Literal["AWS_IAM", "NONE"] = Field(
        "AWS_IAM", description="AWS_IAM: callers sign with SigV4; NONE: public."
    )


class LambdaFunctionConfig(_Model):
    """One container-image Lambda function running from the shared Lambda image."""

    name: str = Field(pattern=_SHORT_NAME_PATTERN, description="Short name, e.g. 'api'.")
    command: tuple[str, ...] = Field(
        min_length=1, description="Image CMD selecting the handler, e.g. ['api.handler']."
    )
    memory_mb: int = Field(512, alias="memoryMb", ge=128, le=10240)
    timeout_seconds: int = Field(30, alias="timeoutSeconds", ge=1, le=900)
    environment: dict[str, str] = Field(
        default_factory=dict, description="Plain environment variables; never secrets."
    )
    schedule: str | None = Field(
        None, description="EventBridge Scheduler expression invoking the live alias."
    )
    schedule_timezone: str = Field("UTC", alias="scheduleTimezone", min_length=1)
    url: FunctionUrlConfig | None = None

    @field_validator("schedule")
    @classmethod
    def _schedule_expression(cls, value: str | None) -> str | None:
        problem = None if value is None else schedule_expression_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("environment")
    @classmethod
    def _lambda_accepts(cls, value: dict[str, str]) -> dict[str, str]:
        problems = lambda_environment_problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("schedule_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError("must be an IANA time zone name, e.g. UTC or Asia/Tokyo") from None
        return value

    @field_validator("command")
    @classmethod
    def _no_blank_entries(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not part.strip() for part in value):
            raise ValueError("command entries must be non-empty strings")
        return value


#: Fargate's task sizes for Linux: CPU units and, for each, exactly the memory sizes (MiB)
#: it accepts. AWS's table ("Task CPU and memory", Amazon ECS developer guide):
#: 0.25 vCPU takes 512 MiB, 1 GB or 2 GB; 0.5 vCPU 1-4 GB, 1 vCPU 2-8 GB, 2 vCPU 4-16 GB
#: and 4 vCPU 8-30 GB, each in 1 GB steps; 8 vCPU 16-60 GB in 4 GB steps; 16 vCPU
#: 32-120 GB in 8 GB steps.
FARGATE_SIZES: Mapping[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}


class WebConfig(_Model):
    """The ECS Fargate web service."""

    desired_count: int = Field(2, alias="desiredCount", ge=0, le=100)
    cpu: int = 256
    memory_mb: int = Field(512, alias="memoryMb")
    container_port: int = Field(8000, alias="containerPort", ge=1024, le=65535)
    health_check_path: str = Field("/healthz", alias="healthCheckPath", pattern=r"^/\S*$")
    certificate_arn: str | None = Field(
        None, alias="certificateArn", pattern=r"^arn:aws[a-z-]*:acm:"
    )
    placeholder_context: str = Field("docker/initial_web", alias="placeholderContext", min_length=1)

    @model_validator(mode="after")
    def _fargate_size(self) -> WebConfig:
        memory = FARGATE_SIZES.get(self.cpu)
        if memory is None:
            raise ValueError(f"cpu must be one of {sorted(FARGATE_SIZES)} (Fargate CPU units)")
        if self.memory_mb not in memory:
            raise ValueError(
                f"memoryMb {self.memory_mb} is not valid with cpu {self.cpu}: Fargate accepts "
                f"{', '.join(str(m) for m in memory)}"
            )
        return self


class NetworkConfig(_Model):
    """An existing VPC to use instead of creating one."""

    vpc_id: str = Field(alias="vpcId", pattern=r"^vpc-[0-9a-f]+$")
    public_subnet_ids: tuple[str, ...] = Field(alias="publicSubnetIds", min_length=2)
    private_subnet_ids: tuple[str, ...] = Field(alias="privateSubnetIds", min_length=2)

    @field_validator("public_subnet_ids", "private_subnet_ids")
    @classmethod
    def _subnet_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [s for s in value if not re.fullmatch(r"subnet-[0-9a-f]+", s)]
        if bad:
            raise ValueError(f"not subnet ids: {bad}")
        return value


class DeploymentAlarmsConfig(_Model):
    """The alarms on each live alias that stop a deployment and roll it back."""

    errors_threshold: int = Field(1, alias="errorsThreshold", ge=1)
    throttles_threshold: int = Field(1, alias="throttlesThreshold", ge=1)
    period_seconds: int = Field(60, alias="periodSeconds", ge=60, le=86400, multiple_of=60)
    evaluation_periods: int = Field(1, alias="evaluationPeriods", ge=1, le=10)


class LambdaDeploymentConfig(_Model):
    """How CodeDeploy shifts a function's live alias to a new version."""

    deployment_config: str = Field("CodeDeployDefault.LambdaAllAtOnce", alias="deploymentConfig")
    alarms: DeploymentAlarmsConfig = Field(default_factory=DeploymentAlarmsConfig)

    @field_validator("deployment_config")
    @classmethod
    def _predefined(cls, value: str) -> str:
        if value not in LAMBDA_DEPLOYMENT_CONFIGS:
            raise ValueError(
                "must be one of CodeDeploy's predefined Lambda configs: "
                + ", ".join(LAMBDA_DEPLOYMENT_CONFIGS)
            )
        return value


class StackConfig(_Model):
    """The validated config of one stack."""

    project: str
    stack: str
    region: str | None = None
    """The stack's ``aws:region`` when the config names it (checked against promoteFrom)."""
    lambda_functions: tuple[LambdaFunctionConfig, ...] = Field(alias="lambdaFunctions")
    require_release: bool = Field(False, alias="requireRelease")
    ecr_keep_images: int = Field(30, alias="ecrKeepImages", ge=5, le=1000)
    log_retention_days: int = Field(30, alias="logRetentionDays")
    lambda_architecture: Literal["x86_64", "arm64"] = Field("x86_64", alias="lambdaArchitecture")
    placeholder_context: str = Field(
        "docker/initial_lambda", alias="placeholderContext", min_length=1
    )
    kms_key_arn: str | None = Field(None, alias="kmsKeyArn", pattern=r"^arn:aws[a-z-]*:kms:")
    create_kms_key: bool = Field(False, alias="createKmsKey")
    lambda_deployment: LambdaDeploymentConfig = Field(
        default_factory=LambdaDeploymentConfig, alias="lambdaDeployment"
    )
    web: WebConfig = Field(default_factory=WebConfig)
    network: NetworkConfig | None = None
    pipelines: PipelinesConfig | None = None
    github_preview: GithubPreviewConfig | None = Field(None, alias="githubPreview")
    protect_data: bool | None = Field(
        None,
        alias="protectData",
        description="Protect data-bearing resources from destroy/replace; default requireRelease.",
    )
    access_logs: AccessLogsConfig = Field(default_factory=AccessLogsConfig, alias="accessLogs")
    promote_from: PromoteFromConfig | None = Field(None, alias="promoteFrom")
    promotes_to: tuple[PromotesToConfig, ...] = Field((), alias="promotesTo")

    @field_validator("lambda_functions")
    @classmethod
    def _functions_fit(
        cls, value: tuple[LambdaFunctionConfig, ...]
    ) -> tuple[LambdaFunctionConfig, ...]:
        problem = too_many(
            len(value),
            MAX_FUNCTIONS,
            "the infra deploy role names every function in its inline policies (IAM: 10,240 "
            "characters per role) and the deploy manifest lists them in one SSM Standard "
            "parameter (4,096 characters); split the functions across stacks",
        )
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("promotes_to")
    @classmethod
    def _stages_fit(cls, value: tuple[PromotesToConfig, ...]) -> tuple[PromotesToConfig, ...]:
        problem = too_many(
            len(value),
            MAX_PROMOTED_STAGES,
            "the promotion reader role trusts each stage (IAM: trust policies of at most "
            "2,048 characters) and each repository's policy names each stage (ECR: 10,240 "
            "characters)",
        )
        if problem:
            raise ValueError(problem)
        return value

    @property
    def is_promoted(self) -> bool:
        """A promoted stage: it builds nothing and runs its build stage's digests."""
        return self.promote_from is not None

    @model_validator(mode="after")
    def _promotion(self) -> StackConfig:
        """promoteFrom and promotesTo: exclusive, never this stack, same Region."""
        if self.promote_from is not None and self.promotes_to:
            raise ValueError(
                "set either promoteFrom (this stack is a promoted stage) or promotesTo (it is "
                "a build stage that others promote from), not both: a promoted stage builds "
                "nothing, so nothing can be promoted from it"
            )
        others = [self.promote_from.stack] if self.promote_from is not None else []
        others += [target.stack for target in self.promotes_to]
        key = "promoteFrom" if self.promote_from is not None else "promotesTo"
        if self.stack in others:
            raise ValueError(
                f"{key} names this stack ({self.stack!r}): a stage promotes from, or to, "
                "another stack"
            )
        if len(set(others)) != len(others):
            raise ValueError(f"promotesTo names a stack twice: {sorted(others)}")
        for other in others:
            prefix = f"{self.project}-{other}"
            if not is_valid_physical_prefix(prefix):
                raise ValueError(
                    f"{key} names stack {other!r}, whose physical prefix {prefix!r} is not "
                    "words of lowercase letters and digits joined by single hyphens"
                )
        source = self.promote_from
        if (
            source is not None
            and None not in (source.region, self.region)
            and source.region != self.region
        ):
            raise ValueError(
                f"promoteFrom.region is {source.region!r} but this stack's aws:region is "
                f"{self.region!r}: Lambda pulls a container image only from a repository "
                "in its own Region, so a promoted stage runs in its build stage's Region "
                '(cross-Region promotion needs ECR replication; README, "Build once, '
                'promote")'
            )
        return self

    @property
    def protects_data(self) -> bool:
        """Whether data-bearing resources are protected (else ``pulumi destroy`` empties them)."""
        return self.require_release if self.protect_data is None else self.protect_data

    def access_log(self, name: str) -> bool:
        """Whether one of ``AccessLogsConfig``'s logs is on (its default: requireRelease)."""
        value: bool | None = getattr(self.access_logs, name)
        return self.require_release if value is None else value

    @property
    def manual_approval(self) -> bool:
        """Manual approval before ``pulumi up``: on by default for production stacks."""
        if self.pipelines is None:
            return False
        if self.pipelines.manual_approval is not None:
            return self.pipelines.manual_approval
        return self.require_release

    @model_validator(mode="after")
    def _one_key(self) -> StackConfig:
        if self.create_kms_key and self.kms_key_arn is not None:
            raise ValueError(
                "set either createKmsKey (the stack creates and owns its key) or kmsKeyArn "
                "(a key you bring), not both"
            )
        return self

    @property
    def naming(self) -> Naming:
        return Naming(self.project, self.stack)

    @property
    def physical_names(self) -> list[PhysicalName]:
        """Every physical name the stack creates with this config."""
        return self.naming.physical_names(
            [f.name for f in self.lambda_functions],
            self.web.container_port,
            scheduled=[f.name for f in self.lambda_functions if f.schedule is not None],
            pipelines=self.pipelines is not None,
            promoted=self.is_promoted,
            promotes=bool(self.promotes_to),
            github_preview=self.github_preview is not None,
            kms_key=self.create_kms_key,
            flow_logs=self.vpc_flow_logs,
        )

    @property
    def vpc_flow_logs(self) -> bool:
        """Flow logs of the VPC the stack creates (a VPC you bring has its owner's)."""
        return self.network is None and self.access_log("vpc_flow_logs")

    @property
    def access_log_bucket(self) -> bool:
        """Whether the stack needs its access-log bucket (load balancer or S3 logs on)."""
        return self.access_log("load_balancer") or (
            self.pipelines is not None and self.access_log("artifact_bucket")
        )

    @property
    def docker_platform(self) -> str:
        """The images' build platform, matching the stack's architecture."""
        return platform(self.lambda_architecture)

    @field_validator("log_retention_days")
    @classmethod
    def _allowed_retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"must be one of {sorted(LOG_RETENTION_DAYS)}")
        return value

    @model_validator(mode="after")
    def _names_fit(self) -> StackConfig:
        naming = self.naming
        if not is_valid_physical_prefix(naming.prefix):
            raise ValueError(
                f"project and stack names must give a lowercase physical prefix: words of "
                f"letters and digits joined by single hyphens; {naming.prefix!r} does not"
            )
        if not self.lambda_functions:
            raise ValueError("lambdaFunctions must name at least one function")
        seen: dict[str, int] = {}
        for index, function in enumerate(self.lambda_functions):
            if function.name in seen:
                raise ValueError(
                    f"lambdaFunctions names a function twice: {function.name!r} at "
                    f"lambdaFunctions[{seen[function.name]}] and lambdaFunctions[{index}]"
                )
            seen[function.name] = index
        for item in self.physical_names:
            rule = RULES[item.kind]
            problems = rule.problems(item.name)
            if problems:
                raise ValueError(
                    f"the {item.resource} would be named {item.name!r}, which AWS refuses: "
                    f"{'; '.join(problems)}. {rule.service} names: {rule.description} "
                    f"({rule.source}). Use a different project or stack name"
                    + (" or a shorter function name" if item.kind in _PER_FUNCTION else "")
                )
        buckets = [("artifact", naming.artifact_bucket_prefix)] if self.pipelines else []
        if self.access_log_bucket:
            buckets.append(("access-log", naming.access_log_bucket_prefix))
        for kind, prefix in buckets:
            bucket = NAME_RULES_BUCKET.problems(prefix + BUCKET_UNIQUE_SUFFIX)
            if len(prefix) > BUCKET_PREFIX_MAX or bucket:
                raise ValueError(
                    f"the {kind} bucket prefix {prefix!r} cannot make a valid S3 bucket "
                    f"name: at most {BUCKET_PREFIX_MAX} characters leave room for S3's "
                    f"unique suffix within 63 ({'; '.join(bucket) or 'too long'})"
                )
        return self


_PER_FUNCTION = frozenset({"lambda-function", "iam-role", "log-group"})
NAME_RULES_BUCKET = RULES["s3-bucket"]


#: Config keys read from the project namespace, and whether they hold JSON objects.
KEYS: Mapping[str, bool] = {
    "lambdaFunctions": True,
    "requireRelease": False,
    "ecrKeepImages": False,
    "logRetentionDays": False,
    "lambdaArchitecture": False,
    "placeholderContext": False,
    "kmsKeyArn": False,
    "createKmsKey": False,
    "lambdaDeployment": True,
    "web": True,
    "network": True,
    "pipelines": True,
    "githubPreview": True,
    "protectData": False,
    "accessLogs": True,
    "promoteFrom": True,
    "promotesTo": True,
}


def parse_config(
    raw: Mapping[str, str | None], project: str, stack: str, region: str | None = None
) -> StackConfig:
    """Validate raw config strings (as Pulumi hands them over) into a ``StackConfig``.

    ``raw`` holds the project's keys without the namespace; any key not in ``KEYS`` is
    refused. ``region`` is the stack's ``aws:region``, when set.
    """
    unknown = sorted(key for key in raw if key not in KEYS)
    if unknown:
        raise ConfigError(
            format_problems(
                [
                    f"{project}:{key}: not a config key of this project"
                    f"{did_you_mean(key, list(KEYS))}"
                    for key in unknown
                ]
            )
        )
    values: dict[str, Any] = {"project": project, "stack": stack, "region": region}
    for key, is_object in KEYS.items():
        text = raw.get(key)
        if text is None:
            continue
        if is_object:
            try:
                values[key] = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ConfigError(
                    f"config key {project}:{key} is not valid structured config: {exc}"
                ) from exc
        else:
            values[key] = text
    if "lambdaFunctions" not in values:
        raise ConfigError(
            f"config key {project}:lambdaFunctions is required: a list of functions, "
            'e.g. [{"name": "api", "command": ["api.handler"]}] (see Pulumi.dev.yaml)'
        )
    try:
        return StackConfig.model_validate(values)
    except ValidationError as exc:
        raise ConfigError(describe(exc, project, values, StackConfig)) from exc


def parse_stack_values(values: Mapping[str, Any], project: str, stack: str) -> StackConfig:
    """A stack file's ``config:`` mapping through the boundary ``load_config`` applies.

    The provider's keys first (a misspelt ``aws:regin`` is refused), then the project's
    keys with ``aws:region`` beside them, for tools that read ``Pulumi.<stack>.yaml``
    without Pulumi's host: the offline plan and the CDK reference.
    """
    check_provider_keys([key.removeprefix("aws:") for key in values if key.startswith("aws:")])
    check_default_tags(values.get("aws:defaultTags"))
    namespace = f"{project}:"
    raw = {key.removeprefix(namespace): v for key, v in values.items() if key.startswith(namespace)}
    region = values.get("aws:region")
    return parse_config(raw, project, stack, str(region) if region is not None else None)


def load_config(
    get: Callable[[str], str | None] | None = None, present: Sequence[str] | None = None
) -> StackConfig:
    """Read the current stack's config through Pulumi and validate it.

    ``present`` lists the project's config keys that are set (default: every key Pulumi
    handed the program), so a key this project does not know is refused, not ignored.
    """
    getter = get if get is not None else pulumi.Config().get
    project = pulumi.get_project()
    keys = present if present is not None else _keys_set(project)
    if present is None:
        check_provider_keys(_keys_set("aws"))
        check_default_tags(pulumi.Config("aws").get("defaultTags"))
    raw = {key: getter(key) for key in {*KEYS, *keys}}
    region = pulumi.Config("aws").get("region") if get is None else None
    return parse_config(raw, project, pulumi.get_stack(), region)


def _keys_set(namespace: str) -> list[str]:
    """The keys of one namespace among the config Pulumi gave the program (explicit or from
    the host's ``PULUMI_CONFIG``), without the namespace."""
    from pulumi.runtime import config as runtime_config

    every = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    prefix = f"{namespace}:"
    return [key.removeprefix(prefix) for key in every if key.startswith(prefix)]
