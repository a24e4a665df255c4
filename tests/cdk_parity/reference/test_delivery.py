"""Both pipelines and their builds: the key names reach CodeBuild, the stages as in the talk.

Expected values come from the talk and AWS's documentation, never from the Pulumi
program: this reference is what the Pulumi side is checked against.
"""

from __future__ import annotations

from aws_cdk.assertions import Match, Template

from tests.cdk_parity.reference.templates import (
    PROD,
)


def test_dev_has_no_pipelines(dev_template: Template) -> None:
    dev_template.resource_count_is("AWS::CodePipeline::Pipeline", 0)
    dev_template.resource_count_is("AWS::CodeBuild::Project", 0)


def test_app_build_carries_the_parameter_key_names(prod_template: Template) -> None:
    prod_template.resource_count_is("AWS::CodeBuild::Project", 3)
    prod_template.has_resource_properties(
        "AWS::CodeBuild::Project",
        {
            "Name": f"{PROD}-app-build",
            "Environment": Match.object_like(
                {
                    "PrivilegedMode": True,
                    "EnvironmentVariables": Match.array_with(
                        [
                            {
                                "Name": "DEPLOY_MANIFEST_PARAMETER",
                                "Type": "PLAINTEXT",
                                "Value": "/container-delivery/prod/deploy-manifest",
                            },
                            {
                                "Name": "LAMBDA_TAG_PARAMETER",
                                "Type": "PLAINTEXT",
                                "Value": "/container-delivery/prod/images/lambda/tag",
                            },
                            {
                                "Name": "WEB_TAG_PARAMETER",
                                "Type": "PLAINTEXT",
                                "Value": "/container-delivery/prod/images/web/tag",
                            },
                        ]
                    ),
                }
            ),
        },
    )


def test_pipelines_stages(prod_template: Template) -> None:
    prod_template.resource_count_is("AWS::CodePipeline::Pipeline", 2)
    stages = {
        f"{PROD}-infra": ["Source", "Preview", "Approve", "Deploy"],
        f"{PROD}-app": ["Source", "Build", "Deploy"],
    }
    for name, expected in stages.items():
        found = prod_template.find_resources(
            "AWS::CodePipeline::Pipeline", {"Properties": {"Name": name}}
        )
        assert len(found) == 1, name
        pipeline = next(iter(found.values()))["Properties"]
        assert [s["Name"] for s in pipeline["Stages"]] == expected
        assert pipeline["PipelineType"] == "V2"
        assert pipeline["ExecutionMode"] == "QUEUED"
    prod_template.has_resource_properties(
        "AWS::CodePipeline::Pipeline",
        {
            "Name": f"{PROD}-app",
            "Stages": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": "Deploy",
                            "Actions": [
                                Match.object_like(
                                    {
                                        "ActionTypeId": Match.object_like(
                                            {"Category": "Deploy", "Provider": "ECS"}
                                        ),
                                        "Configuration": Match.object_like(
                                            {"FileName": "imagedefinitions.json"}
                                        ),
                                    }
                                )
                            ],
                        }
                    )
                ]
            ),
        },
    )
