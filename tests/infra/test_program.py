"""What the program creates, read from the resources it registers under Pulumi's mocks."""

from __future__ import annotations

import json
import re

import pytest

from infra_pulumi.plan import Plan
from infra_pulumi.plan.mocks import released
from infra_pulumi.plan.runner import PROJECT_ROOT
from tests.infra.conftest import (
    LAMBDA_TAG_PARAMETER,
    WEB_TAG_PARAMETER,
    RunProgram,
    policy,
    strings,
)

ACCOUNT = "123456789012"
REGION = "ap-northeast-1"
FUNCTIONS = ("container-delivery-dev-nightly-report", "container-delivery-dev-api")


def test_physical_names_carry_project_and_stack(first_deploy_plan: Plan) -> None:
    named = [
        r for r in first_deploy_plan.resources if r.custom and isinstance(r.inputs.get("name"), str)
    ]
    assert named, "expected named resources"
    for resource in named:
        name = resource.inputs["name"]
        if resource.type == "aws:lambda/alias:Alias":
            # An alias lives inside its function, whose name carries the prefix.
            assert name == "live", resource.urn
            assert resource.inputs["functionName"].startswith("container-delivery-dev-")
            continue
        assert "container-delivery-dev" in name or name.startswith("/container-delivery/dev/"), (
            resource.urn
        )


