"""What a release reads before it plans: the recorded tag, each function, each alias.

Every read here only reads. They run side by side (a release's time is mostly round
trips), all finish before anything changes, and errors are raised in step order: a
missing tag first, then the parameter, then the functions, then the aliases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import msgspec

from app.deploy.exceptions import DeployError, InvalidTargetError
from app.deploy.traffic import AliasState, read_alias

if TYPE_CHECKING:
    from app.deploy.clients import AwsClients
    from app.deploy.deployments import Deployments
    from app.deploy.functions import FunctionOps, FunctionState
    from app.deploy.manifest import ImageTargets, LambdaTarget
    from app.deploy.parameter import TagParameter
    from app.deploy.registry import Registry
    from app.deploy.retry import RetryPolicy
    from app.deploy.signals import Interrupts


class AliasRead(msgspec.Struct, frozen=True):
    """Schema 2: an alias as read before the release, and the configuration it serves."""

    alias: AliasState
    served: Mapping[str, Any]


class ReleaseState(msgspec.Struct, frozen=True):
    """Everything the planner needs, as read (under the lock, except for a dry run).

    A promotion also reads the digest parameter: ``previous_digest`` and its version.
    """

    previous_tag: str
    version_before: int
    functions: Mapping[str, FunctionState]
    aliases: Mapping[str, AliasRead] = msgspec.field(default_factory=dict)
    notes: tuple[str, ...] = ()
    previous_digest: str | None = None
    digest_version_before: int = 0


class StateReader:
    """Reads the state of one image's targets; never writes."""

    def __init__(
        self,
        clients: AwsClients,
        *,
        retry: RetryPolicy,
        functions: FunctionOps,
        registry: Registry,
        deployments: Deployments | None,
        interrupts: Interrupts,
        max_concurrency: int,
    ) -> None:
        self.clients = clients
        self._retry = retry
        self._functions = functions
        self._registry = registry
        self._deployments = deployments
        self._interrupts = interrupts
        self._max_concurrency = max_concurrency

    def read(
        self,
        image_name: str,
        image: ImageTargets,
        tag: str,
        parameter: TagParameter,
        *,
        tag_checked: bool,
        settle: bool = True,
        digest: TagParameter | None = None,
    ) -> ReleaseState:
        """The recorded tag and its version, each function, and (schema 2) each alias.

        With ``settle`` a deployment still moving an alias (a killed pipeline's) is
        waited for before the aliases are read; without (a dry run) it becomes a note.
        A promotion passes its ``digest`` parameter, read beside the tag parameter.
        """
        functions = list(image.function_names)
        # Created here, before the worker threads share them.
        _ = self.clients.ecr, self.clients.ssm
        if functions:
            _ = self.clients.lambda_
        with ThreadPoolExecutor(max_workers=1) as side:
            traffic = (
                side.submit(self._aliases, image.lambda_targets, settle)
                if image.uses_aliases
                else None
            )
            workers = min(self._max_concurrency, len(functions) + 3)
            with ThreadPoolExecutor(max_workers=workers) as pool:
                found = (
                    None
                    if tag_checked
                    else pool.submit(self._registry.require_tag, image_name, image, tag)
                )
                recorded = pool.submit(parameter.read)
                digest_read = pool.submit(digest.read) if digest is not None else None
                states = [pool.submit(self._functions.read, name) for name in functions]
            if found is not None:
                found.result()
            previous_tag, version_before = recorded.result()
            previous_digest, digest_version = (
                digest_read.result() if digest_read is not None else (None, 0)
            )
            read = {name: future.result() for name, future in zip(functions, states, strict=True)}
            aliases, notes = traffic.result() if traffic else ({}, ())
        return ReleaseState(
            previous_tag, version_before, read, aliases, notes, previous_digest, digest_version
        )

    def _aliases(
        self, targets: Sequence[LambdaTarget], settle: bool
    ) -> tuple[dict[str, AliasRead], tuple[str, ...]]:
        assert self._deployments is not None
        notes: tuple[str, ...] = ()
        if settle:
            self._deployments.settle(targets, interrupts=self._interrupts)
        else:
            notes = tuple(
                f"deployment {deployment_id} (not started by this release) is still running "
                f"on group {target.deployment_group}; a release waits for it to end, then "
                "plans from what the alias serves"
                for target in targets
                for deployment_id in self._deployments.active(target)
            )
        return self._read_aliases(targets), notes

    def _read_aliases(self, targets: Sequence[LambdaTarget]) -> dict[str, AliasRead]:
        """Each alias, and the configuration of the version it serves, side by side."""
        _ = self.clients.lambda_
        workers = max(1, min(self._max_concurrency, len(targets)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            reads = list(pool.map(self._read_alias, targets))
        return {target.name: read for target, read in zip(targets, reads, strict=True)}

    def _read_alias(self, target: LambdaTarget) -> AliasRead:
        lambda_ = self.clients.lambda_
        try:
            alias = read_alias(lambda_, target, self._retry)
        except lambda_.exceptions.ResourceNotFoundException as exc:
            raise InvalidTargetError(
                f"alias {target.alias} of Lambda function {target.name}, named in the deploy "
                "manifest, does not exist; the infra stack creates it (pulumi up)"
            ) from exc
        # Asked through the alias, not its version number: IAM then needs only the
        # function's and the alias's ARNs. The answer is the alias's (primary) version.
        served = self._retry.call(
            lambda: lambda_.get_function_configuration(
                FunctionName=target.name, Qualifier=target.alias
            )
        )
        if served.get("Version") != alias.version:
            raise DeployError(
                f"{target.describe()}: moved from version {alias.version} to "
                f"{served.get('Version')} while being read; is someone else deploying it?"
            )
        return AliasRead(alias, dict(served))
