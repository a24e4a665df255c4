"""Config validation at the boundary, on its own (no Pulumi runtime needed)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra_pulumi.exceptions import ConfigError
from infra_pulumi.stack_config import StackConfig, load_config, parse_config

FUNCTIONS = [{"name": "api", "command": ["api.handler"]}]


def parse(project: str = "container-delivery", stack: str = "dev", **raw: Any) -> StackConfig:
    values = {"lambdaFunctions": json.dumps(FUNCTIONS), **raw}
    strings = {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    return parse_config(strings, project, stack)


def test_defaults() -> None:
    config = parse()
    assert config.require_release is False
    assert config.ecr_keep_images == 30
    assert config.log_retention_days == 30
    assert config.lambda_architecture == "x86_64"
    assert config.docker_platform == "linux/amd64"
    assert config.placeholder_context == "docker/initial_lambda"
    assert config.kms_key_arn is None
    (function,) = config.lambda_functions
    assert (function.memory_mb, function.timeout_seconds, function.command) == (
        512,
        30,
        ("api.handler",),
    )


def test_values_arrive_as_strings_and_are_converted() -> None:
    config = parse(requireRelease="true", ecrKeepImages="50", logRetentionDays="365")
    assert (config.require_release, config.ecr_keep_images, config.log_retention_days) == (
        True,
        50,
        365,
    )


def test_naming_follows_project_and_stack() -> None:
    naming = parse(stack="prod").naming
    assert naming.prefix == "container-delivery-prod"
    assert naming.tag_parameter("lambda") == "/container-delivery/prod/images/lambda/tag"
    assert naming.manifest_parameter == "/container-delivery/prod/deploy-manifest"
    assert naming.function("api") == "container-delivery-prod-api"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"lambdaFunctions": "[]"}, "at least one function"),
        ({"lambdaFunctions": "{not json"}, "lambdaFunctions is not valid structured config"),
        ({"lambdaFunctions": json.dumps([{"name": "api"}])}, r"lambdaFunctions\[0\]\[command\]"),
        (
            {"lambdaFunctions": json.dumps([{"name": "api", "command": [" "]}])},
            "command entries must be non-empty",
        ),
        (
            {"lambdaFunctions": json.dumps([{"name": "Api", "command": ["a.b"]}])},
            r"lambdaFunctions\[0\]\[name\]",
        ),
        (
            {"lambdaFunctions": json.dumps(FUNCTIONS * 2)},
            r"names a function twice: 'api' at lambdaFunctions\[0\] and lambdaFunctions\[1\]",
        ),
        (
            {"lambdaFunctions": json.dumps([{"name": "api", "command": ["a"], "memoryMb": 64}])},
            r"memoryMb.*greater than or equal to 128",
        ),
        (
            {"lambdaFunctions": json.dumps([{"name": "api", "command": ["a"], "typo": 1}])},
            r"lambdaFunctions\[0\]\[typo\]: not a key here; known keys: name, command",
        ),
        ({"logRetentionDays": "31"}, "logRetentionDays: must be one of"),
        ({"ecrKeepImages": "2"}, "ecrKeepImages"),
        ({"requireRelease": "perhaps"}, "requireRelease"),
        ({"lambdaArchitecture": "sparc"}, "lambdaArchitecture"),
        ({"kmsKeyArn": "alias/mine"}, "kmsKeyArn"),
    ],
)
def test_bad_values_name_the_key(raw: dict[str, str], message: str) -> None:
    values = {"lambdaFunctions": json.dumps(FUNCTIONS), **raw}
    with pytest.raises(ConfigError, match=message) as info:
        parse_config(values, "container-delivery", "dev")
    assert "container-delivery" in str(info.value)


#: Minimal pipelines config: the artifact bucket and the build projects exist with it.
WITH_PIPELINES = {
    "pipelines": json.dumps(
        {
            "connectionArn": "arn:aws:codeconnections:us-east-1:111122223333:connection/x",
            "infraRepository": "o/i",
            "appRepository": "o/a",
            "stateBackend": {"secretArn": "arn:aws:secretsmanager:us-east-1:111122223333:secret:s"},
        }
    )
}

# (project, stack, extra config) that AWS accepts everywhere the stack uses the names.
_GOOD_NAMES = [
    ("container-delivery", "dev", {}),
    ("container-delivery", "prod", {}),
    ("cd", "x", {}),
    ("shop2", "eu-west-1", {}),
    ("a1", "b2", {"createKmsKey": "true"}),
]

# (project, stack, extra config, the resource and the rule the error must name).
_BAD_NAMES = [
    ("container-delivery", "dev-", {}, "lowercase physical prefix"),
    ("my--proj", "dev", {}, "lowercase physical prefix"),
    ("container-delivery", "Prod", {}, "lowercase physical prefix"),
    ("container-delivery", "dev_1", {}, "lowercase physical prefix"),
    ("container-delivery", "dev.eu", {}, "lowercase physical prefix"),
    (
        "internal-tools",
        "dev",
        {},
        r"load balancer would be named 'internal-tools-dev-web'.*"
        r"reserved prefix 'internal-'",
    ),
    (
        "sg-app",
        "dev",
        {},
        r"load balancer security group would be named 'sg-app-dev-alb'.*"
        r"reserved prefix 'sg-'",
    ),
    (
        "container-delivery",
        "staging-eu",
        {},
        r"load balancer would be named "
        r"'container-delivery-staging-eu-web'.*33 characters long",
    ),
    (
        "aws-tools",
        "dev",
        {},
        r"deploy-manifest parameter would be named "
        r"'/aws-tools/dev/deploy-manifest'.*reserved prefix '/aws'",
    ),
    ("ssm", "dev", {}, r"parameter would be named '/ssm/dev/.*reserved prefix '/ssm'"),
    (
        "sthree",
        "dev",
        WITH_PIPELINES,
        r"artifact bucket prefix 'sthree-dev-artifacts-'.*reserved prefix 'sthree-'",
    ),
    (
        "container-delivery",
        "staging1",
        {"lambdaFunctions": json.dumps([{"name": "a" * 32, "command": ["a.b"]}])},
        r"function a{32}'s role would be named .*65 characters long; 1 to 64.*IAM role names",
    ),
    (
        "container-delivery-x",
        "stage1",
        WITH_PIPELINES,
        r"artifact bucket prefix .* at most 37 characters",
    ),
]


@pytest.mark.parametrize(("project", "stack", "extra"), _GOOD_NAMES)
def test_names_aws_accepts_pass(project: str, stack: str, extra: dict[str, str]) -> None:
    config = parse(project=project, stack=stack, **extra)
    assert config.naming.prefix == f"{project}-{stack}"


@pytest.mark.parametrize(("project", "stack", "extra", "message"), _BAD_NAMES)
def test_names_aws_refuses_fail_naming_the_resource_and_rule(
    project: str, stack: str, extra: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        parse(project=project, stack=stack, **extra)
    # One line per problem, never the whole config dict.
    assert "'lambdaFunctions':" not in str(info.value)


def test_missing_function_list_says_what_to_write() -> None:
    with pytest.raises(ConfigError, match=r"lambdaFunctions is required.*Pulumi.dev.yaml"):
        parse_config({}, "container-delivery", "dev")


def test_load_config_reads_through_a_getter() -> None:
    raw = {"lambdaFunctions": json.dumps(FUNCTIONS), "ecrKeepImages": "12"}
    config = load_config(raw.get)
    assert config.ecr_keep_images == 12


# AWS's Fargate task-size table for Linux (Amazon ECS developer guide, "Task CPU and memory"),
# written out here rather than read from FARGATE_SIZES, so the two are checked against
# each other: (cpu, accepted memory in MiB).
_FARGATE_TABLE = [
    (256, [512, 1024, 2048]),
    (512, [1024, 2048, 3072, 4096]),
    (1024, [2048 + 1024 * i for i in range(7)]),
    (2048, [4096 + 1024 * i for i in range(13)]),
    (4096, [8192 + 1024 * i for i in range(23)]),
    (8192, [16384 + 4096 * i for i in range(12)]),
    (16384, [32768 + 8192 * i for i in range(12)]),
]


def _web(cpu: int, memory: int) -> StackConfig:
    return parse(web={"cpu": cpu, "memoryMb": memory})


@pytest.mark.parametrize(("cpu", "accepted"), _FARGATE_TABLE)
def test_fargate_sizes_are_exactly_aws_table(cpu: int, accepted: list[int]) -> None:
    for memory in accepted:
        assert _web(cpu, memory).web.memory_mb == memory
    # Every other size in the neighbourhood, in 512 MiB steps, is refused.
    for memory in range(512, accepted[-1] + 8193, 512):
        if memory not in accepted:
            with pytest.raises(ConfigError, match=f"memoryMb {memory} is not valid with cpu {cpu}"):
                _web(cpu, memory)


def test_quarter_vcpu_refuses_1536_mib() -> None:
    with pytest.raises(ConfigError, match="Fargate accepts 512, 1024, 2048"):
        _web(256, 1536)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"ecrKeepImage": "30"},
            r"container-delivery:ecrKeepImage: not a config key of this project; "
            r"did you mean ecrKeepImages\?",
        ),
        (
            {"web": json.dumps({"desiredCont": 1})},
            r"container-delivery:web\[desiredCont\]: not a key here; did you mean desiredCount\?",
        ),
        (
            {"lambdaFunctions": json.dumps([{"name": "api", "command": ["a"], "memoryMB": 1}])},
            r"lambdaFunctions\[0\]\[memoryMB\]: not a key here; did you mean memoryMb\?",
        ),
        (
            {"pipelines": json.dumps({"stateBackend": {"secretArn": "x", "URL": "s3://b"}})},
            r"pipelines\[stateBackend\]\[URL\]: not a key here; did you mean url\?",
        ),
        (
            {"web": json.dumps({"desiredCount": -1})},
            r"container-delivery:web\[desiredCount\]: Input should be greater than or equal "
            r"to 0 \(got -1\)",
        ),
        (
            {"pipelines": json.dumps({})},
            r"container-delivery:pipelines\[connectionArn\]: required, and missing",
        ),
    ],
)
def test_unknown_and_nested_keys_are_named_with_a_suggestion(
    raw: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config({"lambdaFunctions": json.dumps(FUNCTIONS), **raw}, "container-delivery", "dev")


def test_load_config_refuses_a_key_it_does_not_know() -> None:
    raw = {"lambdaFunctions": json.dumps(FUNCTIONS), "logRetentionDay": "14"}
    with pytest.raises(ConfigError, match="did you mean logRetentionDays"):
        load_config(raw.get, present=list(raw))


def test_a_misspelt_provider_key_is_refused(run_program: Any) -> None:
    """aws:regin would otherwise pass silently and plan us-east-1."""
    from infra_pulumi.exceptions import ConfigError

    with pytest.raises(
        ConfigError, match=r"aws:regin: not a config key of the AWS provider; did you mean region\?"
    ):
        run_program(config={"aws:regin": "ap-northeast-1"})
    # The keys pulumi-aws reads pass.
    plan = run_program(config={"aws:skipRequestingAccountId": "false"})
    assert plan.resources
