"""Both CodePipelines, their CodeBuild projects and buildspecs, under Pulumi's mocks."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_pulumi.plan import Plan, PlannedResource
from infra_pulumi.plan.mocks import released
from infra_pulumi.plan.runner import PROJECT_ROOT
from tests.infra.conftest import RunProgram, policy
from tests.infra.test_iam_policies import access_level

PIPELINES = {
    "connectionArn": "arn:aws:codeconnections:ap-northeast-1:123456789012:connection/abc",
    "infraRepository": "my-org/infra",
    "appRepository": "my-org/app",
    "stateBackend": {"secretArn": "arn:aws:secretsmanager:ap-northeast-1:1:secret:token"},
}

#: Variables CodeBuild itself provides, or the shell does.
CODEBUILD_PROVIDED = {"AWS_REGION", "AWS_DEFAULT_REGION", "HOME", "PATH"}


def pipeline(plan: Plan, name: str) -> PlannedResource:
    (found,) = [
        p for p in plan.of_type("aws:codepipeline/pipeline:Pipeline") if p.inputs["name"] == name
    ]
    return found


def stages(resource: PlannedResource) -> list[tuple[str, list[str]]]:
    return [(s["name"], [a["name"] for a in s["actions"]]) for s in resource.inputs["stages"]]


def action(resource: PlannedResource, stage: str) -> dict[str, Any]:
    (found,) = [s for s in resource.inputs["stages"] if s["name"] == stage]
    first: dict[str, Any] = found["actions"][0]
    return first


def project(plan: Plan, suffix: str) -> PlannedResource:
    (found,) = [
        p
        for p in plan.of_type("aws:codebuild/project:Project")
        if p.inputs["name"].endswith(suffix)
    ]
    return found


def environment(resource: PlannedResource) -> dict[str, tuple[str, str]]:
    return {
        v["name"]: (v["type"], v["value"])
        for v in resource.inputs["environment"]["environmentVariables"]
    }


# --- The infra pipeline ------------------------------------------------------------


def test_infra_pipeline_previews_approves_and_deploys(prod_plan: Plan) -> None:
    infra = pipeline(prod_plan, "container-delivery-prod-infra")
    assert infra.inputs["pipelineType"] == "V2"
    assert stages(infra) == [
        ("Source", ["Source", "AppSource"]),
        ("Preview", ["PulumiPreview"]),
        ("Approve", ["Approve"]),
        ("Deploy", ["PulumiUp"]),
    ]
    source = action(infra, "Source")
    assert source["provider"] == "CodeStarSourceConnection"
    assert source["configuration"]["FullRepositoryId"] == "my-org/container-delivery-infra"
    assert source["configuration"]["BranchName"] == "main"
    # The deploy stage runs the app's release tool, from the app repository.
    (source_stage,) = [s for s in infra.inputs["stages"] if s["name"] == "Source"]
    app_source = source_stage["actions"][1]
    assert app_source["configuration"]["FullRepositoryId"] == "my-org/container-delivery-app"
    assert app_source["outputArtifacts"] == ["APP"]
    deploy = action(infra, "Deploy")
    assert deploy["inputArtifacts"] == ["source", "APP"]
    # With two inputs, CodeBuild runs the buildspec of PrimarySource.
    assert deploy["configuration"]["PrimarySource"] == "source"
    # Only pushes to the infra repository start the infra pipeline.
    (trigger,) = infra.inputs["triggers"]
    assert trigger["gitConfiguration"]["sourceActionName"] == "Source"
    assert action(infra, "Approve")["provider"] == "Manual"
    assert action(infra, "Preview")["configuration"]["ProjectName"] == (
        "container-delivery-prod-infra-preview"
    )
    assert action(infra, "Deploy")["configuration"]["ProjectName"] == (
        "container-delivery-prod-infra-deploy"
    )
    (trigger,) = infra.inputs["triggers"]
    assert trigger["gitConfiguration"]["pushes"][0]["branches"]["includes"] == ["main"]


@pytest.mark.parametrize(
    ("pipelines", "require_release", "approval"),
    [
        ({}, False, False),  # dev default
        ({}, True, True),  # production default
        ({"manualApproval": True}, False, True),
        ({"manualApproval": False}, True, False),
    ],
)
def test_manual_approval_is_optional_and_on_by_default_for_production(
    run_program: RunProgram, pipelines: dict[str, Any], require_release: bool, approval: bool
) -> None:
    plan = run_program(
        config={"pipelines": {**PIPELINES, **pipelines}, "requireRelease": require_release},
        invokes=released("abc1234"),
    )
    names = [name for name, _ in stages(pipeline(plan, "container-delivery-dev-infra"))]
    assert ("Approve" in names) is approval
    assert names[-1] == "Deploy"


def test_infra_builds_get_the_backend_secret_never_plain(prod_plan: Plan) -> None:
    for suffix in ("infra-preview", "infra-deploy"):
        env = environment(project(prod_plan, suffix))
        assert env["PULUMI_STACK"] == ("PLAINTEXT", "prod")
        assert env["PULUMI_VERSION"] == ("PLAINTEXT", "3.272.0")
        assert env["PULUMI_BACKEND_URL"] == (
            "PLAINTEXT",
            "s3://my-org-pulumi-state/container-delivery",
        )
        kind, value = env["PULUMI_CONFIG_PASSPHRASE"]
        assert kind == "SECRETS_MANAGER"
        assert value.startswith("arn:aws:secretsmanager:")
        assert "PULUMI_ACCESS_TOKEN" not in env


def test_pulumi_cloud_backend_uses_an_access_token(run_program: RunProgram) -> None:
    plan = run_program(config={"pipelines": PIPELINES})
    env = environment(project(plan, "infra-preview"))
    assert env["PULUMI_ACCESS_TOKEN"] == (
        "SECRETS_MANAGER",
        "arn:aws:secretsmanager:ap-northeast-1:1:secret:token",
    )
    assert "PULUMI_BACKEND_URL" not in env
    assert "PULUMI_CONFIG_PASSPHRASE" not in env


def test_every_build_that_configures_the_docker_provider_runs_privileged(
    prod_plan: Plan, build_stage_plan: Plan
) -> None:
    """Preview too: pulumi-docker may connect to the daemon when it is configured. The
    promote build of a promoted stage runs no Docker at all."""
    privileged = {
        p.inputs["name"]: p.inputs["environment"]["privilegedMode"]
        for plan in (prod_plan, build_stage_plan)
        for p in plan.of_type("aws:codebuild/project:Project")
    }
    assert privileged == {
        "container-delivery-prod-infra-preview": True,
        "container-delivery-prod-infra-deploy": True,
        "container-delivery-prod-promote": False,
        "container-delivery-dev-infra-preview": True,
        "container-delivery-dev-infra-deploy": True,
        "container-delivery-dev-app-build": True,
    }
    # Privileged is about the daemon, not permissions: the preview role stays read-only,
    # with no managed policy (AWS's ReadOnlyAccess would read every bucket's objects).
    preview = prod_plan.named("infra-preview-policy")
    # Every build writes its own logs and the pipeline's artifacts; the rest reads.
    build_basics = {"OwnLogGroupOnly", "PipelineArtifacts", "ArtifactAndLogKey"}
    actions = [
        action
        for statement in json.loads(preview.inputs["policy"])["Statement"]
        if statement["Sid"] not in build_basics
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    ]
    assert {access_level(a) for a in actions} <= {"Read", "List"}, actions
    attached = prod_plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert not [a for a in attached if a.parent.endswith("::infra-preview")]


@pytest.mark.parametrize(
    ("architecture", "environment_type", "image", "platform", "cpu"),
    [
        (
            "x86_64",
            "LINUX_CONTAINER",
            "aws/codebuild/amazonlinux-x86_64-standard:5.0",
            "linux/amd64",
            "X86_64",
        ),
        (
            "arm64",
            "ARM_CONTAINER",
            "aws/codebuild/amazonlinux-aarch64-standard:3.0",
            "linux/arm64",
            "ARM64",
        ),
    ],
)
def test_images_build_natively_on_a_host_of_the_stack_architecture(
    run_program: RunProgram,
    architecture: str,
    environment_type: str,
    image: str,
    platform: str,
    cpu: str,
) -> None:
    plan = run_program(
        config={"lambdaArchitecture": architecture, "pipelines": PIPELINES},
        invokes=released("abc1234"),
    )
    for build in plan.of_type("aws:codebuild/project:Project"):
        assert build.inputs["environment"]["type"] == environment_type, build.urn
        assert build.inputs["environment"]["image"] == image, build.urn
    assert environment(project(plan, "app-build"))["IMAGE_PLATFORM"] == ("PLAINTEXT", platform)
    for placeholder in plan.of_type("docker:index/image:Image"):
        assert placeholder.inputs["build"]["platform"] == platform, placeholder.urn
    (task,) = plan.of_type("aws:ecs/taskDefinition:TaskDefinition")
    assert task.inputs["runtimePlatform"]["cpuArchitecture"] == cpu
    for function in plan.of_type("aws:lambda/function:Function"):
        assert function.inputs["architectures"] == [architecture], function.urn


# --- The app pipeline ----------------------------------------------------------------


def test_app_pipeline_builds_then_deploys_to_ecs(build_stage_plan: Plan) -> None:
    app = pipeline(build_stage_plan, "container-delivery-dev-app")
    assert app.inputs["pipelineType"] == "V2"
    assert stages(app) == [
        ("Source", ["Source"]),
        ("Build", ["BuildPushRelease"]),
        ("Deploy", ["DeployWeb"]),
    ]
    build = action(app, "Build")
    assert build["configuration"]["ProjectName"] == "container-delivery-dev-app-build"
    assert build["outputArtifacts"] == ["build"]
    assert json.loads(build["configuration"]["EnvironmentVariables"]) == [
        {"name": "COMMIT_ID", "value": "#{SourceVariables.CommitId}", "type": "PLAINTEXT"}
    ]
    deploy = action(app, "Deploy")
    assert deploy["provider"] == "ECS"
    assert deploy["inputArtifacts"] == ["build"]
    assert deploy["configuration"] == {
        "ClusterName": "container-delivery-dev",
        "ServiceName": "container-delivery-dev-web",
        "FileName": "imagedefinitions.json",
    }


def test_a_promoted_stage_has_no_app_pipeline(prod_plan: Plan) -> None:
    names = {p.inputs["name"] for p in prod_plan.of_type("aws:codepipeline/pipeline:Pipeline")}
    assert names == {"container-delivery-prod-infra", "container-delivery-prod-promote"}
    assert prod_plan.outputs["promotePipeline"] == "container-delivery-prod-promote"
    assert "appPipeline" not in prod_plan.outputs


def test_app_build_gets_every_name_through_the_environment(build_stage_plan: Plan) -> None:
    env = environment(project(build_stage_plan, "app-build"))
    registry = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com"
    assert env == {
        "DEPLOY_MANIFEST_PARAMETER": ("PLAINTEXT", "/container-delivery/dev/deploy-manifest"),
        "LAMBDA_TAG_PARAMETER": ("PLAINTEXT", "/container-delivery/dev/images/lambda/tag"),
        "WEB_TAG_PARAMETER": ("PLAINTEXT", "/container-delivery/dev/images/web/tag"),
        "LAMBDA_REPOSITORY_URL": ("PLAINTEXT", f"{registry}/container-delivery-dev-lambda"),
        "WEB_REPOSITORY_URL": ("PLAINTEXT", f"{registry}/container-delivery-dev-web"),
        "ECR_REGISTRY": ("PLAINTEXT", registry),
        "IMAGE_PLATFORM": ("PLAINTEXT", "linux/amd64"),
    }


def test_no_pipelines_without_config(first_deploy_plan: Plan) -> None:
    assert first_deploy_plan.of_type("aws:codepipeline/pipeline:Pipeline") == []
    assert first_deploy_plan.of_type("aws:codebuild/project:Project") == []


# --- Artifact bucket ---------------------------------------------------------------


def test_artifact_bucket_is_encrypted_private_and_expiring(prod_plan: Plan) -> None:
    (bucket,) = [b for b in prod_plan.of_type("aws:s3/bucket:Bucket") if "ArtifactBucket" in b.urn]
    # A generated name: unique across regions and accounts, so it cannot collide or be
    # created first by someone else.
    assert "bucket" not in bucket.inputs
    assert bucket.inputs["bucketPrefix"] == "container-delivery-prod-artifacts-"
    assert len(bucket.inputs["bucketPrefix"]) <= 37  # Terraform appends 26 characters
    artifacts = [r for r in prod_plan.resources if "ArtifactBucket" in r.urn]

    def one(typ: str) -> PlannedResource:
        (found,) = [r for r in artifacts if r.type == typ]
        return found

    block = one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    for key in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert block.inputs[key] is True, key
    encryption = one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    default = encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
    assert default["sseAlgorithm"] == "aws:kms"
    assert default["kmsMasterKeyId"].startswith("arn:aws:kms:")  # prod's customer key
    lifecycle = one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    (rule,) = lifecycle.inputs["rules"]
    assert rule["status"] == "Enabled"
    assert rule["expiration"]["days"] == 30
    bucket_policy = one("aws:s3/bucketPolicy:BucketPolicy")
    (deny,) = policy(bucket_policy)["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    for store in pipeline(prod_plan, "container-delivery-prod-promote").inputs["artifactStores"]:
        assert store["encryptionKey"]["type"] == "KMS"
    # The expected owner wherever the API takes one.
    assert encryption.inputs["expectedBucketOwner"] == "123456789012"
    assert lifecycle.inputs["expectedBucketOwner"] == "123456789012"


def test_every_artifact_bucket_grant_requires_this_account_as_owner(prod_plan: Plan) -> None:
    """IAM's form of the expected bucket owner: s3:ResourceAccount on every S3 grant."""
    seen = 0
    for role_policy in prod_plan.of_type("aws:iam/rolePolicy:RolePolicy"):
        for statement in policy(role_policy)["Statement"]:
            if statement["Effect"] == "Deny":
                continue  # the deploy role's denies grant nothing
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            resources = statement["Resource"]
            resources = [resources] if isinstance(resources, str) else resources
            if any(a.startswith("s3:") for a in actions) and any(
                "artifacts" in r for r in resources
            ):
                assert statement["Condition"] == {
                    "StringEquals": {"s3:ResourceAccount": "123456789012"}
                }, role_policy.urn
                seen += 1
    assert seen == 7, "two statements for each of 2 pipeline roles, one for each of 3 build roles"


