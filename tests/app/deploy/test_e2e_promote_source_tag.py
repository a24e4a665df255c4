"""``promote``'s first change, the promotion tag in the build stage's repository, when ECR
refuses or answers the unexpected: each failure is restored and says what to do.

Real CLI processes against a moto server through the fault proxy. Where moto cannot give
the answer (IAM is not evaluated, PutImage always answers its own digest), the proxy
gives it in ECR's words; each such answer names its source beside it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .fakes import NEW
from .faultproxy import Answer, Rule, ecr, lambda_update
from .presence_double import chain
from .promotion_fakes import Stages

pytestmark = pytest.mark.e2e

PROMOTE = ("promote", "--image", "lambda", "--from", "dev", "--json")
ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921."


def ecr_answer(operation: str, answer: dict[str, Any]) -> Any:
    """An intercept answering ``operation`` with a 200 and ``answer`` (JSON protocol)."""

    def intercept(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer | None:
        if headers.get("x-amz-target") != ECR_TARGET + operation:
            return None
        return 200, [("Content-Type", "application/x-amz-json-1.1")], json.dumps(answer).encode()

    return intercept


def failed_promotion(deploy: Any, exit_code: int = 1) -> dict[str, Any]:
    """Run ``promote``, which must fail with ``exit_code``; its JSON document."""
    run = deploy(*PROMOTE)
    assert run.returncode == exit_code, run.stderr
    document: dict[str, Any] = json.loads(run.stdout)
    return document


def assert_nothing_kept(stages: Stages, before: dict[str, Any], digest: str) -> None:
    assert stages.snapshot("lambda") == before
    assert stages.dev_tags("lambda", digest) == [NEW]


@pytest.mark.parametrize("operation", ["BatchGetImage", "PutImage"])
def test_a_reader_role_denied_the_tag_names_the_permission_and_the_repository_arn(
    stages, proxy, deploy, operation
):
    digest = stages.digest("lambda", NEW)
    repository = stages.dev.images["lambda"]["repositoryName"]
    account = stages.reader_role_arn.split(":")[4]
    arn = f"arn:aws:ecr:us-east-1:{account}:repository/{repository}"
    # ECR API reference, Common Errors: AccessDeniedException (HTTP 400, JSON protocol);
    # the message is IAM's for an assumed role without the action (ECR User Guide,
    # "Troubleshooting Amazon ECR error messages": "User: ... is not authorized to perform").
    denied = (
        f"User: arn:aws:sts::{account}:assumed-role/demo-dev-promotion-reader/"
        f"app-deploy-promote-prod is not authorized to perform: ecr:{operation} on resource: "
        f"{arn} because no identity-based policy allows the ecr:{operation} action"
    )
    proxy.add(Rule(ecr(operation), 400, "AccessDeniedException", message=denied))
    before = stages.snapshot("lambda")

    document = failed_promotion(deploy)

    assert document["errorType"] == "ReleaseFailedError"
    assert (
        f"stage dev's promotion reader role {stages.reader_role_arn} may not call "
        f"ecr:{operation} on {arn} (AccessDeniedException: {denied}); the promotion tag was "
        "not added. The infra stack of dev grants it (pulumi up there)"
    ) in document["error"]
    url = stages.dev.images["lambda"]["repositoryUrl"]
    assert document["restored"] == [f"ECR {url}: tag promoted-prod-{NEW} not there"]
    assert_nothing_kept(stages, before, digest)


def test_a_digest_deleted_before_it_is_tagged_is_restored_and_named(
    stages, proxy, codedeploy, deploy
):
    digest = stages.digest("lambda", NEW)
    dev = stages.dev
    repository = dev.images["lambda"]["repositoryName"]

    def delete_first(method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        # The image goes between the presence check and the tag: moto itself answers.
        if headers.get("x-amz-target") == ECR_TARGET + "BatchGetImage":
            dev.ecr.batch_delete_image(
                repositoryName=repository, imageIds=[{"imageDigest": digest}]
            )

    proxy.intercept = chain(delete_first, codedeploy)
    before = stages.snapshot("lambda")

    error = failed_promotion(deploy)["error"]

    assert (
        f"{dev.images['lambda']['repositoryUrl']}@{digest}: BatchGetImage found no manifest "
        "(ImageNotFound: Requested image not found), though the digest was read moments "
        "before"
    ) in error
    assert "Promote a tag dev released that is still in its repository" in error
    after = stages.snapshot("lambda")
    del before["dev tags"], after["dev tags"]  # the deleted image took its tag along
    assert after == before


def test_a_put_image_answering_another_digest_is_refused_with_the_command_to_look(
    stages, proxy, codedeploy, deploy
):
    digest = stages.digest("lambda", NEW)
    other = "sha256:" + "f" * 64
    url = stages.dev.images["lambda"]["repositoryUrl"]
    account, repository = url.split(".")[0], stages.dev.images["lambda"]["repositoryName"]
    # PutImage's response (ECR API reference, PutImage: "image", an Image); ECR itself
    # refuses a manifest whose digest is not imageDigest, so only a defect answers this.
    forged = {
        "image": {
            "registryId": account,
            "repositoryName": repository,
            "imageId": {"imageDigest": other, "imageTag": f"promoted-prod-{NEW}"},
            "imageManifestMediaType": "application/vnd.docker.distribution.manifest.v2+json",
        }
    }
    proxy.intercept = chain(ecr_answer("PutImage", forged), codedeploy)
    before = stages.snapshot("lambda")

    error = failed_promotion(deploy)["error"]

    assert (
        f"PutImage of tag promoted-prod-{NEW} in {url} answered digest {other}, expected "
        f"{digest}: ECR stored the manifest as another image"
    ) in error
    assert (
        f"aws ecr describe-images --registry-id {account} --repository-name {repository} "
        f"--image-ids imageTag=promoted-prod-{NEW}"
    ) in error
    assert_nothing_kept(stages, before, digest)


def test_a_promotion_tag_batch_delete_image_refuses_is_named_with_the_command(
    stages, proxy, codedeploy, deploy
):
    digest = stages.digest("lambda", NEW)
    url = stages.dev.images["lambda"]["repositoryUrl"]
    tag = f"promoted-prod-{NEW}"
    # The promotion fails after tagging: Lambda refuses the first update (Lambda API
    # reference, UpdateFunctionCode: InvalidParameterValueException, HTTP 400).
    proxy.add(Rule(lambda_update(stages.prod.functions("lambda")[0]), 400,
                   "InvalidParameterValueException"))  # fmt: skip
    # BatchDeleteImage's response (ECR API reference: imageIds, failures of ImageFailure;
    # ImageReferencedByManifestList is one of its failureCode values). The reason's
    # wording is ours: the reference gives the codes, not the texts.
    refused = {
        "imageIds": [],
        "failures": [
            {
                "imageId": {"imageTag": tag},
                "failureCode": "ImageReferencedByManifestList",
                "failureReason": "the image is referenced by a manifest list",
            }
        ],
    }
    proxy.intercept = chain(ecr_answer("BatchDeleteImage", refused), codedeploy)

    (attention,) = failed_promotion(deploy, exit_code=3)["needsAttention"]
    command = (
        f"aws ecr batch-delete-image --registry-id {url.split('.')[0]} --repository-name "
        f"demo-dev-lambda --image-ids imageTag={tag}"
    )
    assert attention == (
        f"ECR {url}: tag {tag} (on {digest}) must be removed ({command}, as someone who may "
        f"delete images there); removing it failed: BatchDeleteImage of tag {tag} in {url} "
        "answered ImageReferencedByManifestList: the image is referenced by a manifest list"
    )
    assert stages.recorded("lambda") == ("initial", "initial")
    assert stages.dev_tags("lambda", digest) == sorted([NEW, tag])
    assert stages.prod.lock_value("lambda") is None


def test_a_promotion_tag_found_on_another_digest_is_left_alone_and_never_deleted(
    stages, proxy, codedeploy, deploy
):
    digest = stages.digest("lambda", NEW)
    url = stages.dev.images["lambda"]["repositoryUrl"]
    repository = stages.dev.images["lambda"]["repositoryName"]
    tag = f"promoted-prod-{NEW}"
    other = "sha256:" + "e" * 64
    # The promotion fails after tagging: Lambda refuses the first update (Lambda API
    # reference, UpdateFunctionCode: InvalidParameterValueException, HTTP 400).
    proxy.add(Rule(lambda_update(stages.prod.functions("lambda")[0]), 400,
                   "InvalidParameterValueException"))  # fmt: skip
    deletes: list[bytes] = []
    looks: list[bytes] = []

    def moved(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer | None:
        target = headers.get("x-amz-target", "")
        if target == ECR_TARGET + "BatchDeleteImage":
            deletes.append(body)
        if target != ECR_TARGET + "DescribeImages" or tag not in body.decode():
            return None
        looks.append(body)
        if len(looks) == 1:
            return None  # the plan's look, before tagging: moto answers (not there yet)
        # DescribeImages' response (ECR API reference: imageDetails of ImageDetail): the
        # promotion tag, pushed again by someone else, on another image.
        detail = {
            "registryId": url.split(".", 1)[0],
            "repositoryName": repository,
            "imageDigest": other,
            "imageTags": [tag],
            "imageSizeInBytes": 1024,
            "imagePushedAt": 1765000000.0,
        }
        answer = json.dumps({"imageDetails": [detail]}).encode()
        return 200, [("Content-Type", "application/x-amz-json-1.1")], answer

    proxy.intercept = chain(moved, codedeploy)

    (attention,) = failed_promotion(deploy, exit_code=3)["needsAttention"]

    assert attention == (
        f"ECR {url}: tag {tag} names {other} now, not {digest} that this promotion tagged; "
        "left alone, since it is not this promotion's to remove (someone removed it and "
        "pushed it again since). Look at it with aws ecr describe-images --registry-id "
        f"{url.split('.')[0]} --repository-name {repository} --image-ids imageTag={tag}"
    )
    assert "batch-delete-image" not in attention
    assert deletes == []
    assert len(looks) == 2  # the plan's, and the restore's
    assert stages.recorded("lambda") == ("initial", "initial")
    assert stages.prod.lock_value("lambda") is None
