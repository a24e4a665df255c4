"""The placeholder image: built from docker/initial_lambda, pushed once as tag ``initial``.

It lets the first deploy create functions before the app pipeline has pushed anything
(the talk's point 4). pulumi-docker rebuilds and pushes only when the build inputs or
the context's content hash change, and never during ``pulumi preview``
(``build_on_preview=False``). A changed placeholder re-pushes ``initial``, which the
repository keeps mutable as its single exclusion (see ``ImageRepository``).

Pulumi's host runs the program with the ``main`` folder (``infra_pulumi/``) as working
directory, and the Docker provider resolves a relative context from there. The context
is configured relative to the project root, so it is made absolute from
``pulumi.get_root_directory()`` (the folder of ``Pulumi.yaml``) before it reaches the
provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pulumi
import pulumi_aws as aws
import pulumi_docker as docker

from infra_pulumi.exceptions import ConfigError
from infra_pulumi.naming import PLACEHOLDER_TAG


@dataclass(frozen=True)
class BuildPaths:
    """Absolute paths of a build context and its Dockerfile."""

    context: str
    dockerfile: str


def build_paths(context: str, root: str | None = None) -> BuildPaths:
    """Resolve a context given relative to the project root; it must hold a Dockerfile."""
    project_root = Path(root if root is not None else pulumi.get_root_directory())
    relative = PurePosixPath(context)
    if relative.is_absolute() or ".." in relative.parts:
        raise ConfigError(
            f"placeholder build context {context!r} must be a path inside the project, "
            f"relative to the project root {project_root} (e.g. docker/initial_lambda)"
        )
    directory = (project_root / relative).resolve()
    dockerfile = directory / "Dockerfile"
    if not dockerfile.is_file():
        raise ConfigError(
            f"placeholder build context {context!r} has no Dockerfile: {dockerfile} does not "
            "exist. Contexts are relative to the project root (the folder of Pulumi.yaml)."
        )
    return BuildPaths(context=str(directory), dockerfile=str(dockerfile))


@dataclass
class PlaceholderImageArgs:
    """Inputs of a ``PlaceholderImage``."""

    repository_url: pulumi.Input[str]
    """Repository to push to."""
    registry_id: pulumi.Input[str]
    """Registry (account) of that repository, for the push credentials."""
    context: str
    """Build context, relative to the project root (the folder of ``Pulumi.yaml``)."""
    platform: str = "linux/amd64"
    """Build platform; must match the functions' architecture."""


class PlaceholderImage(pulumi.ComponentResource):
    """Builds and pushes ``<repository>:initial``; functions depend on ``image``."""

    image: docker.Image
    image_name: pulumi.Output[str]
    repo_digest: pulumi.Output[str]

    def __init__(
        self, name: str, args: PlaceholderImageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("container-delivery:image:PlaceholderImage", name, None, opts)
        paths = build_paths(args.context)
        token = aws.ecr.get_authorization_token_output(
            registry_id=args.registry_id, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        self.image = docker.Image(
            f"{name}-image",
            image_name=pulumi.Output.concat(args.repository_url, ":", PLACEHOLDER_TAG),
            build=docker.DockerBuildArgs(
                context=paths.context,
                dockerfile=paths.dockerfile,
                platform=args.platform,
            ),
            registry=docker.RegistryArgs(
                server=args.repository_url,
                username=token.user_name,
                password=pulumi.Output.secret(token.password),
            ),
            build_on_preview=False,
            skip_push=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.image_name = self.image.image_name
        self.repo_digest = self.image.repo_digest
        self.register_outputs({"image_name": self.image_name, "repo_digest": self.repo_digest})
