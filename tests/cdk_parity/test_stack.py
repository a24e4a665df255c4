"""The talk's stack rules on the synthesized templates (aws_cdk.assertions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Match, Template

from cdk_parity.stack import ContainerDeliveryStack
from cdk_parity.synth import Synthesis
from infra_pulumi.components.load_balancer import TLS_POLICY
from infra_pulumi.components.tag_parameter import ALLOWED_TAG_PATTERN
from infra_pulumi.plan.runner import PROJECT_ROOT

DEV = "container-delivery-dev"
PROD = "container-delivery-prod"


def _logical_id(template: Template, typ: str, props: dict[str, Any]) -> str:
    found = template.find_resources(typ, {"Properties": Match.object_like(props)})
    assert len(found) == 1, f"expected one {typ} with {props}, found {sorted(found)}"
    return next(iter(found))


def _tag_parameter_ref(template: Template, image: str) -> dict[str, str]:
    """``{"Ref": <logical id>}`` of the deploy-time SSM-typed template parameter of an image."""
    parameters = template.find_parameters(
        "*",
        {
            "Type": "AWS::SSM::Parameter::Value<String>",
            "Default": f"/container-delivery/dev/images/{image}/tag",
        },
    )
    assert len(parameters) == 1, parameters
    return {"Ref": next(iter(parameters))}


def test_both_repositories_are_immutable_except_the_placeholder_tag(
    dev_template: Template,
) -> None:
    dev_template.resource_count_is("AWS::ECR::Repository", 2)
    for image in ("lambda", "web"):
        dev_template.has_resource_properties(
            "AWS::ECR::Repository",
            {
                "RepositoryName": f"{DEV}-{image}",
                "ImageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                "ImageTagMutabilityExclusionFilters": [
                    {
                        "ImageTagMutabilityExclusionFilterType": "WILDCARD",
                        "ImageTagMutabilityExclusionFilterValue": "initial",
                    }
                ],
                "ImageScanningConfiguration": {"ScanOnPush": True},
                "EncryptionConfiguration": {"EncryptionType": "KMS"},
                "LifecyclePolicy": {
                    "LifecyclePolicyText": Match.serialized_json(
                        {
                            "rules": Match.array_with(
                                [
                                    Match.object_like(
                                        {
                                            "rulePriority": 2,
                                            "selection": Match.object_like(
                                                {
                                                    "tagStatus": "tagged",
                                                    "tagPrefixList": list("0123456789abcdef"),
                                                    "countNumber": 30,
                                                }
                                            ),
                                        }
                                    )
                                ]
                            )
                        }
                    )
                },
            },
        )


def test_lambda_repository_lets_exactly_the_named_functions_pull(dev_template: Template) -> None:
    arns = [
        {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    f":lambda:ap-northeast-1:123456789012:function:{DEV}-{name}",
                ],
            ]
        }
        for name in ("api", "nightly-report")
    ]
    dev_template.has_resource_properties(
        "AWS::ECR::Repository",
        {
            "RepositoryName": f"{DEV}-lambda",
            "RepositoryPolicyText": Match.object_like(
                {
                    "Statement": Match.array_with(
                        [
                            Match.object_like(
                                {
                                    "Sid": "LambdaPullForNamedFunctions",
                                    "Principal": {"Service": "lambda.amazonaws.com"},
                                    "Condition": {"StringEquals": {"aws:sourceArn": arns}},
                                }
                            )
                        ]
                    )
                }
            ),
        },
    )


def test_placeholder_is_copied_as_initial_by_ecr_deployment(dev_template: Template) -> None:
    dev_template.resource_count_is("Custom::CDKECRDeployment", 2)
    for image, repository in (("lambda", "LambdaRepository"), ("web", "WebRepository")):
        repo_id = _logical_id(
            dev_template, "AWS::ECR::Repository", {"RepositoryName": f"{DEV}-{image}"}
        )
        assert repo_id.startswith(repository)
        dev_template.has_resource_properties(
            "Custom::CDKECRDeployment",
            {
                "SrcImage": {
                    "Fn::Join": [
                        "",
                        [
                            "docker://",
                            {
                                "Fn::Sub": Match.string_like_regexp(
                                    r"cdk-hnb659fds-container-assets-123456789012-ap-northeast-1:"
                                )
                            },
                        ],
                    ]
                },
                "DestImage": {"Fn::Join": ["", Match.array_with([{"Ref": repo_id}, ":initial"])]},
            },
        )


def test_functions_run_the_lambda_image_at_the_deploy_time_tag(dev_template: Template) -> None:
    tag = _tag_parameter_ref(dev_template, "lambda")
    repo_id = _logical_id(dev_template, "AWS::ECR::Repository", {"RepositoryName": f"{DEV}-lambda"})
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
    deployment = _logical_id(
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
    for logical_id, function in functions.items():
        assert deployment in function.get("DependsOn", []), logical_id


def test_tag_parameters_start_at_initial_with_the_allowed_pattern(dev_template: Template) -> None:
    for image in ("lambda", "web"):
        dev_template.has_resource_properties(
            "AWS::SSM::Parameter",
            {
                "Name": f"/container-delivery/dev/images/{image}/tag",
                "Type": "String",
                "Value": "initial",
                "AllowedPattern": ALLOWED_TAG_PATTERN,
            },
        )
    dev_template.has_resource_properties(
        "AWS::SSM::Parameter",
        {
            "Name": "/container-delivery/dev/deploy-manifest",
            "Value": {"Fn::Join": ["", Match.array_with([Match.string_like_regexp('"schema":1')])]},
        },
    )


def test_task_definition_runs_the_web_repository_at_the_tag(dev_template: Template) -> None:
    tag = _tag_parameter_ref(dev_template, "web")
    repo_id = _logical_id(dev_template, "AWS::ECR::Repository", {"RepositoryName": f"{DEV}-web"})
    dev_template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "Family": f"{DEV}-web",
            "RequiresCompatibilities": ["FARGATE"],
            "ContainerDefinitions": [
                Match.object_like(
                    {
                        "Name": "web",
                        "Image": {"Fn::Join": ["", Match.array_with([{"Ref": repo_id}, ":", tag])]},
                        "PortMappings": [{"ContainerPort": 8000, "Protocol": "tcp"}],
                    }
                )
            ],
        },
    )


def test_web_service_behind_the_load_balancer(dev_template: Template) -> None:
    dev_template.has_resource_properties(
        "AWS::ECS::Cluster",
        {
            "ClusterName": DEV,
            "ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}],
        },
    )
    dev_template.has_resource_properties(
        "AWS::ECS::Service",
        {
            "ServiceName": f"{DEV}-web",
            "LaunchType": "FARGATE",
            "DeploymentConfiguration": Match.object_like(
                {"DeploymentCircuitBreaker": {"Enable": True, "Rollback": True}}
            ),
            "LoadBalancers": [Match.object_like({"ContainerName": "web", "ContainerPort": 8000})],
        },
    )
    dev_template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {"Name": f"{DEV}-8000", "Port": 8000, "TargetType": "ip", "HealthCheckPath": "/healthz"},
    )
    dev_template.resource_count_is("AWS::EC2::NatGateway", 1)
    dev_template.resource_count_is("AWS::EC2::Subnet", 4)


def test_security_groups_allow_internet_to_alb_and_alb_to_tasks_only(
    dev_template: Template,
) -> None:
    alb = _logical_id(dev_template, "AWS::EC2::SecurityGroup", {"GroupName": f"{DEV}-alb"})
    tasks = _logical_id(dev_template, "AWS::EC2::SecurityGroup", {"GroupName": f"{DEV}-web-tasks"})
    dev_template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "GroupName": f"{DEV}-web-tasks",
            "SecurityGroupEgress": [
                Match.object_like({"CidrIp": "0.0.0.0/0", "FromPort": 443, "ToPort": 443})
            ],
        },
    )
    dev_template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "GroupId": {"Fn::GetAtt": [tasks, "GroupId"]},
            "SourceSecurityGroupId": {"Fn::GetAtt": [alb, "GroupId"]},
            "FromPort": 8000,
        },
    )
    dev_template.has_resource_properties(
        "AWS::EC2::SecurityGroupEgress",
        {
            "GroupId": {"Fn::GetAtt": [alb, "GroupId"]},
            "DestinationSecurityGroupId": {"Fn::GetAtt": [tasks, "GroupId"]},
            "FromPort": 8000,
        },
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


def test_prod_https_listener_and_github_role(prod_template: Template) -> None:
    prod_template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"Port": 443, "Protocol": "HTTPS", "SslPolicy": TLS_POLICY},
    )
    prod_template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"Port": 80, "DefaultActions": [Match.object_like({"Type": "redirect"})]},
    )
    prod_template.resource_count_is("AWS::IAM::OIDCProvider", 1)
    prod_template.has_resource_properties("AWS::IAM::Role", {"RoleName": f"{PROD}-github-preview"})


def test_prod_synth_time_offline_pins_the_placeholder(
    prod_stack: ContainerDeliveryStack, prod_template: Template
) -> None:
    assert {i: (r.tag, r.source) for i, r in prod_stack.resolved_tags.items()} == {
        "lambda": ("initial", "placeholder"),
        "web": ("initial", "placeholder"),
    }
    prod_template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "FunctionName": f"{PROD}-api",
            "Code": {"ImageUri": {"Fn::Join": ["", Match.array_with([":initial"])]}},
        },
    )
    assert not prod_template.find_parameters("*", {"Default": Match.string_like_regexp("/images/")})


def test_synth_stages_both_placeholder_contexts_without_docker(
    lookup_synthesis: Synthesis, lookup_outdir: Path
) -> None:
    assets = json.loads((lookup_outdir / f"{lookup_synthesis.stack_name}.assets.json").read_text())
    images = list(assets["dockerImages"].values())
    assert len(images) == 2
    staged = {
        (lookup_outdir / image["source"]["directory"] / "Dockerfile").read_text(): image["source"]
        for image in images
    }
    for context in ("docker/initial_lambda", "docker/initial_web"):
        dockerfile = (PROJECT_ROOT / context / "Dockerfile").read_text()
        assert dockerfile in staged, f"{context} was not staged into the cloud assembly"
        assert staged[dockerfile]["platform"] == "linux/amd64"
