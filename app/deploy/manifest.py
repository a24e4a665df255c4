"""The deploy-target manifest: which Lambda functions and ECS services run each image.

The infra stack publishes it as an SSM String parameter,
``/<project>/<stack>/deploy-manifest``; this module is its reader and its model, so
the infra side can check what it produces with ``parse_manifest``.
Contract: readers reject an unknown ``schema``; an added field is ignored; renaming
or removing a field needs a new schema. This reader reads schemas 1 to 4;
docs/app-release.md ("The manifest from Python") has an example of each.

* Schema 1 lists function names (or their ARNs, of this account and region); a
  release moves each function's ``$LATEST``. An image run by ECS services lists them
  (``{"cluster", "service", "container"}``).
* Schema 2 (issue 14) lists each function as an object ``{"name", "alias",
  "codeDeployApplication", "deploymentGroup"}``: a release publishes a version and
  CodeDeploy moves the alias. ``lockParameter`` and ``failedReleasesParameter`` are
  required; in schema 1 they are optional (an older infra stack leaves them out) and
  derived from the tag parameter's folder (``<folder>/release-lock``,
  ``<folder>/failed-releases``).
* Schema 3 (issue 22) is a promoted stage's: schema 2 plus ``stage.from`` and, per
  image, ``placeholderRepositoryUrl`` and ``digestParameter`` (``app.deploy.schemas``).
* Schema 4 (issue 24) is schema 2, or with ``stage`` schema 3, plus ``lockTable``: the
  release lock is an item of that DynamoDB table (``app.deploy.table_lock``).

A target (a Lambda function, or an ECS service's container), a deployment group and
each parameter belongs to exactly one image: releasing one image must never move
another image's target.

The model is a ``msgspec.Struct``, not pydantic like the infra program's config: start-up
is most of a release's time, and importing this module took 0.035 s against 0.16 s with
pydantic models (``python -X importtime``, docs/app-release.md, "Benchmark"). A little
over the ~400-line guide: the contract's model, its checks and its reader stay together.
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
from app.deploy.names import (
    Name,
    ParameterName,
    bare_function_name,
    repository_url_parts,
    ssm_name_problem,
)
from app.deploy.retry import RetryPolicy
from app.deploy.schemas import Stage, check_lock_table, check_schema, check_stage

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

SCHEMA_VERSIONS = (1, 2, 3, 4)
"""The ``schema`` values this reader understands."""
SCHEMA_VERSION = 4
"""The newest ``schema``: both kinds of stage publish it (before it: 2 and 3)."""

MANIFEST_PARAMETER_ENV = "DEPLOY_MANIFEST_PARAMETER"
"""Environment variable naming the manifest parameter when ``--manifest-parameter`` is absent."""

AliasName = Annotated[str, msgspec.Meta(pattern=r"^(?![0-9]+$)[A-Za-z0-9_-]{1,128}$")]
"""A Lambda alias name (CreateAlias's ``Name``: not only digits, which name versions)."""

FunctionName = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}$"
    ),
]
"""A Lambda function's name (1 to 64 of ``A-Za-z0-9_-``), or its unqualified ARN.

``arn:<partition>:lambda:<region>:<account>:function:<name>``, the forms
``UpdateFunctionCode`` accepts (Lambda API reference, FunctionName) without a qualifier
or a partial ARN. An ARN must name this account and region: the release checks that
against ECR's own repository URI before anything changes (``app.deploy.registry``).
"""


_COUNTS = {3: "three", 4: "four"}

LOCK_PARAMETER_LEAF = "release-lock"
FAILED_RELEASES_PARAMETER_LEAF = "failed-releases"


def _sibling(parameter: str, leaf: str) -> str:
    """``leaf`` in the folder of ``parameter``: ``/a/b/tag`` -> ``/a/b/<leaf>``."""
    return f"{parameter.rsplit('/', 1)[0]}/{leaf}"


# Each model: camelCase in JSON, snake_case in Python, immutable. Unknown fields are
# ignored (msgspec's default), so adding one to the contract needs no new schema.


class EcsServiceTarget(msgspec.Struct, rename="camel", frozen=True):
    """An ECS service running the image, and the container in its task that runs it."""

    cluster: Name
    service: Name
    container: Name

    def describe(self) -> str:
        return f"ECS service {self.cluster}/{self.service} (container {self.container})"


class LambdaTarget(msgspec.Struct, rename="camel", frozen=True):
    """Schema 2: a Lambda function, the alias its invokers call, and its CodeDeploy group.

    A release publishes a version and has CodeDeploy move ``alias`` to it in the
    steps of the deployment group's config, rolled back on failure or alarm.
    """

    name: FunctionName
    alias: AliasName
    code_deploy_application: Name
    deployment_group: Name

    def describe(self) -> str:
        return f"Lambda function {self.name} (alias {self.alias})"


