"""The build stage a promoted stage promotes from, read through its promotion reader role.

``promote`` assumes ``stage.from.readerRoleArn`` (``sts:AssumeRole``, also within one
account) with its own credentials, and reads the build stage with the role's: its
manifest, its tag parameter's history and failed-release record, its repository, and
what its live targets run. The credentials refresh themselves (botocore's
``RefreshableCredentials`` over ``AssumeRoleCredentialFetcher``), so a restore an hour
later can still take the promotion tag away.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from app.deploy.clients import AwsClients
from app.deploy.exceptions import (
    AwsAccessError,
    NotPromotedStageError,
    UntrustedRegistryError,
)
from app.deploy.manifest import EcsServiceTarget, LambdaTarget, load_manifest
from app.deploy.records import FailureRecords, Version
from app.deploy.registry import Registry
from app.deploy.retry import CALL_ERRORS, access_problem
from app.deploy.schemas import Stage
from app.deploy.source_registry import SourceRegistry

if TYPE_CHECKING:
    import boto3
    from botocore.credentials import Credentials

    from app.deploy.manifest import ImageTargets
    from app.deploy.retry import RetryPolicy
    from app.deploy.schemas import StageSource
    from app.deploy.signals import Interrupts
    from app.deploy.workers import Progress

_SESSION_NAME = re.compile(r"[^\w+=,.@-]")


def assumed_session(
    base: boto3.Session, role_arn: str, region: str, session_name: str
) -> boto3.Session:
    """A session with the role's credentials, refreshed before they expire.

    The first ``AssumeRole`` happens here, so a role that cannot be assumed fails before
    anything else is asked.
    """
    import boto3
    import botocore.session
    from botocore.credentials import (
        AssumeRoleCredentialFetcher,
        CredentialProvider,
        CredentialResolver,
        RefreshableCredentials,
    )

    source = base.get_credentials()
    if source is None:
        raise AwsAccessError(
            f"no AWS credentials to assume {role_arn} with; nothing was asked or changed. "
            "Run with the credentials of this stage's promote build role (AWS_PROFILE, "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the build's service role)"
        )
    fetcher = AssumeRoleCredentialFetcher(
        client_creator=base.client,
        source_credentials=source,
        role_arn=role_arn,
        extra_args={"RoleSessionName": _SESSION_NAME.sub("-", session_name)[:64]},
    )
    credentials = RefreshableCredentials.create_from_metadata(
        metadata=fetcher.fetch_credentials(),
        refresh_using=fetcher.fetch_credentials,
        method="assume-role",
    )

    class Assumed(CredentialProvider):
        METHOD = "assume-role"

        def load(self) -> Credentials:
            return credentials

    core = botocore.session.Session()
    core.register_component("credential_provider", CredentialResolver([Assumed()]))
    return boto3.Session(botocore_session=core, region_name=region)


class SourceStage:
    """Reads of the build stage (and its repository) with the reader role's credentials."""

    def __init__(
        self,
        source: StageSource,
        clients: AwsClients,
        *,
        retry: RetryPolicy,
        progress: Progress,
        interrupts: Interrupts,
    ) -> None:
        self.source = source
        self.clients = clients
        self._retry = retry
        self._progress = progress
        self.registry = SourceRegistry(
            lambda: clients.ecr,
            stage=source.stack,
            reader_role=source.reader_role_arn,
            retry=retry,
            progress=progress,
            interrupts=interrupts,
        )

    @classmethod
    def assume(
        cls,
        source: StageSource,
        base: boto3.Session,
        *,
        stage: str,
        env: Mapping[str, str],
        retry: RetryPolicy,
        progress: Progress,
        interrupts: Interrupts,
    ) -> SourceStage:
        """Assume the reader role; ``AwsAccessError`` (exit 5) if it cannot be."""
        role = source.reader_role_arn
        try:
            session = assumed_session(base, role, source.region, f"app-deploy-promote-{stage}")
        except CALL_ERRORS as exc:
            problem = access_problem(exc) or str(exc)
            raise AwsAccessError(
                f"cannot assume stage {source.stack}'s promotion reader role {role}: {problem}. "
                f"This stage's promote build role needs sts:AssumeRole on it, and the role's "
                "trust policy must name that build role; nothing was changed"
            ) from exc
        progress(source.stack, f"assumed {role}")
        return cls(
            source,
            AwsClients(session, env=env),
            retry=retry,
            progress=progress,
            interrupts=interrupts,
        )

    def image(self, image_name: str, promoted: ImageTargets) -> ImageTargets:
        """The build stage's entry for ``image_name``: the same repository as this stage's."""
        where = f"stage {self.source.stack}'s deploy manifest {self.source.manifest_parameter}"
        manifest = load_manifest(self.clients.ssm, self.source.manifest_parameter, self._retry)
        if isinstance(manifest.stage, Stage):
            schema = (
                "3" if manifest.schema_version == 3 else f"{manifest.schema_version} with stage"
            )
            raise NotPromotedStageError(
                f"{where} is stack {manifest.stack!r}'s, a promoted stage's (schema {schema}), "
                "which builds nothing to promote from; "
                "nothing was changed. Set this stack's container-delivery:promoteFrom to the "
                "stack that builds the image and run pulumi up"
            )
        if manifest.stack != self.source.stack:
            raise NotPromotedStageError(
                f"{where} is stack {manifest.stack!r}'s, not {self.source.stack!r}'s; nothing "
                f"was changed. Publish {self.source.stack}'s manifest again (pulumi up in "
                f"stack {self.source.stack}); if it was published elsewhere, this stack's "
                "stage.from names the wrong parameter: run pulumi up in this stack"
            )
        image = manifest.image(image_name)
        if image.repository_url != promoted.repository_url:
            raise UntrustedRegistryError(
                f"this stage's manifest has image {image_name!r} pull from "
                f"{promoted.repository_url}, but {where} pushes it to "
                f"{image.repository_url}; publish this stage's manifest again (pulumi up); "
                "nothing was changed"
            )
        # ECR's own URI of the repository, in the reader role's (the build stage's) account.
        Registry(self.clients.ecr, retry=self._retry, region=None).check(image_name, image)
        return image

    def records(self, image: ImageTargets) -> tuple[list[Version], set[int]]:
        """The tag parameter's history (oldest first) and its failed versions."""
        records = FailureRecords(
            self.clients.ssm,
            tag_parameter=image.tag_parameter,
            record_parameter=image.failed_releases_parameter_name,
            retry=self._retry,
            missing_tag_parameter=lambda: NotPromotedStageError(
                f"stage {self.source.stack} has no tag parameter {image.tag_parameter}"
            ),
            progress=self._progress,
        )
        _ = self.clients.ssm
        with ThreadPoolExecutor(max_workers=2) as pool:
            history = pool.submit(records.history)
            recorded = pool.submit(records.read)
        versions = history.result()
        return versions, records.failed(versions, recorded.result())

    def live_mismatches(self, image: ImageTargets, tag: str, digest: str) -> list[str]:
        """Each live target of the build stage that runs another digest than ``digest``.

        A function is judged by what its alias serves (``GetFunction`` with the alias as
        qualifier: ``Code.ResolvedImageUri``), an ECS service by its current task
        definition's container image (a tag there is resolved in the repository).
        """
        targets: list[str | LambdaTarget | EcsServiceTarget] = [
            *(image.lambda_targets or image.function_names),
            *image.ecs_services,
        ]
        if not targets:
            return []
        _ = self.clients.ecr
        if image.function_names:
            _ = self.clients.lambda_
        if image.ecs_services:
            _ = self.clients.ecs
        with ThreadPoolExecutor(max_workers=min(8, len(targets))) as pool:
            running = list(pool.map(lambda t: self._running(image, t, tag, digest), targets))
        return [
            f"{_describe(target)} runs {found}"
            for target, found in zip(targets, running, strict=True)
            if found != digest
        ]

    def _running(
        self,
        image: ImageTargets,
        target: str | LambdaTarget | EcsServiceTarget,
        tag: str,
        digest: str,
    ) -> str:
        """The digest ``target`` runs, or a description of what else it runs."""
        if isinstance(target, EcsServiceTarget):
            uri = self._service_image(target)
            if uri.startswith("nothing ("):
                return uri
        else:
            name, qualifier = (
                (target.name, target.alias) if isinstance(target, LambdaTarget) else (target, None)
            )
            lambda_ = self.clients.lambda_
            response = self._retry.call(
                lambda: (
                    lambda_.get_function(FunctionName=name, Qualifier=qualifier)
                    if qualifier
                    else lambda_.get_function(FunctionName=name)
                )
            )
            code = response.get("Code", {})
            uri = code.get("ResolvedImageUri") or code.get("ImageUri", "")
        return self._digest_in(image, uri, tag, digest)

    def _digest_in(self, image: ImageTargets, uri: str, tag: str, digest: str) -> str:
        if "@" in uri:
            # moto writes <repository>@sha256@sha256:<digest> for a digest URI: the digest
            # is what follows the last "@" either way.
            repository, found = uri.split("@", 1)[0], uri.rsplit("@", 1)[1]
            return found if repository == image.repository_url else f"{uri} (another repository)"
        running_tag = image.tag_of(uri)
        if running_tag is None:
            return f"{uri} (another repository)"
        if running_tag == tag:
            return digest  # tags are immutable in the build stage's repository
        return self.registry.digest_of(image, running_tag)

    def _service_image(self, target: EcsServiceTarget) -> str:
        ecs = self.clients.ecs
        found = self._retry.call(
            lambda: ecs.describe_services(cluster=target.cluster, services=[target.service])
        )
        if not found["services"]:
            return f"nothing (service {target.cluster}/{target.service} not found)"
        definition = found["services"][0]["taskDefinition"]
        task = self._retry.call(lambda: ecs.describe_task_definition(taskDefinition=definition))
        for container in task["taskDefinition"].get("containerDefinitions", []):
            if container.get("name") == target.container:
                return str(container.get("image", ""))
        return f"nothing (task definition {definition} has no container {target.container})"


def _describe(target: str | LambdaTarget | EcsServiceTarget) -> str:
    if isinstance(target, str):
        return f"Lambda function {target}"
    return target.describe()
