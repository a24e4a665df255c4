"""What deleting the stack does to its data, in both modes of ``protectData``.

CloudFormation's words (the DeletionPolicy and UpdateReplacePolicy attributes, ECR's
EmptyOnDelete property): prod (protectData on with requireRelease) keeps repositories,
key, tag parameters, buckets and log groups; dev (off) lets ``cdk destroy`` finish.
"""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

#: The data-bearing resource types; log groups follow them.
DATA = (
    "AWS::ECR::Repository",
    "AWS::KMS::Key",
    "AWS::S3::Bucket",
    "AWS::Logs::LogGroup",
)


def _policies(template: Template, typ: str) -> dict[str, tuple[Any, Any]]:
    return {
        logical: (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy"))
        for logical, resource in template.find_resources(typ).items()
    }


def _tag_parameters(template: Template) -> dict[str, Any]:
    return {
        logical: resource
        for logical, resource in template.find_resources("AWS::SSM::Parameter").items()
        if str(resource["Properties"]["Name"]).endswith("/tag")
    }


def test_prod_keeps_its_data(prod_template: Template) -> None:
    for typ in DATA:
        found = _policies(prod_template, typ)
        assert found, typ
        assert set(found.values()) == {("Retain", "Retain")}, (typ, found)
    for parameter in _tag_parameters(prod_template).values():
        assert parameter["DeletionPolicy"] == "Retain"
    for repository in prod_template.find_resources("AWS::ECR::Repository").values():
        assert repository["Properties"]["EmptyOnDelete"] is False
    prod_template.resource_count_is("Custom::S3AutoDeleteObjects", 0)


def test_dev_can_be_torn_down(dev_full_template: Template) -> None:
    """Every data-bearing resource is deleted with the stack; repositories and buckets are
    emptied first, or CloudFormation could not delete them while they hold anything."""
    for typ in DATA:
        if typ == "AWS::KMS::Key":
            continue  # dev uses AWS-managed keys
        found = _policies(dev_full_template, typ)
        assert found, typ
        assert set(found.values()) == {("Delete", "Delete")}, (typ, found)
    for parameter in _tag_parameters(dev_full_template).values():
        assert parameter["DeletionPolicy"] == "Delete"
    for repository in dev_full_template.find_resources("AWS::ECR::Repository").values():
        assert repository["Properties"]["EmptyOnDelete"] is True
    buckets = dev_full_template.find_resources("AWS::S3::Bucket")
    emptied = {
        resource["Properties"]["BucketName"]["Ref"]
        for resource in dev_full_template.find_resources("Custom::S3AutoDeleteObjects").values()
    }
    assert emptied == set(buckets)
    assert len(buckets) == 2  # the artifact and the access-log bucket


def test_the_stack_key_is_kept_with_the_data(prod_template: Template) -> None:
    (key,) = prod_template.find_resources("AWS::KMS::Key").values()
    assert key["Properties"]["PendingWindowInDays"] == 30
    assert key["DeletionPolicy"] == "Retain"
