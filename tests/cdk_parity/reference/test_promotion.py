"""Build once, promote, in the CDK reference: dev (the build stage) and prod (promoted).

Expected values come from the stack files, the naming rule and AWS's documentation
(Lambda cross-account pulls, ECR repository policies, IAM cross-account trust), never
from the Pulumi program.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

import pytest
from aws_cdk.assertions import Template

from cdk_parity.compare.intrinsics import Renderer
from cdk_parity.reference.tag_lookup import TagLookupOptions, TagMode
from tests.cdk_parity.conftest import build

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

ACCOUNT = "123456789012"
REGION = "ap-northeast-1"
DEV_ACCOUNT, PROD_ACCOUNT = "111122223333", "444455556666"
DIGEST = "sha256:" + "ab" * 32
READER = f"arn:aws:iam::{DEV_ACCOUNT}:role/container-delivery-dev-promotion-reader"


class _Released:
    """synth-time SSM answers after a promotion: the tag, and the digest next to it."""

    def get_parameter(self, Name: str, **_: Any) -> dict[str, Any]:  # noqa: N803 - boto3's name
        value = DIGEST if Name.endswith("/digest") else "0a1b2c3"
        return {"Parameter": {"Name": Name, "Type": "String", "Value": value}}


def rendered(template: Template) -> Any:
    raw = template.to_json()
    return Renderer(raw, ACCOUNT, REGION).render(raw["Resources"])


def one(resources: dict[str, Any], typ: str, **props: Any) -> dict[str, Any]:
    found = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == typ and all(r["Properties"].get(k) == v for k, v in props.items())
    ]
    assert len(found) == 1, (typ, props, len(found))
    return found[0]


@pytest.fixture(scope="module")
def promoted() -> Template:
    """prod after a promotion, synth-time mode."""
    client = cast("SSMClient", _Released())
    options = TagLookupOptions(mode=TagMode.SYNTH_TIME, ssm_client_factory=lambda _: client)
    return Template.from_stack(build("prod", options))


def test_dev_lets_prod_pull_read_and_nothing_else(dev_template: Template) -> None:
    resources = rendered(dev_template)
    lambda_policy = one(
        resources, "AWS::ECR::Repository", RepositoryName="container-delivery-dev-lambda"
    )
    statements = {s.get("Sid"): s for s in lambda_policy["RepositoryPolicyText"]["Statement"]}
    functions = statements["PromotedStagesFunctionsPull"]
    assert functions["Principal"] == {"Service": "lambda.amazonaws.com"}
    prod_functions = f"arn:aws:lambda:{REGION}:{PROD_ACCOUNT}:function:container-delivery-prod-*"
    assert functions["Condition"] == {
        "StringLike": {"aws:sourceArn": [prod_functions]},
        "StringEquals": {"aws:sourceAccount": [PROD_ACCOUNT]},
    }
    root = f"arn:aws:iam::{PROD_ACCOUNT}:root"
    assert statements["PromotedAccountsDeployFunctions"]["Principal"] == {"AWS": root}
    readers = statements["PromotedStagesReadImageTags"]["Condition"]["ArnEquals"][
        "aws:PrincipalArn"
    ]
    assert f"arn:aws:iam::{PROD_ACCOUNT}:role/container-delivery-prod-promote-build" in readers
    web_policy = one(resources, "AWS::ECR::Repository", RepositoryName="container-delivery-dev-web")
    web = {s.get("Sid"): s for s in web_policy["RepositoryPolicyText"]["Statement"]}
    web_exec = f"arn:aws:iam::{PROD_ACCOUNT}:role/container-delivery-prod-web-exec"
    assert web["PromotedStagesWebTasksPull"]["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": [web_exec]}
    }
    assert "PromotedStagesFunctionsPull" not in web


def test_devs_reader_is_assumed_by_prods_promote_build_only(dev_template: Template) -> None:
    reader = one(
        rendered(dev_template), "AWS::IAM::Role", RoleName="container-delivery-dev-promotion-reader"
    )
    (trust,) = reader["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": f"arn:aws:iam::{PROD_ACCOUNT}:root"}
    promote = f"arn:aws:iam::{PROD_ACCOUNT}:role/container-delivery-prod-promote-build"
    assert trust["Condition"] == {"ArnEquals": {"aws:PrincipalArn": [promote]}}
    assert (
        reader["PermissionsBoundary"]
        == f"arn:aws:iam::{ACCOUNT}:policy/container-delivery-dev-boundary"
    )


def test_prod_runs_the_build_stages_digest(promoted: Template) -> None:
    resources = rendered(promoted)
    source = f"{DEV_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/container-delivery-dev"
    functions = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Function"
                 and r["Properties"].get("PackageType") == "Image"]  # fmt: skip
    assert {f["Code"]["ImageUri"] for f in functions} == {f"{source}-lambda@{DIGEST}"}
    task = one(resources, "AWS::ECS::TaskDefinition", Family="container-delivery-prod-web")
    assert task["ContainerDefinitions"][0]["Image"] == f"{source}-web@{DIGEST}"


def test_prod_before_a_promotion_runs_its_own_placeholder(prod_template: Template) -> None:
    resources = rendered(prod_template)
    functions = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Lambda::Function"
                 and r["Properties"].get("PackageType") == "Image"]  # fmt: skip
    own = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/container-delivery-prod-lambda:initial"
    assert {f["Code"]["ImageUri"] for f in functions} == {own}


def test_prods_digest_parameters_manifest_and_boundary(prod_template: Template) -> None:
    resources = rendered(prod_template)
    for image in ("lambda", "web"):
        parameter = one(
            resources, "AWS::SSM::Parameter", Name=f"/container-delivery/prod/images/{image}/digest"
        )
        assert parameter["Value"] == "initial"
        assert parameter["AllowedPattern"] == r"^sha256:[0-9a-f]{64}$|^initial$"
    manifest = one(
        resources, "AWS::SSM::Parameter", Name="/container-delivery/prod/deploy-manifest"
    )
    document = json.loads(manifest["Value"])
    assert document["schema"] == 4
    assert document["lockTable"] == "container-delivery-prod-release-locks"
    assert document["stage"]["from"] == {
        "stack": "dev",
        "account": DEV_ACCOUNT,
        "region": REGION,
        "manifestParameter": "/container-delivery/dev/deploy-manifest",
        "readerRoleArn": READER,
    }
    assert document["images"]["web"]["repositoryUrl"] == (
        f"{DEV_ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/container-delivery-dev-web"
    )
    boundary = one(
        resources, "AWS::IAM::ManagedPolicy", ManagedPolicyName="container-delivery-prod-boundary"
    )
    (deny,) = [
        s
        for s in boundary["PolicyDocument"]["Statement"]
        if s.get("Sid") == "AssumeOnlyThisStacksRoles"
    ]
    assert deny["NotResource"] == [f"arn:aws:iam::{ACCOUNT}:role/container-delivery-prod-*", READER]


def test_prods_promote_pipeline_shows_the_plan_and_starts_by_hand(prod_template: Template) -> None:
    pipeline = one(
        rendered(prod_template),
        "AWS::CodePipeline::Pipeline",
        Name="container-delivery-prod-promote",
    )
    assert "Triggers" not in pipeline
    stages = {s["Name"]: s["Actions"][0] for s in pipeline["Stages"]}
    approval = stages["Approve"]["Configuration"]["CustomData"]
    for variable in ("PROMOTE_TAG", "PROMOTE_FROM", "PROMOTE_LAMBDA_DIGEST", "PROMOTE_WEB_DIGEST"):
        assert f"#{{Plan.{variable}}}" in approval
    assert stages["PlanPromotion"]["Namespace"] == "Plan"
    promote = json.loads(stages["Promote"]["Configuration"]["EnvironmentVariables"])
    assert {"name": "PROMOTE_TAG", "type": "PLAINTEXT", "value": "#{Plan.PROMOTE_TAG}"} in promote


def test_deploy_time_mode_resolves_the_digest_in_cloudformation() -> None:
    """The talk's original mode: the digest parameter is a template parameter, so a
    promoted stage's first deploy needs a promotion first (like the talk's point 7)."""
    template = Template.from_stack(build("prod", TagLookupOptions(mode=TagMode.DEPLOY_TIME)))
    parameters = template.to_json()["Parameters"]
    defaults = {p.get("Default") for p in parameters.values() if "SSM" in str(p.get("Type"))}
    assert "/container-delivery/prod/images/lambda/digest" in defaults
    assert "/container-delivery/prod/images/lambda/tag" not in defaults
