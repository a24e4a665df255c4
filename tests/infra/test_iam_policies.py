"""Every IAM policy document the stack emits, linted with parliament (a real IAM linter).

The test fails on ``"Action": "*"``, on write actions with ``"Resource": "*"`` (except
the documented ones below), and on actions that do not exist. Managed policies attached
to the roles (PowerUserAccess, AWSCodeDeployRoleForLambdaLimited) are AWS's own and are listed, not
linted; the README documents that scope.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from parliament import analyze_policy_string, expand_action, iam_definition

from infra_pulumi.plan import Plan, PlannedResource

#: Actions allowed on "*", each because AWS offers no resource-level permission for it.
RESOURCE_STAR_EXCEPTIONS = {
    "ecr:GetAuthorizationToken": "registry login is not resource-scoped",
    "ecs:DescribeTaskDefinition": "not resource-scoped (read)",
    "ecs:ListTasks": (
        "its only resource type is container-instance, which Fargate tasks lack; "
        "scoped by the ecs:cluster condition instead (checked in test_pipelines)"
    ),
    "ec2:DescribeAvailabilityZones": "not resource-scoped (read)",
    "codedeploy:StopDeployment": (
        "the Service Authorization Reference lists no resource type for it (the request "
        "names a deployment id)"
    ),
}

#: Statements of the permissions boundary on "Resource": "*", by Sid. A boundary grants
#: nothing: it is the ceiling of the roles that carry it (each still needs its own policy),
#: so its widest statements draw that ceiling; tests/infra/test_escalation.py checks it.
BOUNDARY_CEILING_SIDS = {
    "ServicesUpToPowerUser": "every service but IAM and the organization, as PowerUserAccess",
    "ReadIam": "IAM reads; the List actions take no resource",
}

#: Documents that are resource-based: the resource they apply to is implied.
RESOURCE_POLICY_TYPES = {
    "aws:ecr/repositoryPolicy:RepositoryPolicy": (
        "arn:aws:ecr:ap-northeast-1:123456789012:repository/x"
    ),
    # A key policy's "Resource": "*" is the key itself.
    "aws:kms/key:Key": "arn:aws:kms:ap-northeast-1:123456789012:key/x",
}

WRITE_LEVELS = {"Write", "Permissions management", "Tagging"}


def documents(plan: Plan) -> Iterator[tuple[PlannedResource, str, dict[str, Any]]]:
    for resource in plan.resources:
        if resource.type == "aws:ecr/lifecyclePolicy:LifecyclePolicy":
            continue  # an ECR lifecycle document, not IAM
        for key in ("policy", "assumeRolePolicy"):
            if key in resource.inputs:
                yield resource, key, json.loads(resource.inputs[key])


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def access_level(action: str) -> str:
    (service, name) = action.split(":")
    for entry in iam_definition:
        if entry["prefix"] == service:
            for privilege in entry["privileges"]:
                if privilege["privilege"].lower() == name.lower():
                    return str(privilege["access_level"])
    raise KeyError(action)


def lint(resource: PlannedResource, key: str, document: dict[str, Any]) -> list[str]:
    """Problems in one document, as readable strings naming the resource."""
    where = f"{resource.urn} ({key})"
    problems: list[str] = []
    implied = RESOURCE_POLICY_TYPES.get(resource.type)
    if implied is not None and key == "policy":
        document = {
            **document,
            "Statement": [{**s, "Resource": implied} for s in statements(document)],
        }
    boundary = resource.type == "aws:iam/policy:Policy"
    if boundary:
        document = {
            **document,
            "Statement": [
                s for s in statements(document) if s.get("Sid") not in BOUNDARY_CEILING_SIDS
            ],
        }
    for statement in statements(document):
        actions = as_list(statement.get("Action", []))
        if statement.get("Effect") == "Allow" and any(a in ("*", "*:*") for a in actions):
            problems.append(f'{where}: "Action": "*"')
        for action in actions:
            try:
                expand_action(action)
            except Exception as exc:  # noqa: BLE001 - parliament's Unknown*Exception
                problems.append(f"{where}: {exc}")
        if statement.get("Effect") == "Allow" and "*" in as_list(statement.get("Resource", [])):
            for action in actions:
                if action in RESOURCE_STAR_EXCEPTIONS:
                    continue
                for expanded in expand_action(action, raise_exceptions=False):
                    full = f"{expanded['service']}:{expanded['action']}"
                    level = access_level(full)
                    if level in WRITE_LEVELS:
                        problems.append(f'{where}: {level} action {full} on "Resource": "*"')

    if key == "assumeRolePolicy":
        return problems  # trust policies have no Resource; their actions were checked above
    for finding in analyze_policy_string(json.dumps(document)).findings:
        if resource.type == "aws:kms/key:Key" and finding.issue == "RESOURCE_MISMATCH":
            # parliament checks identity-policy resource formats; in a key policy every
            # statement's resource is the key itself, and the root delegation statement
            # is AWS's default "kms:*" (KMS Developer Guide, "Default key policy").
            continue
        detail = finding.detail
        if finding.issue == "MISMATCHED_TYPE_BUT_USABLE" and _permissions_boundary_key(document):
            # parliament types iam:PermissionsBoundary as an ARN; the IAM User Guide's
            # delegation examples compare it with StringEquals, as here.
            continue
        if finding.issue == "RESOURCE_STAR":
            detail = [a for a in detail if a not in RESOURCE_STAR_EXCEPTIONS]
            if not detail:
                continue
        problems.append(f"{where}: parliament {finding.issue}: {detail}")
    return list(dict.fromkeys(problems))


def _permissions_boundary_key(document: dict[str, Any]) -> bool:
    return any(
        "iam:PermissionsBoundary" in condition
        for s in statements(document)
        for condition in (s.get("Condition") or {}).values()
    )


def test_every_policy_document_passes(prod_plan: Plan, first_deploy_plan: Plan) -> None:
    checked = 0
    problems: list[str] = []
    for plan in (prod_plan, first_deploy_plan):
        for resource, key, document in documents(plan):
            problems += lint(resource, key, document)
            checked += 1
    assert checked >= 25, f"expected to lint the whole stack, linted {checked} documents"
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, '"Action": "*"'),
        (
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"},
            'Write action s3:PutObject on "Resource": "*"',
        ),
        (
            {
                "Effect": "Allow",
                "Action": "lambda:UpdateFunctionCod",
                "Resource": "arn:aws:lambda:*",
            },
            "Unknown action lambda:UpdateFunctionCod",
        ),
        (
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
            'action iam:PassRole on "Resource": "*"',
        ),
    ],
)
def test_the_lint_catches_bad_statements(statement: dict[str, Any], expected: str) -> None:
    resource = PlannedResource(
        urn="urn:test",
        type="aws:iam/rolePolicy:RolePolicy",
        name="bad",
        custom=True,
        parent="",
        inputs={},
        outputs={},
        dependencies=(),
        ignore_changes=(),
    )
    problems = lint(resource, "policy", {"Version": "2012-10-17", "Statement": [statement]})
    assert any(expected in p for p in problems), problems


def test_managed_policies_are_only_the_documented_ones(prod_plan: Plan) -> None:
    attached = {
        (p.parent.rsplit("::", 1)[-1], p.inputs["policyArn"])
        for p in prod_plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    assert attached == {
        ("infra-deploy", "arn:aws:iam::aws:policy/PowerUserAccess"),
        # CodeDeploy's service role: AWS's managed policy for Lambda deployments.
        (
            "lambda-deployments",
            "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited",
        ),
    }


def test_app_build_role_names_exact_arns(prod_build_stage_plan: Plan) -> None:
    (app_policy,) = [
        p
        for p in prod_build_stage_plan.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.parent.endswith("BuildProject::app-build")
    ]
    by_sid = {s["Sid"]: s for s in json.loads(app_policy.inputs["policy"])["Statement"]}
    region_account = "ap-northeast-1:123456789012"
    assert by_sid["EcrLogin"]["Resource"] == "*"
    assert by_sid["PushAndCheckOwnImages"]["Resource"] == [
        f"arn:aws:ecr:{region_account}:repository/container-delivery-prod-lambda",
        f"arn:aws:ecr:{region_account}:repository/container-delivery-prod-web",
    ]
    assert by_sid["RecordReleasedTags"]["Resource"] == [
        f"arn:aws:ssm:{region_account}:parameter/container-delivery/prod/images/lambda/tag",
        f"arn:aws:ssm:{region_account}:parameter/container-delivery/prod/images/web/tag",
    ]
    assert by_sid["HoldReleaseLocks"]["Resource"] == [
        f"arn:aws:ssm:{region_account}:parameter/container-delivery/prod/images/lambda/release-lock",
        f"arn:aws:ssm:{region_account}:parameter/container-delivery/prod/images/web/release-lock",
    ]
    assert by_sid["RecordFailedReleases"]["Resource"] == [
        f"arn:aws:ssm:{region_account}:parameter/container-delivery/prod/images/lambda/failed-releases",
        f"arn:aws:ssm:{region_account}:parameter/container-delivery/prod/images/web/failed-releases",
    ]
    assert by_sid["ReadDeployManifest"]["Resource"] == (
        f"arn:aws:ssm:{region_account}:parameter/container-delivery/prod/deploy-manifest"
    )
    assert_lambda_release_grants(by_sid)
    assert by_sid["ReadWebService"]["Resource"] == (
        f"arn:aws:ecs:{region_account}:service/container-delivery-prod/container-delivery-prod-web"
    )
    assert by_sid["OwnLogGroupOnly"]["Resource"] == (
        f"arn:aws:logs:{region_account}:log-group:/aws/codebuild/container-delivery-prod-app-build:*"
    )
    stars = [s["Sid"] for s in by_sid.values() if s["Resource"] == "*"]
    assert stars == ["EcrLogin", "StopOwnDeployments", "ReadTaskDefinitions"]


REGION_ACCOUNT = "ap-northeast-1:123456789012"
PROD_FUNCTIONS = ("container-delivery-prod-nightly-report", "container-delivery-prod-api")


def assert_lambda_release_grants(by_sid: dict[str, dict[str, Any]]) -> None:
    """SPEC-14's list for a Lambda release, each on exact ARNs written out here."""
    functions = [f"arn:aws:lambda:{REGION_ACCOUNT}:function:{f}" for f in PROD_FUNCTIONS]
    assert by_sid["ReleaseNamedFunctions"]["Action"] == [
        "lambda:GetAlias",
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "lambda:PublishVersion",
        "lambda:UpdateFunctionCode",
    ]
    assert by_sid["ReleaseNamedFunctions"]["Resource"] == [
        *functions,
        *(f"{arn}:live" for arn in functions),
    ]
    codedeploy = f"arn:aws:codedeploy:{REGION_ACCOUNT}"
    assert by_sid["DeployThroughOwnGroups"]["Action"] == [
        "codedeploy:BatchGetDeployments",
        "codedeploy:CreateDeployment",
        "codedeploy:ListDeployments",
    ]
    assert by_sid["DeployThroughOwnGroups"]["Resource"] == [
        f"{codedeploy}:deploymentgroup:container-delivery-prod-lambda/container-delivery-prod-nightly-report",
        f"{codedeploy}:deploymentgroup:container-delivery-prod-lambda/container-delivery-prod-api",
    ]
    assert by_sid["StopOwnDeployments"] == {
        "Sid": "StopOwnDeployments",
        "Effect": "Allow",
        "Action": "codedeploy:StopDeployment",
        "Resource": "*",
    }
    assert by_sid["RegisterRevisions"]["Resource"] == (
        f"{codedeploy}:application:container-delivery-prod-lambda"
    )
    # The prod groups' canary config and AllAtOnce, which rollback deploys with.
    assert by_sid["ReadDeploymentConfigs"]["Resource"] == [
        f"{codedeploy}:deploymentconfig:CodeDeployDefault.LambdaAllAtOnce",
        f"{codedeploy}:deploymentconfig:CodeDeployDefault.LambdaCanary10Percent5Minutes",
    ]
    # Only what the release tool calls: it reads no alarm (CodeDeploy watches them).
    assert "ReadOwnAlarms" not in by_sid
    actions = {a for s in by_sid.values() for a in _actions(s)}
    assert not actions & {"cloudwatch:DescribeAlarms", "codedeploy:GetDeploymentGroup"}


