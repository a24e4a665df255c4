"""Build once, promote, across two stacks: dev (the build stage) and prod (its promoted stage).

Each stack is evaluated in the account its stack file gives it (dev 111122223333, prod
444455556666), so what one side grants and what the other side calls meet on the same
ARNs. The expectations are written out from the naming rule (``<project>-<stack>-...``)
and AWS's documented pull requirements (README, "Build once, promote"), not computed with
the program's own helpers.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from infra_pulumi.plan import Plan, evaluate
from infra_pulumi.plan.mocks import released
from tests.iam_policy import Principal, resource_policy_allows
from tests.infra.roles import principals
from tests.infra.test_invoke_permissions import with_roles

DEV, PROD = "111122223333", "444455556666"
REGION = "ap-northeast-1"
DEV_LAMBDA = f"arn:aws:ecr:{REGION}:{DEV}:repository/container-delivery-dev-lambda"
DEV_WEB = f"arn:aws:ecr:{REGION}:{DEV}:repository/container-delivery-dev-web"
READER = f"arn:aws:iam::{DEV}:role/container-delivery-dev-promotion-reader"


def role(account: str, name: str) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


@pytest.fixture(scope="module")
def dev() -> Plan:
    return evaluate("dev", config=with_roles("dev"), account=DEV, invokes=released("abc1234"))


@pytest.fixture(scope="module")
def prod() -> Plan:
    return evaluate("prod", account=PROD, invokes=released("abc1234"))


def document(plan: Plan, name: str, key: str = "policy") -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(plan.named(name).inputs[key])
    return loaded


# --- What dev's repositories let prod do ---------------------------------------------


def test_prods_functions_may_pull_the_lambda_image_and_no_other_function(dev: Plan) -> None:
    policy = document(dev, "lambda-lambda-pull")
    prod_api = f"arn:aws:lambda:{REGION}:{PROD}:function:container-delivery-prod-api"

    def lambda_pull(source_arn: str, account: str) -> bool:
        context = {"aws:SourceArn": source_arn, "aws:SourceAccount": account}
        return all(
            resource_policy_allows(
                policy, action, principal="lambda.amazonaws.com", service=True, context=context
            )
            for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
        )

    assert lambda_pull(prod_api, PROD)
    # Another stack's function in prod's account, and prod's name in another account.
    assert not lambda_pull(
        f"arn:aws:lambda:{REGION}:{PROD}:function:container-delivery-qa-api", PROD
    )
    assert not lambda_pull(
        f"arn:aws:lambda:{REGION}:999988887777:function:container-delivery-prod-api", "999988887777"
    )
    # dev's own functions still pull, by exact name.
    assert lambda_pull(f"arn:aws:lambda:{REGION}:{DEV}:function:container-delivery-dev-api", DEV)
    assert not lambda_pull(f"arn:aws:lambda:{REGION}:{DEV}:function:other", DEV)


def test_whoever_deploys_prods_functions_may_pull_and_nothing_more(dev: Plan) -> None:
    """Lambda checks that the caller of CreateFunction/UpdateFunctionCode may pull: the
    account principal hands that to prod's own IAM. It grants no write, no read of tags."""
    policy = document(dev, "lambda-lambda-pull")
    for name in (
        "container-delivery-prod-infra-deploy-build",
        "container-delivery-prod-promote-build",
    ):
        for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"):
            assert resource_policy_allows(policy, action, principal=role(PROD, name)), (
                name,
                action,
            )
    for action in ("ecr:PutImage", "ecr:BatchDeleteImage", "ecr:SetRepositoryPolicy"):
        assert not resource_policy_allows(
            policy, action, principal=role(PROD, "container-delivery-prod-promote-build")
        ), action
    # The web repository has no account-wide pull: only prod's web tasks pull it.
    web = document(dev, "web-pull")
    assert not resource_policy_allows(
        web, "ecr:BatchGetImage", principal=role(PROD, "container-delivery-prod-promote-build")
    )


def test_prods_web_tasks_pull_the_web_image_as_their_execution_role(dev: Plan) -> None:
    web = document(dev, "web-pull")
    exec_role = role(PROD, "container-delivery-prod-web-exec")
    for action in (
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
    ):
        assert resource_policy_allows(web, action, principal=exec_role), action
    assert not resource_policy_allows(
        web, "ecr:BatchGetImage", principal=role(PROD, "container-delivery-prod-web-task")
    )
    assert not resource_policy_allows(
        web, "ecr:BatchGetImage", principal=role("999988887777", "container-delivery-prod-web-exec")
    )


@pytest.mark.parametrize("policy_name", ["lambda-lambda-pull", "web-pull"])
def test_only_the_roles_that_check_a_promoted_digest_read_its_tags(
    dev: Plan, policy_name: str
) -> None:
    policy = document(dev, policy_name)
    readers = [
        "container-delivery-prod-infra-preview-build",
        "container-delivery-prod-infra-deploy-build",
        "container-delivery-prod-github-preview",
        "container-delivery-prod-promote-build",
    ]
    for name in readers:
        for action in ("ecr:DescribeImages", "ecr:DescribeRepositories"):
            assert resource_policy_allows(policy, action, principal=role(PROD, name)), (
                name,
                action,
            )
    for other in ("container-delivery-prod-api-exec", "container-delivery-prod-web-exec"):
        assert not resource_policy_allows(policy, "ecr:DescribeImages", principal=role(PROD, other))


