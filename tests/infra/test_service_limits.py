"""AWS's documented limits on what the program hands the provider, at the config's extremes:
the most functions and promoted stages, the longest names, every optional feature on."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest

from infra_pulumi.exceptions import ConfigError
from infra_pulumi.plan import Plan, evaluate
from infra_pulumi.plan.mocks import released
from infra_pulumi.service_limits import MAX_FUNCTIONS, MAX_PROMOTED_STAGES
from infra_pulumi.stack_config import parse_config

# The limits, from AWS's documentation (not from the code under test):
#: IAM and AWS STS quotas,
#: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html: a role's
#: trust policy 2,048 characters, its inline policies together 10,240, 10 managed policies
#: attached; IAM does not count whitespace.
TRUST_POLICY = 2048
ROLE_INLINE_POLICIES = 10240
MANAGED_POLICIES_PER_ROLE = 10
#: PutParameter ``Value``: Standard parameters hold 4 KB,
#: https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html.
SSM_STANDARD_VALUE = 4096
#: SetRepositoryPolicy ``policyText`` at most 10,240 characters,
#: https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_SetRepositoryPolicy.html;
#: a lifecycle policy at most 30,720 (Amazon ECR service quotas,
#: https://docs.aws.amazon.com/AmazonECR/latest/userguide/service-quotas.html).
ECR_REPOSITORY_POLICY = 10240
ECR_LIFECYCLE_POLICY = 30720
#: Environment variables: 4 KB, keys and values (Lambda quotas,
#: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
LAMBDA_ENVIRONMENT = 4096
#: Tags: at most 50 per resource, keys up to 128 characters, values up to 256
#: (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html).
TAGS_PER_RESOURCE, TAG_KEY, TAG_VALUE = 50, 128, 256

PROJECT = "container-delivery"
#: Every stack has a target group ``<project>-<stack>-<port>`` (at most 32 characters), and
#: a stack with pipelines an artifact bucket prefix of at most 37: so 7 characters here, 8
#: for a stage that only needs the target group.
STACK, OTHER_STACK = "abcdefg", "zyxwvuts"
PIPELINES = {
    "connectionArn": "arn:aws:codeconnections:ap-northeast-1:444455556666:connection/"
    "00000000-0000-0000-0000-000000000000",
    "infraRepository": "my-org/container-delivery-infra",
    "appRepository": "my-org/container-delivery-app",
    "stateBackend": {
        "url": "s3://my-org-pulumi-state/container-delivery",
        "secretArn": "arn:aws:secretsmanager:ap-northeast-1:444455556666:secret:"
        "container-delivery/pulumi-passphrase-AbCdEf",
    },
}


def longest_function_name(index: int) -> str:
    """The longest short name the config accepts for this stack (the name rules decide)."""
    for length in range(32, 0, -1):
        name = (f"f{index:02d}-" + "x" * 32)[:length]
        function = {"name": name, "command": ["api.handler"], "schedule": "rate(1 hour)"}
        try:
            parse_config(
                {"lambdaFunctions": json.dumps([function])}, PROJECT, STACK, "ap-northeast-1"
            )
        except ConfigError:
            continue
        return name
    raise AssertionError("no function name fits")


def extreme_config(functions: int, **more: Any) -> dict[str, Any]:
    """Every optional feature on, ``functions`` functions with the longest names."""
    return {
        "aws:region": "ap-northeast-1",
        "aws:defaultTags": {"tags": {"project": PROJECT, "stack": STACK}},
        "lambdaFunctions": [
            {
                "name": longest_function_name(i),
                "command": ["api.handler"],
                "schedule": "cron(0 18 * * ? *)",
                "url": {"auth": "AWS_IAM"},
                "environment": {"REPORT_BUCKET": "b" * 100},
            }
            for i in range(functions)
        ],
        "createKmsKey": "true",
        "requireRelease": "true",
        "accessLogs": {"loadBalancer": True, "vpcFlowLogs": True, "artifactBucket": True},
        "pipelines": PIPELINES,
        "githubPreview": {
            "repository": "my-org/container-delivery-infra",
            "stateBackendUrl": "s3://my-org-pulumi-state/container-delivery",
        },
        **more,
    }


def build_stage(functions: int) -> Plan:
    stages = [
        {"stack": f"{i:02d}{OTHER_STACK}"[:8], "account": f"{444455550000 + i}"}
        for i in range(MAX_PROMOTED_STAGES)
    ]
    config = extreme_config(functions, promotesTo=stages)
    return evaluate(STACK, config=config, use_stack_file=False, invokes=released("abc1234"))


def promoted_stage(functions: int) -> Plan:
    source = {"stack": OTHER_STACK, "account": "111122223333", "region": "ap-northeast-1"}
    config = extreme_config(functions, promoteFrom=source)
    return evaluate(STACK, config=config, use_stack_file=False, invokes=released("abc1234"))


def size(document: Any) -> int:
    """A policy's size as IAM counts it: characters, whitespace not counted."""
    text = document if isinstance(document, str) else json.dumps(document)
    return len(re.sub(r"\s", "", text))


