"""CodeBuild projects and CodePipelines, both defined on the infra side (talk, points 1 and 6)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import yaml

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.model import Resource


def buildspec(value: Any) -> Any:
    """A buildspec file's path as it is; an inline buildspec (its text, YAML or JSON) by
    what it says: ``inline <digest of the parsed document>``, so two renderings of one
    buildspec (the file's YAML, CDK's re-serialised YAML) compare equal."""
    if not isinstance(value, str) or "\n" not in value.strip():
        return value
    try:
        parsed = yaml.safe_load(value)
    except yaml.YAMLError:
        return value
    canonical = json.dumps(parsed, sort_keys=True, separators=(",", ":"))
    return f"inline {hashlib.sha256(canonical.encode()).hexdigest()[:16]}"


def _project_props(
    *,
    image: Any,
    compute: Any,
    privileged: Any,
    variables: list[tuple[str, str, Any]],
    spec: Any,
    timeout: Any,
) -> dict[str, Any]:
    return {
        "image": image,
        "computeType": compute,
        "privileged": bool(privileged),
        "environment": sorted(
            f"{name}={'secret:' if kind == 'SECRETS_MANAGER' else ''}{value}"
            for name, kind, value in variables
        ),
        "buildspec": buildspec(spec),
        "timeoutMinutes": timeout,
    }


class CodeBuildProject(Kind):
    """Image, size, privileged mode, environment (secrets marked), buildspec, timeout.

    Its role is an ``iam-role`` entry of its own, keyed ``codebuild-project:<name>``.
    """

    name = "codebuild-project"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for project in plan.of("aws:codebuild/project:Project"):
            inputs = project.inputs
            environment = inputs["environment"]
            props = _project_props(
                image=environment.get("image"),
                compute=environment.get("computeType"),
                privileged=environment.get("privilegedMode", False),
                variables=[
                    (v["name"], v["type"], v["value"])
                    for v in environment.get("environmentVariables", [])
                ],
                spec=inputs["source"].get("buildspec"),
                timeout=inputs.get("buildTimeout"),
            )
            yield plan.resource(self.name, inputs["name"], props, project)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::CodeBuild::Project"):
            environment = props["Environment"]
            normalised = _project_props(
                image=environment.get("Image"),
                compute=environment.get("ComputeType"),
                privileged=environment.get("PrivilegedMode", False),
                variables=[
                    (v["Name"], v.get("Type", "PLAINTEXT"), v["Value"])
                    for v in environment.get("EnvironmentVariables", [])
                ],
                spec=props.get("Source", {}).get("BuildSpec"),
                timeout=props.get("TimeoutInMinutes"),
            )
            yield template.resource(self.name, props.get("Name", logical), normalised, logical)


class CodePipeline(Kind):
    """Type, execution mode, each stage's actions and providers, the source repository."""

    name = "codepipeline"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for pipeline in plan.of("aws:codepipeline/pipeline:Pipeline"):
            inputs = pipeline.inputs
            stages = [
                f"{s['name']}: " + ", ".join(f"{a['name']}({a['provider']})" for a in s["actions"])
                for s in inputs["stages"]
            ]
            source = inputs["stages"][0]["actions"][0]["configuration"]
            props = {
                "pipelineType": inputs.get("pipelineType"),
                "executionMode": inputs.get("executionMode"),
                "stages": stages,
                "repository": source.get("FullRepositoryId"),
                "branch": source.get("BranchName"),
                "connection": source.get("ConnectionArn"),
            }
            yield plan.resource(self.name, inputs["name"], props, pipeline)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        for logical, props in template.of("AWS::CodePipeline::Pipeline"):
            stages = [
                f"{s['Name']}: "
                + ", ".join(f"{a['Name']}({a['ActionTypeId']['Provider']})" for a in s["Actions"])
                for s in props["Stages"]
            ]
            source = props["Stages"][0]["Actions"][0].get("Configuration", {})
            normalised = {
                "pipelineType": props.get("PipelineType"),
                "executionMode": props.get("ExecutionMode"),
                "stages": stages,
                "repository": source.get("FullRepositoryId"),
                "branch": source.get("BranchName"),
                "connection": source.get("ConnectionArn"),
            }
            yield template.resource(self.name, props.get("Name", logical), normalised, logical)
