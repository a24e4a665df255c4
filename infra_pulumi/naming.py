"""Physical names and parameter paths, derived from the project and stack names.

Every physical name carries ``<project>-<stack>`` so several stacks can live in
one account; every parameter lives under ``/<project>/<stack>/``. The app side
never derives these itself: it reads them from the deploy-target manifest.

At the project's ~400-line guide on purpose: every name the stack uses is derived here,
in one class, so the name rules (``name_rules.py``) check them all in one list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: The tag of the placeholder image pushed once for the first deploy (talk, point 4).
#: It starts with a letter that is not a hex digit, so it can never be mistaken for a
#: commit tag, and the ECR lifecycle rule (which only matches hex prefixes) never
#: expires it.
PLACEHOLDER_TAG = "initial"

#: The alias every invoker of a function calls; CodeDeploy and the release tool move it.
LIVE_ALIAS = "live"

#: The two alarms per function alias that stop a CodeDeploy deployment.
ALARM_METRICS: tuple[str, ...] = ("errors", "throttles")

#: The images this stack builds repositories, parameters and manifest entries for.
IMAGES: tuple[str, ...] = ("lambda", "web")

_COMMIT_TAG = re.compile(r"[0-9a-f]{7,40}")
_PHYSICAL = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

#: The CodeBuild projects of a build stage's pipelines, by short name.
BUILD_PROJECTS: tuple[str, ...] = ("infra-preview", "infra-deploy", "app-build")
#: A build stage's pipelines, by short name.
PIPELINES: tuple[str, ...] = ("infra", "app")
#: The CodeBuild projects of a promoted stage's pipelines: it builds nothing, it promotes.
PROMOTED_BUILD_PROJECTS: tuple[str, ...] = ("infra-preview", "infra-deploy", "promote")
#: A promoted stage's pipelines: the infra pipeline, and the promote pipeline.
PROMOTED_PIPELINES: tuple[str, ...] = ("infra", "promote")

#: Every promotion tags the digest it promotes ``promoted-<stage>-<commit tag>`` in the
#: build stage's repository; the build stage's lifecycle policy keeps those images.
PROMOTION_TAG_PREFIX = "promoted-"
#: ECR's longest image tag (PutImage ``imageTag``: 1 to 300 characters per the API
#: reference, but the Docker reference format allows 128; the stricter one applies).
IMAGE_TAG_MAX = 128
_IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
#: An image digest as ECR reports it, and the digest parameter's other allowed value.
DIGEST_PATTERN = r"^sha256:[0-9a-f]{64}$"
_DIGEST = re.compile(DIGEST_PATTERN)
#: The value infra creates each digest parameter with: no promotion recorded yet.
NO_DIGEST = "initial"


def platform(architecture: str) -> str:
    """Docker's platform for a Lambda architecture: ``x86_64`` -> ``linux/amd64``."""
    return {"x86_64": "linux/amd64", "arm64": "linux/arm64"}[architecture]


def ecs_cpu_architecture(architecture: str) -> str:
    """ECS's ``cpuArchitecture`` for a Lambda architecture: ``X86_64`` or ``ARM64``."""
    return {"x86_64": "X86_64", "arm64": "ARM64"}[architecture]


def is_valid_tag(value: str) -> bool:
    """A commit tag (7 to 40 lowercase hex characters) or the placeholder tag."""
    return value == PLACEHOLDER_TAG or _COMMIT_TAG.fullmatch(value) is not None


def is_commit_tag(value: str) -> bool:
    """7 to 40 lowercase hex characters: what the app pipeline pushes."""
    return _COMMIT_TAG.fullmatch(value) is not None


def is_digest(value: str) -> bool:
    """``sha256:`` and 64 lowercase hex characters: an image digest as ECR reports it."""
    return _DIGEST.fullmatch(value) is not None


