"""Both pipelines and their builds: the key names reach CodeBuild, the stages as in the talk.

Expected values come from the talk and AWS's documentation, never from the Pulumi
program: this reference is what the Pulumi side is checked against.
"""

from __future__ import annotations

from aws_cdk.assertions import Match, Template

from tests.cdk_parity.reference.templates import (
    DEV,
    PROD,
)


def test_dev_has_no_pipelines(dev_template: Template) -> None:
    dev_template.resource_count_is("AWS::CodePipeline::Pipeline", 0)
    dev_template.resource_count_is("AWS::CodeBuild::Project", 0)


def test_app_build_carries_the_parameter_key_names(build_stage_template: Template) -> None:
    build_stage_template.resource_count_is("AWS::CodeBuild::Project", 3)
    build_stage_template.has_resource_properties(
        "AWS::CodeBuild::Project",
        {
            "Name": f"{DEV}-app-build",
            "Environment": Match.object_like(
                {
                    "PrivilegedMode": True,
                    "EnvironmentVariables": Match.array_with(
                        [
                            {
                                "Name": "DEPLOY_MANIFEST_PARAMETER",
                                "Type": "PLAINTEXT",
                                "Value": "/container-delivery/dev/deploy-manifest",
                            },
                            {
                                "Name": "LAMBDA_TAG_PARAMETER",
                                "Type": "PLAINTEXT",
                                "Value": "/container-delivery/dev/images/lambda/tag",
                            },
                            {
                                "Name": "WEB_TAG_PARAMETER",
                                "Type": "PLAINTEXT",
                                "Value": "/container-delivery/dev/images/web/tag",
                            },
                        ]
                    ),
                }
            ),
        },
    )


def test_pipelines_stages(prod_template: Template, build_stage_template: Template) -> None:
    """A build stage: infra and app pipelines; a promoted stage: infra and promote."""
    for template, stages in (
        (
            build_stage_template,
            {
                f"{DEV}-infra": ["Source", "Preview", "Deploy"],  # no approval in dev
                f"{DEV}-app": ["Source", "Build", "Deploy"],
            },
        ),
        (
            prod_template,
            {
                f"{PROD}-infra": ["Source", "Preview", "Approve", "Deploy"],
                f"{PROD}-promote": ["Source", "PlanPromotion", "Approve", "Promote", "Deploy"],
            },
        ),
    ):
        template.resource_count_is("AWS::CodePipeline::Pipeline", 2)
        for name, expected in stages.items():
            found = template.find_resources(
                "AWS::CodePipeline::Pipeline", {"Properties": {"Name": name}}
            )
            assert len(found) == 1, name
            pipeline = next(iter(found.values()))["Properties"]
            assert [s["Name"] for s in pipeline["Stages"]] == expected
            assert pipeline["PipelineType"] == "V2"
            assert pipeline["ExecutionMode"] == "QUEUED"
    build_stage_template.has_resource_properties(
        "AWS::CodePipeline::Pipeline",
        {
            "Name": f"{DEV}-app",
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