# --- Buildspecs ----------------------------------------------------------------------


BUILDSPECS = {
    "infra-preview": "infra_pulumi/buildspec-preview.yml",
    "infra-deploy": "infra_pulumi/buildspec-deploy.yml",
    "app-build": "app/buildspec.yml",
}


def load_buildspec(path: str) -> dict[str, Any]:
    data = yaml.safe_load((PROJECT_ROOT / path).read_text())
    assert isinstance(data, dict)
    return data


def commands(spec: dict[str, Any]) -> list[str]:
    return [c for phase in spec["phases"].values() for c in phase.get("commands", [])]


def used_variables(spec: dict[str, Any]) -> set[str]:
    text = "\n".join(commands(spec))
    return set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", text))


def defined_variables(spec: dict[str, Any]) -> set[str]:
    text = "\n".join(commands(spec))
    defined = set(re.findall(r"(?:export\s+|^\s*|;\s*)([A-Za-z_][A-Za-z0-9_]*)=", text, re.M))
    defined |= set(re.findall(r"for\s+([A-Za-z_]+)\s+in", text))
    return defined | set(spec.get("env", {}).get("variables", {}))


@pytest.mark.parametrize(("suffix", "path"), sorted(BUILDSPECS.items()))
def test_buildspec_structure(build_stage_plan: Plan, suffix: str, path: str) -> None:
    spec = load_buildspec(path)
    assert spec["version"] == 0.2
    assert {"install", "build"} <= set(spec["phases"])
    assert spec["phases"]["install"]["runtime-versions"] == {"python": "3.11"}
    assert project(build_stage_plan, suffix).inputs["source"]["buildspec"] == path
    assert (PROJECT_ROOT / path).is_file()


