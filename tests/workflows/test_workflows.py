"""The GitHub workflows: actionlint, pinned actions, least permissions, and what each one runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra_pulumi.delivery_config import GithubPreviewConfig, PipelinesConfig

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
CI = WORKFLOWS / "ci.yml"
PREVIEW = WORKFLOWS / "preview.yml"
BIN = Path(sys.executable).parent

# The most each workflow may grant its GITHUB_TOKEN, scope by scope.
CI_ALLOWED = {"contents": "read"}
PREVIEW_ALLOWED = {"contents": "read", "pull-requests": "write", "id-token": "write"}

LEVELS = {"none": 0, "read": 1, "write": 2}
# A full commit SHA. A tag, even an exact one (v1.2.3), can be moved to other code.
PINNED_REF = re.compile(r"^[0-9a-f]{40}$")

Workflow = dict[str, Any]


def load(text: str) -> Workflow:
    """Parse a workflow; PyYAML reads the key `on` as the boolean True (YAML 1.1)."""
    data = yaml.safe_load(text)
    assert isinstance(data, dict), "a workflow is a mapping"
    if True in data:
        data["on"] = data.pop(True)
    return data


def triggers(workflow: Workflow) -> dict[str, Any]:
    on = workflow["on"]
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return dict(on)


def steps(workflow: Workflow) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def run_lines(workflow: Workflow) -> list[str]:
    return [
        line.strip()
        for step in steps(workflow)
        if "run" in step
        for line in str(step["run"]).splitlines()
    ]


def unpinned_actions(workflow: Workflow) -> list[str]:
    """Every `uses:` (steps and reusable-workflow jobs) not pinned to a full version."""
    uses = [step["uses"] for step in steps(workflow) if "uses" in step]
    uses += [job["uses"] for job in workflow["jobs"].values() if "uses" in job]
    bad = []
    for ref in uses:
        if ref.startswith("./"):
            continue  # an action in this repository is pinned by the checkout itself
        _, _, version = ref.partition("@")
        if not PINNED_REF.match(version):
            bad.append(ref)
    return bad


def permission_problems(workflow: Workflow, allowed: dict[str, str]) -> list[str]:
    """What the workflow's `permissions:` blocks grant beyond `allowed`, or leave implicit."""
    problems = []
    blocks = []
    if "permissions" in workflow:
        blocks.append(("workflow", workflow["permissions"]))
    for name, job in workflow["jobs"].items():
        if "permissions" in job:
            blocks.append((f"job {name}", job["permissions"]))
        elif "permissions" not in workflow:
            problems.append(f"job {name}: no permissions (the token gets the repository default)")
    for where, block in blocks:
        if not isinstance(block, dict):
            problems.append(f"{where}: permissions must list scopes, not {block!r}")
            continue
        for scope, level in block.items():
            if LEVELS.get(level, 99) > LEVELS[allowed.get(scope, "none")]:
                problems.append(f"{where}: {scope}: {level} exceeds {allowed.get(scope, 'none')}")
    return problems


def readme_command(comment: str) -> str:
    """The Quickstart line of README.md that ends with `# <comment>`, without the comment."""
    readme = (ROOT / "README.md").read_text()
    quickstart = readme.split("## Quickstart", 1)[1]
    block = quickstart.split("```sh", 1)[1].split("```", 1)[0]
    for line in block.splitlines():
        command, _, note = line.partition("#")
        if note.strip() == comment:
            return command.strip()
    raise AssertionError(f"README Quickstart has no line ending with '# {comment}'")


def action_steps(workflow: Workflow, action: str) -> list[dict[str, Any]]:
    return [s for s in steps(workflow) if str(s.get("uses", "")).split("@")[0] == action]


@pytest.fixture(scope="module")
def ci() -> Workflow:
    return load(CI.read_text())


@pytest.fixture(scope="module")
def preview() -> Workflow:
    return load(PREVIEW.read_text())