class ImageTargets(msgspec.Struct, rename="camel", frozen=True):
    """One image: where it is stored, where its tag is recorded, and what runs it.

    ``lambda_functions`` holds names in schema 1 and ``LambdaTarget`` objects in
    schema 2 (``DeployManifest`` checks which); ``function_names`` reads both.
    """

    repository_name: Name
    repository_url: Name
    tag_parameter: ParameterName
    placeholder_tag: Name
    lambda_functions: tuple[FunctionName | LambdaTarget, ...] = ()
    ecs_services: tuple[EcsServiceTarget, ...] = ()
    # Optional in schema 1 (added within it: absent in manifests of older infra
    # stacks); required in schema 2.
    lock_parameter: ParameterName | msgspec.UnsetType = msgspec.UNSET
    failed_releases_parameter: ParameterName | msgspec.UnsetType = msgspec.UNSET
    # Schema 3 (a promoted stage): this stage's own repository (its placeholder), and
    # the parameter recording the promoted digest beside the tag.
    placeholder_repository_url: Name | msgspec.UnsetType = msgspec.UNSET
    digest_parameter: ParameterName | msgspec.UnsetType = msgspec.UNSET

    def __post_init__(self) -> None:
        # Runs on construction and on validation; a ValueError here becomes a
        # msgspec.ValidationError naming this entry's path.
        if not self.repository_url.endswith("/" + self.repository_name):
            raise ValueError(
                f"repositoryUrl {self.repository_url!r} does not end with "
                f"repositoryName {self.repository_name!r}"
            )
        kinds = {isinstance(entry, LambdaTarget) for entry in self.lambda_functions}
        if len(kinds) > 1:
            raise ValueError(
                "lambdaFunctions mixes names and objects; schema 1 lists names, schema 2 objects"
            )
        # By name: a function listed once by name and once by ARN is listed twice.
        names = [bare_function_name(name) for name in self.function_names]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"lambdaFunctions lists {', '.join(duplicates)} more than once")
        containers = [(s.cluster, s.service, s.container) for s in self.ecs_services]
        repeated = sorted({c for c in containers if containers.count(c) > 1})
        if repeated:
            listed = ", ".join(f"{c}/{s} (container {k})" for c, s, k in repeated)
            raise ValueError(f"ecsServices lists {listed} more than once")
        groups = [(t.code_deploy_application, t.deployment_group) for t in self.lambda_targets]
        shared = sorted({g for g in groups if groups.count(g) > 1})
        if shared:
            listed = ", ".join(f"{a}/{g}" for a, g in shared)
            raise ValueError(
                f"lambdaFunctions gives deployment group {listed} to more than one function; "
                "each function has its own"
            )
        parameters = {
            "tagParameter": self.tag_parameter,
            "lockParameter": self.lock_parameter_name,
            "failedReleasesParameter": self.failed_releases_parameter_name,
        }
        if isinstance(self.digest_parameter, str):
            parameters["digestParameter"] = self.digest_parameter
        for field_name, parameter in parameters.items():
            problem = ssm_name_problem(parameter)
            if problem:
                raise ValueError(f"{field_name} {parameter!r} {problem}")
        if len(set(parameters.values())) != len(parameters):
            raise ValueError(
                f"{', '.join(parameters)} must be {_COUNTS[len(parameters)]} different "
                f"parameters, got {sorted(parameters.values())}"
            )

    @property
    def function_names(self) -> tuple[str, ...]:
        """The Lambda functions' names, in either schema."""
        return tuple(e.name if isinstance(e, LambdaTarget) else e for e in self.lambda_functions)

    @property
    def lambda_targets(self) -> tuple[LambdaTarget, ...]:
        """Schema 2's function entries (empty in schema 1)."""
        return tuple(e for e in self.lambda_functions if isinstance(e, LambdaTarget))

    @property
    def uses_aliases(self) -> bool:
        """True when a release moves aliases through CodeDeploy (schema 2), not ``$LATEST``."""
        return bool(self.lambda_targets)

    @property
    def lock_parameter_name(self) -> str:
        """The release lock: ``lockParameter``, else ``<tag parameter's folder>/release-lock``."""
        if isinstance(self.lock_parameter, str):
            return self.lock_parameter
        return _sibling(self.tag_parameter, LOCK_PARAMETER_LEAF)

    @property
    def failed_releases_parameter_name(self) -> str:
        """The failed-release record: ``failedReleasesParameter``, else its default.

        The default is ``failed-releases`` in the tag parameter's folder.
        """
        if isinstance(self.failed_releases_parameter, str):
            return self.failed_releases_parameter
        return _sibling(self.tag_parameter, FAILED_RELEASES_PARAMETER_LEAF)

    def parameters(self) -> tuple[str, ...]:
        """The tag parameter, the lock, the failed-release record (and the digest parameter)."""
        names = (self.tag_parameter, self.lock_parameter_name, self.failed_releases_parameter_name)
        return (*names, self.digest_parameter) if isinstance(self.digest_parameter, str) else names

    @property
    def promoted(self) -> bool:
        """Schema 3: targets run the build stage's digests; this stage builds nothing."""
        return isinstance(self.digest_parameter, str)

    @property
    def digest_parameter_name(self) -> str:
        """Schema 3's digest parameter; ``ValueError`` for an image of a build stage."""
        if not isinstance(self.digest_parameter, str):
            raise ValueError("this image has no digestParameter: it is not a promoted stage's")
        return self.digest_parameter

    @property
    def own_repository(self) -> tuple[str, str]:
        """(name, URL) of this stage's own repository: the placeholder's in schema 3."""
        if isinstance(self.placeholder_repository_url, str):
            parts = repository_url_parts(self.placeholder_repository_url)
            name = parts[2] if parts else self.placeholder_repository_url.rsplit("/", 1)[-1]
            return name, self.placeholder_repository_url
        return self.repository_name, self.repository_url

    def digest_uri(self, digest: str) -> str:
        """The URI a target runs for a promoted ``digest``: ``<repositoryUrl>@<digest>``."""
        return f"{self.repository_url}@{digest}"

    def image_uri(self, tag: str) -> str:
        """The URI a target runs for ``tag``: ``<repositoryUrl>:<tag>``."""
        return f"{self.repository_url}:{tag}"

    def tag_of(self, image_uri: str) -> str | None:
        """The tag in ``image_uri`` if it points into this repository by tag, else None."""
        prefix = self.repository_url + ":"
        return image_uri[len(prefix) :] if image_uri.startswith(prefix) else None

    def digest_of(self, image_uri: str) -> str | None:
        """The digest in ``image_uri`` if it points into this repository by digest, else None.

        The infra program pins a target that runs the placeholder by digest
        (``<repositoryUrl>@sha256:...``), so a re-pushed placeholder reaches it.
        """
        prefix = self.repository_url + "@"
        return image_uri[len(prefix) :] if image_uri.startswith(prefix) else None


