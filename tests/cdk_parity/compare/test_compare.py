"""The comparison: the real run is clean, and a divergence on either side is caught."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import yaml

from cdk_parity.__main__ import _policy_pack, build_parser, main
from cdk_parity.compare.engine import (
    EXPECTED_DIFFERENCES,
    ExpectedDifference,
    compare,
    load_expected,
)
from cdk_parity.compare.intrinsics import Renderer
from cdk_parity.compare.model import Resource
from cdk_parity.compare.normalize import pulumi_resources
from cdk_parity.compare.run import Run
from cdk_parity.compare.sides import evaluate_as
from cdk_parity.exceptions import CdkParityError
from cdk_parity.report import render
from infra_pulumi.plan.runner import PROJECT_ROOT


def test_both_example_stacks_have_no_unexpected_difference(parity_run: Run) -> None:
    for stack_run in parity_run.runs:
        failing = [(p.kind, p.key, p.verdict, p.differences) for p in stack_run.comparison.failing]
        assert failing == [], f"{stack_run.stack}: {failing}"
    assert not parity_run.failing
    assert parity_run.stale == []
    assert parity_run.stale_bounds == []


def test_most_resources_are_the_same(parity_run: Run) -> None:
    for stack_run in parity_run.runs:
        comparison = stack_run.comparison
        assert comparison.count("same") >= 25, stack_run.stack
        kinds = {p.kind for p in comparison.pairs if p.verdict == "same"}
        assert {"ssm-parameter", "ecs-service", "iam-role"} <= kinds, stack_run.stack
        # The repositories agree but for how each tool keeps a protected one (prod) and
        # from_ecr's own pull grant (the Lambda repository).
        repositories = [p for p in comparison.pairs if p.kind == "ecr-repository"]
        assert len(repositories) == 2, stack_run.stack
        for pair in repositories:
            assert {d.name for d in pair.differences} <= {"onDelete", "lambdaPull"}, pair.key
        if stack_run.stack == "prod":
            # After a release both sides name the image by tag; on the first deploy Pulumi
            # pins the placeholder by digest (a reviewed difference).
            assert {"lambda-function", "ecs-task-definition"} <= kinds


def test_nothing_is_left_unmapped(parity_run: Run) -> None:
    for stack_run in parity_run.runs:
        unmapped = [r.key for r in [*stack_run.pulumi, *stack_run.cdk] if r.kind == "unmapped"]
        assert unmapped == [], stack_run.stack


def test_first_deploy_probe_finds_the_ssm_typed_parameter(parity_run: Run) -> None:
    probes = {p.mode: p for p in parity_run.probes}
    assert probes["deploy-time"].needs_parameter_at_deploy
    assert set(probes["deploy-time"].ssm_template_parameters.values()) == {
        "/container-delivery/dev/images/lambda/tag",
        "/container-delivery/dev/images/web/tag",
    }
    assert not probes["synth-time"].needs_parameter_at_deploy
    assert probes["synth-time"].image_tags == {"lambda": "initial", "web": "initial"}
    assert not probes["lookup"].needs_parameter_at_deploy
    assert len(probes["lookup"].missing_context) == 2


def test_summary_measures_both_sides(parity_run: Run) -> None:
    lines = render.summary(parity_run).lines
    assert any(line.startswith("dev: resources Pulumi") for line in lines)
    timing = [line for line in lines if "warm runs in turn" in line]
    assert len(timing) == 2, lines  # one per stack
    assert all("median of 2" in line and "range" in line for line in timing)
    for stack_run in parity_run.runs:
        assert stack_run.timing is not None
        assert len(stack_run.timing.ratios) == 2
        assert all(seconds > 0 for seconds in stack_run.timing.cdk_seconds)
    assert any("lines of code: Pulumi program" in line for line in lines)
    assert parity_run.loc_pulumi > 0
    assert parity_run.loc_cdk > 0


def test_stale_entries_are_judged_only_for_the_stacks_compared(parity_run: Run) -> None:
    """A prod-only entry is not stale in a dev-only run (the comparison is reused)."""
    dev_only = dataclasses.replace(parity_run, runs=parity_run.runs[:1])
    prod_only = {e.id for e in parity_run.expected if e.stacks == ("prod",)}
    assert prod_only
    assert not prod_only & {e.id for e in dev_only.stale}
    assert dev_only.stale == []


# --- A deliberate divergence is caught -------------------------------------------------


def test_a_pulumi_side_change_is_unexpected(parity_run: Run) -> None:
    """Change one property on the Pulumi side through the real program."""
    dev = parity_run.runs[0]
    functions = [
        {
            "name": "nightly-report",
            "command": ["jobs.handler"],
            "memoryMb": 1024,
            "timeoutSeconds": 300,
            "schedule": "cron(0 18 * * ? *)",
        },
        {
            "name": "api",
            "command": ["api.handler"],
            "memoryMb": 256,
            "timeoutSeconds": 10,
            "url": {"auth": "AWS_IAM"},
        },
    ]
    from cdk_parity.compare.sides import compared_config
    from infra_pulumi.plan import evaluate

    plan = evaluate("dev", config={**compared_config("dev"), "lambdaFunctions": functions})
    comparison = compare(
        pulumi_resources(plan),
        dev.cdk,
        parity_run.expected,
        mode=dev.comparison.mode,
        stack=dev.stack,
    )
    (pair,) = comparison.failing
    assert (pair.kind, pair.key, pair.verdict) == (
        "lambda-function",
        "container-delivery-dev-nightly-report",
        "unexpected",
    )
    # The only unreviewed difference is the planted one (the placeholder's digest pin on
    # the first deploy is reviewed).
    (difference,) = [d for d in pair.differences if not d.expected]
    assert (difference.name, difference.pulumi, difference.cdk) == ("memoryMb", 1024, 512)


def test_a_cdk_side_change_is_unexpected(parity_run: Run) -> None:
    dev = parity_run.runs[0]
    changed = []
    for resource in dev.cdk:
        if resource.kind == "ecs-service":
            resource = dataclasses.replace(
                resource,
                props={**resource.props, "circuitBreaker": {"enable": False, "rollback": False}},
            )
        changed.append(resource)
    comparison = compare(dev.pulumi, changed, parity_run.expected, mode=dev.comparison.mode)
    assert [(p.kind, [d.name for d in p.differences]) for p in comparison.failing] == [
        ("ecs-service", ["circuitBreaker"])
    ]


def test_a_resource_on_one_side_only_is_missing(parity_run: Run) -> None:
    dev = parity_run.runs[0]
    extra = Resource("pulumi", "s3-bucket", "surprise-bucket", {"encryption": "aws:kms"})
    comparison = compare([*dev.pulumi, extra], dev.cdk, parity_run.expected, mode="synth-time")
    assert [(p.kind, p.key, p.verdict) for p in comparison.failing] == [
        ("s3-bucket", "surprise-bucket", "missing")
    ]


def test_an_unreviewed_known_difference_fails(parity_run: Run) -> None:
    without = [e for e in parity_run.expected if e.id != "route-table-per-subnet"]
    dev = parity_run.runs[0]
    comparison = compare(dev.pulumi, dev.cdk, without, mode="synth-time")
    assert [(p.kind, p.verdict) for p in comparison.failing] == [("network", "unexpected")]


def test_mode_scoped_entries_apply_only_to_their_mode() -> None:
    entry = ExpectedDifference.model_validate(
        {
            "id": "x",
            "kind": "lambda-function",
            "property": "imageTag",
            "modes": ["deploy-time"],
            "reason": "only in the talk's original mode",
        }
    )
    assert entry.about("lambda-function", "f", "imageTag", "deploy-time", "dev")
    assert not entry.about("lambda-function", "f", "imageTag", "synth-time", "dev")
    assert not entry.covers_missing("lambda-function", "f", "cdk", "deploy-time")


# --- The reviewed-differences file --------------------------------------------------


def test_the_repository_file_is_valid() -> None:
    entries = load_expected()
    assert len(entries) >= 5
    assert all(len(e.reason) > 40 for e in entries)


#: "issue 10", "defect 7", "issue #14", "Issues 3": history, which the report shows to
#: readers who cannot look it up. Written here apart from the loader's own check.
HISTORY = re.compile(r"\b(issue|defect)s?\s*#?\s*\d", re.IGNORECASE)


def test_reasons_explain_the_design_not_its_history() -> None:
    offenders = {e.id: HISTORY.findall(e.reason) for e in load_expected()}
    assert {i: found for i, found in offenders.items() if found} == {}
    comments = [
        line
        for line in EXPECTED_DIFFERENCES.read_text(encoding="utf-8").splitlines()
        if line.lstrip().startswith("#") and HISTORY.search(line)
    ]
    assert comments == []


@pytest.mark.parametrize(
    ("reason", "named"),
    [
        ("The bucket is named by prefix; issue 10 (defect 7) replaces it.", "issue 10"),
        ("Kept as it was before the rework of Issue #14, for compatibility.", "Issue #14"),
        ("A workaround for defects 3 and 4 of the first release tool.", "defects 3"),
    ],
)
def test_the_loader_refuses_a_reason_that_tells_history(
    tmp_path: Path, reason: str, named: str
) -> None:
    path = tmp_path / "expected.yaml"
    path.write_text(yaml.safe_dump([{"id": "h", "kind": "x", "property": "p", "reason": reason}]))
    with pytest.raises(CdkParityError, match=rf"h: the reason names '{re.escape(named)}'"):
        load_expected(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("- id: a\n  kind: x\n", "invalid entry"),
        ("- {id: a, kind: x, reason: long enough reason, onlyIn: neither}\n", "invalid entry"),
        (
            "- {id: a, kind: x, property: p, reason: long enough reason}\n"
            "- {id: a, kind: y, property: p, reason: long enough reason}\n",
            "repeats ids",
        ),
        ("id: a\n", "must hold a list"),
        ("- [unclosed\n", "cannot read"),
    ],
)
def test_a_malformed_file_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "expected.yaml"
    path.write_text(content)
    with pytest.raises(CdkParityError, match=message):
        load_expected(path)


# --- Normalisation details --------------------------------------------------------------


def test_renderer_resolves_cdk_image_uris() -> None:
    template = {
        "Parameters": {
            "Tag": {
                "Type": "AWS::SSM::Parameter::Value<String>",
                "Default": "/p/s/images/lambda/tag",
            }
        },
        "Resources": {
            "Repo": {"Type": "AWS::ECR::Repository", "Properties": {"RepositoryName": "p-s-lambda"}}
        },
    }
    arn = {"Fn::GetAtt": ["Repo", "Arn"]}
    uri = {
        "Fn::Join": [
            "",
            [
                {"Fn::Select": [4, {"Fn::Split": [":", arn]}]},
                ".dkr.ecr.",
                {"Fn::Select": [3, {"Fn::Split": [":", arn]}]},
                ".",
                {"Ref": "AWS::URLSuffix"},
                "/",
                {"Ref": "Repo"},
                ":",
                {"Ref": "Tag"},
            ],
        ]
    }
    rendered = Renderer(template, "123456789012", "eu-west-1").render(uri)
    assert rendered == (
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/p-s-lambda:{{ssm:/p/s/images/lambda/tag}}"
    )
    assert Renderer(template, "1", "r").render({"Ref": "Unknown"}) == "${Unknown}"


def test_pulumi_plan_evaluation_is_reused(parity_run: Run) -> None:
    plan, seconds = evaluate_as("dev", None)
    assert seconds > 0
    assert plan.resolved_tags == parity_run.runs[0].plan.resolved_tags


# --- The command -------------------------------------------------------------------------
# In-process, through the CLI's main(): the subprocess run of the real command is in
# test_mutations.py, which also proves it exits 1 on a difference.


def run_compare(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["compare", "--stack", "dev", "--timing-runs", "0", "--no-memory", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_command_passes_and_writes_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_compare(capsys, "--out", str(tmp_path), "--timing-runs", "1")
    assert code == 0, out + err
    assert "dev (first deploy, CDK synth-time)" in out
    assert "0 unexpected, 0 missing" in out
    assert "median of 1 warm runs in turn" in out
    assert "evaluating the Pulumi program offline" in err  # progress
    # The guardrails pack in policy/ (the default) ran over the plan.
    assert "dev: guardrails PASS, policy pack container-delivery-guardrails" in out
    assert "running the guardrails policy pack over the Pulumi plan" in err
    # The last line names every file written, the machine-readable one too.
    last = out.splitlines()[-1]
    names = ("report.md", "report.html", "report.json")
    assert last == "report: {}, {} and {}".format(*(tmp_path / name for name in names))
    assert all((tmp_path / name).is_file() for name in names)


def test_command_fails_on_an_unreviewed_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = yaml.safe_load(EXPECTED_DIFFERENCES.read_text())
    trimmed = tmp_path / "expected.yaml"
    trimmed.write_text(yaml.safe_dump([e for e in entries if e["id"] != "route-table-per-subnet"]))
    code, out, err = run_compare(
        capsys, "--out", str(tmp_path / "out"), "--expected", str(trimmed), "--no-policy-pack"
    )
    assert code == 1, out + err
    assert "guardrails policy pack: not run (--no-policy-pack)" in out
    assert "UNEXPECTED: dev network vpc-plumbing: routeTables: Pulumi 2 / CDK 4" in out
    assert "expected_differences.yaml" in err


def test_command_reports_a_bad_differences_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "expected.yaml"
    bad.write_text("- {id: a}\n")
    code, _, err = run_compare(capsys, "--out", str(tmp_path / "out"), "--expected", str(bad))
    assert code == 2
    assert "invalid entry" in err


def test_command_refuses_a_policy_pack_folder_without_a_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_compare(capsys, "--policy-pack", str(tmp_path))
    assert code == 2
    assert f"--policy-pack {tmp_path}: no PulumiPolicy.yaml in that folder" in err
    assert "evaluating" not in err  # refused before any work


def test_without_a_policy_folder_the_pack_is_not_run_and_the_report_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def chosen(*args: str) -> tuple[Path | None, str | None]:
        return _policy_pack(build_parser().parse_args(["compare", *args]))

    monkeypatch.chdir(PROJECT_ROOT)
    assert chosen() == ((PROJECT_ROOT / "policy").resolve(), None)
    assert chosen("--no-policy-pack") == (None, "--no-policy-pack")
    monkeypatch.chdir(tmp_path)  # no policy/ here
    assert chosen() == (None, "no policy pack in policy/ (pass --policy-pack DIR)")
