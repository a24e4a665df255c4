"""The ``initial`` placeholder image, pushed once so the first deploy can create functions.

The talk's point 4: a placeholder built from ``docker/initial_lambda`` is copied once into
the repository as ``initial`` with ``DockerImageAsset`` + ``ECRDeployment``
(cdk-ecr-deployment). Synthesis only stages the Docker context into the cloud assembly;
Docker runs at ``cdk deploy`` time.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecr_assets as ecr_assets
from cdk_ecr_deployment import DockerImageName, ECRDeployment
from constructs import Construct

from cdk_parity.reference.tags import PLACEHOLDER_TAG


class PlaceholderImage(Construct):
    """``DockerImageAsset`` of a placeholder context, copied to ``<repository>:initial``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repository: ecr.IRepository,
        context: Path,
        platform: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.asset = ecr_assets.DockerImageAsset(
            self,
            "Asset",
            directory=str(context),
            platform=(
                ecr_assets.Platform.LINUX_ARM64
                if platform == "linux/arm64"
                else ecr_assets.Platform.LINUX_AMD64
            ),
        )
        self.deployment = ECRDeployment(
            self,
            "CopyToRepository",
            src=DockerImageName(self.asset.image_uri),
            dest=DockerImageName(f"{repository.repository_uri}:{PLACEHOLDER_TAG}"),
        )
