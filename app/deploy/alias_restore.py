"""Schema 2's undo: every alias a release's deployments moved, back on its previous version.

A deployment still running is stopped with rollback (CodeDeploy moves the alias back);
one that failed was rolled back by CodeDeploy already; one that succeeded is deployed
back, all at once. Each alias is then verified by version number. A deployment whose
``CreateDeployment`` answer was lost is looked for first, among every deployment of
its group, finished ones included. Nothing here raises: each problem becomes a line of
``attention``.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from app.deploy.retry import RetryPolicy, describe_error
from app.deploy.shell import shell_command
from app.deploy.traffic import ALL_AT_ONCE, AliasState, read_alias

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_lambda import LambdaClient

    from app.deploy.deployments import Deployments
    from app.deploy.journal import Shifted
    from app.deploy.manifest import LambdaTarget
    from app.deploy.workers import Progress


def restore_aliases(
    image_name: str,
    shifted: list[Shifted],
    deployments: Deployments,
    lambda_: LambdaClient,
    retry: RetryPolicy,
    progress: Progress,
    restored: list[str],
    attention: list[str],
) -> None:
    """Put every alias of ``shifted`` back; notes go to ``restored``, problems to ``attention``."""
    undo = _AliasRestore(image_name, deployments, lambda_, retry, progress, restored, attention)
    usable = undo.stop_running(sorted(shifted, key=lambda s: s.step.function.name))
    back = undo.judge(usable)
    undo.verify_back(back)


class _AliasRestore:
    def __init__(
        self,
        image_name: str,
        deployments: Deployments,
        lambda_: LambdaClient,
        retry: RetryPolicy,
        progress: Progress,
        restored: list[str],
        attention: list[str],
    ) -> None:
        self.image_name = image_name
        self.deployments = deployments
        self.lambda_ = lambda_
        self.retry = retry
        self.progress = progress
        self.restored = restored
        self.attention = attention

    def problem(self, shift: Shifted, detail: str) -> None:
        target = shift.step.function
        command = shell_command(
            "aws", "lambda", "update-alias",
            "--function-name", target.name, "--name", target.alias,
            "--function-version", shift.step.from_version,
            "--routing-config", "AdditionalVersionWeights={}",
        )  # fmt: skip
        self.attention.append(
            f"{target.describe()}: must serve version {shift.step.from_version} again "
            f"({command}); {detail}"
        )

    def guarded(self, shift: Shifted, step: Callable[[], None]) -> bool:
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - reported as needing attention
            self.problem(shift, f"restoring failed: {describe_error(exc)}")
            return False
        return True

    def find_own(self, shift: Shifted) -> None:
        """Asked for, but the answer was lost: the group's deployment with this description."""
        shift.deployment_id = self.deployments.find(shift.step.function, shift.description)

    def stop_running(self, shifts: list[Shifted]) -> list[Shifted]:
        """Stop every deployment not yet over (with rollback) and wait for them to end."""
        running: dict[str, tuple[LambdaTarget, str]] = {}
        usable: list[Shifted] = []
        for shift in shifts:
            lost = shift.deployment_id is None
            if lost and not self.guarded(shift, partial(self.find_own, shift)):
                continue
            usable.append(shift)
            if shift.deployment_id is None or (shift.outcome and shift.outcome.ended):
                continue
            deployment_id = shift.deployment_id
            target = shift.step.function
            self.progress(target.name, f"stopping deployment {deployment_id} (rollback)")
            if self.guarded(shift, partial(self.deployments.stop, deployment_id)):
                running[deployment_id] = (target, shift.step.from_version)
        if running:
            try:
                self.deployments.wait(running, interrupts=None, stop_on_failure=False)
            except Exception as exc:  # noqa: BLE001 - judged by the aliases below
                self.progress(self.image_name, f"waiting for the stopped deployments: {exc}")
        return usable

    def alias_of(self, shift: Shifted) -> AliasState | None:
        try:
            return read_alias(self.lambda_, shift.step.function, self.retry)
        except Exception as exc:  # noqa: BLE001 - reported as needing attention
            self.problem(shift, f"cannot read it: {describe_error(exc)}")
            return None

    def judge(self, usable: list[Shifted]) -> dict[str, Shifted]:
        """Read each alias: back already, or deploy it back (returns those deployments)."""
        back: dict[str, Shifted] = {}
        for shift in usable:
            alias = self.alias_of(shift)
            if alias is None:
                continue
            target, previous = shift.step.function, shift.step.from_version
            if alias.serves_only(previous):
                self.restored.append(f"{target.describe()} back on version {previous}")
                self.progress(target.name, f"{alias.name} serves version {previous}")
            elif alias.serves_only(shift.version):
                # Finished before the release failed: deploy it back, all at once.
                self.progress(target.name, f"deploying {alias.name} back to version {previous}")
                try:
                    deployment_id = self.deployments.start(
                        target,
                        shift.version,
                        previous,
                        description=f"{shift.description} restore",
                        config=ALL_AT_ONCE,
                    )
                except Exception as exc:  # noqa: BLE001 - reported as needing attention
                    self.problem(shift, f"deploying it back failed: {describe_error(exc)}")
                    continue
                back[deployment_id] = shift
            else:
                self.problem(
                    shift,
                    f"it serves {alias.describe()}, neither this release's version "
                    f"{shift.version} nor the previous one; not changed",
                )
        return back

    def verify_back(self, back: dict[str, Shifted]) -> None:
        """Wait for the deployments back, then check each alias serves its previous version."""
        if not back:
            return
        try:
            outcomes = self.deployments.wait(
                {d: (s.step.function, s.step.from_version) for d, s in back.items()},
                interrupts=None,
                stop_on_failure=False,
            )
        except Exception as exc:  # noqa: BLE001 - judged by the aliases below
            self.progress(self.image_name, f"waiting for the deployments back: {exc}")
            outcomes = {}
        for deployment_id, shift in sorted(back.items(), key=lambda item: item[1].step.target):
            alias = self.alias_of(shift)
            if alias is None:
                continue
            target, previous = shift.step.function, shift.step.from_version
            if alias.serves_only(previous):
                self.restored.append(
                    f"{target.describe()} deployed back to version {previous} ({deployment_id})"
                )
            else:
                outcome = outcomes.get(deployment_id)
                self.problem(
                    shift,
                    f"deployment {deployment_id} back "
                    f"{outcome.describe() if outcome else 'did not end'}; "
                    f"it serves {alias.describe()}",
                )
