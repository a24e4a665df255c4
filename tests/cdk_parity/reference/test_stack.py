"""The stack as a whole, per example stack: what prod adds (HTTPS, the GitHub role) and how
its offline synth resolves the tags.

Expected values come from the talk and AWS's documentation, never from the Pulumi
program: this reference is what the Pulumi side is checked against.
"""

from __future__ import annotations

from aws_cdk.assertions import Match, Template

from cdk_parity.reference.stack import ContainerDeliveryStack
from tests.cdk_parity.reference.templates import (
    PROD,
    TLS13_POLICY,
)


def test_prod_https_listener_and_github_role(prod_template: Template) -> None:
    prod_template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"Port": 443, "Protocol": "HTTPS", "SslPolicy": TLS13_POLICY},
    )
    prod_template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"Port": 80, "DefaultActions": [Match.object_like({"Type": "redirect"})]},
    )
    prod_template.resource_count_is("AWS::IAM::OIDCProvider", 1)
    prod_template.has_resource_properties("AWS::IAM::Role", {"RoleName": f"{PROD}-github-preview"})


def test_prod_synth_time_offline_pins_the_placeholder(
    prod_stack: ContainerDeliveryStack, prod_template: Template
) -> None:
    assert {i: (r.tag, r.source) for i, r in prod_stack.resolved_tags.items()} == {
        "lambda": ("initial", "placeholder"),
        "web": ("initial", "placeholder"),
    }
    prod_template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "FunctionName": f"{PROD}-api",
            "Code": {"ImageUri": {"Fn::Join": ["", Match.array_with([":initial"])]}},
        },
    )
    assert not prod_template.find_parameters("*", {"Default": Match.string_like_regexp("/images/")})
