"""Run both sides for one or more stacks and collect everything the report shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from cdk_parity.compare.engine import Comparison, ExpectedDifference, compare, load_expected
from cdk_parity.compare.measure import (
    RecordedBenchmark,
    Timing,
    peak_memory,
    read_recorded,
    time_in_turn,
)
from cdk_parity.compare.metrics import (
    CDK_EXCLUDE,
    CDK_SOURCES,
    PULUMI_EXCLUDE,
    PULUMI_SOURCES,
    lines_of_code,
)
from cdk_parity.compare.model import Resource, Side
from cdk_parity.compare.normalize import cdk_resources, pulumi_resources
from cdk_parity.compare.sides import (
    SIDES,
    cdk_seconds,
    evaluate_as,
    evaluated_config,
    pulumi_seconds,
    release_for,
    side_command,
    synthesize_as,
)
from cdk_parity.reference.config import EXAMPLE_ACCOUNT, load_stack_config
from cdk_parity.reference.synth import Synthesis
from cdk_parity.reference.tag_lookup import TagMode
from infra_pulumi.plan import Plan
from infra_pulumi.plan.policy_run import PolicyReport
from infra_pulumi.plan.policy_run import run as run_policy_pack

Progress = Callable[[str], None]


@dataclass
class StackRun:
    """One stack, evaluated by Pulumi and synthesized by CDK, and compared."""

    stack: str
    release: str | None
    """The tag answered for the tag parameters; None means "not found" (first deploy)."""
    plan: Plan
    pulumi_seconds: float
    synthesis: Synthesis
    pulumi: list[Resource]
    cdk: list[Resource]
    comparison: Comparison
    cold: bool = False
    """First in this process: the timings include loading pulumi_aws and the jsii kernel."""
    timing: Timing | None = None
    """Warm repetitions of both sides, in turn, after the comparison."""
    guardrails: PolicyReport | None = None
    """The guardrails policy pack over the Pulumi plan (``run(policy_pack=...)``), if it ran."""


@dataclass
class ModeProbe:
    """What one CDK tag-lookup mode does on a first deploy, read from its template."""

    mode: str
    ssm_template_parameters: dict[str, str]
    """Template parameter -> SSM parameter name, for ``AWS::SSM::Parameter::Value`` types."""
    image_tags: dict[str, str]
    missing_context: list[str]
    seconds: float

    @property
    def needs_parameter_at_deploy(self) -> bool:
        return any("/images/" in name for name in self.ssm_template_parameters.values())


@dataclass
class Run:
    """Everything one ``compare`` run measured."""

    runs: list[StackRun]
    probes: list[ModeProbe]
    probe_stack: str
    mode: str
    loc_pulumi: int
    loc_cdk: int
    expected: list[ExpectedDifference] = field(default_factory=list)
    memory: dict[str, int | None] = field(default_factory=dict)
    """Peak resident bytes of each side (``pulumi``, ``cdk``) in a fresh process, on the
    first stack; empty when not measured, None where it cannot be."""
    benchmark: RecordedBenchmark | None = None
    """The whole-process benchmark as last recorded (``benchmarks/plan_vs_synth.py
    --record``), quoted; None if it never was."""
    guardrails_not_run: str | None = None
    """Why the guardrails pack did not run on the plans, when it did not."""

    @property
    def failing(self) -> bool:
        return any(run.comparison.failing for run in self.runs)

    @property
    def stale(self) -> list[ExpectedDifference]:
        """Reviewed differences that apply to a stack and mode this run compared, and
        matched nothing there. One for another stack or mode is not judged."""
        used: set[str] = set().union(*(run.comparison.used for run in self.runs))
        return [
            e
            for e in self.expected
            if e.id not in used and any(e.applies(r.stack, self.mode) for r in self.runs)
        ]

    @property
    def stale_bounds(self) -> list[tuple[str, Side, str]]:
        """``pulumiOnly``/``cdkOnly`` globs of used entries that matched no item."""
        used = set().union(*(run.comparison.used_bounds for run in self.runs))
        judged = set().union(*(run.comparison.used for run in self.runs))
        return [
            (e.id, side, glob)
            for e in self.expected
            if e.id in judged
            for side, glob in e.bound_globs()
            if (e.id, side, glob) not in used
        ]


def probe(stack: str, mode: TagMode) -> ModeProbe:
    """A first deploy in ``mode``: does the template need the tag parameter to exist?"""
    synthesis = synthesize_as(stack, mode, None)
    parameters = {
        name: str(spec.get("Default", ""))
        for name, spec in synthesis.template.get("Parameters", {}).items()
        if str(spec.get("Type", "")).startswith("AWS::SSM::Parameter::Value")
        # CDK's own bootstrap-version check is in every template; it is not about tags.
        and "[cdk:skip]" not in str(spec.get("Description", ""))
    }
    return ModeProbe(
        mode=str(mode),
        ssm_template_parameters=parameters,
        image_tags={
            # A deploy-time tag is a token: show what CloudFormation will resolve.
            image: tag.tag if isinstance(tag.tag, str) else f"{{{{ssm:{tag.parameter}}}}}"
            for image, tag in synthesis.image_tags.items()
        },
        missing_context=list(synthesis.missing_context),
        seconds=synthesis.seconds,
    )


def _stack_run(
    stack: str,
    *,
    mode: TagMode,
    reviewed: list[ExpectedDifference],
    progress: Progress,
    timing_runs: int,
    cold: bool,
    policy_pack: Path | None,
) -> StackRun:
    """One stack: both sides, normalised and compared, then timed if asked."""
    settings = load_stack_config(stack)
    release = release_for(stack)
    progress(f"{stack}: evaluating the Pulumi program offline")
    plan, seconds = evaluate_as(stack, release)
    progress(f"{stack}: synthesizing the CDK reference ({mode})")
    synthesis = synthesize_as(stack, mode, release)
    left = pulumi_resources(plan)
    right = cdk_resources(synthesis.template, account=EXAMPLE_ACCOUNT, region=settings.region)
    comparison = compare(left, right, reviewed, mode=str(mode), stack=stack)
    guardrails = None
    if policy_pack is not None:
        progress(f"{stack}: running the guardrails policy pack over the Pulumi plan")
        guardrails = run_policy_pack(policy_pack, plan, evaluated_config(stack), {})
    timing = None
    if timing_runs > 0:
        progress(f"{stack}: timing {timing_runs} warm runs of each side, in turn")
        timing = time_in_turn(
            partial(pulumi_seconds, stack, release),
            partial(cdk_seconds, stack, mode, release),
            timing_runs,
        )
    return StackRun(
        stack, release, plan, seconds, synthesis, left, right, comparison, cold, timing, guardrails
    )


def run(
    stacks: Sequence[str],
    *,
    mode: TagMode = TagMode.SYNTH_TIME,
    probe_stack: str | None = None,
    expected: list[ExpectedDifference] | None = None,
    expected_path: Path | None = None,
    progress: Progress = lambda _: None,
    timing_runs: int = 0,
    measure_memory: bool = False,
    policy_pack: Path | None = None,
    policy_pack_not_run: str | None = None,
) -> Run:
    """Compare every stack in ``mode``, and probe all three modes on ``probe_stack``.

    ``timing_runs`` warm repetitions of each side per stack, in turn, give the timing
    ratios; ``measure_memory`` runs each side once more in a fresh process on the first
    stack for its peak memory. Both are off by default: they cost time, not correctness.
    ``policy_pack`` runs that pack (``policy/``) over each stack's Pulumi plan, with the
    pack's default config, for the report; without it the report says it did not run,
    and why (``policy_pack_not_run``). It does not decide the verdict: the comparison
    judges parity, and ``python -m infra_pulumi.plan --policy-pack`` is the pack's gate.
    """
    if expected is not None:
        reviewed = expected
    else:
        reviewed = load_expected(expected_path) if expected_path else load_expected()
    runs = [
        _stack_run(
            stack,
            mode=mode,
            reviewed=reviewed,
            progress=progress,
            timing_runs=timing_runs,
            cold=index == 0,
            policy_pack=policy_pack,
        )
        for index, stack in enumerate(stacks)
    ]
    memory: dict[str, int | None] = {}
    if measure_memory:
        for side in SIDES:
            progress(f"{stacks[0]}: peak memory of the {side} side in a fresh process")
            memory[side] = peak_memory(side_command(side, stacks[0], str(mode)))
    target = probe_stack or stacks[0]
    probes = []
    for other in TagMode:
        progress(f"{target}: first-deploy probe of CDK mode {other}")
        probes.append(probe(target, other))
    return Run(
        runs=runs,
        probes=probes,
        probe_stack=target,
        mode=str(mode),
        loc_pulumi=lines_of_code(PULUMI_SOURCES, PULUMI_EXCLUDE),
        loc_cdk=lines_of_code(CDK_SOURCES, CDK_EXCLUDE),
        expected=reviewed,
        memory=memory,
        benchmark=read_recorded(),
        guardrails_not_run=(
            None if policy_pack else policy_pack_not_run or "no policy pack was given"
        ),
    )
