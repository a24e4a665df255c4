"""What each target runs compared with the tag recorded for its image (``status``).

Exit codes, so a pipeline can gate on it: 0 everything runs its recorded tag, 6 some
target drifted, 7 something could not be read (then nothing can be said about it).

In schema 2 a function runs what its alias serves, not ``$LATEST``: the alias's
version and weights, the image of that version, any CodeDeploy deployment still
moving it, and "config pending" when ``$LATEST``'s configuration (an infra change)
differs from the served version's. Each of those counts as drift (exit 6): a release
of the recorded tag publishes and shifts it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal

import msgspec
from botocore.exceptions import ClientError

from app.deploy.exceptions import EXIT_DRIFT, EXIT_UNREADABLE
from app.deploy.lock import LockHolder
from app.deploy.locked import read_holder
from app.deploy.manifest import EcsServiceTarget, LambdaTarget
from app.deploy.retry import CALL_ERRORS, RetryPolicy, describe_error
from app.deploy.traffic import ACTIVE_STATUSES, config_differences, read_alias

if TYPE_CHECKING:
    from app.deploy.clients import AwsClients
    from app.deploy.manifest import DeployManifest, ImageTargets


class TargetStatus(msgspec.Struct, frozen=True):
    """One target: the image it runs now, against the image its recorded tag names."""

    image: str
    kind: Literal["lambda", "ecs"]
    name: str
    recorded_tag: str | None
    running_image: str | None
    running_tag: str | None
    error: str | None = None
    # Schema 2: the alias, the version it serves and any other version's weight, the
    # deployments still moving it, and what $LATEST has that the served version lacks.
    alias: str | None = None
    alias_version: str | None = None
    weights: dict[str, float] = msgspec.field(default_factory=dict)
    deployments: list[str] = msgspec.field(default_factory=list)
    pending: list[str] = msgspec.field(default_factory=list)

    @property
    def drift(self) -> bool:
        """True unless the target demonstrably runs ``<repositoryUrl>:<recorded tag>``.

        In schema 2, also while traffic is split or shifting, or configuration pending.
        """
        return (
            self.recorded_tag is None
            or self.running_tag != self.recorded_tag
            or bool(self.deployments or self.pending)
            or any(w > 0 for w in self.weights.values())
        )

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "image": self.image,
            "kind": self.kind,
            "name": self.name,
            "recordedTag": self.recorded_tag,
            "runningImage": self.running_image,
            "runningTag": self.running_tag,
            "drift": self.drift,
            "error": self.error,
        }
        if self.alias is not None:
            document.update(
                alias=self.alias,
                aliasVersion=self.alias_version,
                weights=self.weights,
                deploymentsInProgress=self.deployments,
                configPending=self.pending,
            )
        return document


class ImageStatus(msgspec.Struct, frozen=True):
    """One image of the manifest and the status of each of its targets."""

    image: str
    tag_parameter: str
    recorded_tag: str | None
    error: str | None
    targets: list[TargetStatus]
    lock_parameter: str = ""
    lock: LockHolder | None = None
    lock_error: str | None = None

    @property
    def unreadable(self) -> bool:
        return self.error is not None or any(t.error for t in self.targets)

    @property
    def drift(self) -> bool:
        return any(t.drift for t in self.targets)

    def to_dict(self) -> dict[str, Any]:
        return {
            "image": self.image,
            "tagParameter": self.tag_parameter,
            "recordedTag": self.recorded_tag,
            "error": self.error,
            "drift": self.drift,
            "unreadable": self.unreadable,
            "lockParameter": self.lock_parameter,
            "lock": self.lock.to_dict() if self.lock else None,
            "lockError": self.lock_error,
            "targets": [t.to_dict() for t in self.targets],
        }


def status_exit_code(images: list[ImageStatus]) -> int:
    """7 if anything could not be read, else 6 if any target drifted, else 0."""
    if any(image.unreadable for image in images):
        return EXIT_UNREADABLE
    if any(image.drift for image in images):
        return EXIT_DRIFT
    return 0


def collect_status(
    clients: AwsClients,
    manifest: DeployManifest,
    *,
    retry: RetryPolicy | None = None,
    max_concurrency: int = 16,
) -> list[ImageStatus]:
    """Read every recorded tag and every target's running image, concurrently.

    A target that cannot be read is reported with its error and counts as drift;
    it does not stop the others from being reported.
    """
    # Create the clients before worker threads share them; ECS only if it is used.
    _ = clients.ssm, clients.lambda_, clients.ecr
    if manifest.lock_table_name:
        _ = clients.dynamodb
    if any(image.ecs_services for image in manifest.images.values()):
        _ = clients.ecs
    if any(image.uses_aliases for image in manifest.images.values()):
        _ = clients.codedeploy
    reader = _Reader(clients, retry or RetryPolicy(), manifest.lock_table_name)
    images = list(manifest.images.items())
    targets: list[tuple[str, ImageTargets, Target]] = []
    for image_name, image in images:
        if image.uses_aliases:
            targets.extend((image_name, image, t) for t in image.lambda_targets)
        else:
            targets.extend((image_name, image, fn) for fn in image.function_names)
        targets.extend((image_name, image, svc) for svc in image.ecs_services)
    workers = max(1, min(max_concurrency, len(targets) + len(images)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        names, entries = [n for n, _ in images], [i for _, i in images]
        locks = pool.map(reader.lock_of, entries)
        recorded = dict(zip(names, pool.map(reader.recorded, entries), strict=True))
        results = list(
            pool.map(lambda t: reader.target(t[0], t[1], t[2], recorded[t[0]][0]), targets)
        )
        lock_states = dict(zip(names, locks, strict=True))
    return [
        ImageStatus(
            image=image_name,
            tag_parameter=image.tag_parameter,
            recorded_tag=recorded[image_name][0],
            error=recorded[image_name][1],
            targets=[t for t in results if t.image == image_name],
            lock_parameter=image.lock_parameter_name,
            lock=lock_states[image_name][0],
            lock_error=lock_states[image_name][1],
        )
        for image_name, image in images
    ]


Target = str | LambdaTarget | EcsServiceTarget
"""A schema-1 function name, a schema-2 function behind its alias, or an ECS service."""

_UNREADABLE: tuple[type[Exception], ...] = (*CALL_ERRORS, LookupError)


class _Reader:
    """The reads of ``status``; each target's failure is its own row, never the others'."""

    def __init__(self, clients: AwsClients, retry: RetryPolicy, table: str | None) -> None:
        self.clients = clients
        self.retry = retry
        self.table = table

    def recorded(self, image: ImageTargets) -> tuple[str | None, str | None]:
        ssm = self.clients.ssm
        try:
            response = self.retry.call(lambda: ssm.get_parameter(Name=image.tag_parameter))
        except CALL_ERRORS as exc:
            return None, f"{image.tag_parameter}: {describe_error(exc)}"
        return response["Parameter"]["Value"], None

    def lock_of(self, image: ImageTargets) -> tuple[LockHolder | None, str | None]:
        # A lock left by a killed release explains its drift; reading it is best effort.
        try:
            name = image.lock_parameter_name
            return read_holder(self.clients, self.table, name, self.retry, ttl=0), None
        except CALL_ERRORS as exc:
            return None, describe_error(exc)

    def lambda_image(self, name: str) -> str:
        lambda_ = self.clients.lambda_
        response = self.retry.call(lambda: lambda_.get_function(FunctionName=name))
        return response["Code"].get("ImageUri", "")

    def alias_target(self, target: LambdaTarget) -> tuple[str, dict[str, Any]]:
        """The image the alias serves, and the schema-2 fields of its status.

        The image is the served version's (GetFunction with the alias as qualifier),
        never ``$LATEST``'s.
        """
        lambda_, codedeploy, retry = self.clients.lambda_, self.clients.codedeploy, self.retry
        alias = read_alias(lambda_, target, retry)
        # Through the alias (IAM: the alias's ARN): its primary version's code and config.
        served = retry.call(
            lambda: lambda_.get_function(FunctionName=target.name, Qualifier=target.alias)
        )
        latest = retry.call(lambda: lambda_.get_function_configuration(FunctionName=target.name))
        active = retry.call(
            lambda: codedeploy.list_deployments(
                applicationName=target.code_deploy_application,
                deploymentGroupName=target.deployment_group,
                includeOnlyStatuses=list(ACTIVE_STATUSES),  # type: ignore[arg-type]
            )
        )
        fields = {
            "alias": alias.name,
            "alias_version": served["Configuration"].get("Version", alias.version),
            "weights": dict(alias.weights),
            "deployments": list(active.get("deployments", [])),
            "pending": config_differences(latest, served["Configuration"]),
        }
        return served["Code"].get("ImageUri", ""), fields

    def ecs_image(self, svc: EcsServiceTarget) -> str:
        ecs, retry = self.clients.ecs, self.retry
        found = retry.call(
            lambda: ecs.describe_services(cluster=svc.cluster, services=[svc.service])
        )
        if not found["services"]:
            reasons = ", ".join(f.get("reason", "?") for f in found.get("failures", []))
            raise LookupError(f"service not found ({reasons or 'no detail'})")
        task_definition = found["services"][0]["taskDefinition"]
        definition = retry.call(
            lambda: ecs.describe_task_definition(taskDefinition=task_definition)
        )["taskDefinition"]
        for container in definition.get("containerDefinitions", []):
            if container.get("name") == svc.container:
                return container.get("image", "")
        raise LookupError(f"task definition {task_definition} has no container {svc.container}")

    def digest_tags(self, image: ImageTargets, digest: str) -> list[str]:
        ecr = self.clients.ecr
        # A promoted stage's targets run the build stage's digests: that registry's tags.
        registry = image.repository_url.split(".", 1)[0]
        try:
            found = self.retry.call(
                lambda: (
                    ecr.describe_images(
                        repositoryName=image.repository_name,
                        imageIds=[{"imageDigest": digest}],
                        registryId=registry,
                    )
                    if image.promoted
                    else ecr.describe_images(
                        repositoryName=image.repository_name, imageIds=[{"imageDigest": digest}]
                    )
                )
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ImageNotFoundException":
                return []  # expired: an untagged old placeholder
            raise
        return sorted(t for d in found["imageDetails"] for t in d.get("imageTags", []))

    def target(
        self, image_name: str, image: ImageTargets, key: Target, tag: str | None
    ) -> TargetStatus:
        kind: Literal["lambda", "ecs"] = "ecs" if isinstance(key, EcsServiceTarget) else "lambda"
        name = (
            key.name
            if isinstance(key, LambdaTarget)
            else (key if isinstance(key, str) else f"{key.cluster}/{key.service}")
        )
        extra: dict[str, Any] = {}
        try:
            if isinstance(key, LambdaTarget):
                running, extra = self.alias_target(key)
            elif isinstance(key, str):
                running = self.lambda_image(key)
            else:
                running = self.ecs_image(key)
        except _UNREADABLE as exc:
            alias = key.alias if isinstance(key, LambdaTarget) else None
            error = describe_error(exc)
            return TargetStatus(image_name, kind, name, tag, None, None, error, alias=alias)
        running_tag = image.tag_of(running)
        digest = image.digest_of(running)
        if running_tag is None and digest is not None:
            # Pinned by digest (the placeholder, as the infra program pins it): the tags
            # ECR has on that digest say what it runs; the recorded one if it is among them.
            try:
                tags = self.digest_tags(image, digest)
            except CALL_ERRORS as exc:
                return TargetStatus(image_name, kind, name, tag, running, None, describe_error(exc))
            running_tag = tag if tag in tags else (tags[0] if tags else None)
        return TargetStatus(image_name, kind, name, tag, running, running_tag, **extra)


def _served(t: TargetStatus) -> str:
    """``3``, or ``2 90% / 3 10%`` while the alias splits traffic."""
    split = {v: w for v, w in t.weights.items() if w > 0}
    if not split:
        return str(t.alias_version)
    rest = 1 - sum(split.values())
    return " / ".join(
        [f"{t.alias_version} {round(rest * 100, 1):g}%"]
        + [f"{v} {round(w * 100, 1):g}%" for v, w in sorted(split.items())]
    )


def status_table(images: list[ImageStatus]) -> str:
    """A plain-text table, one row per target; drifted rows say DRIFT."""
    header = ("IMAGE", "TARGET", "RECORDED", "RUNNING", "STATE")
    rows: list[tuple[str, ...]] = []
    for image in images:
        if not image.targets:
            rows.append((image.image, "(no targets)", image.recorded_tag or "?", "-", "-"))
        for t in image.targets:
            running = t.running_tag or t.running_image or "?"
            state = "ok" if not t.drift else "DRIFT"
            target = f"{t.kind} {t.name}"
            if t.alias is not None:
                target += f":{t.alias}"
                running += f" (v{_served(t)})" if t.alias_version else ""
                if t.deployments:
                    state += f", deployment {', '.join(t.deployments)} in progress"
                if t.pending:
                    state += f", config pending ({', '.join(t.pending)})"
            if t.error:
                state += f" ({t.error})"
            rows.append((image.image, target, t.recorded_tag or "?", running, state))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in [header, *rows]
    ]
    errors = [f"{i.image}: cannot read recorded tag: {i.error}" for i in images if i.error]
    locks = [
        f"{i.image}: release lock {i.lock_parameter} held: {i.lock.describe()}"
        for i in images
        if i.lock
    ]
    return "\n".join(lines + errors + locks)
