"""The AWS clients the release tool uses, created from one boto3 session or injected."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_codedeploy import CodeDeployClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_ecr import ECRClient
    from mypy_boto3_ecs import ECSClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_ssm import SSMClient


class AwsClients:
    """Lazily created clients; tests pass their own (or a session) instead.

    The session honours the standard settings: ``AWS_ENDPOINT_URL`` (and the
    per-service ``AWS_ENDPOINT_URL_<SERVICE>``), ``AWS_PROFILE``, credentials, and
    the region from ``AWS_REGION`` or else ``AWS_DEFAULT_REGION`` / the profile.
    boto3 itself does not read ``AWS_REGION``; Lambda and CodeBuild set it.
    """

    def __init__(
        self,
        session: boto3.Session | None = None,
        *,
        ssm: SSMClient | None = None,
        ecr: ECRClient | None = None,
        lambda_: LambdaClient | None = None,
        ecs: ECSClient | None = None,
        codedeploy: CodeDeployClient | None = None,
        dynamodb: DynamoDBClient | None = None,
        max_pool_connections: int = 16,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._session = session
        self._given: dict[str, object] = {
            "ssm": ssm,
            "ecr": ecr,
            "lambda": lambda_,
            "ecs": ecs,
            "codedeploy": codedeploy,
            "dynamodb": dynamodb,
        }
        self._max_pool_connections = max_pool_connections
        self._env = os.environ if env is None else env

    def session(self) -> boto3.Session:
        if self._session is None:
            import boto3  # imported late: it is most of the tool's start-up time

            self._session = boto3.Session(region_name=self._env.get("AWS_REGION") or None)
        return self._session

    def _client(self, service: str, *, retried: bool = True) -> object:
        given = self._given[service]
        if given is not None:
            return given
        from botocore.config import Config

        # One pooled connection per concurrent worker; botocore's standard retry mode
        # covers transient network and 5xx errors below the tool's own retry policy
        # (``max_attempts`` counts retries: 3 retries, 4 attempts in all).
        config = Config(
            max_pool_connections=self._max_pool_connections,
            retries=(
                {"mode": "standard", "max_attempts": 3}
                if retried
                else {"mode": "standard", "total_max_attempts": 1}
            ),
        )
        return self.session().client(service, config=config)  # type: ignore[call-overload]

    @cached_property
    def ssm(self) -> SSMClient:
        return self._client("ssm")  # type: ignore[return-value]

    @cached_property
    def ecr(self) -> ECRClient:
        return self._client("ecr")  # type: ignore[return-value]

    @cached_property
    def lambda_(self) -> LambdaClient:
        return self._client("lambda")  # type: ignore[return-value]

    @cached_property
    def ecs(self) -> ECSClient:
        return self._client("ecs")  # type: ignore[return-value]

    @cached_property
    def codedeploy(self) -> CodeDeployClient:
        return self._client("codedeploy")  # type: ignore[return-value]

    @cached_property
    def dynamodb(self) -> DynamoDBClient:
        """The release locks' table (manifest schema 4)."""
        return self._client("dynamodb")  # type: ignore[return-value]

    @cached_property
    def codedeploy_once(self) -> CodeDeployClient:
        """CodeDeploy without botocore's retries, for ``CreateDeployment``.

        It has no idempotency token: a retry after a lost answer would start a second
        deployment. The caller looks for its own instead (``app.deploy.traffic``).
        """
        return self._client("codedeploy", retried=False)  # type: ignore[return-value]
