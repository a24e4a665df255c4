"""The talk's stack rules on the synthesized templates (aws_cdk.assertions).

Expected values come from the talk and AWS's documentation, never from the Pulumi
program: this reference is what the Pulumi side is checked against.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from cdk_parity.compare.ecr_lifecycle import Image, expired
from cdk_parity.reference.stack import ContainerDeliveryStack
from cdk_parity.reference.synth import Synthesis

PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEV = "container-delivery-dev"
PROD = "container-delivery-prod"
#: Elastic Load Balancing's recommended TLS 1.3 policy (ELB docs, "Security policies").
TLS13_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


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
            },
        )


def _lifecycle_policy(template: Template, repository: str) -> dict[str, Any]:
    found = template.find_resources(
        "AWS::ECR::Repository", {"Properties": {"RepositoryName": repository}}
    )
    (resource,) = found.values()
    text = resource["Properties"]["LifecyclePolicy"]["LifecyclePolicyText"]
    policy: dict[str, Any] = json.loads(text)
    return policy


def test_lifecycle_rules_select_one_thing_each(dev_template: Template) -> None:
    """ECR ANDs the entries of a tag list, so each rule names one pattern (issue 10, #4)."""
    for image in ("lambda", "web"):
        rules = _lifecycle_policy(dev_template, f"{DEV}-{image}")["rules"]
        assert [(r["rulePriority"], r["selection"]) for r in rules] == [
            (
                1,
                {
                    "tagStatus": "tagged",
                    "tagPatternList": ["initial"],
                    "countType": "imageCountMoreThan",
                    "countNumber": 1,
                },
            ),
            (
                2,
                {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countNumber": 7,
                    "countUnit": "days",
                },
            ),
            (
                3,
                {
                    "tagStatus": "tagged",
                    "tagPatternList": ["*"],
                    "countType": "imageCountMoreThan",
                    "countNumber": 30,  # ecrKeepImages in Pulumi.dev.yaml
                },
            ),
        ]


def test_lifecycle_expires_exactly_the_old_commits_and_old_untagged(
    dev_template: Template,
) -> None:
    """The placeholder, 40 commit images (one a day) and untagged layers, per ECR's rules."""
    images = [Image("initial", ("initial",), 60)]
    images += [Image(f"c{n}", (f"{n:07x}",), 41 - n) for n in range(1, 41)]  # c40 is newest
    images += [Image("u8", (), 8), Image("u7", (), 7), Image("u1", (), 1)]
    policy = _lifecycle_policy(dev_template, f"{DEV}-lambda")
    # Keep the 30 newest commits (c11..c40); untagged older than 7 days; never `initial`.
    assert expired(policy, images) == {f"c{n}" for n in range(1, 11)} | {"u8"}


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


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("initial", True),
        ("0a1b2c3", True),  # the talk: the first 7 characters of the commit hash
        ("0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", True),  # a full SHA-1
        ("latest", False),
        ("0a1b2c", False),
        ("0A1B2C3", False),
        ("0a1b2c3-dirty", False),
        ("x0a1b2c3", False),
        ("0a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", False),
    ],
)
def test_tag_parameters_store_only_tags(dev_template: Template, value: str, stored: bool) -> None:
    """SSM applies AllowedPattern to every PutParameter: only the placeholder or a commit."""
    parameters = dev_template.find_resources(
        "AWS::SSM::Parameter", {"Properties": {"Name": Match.string_like_regexp("/images/")}}
    )
    assert len(parameters) == 2
    for parameter in parameters.values():
        pattern = parameter["Properties"]["AllowedPattern"]
        assert (re.search(pattern, value) is not None) is stored, (pattern, value)


def test_tag_parameters_start_at_initial(dev_template: Template) -> None:
    for image in ("lambda", "web"):
        dev_template.has_resource_properties(
            "AWS::SSM::Parameter",
            {
                "Name": f"/container-delivery/dev/images/{image}/tag",
                "Type": "String",
                "Value": "initial",
            },
        )
    dev_template.has_resource_properties(
        "AWS::SSM::Parameter",
        {
            "Name": "/container-delivery/dev/deploy-manifest",
            "Value": {"Fn::Join": ["", Match.array_with([Match.string_like_regexp('"schema":2')])]},
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
        {"Port": 443, "Protocol": "HTTPS", "SslPolicy": TLS13_POLICY},
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
