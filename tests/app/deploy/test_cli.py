"""The CLI in-process: arguments, exit codes, human and JSON output."""

import io
import json
from typing import Any

import pytest

from app.deploy.cli import main
from app.deploy.clients import AwsClients
from app.deploy.release import WaitPolicy
from app.deploy.retry import RetryPolicy

from .fakes import NEW, NEWER, OLD, FaultyClient, fail_when


class Run:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def cli(released, monkeypatch):
    """Run main() against the fake stack, with clients that may be swapped for faulty ones."""
    monkeypatch.setenv("DEPLOY_MANIFEST_PARAMETER", released.manifest_parameter)

    def run(*argv, lambda_=None, ssm=None, env=None):
        out, err = io.StringIO(), io.StringIO()
        clients = AwsClients(
            ssm=ssm or released.ssm,
            ecr=released.ecr,
            lambda_=lambda_ or released.lambda_,
            ecs=released.ecs,
        )
        code = main(
            list(argv),
            clients=clients,
            env=env,
            stdout=out,
            stderr=err,
            retry=RetryPolicy(sleep=lambda s: None),
            wait=WaitPolicy(sleep=lambda s: None),
        )
        return Run(code, out.getvalue(), err.getvalue())

    return run


def test_release_json(cli, released):
    run = cli("release", "--image", "lambda", "--tag", NEW, "--json")

    assert run.code == 0
    document = run.json()
    assert document["ok"] is True
    assert (document["tag"], document["previousTag"], document["noop"]) == (NEW, OLD, False)
    assert {t["name"] for t in document["targets"]} == set(released.functions("lambda"))
    # Progress goes to stderr, one line per target event.
    for fn in released.functions("lambda"):
        assert f"[{fn}] verified" in run.err


def test_release_human_summary_and_noop(cli):
    assert cli("release", "--image", "lambda", "--tag", NEW).code == 0

    run = cli("release", "--image", "lambda", "--tag", NEW)

    assert run.code == 0
    assert run.out.startswith("lambda: bbbbbbb was already released; nothing changed.")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["release", "--image", "nope", "--tag", NEW], "image 'nope' is not in the deploy"),
        (["release", "--image", "lambda", "--tag", "main"], "'main' is malformed"),
        (["release", "--image", "lambda", "--tag", NEWER], "tag ccccccc is not in ECR"),
        (["exists", "--image", "lambda", "--tag", "x"], "'x' is malformed"),
        (["release", "--image", "lambda", "--tag", NEW, "--max-concurrency", "0"], "at least 1"),
    ],
)
def test_bad_input_exits_2(cli, released, argv, message):
    before = released.state("lambda")

    run = cli(*argv)

    assert run.code == 2
    assert message in run.err
    assert released.state("lambda") == before


def test_bad_input_error_as_json(cli):
    run = cli("release", "--image", "nope", "--tag", NEW, "--json")

    assert run.code == 2
    assert run.json()["errorType"] == "UnknownImageError"


def test_manifest_parameter_must_be_named(cli, monkeypatch):
    monkeypatch.delenv("DEPLOY_MANIFEST_PARAMETER")

    run = cli("status")

    assert run.code == 2
    assert "pass --manifest-parameter or set DEPLOY_MANIFEST_PARAMETER" in run.err


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        (
            '{"schema": 5, "images": {}}',
            2,
            "has schema 5; this release tool reads schemas 1, 2, 3 and 4",
        ),
        ('{"schema": 1}', 2, "missing required field `project`"),
        ("nonsense", 2, "is not valid JSON"),
    ],
)
def test_bad_manifest_exits_2(cli, released, value, code, message):
    released.ssm.put_parameter(Name="/other/manifest", Value=value, Type="String")

    run = cli(
        "release", "--image", "lambda", "--tag", NEW, "--manifest-parameter", "/other/manifest"
    )

    assert run.code == code
    assert message in run.err
    assert released.recorded_tag("lambda") == OLD