def promotion_tag(promoted_stack: str, commit_tag: str) -> str:
    """The tag a promotion adds to the promoted digest in the build stage's repository.

    ``promoted-<promoted stack>-<commit tag>``: the stack says who runs it, the commit tag
    which release it is. ECR allows a new tag on an existing digest even where tags are
    immutable, and the build stage's lifecycle rule for ``promoted-`` keeps the image.
    """
    if not is_commit_tag(commit_tag):
        raise ValueError(
            f"{commit_tag!r} is not a commit tag (7 to 40 lowercase hex characters): only a "
            "released commit tag is promoted"
        )
    tag = f"{PROMOTION_TAG_PREFIX}{promoted_stack}-{commit_tag}"
    if _IMAGE_TAG.fullmatch(tag) is None:
        raise ValueError(
            f"promotion tag {tag!r} is not a valid image tag: at most {IMAGE_TAG_MAX} "
            "characters of letters, digits, '_', '.' and '-'; use a shorter stack name"
        )
    return tag


def is_valid_physical_prefix(value: str) -> bool:
    """Lowercase words of letters and digits joined by single hyphens.

    Each service's own rule is checked on every derived name too (``name_rules``); this
    is the common ground that makes ``<project>-<stack>`` usable in all of them.
    """
    return _PHYSICAL.fullmatch(value) is not None


@dataclass(frozen=True)
class PhysicalName:
    """One physical name the stack gives AWS, and the rule (``name_rules.RULES``) it obeys."""

    kind: str
    name: str
    resource: str
    """What carries the name, for error messages."""