def measurements(plan: Plan) -> dict[str, tuple[int, int, str]]:
    """Per limit, the largest value in the plan: (measured, limit, where)."""
    found: dict[str, tuple[int, int, str]] = {}

    def note(limit_name: str, value: int, limit: int, where: str) -> None:
        if value > found.get(limit_name, (-1, 0, ""))[0]:
            found[limit_name] = (value, limit, where)

    inline: Counter[str] = Counter()
    attached: Counter[str] = Counter()
    default_tags = 2  # aws:defaultTags above: pulumi-aws merges them into every resource's tags
    for r in plan.resources:
        inputs = r.inputs
        if r.type == "aws:iam/role:Role":
            note("trust policy", size(inputs["assumeRolePolicy"]), TRUST_POLICY, inputs["name"])
            attached[inputs["name"]] += len(inputs.get("managedPolicyArns") or [])
        elif r.type == "aws:iam/rolePolicy:RolePolicy":
            inline[inputs["role"]] += size(inputs["policy"])
        elif r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
            attached[inputs["role"]] += 1
        elif r.type == "aws:ssm/parameter:Parameter" and inputs.get("tier") == "Standard":
            value = inputs.get("insecureValue") or inputs.get("value") or ""
            note("SSM Standard value", len(value.encode()), SSM_STANDARD_VALUE, inputs["name"])
        elif r.type == "aws:ecr/repositoryPolicy:RepositoryPolicy":
            policy = inputs["policy"]
            note("ECR repository policy", len(policy), ECR_REPOSITORY_POLICY, r.urn)
        elif r.type == "aws:ecr/lifecyclePolicy:LifecyclePolicy":
            note("ECR lifecycle policy", len(inputs["policy"]), ECR_LIFECYCLE_POLICY, r.urn)
        elif r.type == "aws:lambda/function:Function":
            variables = (inputs.get("environment") or {}).get("variables") or {}
            total = sum(len(k.encode()) + len(v.encode()) for k, v in variables.items())
            note("Lambda environment", total, LAMBDA_ENVIRONMENT, inputs["name"])
        tags = inputs.get("tags") or {}
        note("tags per resource", len(tags) + default_tags, TAGS_PER_RESOURCE, r.urn)
        note("tag key", max(map(len, tags), default=0), TAG_KEY, r.urn)
        note("tag value", max(map(len, tags.values()), default=0), TAG_VALUE, r.urn)
    for role, total in inline.items():
        note("role inline policies", total, ROLE_INLINE_POLICIES, role)
    for role, count in attached.items():
        note("managed policies per role", count, MANAGED_POLICIES_PER_ROLE, role)
    return found


def over(found: dict[str, tuple[int, int, str]]) -> list[str]:
    return [f"{k}: {v:,} > {lim:,} ({where})" for k, (v, lim, where) in found.items() if v > lim]


