"""Names in the manifest by AWS's rules: a Lambda function is a name or an unqualified ARN."""

import json

import pytest

from app.deploy.exceptions import ManifestInvalidError
from app.deploy.manifest import parse_manifest
from app.deploy.names import bare_function_name, function_arn_parts

from .test_manifest import document

FUNCTION_ARN = "arn:aws:lambda:ap-northeast-1:123456789012:function:cd-dev-jobs"


@pytest.mark.parametrize(
    "entry",
    [
        "cd-dev-jobs",
        FUNCTION_ARN,
        "arn:aws-cn:lambda:cn-north-1:123456789012:function:cd-dev-jobs",
    ],
)
def test_a_function_is_a_name_or_an_unqualified_arn(entry):
    doc = document()
    doc["images"]["lambda"]["lambdaFunctions"] = [entry]

    assert parse_manifest(json.dumps(doc)).image("lambda").function_names == (entry,)


@pytest.mark.parametrize(
    "entry",
    [
        f"{FUNCTION_ARN}:live",  # qualified: an alias or version, not the function
        "123456789012:function:cd-dev-jobs",  # a partial ARN
        "arn:aws:lambda:ap-northeast-1:123456789012:layer:cd-dev-jobs",
        "arn:aws:s3:::cd-dev-jobs",
        "cd.dev.jobs",
        "x" * 65,
    ],
)
def test_anything_else_as_a_function_is_invalid(entry):
    doc = document()
    doc["images"]["lambda"]["lambdaFunctions"] = [entry]

    with pytest.raises(ManifestInvalidError, match=r"lambdaFunctions"):
        parse_manifest(json.dumps(doc))


def test_a_function_by_name_and_by_arn_is_listed_twice():
    doc = document()
    doc["images"]["lambda"]["lambdaFunctions"] = ["cd-dev-jobs", FUNCTION_ARN]

    with pytest.raises(ManifestInvalidError, match=r"lists cd-dev-jobs more than once"):
        parse_manifest(json.dumps(doc))


def test_an_arn_gives_its_region_account_and_name():
    assert function_arn_parts(FUNCTION_ARN) == ("ap-northeast-1", "123456789012")
    assert function_arn_parts("cd-dev-jobs") is None
    assert bare_function_name(FUNCTION_ARN) == bare_function_name("cd-dev-jobs") == "cd-dev-jobs"
