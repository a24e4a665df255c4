"""The prod stack under the real engine: no preview without a release, a plan with one.

prod is a promoted stage of dev: a release there is a promotion, which records a tag and
the digest it was promoted with, and leaves that digest in dev's registry with the tag.
"""

from __future__ import annotations

import json

import pytest

from infra_pulumi.exceptions import ReleaseRequiredError
from tests_engine.engine import Workspace, calls
from tests_engine.standin.provider import REGISTRY_IMAGE
from tests_engine.standin.store import CloudObject

TAG_PARAMETERS = (
    "/container-delivery/prod/images/lambda/tag",
    "/container-delivery/prod/images/web/tag",
)
DIGEST_PARAMETERS = (
    "/container-delivery/prod/images/lambda/digest",
    "/container-delivery/prod/images/web/digest",
)
DIGEST = "sha256:" + "5e" * 32
#: dev's account in Pulumi.prod.yaml (promoteFrom.account).
DEV_ACCOUNT = "111122223333"


@pytest.fixture(scope="module")
def prod(workspace: Workspace) -> Workspace:
    workspace.init_stack("prod")
    return workspace


def test_preview_without_a_release_fails_with_the_programs_message(prod: Workspace) -> None:
    result = prod.run("preview", "--stack", "prod", expect=None)

    assert result.returncode != 0

    assert str(ReleaseRequiredError(TAG_PARAMETERS[0])) in result.output
    assert "ReleaseRequiredError" in result.output
    # The invoke error the program classified as "not found", in the engine's words: the
    # SDK's and the engine's prefixes around the provider's text.
    assert (
        "invoke of aws:ssm/getParameter:getParameter failed: invocation of "
        "aws:ssm/getParameter:getParameter returned an error: invoking "
        "aws:ssm/getParameter:getParameter: 1 error occurred:"
    ) in result.output


def test_preview_with_a_released_tag_plans(prod: Workspace) -> None:
    # What the first promotion leaves behind: each tag parameter holds the tag, each
    # digest parameter its digest, and dev's registry holds that digest with the tag.
    for names, value in ((TAG_PARAMETERS, "abc1234"), (DIGEST_PARAMETERS, DIGEST)):
        for name in names:
            prod.cloud.put(
                CloudObject(
                    "aws:ssm/parameter:Parameter",
                    name,
                    "",
                    {"name": name, "type": "String", "insecureValue": value},
                )
            )
    for image in ("lambda", "web"):
        key = f"{DEV_ACCOUNT}/container-delivery-dev-{image}@{DIGEST}"
        tags = ["abc1234", "promoted-prod-abc1234"]
        prod.cloud.put(CloudObject(REGISTRY_IMAGE, key, "", {"imageTags": tags}))
    mark = prod.record.mark()

    result = prod.run("preview", "--stack", "prod", "--json", show=False)

    plan = json.loads(result.stdout)
    assert plan["changeSummary"]["create"] > 0
    invoked = calls(prod.record.since(mark), "Invoke")
    lookups = [
        c["args"]["name"] for c in invoked if c["token"] == "aws:ssm/getParameter:getParameter"
    ]
    assert sorted(lookups) == sorted(TAG_PARAMETERS + DIGEST_PARAMETERS)
    # The promoted digest, checked in dev's registry (another account's) before use.
    images = [c["args"] for c in invoked if c["token"] == "aws:ecr/getImage:getImage"]
    assert sorted((a["registryId"], a["repositoryName"]) for a in images) == [
        (DEV_ACCOUNT, "container-delivery-dev-lambda"),
        (DEV_ACCOUNT, "container-delivery-dev-web"),
    ]
    # Found, so no fallback: a preview's image URIs are unknown (the repositories do not
    # exist yet), but the program warned of no placeholder and stopped on nothing.
    messages = [d["message"] for d in plan["diagnostics"]]
    assert messages, "the preview reported no diagnostics at all (not even the plugin warnings)"
    assert not [m for m in messages if "does not exist yet" in m], messages


def test_up_then_destroy_stops_at_the_protected_data(prod: Workspace) -> None:
    """prod protects its data (protectData follows requireRelease): the engine refuses a
    destroy before deleting anything, and names the protected resources."""
    prod.run("up", "--stack", "prod", "--yes")
    state = prod.export("prod")
    # Promoted: every function runs dev's repository at the promoted digest, never a tag.
    images = {
        r["inputs"]["imageUri"]
        for r in state["deployment"]["resources"]
        if r["type"] == "aws:lambda/function:Function"
    }
    registry = f"{DEV_ACCOUNT}.dkr.ecr.ap-northeast-1.amazonaws.com"
    assert images == {f"{registry}/container-delivery-dev-lambda@{DIGEST}"}
    protected = [
        r["urn"] for r in state["deployment"]["resources"] if r.get("protect") and r.get("custom")
    ]
    assert any(
        urn.endswith("aws:ecr/repository:Repository::lambda-repository") for urn in protected
    )
    assert any("aws:kms/key:Key" in urn for urn in protected)
    # The release lock table too, and DynamoDB's own deletion protection is on.
    (table,) = [
        r for r in state["deployment"]["resources"] if r["type"] == "aws:dynamodb/table:Table"
    ]
    assert table["urn"] in protected
    assert table["inputs"]["deletionProtectionEnabled"] is True
    mark = prod.record.mark()

    result = prod.run("destroy", "--stack", "prod", "--yes", expect=None)

    assert result.returncode != 0
    assert "protected" in result.output
    # Nothing was deleted: the engine checks protection before any delete.
    assert calls(prod.record.since(mark), "Delete") == []
    left = prod.export("prod")["deployment"]["resources"]
    assert len(left) == len(state["deployment"]["resources"])
