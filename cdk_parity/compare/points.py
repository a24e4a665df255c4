"""The talk's ten points and one beyond it, each with what the two sides do, read from this
run's output."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cdk_parity.compare.model import Resource
from cdk_parity.compare.run import Run, StackRun

PointVerdict = str  # "same" | "intentional" | "unexpected"


@dataclass(frozen=True)
class Point:
    number: int
    title: str
    cdk: str
    pulumi: str
    verdict: PointVerdict
    note: str = ""


def _of(resources: Iterable[Resource], kind: str) -> list[Resource]:
    return [r for r in resources if r.kind == kind]


def _image(resource: Resource) -> str:
    repository, tag = resource.props.get("repository"), resource.props.get("imageTag")
    if tag is not None:
        return f"{repository}:{tag}"
    # No tag: the Pulumi program pins a target that runs the placeholder by digest.
    return f"{repository}@sha256 (placeholder, pinned by digest)"


def _images(resources: Iterable[Resource]) -> list[str]:
    return sorted(_image(r) for r in resources)


def _releases(resources: Iterable[Resource]) -> tuple[int, list[str], list[str]]:
    """How many live aliases, what shifts them (without the group), with which configs."""
    aliases = _of(resources, "lambda-alias")
    shifted = sorted(
        {str(by).split(" (")[0] for a in aliases for by in a.props.get("trafficShiftedBy", [])}
    )
    configs = sorted(
        {
            str(g.props.get("deploymentConfig"))
            for g in _of(resources, "codedeploy-deployment-group")
        }
    )
    return len(aliases), shifted, configs


def _release_point(stack: StackRun) -> Point:
    """Point 11, beyond the talk: who moves traffic to a new Lambda version."""
    c_count, c_shifted, c_configs = _releases(stack.cdk)
    p_count, p_shifted, p_configs = _releases(stack.pulumi)
    if not c_count or not p_count or (c_count, c_configs) != (p_count, p_configs):
        verdict = "unexpected"
    else:
        verdict = "same" if c_shifted == p_shifted else "intentional"
    return Point(
        11,
        "Beyond the talk: releases move a `live` alias through CodeDeploy, gated by alarms",
        f"lambda.Alias on current_version + LambdaDeploymentGroup ({', '.join(c_configs)}): "
        f"{c_count} aliases shifted by {', '.join(c_shifted) or 'nothing'}",
        f"publish=True; the alias ignores its version after creation ({', '.join(p_configs)}): "
        f"{p_count} aliases shifted by {', '.join(p_shifted) or 'nothing'}",
        verdict,
        f"stack {stack.stack}; CDK shifts traffic during cdk deploy; Pulumi shifts it in the "
        "release tool (python -m app.deploy release), never in pulumi up",
    )


def points(run: Run) -> list[Point]:
    """Evidence for each point, from the first stack compared and the mode probes."""
    first: StackRun = run.runs[0]
    full = next((r for r in run.runs if _of(r.pulumi, "codepipeline")), first)
    probes = {p.mode: p for p in run.probes}
    p_functions = _of(first.pulumi, "lambda-function")
    c_functions = [
        r for r in _of(first.cdk, "lambda-function") if r.props.get("packageType") == "Image"
    ]
    p_pipelines = sorted(r.key for r in _of(full.pulumi, "codepipeline"))
    c_pipelines = sorted(r.key for r in _of(full.cdk, "codepipeline"))
    p_tasks = _of(first.pulumi, "ecs-task-definition")
    c_tasks = _of(first.cdk, "ecs-task-definition")
    p_placeholders = sorted(
        f"{r.key}:{r.props['tag']}" for r in _of(first.pulumi, "placeholder-image")
    )
    c_placeholders = sorted(
        f"{r.key}:{r.props['tag']}" for r in _of(first.cdk, "placeholder-image")
    )
    p_repos = sorted(
        {str(r.props.get("tagMutability")) for r in _of(first.pulumi, "ecr-repository")}
    )
    c_repos = sorted({str(r.props.get("tagMutability")) for r in _of(first.cdk, "ecr-repository")})
    latest = [
        r.key
        for r in [*first.pulumi, *first.cdk]
        if r.props.get("imageTag") == "latest" or r.props.get("tag") == "latest"
    ]
    env_names = {
        side: sorted(
            {
                entry.split("=", 1)[0]
                for r in _of(resources, "codebuild-project")
                for entry in r.props.get("environment", [])
                if "TAG_PARAMETER" in entry or "MANIFEST" in entry
            }
        )
        for side, resources in (("pulumi", full.pulumi), ("cdk", full.cdk))
    }
    manifests = {
        side: [r.key for r in _of(resources, "ssm-parameter") if r.key.endswith("/deploy-manifest")]
        for side, resources in (("pulumi", first.pulumi), ("cdk", first.cdk))
    }
    deploy_time = probes.get("deploy-time")
    tags = first.plan.resolved_tags
    pulumi_first = ", ".join(
        f"{image}={t['tag']} ({t['source']})" for image, t in sorted(tags.items())
    )

    return [
        Point(
            1,
            "Two repositories; both pipelines defined on the infra side",
            f"pipelines: {', '.join(c_pipelines) or 'none in this config'}",
            f"pipelines: {', '.join(p_pipelines) or 'none in this config'}",
            "same" if p_pipelines == c_pipelines else "unexpected",
            f"stack {full.stack}; app code lives in app/, infra in infra_pulumi/",
        ),
        Point(
            2,
            "ECS task definition names an ECR repository: infra needs no app source",
            f"ContainerImage.from_ecr_repository → {', '.join(_images(c_tasks))}",
            f"task definition image → {', '.join(_images(p_tasks))}",
            "same" if _images(p_tasks) == _images(c_tasks) else "intentional",
        ),
        Point(
            3,
            "Lambda as container images from ECR (no infra-side Lambda source)",
            f"DockerImageFunction + DockerImageCode.from_ecr: {len(c_functions)} functions, "
            f"images {', '.join(sorted(set(_images(c_functions))))}",
            f"aws.lambda_.Function(package_type='Image'): {len(p_functions)} functions, "
            f"images {', '.join(sorted(set(_images(p_functions))))}",
            "same" if len(p_functions) == len(c_functions) else "unexpected",
        ),
        Point(
            4,
            "First deploy: a placeholder image tagged `initial`",
            f"DockerImageAsset + ECRDeployment → {', '.join(c_placeholders)}",
            f"pulumi_docker.Image (never built on preview) → {', '.join(p_placeholders)}",
            "same" if p_placeholders == c_placeholders else "unexpected",
        ),
        Point(
            5,
            "Commit-hash tags; never `latest`",
            "no image reference uses `latest`" if not latest else f"`latest` in {latest}",
            "tags validated: 7-40 lowercase hex or `initial`; SSM allowedPattern enforces it",
            "same" if not latest else "unexpected",
        ),
        Point(
            6,
            "The tag is shared through SSM; the key name reaches CodeBuild as an env var",
            f"CodeBuild env: {', '.join(env_names['cdk']) or 'no pipelines in this config'}",
            f"CodeBuild env: {', '.join(env_names['pulumi']) or 'no pipelines in this config'}",
            "same" if env_names["pulumi"] == env_names["cdk"] else "unexpected",
        ),
        Point(
            7,
            "First deploy again: the tag parameter does not exist yet",
            (
                "deploy-time mode needs "
                + ", ".join(sorted(deploy_time.ssm_template_parameters.values()))
                + " at deploy time (AWS::SSM::Parameter::Value<String>): CloudFormation fails"
                if deploy_time and deploy_time.needs_parameter_at_deploy
                else "no SSM-typed template parameter in deploy-time mode"
            ),
            f"resolved at program time, in preview and up: {pulumi_first}",
            "intentional",
            f"probed on stack {run.probe_stack}; see 'First deploy' below",
        ),
        Point(
            8,
            "Workaround: look the tag up where errors can be handled; immutable tags",
            "synth-time mode (boto3, fallback on ParameterNotFound only); "
            f"repositories {', '.join(c_repos)}",
            "aws.ssm.get_parameter in try/except (fallback on not-found only); "
            f"repositories {', '.join(p_repos)}",
            "same" if p_repos == c_repos else "unexpected",
        ),
        Point(
            9,
            "Immediate Lambda update needs the function names on the app side",
            f"manifest parameter: {', '.join(manifests['cdk']) or 'none'}",
            f"manifest parameter: {', '.join(manifests['pulumi']) or 'none'} "
            "(read by python -m app.deploy release)",
            "same" if manifests["pulumi"] == manifests["cdk"] else "intentional",
        ),
        Point(
            10,
            "A rare one-off can stay a manual step",
            "CodeConnections handshake; a first deploy in deploy-time mode needs the "
            "parameter created by hand",
            "CodeConnections handshake; a requireRelease stack's first deploy runs once "
            "with requireRelease=false",
            "same",
        ),
        _release_point(first),
    ]
