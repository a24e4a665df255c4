"""Two stages on one moto server for ``promote`` (issue 22): a build stage and a promoted one.

moto keys every resource by account, and takes the account from the request's access
key: credentials returned by ``sts:AssumeRole`` of a role in account N act in account
N, whether or not the role exists (moto docs, "Multi-Account support"; moto/sts/models.py
``assume_role``: "The ARN can point to another account, providing an opportunity to
switch accounts"). So the build stage (``dev``) is created with credentials of a role
assumed in ``BUILD_ACCOUNT`` (or in the default account, for the same-account layout),
and the promoted stage (``prod``) with the default test credentials, in moto's default
account, where the CodeDeploy double acts. The release tool reaches ``dev`` only by
assuming its promotion reader role, as in AWS.

What moto does not check here: IAM (any credentials may do anything, the reader role's
policy and trust are not evaluated) and ECR repository policies (prod's functions may
pull dev's images; moto_aws.py lets Lambda and ECR reads cross accounts at all).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
from moto.core import DEFAULT_ACCOUNT_ID

from .fakes import PLACEHOLDER, REGION, FakeStack

BUILD_ACCOUNT = "111122223333"
PROMOTED_ACCOUNT = DEFAULT_ACCOUNT_ID


def account_session(account: str) -> boto3.Session:
    """A session acting in ``account``: the credentials of a role assumed there."""
    sts = boto3.client(
        "sts",
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/test-setup", RoleSessionName="test-setup"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )


@dataclass
class Stages:
    """The build stage ``dev``, the promoted stage ``prod``, and prod's schema-3 manifest."""

    dev: FakeStack
    prod: FakeStack
    reader_role_arn: str

    def digest(self, image: str, tag: str) -> str:
        """The digest ``tag`` names in dev's repository."""
        found = self.dev.ecr.describe_images(
            repositoryName=self.dev.images[image]["repositoryName"],
            imageIds=[{"imageTag": tag}],
        )
        return str(found["imageDetails"][0]["imageDigest"])

    def dev_uri(self, image: str, digest: str) -> str:
        return f"{self.dev.images[image]['repositoryUrl']}@{digest}"

    def digest_parameter(self, image: str) -> str:
        return f"/{self.prod.project}/{self.prod.stack}/images/{image}/digest"

    def recorded(self, image: str) -> tuple[str, str]:
        """prod's tag and digest parameters."""
        ssm = self.prod.ssm
        tag = ssm.get_parameter(Name=self.prod.images[image]["tagParameter"])["Parameter"]
        digest = ssm.get_parameter(Name=self.digest_parameter(image))["Parameter"]
        return tag["Value"], digest["Value"]

    def dev_tags(self, image: str, digest: str) -> list[str]:
        """Every tag dev's repository has on ``digest``."""
        found = self.dev.ecr.describe_images(
            repositoryName=self.dev.images[image]["repositoryName"],
            imageIds=[{"imageDigest": digest}],
        )
        return sorted(found["imageDetails"][0].get("imageTags", []))

    def snapshot(self, image: str) -> dict[str, Any]:
        """Everything a promotion may change, to compare before and after a failure."""
        functions = self.prod.functions(image)
        return {
            "recorded": self.recorded(image),
            "latest": self.prod.function_images(image) if functions else {},
            "aliases": {fn: self.prod.alias(fn) for fn in functions},
            "dev tags": sorted(
                tag
                for detail in self.dev.ecr.describe_images(
                    repositoryName=self.dev.images[image]["repositoryName"]
                )["imageDetails"]
                for tag in detail.get("imageTags", [])
            ),
            "lock": self.prod.lock_value(image),
        }


def make_stages(
    prod_session: boto3.Session,
    *,
    cross_account: bool,
    images: dict[str, dict[str, Any]],
    project: str = "demo",
) -> Stages:
    """dev in ``BUILD_ACCOUNT`` (or prod's own account), prod promoted from it.

    ``images``: per image name, ``FakeStack.add_image``'s options, the same in both
    stages (schema 2 in dev, 3 in prod).
    """
    dev_session = account_session(BUILD_ACCOUNT) if cross_account else prod_session
    dev = FakeStack(dev_session, project=project, stack="dev")
    prod = FakeStack(prod_session, project=project, stack="prod")
    for name, options in images.items():
        dev.add_image(name, **options)
        prod.add_image(name, **options)
    account = BUILD_ACCOUNT if cross_account else PROMOTED_ACCOUNT
    promote_build = f"arn:aws:iam::{PROMOTED_ACCOUNT}:role/{project}-prod-promote-build"
    reader = dev.session.client("iam").create_role(
        RoleName=f"{project}-dev-promotion-reader",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": promote_build},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    assert reader == f"arn:aws:iam::{account}:role/{project}-dev-promotion-reader"
    stages = Stages(dev, prod, reader)
    publish_promoted_manifest(stages, account)
    return stages


def publish_promoted_manifest(stages: Stages, account: str) -> dict[str, Any]:
    """prod's schema-3 manifest, as the contract has the infra stack write it; schema 4
    (with ``lockTable``) once prod has its release locks' table (``use_lock_table``)."""
    dev, prod = stages.dev, stages.prod
    document = prod.manifest_document()
    document["schema"] = 3 if prod.lock_table is None else 4
    document["stage"] = {
        "kind": "promoted",
        "from": {
            "stack": dev.stack,
            "account": account,
            "region": REGION,
            "manifestParameter": dev.manifest_parameter,
            "readerRoleArn": stages.reader_role_arn,
        },
    }
    entries = {}
    for name, own in prod.images.items():
        entry = dict(own)
        entry["placeholderRepositoryUrl"] = own["repositoryUrl"]
        entry["repositoryName"] = dev.images[name]["repositoryName"]
        entry["repositoryUrl"] = dev.images[name]["repositoryUrl"]
        entry["digestParameter"] = stages.digest_parameter(name)
        entries[name] = entry
        # The infra stack creates it with the placeholder's value and ignores changes.
        prod.ssm.put_parameter(
            Name=entry["digestParameter"], Value=PLACEHOLDER, Type="String", Overwrite=True
        )
    document["images"] = entries
    prod.publish_manifest(json.dumps(document))
    return document


def release_in_dev(stages: Stages, image: str, tag: str) -> str:
    """What a successful release of ``tag`` in dev leaves (pushed first); its digest."""
    dev = stages.dev
    dev.push(image, tag)
    if dev.functions(image):
        dev.release_directly(image, tag)
    else:
        dev.ssm.put_parameter(
            Name=dev.images[image]["tagParameter"], Value=tag, Type="String", Overwrite=True
        )
    for svc in dev.images[image]["ecsServices"]:
        dev.set_service_image(svc["cluster"], svc["service"], svc["container"], dev.uri(image, tag))
    return stages.digest(image, tag)