def test_repositories_are_immutable_scanned_and_encrypted(first_deploy_plan: Plan) -> None:
    repos = first_deploy_plan.of_type("aws:ecr/repository:Repository")
    assert {r.inputs["name"] for r in repos} == {
        "container-delivery-dev-lambda",
        "container-delivery-dev-web",
    }
    for repo in repos:
        assert repo.inputs["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION", repo.urn
        # The one and only mutable tag is the placeholder.
        assert repo.inputs["imageTagMutabilityExclusionFilters"] == [
            {"filter": "initial", "filterType": "WILDCARD"}
        ], repo.urn
        assert repo.inputs["imageScanningConfiguration"] == {"scanOnPush": True}, repo.urn
        assert repo.inputs["encryptionConfigurations"] == [{"encryptionType": "KMS"}], repo.urn
        # dev protects no data: `pulumi destroy` deletes the repository with its images
        # (tests/infra/test_lifecycle.py has both modes).
        assert repo.inputs["forceDelete"] is True, repo.urn


def test_customer_managed_key_is_used_when_configured(run_program: RunProgram) -> None:
    key = "arn:aws:kms:ap-northeast-1:123456789012:key/abcd"
    plan = run_program(config={"kmsKeyArn": key})
    for repo in plan.of_type("aws:ecr/repository:Repository"):
        assert repo.inputs["encryptionConfigurations"] == [
            {"encryptionType": "KMS", "kmsKey": key}
        ], repo.urn
    for group in plan.of_type("aws:cloudwatch/logGroup:LogGroup"):
        assert group.inputs["kmsKeyId"] == key, group.urn


def test_each_repository_has_a_lifecycle_policy(first_deploy_plan: Plan) -> None:
    policies = first_deploy_plan.of_type("aws:ecr/lifecyclePolicy:LifecyclePolicy")
    assert {p.inputs["repository"] for p in policies} == {
        "container-delivery-dev-lambda",
        "container-delivery-dev-web",
    }
    for lifecycle in policies:
        rules = policy(lifecycle)["rules"]
        keep_all = [r for r in rules if r["selection"].get("tagPatternList") == ["*"]]
        assert keep_all[0]["selection"]["countNumber"] == 30, lifecycle.urn


def test_placeholder_is_pushed_once_as_initial_and_never_built_on_preview(
    first_deploy_plan: Plan,
) -> None:
    image = first_deploy_plan.named("lambda-placeholder-image")
    assert image.inputs["imageName"] == (
        f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/container-delivery-dev-lambda:initial"
    )
    assert image.inputs["buildOnPreview"] is False
    assert image.inputs["skipPush"] is False
    # Absolute, from the project root: the host's working directory is infra_pulumi/.
    assert image.inputs["build"]["context"] == str(PROJECT_ROOT / "docker/initial_lambda")
    dockerfile = PROJECT_ROOT / "docker/initial_lambda" / "Dockerfile"
    assert image.inputs["build"]["dockerfile"] == str(dockerfile)
    assert image.inputs["build"]["platform"] == "linux/amd64"
    # The registry credentials travel as a secret, never as plain text.
    assert image.inputs["registry"] == "[secret]"


def test_every_function_depends_on_the_placeholder_push(first_deploy_plan: Plan) -> None:
    image = first_deploy_plan.named("lambda-placeholder-image")
    pull_policy = first_deploy_plan.named("lambda-lambda-pull")
    functions = first_deploy_plan.of_type("aws:lambda/function:Function")
    assert len(functions) == 2
    for function in functions:
        assert image.urn in function.dependencies, function.urn
        assert pull_policy.urn in function.dependencies, function.urn


def test_functions_are_container_images_selecting_their_handler(first_deploy_plan: Plan) -> None:
    functions = {
        f.inputs["name"]: f for f in first_deploy_plan.of_type("aws:lambda/function:Function")
    }
    assert set(functions) == set(FUNCTIONS)
    api = functions["container-delivery-dev-api"]
    assert api.inputs["packageType"] == "Image"
    assert api.inputs["imageConfig"] == {"commands": ["api.handler"]}
    assert api.inputs["memorySize"] == 256
    assert api.inputs["timeout"] == 10
    assert api.inputs["architectures"] == ["x86_64"]
    assert api.inputs["role"] == f"arn:aws:iam::{ACCOUNT}:role/container-delivery-dev-api-exec"
    assert api.inputs["loggingConfig"]["logGroup"] == "/aws/lambda/container-delivery-dev-api"
    job = functions["container-delivery-dev-nightly-report"]
    assert job.inputs["imageConfig"] == {"commands": ["jobs.handler"]}
    assert "code" not in job.inputs
    assert "handler" not in job.inputs


def test_function_list_comes_from_config(run_program: RunProgram) -> None:
    plan = run_program(
        config={
            "lambdaFunctions": [
                {"name": "a", "command": ["jobs.handler"]},
                {"name": "b", "command": ["api.handler"]},
                {"name": "c", "command": ["jobs.other"], "environment": {"MODE": "x"}},
            ],
            "lambdaArchitecture": "arm64",
        }
    )
    functions = plan.of_type("aws:lambda/function:Function")
    assert sorted(f.inputs["name"] for f in functions) == [
        "container-delivery-dev-a",
        "container-delivery-dev-b",
        "container-delivery-dev-c",
    ]
    c = plan.named("c-function")
    assert c.inputs["environment"] == {"variables": {"MODE": "x"}}
    assert c.inputs["architectures"] == ["arm64"]
    image = plan.named("lambda-placeholder-image")
    assert image.inputs["build"]["platform"] == "linux/arm64"
    manifest = json.loads(plan.named("deploy-manifest-parameter").inputs["insecureValue"])
    assert len(manifest["images"]["lambda"]["lambdaFunctions"]) == 3


def test_no_image_reference_uses_latest(run_program: RunProgram) -> None:
    for plan in (
        run_program(),
        run_program(invokes=released("abc1234")),
    ):
        for resource in plan.resources:
            for text in strings(resource.inputs):
                assert not re.search(r"latest\b", text), f"{resource.urn}: {text}"


def test_each_execution_role_reaches_only_its_own_log_group(first_deploy_plan: Plan) -> None:
    roles = [
        r
        for r in first_deploy_plan.of_type("aws:iam/role:Role")
        if r.parent.endswith("ContainerFunction::api")
        or r.parent.endswith("ContainerFunction::nightly-report")
    ]
    assert len(roles) == 2
    for role in roles:
        trust = policy(role, "assumeRolePolicy")
        assert trust["Statement"] == [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ], role.urn
    for short, physical in (("api", FUNCTIONS[1]), ("nightly-report", FUNCTIONS[0])):
        role_policy = first_deploy_plan.named(f"{short}-logs-policy")
        statements = policy(role_policy)["Statement"]
        assert statements == [
            {
                "Sid": "OwnLogGroupOnly",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{physical}:*",
            }
        ], role_policy.urn
        assert role_policy.inputs["role"] == f"container-delivery-dev-{short}-exec"


def test_only_the_named_functions_may_pull_the_lambda_image(first_deploy_plan: Plan) -> None:
    """Of this stack's functions; the stages promoted from dev are tested in
    test_promotion.py."""
    pull = first_deploy_plan.named("lambda-lambda-pull")
    assert pull.inputs["repository"] == "container-delivery-dev-lambda"
    own = [s for s in policy(pull)["Statement"] if s["Principal"].get("Service")]
    statement = next(s for s in own if s["Sid"] == "LambdaPullForNamedFunctions")
    assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert statement["Action"] == ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    assert statement["Condition"] == {
        "StringEquals": {
            "aws:sourceArn": sorted(
                f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}" for name in FUNCTIONS
            )
        }
    }