def test_infra_deploy_role_may_release_the_lambda_image_by_exact_arns(prod_plan: Plan) -> None:
    """The deploy stage runs `app.deploy release --image lambda` after pulumi up."""
    (deploy_policy,) = [
        p
        for p in prod_plan.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.parent.endswith("BuildProject::infra-deploy")
    ]
    by_sid = {s["Sid"]: s for s in json.loads(deploy_policy.inputs["policy"])["Statement"]}
    assert_lambda_release_grants(by_sid)
    ssm = f"arn:aws:ssm:{REGION_ACCOUNT}:parameter/container-delivery/prod"
    # The Lambda image's parameters only (but the locks): this stage never releases web.
    assert by_sid["RecordReleasedTags"]["Resource"] == [f"{ssm}/images/lambda/tag"]
    # Both images' locks: `pulumi up` runs under them (app.deploy hold --image lambda
    # --image web), the release after it under the Lambda image's.
    assert by_sid["HoldReleaseLocks"]["Resource"] == [
        f"{ssm}/images/lambda/release-lock",
        f"{ssm}/images/web/release-lock",
    ]
    assert by_sid["RecordFailedReleases"]["Resource"] == [f"{ssm}/images/lambda/failed-releases"]
    assert by_sid["ReadDeployManifest"]["Resource"] == f"{ssm}/deploy-manifest"
    # prod is promoted from dev (account 111122223333 in Pulumi.prod.yaml): its functions
    # run dev's Lambda repository (its own holds the placeholder), and `release
    # --recorded` records the digest next to the tag.
    assert by_sid["CheckTheLambdaImage"]["Resource"] == [
        "arn:aws:ecr:ap-northeast-1:111122223333:repository/container-delivery-dev-lambda",
        f"arn:aws:ecr:{REGION_ACCOUNT}:repository/container-delivery-prod-lambda",
    ]
    digest = by_sid["RecordThePromotedDigest"]
    assert digest["Resource"] == f"{ssm}/images/lambda/digest"
    assert digest["Action"] == ["ssm:GetParameter", "ssm:GetParameterHistory", "ssm:PutParameter"]


