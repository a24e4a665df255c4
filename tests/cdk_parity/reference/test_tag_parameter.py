"""The image-tag parameters: created at `initial`, holding only what the tag contract allows.

Expected values come from the talk and AWS's documentation, never from the Pulumi
program: this reference is what the Pulumi side is checked against.
"""

from __future__ import annotations

import re

import pytest
from aws_cdk.assertions import Match, Template


@pytest.mark.parametrize(
    ("value", "stored"),
    [
        ("initial", True),
        ("0a1b2c3", True),  # the talk: the first 7 characters of the commit hash
        ("0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", True),  # a full SHA-1
        ("latest", False),
        ("0a1b2c", False),
        ("0A1B2C3", False),
        ("0a1b2c3-dirty", False),
        ("x0a1b2c3", False),
        ("0a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", False),
    ],
)
def test_tag_parameters_store_only_tags(dev_template: Template, value: str, stored: bool) -> None:
    """SSM applies AllowedPattern to every PutParameter: only the placeholder or a commit."""
    parameters = dev_template.find_resources(
        "AWS::SSM::Parameter", {"Properties": {"Name": Match.string_like_regexp("/images/")}}
    )
    assert len(parameters) == 2
    for parameter in parameters.values():
        pattern = parameter["Properties"]["AllowedPattern"]
        assert (re.search(pattern, value) is not None) is stored, (pattern, value)


def test_tag_parameters_start_at_initial(dev_template: Template) -> None:
    for image in ("lambda", "web"):
        dev_template.has_resource_properties(
            "AWS::SSM::Parameter",
            {
                "Name": f"/container-delivery/dev/images/{image}/tag",
                "Type": "String",
                "Value": "initial",
            },
        )
    dev_template.has_resource_properties(
        "AWS::SSM::Parameter",
        {
            "Name": "/container-delivery/dev/deploy-manifest",
            "Value": {"Fn::Join": ["", Match.array_with([Match.string_like_regexp('"schema":4')])]},
        },
    )
