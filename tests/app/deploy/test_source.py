"""``assumed_session``: the build stage's reader role needs this stage's own credentials
first; without any, nothing is asked (the CLI refuses earlier: test_e2e_promote_refusals.py)."""

from __future__ import annotations

import os

import boto3
import pytest

from app.deploy.exceptions import AwsAccessError
from app.deploy.source import assumed_session

ROLE = "arn:aws:iam::111122223333:role/demo-dev-promotion-reader"


def test_no_credentials_to_assume_the_reader_role_with_asks_nothing_and_says_what_to_give(
    monkeypatch,
):
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    # No file, no instance metadata: botocore's whole credential chain finds nothing.
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    base = boto3.Session(region_name="us-east-1")
    sent: list[object] = []
    base.events.register("before-send", lambda request, **_: sent.append(request))

    with pytest.raises(AwsAccessError) as raised:
        assumed_session(base, ROLE, "us-east-1", "app-deploy-promote-prod")

    assert raised.value.exit_code == 5
    assert str(raised.value) == (
        f"no AWS credentials to assume {ROLE} with; nothing was asked or changed. Run with "
        "the credentials of this stage's promote build role (AWS_PROFILE, AWS_ACCESS_KEY_ID "
        "and AWS_SECRET_ACCESS_KEY, or the build's service role)"
    )
    assert sent == []
