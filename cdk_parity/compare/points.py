"""The talk's ten points and one beyond it, each with what the two sides do, read from this
run's output."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cdk_parity.compare.model import Resource
from cdk_parity.compare.run import ModeProbe, Run, StackRun

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
    if tag is None:
        return f"{repository} (no tag)"
    # A digest pin reads "@sha256:… (digest pin)": it follows the repository directly.
    return f"{repository}{tag}" if str(tag).startswith("@") else f"{repository}:{tag}"


def _images(resources: Iterable[Resource]) -> list[str]:
    return sorted(_image(r) for r in resources)


def _image_verdict(
    stack: StackRun, kind: str, pulumi: list[Resource], cdk: list[Resource]
) -> PointVerdict:
    """Both sides run their images from ECR: *same* when they name the same images,
    *intentional* when the same repositories are named differently (a tag against a
    digest pin) and the comparison reviewed every such difference of ``kind``, otherwise
    *unexpected*."""
    if len(pulumi) != len(cdk) or {r.props.get("repository") for r in pulumi} != {
        r.props.get("repository") for r in cdk
    }:
        return "unexpected"
    if _images(pulumi) == _images(cdk):
        return "same"
    named = [
        difference
        for pair in stack.comparison.pairs
        if pair.kind == kind
        for difference in pair.differences
        if difference.name in ("repository", "imageTag")
    ]
    return "intentional" if named and all(d.expected for d in named) else "unexpected"


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


@dataclass(frozen=True)
class _Evidence:
    """What the points are read from: the first stack compared, the first with pipelines
    (or the first), and the first-deploy probes of the three CDK modes."""

    run: Run
    first: StackRun
    full: StackRun
    probes: Mapping[str, ModeProbe]


def _pipelines_point(e: _Evidence) -> Point:
    # Compared as sets: the Pulumi side registers resources in no fixed order.
    pulumi = sorted(r.key for r in _of(e.full.pulumi, "codepipeline"))
    cdk = sorted(r.key for r in _of(e.full.cdk, "codepipeline"))
    return Point(
        1,
        "Two repositories; both pipelines defined on the infra side",
        f"pipelines: {', '.join(cdk) or 'none in this config'}",
        f"pipelines: {', '.join(pulumi) or 'none in this config'}",
        "same" if pulumi == cdk else "unexpected",
        f"stack {e.full.stack}; app code lives in app/, infra in infra_pulumi/",
    )


def _ecs_point(e: _Evidence) -> Point:
    pulumi = _of(e.first.pulumi, "ecs-task-definition")
    cdk = _of(e.first.cdk, "ecs-task-definition")
    return Point(
        2,
        "ECS task definition names an ECR repository: infra needs no app source",
        f"ContainerImage.from_ecr_repository → {', '.join(_images(cdk))}",
        f"task definition image → {', '.join(_images(pulumi))}",
        _image_verdict(e.first, "ecs-task-definition", pulumi, cdk),
    )


def _lambda_point(e: _Evidence) -> Point:
    pulumi = _of(e.first.pulumi, "lambda-function")
    # CDK's own custom-resource handlers are zip functions, not the stack's.
    cdk = [r for r in _of(e.first.cdk, "lambda-function") if r.props.get("packageType") == "Image"]
    return Point(
        3,
        "Lambda as container images from ECR (no infra-side Lambda source)",
        f"DockerImageFunction + DockerImageCode.from_ecr: {len(cdk)} functions, "
        f"images {', '.join(sorted(set(_images(cdk))))}",
        f"aws.lambda_.Function(package_type='Image'): {len(pulumi)} functions, "
        f"images {', '.join(sorted(set(_images(pulumi))))}",
        _image_verdict(e.first, "lambda-function", pulumi, cdk),
    )


def _placeholder_point(e: _Evidence) -> Point:
    pulumi, cdk = (
        sorted(f"{r.key}:{r.props['tag']}" for r in _of(resources, "placeholder-image"))
        for resources in (e.first.pulumi, e.first.cdk)
    )
    return Point(
        4,
        "First deploy: a placeholder image tagged `initial`",
        f"DockerImageAsset + ECRDeployment → {', '.join(cdk)}",
        f"pulumi_docker.Image (never built on preview) → {', '.join(pulumi)}",
        "same" if pulumi == cdk else "unexpected",
    )


def _latest_point(e: _Evidence) -> Point:
    latest = [
        r.key
        for r in [*e.first.pulumi, *e.first.cdk]
        if r.props.get("imageTag") == "latest" or r.props.get("tag") == "latest"
    ]
    return Point(
        5,
        "Commit-hash tags; never `latest`",
        "no image reference uses `latest`" if not latest else f"`latest` in {latest}",
        "tags validated: 7-40 lowercase hex or `initial`; SSM allowedPattern enforces it",
        "same" if not latest else "unexpected",
    )


def _key_names_point(e: _Evidence) -> Point:
    pulumi, cdk = (
        sorted(
            {
                entry.split("=", 1)[0]
                for r in _of(resources, "codebuild-project")
                for entry in r.props.get("environment", [])
                if "TAG_PARAMETER" in entry or "MANIFEST" in entry
            }
        )
        for resources in (e.full.pulumi, e.full.cdk)
    )
    return Point(
        6,
        "The tag is shared through SSM; the key name reaches CodeBuild as an env var",
        f"CodeBuild env: {', '.join(cdk) or 'no pipelines in this config'}",
        f"CodeBuild env: {', '.join(pulumi) or 'no pipelines in this config'}",
        "same" if pulumi == cdk else "unexpected",
    )


def _first_deploy_point(e: _Evidence) -> Point:
    deploy_time = e.probes.get("deploy-time")
    tags = e.first.plan.resolved_tags
    pulumi = ", ".join(f"{image}={t['tag']} ({t['source']})" for image, t in sorted(tags.items()))
    return Point(
        7,
        "First deploy again: the tag parameter does not exist yet",
        (
            "deploy-time mode needs "
            + ", ".join(sorted(deploy_time.ssm_template_parameters.values()))
            + " at deploy time (AWS::SSM::Parameter::Value<String>): CloudFormation fails"
            if deploy_time and deploy_time.needs_parameter_at_deploy
            else "no SSM-typed template parameter in deploy-time mode"
        ),
        f"resolved at program time, in preview and up: {pulumi}",
        "intentional",
        f"probed on stack {e.run.probe_stack}; see 'First deploy' below",
    )


def _immutable_point(e: _Evidence) -> Point:
    pulumi, cdk = (
        sorted({str(r.props.get("tagMutability")) for r in _of(resources, "ecr-repository")})
        for resources in (e.first.pulumi, e.first.cdk)
    )
    return Point(
        8,
        "Workaround: look the tag up where errors can be handled; immutable tags",
        "synth-time mode (boto3, fallback on ParameterNotFound only); "
        f"repositories {', '.join(cdk)}",
        "aws.ssm.get_parameter in try/except (fallback on not-found only); "
        f"repositories {', '.join(pulumi)}",
        "same" if pulumi == cdk else "unexpected",
    )


def _manifest_point(e: _Evidence) -> Point:
    pulumi, cdk = (
        [r.key for r in _of(resources, "ssm-parameter") if r.key.endswith("/deploy-manifest")]
        for resources in (e.first.pulumi, e.first.cdk)
    )
    return Point(
        9,
        "Immediate Lambda update needs the function names on the app side",
        f"manifest parameter: {', '.join(cdk) or 'none'}",
        f"manifest parameter: {', '.join(pulumi) or 'none'} (read by python -m app.deploy release)",
        "same" if pulumi == cdk else "intentional",
    )


def _manual_step_point(_: _Evidence) -> Point:
    return Point(
        10,
        "A rare one-off can stay a manual step",
        "CodeConnections handshake; a first deploy in deploy-time mode needs the "
        "parameter created by hand",
        "CodeConnections handshake; a requireRelease stack's first deploy runs once "
        "with requireRelease=false",
        "same",
    )


_POINTS = (
    _pipelines_point,
    _ecs_point,
    _lambda_point,
    _placeholder_point,
    _latest_point,
    _key_names_point,
    _first_deploy_point,
    _immutable_point,
    _manifest_point,
    _manual_step_point,
)


def points(run: Run) -> list[Point]:
    """Evidence for each point, from the first stack compared and the mode probes."""
    first = run.runs[0]
    evidence = _Evidence(
        run=run,
        first=first,
        full=next((r for r in run.runs if _of(r.pulumi, "codepipeline")), first),
        probes={p.mode: p for p in run.probes},
    )
    return [*(point(evidence) for point in _POINTS), _release_point(first)]