def test_failed_release_exits_1_with_json_report(cli, released):
    before = released.state("lambda")
    failing = released.functions("lambda")[1]
    lambda_ = FaultyClient(
        released.lambda_,
        update_function_code=fail_when(
            lambda kw: kw["FunctionName"] == failing, "ServiceException", "UpdateFunctionCode"
        ),
    )

    run = cli("release", "--image", "lambda", "--tag", NEW, "--json", lambda_=lambda_)

    assert run.code == 1
    document = run.json()
    assert document["errorType"] == "ReleaseFailedError"
    assert (
        f"Lambda function {failing}: UpdateFunctionCode failed: ServiceException"
        in (document["error"])
    )
    assert f"SSM parameter /demo/test/images/lambda/tag back to {OLD!r}" in document["restored"]
    assert released.state("lambda") == before


def test_restore_failure_exits_3_naming_the_resource(cli, released):
    failing = released.functions("lambda")[1]
    ssm = FaultyClient(
        released.ssm,
        put_parameter=fail_when(
            lambda kw: kw["Value"] == OLD, "InternalServerError", "PutParameter"
        ),
    )
    lambda_ = FaultyClient(
        released.lambda_,
        update_function_code=fail_when(
            lambda kw: kw["FunctionName"] == failing, "ServiceException", "UpdateFunctionCode"
        ),
    )

    run = cli("release", "--image", "lambda", "--tag", NEW, "--json", lambda_=lambda_, ssm=ssm)

    assert run.code == 3
    (attention,) = run.json()["needsAttention"]
    assert "SSM parameter /demo/test/images/lambda/tag: must be set back to 'aaaaaaa'" in attention
    assert "needs manual attention" in run.err


def test_exists(cli):
    assert cli("exists", "--image", "lambda", "--tag", NEW).code == 0
    run = cli("exists", "--image", "lambda", "--tag", NEWER, "--json")
    assert run.code == 1
    assert run.json()["exists"] is False


def test_status_json_and_table(cli, released):
    drifted = released.functions("lambda")[0]
    released.set_function_image(drifted, released.uri("lambda", NEW))

    table = cli("status")
    as_json = cli("status", "--json")
    document = as_json.json()

    # Drift is exit 6, so a pipeline can gate on status (issue 11.5).
    assert (table.code, as_json.code) == (6, 6)
    assert "DRIFT" in next(line for line in table.out.splitlines() if drifted in line)
    assert (document["exitCode"], document["drift"], document["unreadable"]) == (6, True, False)
    (image,) = document["images"]
    assert image["recordedTag"] == OLD
    assert [t["name"] for t in image["targets"] if t["drift"]] == [drifted]


def test_rollback(cli, released):
    cli("release", "--image", "lambda", "--tag", NEW)

    run = cli("rollback", "--image", "lambda", "--json")

    assert run.code == 0
    assert run.json()["tag"] == OLD
    assert released.recorded_tag("lambda") == OLD


def test_tag_from_codebuild(cli):
    run = cli("tag", env={"CODEBUILD_RESOLVED_SOURCE_VERSION": "f" * 40})

    assert (run.code, run.out) == (0, "fffffff\n")


def test_tag_malformed_exits_2(cli):
    run = cli("tag", env={"CODEBUILD_RESOLVED_SOURCE_VERSION": "refs/heads/main"})

    assert run.code == 2
    assert "malformed" in run.err


# -- input is validated before any AWS call (issue 11.7) ------------------------------