@dataclass(frozen=True)
class Naming:
    """Names for one stack of the project."""

    project: str
    stack: str

    @property
    def prefix(self) -> str:
        """The physical-name prefix, ``<project>-<stack>``."""
        return f"{self.project}-{self.stack}"

    @property
    def parameter_root(self) -> str:
        """The SSM path every parameter of this stack lives under."""
        return f"/{self.project}/{self.stack}"

    def repository(self, image: str) -> str:
        """ECR repository name of an image."""
        return f"{self.prefix}-{image}"

    def tag_parameter(self, image: str) -> str:
        """SSM parameter holding the released tag of an image (infra owns it, app writes it)."""
        return f"{self.parameter_root}/images/{image}/tag"

    def digest_parameter(self, image: str) -> str:
        """A promoted stage's SSM parameter holding the digest it runs of an image.

        Infra creates it with ``initial`` (no promotion yet) and ignores its value; the
        promote command writes the digest it released, next to the tag.
        """
        return f"{self.parameter_root}/images/{image}/digest"

    @property
    def promotion_reader_role(self) -> str:
        """A build stage's role that its promoted stages assume to read it and tag digests."""
        return f"{self.prefix}-promotion-reader"

    @property
    def manifest_parameter(self) -> str:
        """SSM parameter holding the deploy-target manifest."""
        return f"{self.parameter_root}/deploy-manifest"

    def function(self, short_name: str) -> str:
        """Physical Lambda function name."""
        return f"{self.prefix}-{short_name}"

    def function_role(self, short_name: str) -> str:
        """Execution role name of a Lambda function."""
        return f"{self.prefix}-{short_name}-exec"

    # --- Safe Lambda releases: alias, CodeDeploy, alarms and triggers ----------------

    @property
    def codedeploy_application(self) -> str:
        """The CodeDeploy application (compute platform Lambda) of every function."""
        return f"{self.prefix}-lambda"

    def deployment_group(self, short_name: str) -> str:
        """A function's CodeDeploy deployment group."""
        return f"{self.prefix}-{short_name}"

    @property
    def codedeploy_role(self) -> str:
        """CodeDeploy's service role for the Lambda deployments."""
        return f"{self.prefix}-codedeploy"

    def alarm(self, short_name: str, metric: str) -> str:
        """An alarm on the function's live alias: ``metric`` is ``errors`` or ``throttles``."""
        return f"{self.prefix}-{short_name}-{LIVE_ALIAS}-{metric}"

    def schedule(self, short_name: str) -> str:
        """The EventBridge Scheduler schedule invoking a function's live alias."""
        return f"{self.prefix}-{short_name}"

    def schedule_role(self, short_name: str) -> str:
        """The role the schedule assumes: it may invoke only that alias."""
        return f"{self.prefix}-{short_name}-schedule"

    # --- The ECS web service ---------------------------------------------------------

    @property
    def cluster(self) -> str:
        return self.prefix

    @property
    def web_service(self) -> str:
        """ECS service name, task definition family and execution role stem."""
        return f"{self.prefix}-web"

    @property
    def load_balancer(self) -> str:
        """ALB name; AWS allows 32 characters."""
        return f"{self.prefix}-web"

    def target_group(self, port: int) -> str:
        """Target group name; the port is part of it so a port change can replace it in place."""
        return f"{self.prefix}-{port}"

    def lock_parameter(self, image: str) -> str:
        """SSM parameter the release tool creates atomically while it releases an image."""
        return f"{self.parameter_root}/images/{image}/release-lock"

    def failed_releases_parameter(self, image: str) -> str:
        """SSM parameter where the release tool records the tag versions whose release failed."""
        return f"{self.parameter_root}/images/{image}/failed-releases"

    @property
    def release_lock_table(self) -> str:
        """DynamoDB table of the release locks (manifest schema 4): one item per image, keyed
        by the image's ``lock_parameter`` name."""
        return f"{self.prefix}-release-locks"

    def function_log_group(self, short_name: str) -> str:
        return f"/aws/lambda/{self.function(short_name)}"

    @property
    def web_log_group(self) -> str:
        return f"/ecs/{self.web_service}"

    @property
    def web_execution_role(self) -> str:
        return f"{self.web_service}-exec"

    @property
    def web_task_role(self) -> str:
        return f"{self.web_service}-task"

    @property
    def alb_security_group(self) -> str:
        return f"{self.prefix}-alb"

    @property
    def tasks_security_group(self) -> str:
        return f"{self.web_service}-tasks"

    # --- Pipelines ----------------------------------------------------------------------

    def build_project(self, short_name: str) -> str:
        return f"{self.prefix}-{short_name}"

    def build_role(self, short_name: str) -> str:
        return f"{self.build_project(short_name)}-build"

    def build_log_group(self, short_name: str) -> str:
        return f"/aws/codebuild/{self.build_project(short_name)}"

    def pipeline(self, short_name: str) -> str:
        """Pipeline name, also the name of its role."""
        return f"{self.prefix}-{short_name}"

    @property
    def access_log_bucket_prefix(self) -> str:
        """``bucket_prefix`` of the access-log bucket: S3 appends a unique suffix."""
        return f"{self.prefix}-logs-"

    @property
    def flow_log_group(self) -> str:
        return f"/vpc/{self.prefix}/flow-logs"

    @property
    def flow_logs_role(self) -> str:
        return f"{self.prefix}-vpc-flow-logs"

    @property
    def artifact_bucket_prefix(self) -> str:
        """``bucket_prefix`` of the artifact bucket: S3 appends a unique suffix."""
        return f"{self.prefix}-artifacts-"

    @property
    def permissions_boundary(self) -> str:
        """The managed policy every role of the stack carries as its permissions boundary."""
        return f"{self.prefix}-boundary"

    @property
    def github_preview_role(self) -> str:
        return f"{self.prefix}-github-preview"

    @property
    def kms_alias(self) -> str:
        return f"alias/{self.prefix}"

    def physical_names(
        self,
        functions: Iterable[str],
        container_port: int,
        *,
        scheduled: Iterable[str] = (),
        pipelines: bool = False,
        promoted: bool = False,
        promotes: bool = False,
        github_preview: bool = False,
        kms_key: bool = False,
        flow_logs: bool = False,
    ) -> list[PhysicalName]:
        """Every physical name the stack creates with this config.

        ``promoted``: the stack is a promoted stage (digest parameters; a promote pipeline
        instead of the app pipeline). ``promotes``: it is a build stage that promoted
        stages read (the promotion reader role).
        """
        names = [
            PhysicalName("ssm-parameter", self.manifest_parameter, "deploy-manifest parameter"),
            PhysicalName("iam-policy", self.permissions_boundary, "permissions boundary policy"),
            PhysicalName("dynamodb-table", self.release_lock_table, "release lock table"),
            PhysicalName("ecs-name", self.cluster, "ECS cluster"),
            PhysicalName("ecs-name", self.web_service, "ECS service and task family"),
            PhysicalName("iam-role", self.web_execution_role, "web execution role"),
            PhysicalName("iam-role", self.web_task_role, "web task role"),
            PhysicalName("log-group", self.web_log_group, "web log group"),
            PhysicalName("load-balancer", self.load_balancer, "load balancer"),
            PhysicalName("target-group", self.target_group(container_port), "target group"),
            PhysicalName("security-group", self.alb_security_group, "load balancer security group"),
            PhysicalName("security-group", self.tasks_security_group, "web tasks security group"),
        ]
        for image in IMAGES:
            names += [
                PhysicalName("ecr-repository", self.repository(image), f"{image} repository"),
                PhysicalName("ssm-parameter", self.tag_parameter(image), f"{image} tag parameter"),
                PhysicalName("ssm-parameter", self.lock_parameter(image), f"{image} release lock"),
                PhysicalName(
                    "ssm-parameter",
                    self.failed_releases_parameter(image),
                    f"{image} failed-release record",
                ),
            ]
            if promoted:
                names.append(
                    PhysicalName(
                        "ssm-parameter", self.digest_parameter(image), f"{image} digest parameter"
                    )
                )
        if promotes:
            names.append(
                PhysicalName("iam-role", self.promotion_reader_role, "promotion reader role")
            )
        names += [
            PhysicalName("lambda-alias", LIVE_ALIAS, "every function's alias"),
            PhysicalName("codedeploy-name", self.codedeploy_application, "CodeDeploy application"),
            PhysicalName("iam-role", self.codedeploy_role, "CodeDeploy service role"),
        ]
        for short in scheduled:
            names += [
                PhysicalName("schedule", self.schedule(short), f"function {short}'s schedule"),
                PhysicalName(
                    "iam-role", self.schedule_role(short), f"function {short}'s schedule role"
                ),
            ]
        for short in functions:
            names += [
                PhysicalName(
                    "codedeploy-name",
                    self.deployment_group(short),
                    f"function {short}'s deployment group",
                ),
                *(
                    PhysicalName(
                        "cloudwatch-alarm",
                        self.alarm(short, metric),
                        f"function {short}'s {metric} alarm",
                    )
                    for metric in ALARM_METRICS
                ),
                PhysicalName("lambda-function", self.function(short), f"function {short}"),
                PhysicalName("iam-role", self.function_role(short), f"function {short}'s role"),
                PhysicalName(
                    "log-group", self.function_log_group(short), f"function {short}'s logs"
                ),
            ]
        if pipelines:
            for short in PROMOTED_BUILD_PROJECTS if promoted else BUILD_PROJECTS:
                names += [
                    PhysicalName("codebuild-project", self.build_project(short), f"{short} build"),
                    PhysicalName("iam-role", self.build_role(short), f"{short} build role"),
                    PhysicalName("log-group", self.build_log_group(short), f"{short} build logs"),
                ]
            for short in PROMOTED_PIPELINES if promoted else PIPELINES:
                names += [
                    PhysicalName("codepipeline", self.pipeline(short), f"{short} pipeline"),
                    PhysicalName("iam-role", self.pipeline(short), f"{short} pipeline role"),
                ]
        if github_preview:
            names.append(PhysicalName("iam-role", self.github_preview_role, "GitHub preview role"))
        if kms_key:
            names.append(PhysicalName("kms-alias", self.kms_alias, "stack KMS key alias"))
        if flow_logs:
            names += [
                PhysicalName("log-group", self.flow_log_group, "VPC flow logs"),
                PhysicalName("iam-role", self.flow_logs_role, "VPC flow logs delivery role"),
            ]
        return names
