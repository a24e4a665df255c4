"""Stack config of the delivery side: pipelines, the GitHub preview role, lifecycle and logs.

Part of the stack config that ``infra_pulumi.stack_config`` validates; kept apart so each
module stays small. The YAML each model reads is shown in ``stack_config``'s docstring.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

_REPOSITORY = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"
_S3_URL = r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^*?]*)?$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _bucket(url: str) -> str:
    return url.removeprefix("s3://").split("/", 1)[0]


def _prefix(url: str) -> str:
    """The key prefix of an ``s3://bucket/prefix`` backend, without slashes at either end."""
    parts = url.removeprefix("s3://").split("/", 1)
    return parts[1].strip("/") if len(parts) > 1 else ""


class StateBackendConfig(_Model):
    """Where the infra pipeline keeps Pulumi state, and the secret that unlocks it.

    With ``url`` (``s3://...``) the secret is the config passphrase; without it, the
    secret is a Pulumi Cloud access token. Either way it stays in Secrets Manager and
    reaches CodeBuild as a secret environment variable, never as plain config.
    """

    url: str | None = Field(None, pattern=_S3_URL)
    secret_arn: str = Field(alias="secretArn", pattern=r"^arn:aws[a-z-]*:secretsmanager:")

    @property
    def state_bucket(self) -> str | None:
        return _bucket(self.url) if self.url else None

    @property
    def state_prefix(self) -> str:
        return _prefix(self.url) if self.url else ""


class PipelinesConfig(_Model):
    """The infra and app CodePipelines (both defined here, as in the talk)."""

    connection_arn: str = Field(
        alias="connectionArn", pattern=r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):"
    )
    infra_repository: str = Field(alias="infraRepository", pattern=_REPOSITORY)
    app_repository: str = Field(alias="appRepository", pattern=_REPOSITORY)
    branch: str = Field("main", min_length=1)
    manual_approval: bool | None = Field(None, alias="manualApproval")
    pulumi_version: str = Field("3.272.0", alias="pulumiVersion", pattern=r"^\d+\.\d+\.\d+$")
    state_backend: StateBackendConfig = Field(alias="stateBackend")


class GithubPreviewConfig(_Model):
    """A read-only role that GitHub Actions can assume for ``pulumi preview`` on pull requests.

    Only jobs of ``repository`` that run in the GitHub environment ``environment`` may
    assume it (the OIDC subject ``repo:<owner>/<repo>:environment:<name>``); that
    environment's protection rules (required reviewers) decide which pull requests get a
    preview with the state backend's secret (README, "Pull-request previews").
    """

    repository: str = Field(pattern=_REPOSITORY)
    environment: str = Field(
        "preview",
        pattern=r"^[A-Za-z0-9_.-]{1,255}$",
        description="The GitHub environment the preview job runs in (letters, digits, _.-).",
    )
    create_oidc_provider: bool = Field(True, alias="createOidcProvider")
    state_backend_url: str | None = Field(
        None,
        alias="stateBackendUrl",
        pattern=_S3_URL,
        description="s3://bucket/prefix of a self-managed backend: reads are scoped to it.",
    )

    @property
    def state_bucket(self) -> str | None:
        return _bucket(self.state_backend_url) if self.state_backend_url else None

    @property
    def state_prefix(self) -> str:
        return _prefix(self.state_backend_url) if self.state_backend_url else ""


class AccessLogsConfig(_Model):
    """Audit logs most security teams require before production; each defaults to
    ``requireRelease`` (on in production stacks, off in development ones)."""

    load_balancer: bool | None = Field(
        None, alias="loadBalancer", description="ALB access logs to an encrypted S3 bucket."
    )
    vpc_flow_logs: bool | None = Field(
        None, alias="vpcFlowLogs", description="Flow logs of the stack's VPC to CloudWatch Logs."
    )
    artifact_bucket: bool | None = Field(
        None, alias="artifactBucket", description="S3 server access logs of the artifact bucket."
    )


#: Pulumi's stack names (letters, digits, '-', '_', '.'); the physical-name checks of the
#: stack that owns the name apply on that stack's side.
_STACK = r"^[A-Za-z0-9_.-]{1,100}$"
_ACCOUNT = r"^\d{12}$"
#: An AWS Region code, e.g. ap-northeast-1, us-gov-west-1, cn-north-1.
_REGION = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$"


class PromoteFromConfig(_Model):
    """Where a promoted stage takes its images from: its build stage (README, "Build once,
    promote"). The promoted stage builds nothing; its targets pull the build stage's
    digests from the build stage's repositories."""

    stack: str = Field(
        pattern=_STACK, description="The build stage's stack name, e.g. dev (required)."
    )
    account: str | None = Field(
        None,
        pattern=_ACCOUNT,
        description="The build stage's 12-digit account; default: this stack's account.",
    )
    region: str | None = Field(
        None,
        pattern=_REGION,
        description=(
            "The build stage's Region; default: this stack's. It must be this stack's: "
            "Lambda pulls a container image only from its own Region."
        ),
    )


class PromotesToConfig(_Model):
    """A promoted stage a build stage serves: who may pull its images and assume its
    promotion reader role, named by exact ARNs built from this entry and the naming rule."""

    stack: str = Field(pattern=_STACK, description="The promoted stage's stack name, e.g. prod.")
    account: str | None = Field(
        None,
        pattern=_ACCOUNT,
        description="The promoted stage's 12-digit account; default: this stack's account.",
    )