# --- actionlint ------------------------------------------------------------------------


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    # shellcheck comes from the venv too, named explicitly, so `run:` scripts are checked
    # the same way whatever is on PATH; no step runs Python inline, so pyflakes is off.
    shellcheck = BIN / "shellcheck"
    assert shellcheck.is_file(), f"{shellcheck} missing: pip install -r requirements-dev.txt"
    return subprocess.run(
        [
            str(BIN / "actionlint"),
            "-no-color",
            f"-shellcheck={shellcheck}",
            "-pyflakes=",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_workflows_pass_actionlint() -> None:
    result = actionlint(CI, PREVIEW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_reports_expression_and_shell_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\n"
        "permissions: {}\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ github.no_such_property }}\n"
        "      - run: rm -rf $DIR/`date`\n"
    )
    result = actionlint(bad)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no_such_property" in result.stdout
    assert "[shellcheck]" in result.stdout


# --- the structural checker, on workflows made to fail it -------------------------------

BAD = """
on: [push, pull_request_target]
permissions: write-all
jobs:
  a:
    runs-on: ubuntu-latest
    permissions:
      contents: write
      id-token: write
    steps:
      - uses: actions/checkout@main
      - uses: actions/setup-python@v5
      - uses: actions/setup-node@v4.4
      - uses: actions/cache@v4.2.3
      - uses: ./.github/actions/local
  b:
    uses: org/repo/.github/workflows/x.yml@feature-branch
"""


def test_checker_flags_unpinned_actions() -> None:
    assert unpinned_actions(load(BAD)) == [
        "actions/checkout@main",
        "actions/setup-python@v5",
        "actions/setup-node@v4.4",
        "actions/cache@v4.2.3",
        "org/repo/.github/workflows/x.yml@feature-branch",
    ]


def test_checker_flags_broad_or_missing_permissions() -> None:
    problems = permission_problems(load(BAD), CI_ALLOWED)
    assert problems == [
        "workflow: permissions must list scopes, not 'write-all'",
        "job a: contents: write exceeds read",
        "job a: id-token: write exceeds none",
    ]
    missing = load("on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: 'true'}]\n")
    assert permission_problems(missing, CI_ALLOWED) == [
        "job a: no permissions (the token gets the repository default)"
    ]


def test_checker_reads_every_form_of_on() -> None:
    assert triggers(load(BAD)) == {"push": None, "pull_request_target": None}
    assert triggers(load("on: push\njobs: {}\n")) == {"push": None}
    assert triggers(load("on:\n  pull_request:\n    branches: [main]\njobs: {}\n")) == {
        "pull_request": {"branches": ["main"]}
    }


# --- both workflows ---------------------------------------------------------------------


@pytest.mark.parametrize("path", [CI, PREVIEW], ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_full_version(path: Path) -> None:
    workflow = load(path.read_text())
    assert steps(workflow), f"{path.name} has no steps"
    assert unpinned_actions(workflow) == []


@pytest.mark.parametrize(
    ("path", "allowed"), [(CI, CI_ALLOWED), (PREVIEW, PREVIEW_ALLOWED)], ids=["ci", "preview"]
)
def test_permissions_are_explicit_and_least(path: Path, allowed: dict[str, str]) -> None:
    workflow = load(path.read_text())
    assert workflow["permissions"] == {"contents": "read"}, "the default for every job"
    assert permission_problems(workflow, allowed) == []


# --- ci.yml -----------------------------------------------------------------------------


def test_ci_runs_on_push_to_main_and_pull_requests(ci: Workflow) -> None:
    on = triggers(ci)
    assert set(on) == {"push", "pull_request"}
    assert on["push"]["branches"] == ["main"]


def test_ci_runs_the_readme_commands(ci: Workflow) -> None:
    lines = run_lines(ci)
    assert readme_command("set up") in lines
    assert readme_command("the tests") in lines
    tests = lines.index(readme_command("the tests"))
    assert tests > lines.index(".venv/bin/mypy"), "the tests run after lint and mypy"


def test_ci_runs_the_same_checks_as_ci_run(ci: Workflow) -> None:
    script = (ROOT / ".ci" / "run").read_text().splitlines()
    checks = [line for line in script if line.startswith(".venv/bin/") and "/pip " not in line]
    assert checks, ".ci/run names no checks"
    assert [line for line in run_lines(ci) if line in checks] == checks


def test_ci_sets_up_python_311_and_node_20(ci: Workflow) -> None:
    (python,) = action_steps(ci, "actions/setup-python")
    assert python["with"]["python-version"] == "3.11"
    (node,) = action_steps(ci, "actions/setup-node")
    assert node["with"]["node-version"] == "20"


# --- preview.yml ------------------------------------------------------------------------


def test_preview_runs_on_pull_requests_to_main_only(preview: Workflow) -> None:
    on = triggers(preview)
    assert list(on) == ["pull_request"]
    assert on["pull_request"]["branches"] == ["main"]
    assert "infra_pulumi/**" in on["pull_request"]["paths"]


def test_preview_runs_pulumi_preview_with_a_pr_comment(preview: Workflow) -> None:
    (pulumi,) = action_steps(preview, "pulumi/actions")
    inputs = pulumi["with"]
    assert inputs["command"] == "preview"
    assert inputs["comment-on-pr"] is True
    assert inputs["stack-name"] == "${{ vars.PULUMI_STACK || 'dev' }}"
    assert inputs["cloud-url"] == "${{ vars.PULUMI_BACKEND_URL }}"
    assert inputs["github-token"] == "${{ secrets.GITHUB_TOKEN }}"
    # The CLI version the stack pins for its own pipelines.
    assert inputs["pulumi-version"] == PipelinesConfig.model_fields["pulumi_version"].default
    assert pulumi["env"] == {
        "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        "PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
    }


def test_preview_assumes_a_role_through_oidc(preview: Workflow) -> None:
    (aws,) = action_steps(preview, "aws-actions/configure-aws-credentials")
    assert aws["with"]["role-to-assume"] == "${{ vars.PULUMI_PREVIEW_ROLE_ARN }}"
    assert aws["with"]["aws-region"] == "${{ vars.AWS_REGION }}"
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(aws["with"])
    (job,) = preview["jobs"].values()
    assert job["permissions"]["id-token"] == "write"
    assert "AWS_ACCESS_KEY_ID" not in PREVIEW.read_text()


def test_preview_runs_in_the_environment_the_role_trusts(preview: Workflow) -> None:
    """The OIDC subject of a job in an environment is repo:<owner>/<repo>:environment:<name>;
    the stack's preview role trusts exactly that, for githubPreview.environment."""
    (job,) = preview["jobs"].values()
    environment = GithubPreviewConfig(repository="o/r").environment
    assert job["environment"] == environment == "preview"
    # The secrets come from the environment, so only runs its reviewers approve see them.
    text = PREVIEW.read_text()
    assert "Settings > Environments > preview" in text


def test_preview_installs_the_program_before_pulumi_runs(preview: Workflow) -> None:
    names = [str(s.get("uses", s.get("run", ""))).split("@")[0] for s in steps(preview)]
    # What Pulumi's host does on `pulumi install`: the virtualenv at the root, pip run in
    # the program directory (see tests/infra/test_pulumi_install.py).
    (install,) = [s for s in steps(preview) if s.get("name") == "Set up the virtualenv"]
    assert install["run"] == (
        "python3 -m venv ../.venv && ../.venv/bin/pip install -r requirements.txt"
    )
    assert install["working-directory"] == "infra_pulumi"
    assert names.index(install["run"]) < names.index("pulumi/actions")
    assert names.index("aws-actions/configure-aws-credentials") < names.index("pulumi/actions")


def test_preview_runs_the_guardrails_pack_from_its_own_virtualenv(preview: Workflow) -> None:
    (pulumi,) = action_steps(preview, "pulumi/actions")
    assert pulumi["with"]["policyPacks"] == "policy"
    assert "policy/**" in triggers(preview)["pull_request"]["paths"]
    # `pulumi install` in policy/: the virtualenv PulumiPolicy.yaml names, the pack's pins.
    (install,) = [
        s for s in steps(preview) if s.get("name") == "Set up the policy pack's virtualenv"
    ]
    assert install["working-directory"] == "policy"
    assert install["run"] == "python3 -m venv venv && venv/bin/pip install -r requirements.txt"
    names = [str(s.get("uses", s.get("run", ""))).split("@")[0] for s in steps(preview)]
    assert names.index(install["run"]) < names.index("pulumi/actions")
