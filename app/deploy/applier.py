"""The applier: runs a ``ReleasePlan``'s steps in order and journals each one.

Steps of one kind run side by side (at most ``max_concurrency``): the parameter, then
every function's update, then (schema 2) every publish and deployment, their wait and
the verification of each alias, then ``imagedefinitions.json``. Between kinds, and
while waiting, a signal received (``app.deploy.signals``) stops the release; any
exception leaves the journal saying what was done, for ``app.deploy.restorer``.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.deploy.exceptions import DeployError, RevisionConflictError, TargetUpdateError
from app.deploy.journal import (
    CodeChanged,
    DigestWritten,
    Journal,
    Shifted,
    SourceTagged,
    TagWritten,
)
from app.deploy.step_tools import StepRunner, StepTools
from app.deploy.traffic import config_differences, read_alias
from app.deploy.workers import run_concurrently

if TYPE_CHECKING:
    from app.deploy.deployments import Deployments
    from app.deploy.manifest import ImageTargets
    from app.deploy.parameter import TagParameter
    from app.deploy.plan import (
        PutDigest,
        PutTag,
        ReleasePlan,
        TagSource,
        UpdateCode,
        WriteImageDefinitions,
    )
    from app.deploy.signals import Interrupts
    from app.deploy.state import ReleaseState


class Applier(StepRunner):
    """Runs the steps of a plan; what it did is in the journal it is given."""

    def __init__(self, tools: StepTools, *, interrupts: Interrupts) -> None:
        super().__init__(tools)
        self._interrupts = interrupts

    def apply(
        self, plan: ReleasePlan, image: ImageTargets, state: ReleaseState, journal: Journal
    ) -> str | None:
        """Run every step; returns the ``imagedefinitions.json`` written, if any.

        Raises at the first failure or signal; the journal then holds what to undo.
        """
        if plan.tag_source is not None:
            self._tag_source(plan.tag_source, journal)
            self._interrupts.check()
        if plan.put is not None:
            self._put(plan.put, journal)
        if plan.put_digest is not None:
            self._put_digest(plan.put_digest, journal)
        self._interrupts.check()
        self._update(plan.updates, journal)
        if image.uses_aliases:
            self._interrupts.check()
            self._shift(plan, image, state, journal)
        # The last point at which a signal undoes the release: after it, every
        # target runs the new tag and only the local file remains.
        self._interrupts.check()
        self._interrupts.complete()
        return self._write(plan.definitions)

    def _concurrently(self, names: list[str], work: Callable[[str, threading.Event], None]) -> None:
        failures = run_concurrently(
            names, work, max_concurrency=self._max_concurrency, progress=self._progress
        )
        if failures:
            raise TargetUpdateError(failures)

    def _stopping(self, name: str, cancelled: threading.Event) -> bool:
        if cancelled.is_set() or self._interrupts.requested:
            self._progress(name, "skipped: the release is stopping")
            return True
        return False

    def _put(self, step: PutTag, journal: Journal) -> None:
        self._put_parameter(self._parameter, step, TagWritten(step), journal)

    def _put_digest(self, step: PutDigest, journal: Journal) -> None:
        assert self._digest is not None, "a promotion's plan needs its digest parameter"
        self._put_parameter(self._digest, step, DigestWritten(step), journal)

    def _put_parameter(
        self,
        parameter: TagParameter,
        step: PutTag | PutDigest,
        entry: TagWritten | DigestWritten,
        journal: Journal,
    ) -> None:
        self._progress(step.parameter, step.change())
        # Journalled first: a put whose answer is lost may still have landed.
        journal.add(entry)
        parameter.put(step.value)

    def _tag_source(self, step: TagSource, journal: Journal) -> None:
        """The promotion tag in the build stage's repository, first: the digest is then
        kept from expiring before anything here points at it."""
        assert self._source is not None, "a promotion's plan needs the build stage's registry"
        journal.add(SourceTagged(step))
        self._source.add_tag(step)

    def _update(self, steps: tuple[UpdateCode, ...], journal: Journal) -> None:
        """Each ``UpdateCode``: update, wait until it settles, verify the image."""
        by_name = {step.function: step for step in steps}

        def move(name: str, cancelled: threading.Event) -> None:
            if self._stopping(name, cancelled):
                return
            step = by_name[name]
            entry = CodeChanged(step)
            journal.add(entry)

            def saw(revision: str) -> None:
                entry.revision = revision

            try:
                entry.settled = self._functions.move(
                    name, step.image, step.revision, interruptible=True, saw_revision=saw
                )
            except RevisionConflictError:
                # Lambda refused the update: the function was not changed by us.
                journal.drop(entry)
                raise

        self._concurrently(list(by_name), move)

    def _shift(
        self, plan: ReleasePlan, image: ImageTargets, state: ReleaseState, journal: Journal
    ) -> None:
        """Schema 2, once ``$LATEST`` holds the tag: publish, deploy, wait, verify.

        Each deployment is journalled before it is asked for, so a lost answer still
        gets it stopped on failure.
        """
        deployments = self._deployments()
        if plan.shifts:
            deployments.prepare_start()
        description = (
            f"app.deploy {plan.command} of {plan.image} {plan.tag} ({uuid.uuid4().hex[:12]})"
        )
        shifts = {step.function.name: step for step in plan.shifts}
        changed_code = journal.code_changes

        def publish_and_start(name: str, cancelled: threading.Event) -> None:
            if self._stopping(name, cancelled):
                return
            read = state.aliases[name]
            step = shifts.get(name)
            change = changed_code.get(name)
            latest = change.settled if change and change.settled else state.functions[name].config
            changed = config_differences(latest, read.served)
            if step is None or (not changed and not read.alias.split):
                self._progress(
                    name, f"{read.alias.name} already serves it (version {read.alias.version})"
                )
                return
            version = self._functions.publish(name, latest, plan.tag)
            if read.alias.serves_only(version):
                self._progress(name, f"{read.alias.name} already serves version {version}")
                return
            self._progress(
                name,
                f"published version {version} ({', '.join(changed) or 'traffic split'} changed); "
                f"deploying {read.alias.name} {read.alias.version} -> {version} "
                f"({step.config or 'the group config'})",
            )
            entry = Shifted(step, version, description)
            journal.add(entry)
            entry.deployment_id = deployments.start(
                step.function,
                read.alias.version,
                version,
                description=description,
                config=step.config,
            )
            self._progress(name, f"deployment {entry.deployment_id} started")

        self._concurrently([t.name for t in image.lambda_targets], publish_and_start)
        self._watch(deployments, journal)

    def _watch(self, deployments: Deployments, journal: Journal) -> None:
        """Wait for this release's deployments, then verify each alias by version number."""
        shifted = journal.shifts
        started = {
            e.deployment_id: (e.step.function, e.version)
            for e in shifted.values()
            if e.deployment_id is not None
        }
        if not started:
            return
        outcomes = deployments.wait(started, interrupts=self._interrupts, stop_on_failure=True)
        for entry in shifted.values():
            if entry.deployment_id in outcomes:
                entry.outcome = outcomes[entry.deployment_id]
        failed = [
            f"{e.step.function.describe()}: {e.outcome.describe()}"
            for e in shifted.values()
            if e.outcome is not None and e.outcome.status != "Succeeded"
        ]
        if failed:
            raise TargetUpdateError(failed)

        def verify(name: str, cancelled: threading.Event) -> None:
            entry = shifted[name]
            alias = read_alias(self._lambda(), entry.step.function, self._retry)
            if not alias.serves_only(entry.version):
                raise DeployError(
                    f"{entry.step.function.describe()}: deployment {entry.deployment_id} "
                    f"succeeded but {alias.name} serves {alias.describe()}, expected version "
                    f"{entry.version}"
                )
            self._progress(name, f"verified: {alias.name} serves version {entry.version}")

        self._concurrently(sorted(shifted), verify)

    def _write(self, step: WriteImageDefinitions | None) -> str | None:
        """Write CodePipeline's ECS ``imagedefinitions.json`` (one entry per container)."""
        if step is None:
            return None
        path = Path(step.path)
        document = [{"name": container, "imageUri": step.image} for container in step.containers]
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(document, indent=2) + "\n")
        os.replace(tmp, path)
        for service in step.services:
            self._progress(service, f"{path} names {step.image}")
        return str(path)