# --- ...and what prod's roles call on dev, allowed on both sides ------------------------


def test_every_cross_account_call_is_allowed_by_both_sides(dev: Plan, prod: Plan) -> None:
    """Cross-account access needs the caller's own policy and the resource's (IAM User
    Guide, "Cross-account policy evaluation logic"): each call prod's roles make on dev's
    repositories, or to assume dev's reader, is allowed by both."""
    roles = principals(prod)
    reader_trust = json.loads(dev.named("promotion-reader-role").inputs["assumeRolePolicy"])
    repositories = {
        DEV_LAMBDA: document(dev, "lambda-lambda-pull"),
        DEV_WEB: document(dev, "web-pull"),
    }
    calls = [
        *(
            (name, action, repository)
            for name in (
                "container-delivery-prod-infra-preview-build",
                "container-delivery-prod-infra-deploy-build",
                "container-delivery-prod-github-preview",
                "container-delivery-prod-promote-build",
            )
            for action in ("ecr:DescribeImages", "ecr:DescribeRepositories")
            for repository in (DEV_LAMBDA, DEV_WEB)
        ),
        ("container-delivery-prod-promote-build", "ecr:BatchGetImage", DEV_LAMBDA),
        ("container-delivery-prod-promote-build", "ecr:GetDownloadUrlForLayer", DEV_LAMBDA),
        ("container-delivery-prod-web-exec", "ecr:BatchGetImage", DEV_WEB),
        ("container-delivery-prod-web-exec", "ecr:GetDownloadUrlForLayer", DEV_WEB),
    ]
    for name, action, resource in calls:
        caller = roles[name]
        assert caller.allows(action, resource), (name, action, resource)
        assert resource_policy_allows(repositories[resource], action, principal=role(PROD, name)), (
            name,
            action,
            resource,
        )
    promote = roles["container-delivery-prod-promote-build"]
    assert promote.allows("sts:AssumeRole", READER)
    assert resource_policy_allows(
        reader_trust,
        "sts:AssumeRole",
        principal=role(PROD, "container-delivery-prod-promote-build"),
    )


def test_only_prods_promote_build_may_assume_the_reader(dev: Plan) -> None:
    trust = json.loads(dev.named("promotion-reader-role").inputs["assumeRolePolicy"])
    for name in ("container-delivery-prod-infra-deploy-build", "container-delivery-prod-api-exec"):
        assert not resource_policy_allows(trust, "sts:AssumeRole", principal=role(PROD, name))
    assert not resource_policy_allows(
        trust,
        "sts:AssumeRole",
        principal=role("999988887777", "container-delivery-prod-promote-build"),
    )
    assert not resource_policy_allows(
        trust, "sts:AssumeRole", principal="lambda.amazonaws.com", service=True
    )


# --- The reader role ------------------------------------------------------------------


def test_the_reader_reads_dev_and_writes_only_a_tag_on_its_two_repositories(dev: Plan) -> None:
    reader = principals(dev)["container-delivery-dev-promotion-reader"]
    assert reader.boundary is not None, "the reader carries dev's boundary"
    ssm = f"arn:aws:ssm:{REGION}:{DEV}:parameter/container-delivery/dev"
    readable = [
        f"{ssm}/deploy-manifest",
        f"{ssm}/images/lambda/tag",
        f"{ssm}/images/web/tag",
        f"{ssm}/images/lambda/failed-releases",
        f"{ssm}/images/web/failed-releases",
    ]
    for parameter in readable:
        assert reader.allows("ssm:GetParameter", parameter), parameter
        assert reader.allows("ssm:GetParameterHistory", parameter), parameter
        assert not reader.allows("ssm:PutParameter", parameter), parameter
    assert not reader.allows("ssm:GetParameter", f"{ssm}/images/lambda/release-lock")
    for repository in (DEV_LAMBDA, DEV_WEB):
        for action in ("ecr:DescribeImages", "ecr:BatchGetImage", "ecr:PutImage"):
            assert reader.allows(action, repository), (action, repository)
        for action in (
            "ecr:InitiateLayerUpload",
            "ecr:BatchDeleteImage",
            "ecr:SetRepositoryPolicy",
        ):
            assert not reader.allows(action, repository), (action, repository)
    # PutImage on exactly the two repositories: no other of dev's, none of prod's.
    assert not reader.allows("ecr:PutImage", f"arn:aws:ecr:{REGION}:{DEV}:repository/other")
    assert not reader.allows(
        "ecr:PutImage", f"arn:aws:ecr:{REGION}:{PROD}:repository/container-delivery-prod-lambda"
    )
    function = f"arn:aws:lambda:{REGION}:{DEV}:function:container-delivery-dev-api"
    assert reader.allows("lambda:GetFunction", f"{function}:live")
    assert not reader.allows("lambda:UpdateFunctionCode", function)
    service = (
        f"arn:aws:ecs:{REGION}:{DEV}:service/container-delivery-dev/container-delivery-dev-web"
    )
    assert reader.allows("ecs:DescribeServices", service)
    assert not reader.allows("ecs:UpdateService", service)
    assert not reader.allows("sts:AssumeRole", role(DEV, "admin"))
    assert not reader.allows("iam:PassRole", role(DEV, "container-delivery-dev-api-exec"))


