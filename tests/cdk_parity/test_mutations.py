"""Prove the comparison sees a change on either side: plant mutations in a copy, run the command.

Each mutation is planted in a temporary copy of the project (the Pulumi program and the
CDK reference as files, imported from the copy), then ``python -m cdk_parity compare``
runs there, as a user runs it. The mutations touch distinct resources, so one run
checks them all: it must exit 1, and its failing rows must be exactly the planted ones,
each naming its resource kind and what changed. One run keeps the cost to one cold
start of Pulumi and jsii (about 10 s here) instead of one per mutation.

Pulumi-side mutations wrap the program's own functions at the end of their modules, so
they keep working while the code inside those functions changes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: dev is compared with prod's pipelines (cdk_parity/compare/sides.py): both stack files.
COPIED = (
    "infra_pulumi",
    "cdk_parity",
    "app",
    "docker",
    "Pulumi.yaml",
    "Pulumi.dev.yaml",
    "Pulumi.prod.yaml",
)

#: (file, anchor that must be there, text appended or the anchor's replacement)
PULUMI_MUTATIONS = {
    # An extra IAM action for every role that writes its own log group's streams.
    "infra_pulumi/components/iam.py": (
        "def log_streams(",
        "\n_log_streams = log_streams\n\n\n"
        "def log_streams(log_group_arn):  # type: ignore[no-redef]\n"
        "    statement = _log_streams(log_group_arn)\n"
        '    statement["Action"] = [*statement["Action"], "logs:DeleteLogGroup"]\n'
        "    return statement\n",
    ),
    # A loosened tag pattern: lowercase letters where only hex digits belong.
    "infra_pulumi/components/tag_parameter.py": (
        "ALLOWED_TAG_PATTERN",
        "\nassert '[0-9a-f]' in ALLOWED_TAG_PATTERN\n"
        "ALLOWED_TAG_PATTERN = ALLOWED_TAG_PATTERN.replace('[0-9a-f]', '[0-9a-z]')\n",
    ),
    # A changed lifecycle rule: untagged images expire after half the days.
    "infra_pulumi/components/ecr.py": (
        "def lifecycle_policy(",
        "\n_lifecycle_policy = lifecycle_policy\n\n\n"
        "def lifecycle_policy(*args, **kwargs):  # type: ignore[no-redef]\n"
        "    document = json.loads(_lifecycle_policy(*args, **kwargs))\n"
        '    for rule in document["rules"]:\n'
        '        if rule["selection"]["tagStatus"] == "untagged":\n'
        '            rule["selection"]["countNumber"] //= 2\n'
        "    return json.dumps(document)\n",
    ),
}
#: (file, anchor, replacement): a changed memory size, replaced in place.
PULUMI_REPLACEMENTS = {
    "infra_pulumi/components/container_function.py": (
        "memory_size=args.memory_mb",
        "memory_size=args.memory_mb + 64",
    ),
}
CDK_REPLACEMENTS = {
    # The lock table falls back to DynamoDB's AWS owned key.
    "cdk_parity/reference/release_locks.py": (
        "encryption=dynamodb.TableEncryption.AWS_MANAGED",
        "encryption=dynamodb.TableEncryption.DEFAULT",
    ),
    # The circuit breaker no longer rolls back.
    "cdk_parity/reference/web_service.py": (
        "ecs.DeploymentCircuitBreaker(enable=True, rollback=True)",
        "ecs.DeploymentCircuitBreaker(enable=True, rollback=False)",
    ),
    # An extra grant to the web task role, which has none on either side.
    "cdk_parity/reference/stack.py": (
        '        web.task_definition.node.add_dependency(built.placeholders["web"].deployment)\n',
        '        web.task_definition.node.add_dependency(built.placeholders["web"].deployment)\n'
        "        from aws_cdk import aws_iam as iam\n\n"
        "        web.task_role.add_to_policy(\n"
        '            iam.PolicyStatement(actions=["s3:ListAllMyBuckets"], resources=["*"])\n'
        "        )\n",
    ),
}


def _plant(root: Path) -> None:
    for relative, (anchor, appended) in PULUMI_MUTATIONS.items():
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert anchor in text, f"{relative} no longer has {anchor!r}: update this mutation"
        path.write_text(text + appended, encoding="utf-8")
    for relative, (anchor, replacement) in {**PULUMI_REPLACEMENTS, **CDK_REPLACEMENTS}.items():
        path = root / relative
        text = path.read_text(encoding="utf-8")
        assert text.count(anchor) == 1, f"{relative} no longer has {anchor!r} once"
        path.write_text(text.replace(anchor, replacement), encoding="utf-8")


@pytest.fixture(scope="module")
def mutated_run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    root = tmp_path_factory.mktemp("mutated")
    ignore = shutil.ignore_patterns("__pycache__", "cdk.out", "out", "*.pyc")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=ignore)
        else:
            shutil.copy2(source, root / name)
    _plant(root)
    environment = {**os.environ, "PYTHONPATH": str(root)}
    environment.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    command = [sys.executable, "-m", "cdk_parity", "compare", "--stack", "dev"]
    return subprocess.run(
        [*command, "--timing-runs", "0", "--no-memory", "--out", str(root / "out")],
        cwd=root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _failing(result: subprocess.CompletedProcess[str]) -> dict[tuple[str, str], str]:
    rows = {}
    for line in result.stdout.splitlines():
        match = re.match(r"^(UNEXPECTED|MISSING): dev (\S+) (\S+): (.*)$", line)
        if match:
            rows[(match.group(2), match.group(3))] = match.group(4)
    return rows


def test_every_planted_change_fails_the_command_and_names_its_kind(
    mutated_run: subprocess.CompletedProcess[str],
) -> None:
    output = mutated_run.stdout + mutated_run.stderr
    assert mutated_run.returncode == 1, output
    rows = _failing(mutated_run)
    prefix = "container-delivery-dev"
    expected = {
        # Pulumi: the extra action, on every role that writes its log streams.
        ("iam-role", f"lambda-function:{prefix}-api"): "only in Pulumi: logs:DeleteLogGroup on",
        ("iam-role", f"lambda-function:{prefix}-nightly-report"): "logs:DeleteLogGroup",
        ("iam-role", f"ecs-task-definition:{prefix}-web#execution"): "logs:DeleteLogGroup",
        # ...the pipelines' builds too: dev is compared with prod's pipelines.
        ("iam-role", f"codebuild-project:{prefix}-infra-preview"): "logs:DeleteLogGroup",
        ("iam-role", f"codebuild-project:{prefix}-infra-deploy"): "logs:DeleteLogGroup",
        ("iam-role", f"codebuild-project:{prefix}-app-build"): "logs:DeleteLogGroup",
        # Pulumi: the loosened pattern lets a word through.
        ("ssm-parameter", "/container-delivery/dev/images/lambda/tag"): "only in Pulumi: release",
        ("ssm-parameter", "/container-delivery/dev/images/web/tag"): "only in Pulumi: release",
        # Pulumi: the lifecycle rule.
        ("ecr-repository", f"{prefix}-lambda"): "untagged: expire 3 days after push",
        ("ecr-repository", f"{prefix}-web"): "untagged: expire 3 days after push",
        # Pulumi: the memory size.
        ("lambda-function", f"{prefix}-api"): "memoryMb: Pulumi 320 / CDK 256",
        ("lambda-function", f"{prefix}-nightly-report"): "memoryMb: Pulumi 576 / CDK 512",
        # CDK: the lock table's key, the circuit breaker and the extra grant.
        ("dynamodb-table", f"{prefix}-release-locks"): (
            "encryption: Pulumi KMS: AWS managed key aws/dynamodb / CDK AWS owned key"
        ),
        ("ecs-service", f"{prefix}-web"): "circuitBreaker",
        ("iam-role", f"ecs-task-definition:{prefix}-web#task"): (
            "only in CDK: s3:ListAllMyBuckets on *"
        ),
    }
    assert set(rows) == set(expected), output
    for row, phrase in expected.items():
        assert phrase in rows[row], (row, rows[row])


def test_the_run_used_the_mutated_copy(mutated_run: subprocess.CompletedProcess[str]) -> None:
    """The command ran the copy's modules, not the work tree's, and still wrote its report."""
    assert "report:" in mutated_run.stdout
    (report_line,) = [
        line for line in mutated_run.stdout.splitlines() if line.startswith("report:")
    ]
    assert "mutated" in report_line
    assert "expected_differences.yaml" in mutated_run.stderr