class DeployManifest(msgspec.Struct, rename="camel", frozen=True):
    """The whole manifest, schema 1 to 4."""

    schema_version: Literal[1, 2, 3, 4] = msgspec.field(name="schema")
    project: Name
    stack: Name
    images: dict[Name, ImageTargets]
    stage: Stage | msgspec.UnsetType = msgspec.UNSET
    """Schema 3 (and 4, optional): the build stage this stage promotes from."""
    lock_table: str | msgspec.UnsetType = msgspec.UNSET
    """Schema 4: the DynamoDB table of the release locks."""

    def __post_init__(self) -> None:
        check_stage(self.schema_version, self.stage)
        check_lock_table(self.schema_version, self.lock_table)
        for image_name, image in sorted(self.images.items()):
            check_schema(self.schema_version, image_name, image, self.stage)
        # A target listed under two images would be moved by releases of both: a
        # release of one image would put another image's function on its repository
        # while that image's tag parameter still names its own tag.
        owners: dict[tuple[str, ...], str] = {}
        for image_name, image in sorted(self.images.items()):
            keys = [("Lambda function", bare_function_name(n)) for n in image.function_names]
            keys += [
                ("CodeDeploy deployment group", f"{t.code_deploy_application}/{t.deployment_group}")
                for t in image.lambda_targets
            ]
            keys += [
                ("ECS service", f"{s.cluster}/{s.service} (container {s.container})")
                for s in image.ecs_services
            ]
            keys += [("SSM parameter", name) for name in image.parameters()]
            for key in keys:
                other = owners.setdefault(key, image_name)
                if other != image_name:
                    raise ValueError(
                        f"{key[0]} {key[1]} is listed under images {other!r} and "
                        f"{image_name!r}; each target and parameter belongs to one image"
                    )

    @property
    def lock_table_name(self) -> str | None:
        """Schema 4's lock table; None: each image's lock is its SSM ``lockParameter``."""
        return self.lock_table if isinstance(self.lock_table, str) else None

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
    if schema not in SCHEMA_VERSIONS or isinstance(schema, bool):
        readable = ", ".join(str(v) for v in SCHEMA_VERSIONS[:-1]) + f" and {SCHEMA_VERSIONS[-1]}"
        raise UnsupportedSchemaError(
            f"{source} has schema {schema!r}; this release tool reads schemas {readable}. "
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


def load_manifest(
    ssm: SSMClient, parameter_name: str, retry: RetryPolicy | None = None
) -> DeployManifest:
    """Read and validate the manifest from the SSM parameter ``parameter_name``."""
    return parse_manifest(
        read_manifest(ssm, parameter_name, retry), f"deploy manifest {parameter_name}"
    )


def read_manifest(ssm: SSMClient, parameter_name: str, retry: RetryPolicy | None = None) -> str:
    """The manifest parameter's value, unparsed (the lock's recheck compares it).

    The read is retried on throttling like every other call (``retry``, by default
    ``RetryPolicy()``: six attempts).
    """
    policy = retry or RetryPolicy()
    try:
        response = policy.call(lambda: ssm.get_parameter(Name=parameter_name))
    except ssm.exceptions.ParameterNotFound as exc:
        raise ManifestNotFoundError(
            f"deploy manifest parameter {parameter_name} does not exist; "
            "deploy the infra stack first (pulumi up), or fix the parameter name"
        ) from exc
    return str(response["Parameter"]["Value"])