# --- The boundaries ---------------------------------------------------------------------


def boundary_of(plan: Plan, name: str) -> Principal:
    return principals(plan)[name]


def test_prods_boundary_lets_its_roles_assume_devs_reader_and_no_other_outside_role(
    prod: Plan,
) -> None:
    promote = boundary_of(prod, "container-delivery-prod-promote-build")
    assert promote.allows("sts:AssumeRole", READER)
    assert not promote.allows("sts:AssumeRole", role(DEV, "admin"))
    assert not promote.allows(
        "sts:AssumeRole", role(DEV, "container-delivery-dev-infra-deploy-build")
    )
    # The boundary's deny names the reader; with it gone the promotion would be refused.
    assert promote.boundary is not None
    planted = copy.deepcopy(dict(promote.boundary))
    for statement in planted["Statement"]:
        if statement.get("Sid") == "AssumeOnlyThisStacksRoles":
            statement["NotResource"] = f"arn:aws:iam::{PROD}:role/container-delivery-prod-*"
    promote.boundary = planted
    assert not promote.allows("sts:AssumeRole", READER)


def test_a_build_stage_assumes_no_role_outside_itself(dev: Plan) -> None:
    (boundary,) = dev.of_type("aws:iam/policy:Policy")
    (deny,) = [
        s
        for s in json.loads(boundary.inputs["policy"])["Statement"]
        if s.get("Sid") == "AssumeOnlyThisStacksRoles"
    ]
    assert deny["NotResource"] == f"arn:aws:iam::{DEV}:role/container-delivery-dev-*"


# --- dev's lifecycle keeps what prod runs -------------------------------------------------


def rules(plan: Plan, repository: str) -> list[dict[str, Any]]:
    (policy,) = [
        p
        for p in plan.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy")
        if p.inputs["repository"] == repository
    ]
    found: list[dict[str, Any]] = json.loads(policy.inputs["policy"])["rules"]
    return found


def test_the_build_stage_keeps_promoted_images_right_after_the_placeholder(
    dev: Plan, prod: Plan
) -> None:
    for image in ("lambda", "web"):
        found = rules(dev, f"container-delivery-dev-{image}")
        assert [r["rulePriority"] for r in found] == [1, 2, 3, 4]
        assert found[1]["selection"] == {
            "tagStatus": "tagged",
            "tagPrefixList": ["promoted-"],
            "countType": "imageCountMoreThan",
            "countNumber": 1000,
        }
        # A promoted stage's own repositories hold only its placeholder: no such rule.
        assert [r["rulePriority"] for r in rules(prod, f"container-delivery-prod-{image}")] == [
            1,
            2,
            3,
        ]


# --- One account for both stages -----------------------------------------------------------


def test_both_stages_in_one_account(prod: Plan) -> None:
    """Without accounts in the config, both sides default to their own account: here the
    same one. The ARNs are the same shapes, in that account."""
    one = "123456789012"
    dev = evaluate(
        "dev",
        config={**with_roles("dev"), "promotesTo": [{"stack": "prod"}]},
        account=one,
        invokes=released("abc1234"),
    )
    same = evaluate(
        "prod",
        config={"promoteFrom": {"stack": "dev"}},
        account=one,
        invokes=released("abc1234"),
    )
    (function,) = [
        f for f in same.of_type("aws:lambda/function:Function") if "api" in f.inputs["name"]
    ]
    assert function.inputs["imageUri"].startswith(
        f"{one}.dkr.ecr.{REGION}.amazonaws.com/container-delivery-dev-lambda@sha256:"
    )
    reader = role(one, "container-delivery-dev-promotion-reader")
    promote = principals(same)["container-delivery-prod-promote-build"]
    assert promote.allows("sts:AssumeRole", reader)
    trust = json.loads(dev.named("promotion-reader-role").inputs["assumeRolePolicy"])
    assert resource_policy_allows(
        trust, "sts:AssumeRole", principal=role(one, "container-delivery-prod-promote-build")
    )
    pull = document(dev, "lambda-lambda-pull")
    context = {
        "aws:SourceArn": f"arn:aws:lambda:{REGION}:{one}:function:container-delivery-prod-api",
        "aws:SourceAccount": one,
    }
    assert resource_policy_allows(
        pull, "ecr:BatchGetImage", principal="lambda.amazonaws.com", service=True, context=context
    )
    manifest = json.loads(same.named("deploy-manifest-parameter").inputs["insecureValue"])
    assert manifest["stage"]["from"]["account"] == one
    assert manifest["stage"]["from"]["readerRoleArn"] == reader
