"""The deploy-target manifest: which Lambda functions and ECS services run each image.

The infra stack publishes it as an SSM String parameter,
``/<project>/<stack>/deploy-manifest``; this module is its reader and its model, so
the infra side can validate what it produces with ``DeployManifest.model_validate``.
Contract (DESIGN.md): readers reject an unknown ``schema``; an added field is
ignored; renaming or removing a field needs schema 2. Example::

    {
      "schema": 1, "project": "cd", "stack": "dev",
      "images": {
        "lambda": {
          "repositoryName": "cd-dev-lambda",
          "repositoryUrl": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/cd-dev-lambda",
          "tagParameter": "/cd/dev/images/lambda/tag",
          "placeholderTag": "initial",
          "lambdaFunctions": ["cd-dev-jobs", "cd-dev-api"],
          "ecsServices": []
        },
        "web": {
          "repositoryName": "cd-dev-web",
          "repositoryUrl": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/cd-dev-web",
          "tagParameter": "/cd/dev/images/web/tag",
          "placeholderTag": "initial",
          "lambdaFunctions": [],
          "ecsServices": [{"cluster": "cd-dev", "service": "cd-dev-web", "container": "web"}]
        }
      }
    }
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic import model_validator as _model_validator
from pydantic.alias_generators import to_camel

from app.deploy.exceptions import (
    ManifestInvalidError,
    ManifestNotFoundError,
    UnknownImageError,
    UnsupportedSchemaError,
)

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

SCHEMA_VERSION = 1
"""The only ``schema`` this reader understands."""

MANIFEST_PARAMETER_ENV = "DEPLOY_MANIFEST_PARAMETER"
"""Environment variable naming the manifest parameter when ``--manifest-parameter`` is absent."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Model(BaseModel):
    # Extra fields are ignored: adding one to the contract does not need a new schema.
    model_config = ConfigDict(
        extra="ignore", frozen=True, alias_generator=to_camel, validate_by_name=True
    )


class EcsServiceTarget(_Model):
    """An ECS service running the image, and the container in its task that runs it."""

    cluster: Name
    service: Name
    container: Name

    def describe(self) -> str:
        return f"ECS service {self.cluster}/{self.service} (container {self.container})"


class ImageTargets(_Model):
    """One image: where it is stored, where its tag is recorded, and what runs it."""

    repository_name: Name
    repository_url: Name
    tag_parameter: Annotated[str, StringConstraints(pattern=r"^/\S+$")]
    placeholder_tag: Name
    lambda_functions: tuple[Name, ...] = ()
    ecs_services: tuple[EcsServiceTarget, ...] = ()

    @_model_validator(mode="after")
    def _consistent(self) -> ImageTargets:
        if not self.repository_url.endswith("/" + self.repository_name):
            raise ValueError(
                f"repositoryUrl {self.repository_url!r} does not end with "
                f"repositoryName {self.repository_name!r}"
            )
        names = self.lambda_functions
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"lambdaFunctions lists {', '.join(duplicates)} more than once")
        return self

    def image_uri(self, tag: str) -> str:
        """The URI a target runs for ``tag``: ``<repositoryUrl>:<tag>``."""
        return f"{self.repository_url}:{tag}"

    def tag_of(self, image_uri: str) -> str | None:
        """The tag in ``image_uri`` if it points into this repository by tag, else None."""
        prefix = self.repository_url + ":"
        return image_uri[len(prefix) :] if image_uri.startswith(prefix) else None


class DeployManifest(_Model):
    """The whole manifest, schema 1."""

    schema_version: Literal[1] = Field(alias="schema")
    project: Name
    stack: Name
    images: dict[Name, ImageTargets]

    def image(self, name: str) -> ImageTargets:
        """The entry for image ``name``; ``UnknownImageError`` lists the known ones."""
        try:
            return self.images[name]
        except KeyError:
            known = ", ".join(sorted(self.images)) or "(none)"
            raise UnknownImageError(
                f"image {name!r} is not in the deploy manifest of {self.project}/{self.stack}; "
                f"known images: {known}"
            ) from None

    def to_json(self) -> str:
        """Serialise with the contract's camelCase names, as infra publishes it."""
        return self.model_dump_json(by_alias=True)


def parse_manifest(text: str, source: str = "deploy manifest") -> DeployManifest:
    """Validate a manifest document. ``source`` names it in error messages."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestInvalidError(f"{source} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ManifestInvalidError(f"{source} must be a JSON object, got {type(data).__name__}")
    # The schema is checked first, so a schema-2 document gets this message rather
    # than a list of fields it renamed.
    schema = data.get("schema")
    if schema != SCHEMA_VERSION:
        raise UnsupportedSchemaError(
            f"{source} has schema {schema!r}; this release tool reads schema {SCHEMA_VERSION}. "
            "Upgrade app.deploy to a version that understands it."
        )
    try:
        return DeployManifest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ManifestInvalidError(f"{source} is invalid: {problems}") from exc


def load_manifest(ssm: SSMClient, parameter_name: str) -> DeployManifest:
    """Read and validate the manifest from the SSM parameter ``parameter_name``."""
    try:
        response = ssm.get_parameter(Name=parameter_name)
    except ssm.exceptions.ParameterNotFound as exc:
        raise ManifestNotFoundError(
            f"deploy manifest parameter {parameter_name} does not exist; "
            "deploy the infra stack first (pulumi up), or fix the parameter name"
        ) from exc
    return parse_manifest(response["Parameter"]["Value"], f"deploy manifest {parameter_name}")