class NoAws:
    """A client whose every call fails the test: nothing may be asked."""

    def __getattr__(self, name):
        raise AssertionError(f"AWS was called ({name}) before the input was validated")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["release", "--image", "lambda", "--tag", "LATEST"], "'LATEST' is malformed"),
        (["exists", "--image", "lambda", "--tag", "x"], "'x' is malformed"),
        (["release", "--image", "", "--tag", NEW], "is not an image name"),
        (["release", "--image", "lambda", "--tag", NEW, "--lock-wait", "-1"], "--lock-wait"),
        (["rollback", "--image", "lambda", "--lock-ttl", "0"], "--lock-ttl must be 1"),
        (
            ["release", "--image", "lambda", "--tag", NEW, "--imagedefinitions", "/no/such/x"],
            "directory /no/such does not exist",
        ),
        (
            ["status", "--manifest-parameter", "/demo/test/deploy manifest"],
            "may only contain",
        ),
    ],
)
def test_bad_input_is_refused_before_asking_aws(released, argv, message):
    out, err = io.StringIO(), io.StringIO()
    no_aws: Any = NoAws()
    clients = AwsClients(ssm=no_aws, ecr=no_aws, lambda_=no_aws, ecs=no_aws)

    code = main(
        argv,
        clients=clients,
        env={"DEPLOY_MANIFEST_PARAMETER": released.manifest_parameter},
        stdout=out,
        stderr=err,
    )

    assert code == 2, err.getvalue()
    assert message in err.getvalue()


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        ("describe_images", "AccessDeniedException"),
        ("describe_repositories", "AccessDeniedException"),
        ("describe_images", "InternalServerError"),  # still failing after the retries
    ],
)
def test_an_unanswered_exists_is_exit_5_not_1(cli, released, operation, code):
    faults: dict[str, Any] = {operation: fail_when(lambda kw: True, code, operation)}
    ecr: Any = FaultyClient(released.ecr, **faults)
    out, err = io.StringIO(), io.StringIO()
    clients = AwsClients(ssm=released.ssm, ecr=ecr, lambda_=released.lambda_, ecs=released.ecs)

    exit_code = main(
        ["exists", "--image", "lambda", "--tag", NEW, "--json"],
        clients=clients,
        stdout=out,
        stderr=err,
        retry=RetryPolicy(sleep=lambda s: None),
    )

    assert exit_code == 5, err.getvalue()
    assert json.loads(out.getvalue())["errorType"] == "AwsAccessError"
    assert code in err.getvalue()


# -- status gives a pipeline something to gate on (issue 11.5) -------------------------


def test_status_of_a_released_stack_is_0(cli):
    run = cli("status", "--json")

    assert run.code == 0
    assert (run.json()["drift"], run.json()["unreadable"], run.json()["exitCode"]) == (
        False,
        False,
        0,
    )


def test_status_with_an_unreadable_target_is_7_with_complete_json(cli, released):
    missing = released.functions("lambda")[1]
    released.lambda_.delete_function(FunctionName=missing)

    run = cli("status", "--json")

    assert run.code == 7
    (image,) = run.json()["images"]
    assert len(image["targets"]) == 5  # every target still reported
    (unreadable,) = [t for t in image["targets"] if t["error"]]
    assert unreadable["name"] == missing
    assert run.json()["unreadable"] is True


def test_status_shows_a_held_release_lock(cli, released):
    holder = {
        "schema": 1,
        "token": "t",
        "host": "build-host",
        "pid": 4242,
        "codebuildBuildId": None,
        "command": "release",
        "image": "lambda",
        "startedAt": "2030-01-01T00:00:00Z",
        "expiresAt": "2030-01-01T01:00:00Z",
    }
    released.ssm.put_parameter(
        Name="/demo/test/images/lambda/release-lock", Value=json.dumps(holder), Type="String"
    )

    table = cli("status")
    document = cli("status", "--json").json()

    assert "release lock /demo/test/images/lambda/release-lock held: release of image " in (
        table.out
    )
    assert document["images"][0]["lock"]["pid"] == 4242
    assert table.code == 0  # a lock alone is not drift


def test_a_held_lock_is_exit_4_with_json(cli, released):
    released.ssm.put_parameter(
        Name="/demo/test/images/lambda/release-lock", Value="by hand", Type="String"
    )

    run = cli("release", "--image", "lambda", "--tag", NEW, "--json")

    assert run.code == 4
    assert run.json()["errorType"] == "LockHeldError"
    assert released.recorded_tag("lambda") == OLD


@pytest.mark.parametrize(
    "command", ["release", "rollback", "status", "exists", "tag", "promote", "hold"]
)
def test_an_unknown_option_after_a_command_shows_that_commands_usage(command, capsys):
    """``release ... --frobnicate`` gets release's usage, not the top level's."""
    argv = {
        "release": ["release", "--image", "lambda", "--tag", NEW],
        "rollback": ["rollback", "--image", "lambda"],
        "status": ["status"],
        "exists": ["exists", "--image", "lambda", "--tag", NEW],
        "tag": ["tag"],
        "promote": ["promote", "--image", "lambda", "--from", "dev"],
        "hold": ["hold", "--image", "lambda"],
    }[command]

    with pytest.raises(SystemExit) as exited:
        main([*argv, "--frobnicate"])

    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: python -m app.deploy {command} ")
    assert f"python -m app.deploy {command}: error: unrecognized arguments: --frobnicate" in err
