"""The talk's points 6-7 shown on moto's CloudFormation: the deploy-time template needs the
tag parameters to exist *before* the stack is created, even though the stack creates them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import boto3
import pytest
from aws_cdk.assertions import Template
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.cdk_parity.conftest import FAKE_CREDENTIALS

SSM_TYPED = "AWS::SSM::Parameter::Value<String>"
#: What a bootstrapped account holds; the template's BootstrapVersion parameter reads it.
BOOTSTRAP_VERSION = "/cdk-bootstrap/hnb659fds/version"
TAGS = {"lambda": "abc1234", "web": "def5678"}


def _tag_parameters(template: Mapping[str, Any]) -> dict[str, str]:
    """Image -> logical id of the synthesized SSM-typed tag parameter."""
    found = {
        value["Default"].split("/")[-2]: logical_id
        for logical_id, value in template["Parameters"].items()
        if value["Type"] == SSM_TYPED and "/images/" in value["Default"]
    }
    assert set(found) == set(TAGS), template["Parameters"]
    return found


def _first_deploy_template(template: Mapping[str, Any]) -> dict[str, Any]:
    """The synthesized Parameters section, the stack's own tag-parameter resources, and
    a resource that consumes both tags (standing in for the functions and the service)."""
    refs = _tag_parameters(template)
    own_tag_parameters = {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::SSM::Parameter"
        and "/images/" in str(resource["Properties"]["Name"])
    }
    assert len(own_tag_parameters) == 2
    return {
        "Parameters": template["Parameters"],
        "Resources": {
            **own_tag_parameters,
            "TagConsumer": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {
                    "Name": "/first-deploy/consumer",
                    "Type": "String",
                    "Value": {"Fn::Join": [",", [{"Ref": refs["lambda"]}, {"Ref": refs["web"]}]]},
                },
            },
        },
    }


@pytest.fixture
def cloud(monkeypatch: pytest.MonkeyPatch) -> Any:
    for key, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        ssm = boto3.client("ssm", region_name="ap-northeast-1")
        ssm.put_parameter(Name=BOOTSTRAP_VERSION, Value="30", Type="String")
        yield ssm, boto3.client("cloudformation", region_name="ap-northeast-1")


def test_first_deploy_fails_while_the_tag_parameters_do_not_exist(
    dev_template: Template, cloud: Any
) -> None:
    _ssm, cloudformation = cloud
    body = json.dumps(_first_deploy_template(dev_template.to_json()))
    # Real CloudFormation rejects CreateStack with a ValidationError; moto 5.2.5 fails
    # inside its SSM parameter resolution instead (the parameter it fetched is None).
    with pytest.raises(AttributeError, match="'NoneType' object has no attribute 'value'"):
        cloudformation.create_stack(StackName="first-deploy", TemplateBody=body)
    with pytest.raises(ClientError) as caught:
        cloudformation.describe_stacks(StackName="first-deploy")
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert "does not exist" in caught.value.response["Error"]["Message"]


def test_deploy_succeeds_once_the_app_pipeline_has_written_the_tags(
    dev_template: Template, cloud: Any
) -> None:
    ssm, cloudformation = cloud
    template = dev_template.to_json()
    for image, tag in TAGS.items():
        ssm.put_parameter(
            Name=f"/container-delivery/dev/images/{image}/tag", Value=tag, Type="String"
        )
    consumer_only = _first_deploy_template(template)
    consumer_only["Resources"] = {"TagConsumer": consumer_only["Resources"]["TagConsumer"]}
    cloudformation.create_stack(StackName="later-deploy", TemplateBody=json.dumps(consumer_only))
    stack = cloudformation.describe_stacks(StackName="later-deploy")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    consumed = ssm.get_parameter(Name="/first-deploy/consumer")["Parameter"]["Value"]
    assert consumed == "abc1234,def5678"
