"""The parts of a release, wired from one set of clients and policies.

``Releaser`` asks here for each part it uses (the registry, the reader, the applier,
the restorer, ...), so each part gets the same clients, retry policy, progress and
signals, and the clients are made in the thread that asks, never in a worker.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import msgspec

from app.deploy.applier import Applier
from app.deploy.functions import FunctionOps, WaitPolicy
from app.deploy.parameter import TagParameter
from app.deploy.registry import Registry
from app.deploy.state import StateReader
from app.deploy.step_tools import StepTools

if TYPE_CHECKING:
    from app.deploy.clients import AwsClients
    from app.deploy.deployments import Deployments, DeploymentWaitPolicy
    from app.deploy.manifest import DeployManifest, ImageTargets
    from app.deploy.records import Version
    from app.deploy.restorer import Restorer
    from app.deploy.retry import RetryPolicy
    from app.deploy.signals import Interrupts
    from app.deploy.source_registry import SourceRegistry
    from app.deploy.workers import Progress


class Parts(msgspec.Struct, frozen=True):
    """Builds the parts of a release for the images of one manifest."""

    clients: AwsClients
    manifest: DeployManifest
    progress: Progress
    retry: RetryPolicy
    wait: WaitPolicy
    deployment_wait: DeploymentWaitPolicy | None
    interrupts: Interrupts
    max_concurrency: int

    def registry(self) -> Registry:
        """ECR's view; the Lambda client's region if a function is given by ARN."""
        arns = any(
            name.startswith("arn:")
            for image in self.manifest.images.values()
            for name in image.function_names
        )
        region = self.clients.lambda_.meta.region_name if arns else None
        return Registry(self.clients.ecr, retry=self.retry, region=region)

    def deployments(self) -> Deployments:
        # Imported here, as the restorer is: a schema-1 release never needs them, and
        # start-up is most of a release's time (docs/app-release.md, "Benchmark").
        from app.deploy.deployments import Deployments, DeploymentWaitPolicy

        return Deployments(
            self.clients.codedeploy,
            self.clients.lambda_,
            retry=self.retry,
            wait=self.deployment_wait or DeploymentWaitPolicy(),
            progress=self.progress,
            max_concurrency=self.max_concurrency,
            codedeploy_once=lambda: self.clients.codedeploy_once,
        )

    def functions(self) -> FunctionOps:
        return FunctionOps(
            self.clients.lambda_,
            retry=self.retry,
            wait=self.wait,
            progress=self.progress,
            interrupts=self.interrupts,
        )

    def parameter(self, image: ImageTargets) -> TagParameter:
        return TagParameter(self.clients.ssm, image, retry=self.retry, progress=self.progress)

    def digest_parameter(self, image: ImageTargets) -> TagParameter:
        """Schema 3: the image's digest parameter (``digestParameter``)."""
        return TagParameter(
            self.clients.ssm, image, retry=self.retry, progress=self.progress, digest=True
        )

    def reader(self, image: ImageTargets, registry: Registry) -> StateReader:
        return StateReader(
            self.clients,
            retry=self.retry,
            functions=self.functions(),
            registry=registry,
            deployments=self.deployments() if image.uses_aliases else None,
            interrupts=self.interrupts,
            max_concurrency=self.max_concurrency,
        )

    def _lambda(self) -> Any:
        return self.clients.lambda_

    def tools(
        self,
        functions: FunctionOps,
        parameter: TagParameter,
        digest: TagParameter | None = None,
        source: SourceRegistry | None = None,
    ) -> StepTools:
        """What this release's applier and restorer act through."""
        return StepTools(
            functions=functions,
            parameter=parameter,
            digest=digest,
            source=source,
            deployments=self.deployments,
            lambda_=self._lambda,
            retry=self.retry,
            progress=self.progress,
            max_concurrency=self.max_concurrency,
        )

    def applier(self, tools: StepTools) -> Applier:
        return Applier(tools, interrupts=self.interrupts)

    def restorer(self, tools: StepTools) -> Restorer:
        from app.deploy.restorer import Restorer  # only after a failure

        return Restorer(tools)

    def history_and_failures(
        self, image: ImageTargets, *, migrate: bool
    ) -> tuple[list[Version], set[int]]:
        """The tag parameter's history and which of its versions failed (side by side).

        With ``migrate`` (under the lock) labels of earlier tool versions are moved
        into the failed-release record.
        """
        records = self.parameter(image).records()
        _ = self.clients.ssm
        with ThreadPoolExecutor(max_workers=2) as pool:
            history_future = pool.submit(records.history)
            recorded_future = pool.submit(records.read)
        history, recorded = history_future.result(), recorded_future.result()
        failed = records.failed(history, recorded)
        if migrate:
            records.migrate_labels(history, recorded)
        return history, failed