def test_tag_parameters_are_created_with_the_placeholder_and_then_left_to_the_app(
    first_deploy_plan: Plan,
) -> None:
    params = {p.inputs["name"]: p for p in first_deploy_plan.of_type("aws:ssm/parameter:Parameter")}
    for name in (LAMBDA_TAG_PARAMETER, WEB_TAG_PARAMETER):
        param = params[name]
        assert param.inputs["type"] == "String", param.urn
        assert param.inputs["insecureValue"] == "initial", param.urn
        assert param.ignore_changes == ("insecureValue",), param.urn
        pattern = re.compile(param.inputs["allowedPattern"])
        candidates = ("abc1234", "initial", "latest", "", "ABC1234")
        accepted = [v for v in candidates if pattern.fullmatch(v)]
        assert accepted == ["abc1234", "initial"], param.urn
    # The manifest is rewritten on every run: Pulumi owns its value.
    manifest = params["/container-delivery/dev/deploy-manifest"]
    assert manifest.ignore_changes == ()


def test_manifest_follows_the_schema(first_deploy_plan: Plan) -> None:
    manifest = json.loads(
        first_deploy_plan.named("deploy-manifest-parameter").inputs["insecureValue"]
    )
    repo = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/container-delivery-dev"
    assert manifest == {
        # Schema 4: schema 2's fields and the release lock table (the lock contract).
        "schema": 4,
        "project": "container-delivery",
        "stack": "dev",
        "lockTable": "container-delivery-dev-release-locks",
        "images": {
            "lambda": {
                "repositoryName": "container-delivery-dev-lambda",
                "repositoryUrl": f"{repo}-lambda",
                "tagParameter": LAMBDA_TAG_PARAMETER,
                "lockParameter": "/container-delivery/dev/images/lambda/release-lock",
                "failedReleasesParameter": "/container-delivery/dev/images/lambda/failed-releases",
                "placeholderTag": "initial",
                # Each function with the alias its invokers call and the
                # CodeDeploy application and group that shift it (names per SPEC-14).
                "lambdaFunctions": [
                    {
                        "name": f"container-delivery-dev-{short}",
                        "alias": "live",
                        "codeDeployApplication": "container-delivery-dev-lambda",
                        "deploymentGroup": f"container-delivery-dev-{short}",
                    }
                    for short in ("nightly-report", "api")
                ],
                "ecsServices": [],
            },
            "web": {
                "repositoryName": "container-delivery-dev-web",
                "repositoryUrl": f"{repo}-web",
                "tagParameter": WEB_TAG_PARAMETER,
                "lockParameter": "/container-delivery/dev/images/web/release-lock",
                "failedReleasesParameter": "/container-delivery/dev/images/web/failed-releases",
                "placeholderTag": "initial",
                "lambdaFunctions": [],
                "ecsServices": [
                    {
                        "cluster": "container-delivery-dev",
                        "service": "container-delivery-dev-web",
                        "container": "web",
                    }
                ],
            },
        },
    }


def test_outputs_cover_what_people_and_pipelines_need(first_deploy_plan: Plan) -> None:
    outputs = first_deploy_plan.outputs
    assert outputs["deployManifestParameter"] == "/container-delivery/dev/deploy-manifest"
    assert outputs["imageTagParameters"] == {
        "lambda": LAMBDA_TAG_PARAMETER,
        "web": WEB_TAG_PARAMETER,
    }
    assert outputs["lambdaFunctions"] == {"nightly-report": FUNCTIONS[0], "api": FUNCTIONS[1]}
    function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function"
    assert outputs["liveAliases"] == {
        "nightly-report": f"{function_arn}:{FUNCTIONS[0]}:live",
        "api": f"{function_arn}:{FUNCTIONS[1]}:live",
    }
    # Only api has a URL in Pulumi.dev.yaml; nightly-report has a schedule instead.
    assert set(outputs["functionUrls"]) == {"api"}
    assert outputs["functionUrls"]["api"].startswith("https://")
    assert outputs["functionUrls"]["api"].endswith(f".lambda-url.{REGION}.on.aws/")
    assert outputs["codeDeployApplication"] == "container-delivery-dev-lambda"
    # On the placeholder, functions are pinned to the pushed placeholder's digest.
    placeholder = first_deploy_plan.named("lambda-placeholder-image")
    assert outputs["lambdaImageUri"] == placeholder.outputs["repoDigest"]
    assert "container-delivery-dev-lambda@sha256:" in outputs["lambdaImageUri"]
    assert outputs["resolvedImageTags"]["web"] == {"tag": "initial", "source": "placeholder"}
    for key in ("lambdaRepositoryUrl", "webRepositoryUrl", "placeholderImage"):
        assert outputs[key].startswith(f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/"), key


@pytest.mark.parametrize("key", ["lambdaFunctions", "logRetentionDays"])
def test_bad_config_stops_the_program_naming_the_key(run_program: RunProgram, key: str) -> None:
    from infra_pulumi.exceptions import ConfigError

    bad = {"lambdaFunctions": [{"name": "UPPER", "command": ["x.y"]}], "logRetentionDays": 2}
    with pytest.raises(ConfigError, match=f"container-delivery:{key}"):
        run_program(config={key: bad[key]})