def test_infra_deploy_role_may_pass_roles_to_codedeploy_and_scheduler(prod_plan: Plan) -> None:
    (deploy_policy,) = [
        p
        for p in prod_plan.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.parent.endswith("BuildProject::infra-deploy")
    ]
    by_sid = {s["Sid"]: s for s in json.loads(deploy_policy.inputs["policy"])["Statement"]}
    passed_to = by_sid["PassStackRolesToTheirServices"]["Condition"]["StringEquals"][
        "iam:PassedToService"
    ]
    # The deployment groups carry CodeDeploy's role, the schedules their own roles.
    assert {"codedeploy.amazonaws.com", "scheduler.amazonaws.com"} <= set(passed_to)
    # Every role the stack creates is assumed by one of the services it may be passed to.
    trusted = {
        service
        for role in prod_plan.of_type("aws:iam/role:Role")
        for statement in json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        for service in as_list(statement["Principal"].get("Service", []))
    }
    assert trusted <= set(passed_to)


def test_github_preview_role_is_read_only_and_pull_request_only(prod_plan: Plan) -> None:
    role = prod_plan.named("github-preview-role")
    (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    host = "token.actions.githubusercontent.com"
    assert trust["Condition"]["StringEquals"] == {
        f"{host}:aud": "sts.amazonaws.com",
        f"{host}:sub": "repo:my-org/container-delivery-infra:environment:preview",
    }
    (oidc,) = prod_plan.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert oidc.inputs["url"] == "https://token.actions.githubusercontent.com"
    preview_policy = json.loads(prod_plan.named("github-preview-policy").inputs["policy"])
    actions = [a for s in preview_policy["Statement"] for a in as_list(s["Action"])]
    assert "ssm:GetParameter" in actions
    levels = {a: access_level(a) for a in actions}
    assert set(levels.values()) <= {"Read", "List"}, levels
    # The regression guard reads GetFunction on each alias (a qualified call is authorized
    # against the alias's ARN; the provider then reads the function's concurrency) and,
    # for a function without an alias yet, unqualified (ListVersionsByFunction first).
    # tests/infra/test_invoke_permissions.py checks these against the provider's calls.
    (live,) = [s for s in preview_policy["Statement"] if s["Sid"] == "ReadLiveFunctions"]
    functions = [f"arn:aws:lambda:{REGION_ACCOUNT}:function:{f}" for f in PROD_FUNCTIONS]
    assert live["Action"] == [
        "lambda:GetFunction",
        "lambda:GetFunctionConcurrency",
        "lambda:ListVersionsByFunction",
    ]
    assert live["Resource"] == [*functions, *(f"{arn}:live" for arn in functions)]


@pytest.mark.parametrize("plan_name", ["prod_plan", "first_deploy_plan"])
def test_every_role_carries_the_stacks_boundary(plan_name: str, request: Any) -> None:
    plan: Plan = request.getfixturevalue(plan_name)
    (boundary,) = plan.of_type("aws:iam/policy:Policy")
    expected = f"arn:aws:iam::123456789012:policy/container-delivery-{plan.stack}-boundary"
    assert boundary.outputs["arn"] == expected
    roles = plan.of_type("aws:iam/role:Role")
    assert len(roles) >= 6
    for role in roles:
        assert role.inputs.get("permissionsBoundary") == expected, role.urn
        # The Output dependency orders each role after the boundary it names.
        assert boundary.urn in role.dependencies, role.urn


#: AWS's documented service-role permissions for CodePipeline's ECS standard deploy
#: action (CodePipeline User Guide, "Amazon Elastic Container Service deploy action
#: reference", service role permissions), written out from the documentation.
ECS_DEPLOY_ACTION_ACTIONS = {
    "ecs:DescribeServices",
    "ecs:DescribeTaskDefinition",
    "ecs:DescribeTasks",
    "ecs:ListTasks",
    "ecs:RegisterTaskDefinition",
    "ecs:TagResource",
    "ecs:UpdateService",
    "iam:PassRole",
}


@pytest.mark.parametrize(
    ("plan_name", "policy_name"),
    [
        ("prod_build_stage_plan", "app-pipeline-policy"),
        ("prod_plan", "promote-pipeline-policy"),
    ],
)
def test_app_pipeline_role_has_exactly_the_ecs_deploy_action_permissions(
    plan_name: str, policy_name: str, request: Any
) -> None:
    """The app pipeline of a build stage, and the promote pipeline of a promoted stage."""
    plan: Plan = request.getfixturevalue(plan_name)
    document = json.loads(plan.named(policy_name).inputs["policy"])
    statements = [
        s
        for s in document["Statement"]
        if any(a.startswith(("ecs:", "iam:")) for a in as_list(s["Action"]))
    ]
    granted = {a for s in statements for a in as_list(s["Action"])}
    assert granted == ECS_DEPLOY_ACTION_ACTIONS
    region_account = "ap-northeast-1:123456789012"
    by_action = {a: s for s in statements for a in as_list(s["Action"])}
    assert by_action["ecs:DescribeTasks"]["Resource"] == (
        f"arn:aws:ecs:{region_account}:task/container-delivery-prod/*"
    )
    assert by_action["ecs:ListTasks"]["Resource"] == "*"
    assert by_action["ecs:ListTasks"]["Condition"] == {
        "ArnEquals": {
            "ecs:cluster": f"arn:aws:ecs:{region_account}:cluster/container-delivery-prod"
        }
    }
    passrole = by_action["iam:PassRole"]
    assert passrole["Resource"] == [
        "arn:aws:iam::123456789012:role/container-delivery-prod-web-exec",
        "arn:aws:iam::123456789012:role/container-delivery-prod-web-task",
    ]
    assert passrole["Condition"] == {
        "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
    }


def _actions(statement: dict[str, Any]) -> list[str]:
    """The actions a statement names (none for a NotAction statement)."""
    action = statement.get("Action", [])
    return [action] if isinstance(action, str) else list(action)