def test_the_promote_build_carries_its_buildspec_inline(prod_plan: Plan) -> None:
    """Its pipeline's only source is the app repository, which does not hold the file."""
    path = "infra_pulumi/buildspec-promote.yml"
    spec = load_buildspec(path)
    assert spec["version"] == 0.2
    assert spec["phases"]["install"]["runtime-versions"] == {"python": "3.11"}
    inline = project(prod_plan, "-promote").inputs["source"]["buildspec"]
    assert inline == (PROJECT_ROOT / path).read_text(encoding="utf-8")


def promote_action_variables(plan: Plan) -> set[str]:
    """The variables the promote pipeline's two build actions set."""
    promote = pipeline(plan, "container-delivery-prod-promote")
    names: set[str] = set()
    for stage in ("PlanPromotion", "Promote"):
        variables = json.loads(action(promote, stage)["configuration"]["EnvironmentVariables"])
        names |= {v["name"] for v in variables}
    return names


@pytest.mark.parametrize(
    ("suffix", "path", "stage"),
    [
        *((suffix, path, "build") for suffix, path in sorted(BUILDSPECS.items())),
        ("-promote", "infra_pulumi/buildspec-promote.yml", "promoted"),
    ],
)
def test_every_variable_a_buildspec_uses_is_set(
    build_stage_plan: Plan, prod_plan: Plan, suffix: str, path: str, stage: str
) -> None:
    spec = load_buildspec(path)
    plan = build_stage_plan if stage == "build" else prod_plan
    from_stack = set(environment(project(plan, suffix)))
    # The pipeline's build actions add the source commit; the infra deploy action also
    # gets the app repository as its second input, which CodeBuild puts in
    # CODEBUILD_SRC_DIR_<artifact name>. The promote actions set their step, and the
    # Promote action the plan's exported variables.
    from_pipeline = (
        {"COMMIT_ID"}
        | ({"CODEBUILD_SRC_DIR_APP"} if suffix == "infra-deploy" else set())
        | (promote_action_variables(plan) if stage == "promoted" else set())
    )
    missing = (
        used_variables(spec)
        - from_stack
        - from_pipeline
        - defined_variables(spec)
        - CODEBUILD_PROVIDED
        - {"CODEBUILD_RESOLVED_SOURCE_VERSION"}  # CodeBuild's own, with COMMIT_ID as fallback
    )
    assert missing == set(), f"{path} uses variables nothing sets: {sorted(missing)}"


