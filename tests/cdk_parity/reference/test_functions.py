"""The container-image functions: the Lambda image at the resolved tag, after the placeholder.

Expected values come from the talk and AWS's documentation, never from the Pulumi
program: this reference is what the Pulumi side is checked against.
"""

from __future__ import annotations

from aws_cdk.assertions import Match, Template

from tests.cdk_parity.reference.templates import (
    DEV,
    logical_id,
    tag_parameter_ref,
)


def test_functions_run_the_lambda_image_at_the_deploy_time_tag(dev_template: Template) -> None:
    tag = tag_parameter_ref(dev_template, "lambda")
    repo_id = logical_id(dev_template, "AWS::ECR::Repository", {"RepositoryName": f"{DEV}-lambda"})
    for name, command, memory in (
        ("api", "api.handler", 256),
        ("nightly-report", "jobs.handler", 512),
    ):
        dev_template.has_resource_properties(
            "AWS::Lambda::Function",
            {
                "FunctionName": f"{DEV}-{name}",
                "PackageType": "Image",
                "Code": {
                    "ImageUri": {"Fn::Join": ["", Match.array_with([{"Ref": repo_id}, ":", tag])]}
                },
                "ImageConfig": {"Command": [command]},
                "MemorySize": memory,
                "LoggingConfig": {"LogFormat": "JSON", "LogGroup": Match.any_value()},
            },
        )
        dev_template.has_resource_properties(
            "AWS::Logs::LogGroup",
            {"LogGroupName": f"/aws/lambda/{DEV}-{name}", "RetentionInDays": 14},
        )
        dev_template.has_resource_properties("AWS::IAM::Role", {"RoleName": f"{DEV}-{name}-exec"})


def test_functions_wait_for_the_placeholder_push(dev_template: Template) -> None:
    deployment = logical_id(
        dev_template,
        "Custom::CDKECRDeployment",
        {
            "DestImage": {
                "Fn::Join": [
                    "",
                    Match.array_with([{"Ref": Match.string_like_regexp("^LambdaRepository")}]),
                ]
            }
        },
    )
    functions = dev_template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"PackageType": "Image"}}
    )
    assert len(functions) == 2
    for logical, function in functions.items():
        assert deployment in function.get("DependsOn", []), logical