@pytest.fixture(scope="module")
def extremes() -> dict[str, Plan]:
    return {
        "build stage": build_stage(MAX_FUNCTIONS),
        "promoted stage": promoted_stage(MAX_FUNCTIONS),
    }


@pytest.mark.parametrize("stage", ["build stage", "promoted stage"])
def test_every_value_fits_at_the_extremes(extremes: dict[str, Plan], stage: str) -> None:
    found = measurements(extremes[stage])
    assert len(found) >= 10, sorted(found)  # every kind of limit was measured
    assert over(found) == [], found


def test_the_extremes_are_reached(extremes: dict[str, Plan]) -> None:
    """The plans hold what the config allows at most: the check is not of a small stack."""
    for plan in extremes.values():
        functions = plan.of_type("aws:lambda/function:Function")
        assert len(functions) == MAX_FUNCTIONS
        assert all(len(f.inputs["name"]) == 64 - len("-schedule") for f in functions)
    reader = extremes["build stage"].named("promotion-reader-role").inputs["assumeRolePolicy"]
    assert size(reader) > 1500, size(reader)


def test_one_function_more_would_not_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cap is the limit, not a guess: past it, a limit the check measures breaks."""
    monkeypatch.setattr("infra_pulumi.stack_config.MAX_FUNCTIONS", MAX_FUNCTIONS + 1)
    broken = over(measurements(promoted_stage(MAX_FUNCTIONS + 1)))
    assert any(b.startswith("SSM Standard value") for b in broken), broken
    assert any(b.startswith("role inline policies") for b in broken), broken


def parse(**raw: Any) -> None:
    values = {"lambdaFunctions": [{"name": "api", "command": ["api.handler"]}], **raw}
    parse_config({k: json.dumps(v) for k, v in values.items()}, PROJECT, "dev")


def test_too_many_functions_names_the_key_and_the_limits() -> None:
    functions = [{"name": f"f{i}", "command": ["api.handler"]} for i in range(MAX_FUNCTIONS)]
    parse(lambdaFunctions=functions)
    with pytest.raises(
        ConfigError, match=r"lambdaFunctions: 11 entries; at most 10 .*10,240.*4,096"
    ):
        parse(lambdaFunctions=[*functions, {"name": "one-more", "command": ["api.handler"]}])


def test_too_many_promoted_stages_names_the_key_and_the_limits() -> None:
    stages = [{"stack": f"p{i}"} for i in range(MAX_PROMOTED_STAGES)]
    parse(promotesTo=stages)
    with pytest.raises(ConfigError, match=r"promotesTo: 17 entries; at most 16 .*2,048"):
        parse(promotesTo=[*stages, {"stack": "one-more"}])


@pytest.mark.parametrize(
    ("environment", "message"),
    [
        ({"1ST": "x"}, r"keys \['1ST'\] do not match Lambda's key pattern"),
        ({"A": "x"}, r"keys \['A'\] do not match"),  # the pattern needs two characters
        ({"MY-VAR": "x"}, r"keys \['MY-VAR'\] do not match"),
        ({"AWS_REGION": "x"}, r"keys \['AWS_REGION'\] are reserved"),
        ({"LAMBDA_TASK_ROOT": "x"}, r"keys \[.LAMBDA_TASK_ROOT.\] are reserved"),
        ({"BIG": "v" * 4094}, r"keys and values total 4,097 bytes; Lambda allows 4,096"),
    ],
)
def test_lambda_environment_refused_as_lambda_would(
    environment: dict[str, str], message: str
) -> None:
    function = {"name": "api", "command": ["api.handler"], "environment": environment}
    with pytest.raises(ConfigError, match=r"lambdaFunctions\[0\]\[environment\]: " + message):
        parse(lambdaFunctions=[function])


def test_lambda_environment_at_the_limit_is_accepted() -> None:
    function = {"name": "api", "command": ["api.handler"], "environment": {"BIG": "v" * 4093}}
    parse(lambdaFunctions=[function], logRetentionDays=30)