def test_the_variable_check_catches_an_unset_variable() -> None:
    spec = {
        "phases": {"build": {"commands": ["echo ${NOBODY_SETS_THIS}", "export X=1", "echo $X"]}}
    }
    assert used_variables(spec) - defined_variables(spec) == {"NOBODY_SETS_THIS"}


def test_infra_buildspecs_pin_the_pulumi_cli() -> None:
    for path in ("infra_pulumi/buildspec-preview.yml", "infra_pulumi/buildspec-deploy.yml"):
        install = " ".join(load_buildspec(path)["phases"]["install"]["commands"])
        assert '--version "${PULUMI_VERSION}"' in install, path
        assert "pulumi install" in install, path
    preview = commands(load_buildspec("infra_pulumi/buildspec-preview.yml"))
    deploy = commands(load_buildspec("infra_pulumi/buildspec-deploy.yml"))
    assert any(c.startswith("pulumi preview") for c in preview)
    # The Preview stage runs the guardrails pack, installed as `pulumi install` installs it.
    assert any(
        c.endswith("--policy-pack policy") for c in preview if c.startswith("pulumi preview")
    )
    install_preview = load_buildspec("infra_pulumi/buildspec-preview.yml")["phases"]["install"]
    assert "(cd policy && pulumi install)" in install_preview["commands"]
    assert not any("pulumi up" in c for c in preview)
    assert any("-- pulumi up --yes" in c for c in deploy)


