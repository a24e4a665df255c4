"""Both preview roles read exactly what a preview reads; the GitHub one trusts only jobs in
the protected environment.

The reads are the calls the program's data sources make (tag parameters, the functions
and their live aliases, the repositories, the web service, three calls without resource
scope), and the state backend's own folder: ``<prefix>/.pulumi`` of the configured
``s3://my-org-pulumi-state/container-delivery``.
"""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template

PROD = "container-delivery-prod"
STATE_FOLDER = "container-delivery/.pulumi"


def _role(template: Template, predicate: str) -> tuple[str, dict[str, Any]]:
    roles = {
        logical: resource
        for logical, resource in template.find_resources("AWS::IAM::Role").items()
        if predicate in logical or resource["Properties"].get("RoleName") == predicate
    }
    assert len(roles) == 1, sorted(roles)
    ((logical, role),) = roles.items()
    return logical, role["Properties"]


def _statements(template: Template, role: str) -> list[dict[str, Any]]:
    policies = template.find_resources(
        "AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": role}]}}
    )
    return [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]


def _by_sid(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in statements if "Sid" in s}


def test_the_github_role_trusts_the_preview_environment_only(prod_template: Template) -> None:
    _, props = _role(prod_template, f"{PROD}-github-preview")
    (trust,) = props["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": (
                "repo:my-org/container-delivery-infra:environment:preview"
            ),
        }
    }
    assert "ManagedPolicyArns" not in props


def test_both_preview_roles_read_the_same_things(prod_template: Template) -> None:
    github, _ = _role(prod_template, f"{PROD}-github-preview")
    codebuild, props = _role(prod_template, "InfraPreviewProjectRole")
    assert "ManagedPolicyArns" not in props  # no ReadOnlyAccess: it reads every bucket
    github_reads = _by_sid(_statements(prod_template, github))
    codebuild_reads = _by_sid(_statements(prod_template, codebuild))
    assert set(github_reads) == {
        "ReadImageTags",
        "ReadLiveFunctions",
        "ReadImageDigestTags",
        "ReadLiveService",
        "ReadOnlyWithoutResourceScope",
        "ListTheStateFolder",
        "ReadTheState",
    }
    assert {sid: codebuild_reads[sid] for sid in github_reads} == github_reads


def test_state_reads_stay_in_the_backend_folder(prod_template: Template) -> None:
    github, _ = _role(prod_template, f"{PROD}-github-preview")
    reads = _by_sid(_statements(prod_template, github))
    listing = reads["ListTheStateFolder"]
    assert listing["Action"] == "s3:ListBucket"
    assert listing["Condition"] == {"StringLike": {"s3:prefix": [f"{STATE_FOLDER}/*"]}}
    assert json.dumps(listing["Resource"]).endswith(':s3:::my-org-pulumi-state"]]}')
    assert reads["ReadTheState"]["Action"] == "s3:GetObject"
    assert json.dumps(reads["ReadTheState"]["Resource"]).endswith(
        f':s3:::my-org-pulumi-state/{STATE_FOLDER}/*"]]}}'
    )


def test_functions_are_read_with_their_live_aliases(prod_template: Template) -> None:
    github, _ = _role(prod_template, f"{PROD}-github-preview")
    functions = _by_sid(_statements(prod_template, github))["ReadLiveFunctions"]
    assert sorted(functions["Action"]) == [
        "lambda:GetFunction",
        "lambda:GetFunctionConcurrency",
        "lambda:ListVersionsByFunction",
    ]
    resources = json.dumps(functions["Resource"])
    for name in ("api", "nightly-report"):
        assert f':function:{PROD}-{name}"' in resources
        assert f':function:{PROD}-{name}:live"' in resources
