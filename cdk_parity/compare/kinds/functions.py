"""Lambda functions: container images from ECR (talk, point 3)."""

from __future__ import annotations

from collections.abc import Iterator

from cdk_parity.compare.kinds.base import CfnSide, Kind, PulumiSide
from cdk_parity.compare.kinds.common import image_repository, image_tag
from cdk_parity.compare.model import Resource


class LambdaFunction(Kind):
    """Package type, image repository and tag, command, sizes, log group, role, and
    whether it publishes a version on each change (issue 14: the alias shifts between
    versions). Pulumi sets ``publish``; CDK's ``current_version`` is an
    ``AWS::Lambda::Version`` resource, folded in here."""

    name = "lambda-function"

    def from_pulumi(self, plan: PulumiSide) -> Iterator[Resource]:
        for function in plan.of("aws:lambda/function:Function"):
            inputs = function.inputs
            image = inputs.get("imageUri")
            props = {
                "packageType": inputs.get("packageType"),
                "repository": image_repository(image),
                "imageTag": image_tag(image),
                "command": inputs.get("imageConfig", {}).get("commands"),
                "memoryMb": inputs.get("memorySize"),
                "timeoutSeconds": inputs.get("timeout"),
                "architectures": inputs.get("architectures"),
                "logGroup": inputs.get("loggingConfig", {}).get("logGroup"),
                "role": str(inputs.get("role", "")).rsplit("/", 1)[-1],
                "publishesVersions": bool(inputs.get("publish")),
            }
            yield plan.resource(self.name, inputs["name"], props, function)

    def from_cfn(self, template: CfnSide) -> Iterator[Resource]:
        reference = template.render.render
        versions = template.of("AWS::Lambda::Version")
        for logical, props in template.of("AWS::Lambda::Function"):
            own = [v for v, p in versions if p.get("FunctionName") == reference({"Ref": logical})]
            image = props.get("Code", {}).get("ImageUri")
            normalised = {
                "packageType": props.get("PackageType", "Zip"),
                "repository": image_repository(image),
                "imageTag": image_tag(image),
                "command": props.get("ImageConfig", {}).get("Command"),
                "memoryMb": props.get("MemorySize"),
                "timeoutSeconds": props.get("Timeout"),
                "architectures": props.get("Architectures"),
                "logGroup": props.get("LoggingConfig", {}).get("LogGroup"),
                "role": str(props.get("Role", "")).rsplit("/", 1)[-1],
                "publishesVersions": bool(own),
            }
            key = props.get("FunctionName", f"logical:{logical}")
            yield template.resource(self.name, key, normalised, logical, *own)
