"""``promote``'s command line: bad input is exit 2 before any AWS call; a build stage, the
wrong ``--from``, or a reader role that cannot be assumed change nothing."""

from __future__ import annotations

import io
import json
import os

import pytest

from app.deploy.cli import main

from .fakes import NEW
from .faultproxy import Answer

DIGEST = "sha256:" + "ab" * 32


def run_main(*argv: str, env: dict[str, str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), env=env, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


NO_AWS = {
    "DEPLOY_MANIFEST_PARAMETER": "/demo/prod/deploy-manifest",
    # An endpoint nothing listens on: any AWS call would be exit 5, not 2.
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--from", "dev prod"), "--from 'dev prod' is not a stack name"),
        (("--from", "dev", "--digest", "sha256:abc"), "--digest 'sha256:abc' must be sha256:"),
        (("--from", "dev", "--digest", DIGEST.upper()), "must be sha256: followed by 64"),
        (("--from", "dev", "--tag", "XYZ"), "XYZ"),
        (("--from", "dev", "--replication-wait", "-1"), "--replication-wait must be 0 to"),
    ],
)
def test_bad_input_is_exit_2_before_any_aws_call(extra, message, monkeypatch):
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in NO_AWS.items():
        monkeypatch.setenv(name, value)  # boto3 reads os.environ, whatever main() is given

    code, _, err = run_main("promote", "--image", "lambda", *extra, env=NO_AWS)

    assert code == 2, err
    assert message in err


@pytest.mark.parametrize("stages", ["same-account"], indirect=True)  # dev's manifest readable
def test_promote_in_a_build_stage_or_from_another_stage_is_exit_2(stages, deploy):
    before = stages.snapshot("lambda")

    run = deploy("promote", "--image", "lambda", "--from", "dev",
                 DEPLOY_MANIFEST_PARAMETER=stages.dev.manifest_parameter)  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert "it is a build stage" in run.stderr

    run = deploy("promote", "--image", "lambda", "--from", "staging", "--json")
    assert run.returncode == 2, run.stderr
    assert json.loads(run.stdout)["errorType"] == "NotPromotedStageError"
    assert "stack prod promotes from dev, not from staging; run with --from dev" in run.stderr
    assert stages.snapshot("lambda") == before


def test_a_reader_role_that_cannot_be_assumed_is_exit_5(stages, proxy, codedeploy, deploy):
    role = stages.reader_role_arn

    def deny(method: str, path: str, headers: dict[str, str], body: bytes) -> Answer | None:
        if b"Action=AssumeRole" not in body:
            return codedeploy(method, path, headers, body)
        # STS's query-protocol error (STS API reference, Common Errors: AccessDenied), with
        # IAM's wording for a role whose trust policy does not name the caller.
        xml = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
            "<Type>Sender</Type><Code>AccessDenied</Code><Message>User: "
            "arn:aws:sts::123456789012:assumed-role/demo-prod-promote-build/build is not "
            f"authorized to perform: sts:AssumeRole on resource: {role}</Message></Error>"
            "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
        )
        return 403, [("Content-Type", "text/xml")], xml.encode()

    proxy.intercept = deny
    before = stages.snapshot("lambda")

    run = deploy("promote", "--image", "lambda", "--from", "dev")

    assert run.returncode == 5, run.stderr
    assert f"cannot assume stage dev's promotion reader role {role}: AccessDenied" in run.stderr
    assert "needs sts:AssumeRole on it" in run.stderr
    assert stages.snapshot("lambda") == before
    assert stages.recorded("lambda") == ("initial", "initial")
    assert NEW not in stages.recorded("lambda")
