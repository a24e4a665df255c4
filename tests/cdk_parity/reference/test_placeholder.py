"""The `initial` placeholder: copied by cdk-ecr-deployment, staged at synth time without Docker.

Expected values come from the talk and AWS's documentation, never from the Pulumi
program: this reference is what the Pulumi side is checked against.
"""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk.assertions import Match, Template

from cdk_parity.reference.synth import Synthesis
from tests.cdk_parity.reference.templates import (
    DEV,
    PROJECT_ROOT,
    logical_id,
)


def test_placeholder_is_copied_as_initial_by_ecr_deployment(dev_template: Template) -> None:
    dev_template.resource_count_is("Custom::CDKECRDeployment", 2)
    for image, repository in (("lambda", "LambdaRepository"), ("web", "WebRepository")):
        repo_id = logical_id(
            dev_template, "AWS::ECR::Repository", {"RepositoryName": f"{DEV}-{image}"}
        )
        assert repo_id.startswith(repository)
        dev_template.has_resource_properties(
            "Custom::CDKECRDeployment",
            {
                "SrcImage": {
                    "Fn::Join": [
                        "",
                        [
                            "docker://",
                            {
                                "Fn::Sub": Match.string_like_regexp(
                                    r"cdk-hnb659fds-container-assets-123456789012-ap-northeast-1:"
                                )
                            },
                        ],
                    ]
                },
                "DestImage": {"Fn::Join": ["", Match.array_with([{"Ref": repo_id}, ":initial"])]},
            },
        )


def test_synth_stages_both_placeholder_contexts_without_docker(
    lookup_synthesis: Synthesis, lookup_outdir: Path
) -> None:
    assets = json.loads((lookup_outdir / f"{lookup_synthesis.stack_name}.assets.json").read_text())
    images = list(assets["dockerImages"].values())
    assert len(images) == 2
    staged = {
        (lookup_outdir / image["source"]["directory"] / "Dockerfile").read_text(): image["source"]
        for image in images
    }
    for context in ("docker/initial_lambda", "docker/initial_web"):
        dockerfile = (PROJECT_ROOT / context / "Dockerfile").read_text()
        assert dockerfile in staged, f"{context} was not staged into the cloud assembly"
        assert staged[dockerfile]["platform"] == "linux/amd64"