def test_app_buildspec_skips_existing_tags_and_releases(tmp_path: Path) -> None:
    spec = load_buildspec("app/buildspec.yml")
    text = "\n".join(commands(spec))
    assert "python -m app.deploy tag" in text
    assert text.index("app.deploy exists") < text.index("docker push")
    assert "app.deploy release --image lambda" in text
    assert "app.deploy release --image web" in text
    assert "--imagedefinitions imagedefinitions.json" in text
    assert spec["artifacts"]["files"] == ["imagedefinitions.json"]
    assert spec["env"]["exported-variables"] == ["IMAGE_TAG"]
    for phase in ("pre_build", "build"):
        assert spec["phases"][phase]["on-failure"] == "ABORT", phase


# --- The infra deploy stage: pulumi up under the release locks, then the recorded tag ---


def _run_build_phase(tmp_path: Path) -> list[tuple[str, str, list[str]]]:
    """Run the deploy buildspec's build commands in bash as CodeBuild would, with
    ``pulumi`` and the release tool's python faked: each records its working directory,
    PYTHONPATH and arguments instead of acting. (What ``hold`` and ``release --recorded``
    do is tested against moto in tests/app/deploy/test_e2e_hold.py.)"""
    bin_dir, tool, app = tmp_path / "bin", tmp_path / "tool", tmp_path / "app-source"
    infra = tmp_path / "infra-source"
    for folder in (bin_dir, tool / "bin", app, infra):
        folder.mkdir(parents=True)
    calls = tmp_path / "calls"
    record = f'#!/bin/sh\necho "$0|$(pwd)|${{PYTHONPATH:-}}|$*" >> {calls}\n'
    for script in (bin_dir / "pulumi", tool / "bin" / "python"):
        script.write_text(record)
        script.chmod(0o755)
    build = load_buildspec("infra_pulumi/buildspec-deploy.yml")["phases"]["build"]["commands"]
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "PULUMI_STACK": "prod",
        "RELEASE_TOOL": str(tool),
        "CODEBUILD_SRC_DIR_APP": str(app),
    }
    done = subprocess.run(
        ["bash", "-e", "-c", "\n".join(build)],
        cwd=infra,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = []
    for line in calls.read_text().splitlines():
        program, cwd, pythonpath, args = line.split("|", 3)
        found.append((Path(program).name, f"{cwd}|{pythonpath}", args.split()))
    return found


def test_infra_deploy_runs_pulumi_up_under_both_locks_then_releases_the_recorded_tag(
    tmp_path: Path,
) -> None:
    calls = _run_build_phase(tmp_path)
    app, infra = tmp_path / "app-source", tmp_path / "infra-source"
    assert [c[0] for c in calls] == ["pulumi", "python", "python"]
    assert calls[0][2] == ["stack", "select", "prod", "--non-interactive"]
    # pulumi up in the infra checkout, under the locks of both images, with --refresh,
    # the tool imported from the app repository's checkout.
    assert calls[1][1] == f"{infra}|{app}"
    assert calls[1][2] == [
        "-m", "app.deploy", "hold", "--image", "lambda", "--image", "web",
        "--lock-wait", "600",
        "--", "pulumi", "up", "--yes", "--non-interactive", "--diff", "--refresh",
    ]  # fmt: skip
    # Then the tag the parameter records, read under the lock (nothing while it holds
    # the placeholder), from the app repository's checkout.
    assert calls[2][1].split("|")[0] == str(app)
    assert calls[2][2] == [
        "-m", "app.deploy", "release", "--image", "lambda", "--recorded", "--lock-wait", "600",
    ]  # fmt: skip


def test_infra_deploy_installs_the_release_tool_from_the_app_repository() -> None:
    spec = load_buildspec("infra_pulumi/buildspec-deploy.yml")
    install = " ".join(spec["phases"]["install"]["commands"])
    assert '-r "${CODEBUILD_SRC_DIR_APP}/app/requirements.txt"' in install
    assert spec["env"]["variables"]["RELEASE_TOOL"] == "/tmp/release-tool"


def test_infra_deploy_build_knows_the_manifest_and_the_tag_parameter(prod_plan: Plan) -> None:
    env = environment(project(prod_plan, "infra-deploy"))
    assert env["DEPLOY_MANIFEST_PARAMETER"] == (
        "PLAINTEXT",
        "/container-delivery/prod/deploy-manifest",
    )
    assert env["LAMBDA_TAG_PARAMETER"] == (
        "PLAINTEXT",
        "/container-delivery/prod/images/lambda/tag",
    )
