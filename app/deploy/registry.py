"""What the release trusts: ECR's own URI for the repository, the tag in it, and targets here.

``DescribeRepositories`` without a registry id answers for the caller's own registry,
in the client's region, so the repository URI it reports fixes the account and region
a release may act in. A manifest naming another registry, or a function by the ARN of
another account or region, is bad input (exit 2) before anything changes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from app.deploy.exceptions import ImageTagNotFoundError, InvalidTargetError, UntrustedRegistryError
from app.deploy.names import function_arn_parts

if TYPE_CHECKING:
    from mypy_boto3_ecr import ECRClient

    from app.deploy.manifest import ImageTargets
    from app.deploy.retry import RetryPolicy

# <account>.dkr.ecr.<region>.amazonaws.com[.cn]/<name>: ECR's registry host (ECR User
# Guide, "Private registry concepts").
_REGISTRY = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/")


class Registry:
    """The ECR repository of each image, as ECR itself reports it."""

    def __init__(self, ecr: ECRClient, *, retry: RetryPolicy, region: str | None) -> None:
        self._ecr = ecr
        self._retry = retry
        self._region = region

    def tag_exists(self, image_name: str, image: ImageTargets, tag: str) -> bool:
        """True if ``tag`` is in the image's repository (``DescribeImages``)."""
        ecr = self._ecr
        try:
            self._retry.call(
                lambda: ecr.describe_images(
                    repositoryName=image.repository_name, imageIds=[{"imageTag": tag}]
                )
            )
        except ecr.exceptions.ImageNotFoundException:
            return False
        except ecr.exceptions.RepositoryNotFoundException as exc:
            raise missing_repository(image_name, image.repository_name) from exc
        return True

    def require_tag(self, image_name: str, image: ImageTargets, tag: str) -> None:
        if not self.tag_exists(image_name, image, tag):
            raise ImageTagNotFoundError(
                f"tag {tag} is not in ECR repository {image.repository_name}; push "
                f"{image.image_uri(tag)} first (nothing was changed)"
            )

    def check(self, image_name: str, image: ImageTargets, *, own: bool = False) -> str:
        """The manifest's URL must be the repository's own URI in this account and region.

        Returns that URI, read from AWS, not taken from the manifest. With ``own``, the
        repository checked is this stage's own (in schema 3 the placeholder's: the
        targets' is the build stage's, checked through its reader role).
        """
        ecr = self._ecr
        name, url = image.own_repository if own else (image.repository_name, image.repository_url)
        try:
            response = self._retry.call(lambda: ecr.describe_repositories(repositoryNames=[name]))
        except ecr.exceptions.RepositoryNotFoundException as exc:
            raise missing_repository(image_name, name) from exc
        (repository,) = response["repositories"]
        actual = repository["repositoryUri"]
        if actual != url:
            raise UntrustedRegistryError(
                f"the deploy manifest gives image {image_name!r} the repository URL "
                f"{url!r}, but ECR repository {name} in this account and region is "
                f"{actual!r}; refusing to release from another registry. Publish the "
                "manifest again from the infra stack (pulumi up); nothing was changed"
            )
        return actual

    def check_targets(self, image_name: str, image: ImageTargets) -> None:
        """``check`` of this stage's own repository, and every function given by ARN is
        in this account and region."""
        uri = self.check(image_name, image, own=True)
        found = _REGISTRY.match(uri)
        account = found[1] if found else None
        region = self._region or (found[2] if found else None)
        for entry in image.function_names:
            parts = function_arn_parts(entry)
            if parts is None:
                continue
            arn_region, arn_account = parts
            if (arn_region, arn_account) != (region, account):
                raise InvalidTargetError(
                    f"the deploy manifest lists Lambda function {entry!r} under image "
                    f"{image_name!r}: account {arn_account}, region {arn_region}; this release "
                    f"acts in account {account or '?'}, region {region or '?'} (ECR repository "
                    f"{uri}). Function entries must be names, or ARNs of this account and "
                    "region. Publish the manifest again from the infra stack (pulumi up); "
                    "nothing was changed"
                )


def missing_repository(image_name: str, repository: str) -> InvalidTargetError:
    return InvalidTargetError(
        f"ECR repository {repository} (image {image_name!r} in the manifest) "
        "does not exist; deploy the infra stack first"
    )
