"""The deploy-target manifest: which Lambda functions and ECS services run each image.

The infra stack publishes it as an SSM String parameter,
``/<project>/<stack>/deploy-manifest``; this module is its reader and its model, so
the infra side can check what it produces with ``parse_manifest``.
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

The model is a ``msgspec.Struct``, not pydantic like the infra program's config. The
release tool starts once per pipeline run and its start-up is most of a release's
time. ``python -X importtime -c "import app.deploy.manifest"`` gave about 0.16 s with
the pydantic models and 0.035 s with these (medians of 5 on the development machine);
see docs/app-release.md, "Benchmark".
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec

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

Name = Annotated[str, msgspec.Meta(pattern=r"^\S+$")]
"""A non-empty name without whitespace: AWS names, tags and URLs have none."""


# Each model: camelCase in JSON, snake_case in Python, immutable. Unknown fields are
# ignored (msgspec's default), so adding one to the contract needs no new schema.


class EcsServiceTarget(msgspec.Struct, rename="camel", frozen=True):
    """An ECS service running the image, and the container in its task that runs it."""

    cluster: Name
    service: Name
    container: Name

    def describe(self) -> str:
        return f"ECS service {self.cluster}/{self.service} (container {self.container})"


class ImageTargets(msgspec.Struct, rename="camel", frozen=True):
    """One image: where it is stored, where its tag is recorded, and what runs it."""

    repository_name: Name
    repository_url: Name
    tag_parameter: Annotated[str, msgspec.Meta(pattern=r"^/\S+$")]
    placeholder_tag: Name
    lambda_functions: tuple[Name, ...] = ()
    ecs_services: tuple[EcsServiceTarget, ...] = ()

    def __post_init__(self) -> None:
        # Runs on construction and on validation; a ValueError here becomes a
        # msgspec.ValidationError naming this entry's path.
        if not self.repository_url.endswith("/" + self.repository_name):
            raise ValueError(
                f"repositoryUrl {self.repository_url!r} does not end with "
                f"repositoryName {self.repository_name!r}"
            )
        names = self.lambda_functions
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"lambdaFunctions lists {', '.join(duplicates)} more than once")

    def image_uri(self, tag: str) -> str:
        """The URI a target runs for ``tag``: ``<repositoryUrl>:<tag>``."""
        return f"{self.repository_url}:{tag}"

    def tag_of(self, image_uri: str) -> str | None:
        """The tag in ``image_uri`` if it points into this repository by tag, else None."""
        prefix = self.repository_url + ":"
        return image_uri[len(prefix) :] if image_uri.startswith(prefix) else None


class DeployManifest(msgspec.Struct, rename="camel", frozen=True):
    """The whole manifest, schema 1."""

    schema_version: Literal[1] = msgspec.field(name="schema")
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
        return msgspec.json.encode(self).decode()


_FIX_MANIFEST = (
    "; the infra stack writes it: run pulumi up on the infra stack to publish it again, "
    "or point --manifest-parameter at the right parameter"
)


def parse_manifest(text: str, source: str = "deploy manifest") -> DeployManifest:
    """Validate a manifest document. ``source`` names it in error messages."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestInvalidError(f"{source} is not valid JSON: {exc}{_FIX_MANIFEST}") from exc
    if not isinstance(data, dict):
        raise ManifestInvalidError(
            f"{source} must be a JSON object, got {type(data).__name__}{_FIX_MANIFEST}"
        )
    # The schema is checked first, so a schema-2 document gets this message rather
    # than a list of fields it renamed.
    schema = data.get("schema")
    if schema != SCHEMA_VERSION or isinstance(schema, bool):
        raise UnsupportedSchemaError(
            f"{source} has schema {schema!r}; this release tool reads schema {SCHEMA_VERSION}. "
            "Upgrade app.deploy to a version that understands it."
        )
    try:
        return msgspec.convert(data, DeployManifest)
    except msgspec.ValidationError as exc:
        raise ManifestInvalidError(
            f"{source} is invalid: {_locate(exc, data)}{_FIX_MANIFEST}"
        ) from exc


def _locate(exc: msgspec.ValidationError, data: dict[str, Any]) -> str:
    """msgspec's message, with the image's name where msgspec writes ``images[...]``.

    msgspec stops at the first error and reports a dict value's path without its key;
    the entry at fault is the first one that does not validate on its own.
    """
    message = str(exc)
    images = data.get("images")
    if "$.images[...]" in message and isinstance(images, dict):
        for name, entry in images.items():
            try:
                msgspec.convert(entry, ImageTargets)
            except msgspec.ValidationError:
                return message.replace("$.images[...]", f"$.images.{name}", 1)
    return message


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
