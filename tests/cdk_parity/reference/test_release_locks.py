"""The release lock table in the CDK reference, from the lock contract (manifest schema 4).

Expected values are the contract's and AWS's, written out: ``<project>-<stack>-release-locks``,
partition key ``lockKey`` (S) and no sort key, on demand, the AWS managed key, no TTL,
deletion protection (and Retain) where the stack protects its data; the release tool's
roles may put, get and delete exactly the images' items.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from cdk_parity.compare.intrinsics import Renderer

ACCOUNT = "123456789012"
REGION = "ap-northeast-1"
TABLE = "AWS::DynamoDB::Table"


def the_table(template: Template) -> tuple[str, Mapping[str, Any]]:
    (found,) = template.find_resources(TABLE).items()
    return found


@pytest.mark.parametrize(("fixture", "stack"), [("dev_template", "dev"), ("prod_template", "prod")])
def test_one_table_keyed_by_lock_key_on_demand_under_the_aws_managed_key(
    fixture: str, stack: str, request: pytest.FixtureRequest
) -> None:
    template: Template = request.getfixturevalue(fixture)
    _, table = the_table(template)
    props = table["Properties"]
    assert props["TableName"] == f"container-delivery-{stack}-release-locks"
    assert props["KeySchema"] == [{"AttributeName": "lockKey", "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": "lockKey", "AttributeType": "S"}]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    # SSEEnabled without a key: the AWS managed key (CloudFormation's SSESpecification).
    assert props["SSESpecification"] == {"SSEEnabled": True}
    assert "TimeToLiveSpecification" not in props
    assert "ProvisionedThroughput" not in props


def test_production_keeps_and_protects_the_table(prod_template: Template) -> None:
    _, table = the_table(prod_template)
    assert table["Properties"]["DeletionProtectionEnabled"] is True
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")


def test_development_deletes_the_table_with_the_stack(dev_template: Template) -> None:
    _, table = the_table(dev_template)
    assert table["Properties"].get("DeletionProtectionEnabled") is False
    assert table["DeletionPolicy"] == "Delete"


@pytest.mark.parametrize(
    ("fixture", "stack", "role"),
    [("build_stage_template", "dev", "AppBuild"), ("prod_template", "prod", "Promote")],
)
def test_the_release_tool_may_hold_exactly_its_images_items(
    fixture: str, stack: str, role: str, request: pytest.FixtureRequest
) -> None:
    template: Template = request.getfixturevalue(fixture)
    logical, _ = the_table(template)
    statements = [
        statement
        for _, policy in template.find_resources("AWS::IAM::Policy").items()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "dynamodb" in json.dumps(statement.get("Action"))
    ]
    assert statements == [
        {
            "Action": ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"],
            "Condition": {
                "ForAllValues:StringEquals": {
                    "dynamodb:LeadingKeys": [
                        f"/container-delivery/{stack}/images/lambda/release-lock",
                        f"/container-delivery/{stack}/images/web/release-lock",
                    ]
                }
            },
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [logical, "Arn"]},
        }
    ]
    # On the build's own role (the only grantee), next to the SSM lock it keeps.
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": Match.string_like_regexp(f"^{role}")}],
            "PolicyDocument": {"Statement": Match.array_with([statements[0]])},
        },
    )


def test_the_manifest_names_the_table(build_stage_template: Template) -> None:
    raw = build_stage_template.to_json()
    (parameter,) = [
        p
        for p in build_stage_template.find_resources("AWS::SSM::Parameter").values()
        if p["Properties"]["Name"] == "/container-delivery/dev/deploy-manifest"
    ]
    document = json.loads(Renderer(raw, ACCOUNT, REGION).render(parameter["Properties"]["Value"]))
    assert document["schema"] == 4
    assert document["lockTable"] == "container-delivery-dev-release-locks"
    assert "stage" not in document
